#include "lib/common.h"
#include "harness/cli/opt.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

void opt_list_release(struct opt_list *l)
{
	free(l->v);
	l->v = NULL;
	l->nr = l->alloc = 0;
}

void opt_usage(FILE *f, const struct opt_cmd *cmd)
{
	const struct opt *o;

	fprintf(f, "usage: %s\n", cmd->usage);
	if (cmd->summary)
		fprintf(f, "\n%s\n", cmd->summary);
	if (!cmd->opts || cmd->opts[0].type == OPT_END)
		return;
	fprintf(f, "\noptions:\n");
	for (o = cmd->opts; o->type != OPT_END; o++) {
		char left[64];
		int n;
		if (o->shortname)
			n = snprintf(left, sizeof(left), "  -%c, --%s", o->shortname, o->name);
		else
			n = snprintf(left, sizeof(left), "      --%s", o->name);
		if (o->argname && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n, " %s", o->argname);
		fprintf(f, "%-30s %s\n", left, o->help ? o->help : "");
	}
	fprintf(f, "  -h, --help                   show this help\n");
}

static const struct opt *find_long(const struct opt *opts, const char *name, size_t n)
{
	const struct opt *o;

	for (o = opts; o && o->type != OPT_END; o++)
		if (strlen(o->name) == n && !memcmp(o->name, name, n))
			return o;
	return NULL;
}

static const struct opt *find_short(const struct opt *opts, char c)
{
	const struct opt *o;

	for (o = opts; o && o->type != OPT_END; o++)
		if (o->shortname == c)
			return o;
	return NULL;
}

static int store(const struct opt_cmd *cmd, const struct opt *o, const char *val)
{
	switch (o->type) {
	case OPT_STR:
		*(const char **)o->dest = val;
		return 0;
	case OPT_INT:
	case OPT_UINT:
	case OPT_PINT: {
		long v;
		long lo = o->type == OPT_PINT ? 1 : 0;
		if (parse_long(val, &v) < 0)
			return error("%s: --%s expects a whole number%s, not '%s'", cmd->name, o->name,
				     o->type == OPT_INT ? "" : lo ? " >= 1" : " >= 0", val);
		if (o->type != OPT_INT && v < lo)
			return error("%s: --%s must be a whole number >= %ld, not '%s'",
				     cmd->name, o->name, lo, val);
		*(long *)o->dest = v;
		return 0;
	}
	case OPT_DOUBLE:
	case OPT_UDOUBLE:
	case OPT_PDOUBLE: {
		double v;
		const char *want = o->type == OPT_DOUBLE ? "a finite number" :
				   o->type == OPT_UDOUBLE ? "a number >= 0" : "a number > 0";
		if (parse_double(val, &v) < 0 || !isfinite(v))
			return error("%s: --%s expects %s, not '%s'", cmd->name, o->name, want, val);
		if ((o->type == OPT_UDOUBLE && !(v >= 0)) || (o->type == OPT_PDOUBLE && !(v > 0)))
			return error("%s: --%s must be %s, not '%s'", cmd->name, o->name, want, val);
		*(double *)o->dest = v;
		return 0;
	}
	case OPT_LIST: {
		struct opt_list *l = o->dest;
		ALLOC_GROW(l->v, l->nr + 1, l->alloc);
		l->v[l->nr++] = val;
		return 0;
	}
	default:
		return -1;
	}
}

int opt_parse(const struct opt_cmd *cmd, int argc, char **argv,
	      const char ***pos, size_t *npos)
{
	size_t alloc = 0;
	int i, only_pos = 0;

	*pos = NULL;
	*npos = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o = NULL;
		const char *val = NULL;

		if (only_pos || a[0] != '-' || !a[1]) {
			ALLOC_GROW(*pos, *npos + 1, alloc);
			(*pos)[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			only_pos = 1;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			opt_usage(stdout, cmd);
			return 1;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');
			size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
			o = find_long(cmd->opts, a + 2, n);
			if (eq)
				val = eq + 1;
		} else if (!a[2]) {
			o = find_short(cmd->opts, a[1]);
		}
		if (!o) {
			error("%s: unknown option '%s' (see 'steval %s --help')", cmd->name, a, cmd->name);
			goto fail;
		}
		if (o->type == OPT_FLAG || o->type == OPT_COUNT) {
			if (val) {
				error("%s: --%s takes no value", cmd->name, o->name);
				goto fail;
			}
			if (o->type == OPT_FLAG)
				*(int *)o->dest = 1;
			else
				(*(int *)o->dest)++;
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				error("%s: --%s needs a value", cmd->name, o->name);
				goto fail;
			}
			val = argv[++i];
		}
		if (store(cmd, o, val) < 0)
			goto fail;
	}
	if (*npos < cmd->min_pos || *npos > cmd->max_pos) {
		error("%s: wrong number of arguments", cmd->name);
		opt_usage(stderr, cmd);
		goto fail;
	}
	return 0;
fail:
	free(*pos);
	*pos = NULL;
	*npos = 0;
	return -1;
}
