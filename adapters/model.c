#include "harness/common.h"
#include "adapters/adapter.h"
#include "harness/log.h"
#include "harness/xalloc.h"

static const struct adapter_ops *const adapters[] = {
	&adapter_baseline,
};

const struct adapter_ops *const *adapter_list(size_t *n)
{
	*n = ARRAY_SIZE(adapters);
	return adapters;
}

int model_open(struct model **out, const char *spec, const struct suite *s)
{
	const char *colon = strchr(spec, ':'), *at = strchr(spec, '@');
	size_t n, i;
	struct model *m;

	*out = NULL;
	n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (at && (size_t)(at - spec) < n)
		n = (size_t)(at - spec);
	for (i = 0; i < ARRAY_SIZE(adapters); i++)
		if (strlen(adapters[i]->name) == n && !memcmp(adapters[i]->name, spec, n))
			break;
	if (i == ARRAY_SIZE(adapters) || !colon) {
		error("model '%s': expected ADAPTER:NAME with ADAPTER one of the known adapters "
		      "(see 'steval run --help')", spec);
		return -1;
	}
	m = xcalloc(1, sizeof(*m));
	m->ops = adapters[i];
	m->spec = xstrdup(spec);
	if (m->ops->open(m, spec + n + (spec[n] == ':' ? 1 : 0), s) < 0) {
		free(m->spec);
		free(m);
		return -1;
	}
	*out = m;
	return 0;
}

void model_close(struct model *m)
{
	if (!m)
		return;
	if (m->ops->close)
		m->ops->close(m);
	free(m->spec);
	free(m);
}

int model_answer(struct model *m, const struct request *rq, struct answer *out)
{
	return m->ops->answer(m, rq, out);
}

int model_needs_media(const struct model *m)
{
	return m->ops->needs_media ? m->ops->needs_media(m) : 1;
}

void answer_release(struct answer *a)
{
	free(a->text);
	free(a->finish_reason);
	free(a->error);
	memset(a, 0, sizeof(*a));
}
