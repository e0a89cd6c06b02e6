#include "harness/common.h"
#include "harness/summary.h"
#include "harness/buf.h"
#include "harness/json.h"
#include "harness/log.h"
#include "harness/store.h"
#include "harness/util.h"
#include "harness/xalloc.h"
#include "reports/report.h"
#include "scorers/grade.h"
#include "scorers/results.h"
#include "suites/suite.h"

struct collect {
	const struct suite *s;
	const char *path;
	long *last;             /* per suite item: index into rows, or -1 */
	struct row {
		const struct item *it;
		int status[RESULTS_MAX_VARIANTS + 1];
		double score[RESULTS_MAX_VARIANTS + 1];
	} *rows;
	size_t nrows, alloc;
	const char *vnames[RESULTS_MAX_VARIANTS];
	size_t nv;
	size_t unknown;
};

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
	c->last[it - c->s->items] = (long)c->nrows;
	c->nrows++;
	cJSON_Delete(rec);
	return 0;
}

int summary_write(const char *dir, const struct suite *s, const struct protocol *p,
		  const char *model, const char *scoring, struct buf *results_out)
{
	struct collect c;
	struct results res;
	struct agg_sample *v[RESULTS_MAX_VARIANTS + 1];
	struct buf json = BUF_INIT, md = BUF_INIT;
	char *path = path_join(dir, "samples.jsonl");
	size_t i, k, n = 0, torn;
	cJSON *tree = NULL;
	int rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&res, 0, sizeof(res));
	memset(v, 0, sizeof(v));
	c.s = s;
	c.path = path;
	c.last = xmalloc((s->nitems ? s->nitems : 1) * sizeof(*c.last));
	for (i = 0; i < s->nitems; i++)
		c.last[i] = -1;
	if (store_read_jsonl(path, on_sample, &c, &torn) < 0)
		goto out;
	for (k = 0; k <= c.nv; k++)
		v[k] = xcalloc(s->nitems ? s->nitems : 1, sizeof(*v[k]));
	for (i = 0; i < s->nitems; i++) {
		const struct row *r;
		if (c.last[i] < 0)
			continue;
		r = &c.rows[c.last[i]];
		for (k = 0; k <= c.nv; k++) {
			v[k][n].it = r->it;
			v[k][n].status = r->status[k];
			v[k][n].score = r->score[k];
		}
		n++;
	}
	res.s = s;
	res.p = p;
	res.model = model;
	res.scoring = scoring;
	res.nsamples = n;
	if (agg_compute(s, v[0], n, &res.main) < 0)
		goto out;
	for (k = 0; k < c.nv; k++) {
		res.vnames[k] = c.vnames[k];
		if (agg_compute(s, v[k + 1], n, &res.var[k]) < 0)
			goto out;
		res.nv++;
	}
	results_to_json(&res, &json);
	tree = json_parse(buf_cstr(&json), json.len, "results.json", 0);
	if (!tree || report_md(tree, dir, &md) < 0)
		goto out;
	{
		struct store st = { (char *)dir, -1, 0, 0 };
		if (store_write(&st, "results.json", buf_cstr(&json), json.len) < 0 ||
		    store_write(&st, "report.md", buf_cstr(&md), md.len) < 0)
			goto out;
	}
	if (results_out)
		buf_addbuf(results_out, &json);
	rc = 0;
out:
	cJSON_Delete(tree);
	results_release(&res);
	for (k = 0; k <= RESULTS_MAX_VARIANTS; k++)
		free(v[k]);
	for (k = 0; k < c.nv; k++)
		free((char *)c.vnames[k]);
	free(c.rows);
	free(c.last);
	free(path);
	buf_release(&json);
	buf_release(&md);
	return rc;
}
