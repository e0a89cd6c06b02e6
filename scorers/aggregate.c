#include "harness/common.h"
#include "scorers/aggregate.h"
#include "scorers/grade.h"
#include "suites/cond.h"
#include "suites/suite.h"
#include "harness/buf.h"
#include "harness/json.h"
#include "harness/log.h"
#include "harness/xalloc.h"

#include <math.h>

double agg_round(double x, int digits)
{
	char t[64];

	if (digits < 0 || isnan(x) || isinf(x))
		return x;
	/* printf rounds the exact binary value half-to-even, as Python's round() */
	snprintf(t, sizeof(t), "%.*f", digits, x);
	return strtod(t, NULL);
}

static void add(struct agg_group *g, const struct agg_sample *s)
{
	g->n++;
	switch (s->status) {
	case GRADE_OK:
		g->ok++;
		g->sum += s->score;
		break;
	case GRADE_UNPARSED:
		g->unparsed++;
		g->sum += s->score;
		break;
	default:
		g->error++;
	}
}

static void finish(struct agg_group *g, double scale, int digits)
{
	size_t scored = g->ok + g->unparsed;

	if (!g->merged) {
		g->exact = scored ? g->sum / (double)scored * scale : NAN;
	}
	g->score = agg_round(g->exact, digits);
}

static int find_cat(const struct agg_result *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->ncats; i++)
		if (!strcmp(r->cats[i].name, name))
			return (int)i;
	return -1;
}

static int cmp_group_name(const void *a, const void *b)
{
	return strcmp(((const struct agg_group *)a)->name, ((const struct agg_group *)b)->name);
}

int agg_compute(const struct suite *s, const struct agg_sample *v, size_t n, struct agg_result *out)
{
	size_t i, j, alloc, extra_from;
	double total;
	size_t count;

	memset(out, 0, sizeof(*out));
	out->suite_items = s->nitems;
	out->overall.name = "overall";
	out->overall.label = "Overall";
	/* categories: the spec's, in paper order, then any others found, sorted */
	alloc = s->ncats + 8;
	out->cats = xcalloc(alloc, sizeof(*out->cats));
	for (i = 0; i < s->ncats; i++) {
		out->cats[i].name = s->cats[i].name;
		out->cats[i].label = s->cats[i].label;
		out->cats[i].merged = s->cats[i].nmembers > 0;
		out->cats[i].top = s->cats[i].member_of < 0;
	}
	out->ncats = s->ncats;
	extra_from = out->ncats;
	for (i = 0; i < n; i++) {
		int c = find_cat(out, v[i].it->category);
		if (c < 0) {
			ALLOC_GROW(out->cats, out->ncats + 1, alloc);
			memset(&out->cats[out->ncats], 0, sizeof(out->cats[0]));
			out->cats[out->ncats].name = v[i].it->category;
			out->cats[out->ncats].label = v[i].it->category;
			out->cats[out->ncats].top = 1;
			c = (int)out->ncats++;
		}
		add(&out->cats[c], &v[i]);
		add(&out->overall, &v[i]);
	}
	if (out->ncats > extra_from)
		qsort(out->cats + extra_from, out->ncats - extra_from, sizeof(*out->cats), cmp_group_name);
	for (i = 0; i < out->ncats; i++)
		finish(&out->cats[i], s->scale, s->round_digits);
	/* merged categories: mean of their members' scores (members with items) */
	for (i = 0; i < s->ncats; i++) {
		struct agg_group *g = &out->cats[i];
		double sum = 0;
		size_t k = 0;
		if (!g->merged)
			continue;
		for (j = 0; j < s->cats[i].nmembers; j++) {
			int c = find_cat(out, s->cats[i].members[j]);
			if (c < 0)
				continue;
			g->n += out->cats[c].n;
			g->ok += out->cats[c].ok;
			g->unparsed += out->cats[c].unparsed;
			g->error += out->cats[c].error;
			if (!isnan(out->cats[c].exact)) {
				sum += out->cats[c].exact;
				k++;
			}
		}
		g->exact = k ? sum / (double)k : NAN;
		g->score = agg_round(g->exact, s->round_digits);
	}
	/* overall */
	if (!strcmp(s->overall, "category-mean")) {
		/* pandas groupby order: leaf categories sorted by name, then the
		 * merged ones (appended after the groupby in the official code) */
		const struct agg_group **order = xcalloc(out->ncats ? out->ncats : 1, sizeof(*order));
		size_t no = 0;
		for (i = 0; i < out->ncats; i++)
			if (!out->cats[i].merged && (s->over_leaves || out->cats[i].top) &&
			    !isnan(out->cats[i].exact))
				order[no++] = &out->cats[i];
		for (i = 1; i < no; i++)
			for (j = i; j > 0 && strcmp(order[j - 1]->name, order[j]->name) > 0; j--) {
				const struct agg_group *t = order[j];
				order[j] = order[j - 1];
				order[j - 1] = t;
			}
		if (!s->over_leaves)
			for (i = 0; i < out->ncats; i++)
				if (out->cats[i].merged && out->cats[i].top && !isnan(out->cats[i].exact))
					order[no++] = &out->cats[i];
		total = 0;
		count = 0;
		for (i = 0; i < no; i++) {
			total += order[i]->exact / s->scale;
			count++;
		}
		out->overall.exact = count ? total / (double)count * s->scale : NAN;
		out->overall.score = agg_round(out->overall.exact, s->round_digits);
		free(order);
	} else {
		finish(&out->overall, s->scale, s->round_digits);
	}
	/* splits */
	out->nsplits = s->nsplits;
	out->splits = xcalloc(s->nsplits ? s->nsplits : 1, sizeof(*out->splits));
	for (j = 0; j < s->nsplits; j++) {
		struct agg_group *g = &out->splits[j];
		g->name = s->splits[j].name;
		g->label = s->splits[j].label ? s->splits[j].label : s->splits[j].name;
		for (i = 0; i < n; i++)
			if (cond_eval(s->splits[j].where, v[i].it))
				add(g, &v[i]);
		finish(g, s->scale, s->round_digits);
	}
	return 0;
}

void agg_release(struct agg_result *r)
{
	free(r->cats);
	free(r->splits);
	memset(r, 0, sizeof(*r));
}

static void write_group(struct jw *w, const struct agg_group *g)
{
	jw_obj(w);
	jw_key(w, "score");
	jw_num(w, g->score);
	jw_key(w, "exact");
	jw_num(w, g->exact);
	jw_key(w, "n");
	jw_int(w, (long long)g->n);
	jw_key(w, "ok");
	jw_int(w, (long long)g->ok);
	jw_key(w, "unparsed");
	jw_int(w, (long long)g->unparsed);
	jw_key(w, "error");
	jw_int(w, (long long)g->error);
	if (g->label && strcmp(g->label, g->name)) {
		jw_key(w, "label");
		jw_str(w, g->label);
	}
	if (g->merged) {
		jw_key(w, "merged");
		jw_bool(w, 1);
	}
	jw_end(w);
}

void agg_write_json(const struct agg_result *r, struct jw *w)
{
	size_t i;

	jw_key(w, "overall");
	write_group(w, &r->overall);
	jw_key(w, "categories");
	jw_obj(w);
	for (i = 0; i < r->ncats; i++) {
		if (!r->cats[i].n)
			continue;
		jw_key(w, r->cats[i].name);
		write_group(w, &r->cats[i]);
	}
	jw_end(w);
	jw_key(w, "splits");
	jw_obj(w);
	for (i = 0; i < r->nsplits; i++) {
		jw_key(w, r->splits[i].name);
		write_group(w, &r->splits[i]);
	}
	jw_end(w);
}
