/*
 * compare.c: `steval compare BASE NEW`, the paired comparison of two runs.
 */
#include "lib/common.h"
#include "reports/compare.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/aggregate.h"
#include "suites/cond.h"
#include "suites/suite.h"

#include <math.h>

void compare_opts_default(struct compare_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_drop = 0;
	o->alpha = 0.05;
	o->gate = GATE_CATEGORIES;
	stats_opts_default(&o->boot);
}

static void add_diff(struct compare *c, const char *fmt, ...) PRINTF_LIKE(2, 3);

static void add_diff(struct compare *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c->diffs = xrealloc(c->diffs, (c->ndiffs + 1) * sizeof(*c->diffs));
	c->diffs[c->ndiffs++] = buf_detach(&b, NULL);
}

static void json_text(struct buf *b, const cJSON *v)
{
	if (!v)
		buf_adds(b, "(none)");
	else
		tbl_json(b, v);
}

static void diff_value(struct compare *c, const char *what, const cJSON *a, const cJSON *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;

	if ((!a && !b) || (a && b && cJSON_Compare(a, b, 1)))
		return;
	json_text(&x, a);
	json_text(&y, b);
	add_diff(c, "%s differ: base %s, new %s", what, buf_cstr(&x), buf_cstr(&y));
	buf_release(&x);
	buf_release(&y);
}

static void diff_str(struct compare *c, const char *what, const char *a, const char *b)
{
	if (a && b && strcmp(a, b))
		add_diff(c, "%s differ: base '%s', new '%s'", what, a, b);
}

/* Data files: by path, their hashes and item counts. */
static void diff_files(struct compare *c, const cJSON *a, const cJSON *b)
{
	const cJSON *f, *g;

	cJSON_ArrayForEach(f, a) {
		const char *path = json_get_str(f, "path");
		int found = 0;
		cJSON_ArrayForEach(g, b) {
			const char *p2 = json_get_str(g, "path");
			const char *h1 = json_get_str(f, "sha256"), *h2 = json_get_str(g, "sha256");
			if (!path || !p2 || strcmp(path_base(path), path_base(p2)))
				continue;
			found = 1;
			if (h1 && h2 && strcmp(h1, h2))
				add_diff(c, "dataset file '%s' differs: base sha256 %.16s, new %.16s", path_base(path),
					 h1, h2);
		}
		if (!found && path)
			add_diff(c, "dataset file '%s' is in the base run only", path_base(path));
	}
	cJSON_ArrayForEach(g, b) {
		const char *p2 = json_get_str(g, "path");
		int found = 0;
		cJSON_ArrayForEach(f, a) {
			const char *path = json_get_str(f, "path");
			if (path && p2 && !strcmp(path_base(path), path_base(p2)))
				found = 1;
		}
		if (!found && p2)
			add_diff(c, "dataset file '%s' is in the new run only", path_base(p2));
	}
}

static void setup_diffs(struct compare *c)
{
	const cJSON *ra = c->base->results, *rb = c->new_->results;
	const cJSON *ma = c->base->manifest, *mb = c->new_->manifest;

	diff_str(c, "protocols", json_get_str(ra, "protocol"), json_get_str(rb, "protocol"));
	diff_str(c, "scorings", json_get_str(ra, "scoring"), json_get_str(rb, "scoring"));
	if (!ma || !mb)
		return;
	if (json_get_str(ra, "protocol") && json_get_str(rb, "protocol") &&
	    !strcmp(json_get_str(ra, "protocol"), json_get_str(rb, "protocol")))
		diff_value(c, "protocol settings", json_get(ma, "protocol_spec"), json_get(mb, "protocol_spec"));
	diff_value(c, "frame plans", json_get(ma, "frames"), json_get(mb, "frames"));
	diff_value(c, "generation settings", json_get(ma, "generation"), json_get(mb, "generation"));
	diff_value(c, "blind settings", json_get(ma, "blind"), json_get(mb, "blind"));
	diff_str(c, "suite spec hashes", json_get_str(json_get(ma, "suite"), "spec_sha256"),
		 json_get_str(json_get(mb, "suite"), "spec_sha256"));
	diff_files(c, json_get(json_get(ma, "suite"), "files"), json_get(json_get(mb, "suite"), "files"));
}

/* The aggregation layout of a results.json, as an agg_result (names borrow
 * from the tree; member arrays are allocated into *mem). */
struct layout {
	struct agg_result r;
	const char ***mem;
	size_t nmem;
};

static void layout_add_cat(struct layout *l, size_t *alloc, const char *name, const cJSON *g)
{
	struct agg_group *a;
	const cJSON *m;

	ALLOC_GROW(l->r.cats, l->r.ncats + 1, *alloc);
	a = &l->r.cats[l->r.ncats++];
	memset(a, 0, sizeof(*a));
	a->name = name;
	a->label = json_get_str(g, "label") ? json_get_str(g, "label") : name;
	a->top = 1;
	if (cJSON_IsTrue(json_get(g, "merged"))) {
		const char **v = xcalloc((size_t)cJSON_GetArraySize(json_get(g, "members")) + 1, sizeof(*v));
		size_t k = 0;
		cJSON_ArrayForEach(m, json_get(g, "members"))
			if (cJSON_IsString(m))
				v[k++] = m->valuestring;
		a->merged = 1;
		a->members = v;
		a->nmembers = k;
		l->mem = xrealloc(l->mem, (l->nmem + 1) * sizeof(*l->mem));
		l->mem[l->nmem++] = v;
	}
}

/* The layout comes from the suite when it is loaded, else from the base
 * run's results.json; categories only the samples name are added. */
static void layout_build(struct layout *l, const cJSON *res, struct report_run *base, const struct suite *s)
{
	const cJSON *cats = json_get(res, "categories"), *o, *g, *agg = json_get(res, "aggregation");
	size_t alloc = 0, i, j;
	const char *rule = json_get_str(agg, "overall");
	double scale = report_num(agg, "scale");

	memset(l, 0, sizeof(*l));
	l->r.overall.name = "overall";
	l->r.overall.label = "Overall";
	if (s) {
		l->r.rule = s->overall;
		l->r.over_leaves = s->over_leaves;
		l->r.scale = s->scale;
		for (i = 0; i < s->ncats; i++) {
			struct agg_group *a;
			ALLOC_GROW(l->r.cats, l->r.ncats + 1, alloc);
			a = &l->r.cats[l->r.ncats++];
			memset(a, 0, sizeof(*a));
			a->name = s->cats[i].name;
			a->label = s->cats[i].label;
			a->merged = s->cats[i].nmembers > 0;
			a->members = (const char *const *)s->cats[i].members;
			a->nmembers = s->cats[i].nmembers;
			a->top = 1;
		}
	} else {
		l->r.rule = rule && !strcmp(rule, "category-mean") ? "category-mean" : "item-mean";
		l->r.over_leaves = json_get_str(agg, "over") && !strcmp(json_get_str(agg, "over"), "leaves");
		l->r.scale = isnan(scale) || scale <= 0 ? 100 : scale;
		cJSON_ArrayForEach(o, json_get(res, "category_order"))
			if (cJSON_IsString(o) && (g = json_get(cats, o->valuestring)))
				layout_add_cat(l, &alloc, o->valuestring, g);
		if (cJSON_IsObject(cats))
			cJSON_ArrayForEach(g, cats)
				if (agg_find_cat(&l->r, g->string) < 0)
					layout_add_cat(l, &alloc, g->string, g);
	}
	/* categories only the samples name */
	for (i = 0; i < base->nsamples; i++) {
		const char *c = json_get_str(base->samples[i], "category");
		if (c && agg_find_cat(&l->r, c) < 0)
			layout_add_cat(l, &alloc, c, NULL);
	}
	for (i = 0; i < l->r.ncats; i++)
		for (j = 0; j < l->r.cats[i].nmembers; j++) {
			int k = agg_find_cat(&l->r, l->r.cats[i].members[j]);
			if (k >= 0)
				l->r.cats[k].top = 0;
		}
	if (s) {
		l->r.nsplits = s->nsplits;
		l->r.splits = xcalloc(s->nsplits + 1, sizeof(*l->r.splits));
		for (i = 0; i < s->nsplits; i++) {
			l->r.splits[i].name = s->splits[i].name;
			l->r.splits[i].label = s->splits[i].label ? s->splits[i].label : s->splits[i].name;
		}
	} else {
		const cJSON *sp = cJSON_IsObject(json_get(res, "splits")) ? json_get(res, "splits") : NULL;
		l->r.nsplits = (size_t)cJSON_GetArraySize(sp);
		l->r.splits = xcalloc(l->r.nsplits + 1, sizeof(*l->r.splits));
		i = 0;
		cJSON_ArrayForEach(g, sp) {
			l->r.splits[i].name = g->string;
			l->r.splits[i].label = json_get_str(g, "label") ? json_get_str(g, "label") : g->string;
			i++;
		}
	}
	agg_clear_ci(&l->r);
}

static void layout_release(struct layout *l)
{
	size_t i;

	for (i = 0; i < l->nmem; i++)
		free(l->mem[i]);
	free(l->mem);
	agg_release(&l->r);
}

/* A sample's key: its id and, in a run with --repeats, its repeat (a
 * repeat is paired with the same repeat of the other run). */
struct byid {
	const char *id;
	long rep;
	const cJSON *smp;
};

static int cmp_byid(const void *a, const void *b)
{
	const struct byid *x = a, *y = b;
	int c = strcmp(x->id, y->id);

	return c ? c : x->rep < y->rep ? -1 : x->rep > y->rep;
}

static int scored(const cJSON *smp, double *score)
{
	const char *st = json_get_str(smp, "status");
	const cJSON *sc = json_get(smp, "score");

	if (!st || (strcmp(st, "ok") && strcmp(st, "unparsed")) || !cJSON_IsNumber(sc))
		return 0;
	*score = sc->valuedouble;
	return 1;
}

static int binary(const cJSON *a, double x, const cJSON *b, double y)
{
	return json_get(a, "accepted") && json_get(b, "accepted") && (x == 0 || x == 1) && (y == 0 || y == 1);
}

struct mc {
	size_t b, c, n;
};

static void row(struct compare *c, const char *kind, const char *name, const char *label, int indent,
		const struct agg_boot *ab, size_t sg, const double *point, size_t n, const struct mc *m,
		int gated)
{
	struct compare_row *r;
	struct stats_ci ci;

	c->rows = xrealloc(c->rows, (c->nrows + 1) * sizeof(*c->rows));
	r = &c->rows[c->nrows++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->name = name;
	r->label = label;
	r->indent = indent;
	r->n = n;
	r->base = point[sg * 2];
	r->new_ = point[sg * 2 + 1];
	r->delta = r->new_ - r->base;
	stats_ci(&ab->b, sg, 1, 0, 1 - c->o.alpha, &ci);
	r->lo = ci.lo;
	r->hi = ci.hi;
	r->mc_b = m->b;
	r->mc_c = m->c;
	r->mc_n = m->n;
	r->p = m->n ? stats_mcnemar(m->b, m->c, &r->exact) : NAN;
	r->gated = gated;
	r->regressed = gated && !isnan(r->delta) && -r->delta > c->o.max_drop && !isnan(r->hi) && r->hi < 0;
	if (r->regressed)
		c->regressions++;
}

/* Who judged a run: "none", or the judge's name, model, prompt and settings hashes. */
static void judge_identity(const struct report_run *r, struct buf *out)
{
	const cJSON *j = json_get(r->results, "judge");
	static const char *const keys[] = { "name", "model", "system_sha256", "template_sha256",
					    "settings_sha256", NULL };
	size_t i;

	if (!cJSON_IsTrue(json_get(j, "run"))) {
		buf_adds(out, "none");
		return;
	}
	for (i = 0; keys[i]; i++)
		buf_addf(out, "%s%s", i ? " " : "", json_get_str(j, keys[i]) ? json_get_str(j, keys[i]) : "?");
}

static int judge_mismatch(const struct report_run *a, const struct report_run *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	int rc = 0;

	judge_identity(a, &x);
	judge_identity(b, &y);
	if (strcmp(buf_cstr(&x), buf_cstr(&y)))
		rc = error("compare: the runs were judged differently (base: %s; new: %s): their scores "
			   "are not comparable; --allow-judge-mismatch compares them anyway",
			   buf_cstr(&x), buf_cstr(&y));
	buf_release(&x);
	buf_release(&y);
	return rc;
}

int compare_runs(struct report_run *base, struct report_run *nw, const struct suite *s,
		 const struct compare_opts *o, struct compare *c)
{
	struct layout l;
	struct agg_boot ab;
	struct byid *ix;
	size_t i, j, nb, *cat_n, *split_n, all_n = 0;
	struct mc *cat_mc, *split_mc, all_mc = { 0, 0, 0 };
	unsigned char *in;
	int *smap = NULL;
	double *point = NULL;
	int rc = -1;

	memset(c, 0, sizeof(*c));
	c->base = base;
	c->new_ = nw;
	c->o = *o;
	if (strcmp(report_suite(base), report_suite(nw)))
		return error("compare: the runs are of different suites ('%s' in '%s', '%s' in '%s')",
			     report_suite(base), base->dir ? base->dir : "base", report_suite(nw),
			     nw->dir ? nw->dir : "new");
	if (!o->allow_judge_mismatch && judge_mismatch(base, nw) < 0)
		return -1;
	if (report_run_samples(base) < 0 || report_run_samples(nw) < 0)
		return -1;
	setup_diffs(c);
	layout_build(&l, base->results, base, s);
	c->splits_wanted = l.r.nsplits > 0;
	/* split membership needs the suite's items */
	if (s && l.r.nsplits) {
		smap = xcalloc(l.r.nsplits, sizeof(*smap));
		for (i = 0; i < l.r.nsplits; i++) {
			smap[i] = -1;
			for (j = 0; j < s->nsplits; j++)
				if (!strcmp(s->splits[j].name, l.r.splits[i].name))
					smap[i] = (int)j;
		}
		c->have_splits = 1;
	}
	nb = base->nsamples;
	ix = xcalloc(nb + 1, sizeof(*ix));
	for (i = 0; i < nb; i++) {
		ix[i].id = json_get_str(base->samples[i], "id");
		ix[i].rep = report_sample_repeat(base->samples[i]);
		if (ix[i].rep < 0)   /* a run without repeats pairs with repeat 0 */
			ix[i].rep = 0;
		ix[i].smp = base->samples[i];
	}
	qsort(ix, nb, sizeof(*ix), cmp_byid);
	cat_n = xcalloc(l.r.ncats + 1, sizeof(size_t));
	split_n = xcalloc(l.r.nsplits + 1, sizeof(size_t));
	cat_mc = xcalloc(l.r.ncats + 1, sizeof(*cat_mc));
	split_mc = xcalloc(l.r.nsplits + 1, sizeof(*split_mc));
	in = xcalloc(l.r.nsplits + 1, 1);
	agg_boot_init(&ab, &l.r, 2);
	{
		unsigned char *matched = xcalloc(nb + 1, 1);
		for (i = 0; i < nw->nsamples; i++) {
			const cJSON *ns = nw->samples[i], *bs;
			struct byid key, *hit;
			double x, y, vals[2];
			int cat, bin;
			const struct item *it;
			key.id = json_get_str(ns, "id");
			key.rep = report_sample_repeat(ns);
			if (key.rep < 0)
				key.rep = 0;
			hit = bsearch(&key, ix, nb, sizeof(*ix), cmp_byid);
			if (!hit) {
				c->new_only++;
				continue;
			}
			matched[hit - ix] = 1;
			bs = hit->smp;
			if (!scored(bs, &x) || !scored(ns, &y)) {
				c->unscored++;
				continue;
			}
			c->shared++;
			cat = agg_find_cat(&l.r, json_get_str(bs, "category") ? json_get_str(bs, "category") : "");
			it = s ? suite_item(s, key.id) : NULL;
			for (j = 0; j < l.r.nsplits; j++)
				in[j] = it && smap && smap[j] >= 0 && cond_eval(s->splits[smap[j]].where, it);
			vals[0] = x;
			vals[1] = y;
			/* one cluster per video; an item asked several times is one */
			agg_boot_add(&ab, json_get_str(bs, "video") ? json_get_str(bs, "video") :
					  report_sample_repeat(ns) >= 0 || report_sample_repeat(bs) >= 0 ?
					  key.id : NULL, cat < 0 ? SIZE_MAX : (size_t)cat,
				     c->have_splits ? in : NULL, vals);
			bin = binary(bs, x, ns, y);
			all_n++;
			if (cat >= 0)
				cat_n[cat]++;
			for (j = 0; j < l.r.nsplits; j++)
				split_n[j] += in[j];
			if (bin) {
				int bb = x == 1 && y == 0, cc = x == 0 && y == 1;
				all_mc.n++;
				all_mc.b += bb;
				all_mc.c += cc;
				if (cat >= 0) {
					cat_mc[cat].n++;
					cat_mc[cat].b += bb;
					cat_mc[cat].c += cc;
				}
				for (j = 0; j < l.r.nsplits; j++)
					if (in[j]) {
						split_mc[j].n++;
						split_mc[j].b += bb;
						split_mc[j].c += cc;
					}
			}
		}
		for (i = 0; i < nb; i++)
			c->base_only += !matched[i];
		free(matched);
	}
	if (!c->shared) {
		error("compare: the runs have no scored item in common ('%s' and '%s')",
		      base->dir ? base->dir : "base", nw->dir ? nw->dir : "new");
		goto out;
	}
	/* merged categories: the union of their members */
	for (i = 0; i < l.r.ncats; i++)
		for (j = 0; j < l.r.cats[i].nmembers; j++) {
			int k = agg_find_cat(&l.r, l.r.cats[i].members[j]);
			if (k < 0 || l.r.cats[k].merged)
				continue;
			cat_n[i] += cat_n[k];
			cat_mc[i].n += cat_mc[k].n;
			cat_mc[i].b += cat_mc[k].b;
			cat_mc[i].c += cat_mc[k].c;
		}
	if (agg_boot_run(&ab, &o->boot, l.r.scale) < 0)
		goto out;
	c->clusters = ab.b.nclusters;
	point = stats_point(&ab.b, l.r.scale);
	row(c, "overall", "overall", "Overall", 0, &ab, ab.overall, point, all_n, &all_mc, 1);
	{
		/* categories in the report order: members under their merged category */
		struct tbl_row *tr;
		size_t nt = tbl_rows(base->results, &tr), t;
		unsigned char *done = xcalloc(l.r.ncats + 1, 1);
		for (t = 0; t < nt; t++) {
			int k;
			if (strcmp(tr[t].kind, "category") || (k = agg_find_cat(&l.r, tr[t].name)) < 0 || !cat_n[k])
				continue;
			done[k] = 1;
			row(c, "category", l.r.cats[k].name, l.r.cats[k].label, tr[t].indent, &ab, ab.cat[k], point,
			    cat_n[k], &cat_mc[k], o->gate != GATE_OVERALL);
		}
		for (i = 0; i < l.r.ncats; i++)
			if (!done[i] && cat_n[i])
				row(c, "category", l.r.cats[i].name, l.r.cats[i].label, 0, &ab, ab.cat[i], point,
				    cat_n[i], &cat_mc[i], o->gate != GATE_OVERALL);
		free(done);
		free(tr);
	}
	if (c->have_splits)
		for (i = 0; i < l.r.nsplits; i++)
			if (split_n[i])
				row(c, "split", l.r.splits[i].name, l.r.splits[i].label, 0, &ab, ab.split[i], point,
				    split_n[i], &split_mc[i], o->gate == GATE_ALL);
	rc = 0;
out:
	/* rows borrow names from the base results tree, not from the layout */
	free(point);
	agg_boot_release(&ab);
	layout_release(&l);
	free(ix);
	free(cat_n);
	free(split_n);
	free(cat_mc);
	free(split_mc);
	free(in);
	free(smap);
	return rc;
}

void compare_release(struct compare *c)
{
	size_t i;

	for (i = 0; i < c->ndiffs; i++)
		free(c->diffs[i]);
	free(c->diffs);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static void signed_num(struct buf *out, double v)
{
	if (isnan(v))
		buf_adds(out, "–");
	else
		buf_addf(out, "%+.2f", v);
}

static void pval(struct buf *out, double p)
{
	if (isnan(p))
		buf_adds(out, "–");
	else if (p < 0.0001)
		buf_adds(out, "<0.0001");
	else
		buf_addf(out, "%.4f", p);
}

static void md(const struct compare *c, struct buf *out)
{
	const struct compare_opts *o = &c->o;
	size_t i;

	buf_adds(out, "### steval compare: ");
	report_md_cell(out, report_suite(c->base));
	buf_adds(out, "\n\n");
	buf_adds(out, "| | model | protocol | run |\n|---|---|---|---|\n| base | ");
	report_md_cell(out, report_model(c->base));
	buf_adds(out, " | ");
	report_md_cell(out, report_protocol(c->base));
	buf_adds(out, " | ");
	report_md_cell(out, c->base->dir ? c->base->dir : "");
	buf_adds(out, " |\n| new | ");
	report_md_cell(out, report_model(c->new_));
	buf_adds(out, " | ");
	report_md_cell(out, report_protocol(c->new_));
	buf_adds(out, " | ");
	report_md_cell(out, c->new_->dir ? c->new_->dir : "");
	buf_adds(out, " |\n\n");
	if (c->regressions) {
		buf_addf(out, "**Regression** in %zu group%s:", c->regressions, c->regressions == 1 ? "" : "s");
		for (i = 0; i < c->nrows; i++)
			if (c->rows[i].regressed) {
				buf_adds(out, " ");
				report_md_cell(out, c->rows[i].label);
				buf_addf(out, " %+.2f [%+.2f, %+.2f];", c->rows[i].delta, c->rows[i].lo, c->rows[i].hi);
			}
		buf_truncate(out, out->len - 1);
		buf_adds(out, ".\n\n");
	} else {
		buf_adds(out, "**No regression.**\n\n");
	}
	buf_addf(out, "%zu items scored in both runs", c->shared);
	if (c->base_only || c->new_only || c->unscored)
		buf_addf(out, " (left out: %zu only in base, %zu only in new, %zu errors in either)", c->base_only,
			 c->new_only, c->unscored);
	buf_adds(out, "; scores below are over these items.\n\n");
	buf_addf(out, "| group | n | base | new | Δ | %g%% CI of Δ | McNemar p | right→wrong / wrong→right | |\n"
		      "|---|---:|---:|---:|---:|:---:|---:|:---:|---|\n", (1 - o->alpha) * 100);
	for (i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];
		int bold = !strcmp(r->kind, "overall");
		buf_adds(out, "| ");
		if (r->indent)
			buf_adds(out, "&nbsp;&nbsp;↳ ");
		if (!strcmp(r->kind, "split"))
			buf_adds(out, "split ");
		if (bold)
			buf_adds(out, "**");
		report_md_cell(out, r->label);
		if (bold)
			buf_adds(out, "**");
		buf_addf(out, " | %zu | ", r->n);
		tbl_num(out, r->base, "–");
		buf_adds(out, " | ");
		tbl_num(out, r->new_, "–");
		buf_adds(out, " | ");
		signed_num(out, r->delta);
		buf_adds(out, " | ");
		if (isnan(r->lo))
			buf_adds(out, "–");
		else
			buf_addf(out, "%+.2f … %+.2f", r->lo, r->hi);
		buf_adds(out, " | ");
		pval(out, r->p);
		if (r->mc_n)
			buf_addf(out, " | %zu / %zu", r->mc_b, r->mc_c);
		else
			buf_adds(out, " | –");
		buf_adds(out, r->regressed ? " | ❌ regression |\n" : " | |\n");
	}
	if (!c->have_splits && c->splits_wanted)
		buf_adds(out, "\nSplits are not compared: the suite's data was not found (give --data).\n");
	if (c->ndiffs) {
		buf_adds(out, "\n**The runs differ in setup:**\n\n");
		for (i = 0; i < c->ndiffs; i++) {
			buf_adds(out, "- ");
			report_md_cell(out, c->diffs[i]);
			buf_adds(out, "\n");
		}
	}
	buf_addf(out, "\n<sub>Paired cluster bootstrap: %zu resamples (seed %llu) of the %zu videos the shared "
		      "items come from, both runs resampled together. A group regresses when it dropped by more "
		      "than %.2f points and the %g%% interval of Δ lies below 0 (--max-drop %g --alpha %g; "
		      "gated: %s). McNemar: %s two-sided test over the multiple-choice items.</sub>\n",
		 o->boot.resamples, (unsigned long long)o->boot.seed, c->clusters, o->max_drop,
		 (1 - o->alpha) * 100, o->max_drop, o->alpha,
		 o->gate == GATE_OVERALL ? "overall" : o->gate == GATE_ALL ? "overall, categories, splits" :
		 "overall and categories",
		 "exact binomial below 25 discordant pairs, else chi-square with continuity correction,");
}

static void csv(const struct compare *c, struct buf *out)
{
	size_t i;

	buf_adds(out, "suite,base_model,new_model,kind,name,label,n,base,new,delta,ci_lo,ci_hi,"
		      "mcnemar_p,right_to_wrong,wrong_to_right,mc_items,gated,regressed\r\n");
	for (i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];
		const double nums[] = { r->base, r->new_, r->delta, r->lo, r->hi, r->p };
		size_t k;
		report_esc_csv(out, report_suite(c->base));
		buf_addch(out, ',');
		report_esc_csv(out, report_model(c->base));
		buf_addch(out, ',');
		report_esc_csv(out, report_model(c->new_));
		buf_addch(out, ',');
		report_esc_csv(out, r->kind);
		buf_addch(out, ',');
		report_esc_csv(out, r->name);
		buf_addch(out, ',');
		report_esc_csv(out, r->label);
		buf_addf(out, ",%zu", r->n);
		for (k = 0; k < ARRAY_SIZE(nums); k++) {
			buf_addch(out, ',');
			if (!isnan(nums[k]))
				buf_addf(out, "%.17g", nums[k]);
		}
		buf_addf(out, ",%zu,%zu,%zu,%d,%d\r\n", r->mc_b, r->mc_c, r->mc_n, r->gated, r->regressed);
	}
}

static void jnum(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isnan(v))
		jw_null(w);
	else
		jw_num(w, v);
}

static void json(const struct compare *c, struct buf *out)
{
	struct jw w;
	size_t i;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_str(&w, report_suite(c->base));
	jw_key(&w, "base");
	jw_obj(&w);
	jw_key(&w, "dir");
	jw_str(&w, c->base->dir);
	jw_key(&w, "model");
	jw_str(&w, report_model(c->base));
	jw_key(&w, "protocol");
	jw_str(&w, report_protocol(c->base));
	jw_end(&w);
	jw_key(&w, "new");
	jw_obj(&w);
	jw_key(&w, "dir");
	jw_str(&w, c->new_->dir);
	jw_key(&w, "model");
	jw_str(&w, report_model(c->new_));
	jw_key(&w, "protocol");
	jw_str(&w, report_protocol(c->new_));
	jw_end(&w);
	jw_key(&w, "items");
	jw_obj(&w);
	jw_key(&w, "shared");
	jw_int(&w, (long long)c->shared);
	jw_key(&w, "base_only");
	jw_int(&w, (long long)c->base_only);
	jw_key(&w, "new_only");
	jw_int(&w, (long long)c->new_only);
	jw_key(&w, "unscored");
	jw_int(&w, (long long)c->unscored);
	jw_end(&w);
	jw_key(&w, "settings");
	jw_obj(&w);
	jnum(&w, "max_drop", c->o.max_drop);
	jnum(&w, "alpha", c->o.alpha);
	jw_key(&w, "gate");
	jw_str(&w, c->o.gate == GATE_OVERALL ? "overall" : c->o.gate == GATE_ALL ? "all" : "categories");
	jw_key(&w, "resamples");
	jw_int(&w, (long long)c->o.boot.resamples);
	jw_key(&w, "seed");
	jw_int(&w, (long long)c->o.boot.seed);
	jw_key(&w, "clusters");
	jw_int(&w, (long long)c->clusters);
	jw_end(&w);
	jw_key(&w, "regression");
	jw_bool(&w, c->regressions > 0);
	jw_key(&w, "differences");
	jw_arr(&w);
	for (i = 0; i < c->ndiffs; i++)
		jw_str(&w, c->diffs[i]);
	jw_end(&w);
	jw_key(&w, "groups");
	jw_arr(&w);
	for (i = 0; i < c->nrows; i++) {
		const struct compare_row *r = &c->rows[i];
		jw_obj(&w);
		jw_key(&w, "kind");
		jw_str(&w, r->kind);
		jw_key(&w, "name");
		jw_str(&w, r->name);
		jw_key(&w, "label");
		jw_str(&w, r->label);
		jw_key(&w, "n");
		jw_int(&w, (long long)r->n);
		jnum(&w, "base", r->base);
		jnum(&w, "new", r->new_);
		jnum(&w, "delta", r->delta);
		jw_key(&w, "ci");
		if (isnan(r->lo)) {
			jw_null(&w);
		} else {
			jw_arr(&w);
			jw_num(&w, r->lo);
			jw_num(&w, r->hi);
			jw_end(&w);
		}
		jw_key(&w, "mcnemar");
		if (!r->mc_n) {
			jw_null(&w);
		} else {
			jw_obj(&w);
			jnum(&w, "p", r->p);
			jw_key(&w, "exact");
			jw_bool(&w, r->exact);
			jw_key(&w, "right_to_wrong");
			jw_int(&w, (long long)r->mc_b);
			jw_key(&w, "wrong_to_right");
			jw_int(&w, (long long)r->mc_c);
			jw_key(&w, "items");
			jw_int(&w, (long long)r->mc_n);
			jw_end(&w);
		}
		jw_key(&w, "gated");
		jw_bool(&w, r->gated);
		jw_key(&w, "regressed");
		jw_bool(&w, r->regressed);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	buf_addch(out, '\n');
}

int compare_render(const struct compare *c, enum report_format f, struct buf *out)
{
	switch (f) {
	case FMT_MD:
		md(c, out);
		return 0;
	case FMT_CSV:
		csv(c, out);
		return 0;
	case FMT_JSON:
		json(c, out);
		return 0;
	default:
		return error("compare: formats are md, csv and json");
	}
}
