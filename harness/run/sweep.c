/*
 * sweep.c: sweep files: parse, check, plan (see sweep.h, docs/cluster.md).
 */
#include "lib/common.h"
#include "harness/run/sweep.h"
#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <unistd.h>

/* The options of `steval run` a sweep may set. Those marked resume are
 * given again on --resume (how to reach the model); the others are part of
 * the run's identity and come back from its manifest. */
enum okind { O_VAL, O_FLAG, O_KV };
static const struct run_option {
	const char *name;
	enum okind kind;
	int resume;
} run_options[] = {
	{ "limit", O_VAL, 0 },
	{ "seed", O_VAL, 0 },
	{ "blind", O_FLAG, 0 },
	{ "max-tokens", O_VAL, 0 },
	{ "temperature", O_VAL, 0 },
	{ "gen", O_KV, 0 },
	{ "concurrency", O_VAL, 1 },
	{ "rpm", O_VAL, 1 },
	{ "tpm", O_VAL, 1 },
	{ "timeout", O_VAL, 1 },
	{ "connect-timeout", O_VAL, 1 },
	{ "idle-timeout", O_VAL, 1 },
	{ "retries", O_VAL, 1 },
	{ "max-retry-wait", O_VAL, 1 },
	{ "max-response", O_VAL, 1 },
	{ "max-errors", O_VAL, 1 },
	{ "stream", O_FLAG, 1 },
	{ "no-stream", O_FLAG, 1 },
	{ "key-env", O_VAL, 1 },
	{ "body", O_KV, 1 },
	{ "cache-dir", O_VAL, 1 },
	{ "no-cache", O_FLAG, 1 },
	{ "frame-workers", O_VAL, 1 },
	{ "no-thumbnails", O_FLAG, 1 },
};

/* set by the sweep itself */
static const char *const managed[] = { "model", "models", "data", "protocol", "out", "resume",
					"shard", "progress", "no-progress" };

struct ctx {
	const char *file;
	struct sweep *sw;
};

static int bad(const struct ctx *c, const char *field, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int bad(const struct ctx *c, const char *field, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	error("'%s': %s: %s", c->file, field, buf_cstr(&b));
	buf_release(&b);
	return -1;
}

static char *abs_in(const char *dir, const char *p)
{
	return p[0] == '/' ? xstrdup(p) : path_join(dir, p);
}

/* Object keys must be among the known ones. */
static int known_keys(const struct ctx *c, const char *field, const cJSON *obj,
		      const char *const *keys, size_t n)
{
	const cJSON *e;
	size_t i;

	cJSON_ArrayForEach(e, obj) {
		struct buf list = BUF_INIT;
		for (i = 0; i < n; i++)
			if (!strcmp(e->string, keys[i]))
				break;
		if (i < n)
			continue;
		for (i = 0; i < n; i++)
			buf_addf(&list, "%s%s", i ? ", " : "", keys[i]);
		bad(c, field, "unknown field '%s' (known: %s)", e->string, buf_cstr(&list));
		buf_release(&list);
		return -1;
	}
	return 0;
}

/* Text that lands on a #SBATCH line or in a file name: printable, no space. */
static int plain(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!*p)
		return 0;
	for (; *p; p++)
		if (*p <= ' ' || *p == 0x7f)
			return 0;
	return 1;
}

static int safe_label(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

/* An optional string field; *out keeps NULL when absent. */
static int get_str(const struct ctx *c, const cJSON *obj, const char *key, const char *where,
		   const char **out)
{
	const cJSON *v = json_get(obj, key);
	char field[256];

	*out = NULL;
	if (!v)
		return 0;
	snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key);
	if (!cJSON_IsString(v) || !*v->valuestring)
		return bad(c, field, "expected a non-empty string");
	*out = v->valuestring;
	return 0;
}

static int get_int(const struct ctx *c, const cJSON *obj, const char *key, const char *where,
		   long lo, long hi, long *out)
{
	const cJSON *v = json_get(obj, key);
	char field[256];

	if (!v)
		return 0;
	snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key);
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(long)v->valuedouble ||
	    v->valuedouble < (double)lo || v->valuedouble > (double)hi)
		return bad(c, field, "expected an integer from %ld to %ld", lo, hi);
	*out = (long)v->valuedouble;
	return 0;
}

static int get_bool(const struct ctx *c, const cJSON *obj, const char *key, const char *where,
		    int *out)
{
	const cJSON *v = json_get(obj, key);
	char field[256];

	if (!v)
		return 0;
	snprintf(field, sizeof(field), "%s%s%s", where, *where ? "." : "", key);
	if (!cJSON_IsBool(v))
		return bad(c, field, "expected true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

/* A list of non-empty strings (one string is a list of one). */
static int get_strs(const struct ctx *c, const cJSON *v, const char *field, int need_plain,
		    char ***out, size_t *n)
{
	const cJSON *e;
	size_t i = 0;

	*out = NULL;
	*n = 0;
	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		if (!*v->valuestring || (need_plain && !plain(v->valuestring)))
			return bad(c, field, need_plain ? "expected text without spaces" :
							  "expected a non-empty string");
		*out = xcalloc(1, sizeof(char *));
		(*out)[0] = xstrdup(v->valuestring);
		*n = 1;
		return 0;
	}
	if (!cJSON_IsArray(v))
		return bad(c, field, "expected a string or a list of strings");
	*out = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e) || !*e->valuestring ||
		    (need_plain && !plain(e->valuestring))) {
			char f[300];
			snprintf(f, sizeof(f), "%s[%zu]", field, i);
			return bad(c, f, need_plain ? "expected text without spaces" :
						      "expected a non-empty string");
		}
		(*out)[i++] = xstrdup(e->valuestring);
		*n = i;
	}
	return 0;
}

static void free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static const char *const res_keys[] = { "partition", "account", "qos", "time", "gres",
					"mem", "constraint", "cpus_per_task", "extra", "shards",
					"merge" };

/* A "slurm" object. with_shards: the array jobs' one (shards and merge allowed). */
static int parse_res(const struct ctx *c, const cJSON *o, const char *where,
		     struct sweep_res *r, long *shards, const cJSON **merge)
{
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
		{ "partition", offsetof(struct sweep_res, partition) },
		{ "account", offsetof(struct sweep_res, account) },
		{ "qos", offsetof(struct sweep_res, qos) },
		{ "time", offsetof(struct sweep_res, time) },
		{ "gres", offsetof(struct sweep_res, gres) },
		{ "mem", offsetof(struct sweep_res, mem) },
		{ "constraint", offsetof(struct sweep_res, constraint) },
	};
	size_t i, nkeys = ARRAY_SIZE(res_keys) - (shards ? (merge ? 0 : 1) : 2);
	char field[256];

	if (!o)
		return 0;
	if (!cJSON_IsObject(o))
		return bad(c, where, "expected an object");
	if (known_keys(c, where, o, res_keys, nkeys) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(strs); i++) {
		const char *s;
		if (get_str(c, o, strs[i].key, where, &s) < 0)
			return -1;
		if (!s)
			continue;
		if (!plain(s)) {
			snprintf(field, sizeof(field), "%s.%s", where, strs[i].key);
			return bad(c, field, "'%s': no spaces or control characters", s);
		}
		*(char **)((char *)r + strs[i].off) = xstrdup(s);
	}
	if (get_int(c, o, "cpus_per_task", where, 1, 100000, &r->cpus) < 0)
		return -1;
	snprintf(field, sizeof(field), "%s.extra", where);
	if (get_strs(c, json_get(o, "extra"), field, 1, &r->extra, &r->nextra) < 0)
		return -1;
	for (i = 0; i < r->nextra; i++)
		if (strncmp(r->extra[i], "--", 2) || strlen(r->extra[i]) < 3) {
			snprintf(field, sizeof(field), "%s.extra[%zu]", where, i);
			return bad(c, field, "'%s': expected a long sbatch option, --name=value",
				   r->extra[i]);
		}
	if (shards && get_int(c, o, "shards", where, 1, 10000, shards) < 0)
		return -1;
	if (merge)
		*merge = json_get(o, "merge");
	return 0;
}

static void res_release(struct sweep_res *r)
{
	free(r->partition);
	free(r->account);
	free(r->qos);
	free(r->time);
	free(r->gres);
	free(r->mem);
	free(r->constraint);
	free_strs(r->extra, r->nextra);
	memset(r, 0, sizeof(*r));
}

static const struct run_option *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(run_options); i++)
		if (!strcmp(run_options[i].name, name))
			return &run_options[i];
	return NULL;
}

/* An "options" object: run options by name, plus "args". */
static int check_options(const struct ctx *c, const cJSON *o, const char *where)
{
	const cJSON *e;
	char field[256];
	size_t i;

	if (!cJSON_IsObject(o))
		return bad(c, where, "expected an object of steval run options");
	cJSON_ArrayForEach(e, o) {
		const struct run_option *ro = find_option(e->string);
		snprintf(field, sizeof(field), "%s.%s", where, e->string);
		if (!strcmp(e->string, "name"))
			continue;
		if (!strcmp(e->string, "args")) {
			char **v;
			size_t n;
			if (get_strs(c, e, field, 0, &v, &n) < 0) {
				free_strs(v, n);
				return -1;
			}
			free_strs(v, n);
			continue;
		}
		if (!ro) {
			for (i = 0; i < ARRAY_SIZE(managed); i++)
				if (!strcmp(managed[i], e->string))
					return bad(c, field, "set by the sweep itself, not an option here");
			return bad(c, field, "not an option of 'steval run' a sweep can set (see "
					     "docs/cluster.md; \"args\" passes others as they are)");
		}
		switch (ro->kind) {
		case O_FLAG:
			if (!cJSON_IsBool(e))
				return bad(c, field, "a flag: expected true or false");
			break;
		case O_VAL:
			if (!(cJSON_IsString(e) && *e->valuestring) && !cJSON_IsNumber(e))
				return bad(c, field, "expected a number or a string");
			break;
		case O_KV:
			if (!cJSON_IsObject(e))
				return bad(c, field, "expected an object: KEY -> value");
			break;
		}
	}
	if (json_get(o, "stream") && json_get(o, "no-stream") && cJSON_IsTrue(json_get(o, "stream")) &&
	    cJSON_IsTrue(json_get(o, "no-stream")))
		return bad(c, where, "stream and no-stream together");
	return 0;
}

/* ---- models ---- */

static char *default_label(const char *model)
{
	char *adapter = NULL, *url = NULL, *rest = NULL, *s, *label;

	if (strchr(model, ':') && model_spec_split(model, &adapter, &url, &rest) == 0) {
		s = xasprintf("%s_%s", adapter, rest);
		label = store_safe_name(s);
		free(s);
	} else
		label = store_safe_name(model);
	free(adapter);
	free(url);
	free(rest);
	return label;
}

/* ADAPTER@URL:MODEL with one "{port}" in the URL: its parts, "{port}" kept. */
static int split_port_spec(const char *spec, char **a, char **u, char **r)
{
	const char *hit = strstr(spec, "{port}"), *at = strchr(spec, '@');
	char *sub;
	size_t off;
	int rc;

	*a = *u = *r = NULL;
	if (!hit || !at || at > hit || strstr(hit + 6, "{port}"))
		return -1;
	off = (size_t)(hit - at - 1);
	sub = xasprintf("%.*s1%s", (int)(hit - spec), spec, hit + 6);
	rc = model_spec_split(sub, a, u, r);
	free(sub);
	if (rc < 0 || !*u || strlen(*u) <= off || (*u)[off] != '1' || strncmp(*u, at + 1, off)) {
		free(*a);
		free(*u);
		free(*r);
		*a = *u = *r = NULL;
		return -1;
	}
	sub = xasprintf("%.*s{port}%s", (int)off, *u, *u + off + 1);
	free(*u);
	*u = sub;
	return 0;
}

static int parse_model(const struct ctx *c, const cJSON *v, size_t i, struct sweep_model *m)
{
	static const char *const keys[] = { "name", "model", "models_file", "server", "options",
					    "slurm" };
	static const char *const skeys[] = { "command", "port", "host", "wait" };
	char where[64], field[128];
	const char *s;
	const cJSON *srv;

	snprintf(where, sizeof(where), "models[%zu]", i);
	m->wait = 900;
	if (cJSON_IsString(v)) {
		if (!*v->valuestring)
			return bad(c, where, "an empty model");
		m->model = xstrdup(v->valuestring);
		m->label = default_label(m->model);
		return 0;
	}
	if (!cJSON_IsObject(v))
		return bad(c, where, "expected a model spec (\"openai:gpt-4o\"), a models-file "
				     "name, or an object with \"model\"");
	if (known_keys(c, where, v, keys, ARRAY_SIZE(keys)) < 0)
		return -1;
	if (get_str(c, v, "model", where, &s) < 0)
		return -1;
	if (!s)
		return bad(c, where, "no \"model\" (a model spec or a models-file name)");
	m->model = xstrdup(s);
	if (get_str(c, v, "name", where, &s) < 0)
		return -1;
	if (s && !safe_label(s)) {
		snprintf(field, sizeof(field), "%s.name", where);
		return bad(c, field, "'%s': only letters, digits, '.', '-' and '_'", s);
	}
	if (!s && strstr(m->model, "{port}")) {
		snprintf(field, sizeof(field), "%s.name", where);
		return bad(c, field, "missing: a model with \"{port}\" needs a name");
	}
	m->label = s ? xstrdup(s) : default_label(m->model);
	if (get_str(c, v, "models_file", where, &s) < 0)
		return -1;
	if (s)
		m->models_file = abs_in(c->sw->dir, s);
	srv = json_get(v, "server");
	snprintf(field, sizeof(field), "%s.server", where);
	if (srv) {
		if (!cJSON_IsObject(srv))
			return bad(c, field, "expected an object: {\"command\": \"vllm serve ...\", "
					     "\"port\": 8000}");
		if (known_keys(c, field, srv, skeys, ARRAY_SIZE(skeys)) < 0 ||
		    get_str(c, srv, "command", field, &s) < 0)
			return -1;
		if (!s)
			return bad(c, field, "no \"command\" (the shell command that starts the server)");
		m->server = xstrdup(s);
		if (get_int(c, srv, "port", field, 1, 65535, &m->port) < 0)
			return -1;
		if (!m->port)
			return bad(c, field, "no \"port\" (the port to wait on before the run starts)");
		if (get_str(c, srv, "host", field, &s) < 0)
			return -1;
		if (s && !safe_label(s)) {
			snprintf(field, sizeof(field), "%s.server.host", where);
			return bad(c, field, "'%s': expected a host name or an address", s);
		}
		m->host = xstrdup(s ? s : "127.0.0.1");
		m->per_task = strstr(m->server, "{port}") || strstr(m->model, "{port}");
		if (get_int(c, srv, "wait", field, 1, 86400, &m->wait) < 0)
			return -1;
	}
	if (!m->server && strstr(m->model, "{port}")) {
		snprintf(field, sizeof(field), "%s.model", where);
		return bad(c, field, "\"{port}\" without a \"server\" to give it");
	}
	if (strstr(m->model, "{port}")) {
		char *a = NULL, *u = NULL, *r = NULL;
		int ok = split_port_spec(m->model, &a, &u, &r) == 0;
		free(a);
		free(u);
		free(r);
		if (!ok) {
			snprintf(field, sizeof(field), "%s.model", where);
			return bad(c, field, "'%s': \"{port}\" goes in the URL of ADAPTER@URL:MODEL",
				   m->model);
		}
	}
	if (json_get(v, "options")) {
		snprintf(field, sizeof(field), "%s.options", where);
		if (check_options(c, json_get(v, "options"), field) < 0)
			return -1;
		m->options = cJSON_Duplicate(json_get(v, "options"), 1);
	}
	snprintf(field, sizeof(field), "%s.slurm", where);
	return parse_res(c, json_get(v, "slurm"), field, &m->res, &m->shards, NULL);
}

/* ---- suites ---- */

static int is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".json"));
}

static int parse_suite(const struct ctx *c, const cJSON *v, size_t i, struct sweep_suite *su,
		       char **protocols, size_t nprotocols)
{
	static const char *const keys[] = { "suite", "name", "data", "protocols", "options" };
	char where[64], field[128];
	const char *s = NULL;
	size_t k;

	snprintf(where, sizeof(where), "suites[%zu]", i);
	if (cJSON_IsString(v))
		s = *v->valuestring ? v->valuestring : NULL;
	else if (cJSON_IsObject(v)) {
		if (known_keys(c, where, v, keys, ARRAY_SIZE(keys)) < 0 ||
		    get_str(c, v, "suite", where, &s) < 0)
			return -1;
	} else
		return bad(c, where, "expected a suite name, a spec path, or an object with \"suite\"");
	if (!s)
		return bad(c, where, "no suite (a name such as \"vlm4d\" or a spec path)");
	su->suite = is_path(s) ? abs_in(c->sw->dir, s) : xstrdup(s);
	if (is_path(s)) {
		char *stem = path_stem(s);
		su->label = store_safe_name(stem);
		free(stem);
	} else
		su->label = store_safe_name(s);
	if (cJSON_IsObject(v)) {
		if (get_str(c, v, "name", where, &s) < 0)
			return -1;
		if (s) {
			if (!safe_label(s)) {
				snprintf(field, sizeof(field), "%s.name", where);
				return bad(c, field, "'%s': only letters, digits, '.', '-' and '_'", s);
			}
			free(su->label);
			su->label = xstrdup(s);
		}
		if (get_str(c, v, "data", where, &s) < 0)
			return -1;
		if (s)
			su->data = abs_in(c->sw->dir, s);
		snprintf(field, sizeof(field), "%s.protocols", where);
		if (get_strs(c, json_get(v, "protocols"), field, 1, &su->protocols, &su->nprotocols) < 0)
			return -1;
		if (json_get(v, "options")) {
			snprintf(field, sizeof(field), "%s.options", where);
			if (check_options(c, json_get(v, "options"), field) < 0)
				return -1;
			su->options = cJSON_Duplicate(json_get(v, "options"), 1);
		}
	}
	if (!su->nprotocols) {
		/* the sweep's protocols, or the suite's default (one NULL entry) */
		su->inherited = nprotocols > 0;
		su->nprotocols = nprotocols ? nprotocols : 1;
		su->protocols = xcalloc(su->nprotocols + 1, sizeof(char *));
		for (k = 0; k < nprotocols; k++)
			su->protocols[k] = xstrdup(protocols[k]);
	}
	return 0;
}

/* ---- the file ---- */

int sweep_parse(struct sweep *sw, const char *path, const char *text, size_t len,
		const char *steval)
{
	static const char *const keys[] = { "name", "out", "steval", "models_file", "setup", "models",
					    "suites", "protocols", "options", "slurm", "leaderboard" };
	static const char *const lkeys[] = { "formats", "ci", "reference" };
	struct ctx c = { path, sw };
	cJSON *tree;
	const cJSON *v, *e, *merge = NULL;
	char **protocols = NULL, *d, field[128];
	size_t nprotocols = 0, i;
	const char *s;

	memset(sw, 0, sizeof(*sw));
	sw->path = xstrdup(path);
	d = path_dir(path);
	if (d[0] == '/')
		sw->dir = d;
	else {
		char cwd[4096];
		if (!getcwd(cwd, sizeof(cwd))) {
			free(d);
			sweep_release(sw);
			return error("cannot get the current directory: %s", strerror(errno));
		}
		sw->dir = strcmp(d, ".") ? path_join(cwd, d) : xstrdup(cwd);
		free(d);
	}
	tree = json_parse(text, len, path, 0);
	if (!tree)
		goto fail;
	if (!cJSON_IsObject(tree)) {
		bad(&c, "top level", "a sweep file is a JSON object (docs/cluster.md)");
		goto fail;
	}
	if (known_keys(&c, "top level", tree, keys, ARRAY_SIZE(keys)) < 0)
		goto fail;
	if (get_str(&c, tree, "name", "", &s) < 0)
		goto fail;
	if (s && !safe_label(s)) {
		bad(&c, "name", "'%s': only letters, digits, '.', '-' and '_'", s);
		goto fail;
	}
	if (s)
		sw->name = xstrdup(s);
	else {
		char *stem = path_stem(path);
		sw->name = store_safe_name(stem);
		free(stem);
	}
	if (get_str(&c, tree, "out", "", &s) < 0)
		goto fail;
	if (s)
		sw->out = abs_in(sw->dir, s);
	else {
		char *o = xasprintf("sweep-%s", sw->name);
		sw->out = path_join(sw->dir, o);
		free(o);
	}
	if (!plain(sw->out)) {
		bad(&c, "out", "'%s': no spaces or control characters (they cannot go on #SBATCH "
			       "lines)", sw->out);
		goto fail;
	}
	if (get_str(&c, tree, "steval", "", &s) < 0)
		goto fail;
	sw->steval = xstrdup(s ? s : steval ? steval : "steval");
	if (s && strchr(s, '/')) {
		free(sw->steval);
		sw->steval = abs_in(sw->dir, s);
	}
	if (get_str(&c, tree, "models_file", "", &s) < 0)
		goto fail;
	if (s)
		sw->models_file = abs_in(sw->dir, s);
	if (get_strs(&c, json_get(tree, "setup"), "setup", 0, &sw->setup, &sw->nsetup) < 0)
		goto fail;
	for (i = 0; i < sw->nsetup; i++)
		if (strchr(sw->setup[i], '\n')) {
			snprintf(field, sizeof(field), "setup[%zu]", i);
			bad(&c, field, "one shell line per entry (no newline)");
			goto fail;
		}
	if (get_strs(&c, json_get(tree, "protocols"), "protocols", 1, &protocols, &nprotocols) < 0)
		goto fail;

	/* slurm */
	sw->shards = 1;
	if (parse_res(&c, json_get(tree, "slurm"), "slurm", &sw->res, &sw->shards, &merge) < 0)
		goto fail;
	if (parse_res(&c, merge, "slurm.merge", &sw->merge_res, NULL, NULL) < 0)
		goto fail;

	/* models */
	v = json_get(tree, "models");
	if (!v || !cJSON_IsArray(v) || !cJSON_GetArraySize(v)) {
		bad(&c, "models", v ? "expected a non-empty list" : "missing (a list of models)");
		goto fail;
	}
	sw->models = xcalloc((size_t)cJSON_GetArraySize(v), sizeof(*sw->models));
	cJSON_ArrayForEach(e, v) {
		if (parse_model(&c, e, sw->nmodels, &sw->models[sw->nmodels]) < 0) {
			sw->nmodels++;
			goto fail;
		}
		sw->nmodels++;
	}

	/* suites */
	v = json_get(tree, "suites");
	if (v && cJSON_IsString(v)) {
		sw->suites = xcalloc(1, sizeof(*sw->suites));
		sw->nsuites = 1;
		if (parse_suite(&c, v, 0, &sw->suites[0], protocols, nprotocols) < 0)
			goto fail;
	} else {
		if (!v || !cJSON_IsArray(v) || !cJSON_GetArraySize(v)) {
			bad(&c, "suites", v ? "expected a non-empty list" : "missing (a list of suites)");
			goto fail;
		}
		sw->suites = xcalloc((size_t)cJSON_GetArraySize(v), sizeof(*sw->suites));
		cJSON_ArrayForEach(e, v) {
			if (parse_suite(&c, e, sw->nsuites, &sw->suites[sw->nsuites], protocols,
					nprotocols) < 0) {
				sw->nsuites++;
				goto fail;
			}
			sw->nsuites++;
		}
	}

	/* options: one object, or a list of named option sets */
	v = json_get(tree, "options");
	if (!v || cJSON_IsObject(v)) {
		sw->variants = xcalloc(1, sizeof(*sw->variants));
		sw->nvariants = 1;
		if (v) {
			if (check_options(&c, v, "options") < 0)
				goto fail;
			if (json_get(v, "name")) {
				bad(&c, "options.name", "only option sets in a list have names");
				goto fail;
			}
			sw->variants[0].options = cJSON_Duplicate(v, 1);
		}
	} else if (cJSON_IsArray(v) && cJSON_GetArraySize(v)) {
		size_t n = (size_t)cJSON_GetArraySize(v);
		sw->variants = xcalloc(n, sizeof(*sw->variants));
		cJSON_ArrayForEach(e, v) {
			struct sweep_variant *va = &sw->variants[sw->nvariants];
			snprintf(field, sizeof(field), "options[%zu]", sw->nvariants);
			sw->nvariants++;
			if (check_options(&c, e, field) < 0 || get_str(&c, e, "name", field, &s) < 0)
				goto fail;
			if (!s && n > 1) {
				bad(&c, field, "no \"name\" (each of several option sets needs one)");
				goto fail;
			}
			if (s && !safe_label(s)) {
				snprintf(field, sizeof(field), "options[%zu].name", sw->nvariants - 1);
				bad(&c, field, "'%s': only letters, digits, '.', '-' and '_'", s);
				goto fail;
			}
			for (i = 0; s && i + 1 < sw->nvariants; i++)
				if (sw->variants[i].name && !strcmp(sw->variants[i].name, s)) {
					snprintf(field, sizeof(field), "options[%zu].name", sw->nvariants - 1);
					bad(&c, field, "'%s' names options[%zu] too", s, i);
					goto fail;
				}
			va->name = s ? xstrdup(s) : NULL;
			va->options = cJSON_Duplicate(e, 1);
		}
	} else {
		bad(&c, "options", "expected an object of steval run options, or a non-empty list "
				   "of them");
		goto fail;
	}

	/* leaderboard */
	v = json_get(tree, "leaderboard");
	if (v) {
		if (!cJSON_IsObject(v)) {
			bad(&c, "leaderboard", "expected an object");
			goto fail;
		}
		if (known_keys(&c, "leaderboard", v, lkeys, ARRAY_SIZE(lkeys)) < 0 ||
		    get_strs(&c, json_get(v, "formats"), "leaderboard.formats", 1, &sw->formats,
			     &sw->nformats) < 0 ||
		    get_bool(&c, v, "ci", "leaderboard", &sw->lb_ci) < 0 ||
		    get_bool(&c, v, "reference", "leaderboard", &sw->lb_reference) < 0)
			goto fail;
		for (i = 0; i < sw->nformats; i++) {
			static const char *const fmts[] = { "md", "csv", "latex", "html", "json" };
			size_t k;
			for (k = 0; k < ARRAY_SIZE(fmts); k++)
				if (!strcmp(fmts[k], sw->formats[i]))
					break;
			if (k == ARRAY_SIZE(fmts)) {
				snprintf(field, sizeof(field), "leaderboard.formats[%zu]", i);
				bad(&c, field, "'%s': expected md, csv, latex, html or json", sw->formats[i]);
				goto fail;
			}
		}
	}
	if (!sw->nformats) {
		sw->formats = xcalloc(1, sizeof(char *));
		sw->formats[0] = xstrdup("md");
		sw->nformats = 1;
	}
	free_strs(protocols, nprotocols);
	cJSON_Delete(tree);
	return 0;
fail:
	free_strs(protocols, nprotocols);
	cJSON_Delete(tree);
	sweep_release(sw);
	return -1;
}

int sweep_load(struct sweep *sw, const char *path, const char *steval)
{
	struct buf b = BUF_INIT_MAX((size_t)16 << 20);
	int rc;

	memset(sw, 0, sizeof(*sw));
	if (!file_exists(path))
		return error("sweep file '%s': %s", path, dir_exists(path) ? "a directory" :
							    "no such file");
	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = sweep_parse(sw, path, buf_cstr(&b), b.len, steval);
	buf_release(&b);
	return rc;
}

/* ---- check against suites and models files ---- */

static int in_models_file(const char *file, const char *name, int *found)
{
	cJSON *tree = json_parse_file(file, (size_t)16 << 20);
	const cJSON *e;

	*found = 0;
	if (!tree)
		return -1;
	e = json_get(tree, "models");
	*found = (cJSON_IsObject(e) ? json_get(e, name) : json_get(tree, name)) != NULL;
	cJSON_Delete(tree);
	return 0;
}

int sweep_check(struct sweep *sw)
{
	struct ctx c = { sw->path, sw };
	char field[128];
	size_t i, k;

	for (i = 0; i < sw->nsuites; i++) {
		struct sweep_suite *su = &sw->suites[i];
		struct suite s;
		snprintf(field, sizeof(field), "suites[%zu]", i);
		memset(&s, 0, sizeof(s));
		if (suite_open(&s, su->suite) < 0)
			return bad(&c, field, "cannot open suite '%s' (see the error above)", su->suite);
		for (k = 0; k < su->nprotocols; k++) {
			const struct protocol *p = suite_protocol(&s, su->protocols[k]);
			if (!p) {
				suite_release(&s);
				if (su->inherited)
					snprintf(field, sizeof(field), "protocols[%zu] (for suites[%zu])", k, i);
				else
					snprintf(field, sizeof(field), "suites[%zu].protocols[%zu]", i, k);
				return bad(&c, field, "suite '%s' has no protocol '%s'", su->suite,
					   su->protocols[k]);
			}
			if (!su->protocols[k])
				su->protocols[k] = xstrdup(p->name);
		}
		suite_release(&s);
	}
	for (i = 0; i < sw->nmodels; i++) {
		const struct sweep_model *m = &sw->models[i];
		const char *file = m->models_file ? m->models_file : sw->models_file;
		int found = 0;
		snprintf(field, sizeof(field), "models[%zu]", i);
		if (strstr(m->model, "{port}"))
			continue;   /* checked by sweep_parse: ADAPTER@URL:MODEL */
		if (file && !file_exists(file))
			return bad(&c, field, "models file '%s': no such file", file);
		if (file && in_models_file(file, m->model, &found) < 0)
			return bad(&c, field, "cannot read models file '%s'", file);
		if (found)
			continue;
		if (!strchr(m->model, ':'))
			return bad(&c, field, "'%s' is not of the form ADAPTER:NAME and not an entry "
					      "of %s%s%s", m->model, file ? "'" : "the models file (none "
					      "given: \"models_file\")", file ? file : "", file ? "'" : "");
		{
			char *a = NULL, *u = NULL, *r = NULL;
			int rc = model_spec_split(m->model, &a, &u, &r);
			free(a);
			free(u);
			free(r);
			if (rc < 0)
				return bad(&c, field, "model '%s': expected ADAPTER:NAME or "
						      "ADAPTER@URL:NAME", m->model);
		}
	}
	return 0;
}

/* ---- plan ---- */

struct argv_b {
	char **v;
	size_t n, alloc;
};

static void add_arg(struct argv_b *a, char *s)   /* takes s */
{
	if (a->n + 1 >= a->alloc) {
		a->alloc = a->alloc ? 2 * a->alloc : 16;
		a->v = xrealloc(a->v, a->alloc * sizeof(char *));
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static char *value_text(const cJSON *v)
{
	struct buf b = BUF_INIT;

	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v) && json_spelling(v))
		return xstrdup(json_spelling(v));
	if (cJSON_IsTrue(v))
		return xstrdup("true");
	if (cJSON_IsFalse(v))
		return xstrdup("false");
	if (cJSON_IsNull(v))
		return xstrdup("null");
	{
		struct jw w;
		jw_init(&w, &b, 0);
		jw_value(&w, v);
	}
	return buf_detach(&b, NULL);
}

/* Later layers win: one option replaces another of its name; gen and body
 * merge key by key. */
static void merge_options(cJSON *into, const cJSON *layer)
{
	const cJSON *e;

	if (!layer)
		return;
	cJSON_ArrayForEach(e, layer) {
		cJSON *have = cJSON_GetObjectItemCaseSensitive(into, e->string);
		if (!strcmp(e->string, "name"))
			continue;
		if (have && cJSON_IsObject(have) && cJSON_IsObject(e)) {
			const cJSON *kv;
			cJSON_ArrayForEach(kv, e) {
				cJSON_DeleteItemFromObjectCaseSensitive(have, kv->string);
				cJSON_AddItemToObject(have, kv->string, cJSON_Duplicate(kv, 1));
			}
			continue;
		}
		if (have && !strcmp(e->string, "args") && cJSON_IsArray(have)) {
			const cJSON *a;
			if (cJSON_IsString(e))
				cJSON_AddItemToArray(have, cJSON_CreateString(e->valuestring));
			else
				cJSON_ArrayForEach(a, e)
					cJSON_AddItemToArray(have, cJSON_CreateString(a->valuestring));
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(into, e->string);
		if (!strcmp(e->string, "args") && cJSON_IsString(e)) {
			cJSON *arr = cJSON_CreateArray();
			cJSON_AddItemToArray(arr, cJSON_CreateString(e->valuestring));
			cJSON_AddItemToObject(into, e->string, arr);
		} else
			cJSON_AddItemToObject(into, e->string, cJSON_Duplicate(e, 1));
	}
	/* stream and no-stream: the later one wins */
	if (cJSON_IsTrue(json_get(layer, "stream")))
		cJSON_DeleteItemFromObjectCaseSensitive(into, "no-stream");
	if (cJSON_IsTrue(json_get(layer, "no-stream")))
		cJSON_DeleteItemFromObjectCaseSensitive(into, "stream");
}

static void options_args(const cJSON *o, int resume, struct argv_b *a)
{
	size_t i;
	const cJSON *e;

	for (i = 0; i < ARRAY_SIZE(run_options); i++) {
		const struct run_option *ro = &run_options[i];
		const cJSON *v = json_get(o, ro->name);
		if (!v || (resume && !ro->resume))
			continue;
		switch (ro->kind) {
		case O_FLAG:
			if (cJSON_IsTrue(v))
				add_arg(a, xasprintf("--%s", ro->name));
			break;
		case O_VAL:
			add_arg(a, xasprintf("--%s", ro->name));
			add_arg(a, value_text(v));
			break;
		case O_KV:
			cJSON_ArrayForEach(e, v) {
				char *t = value_text(e);
				add_arg(a, xasprintf("--%s", ro->name));
				add_arg(a, xasprintf("%s=%s", e->string, t));
				free(t);
			}
			break;
		}
	}
	if (!resume)
		cJSON_ArrayForEach(e, json_get(o, "args"))
			add_arg(a, xstrdup(e->valuestring));
}

/* {"LABEL": {"adapter": A, "base_url": URL, "model": M}} with URL's {port} */
static char *port_models_json(const struct sweep_model *m)
{
	char *a = NULL, *u = NULL, *r = NULL;
	struct buf b = BUF_INIT;
	struct jw w;

	split_port_spec(m->model, &a, &u, &r);
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, m->label);
	jw_obj(&w);
	jw_key(&w, "adapter");
	jw_str(&w, a);
	jw_key(&w, "base_url");
	jw_str(&w, u);
	jw_key(&w, "model");
	jw_str(&w, r);
	jw_end(&w);
	jw_end(&w);
	free(a);
	free(u);
	free(r);
	return buf_detach(&b, NULL);
}

#define PICK(f) (m->res.f ? m->res.f : sw->res.f)

int sweep_plan(struct sweep *sw)
{
	size_t mi, si, pi, vi, n = 0, j, k;
	long tasks = 0;

	for (si = 0; si < sw->nsuites; si++)
		n += sw->suites[si].nprotocols;
	n *= sw->nmodels * sw->nvariants;
	sw->jobs = xcalloc(n, sizeof(*sw->jobs));
	/* suites outermost: a suite's jobs stay together, in the file's order */
	for (si = 0; si < sw->nsuites; si++)
		for (pi = 0; pi < sw->suites[si].nprotocols; pi++)
			for (vi = 0; vi < sw->nvariants; vi++)
				for (mi = 0; mi < sw->nmodels; mi++) {
					struct sweep_job *jb = &sw->jobs[sw->njobs++];
					const struct sweep_model *m = &sw->models[mi];
					const struct sweep_suite *su = &sw->suites[si];
					const struct sweep_variant *va = &sw->variants[vi];
					const char *mf = m->models_file ? m->models_file : sw->models_file;
					struct argv_b a = { 0 }, r = { 0 };
					cJSON *o = cJSON_CreateObject();

					jb->model = mi;
					jb->suite = si;
					jb->variant = vi;
					jb->protocol = su->protocols[pi];
					jb->key = xasprintf("%s.%s.%s%s%s", su->label,
							    jb->protocol ? jb->protocol : "default", m->label,
							    va->name ? "." : "", va->name ? va->name : "");
					jb->shards = m->shards ? m->shards : sw->shards;
					jb->port = m->port + tasks;
					tasks += jb->shards;
					jb->res.partition = PICK(partition);
					jb->res.account = PICK(account);
					jb->res.qos = PICK(qos);
					jb->res.time = PICK(time);
					jb->res.gres = PICK(gres);
					jb->res.mem = PICK(mem);
					jb->res.constraint = PICK(constraint);
					jb->res.cpus = m->res.cpus ? m->res.cpus : sw->res.cpus;
					jb->res.extra = m->res.nextra ? m->res.extra : sw->res.extra;
					jb->res.nextra = m->res.nextra ? m->res.nextra : sw->res.nextra;

					merge_options(o, va->options);
					merge_options(o, su->options);
					merge_options(o, m->options);
					add_arg(&a, xstrdup(su->suite));
					add_arg(&a, xstrdup("--model"));
					if (m->per_task && strstr(m->model, "{port}")) {
						jb->models_json = port_models_json(m);
						add_arg(&a, xstrdup(m->label));
						mf = NULL;   /* the task's own (the script adds it) */
					} else
						add_arg(&a, xstrdup(m->model));
					if (mf) {
						add_arg(&a, xstrdup("--models"));
						add_arg(&a, xstrdup(mf));
						add_arg(&r, xstrdup("--models"));
						add_arg(&r, xstrdup(mf));
					}
					if (su->data) {
						add_arg(&a, xstrdup("--data"));
						add_arg(&a, xstrdup(su->data));
					}
					if (jb->protocol) {
						add_arg(&a, xstrdup("--protocol"));
						add_arg(&a, xstrdup(jb->protocol));
					}
					options_args(o, 0, &a);
					options_args(o, 1, &r);
					cJSON_Delete(o);
					jb->run_args = a.v;
					jb->nrun = a.n;
					jb->resume_args = r.v;
					jb->nresume = r.n;
				}
	for (j = 0; j < sw->njobs; j++) {
		const struct sweep_model *m = &sw->models[sw->jobs[j].model];
		if (m->per_task && sw->jobs[j].port + sw->jobs[j].shards - 1 > 65535)
			return error("'%s': models[%zu].server.port: %ld plus one port per task (%ld "
				     "before this job's %ld) goes past 65535", sw->path, sw->jobs[j].model,
				     m->port, sw->jobs[j].port - m->port, sw->jobs[j].shards);
	}
	for (j = 0; j < sw->njobs; j++)
		for (k = 0; k < j; k++)
			if (!strcmp(sw->jobs[j].key, sw->jobs[k].key))
				return error("'%s': two jobs are both named '%s': give the models, suites "
					     "or option sets distinct \"name\"s", sw->path, sw->jobs[j].key);
	return 0;
}

void sweep_release(struct sweep *sw)
{
	size_t i;

	for (i = 0; i < sw->nmodels; i++) {
		struct sweep_model *m = &sw->models[i];
		free(m->label);
		free(m->model);
		free(m->models_file);
		free(m->server);
		free(m->host);
		cJSON_Delete(m->options);
		res_release(&m->res);
	}
	free(sw->models);
	for (i = 0; i < sw->nsuites; i++) {
		struct sweep_suite *su = &sw->suites[i];
		free(su->label);
		free(su->suite);
		free(su->data);
		free_strs(su->protocols, su->nprotocols);
		cJSON_Delete(su->options);
	}
	free(sw->suites);
	for (i = 0; i < sw->nvariants; i++) {
		free(sw->variants[i].name);
		cJSON_Delete(sw->variants[i].options);
	}
	free(sw->variants);
	for (i = 0; i < sw->njobs; i++) {
		free(sw->jobs[i].key);
		free(sw->jobs[i].models_json);
		free_strs(sw->jobs[i].run_args, sw->jobs[i].nrun);
		free_strs(sw->jobs[i].resume_args, sw->jobs[i].nresume);
	}
	free(sw->jobs);
	res_release(&sw->res);
	res_release(&sw->merge_res);
	free_strs(sw->setup, sw->nsetup);
	free_strs(sw->formats, sw->nformats);
	free(sw->path);
	free(sw->dir);
	free(sw->name);
	free(sw->out);
	free(sw->steval);
	free(sw->models_file);
	memset(sw, 0, sizeof(*sw));
}
