#include "lib/common.h"
#include "scorers/grade.h"
#include "scorers/extract.h"
#include "scorers/metric.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/rng.h"
#include "lib/xalloc.h"

static int extractor_known(const char *name)
{
	return extract_find(name) != NULL;
}

static int metric_known(const char *name)
{
	return metric_find(name) != NULL;
}

void grade_register_names(void)
{
	static const struct suite_name_checks c = { extractor_known, metric_known };

	suite_set_name_checks(&c);
}

const char *grade_status_name(enum grade_status s)
{
	switch (s) {
	case GRADE_OK: return "ok";
	case GRADE_UNPARSED: return "unparsed";
	case GRADE_ERROR: return "error";
	}
	return "?";
}

int grade_status_parse(const char *name, enum grade_status *out)
{
	if (!strcmp(name, "ok"))
		*out = GRADE_OK;
	else if (!strcmp(name, "unparsed"))
		*out = GRADE_UNPARSED;
	else if (!strcmp(name, "error"))
		*out = GRADE_ERROR;
	else
		return -1;
	return 0;
}

void grade_release(struct grade *g)
{
	free(g->extracted);
	free(g->fallback);
	g->extracted = g->fallback = NULL;
}

int grade_fixed_fallback(const char *fb)
{
	return fb && fb[0] >= 'A' && fb[0] <= 'Z' && !fb[1];
}

static const cJSON *variant_obj(const struct protocol *p, const char *variant)
{
	return variant ? json_get(p->variants, variant) : NULL;
}

static int has_fallback(const struct protocol *p)
{
	const cJSON *f;

	if (!p->fallback)
		return 0;
	if (cJSON_IsString(p->fallback))
		return 1;
	cJSON_ArrayForEach(f, p->fallback)
		if (cJSON_IsString(f))
			return 1;
	return 0;
}

size_t grade_variants(const struct protocol *p, const char **names, size_t max)
{
	const cJSON *v;
	size_t n = 0;

	if (has_fallback(p) && !json_get(p->variants, "strict") && n < max)
		names[n++] = "strict";
	cJSON_ArrayForEach(v, p->variants)
		if (n < max)
			names[n++] = v->string;
	return n;
}

/* Setting for the item's type: the variant's if it sets one, else the protocol's. */
static const char *setting(const struct protocol *p, const cJSON *var, const char *key,
			   const char *type, int *explicit_null)
{
	const cJSON *vs = var ? json_get(var, key) : NULL, *base;

	*explicit_null = 0;
	if (vs) {
		if (cJSON_IsNull(vs)) {
			*explicit_null = 1;
			return NULL;
		}
		if (protocol_for_type(vs, type))
			return protocol_for_type(vs, type);
		if (cJSON_IsObject(vs) && json_get(vs, type) && cJSON_IsNull(json_get(vs, type))) {
			*explicit_null = 1;
			return NULL;
		}
	}
	base = json_get(p->json, key);
	return base ? protocol_for_type(base, type) : NULL;
}

int grade_answer(const struct protocol *p, const char *variant, const struct item *it,
		 const char *response, size_t len, uint64_t seed, int direct, struct grade *out)
{
	const cJSON *var = variant_obj(p, variant);
	const char *type = it->type->name, *xname, *mname, *fb;
	const struct extract_def *x;
	const struct metric_def *m;
	struct extraction ex = { NULL, 0, -1 };
	struct buf kept = BUF_INIT;
	double tol = 0;
	const cJSON *t;
	int null_fb;

	memset(out, 0, sizeof(*out));
	out->rule = -1;
	if (!response) {
		out->status = GRADE_ERROR;
		out->extracted = xstrdup("");
		return 0;
	}
	xname = setting(p, var, "extractor", type, &null_fb);
	mname = setting(p, var, "metric", type, &null_fb);
	fb = setting(p, var, "fallback", type, &null_fb);
	if (variant && !strcmp(variant, "strict") && !json_get(p->variants, "strict"))
		fb = NULL;
	if (direct)
		xname = "raw";
	x = xname ? extract_find(xname) : NULL;
	m = mname ? metric_find(mname) : NULL;
	if (!x || !m)
		return error("protocol '%s': no extractor or metric for answer type '%s'", p->name, type);
	out->extractor = x->name;
	out->metric = m->name;
	if ((t = json_get(p->json, "tolerance")) && cJSON_IsNumber(t))
		tol = t->valuedouble;
	extract_strip_think(response, len, &kept);
	if (extract_run(x, buf_cstr(&kept), kept.len, it, &ex) < 0) {
		buf_release(&kept);
		return -1;
	}
	buf_release(&kept);
	out->status = ex.found ? GRADE_OK : GRADE_UNPARSED;
	out->rule = ex.rule;
	if (!ex.found && fb && grade_fixed_fallback(fb)) {
		/* OmniSpatial: the official code answers "A" when nothing parses */
		out->fallback = xstrdup(fb);
	} else if (!ex.found && fb && !strcmp(fb, "random") && it->nopt) {
		struct rng r;
		size_t k;
		rng_seed_str(&r, seed, it->id);
		k = (size_t)rng_below(&r, it->nopt);
		out->fallback = xstrdup(it->opts[k].letter);
	}
	if (out->fallback) {
		struct extraction fx = { out->fallback, 1, -1 };
		out->score = metric_score(m, it, &fx, tol);
	} else {
		out->score = metric_score(m, it, &ex, tol);
	}
	out->extracted = ex.value ? ex.value : xstrdup("");
	return 0;
}

int grade_all(const struct protocol *p, const struct item *it, const char *response,
	      size_t len, uint64_t seed, int direct, struct graded *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (grade_answer(p, NULL, it, response, len, seed, direct, &out->main) < 0)
		return -1;
	out->nv = grade_variants(p, out->vnames, GRADE_MAX_VARIANTS);
	for (i = 0; i < out->nv; i++)
		if (grade_answer(p, out->vnames[i], it, response, len, seed, direct, &out->var[i]) < 0)
			return -1;
	return 0;
}

void graded_release(struct graded *g)
{
	size_t i;

	grade_release(&g->main);
	for (i = 0; i < g->nv; i++)
		grade_release(&g->var[i]);
	g->nv = 0;
}
