#include "lib/common.h"
#include "scorers/results.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "scorers/judge.h"
#include "suites/suite.h"

#include <math.h>

static void column(struct jw *w, const char *kind, const char *name, const char *label)
{
	jw_obj(w);
	jw_key(w, "kind");
	jw_str(w, kind);
	jw_key(w, "name");
	jw_str(w, name);
	jw_key(w, "label");
	jw_str(w, label ? label : name);
	jw_end(w);
}

/* The paper's table: the spec's "columns", else the overall and every
 * top-level category in order. */
static void write_columns(const struct results *r, struct jw *w)
{
	const struct suite *s = r->s;
	const struct agg_result *a = &r->main;
	size_t i, k;

	jw_key(w, "columns");
	jw_arr(w);
	if (!s->ncolumns) {
		column(w, "overall", "overall", "Overall");
		for (i = 0; i < a->ncats; i++)
			if (a->cats[i].top)
				column(w, "category", a->cats[i].name, a->cats[i].label);
	}
	for (i = 0; i < s->ncolumns; i++) {
		const struct column *c = &s->columns[i];
		const char *label = c->label;
		switch (c->kind) {
		case COL_OVERALL:
			column(w, "overall", "overall", label ? label : "Overall");
			break;
		case COL_CATEGORY:
			if (!label && (k = (size_t)agg_find_cat(a, c->name)) < a->ncats)
				label = a->cats[k].label;
			column(w, "category", c->name, label);
			break;
		case COL_SPLIT:
			for (k = 0; !label && k < a->nsplits; k++)
				if (!strcmp(a->splits[k].name, c->name))
					label = a->splits[k].label;
			column(w, "split", c->name, label);
			break;
		}
	}
	jw_end(w);
}

/* One group across repeats: {"scores", "mean", "sd", "min", "max"}; g(k) is
 * the group in repeat k, or NULL where it has no scored answer. */
static void repeat_group(struct jw *w, const struct results *r, const char *kind, size_t idx)
{
	double sum = 0, ss = 0, lo = NAN, hi = NAN, mean;
	size_t k, m = 0;

	jw_obj(w);
	jw_key(w, "scores");
	jw_arr(w);
	for (k = 0; k < r->nreps; k++) {
		const struct agg_result *a = &r->reps[k];
		const struct agg_group *g = !strcmp(kind, "overall") ? &a->overall :
					    !strcmp(kind, "category") ? &a->cats[idx] : &a->splits[idx];
		if (isnan(g->exact)) {
			jw_null(w);
			continue;
		}
		jw_num(w, g->score);
		sum += g->exact;
		if (isnan(lo) || g->exact < lo)
			lo = g->exact;
		if (isnan(hi) || g->exact > hi)
			hi = g->exact;
		m++;
	}
	jw_end(w);
	mean = m ? sum / (double)m : NAN;
	for (k = 0; m > 1 && k < r->nreps; k++) {
		const struct agg_result *a = &r->reps[k];
		const struct agg_group *g = !strcmp(kind, "overall") ? &a->overall :
					    !strcmp(kind, "category") ? &a->cats[idx] : &a->splits[idx];
		if (!isnan(g->exact))
			ss += (g->exact - mean) * (g->exact - mean);
	}
	jw_key(w, "mean");
	if (m)
		jw_num(w, mean);
	else
		jw_null(w);
	jw_key(w, "sd");
	if (m > 1)
		jw_num(w, sqrt(ss / (double)(m - 1)));
	else
		jw_null(w);
	jw_key(w, "min");
	if (m)
		jw_num(w, lo);
	else
		jw_null(w);
	jw_key(w, "max");
	if (m)
		jw_num(w, hi);
	else
		jw_null(w);
	jw_end(w);
}

static void write_repeats(const struct results *r, struct jw *w)
{
	const struct agg_result *a = &r->main;
	size_t i;

	jw_key(w, "repeats");
	jw_obj(w);
	jw_key(w, "n");
	jw_int(w, (long long)r->nreps);
	jw_key(w, "answers");
	jw_int(w, (long long)r->nanswers);
	jw_key(w, "overall");
	repeat_group(w, r, "overall", 0);
	jw_key(w, "categories");
	jw_obj(w);
	for (i = 0; i < a->ncats; i++)
		if (a->cats[i].n) {
			jw_key(w, a->cats[i].name);
			repeat_group(w, r, "category", i);
		}
	jw_end(w);
	jw_key(w, "splits");
	jw_obj(w);
	for (i = 0; i < a->nsplits; i++)
		if (a->splits[i].n) {
			jw_key(w, a->splits[i].name);
			repeat_group(w, r, "split", i);
		}
	jw_end(w);
	jw_end(w);
}

void results_to_json(const struct results *r, struct buf *out)
{
	const struct suite *s = r->s;
	struct jw w;
	size_t i;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_str(&w, s->name);
	jw_key(&w, "suite_title");
	jw_str(&w, s->title);
	jw_key(&w, "protocol");
	jw_str(&w, r->p->name);
	jw_key(&w, "model");
	jw_str(&w, r->model);
	jw_key(&w, "scoring");
	jw_str(&w, r->scoring);
	jw_key(&w, "aggregation");
	jw_obj(&w);
	jw_key(&w, "overall");
	jw_str(&w, s->overall);
	jw_key(&w, "over");
	jw_str(&w, s->over_leaves ? "leaves" : "top");
	jw_key(&w, "scale");
	jw_num(&w, s->scale);
	jw_key(&w, "round");
	if (s->round_digits >= 0)
		jw_int(&w, s->round_digits);
	else
		jw_null(&w);
	jw_end(&w);
	agg_write_json(&r->main, &w);
	if (r->nv) {
		jw_key(&w, "variants");
		jw_obj(&w);
		for (i = 0; i < r->nv; i++) {
			jw_key(&w, r->vnames[i]);
			jw_obj(&w);
			agg_write_json(&r->var[i], &w);
			jw_end(&w);
		}
		jw_end(&w);
	}
	jw_key(&w, "items");
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_int(&w, (long long)s->nitems);
	jw_key(&w, "scored");
	jw_int(&w, (long long)(r->nreps > 1 ? r->nscored : r->main.overall.ok + r->main.overall.unparsed));
	jw_key(&w, "missing");
	jw_int(&w, (long long)(s->nitems - r->nsamples));
	jw_end(&w);
	jw_key(&w, "category_order");
	jw_arr(&w);
	for (i = 0; i < r->main.ncats; i++)
		if (r->main.cats[i].n)
			jw_str(&w, r->main.cats[i].name);
	jw_end(&w);
	write_columns(r, &w);
	if (r->nreps > 1)
		write_repeats(r, &w);
	if (r->judge || r->judge_proto)
		judge_stats_json(r->judge, r->judge_proto, &w);
	if (r->boot && r->boot->resamples) {
		jw_key(&w, "bootstrap");
		jw_obj(&w);
		jw_key(&w, "method");
		jw_str(&w, "cluster percentile");
		jw_key(&w, "resamples");
		jw_int(&w, (long long)r->boot->resamples);
		jw_key(&w, "seed");
		jw_int(&w, (long long)r->boot->seed);
		jw_key(&w, "level");
		jw_num(&w, r->boot->level);
		jw_key(&w, "clusters");
		jw_int(&w, (long long)r->clusters);
		jw_key(&w, "cluster_by");
		jw_str(&w, r->nreps > 1 ? "video, else item" : "video");
		jw_end(&w);
	}
	if (r->partial) {
		jw_key(&w, "partial");
		jw_value(&w, r->partial);
	}
	jw_end(&w);
	buf_addch(out, '\n');
}

void results_release(struct results *r)
{
	size_t i;

	agg_release(&r->main);
	for (i = 0; i < r->nv; i++)
		agg_release(&r->var[i]);
	r->nv = 0;
	for (i = 0; i < r->nreps; i++)
		agg_release(&r->reps[i]);
	free(r->reps);
	r->reps = NULL;
	r->nreps = 0;
}
