#include "lib/common.h"
#include "harness/run/summary.h"
#include "harness/run/sample.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/store.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "reports/report.h"
#include "scorers/grade.h"
#include "scorers/judge.h"
#include "scorers/results.h"
#include "suites/cond.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <math.h>

struct summary_rows {
	const struct suite *s;
	const char *path;
	struct row {
		const struct item *it;
		long repeat;        /* 0 without repeats */
		int status[RESULTS_MAX_VARIANTS + 1];
		double score[RESULTS_MAX_VARIANTS + 1];
		cJSON *judged;    /* {id, judge, variants: {rules}} of a judged sample, or NULL */
	} *rows;
	size_t nrows, alloc;
	const char *vnames[RESULTS_MAX_VARIANTS];
	size_t nv;
	size_t unknown;
	long repeats;           /* 1 + the largest repeat seen */
	struct report_html_stream *html;   /* report.html's articles, rendered as the lines are read */
};
#define collect summary_rows

static void read_grade(const cJSON *obj, int *status, double *score)
{
	const char *st = json_get_str(obj, "status");
	const cJSON *sc = json_get(obj, "score");
	enum grade_status g = GRADE_ERROR;

	if (!st || grade_status_parse(st, &g) < 0)
		g = GRADE_ERROR;
	*status = (int)g;
	*score = cJSON_IsNumber(sc) ? sc->valuedouble : 0;
}

static int on_sample(cJSON *rec, size_t line, void *vctx)
{
	struct collect *c = vctx;
	const char *id = json_get_str(rec, "id");
	const struct item *it = id ? suite_item(c->s, id) : NULL;
	const cJSON *vars = json_get(rec, "variants"), *v;
	struct row *r;
	size_t k;

	if (report_check_sample(rec, c->path, line) < 0) {
		cJSON_Delete(rec);
		return -1;
	}
	if (c->html)
		report_html_stream_add(c->html, rec);   /* every sample, known to the suite or not */
	if (!it) {
		if (c->unknown++ < 5)
			warnf("'%s': line %zu: item '%s' is not in suite '%s' (skipped)", c->path, line,
			      id ? id : "(no id)", c->s->name);
		cJSON_Delete(rec);
		return 0;
	}
	ALLOC_GROW(c->rows, c->nrows + 1, c->alloc);
	r = &c->rows[c->nrows];
	memset(r, 0, sizeof(*r));
	r->it = it;
	r->repeat = cJSON_IsNumber(json_get(rec, "repeat")) ? (long)json_get(rec, "repeat")->valuedouble : 0;
	if (r->repeat < 0 || r->repeat >= 1000)
		r->repeat = 0;
	if (r->repeat + 1 > c->repeats)
		c->repeats = r->repeat + 1;
	read_grade(rec, &r->status[0], &r->score[0]);
	cJSON_ArrayForEach(v, vars) {
		for (k = 0; k < c->nv; k++)
			if (!strcmp(c->vnames[k], v->string))
				break;
		if (k == c->nv) {
			if (c->nv >= RESULTS_MAX_VARIANTS)
				continue;
			c->vnames[c->nv++] = xstrdup(v->string);
		}
		read_grade(v, &r->status[k + 1], &r->score[k + 1]);
	}
	for (k = 0; k < c->nv; k++)
		if (!json_get(vars, c->vnames[k]))
			r->status[k + 1] = GRADE_ERROR;
	if (cJSON_IsObject(json_get(rec, "judge"))) {
		const cJSON *rules = json_get(vars, "rules");
		r->judged = cJSON_CreateObject();
		cJSON_AddItemToObject(r->judged, "id", cJSON_CreateString(id));
		cJSON_AddItemToObject(r->judged, "judge", cJSON_DetachItemFromObjectCaseSensitive(rec, "judge"));
		if (rules) {
			cJSON *v2 = cJSON_CreateObject();
			cJSON_AddItemToObject(v2, "rules", cJSON_Duplicate(rules, 1));
			cJSON_AddItemToObject(r->judged, "variants", v2);
		}
	}
	c->nrows++;
	cJSON_Delete(rec);
	return 0;
}

/* The variant slot of NAME (added when new), or SIZE_MAX when full. */
static size_t variant_slot(struct collect *c, const char *name)
{
	size_t k;

	for (k = 0; k < c->nv; k++)
		if (!strcmp(c->vnames[k], name))
			return k;
	if (c->nv >= RESULTS_MAX_VARIANTS)
		return SIZE_MAX;
	c->vnames[c->nv++] = xstrdup(name);
	return k;
}

/* What read_grade() reads back from grade_fields()' JSON: a number that
 * JSON cannot hold (NaN, inf) is written as null and read as 0. */
static void mem_grade(const struct grade *g, int *status, double *score)
{
	*status = (int)g->status;
	*score = g->status == GRADE_ERROR || isnan(g->score) || isinf(g->score) ? 0 : g->score;
}

struct summary_rows *summary_rows_new(const struct suite *s)
{
	struct collect *c = xcalloc(1, sizeof(*c));

	c->s = s;
	c->repeats = 1;
	return c;
}

void summary_rows_add(struct summary_rows *c, const struct item *it, const struct sample *smp)
{
	struct row *r;
	size_t k, j;

	ALLOC_GROW(c->rows, c->nrows + 1, c->alloc);
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	r->it = it;
	r->repeat = smp->repeat >= 0 && smp->repeat < 1000 ? smp->repeat : 0;
	if (r->repeat + 1 > c->repeats)
		c->repeats = r->repeat + 1;
	mem_grade(smp->g, &r->status[0], &r->score[0]);
	for (k = 0; k < c->nv; k++)
		r->status[k + 1] = GRADE_ERROR;
	for (j = 0; j < smp->nv; j++) {
		k = variant_slot(c, smp->vnames[j]);
		if (k == SIZE_MAX)
			continue;
		mem_grade(smp->vg[j], &r->status[k + 1], &r->score[k + 1]);
	}
}

static void rows_release(struct collect *c)
{
	size_t i, k;

	for (k = 0; k < c->nv; k++)
		free((char *)c->vnames[k]);
	for (i = 0; i < c->nrows; i++)
		cJSON_Delete(c->rows[i].judged);
	free(c->rows);
}

void summary_rows_free(struct summary_rows *c)
{
	if (!c)
		return;
	rows_release(c);
	free(c);
}

void summary_opts_default(struct summary_opts *o)
{
	memset(o, 0, sizeof(*o));
	stats_opts_default(&o->boot);
	o->html = 1;
	o->reports = 1;
}

/* Confidence intervals for the official scores and every variant, from one
 * set of resamples (harness-wide: scorers/stats.h). */
static int bootstrap(const struct suite *s, struct results *res, struct agg_sample *const *v, size_t nv,
		     size_t n, const struct stats_opts *o)
{
	struct agg_boot ab;
	unsigned char *in = xcalloc(s->nsplits + 1, 1);
	double vals[RESULTS_MAX_VARIANTS + 1];
	size_t i, j, k;
	int rc;

	agg_boot_init(&ab, &res->main, nv);
	for (i = 0; i < n; i++) {
		const struct item *it = v[0][i].it;
		int c = agg_find_cat(&res->main, it->category);
		for (j = 0; j < s->nsplits; j++)
			in[j] = v[0][i].in_split ? v[0][i].in_split[j] : cond_eval(s->splits[j].where, it) != 0;
		for (k = 0; k < nv; k++)
			vals[k] = v[k][i].status == GRADE_ERROR ? NAN : v[k][i].score;
		/* one cluster per video; an item asked several times is one cluster */
		agg_boot_add(&ab, it->video ? it->video : res->nreps > 1 ? it->id : NULL,
			     c < 0 ? SIZE_MAX : (size_t)c, in, vals);
	}
	rc = agg_boot_run(&ab, o, s->scale);
	if (!rc) {
		agg_boot_intervals(&ab, o->level);
		agg_boot_fill(&ab, &res->main, 0, o->level);
		for (k = 1; k < nv; k++)
			agg_boot_fill(&ab, &res->var[k - 1], k, o->level);
		res->boot = o;
		res->clusters = ab.b.nclusters;
	}
	agg_boot_release(&ab);
	free(in);
	return rc;
}

struct prompt_ctx {
	const struct suite *s;
	const struct protocol *p;
};

/* The exact prompt of a sample, re-rendered from the spec (report.html). */
static int prompt_of(void *vctx, const cJSON *sample, struct buf *sys, struct buf *user, int *verified)
{
	struct prompt_ctx *pc = vctx;
	const char *id = json_get_str(sample, "id"), *sha = json_get_str(sample, "prompt_sha256");
	const struct item *it = id ? suite_item(pc->s, id) : NULL;
	struct buf quiet = BUF_INIT;
	char hex[65];
	int rc;

	*verified = 0;
	if (!it)
		return -1;
	log_capture(&quiet);   /* an item needing video facts renders with placeholders */
	rc = render_prompt(pc->p, it, NULL, 0, user);
	if (rc < 0) {
		buf_reset(user);
		rc = render_prompt(pc->p, it, NULL, 1, user);
	}
	log_capture(NULL);
	buf_release(&quiet);
	if (rc < 0)
		return -1;
	if (pc->p->system)
		buf_adds(sys, pc->p->system);
	if (sha) {
		sha256_hex(buf_cstr(user), user->len, hex);
		*verified = !strcmp(hex, sha);
	}
	return 0;
}

int summary_write(const char *dir, const struct suite *s, const struct protocol *p,
		  const char *model, const char *scoring, struct buf *results_out)
{
	struct summary_opts o;

	summary_opts_default(&o);
	return summary_write_opts(dir, s, p, model, scoring, &o, results_out);
}

int summary_write_opts(const char *dir, const struct suite *s, const struct protocol *p,
		       const char *model, const char *scoring, const struct summary_opts *o,
		       struct buf *results_out)
{
	struct collect c;
	struct results res;
	struct agg_sample *v[RESULTS_MAX_VARIANTS + 1];
	struct buf json = BUF_INIT;
	struct report_run rr;
	struct prompt_ctx pc = { s, p };
	struct report_html_opts ho;
	struct judge_stats js;
	struct judge_proto jp;
	int has_judge;
	char *path = path_join(dir, "samples.jsonl");
	long *last = NULL;      /* per (item, repeat): index into c.rows, or -1 */
	unsigned char *in_split = NULL;
	size_t i, k, n = 0, torn, nitems = 0, R;
	cJSON *tree = NULL, *manifest = NULL;
	char *mpath = NULL;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	memset(&rr, 0, sizeof(rr));
	memset(&ho, 0, sizeof(ho));
	memset(v, 0, sizeof(v));
	judge_stats_init(&js);
	has_judge = judge_proto_load(&jp, p) > 0;
	c.s = s;
	c.path = path;
	c.repeats = 1;
	ho.prompt = prompt_of;
	ho.ctx = &pc;
	if (!o->rows && o->reports && o->html)
		c.html = report_html_stream_new(dir, &ho);   /* one pass over samples.jsonl for both */
	if (o->rows)
		c = *o->rows;   /* borrowed: what samples.jsonl holds, graded in memory */
	else if (store_read_jsonl(path, on_sample, &c, &torn) < 0)
		goto out;
	/* the last line of each (item, repeat) counts: an errored answer retried on
	 * resume is replaced */
	R = (size_t)c.repeats;
	last = xmalloc((s->nitems ? s->nitems : 1) * R * sizeof(*last));
	for (i = 0; i < s->nitems * R; i++)
		last[i] = -1;
	for (i = 0; i < c.nrows; i++)
		last[(size_t)(c.rows[i].it - s->items) * R + (size_t)c.rows[i].repeat] = (long)i;
	for (k = 0; k <= c.nv; k++)
		v[k] = xcalloc((s->nitems ? s->nitems : 1) * R, sizeof(*v[k]));
	for (i = 0; i < s->nitems * R; i++) {
		const struct row *r;
		if (last[i] < 0)
			continue;
		r = &c.rows[last[i]];
		if (r->judged)
			judge_stats_add(&js, r->judged);
		for (k = 0; k <= c.nv; k++) {
			v[k][n].it = r->it;
			v[k][n].status = r->status[k];
			v[k][n].score = r->score[k];
		}
		n++;
	}
	/* which splits each answer's item is in, decided once for the official
	 * score, its variants and the bootstrap (a split's rule is a condition on
	 * the item's fields: cond_eval) */
	in_split = xcalloc(n * s->nsplits + 1, 1);
	for (i = 0; i < n; i++) {
		for (k = 0; k < s->nsplits; k++)
			in_split[i * s->nsplits + k] = cond_eval(s->splits[k].where, v[0][i].it) != 0;
		for (k = 0; k <= c.nv; k++)
			v[k][i].in_split = in_split + i * s->nsplits;
	}
	for (i = 0; i < s->nitems; i++) {
		int any = 0, scored = 0;
		for (k = 0; k < R; k++)
			if (last[i * R + k] >= 0) {
				any = 1;
				scored |= c.rows[last[i * R + k]].status[0] != GRADE_ERROR;
			}
		nitems += any;
		res.nscored += scored;
	}
	res.s = s;
	res.p = p;
	res.model = model;
	res.scoring = js.judged && strcmp(scoring, "verdicts") ? "judge" : scoring;
	res.nsamples = nitems;
	res.nanswers = n;
	/* a partial merge (steval merge --partial) stays marked partial */
	mpath = path_join(dir, "manifest.json");
	if (file_exists(mpath) && (manifest = json_parse_file(mpath, (size_t)64 << 20)) &&
	    cJSON_IsObject(json_get(manifest, "partial")))
		res.partial = json_get(manifest, "partial");
	res.judge = &js;
	res.judge_proto = has_judge ? &jp : NULL;
	if (agg_compute(s, v[0], n, &res.main) < 0)
		goto out;
	if (R > 1) {
		/* each repeat on its own: the spread of the mean over repeats */
		struct agg_sample *sub = xcalloc(n ? n : 1, sizeof(*sub));
		res.reps = xcalloc(R, sizeof(*res.reps));
		for (k = 0; k < R; k++) {
			size_t m = 0, j;
			for (i = 0; i < s->nitems; i++)
				if (last[i * R + k] >= 0) {
					const struct row *r = &c.rows[last[i * R + k]];
					sub[m].it = r->it;
					sub[m].status = r->status[0];
					sub[m].score = r->score[0];
					m++;
				}
			j = res.nreps++;
			if (agg_compute(s, sub, m, &res.reps[j]) < 0) {
				free(sub);
				goto out;
			}
		}
		free(sub);
	}
	for (k = 0; k < c.nv; k++) {
		res.vnames[k] = c.vnames[k];
		if (agg_compute(s, v[k + 1], n, &res.var[k]) < 0)
			goto out;
		res.nv++;
	}
	/* no answer at all (a run interrupted before its first): no intervals */
	if (o->boot.resamples && n && bootstrap(s, &res, v, c.nv + 1, n, &o->boot) < 0)
		goto out;
	results_to_json(&res, &json);
	if (o->extra_json && *o->extra_json) {
		/* splice the caller's members in before the closing brace */
		size_t e = json.len;
		while (e > 0 && json.data[e - 1] != '}')
			e--;
		if (e > 0) {
			buf_truncate(&json, e - 1);
			buf_adds(&json, ",\n  ");
			buf_adds(&json, o->extra_json);
			buf_adds(&json, "\n}\n");
		}
	}
	if (o->before_results && o->before_results(o->before_results_arg) < 0)
		goto out;
	if (!o->reports) {
		struct store st = { (char *)dir, -1, 0, 0 };
		if (store_write(&st, "results.json", buf_cstr(&json), json.len) < 0)
			goto out;
		if (results_out)
			buf_addbuf(results_out, &json);
		rc = 0;
		goto out;
	}
	tree = json_parse(buf_cstr(&json), json.len, "results.json", 0);
	if (!tree)
		goto out;
	{
		struct store st;
		memset(&st, 0, sizeof(st));
		st.dir = (char *)dir;
		st.fd = -1;
		if (store_write(&st, "results.json", buf_cstr(&json), json.len) < 0)
			goto out;
	}
	report_run_adopt(&rr, dir, tree);
	tree = NULL;
	ho.stream = c.html;
	if (report_write_all(&rr, o->html, &ho) < 0)
		goto out;
	if (results_out)
		buf_addbuf(results_out, &json);
	rc = 0;
out:
	cJSON_Delete(tree);
	cJSON_Delete(manifest);
	free(mpath);
	report_run_release(&rr);
	results_release(&res);
	for (k = 0; k <= RESULTS_MAX_VARIANTS; k++)
		free(v[k]);
	free(in_split);
	if (!o->rows) {
		report_html_stream_free(c.html);
		rows_release(&c);
	}
	judge_stats_release(&js);
	if (has_judge)
		judge_proto_release(&jp);
	free(last);
	free(path);
	buf_release(&json);
	return rc;
}
