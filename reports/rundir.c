/*
 * rundir.c: a run directory as the reports read it.
 */
#include "lib/common.h"
#include "reports/report.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

#define RESULTS_MAX ((size_t)64 << 20)

void report_run_adopt(struct report_run *r, const char *dir, cJSON *results)
{
	memset(r, 0, sizeof(*r));
	r->dir = dir ? xstrdup(dir) : NULL;
	r->results = results;
	if (dir) {
		char *m = path_join(dir, "manifest.json");
		if (file_exists(m))
			r->manifest = json_parse_file(m, RESULTS_MAX);
		free(m);
	}
}

int report_run_open(struct report_run *r, const char *dir)
{
	char *p = path_join(dir, "results.json");
	cJSON *res;

	memset(r, 0, sizeof(*r));
	if (!dir_exists(dir)) {
		free(p);
		return error("'%s' is not a directory (a run directory holds results.json)", dir);
	}
	if (!file_exists(p)) {
		error("'%s': no results.json (not a finished run directory?)", dir);
		free(p);
		return -1;
	}
	res = json_parse_file(p, RESULTS_MAX);
	if (!res) {
		free(p);
		return -1;
	}
	if (!cJSON_IsObject(res) || !json_get_str(res, "suite") || !cJSON_IsObject(json_get(res, "overall"))) {
		error("'%s': not a steval results.json (no \"suite\" or \"overall\")", p);
		cJSON_Delete(res);
		free(p);
		return -1;
	}
	free(p);
	report_run_adopt(r, dir, res);
	if (r->dir && !r->manifest) {
		char *m = path_join(dir, "manifest.json");
		if (file_exists(m))
			warnf("'%s': cannot be read; run facts are left out", m);
		free(m);
	}
	return 0;
}

struct load_ctx {
	cJSON **v;
	size_t n, alloc;
	const char *path;
};

static int check_grade(const cJSON *g, const char *file, size_t line, const char *id,
		       const char *variant)
{
	const cJSON *st = json_get(g, "status"), *sc = json_get(g, "score");
	const char *s = cJSON_IsString(st) ? st->valuestring : NULL;
	char what[160];
	int err;

	snprintf(what, sizeof(what), "item '%.60s'%s%.60s%s", id, variant ? " (variant '" : "",
		 variant ? variant : "", variant ? "')" : "");
	if (!s || (strcmp(s, "ok") && strcmp(s, "unparsed") && strcmp(s, "error")))
		return error("'%s': line %zu: %s: %s status%s%.40s%s (ok, unparsed or error)", file, line,
			     what, s ? "unknown" : "no", s ? " '" : "", s ? s : "", s ? "'" : "");
	err = !strcmp(s, "error");
	if ((!sc || cJSON_IsNull(sc)) && err)
		return 0;
	if (!cJSON_IsNumber(sc))
		return error("'%s': line %zu: %s: the score is not a number", file, line, what);
	if (!(sc->valuedouble >= 0 && sc->valuedouble <= 1))
		return error("'%s': line %zu: %s: score %g is outside [0, 1]", file, line, what,
			     sc->valuedouble);
	return 0;
}

int report_check_sample(const cJSON *rec, const char *file, size_t line)
{
	const char *id = json_get_str(rec, "id");
	const cJSON *v;

	if (!cJSON_IsObject(rec) || !id)
		return error("'%s': line %zu: not a sample (an object with a string \"id\")", file, line);
	if (check_grade(rec, file, line, id, NULL) < 0)
		return -1;
	cJSON_ArrayForEach(v, json_get(rec, "variants"))
		if (check_grade(v, file, line, id, v->string) < 0)
			return -1;
	return 0;
}

static int on_line(cJSON *rec, size_t line, void *vctx)
{
	struct load_ctx *c = vctx;

	if (report_check_sample(rec, c->path, line) < 0) {
		cJSON_Delete(rec);
		return -1;
	}
	ALLOC_GROW(c->v, c->n + 1, c->alloc);
	c->v[c->n++] = rec;
	return 0;
}

struct idpos {
	const char *id;
	long rep;             /* "repeat" (--repeats), -1 without */
	size_t pos;
};

static int cmp_idpos(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	if (c)
		return c;
	if (x->rep != y->rep)
		return x->rep < y->rep ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

long report_sample_repeat(const cJSON *smp)
{
	const cJSON *r = json_get(smp, "repeat");

	return cJSON_IsNumber(r) && r->valuedouble >= 0 ? (long)r->valuedouble : -1;
}

void report_last_lines(const char *const *ids, const long *reps, size_t n, unsigned char *keep)
{
	struct idpos *ix = xcalloc(n ? n : 1, sizeof(*ix));
	size_t i;

	for (i = 0; i < n; i++) {
		ix[i].id = ids[i];
		ix[i].rep = reps[i];
		ix[i].pos = i;
	}
	qsort(ix, n, sizeof(*ix), cmp_idpos);
	for (i = 0; i < n; i++)
		keep[ix[i].pos] = i + 1 == n || strcmp(ix[i].id, ix[i + 1].id) || ix[i].rep != ix[i + 1].rep;
	free(ix);
}

int report_run_samples(struct report_run *r)
{
	struct load_ctx c = { NULL, 0, 0, NULL };
	const char **ids;
	long *reps;
	unsigned char *keep;
	size_t i, k, torn;
	char *p;

	if (r->samples_loaded)
		return 0;
	r->samples_loaded = 1;
	if (!r->dir)
		return 0;
	p = path_join(r->dir, "samples.jsonl");
	if (!file_exists(p)) {
		free(p);
		return 0;
	}
	c.path = p;
	if (store_read_jsonl(p, on_line, &c, &torn) < 0) {
		for (i = 0; i < c.n; i++)
			cJSON_Delete(c.v[i]);
		free(c.v);
		free(p);
		return -1;
	}
	free(p);
	/* the last line of each id (and repeat) counts; keep file order */
	ids = xcalloc(c.n ? c.n : 1, sizeof(*ids));
	reps = xcalloc(c.n ? c.n : 1, sizeof(*reps));
	keep = xcalloc(c.n ? c.n : 1, 1);
	for (i = 0; i < c.n; i++) {
		ids[i] = json_get_str(c.v[i], "id");
		reps[i] = report_sample_repeat(c.v[i]);
	}
	report_last_lines(ids, reps, c.n, keep);
	free(ids);
	free(reps);
	r->samples = xcalloc(c.n ? c.n : 1, sizeof(*r->samples));
	for (i = k = 0; i < c.n; i++) {
		if (keep[i])
			r->samples[k++] = c.v[i];
		else
			cJSON_Delete(c.v[i]);
	}
	r->nsamples = k;
	free(keep);
	free(c.v);
	return 0;
}

void report_run_release(struct report_run *r)
{
	size_t i;

	for (i = 0; i < r->nsamples; i++)
		cJSON_Delete(r->samples[i]);
	free(r->samples);
	cJSON_Delete(r->results);
	cJSON_Delete(r->manifest);
	free(r->dir);
	memset(r, 0, sizeof(*r));
}

const char *report_suite(const struct report_run *r)
{
	const char *s = json_get_str(r->results, "suite");

	if (!s && r->manifest)
		s = json_get_str(json_get(r->manifest, "suite"), "name");
	return s ? s : "";
}

const char *report_model(const struct report_run *r)
{
	const char *s = json_get_str(r->results, "model");

	if (!s && r->manifest)
		s = json_get_str(r->manifest, "model");
	return s ? s : "";
}

const char *report_protocol(const struct report_run *r)
{
	const char *s = json_get_str(r->results, "protocol");

	if (!s && r->manifest)
		s = json_get_str(r->manifest, "protocol");
	return s ? s : "";
}

/* The statuses verification counts; 3 for any other. */
static const char *const status_keys[3] = { "ok", "unparsed", "error" };

static unsigned char status_index(const cJSON *smp)
{
	const char *st = json_get_str(smp, "status");
	unsigned char k;

	for (k = 0; k < 3 && !(st && !strcmp(st, status_keys[k])); k++)
		;
	return k;
}

/* What verification needs of each line, kept while the tree is dropped: a
 * leaderboard of 45 runs of 1,816 samples no longer holds 80,000 trees. */
struct status_ctx {
	char **ids;
	long *reps;
	unsigned char *st;     /* 0 ok, 1 unparsed, 2 error, 3 other */
	size_t n, alloc_ids, alloc_reps, alloc_st;
	const char *path;
};

static int on_status(cJSON *rec, size_t line, void *vctx)
{
	struct status_ctx *c = vctx;
	const char *id;

	if (report_check_sample(rec, c->path, line) < 0) {
		cJSON_Delete(rec);
		return -1;
	}
	id = json_get_str(rec, "id");
	ALLOC_GROW(c->ids, c->n + 1, c->alloc_ids);
	ALLOC_GROW(c->reps, c->n + 1, c->alloc_reps);
	ALLOC_GROW(c->st, c->n + 1, c->alloc_st);
	c->ids[c->n] = id ? xstrdup(id) : NULL;
	c->reps[c->n] = report_sample_repeat(rec);
	c->st[c->n++] = status_index(rec);
	cJSON_Delete(rec);
	return 0;
}

/* The ok, unparsed and error counts of the last line of each id (and
 * repeat) of samples.jsonl, as report_run_samples() would keep them, read
 * line by line. Returns -1 on a bad line (reported), 0 without the file. */
static int count_statuses(const struct report_run *r, size_t have[3], size_t *nsamples)
{
	struct status_ctx c;
	unsigned char *keep;
	size_t i, torn;
	char *p = path_join(r->dir, "samples.jsonl");
	int rc = 0;

	memset(&c, 0, sizeof(c));
	*nsamples = 0;
	if (!file_exists(p)) {
		free(p);
		return 0;
	}
	c.path = p;
	if (store_read_jsonl(p, on_status, &c, &torn) < 0) {
		rc = -1;
		goto out;
	}
	keep = xcalloc(c.n ? c.n : 1, 1);
	report_last_lines((const char *const *)c.ids, c.reps, c.n, keep);
	for (i = 0; i < c.n; i++)
		if (keep[i]) {
			(*nsamples)++;
			if (c.st[i] < 3)
				have[c.st[i]]++;
		}
	free(keep);
out:
	for (i = 0; i < c.n; i++)
		free(c.ids[i]);
	free(c.ids);
	free(c.reps);
	free(c.st);
	free(p);
	return rc;
}

int report_run_verify(struct report_run *r)
{
	const cJSON *ov = json_get(r->results, "overall"), *sc = json_get(ov, "score");
	size_t have[3] = { 0, 0, 0 }, i, k, nsamp = 0;
	char *p;
	int rc = 0;

	if (!r->dir)
		return 0;
	p = path_join(r->dir, "results.json");
	if (sc && !cJSON_IsNull(sc) && (!cJSON_IsNumber(sc) || !isfinite(sc->valuedouble))) {
		rc = error("'%s': the overall score is not a finite number", p);
		goto out;
	}
	if (r->samples_loaded) {
		for (i = 0; i < r->nsamples; i++)
			if ((k = status_index(r->samples[i])) < 3)
				have[k]++;
		nsamp = r->nsamples;
	} else if (count_statuses(r, have, &nsamp) < 0) {
		/* the samples are not kept: a caller that wants them loads them */
		rc = -1;
		goto out;
	}
	if (!nsamp)
		goto out;
	for (k = 0; k < 3; k++) {
		const cJSON *n = json_get(ov, status_keys[k]);
		if (cJSON_IsNumber(n) && n->valuedouble > (double)have[k]) {
			rc = error("'%s' disagrees with its samples.jsonl: %.0f items %s, the samples have "
				   "%zu ('steval report %s' recomputes it)", p, n->valuedouble, status_keys[k],
				   have[k], r->dir);
			goto out;
		}
	}
out:
	free(p);
	return rc;
}

const cJSON *report_group(const cJSON *results, const char *kind, const char *name)
{
	if (!kind || !strcmp(kind, "overall"))
		return json_get(results, "overall");
	if (!strcmp(kind, "category"))
		return json_get(json_get(results, "categories"), name);
	if (!strcmp(kind, "split"))
		return json_get(json_get(results, "splits"), name);
	return NULL;
}

static cJSON *col(const char *kind, const char *name, const char *label)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "label", label ? label : name);
	return o;
}

cJSON *report_columns(const cJSON *results)
{
	const cJSON *cols = json_get(results, "columns"), *c, *order;
	cJSON *out = cJSON_CreateArray();

	if (cJSON_IsArray(cols) && cols->child) {
		cJSON_ArrayForEach(c, cols) {
			const char *kind = json_get_str(c, "kind"), *name = json_get_str(c, "name");
			if (!kind || !name)
				continue;
			cJSON_AddItemToArray(out, col(kind, name, json_get_str(c, "label")));
		}
		return out;
	}
	/* older results.json: the overall, then the categories in order */
	cJSON_AddItemToArray(out, col("overall", "overall", "Overall"));
	order = json_get(results, "category_order");
	cJSON_ArrayForEach(c, order) {
		const cJSON *g;
		if (!cJSON_IsString(c))
			continue;
		g = json_get(json_get(results, "categories"), c->valuestring);
		cJSON_AddItemToArray(out, col("category", c->valuestring, json_get_str(g, "label")));
	}
	return out;
}

long report_frame_count(const struct report_run *r)
{
	const cJSON *f, *cnt;

	if (!r->manifest)
		return -1;
	if (cJSON_IsTrue(json_get(r->manifest, "blind")))
		return 0;
	f = json_get(r->manifest, "frames");
	cnt = json_get(f, "count");
	if (cJSON_IsNumber(cnt) && cnt->valuedouble >= 0)
		return (long)cnt->valuedouble;
	cnt = json_get(f, "max_frames");
	if (cJSON_IsNumber(cnt) && cnt->valuedouble >= 0)
		return (long)cnt->valuedouble;
	return -1;
}

double report_num(const cJSON *g, const char *key)
{
	const cJSON *v = json_get(g, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

int report_ci(const cJSON *g, double *lo, double *hi)
{
	const cJSON *ci = json_get(g, "ci");

	if (!cJSON_IsArray(ci) || cJSON_GetArraySize(ci) != 2 || !cJSON_IsNumber(ci->child) ||
	    !cJSON_IsNumber(ci->child->next))
		return 0;
	*lo = ci->child->valuedouble;
	*hi = ci->child->next->valuedouble;
	return 1;
}

int report_partial(const cJSON *results, struct buf *out)
{
	const cJSON *p = json_get(results, "partial"), *ms = json_get(p, "missing_shards"), *v;
	const cJSON *mi = json_get(p, "missing_items"), *it = json_get(p, "items"), *sh = json_get(p, "shards");
	int n = cJSON_GetArraySize(ms), k = 0;

	if (!cJSON_IsObject(p))
		return 0;
	if (n > 0) {
		buf_addf(out, "shard%s ", n == 1 ? "" : "s");
		cJSON_ArrayForEach(v, ms)
			if (cJSON_IsNumber(v))
				buf_addf(out, "%s%.0f", k++ ? ", " : "", v->valuedouble);
		if (cJSON_IsNumber(sh))
			buf_addf(out, " of %.0f", sh->valuedouble);
		buf_addf(out, " missing");
	}
	if (cJSON_IsNumber(mi) && cJSON_IsNumber(it))
		buf_addf(out, "%s%.0f of %.0f items have no sample", n > 0 ? "; " : "", mi->valuedouble,
			 it->valuedouble);
	buf_adds(out, " (steval merge --partial)");
	return 1;
}
