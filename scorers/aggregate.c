#include "lib/common.h"
#include "scorers/aggregate.h"
#include "scorers/grade.h"
#include "suites/cond.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/xalloc.h"

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

int agg_find_cat(const struct agg_result *r, const char *name)
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

/* The index of the item that asks a rotated item's question in the
 * record's own order ("ID#k" -> "ID"), or the item's own. */
static size_t base_of(const struct suite *s, const struct item *it)
{
	const struct item *b = it;

	if (it->rotation) {
		const char *hash = strrchr(it->id, '#');
		char *id = hash ? xstrndup(it->id, (size_t)(hash - it->id)) : NULL;
		const struct item *f = id ? suite_item(s, id) : NULL;
		free(id);
		if (f)
			b = f;
	}
	return (size_t)(b - s->items);
}

/* Right in every order: a question counts when each of its orders has a
 * scored sample, and is right when every one scores 1. */
static void circular(const struct suite *s, const struct agg_sample *v, size_t n,
		     struct agg_group *g)
{
	size_t *want, *scored, *right, i, b;
	int any = 0;

	g->name = "circular";
	g->label = "all orders right";
	for (i = 0; i < s->nitems && !any; i++)
		any = s->items[i].rotation > 0;
	if (!any) {
		g->exact = g->score = NAN;
		return;
	}
	want = xcalloc(s->nitems, sizeof(*want));
	scored = xcalloc(s->nitems, sizeof(*scored));
	right = xcalloc(s->nitems, sizeof(*right));
	for (i = 0; i < s->nitems; i++)
		want[base_of(s, &s->items[i])]++;
	for (i = 0; i < n; i++) {
		if (v[i].it < s->items || v[i].it >= s->items + s->nitems)
			continue;
		b = base_of(s, v[i].it);
		if (v[i].status == GRADE_OK || v[i].status == GRADE_UNPARSED) {
			scored[b]++;
			right[b] += v[i].score >= 1;
		}
	}
	for (i = 0; i < s->nitems; i++) {
		if (s->items[i].rotation || want[i] < 2)
			continue;
		if (scored[i] == want[i]) {
			g->n++;
			g->ok++;
			g->sum += right[i] == want[i];
		} else if (scored[i]) {
			g->n++;
			g->error++;
		}
	}
	free(want);
	free(scored);
	free(right);
	finish(g, s->scale, s->round_digits);
}

int agg_compute(const struct suite *s, const struct agg_sample *v, size_t n, struct agg_result *out)
{
	size_t i, j, alloc, extra_from;
	double total;
	size_t count;

	memset(out, 0, sizeof(*out));
	out->suite_items = s->nitems;
	out->rule = s->overall;
	out->over_leaves = s->over_leaves;
	out->scale = s->scale;
	out->round_digits = s->round_digits;
	out->overall.name = "overall";
	out->overall.label = "Overall";
	/* categories: the spec's, in paper order, then any others found, sorted */
	alloc = s->ncats + 8;
	out->cats = xcalloc(alloc, sizeof(*out->cats));
	for (i = 0; i < s->ncats; i++) {
		out->cats[i].name = s->cats[i].name;
		out->cats[i].label = s->cats[i].label;
		out->cats[i].merged = s->cats[i].nmembers > 0;
		out->cats[i].members = (const char *const *)s->cats[i].members;
		out->cats[i].nmembers = s->cats[i].nmembers;
		out->cats[i].top = s->cats[i].member_of < 0;
	}
	out->ncats = s->ncats;
	extra_from = out->ncats;
	for (i = 0; i < n; i++) {
		int c = agg_find_cat(out, v[i].it->category);
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
			int c = agg_find_cat(out, s->cats[i].members[j]);
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
			if (v[i].in_split ? v[i].in_split[j] : cond_eval(s->splits[j].where, v[i].it))
				add(g, &v[i]);
		finish(g, s->scale, s->round_digits);
	}
	circular(s, v, n, &out->circular);
	agg_clear_ci(out);
	return 0;
}

static void clear_ci(struct agg_group *g)
{
	g->ci_lo = g->ci_hi = g->se = NAN;
}

void agg_clear_ci(struct agg_result *r)
{
	size_t i;

	clear_ci(&r->circular);
	clear_ci(&r->overall);
	for (i = 0; i < r->ncats; i++)
		clear_ci(&r->cats[i]);
	for (i = 0; i < r->nsplits; i++)
		clear_ci(&r->splits[i]);
}

void agg_boot_init(struct agg_boot *ab, const struct agg_result *r, size_t nv)
{
	size_t i, j, n;
	size_t *parts = xcalloc(r->ncats + 1, sizeof(size_t));

	memset(ab, 0, sizeof(*ab));
	stats_init(&ab->b, nv);
	ab->ncats = r->ncats;
	ab->nsplits = r->nsplits;
	ab->cat = xcalloc(r->ncats + 1, sizeof(size_t));
	ab->split = xcalloc(r->nsplits + 1, sizeof(size_t));
	/* leaves first: merged categories and a category-mean need them */
	for (i = 0; i < r->ncats; i++)
		if (!r->cats[i].merged)
			ab->cat[i] = stats_group_items(&ab->b);
	for (i = 0; i < r->ncats; i++) {
		if (!r->cats[i].merged)
			continue;
		n = 0;
		for (j = 0; j < r->cats[i].nmembers; j++) {
			int c = agg_find_cat(r, r->cats[i].members[j]);
			if (c >= 0 && !r->cats[c].merged)
				parts[n++] = ab->cat[c];
		}
		ab->cat[i] = stats_group_mean(&ab->b, parts, n);
	}
	ab->overall_items = !r->rule || strcmp(r->rule, "category-mean");
	if (ab->overall_items) {
		ab->overall = stats_group_items(&ab->b);
	} else {
		/* the categories agg_compute averages, in its order */
		size_t no = 0, k;
		for (i = 0; i < r->ncats; i++)
			if (!r->cats[i].merged && (r->over_leaves || r->cats[i].top))
				parts[no++] = i;
		for (i = 1; i < no; i++)
			for (k = i; k > 0 && strcmp(r->cats[parts[k - 1]].name, r->cats[parts[k]].name) > 0; k--) {
				size_t t = parts[k];
				parts[k] = parts[k - 1];
				parts[k - 1] = t;
			}
		if (!r->over_leaves)
			for (i = 0; i < r->ncats; i++)
				if (r->cats[i].merged && r->cats[i].top)
					parts[no++] = i;
		for (i = 0; i < no; i++)
			parts[i] = ab->cat[parts[i]];
		ab->overall = stats_group_mean(&ab->b, parts, no);
	}
	for (i = 0; i < r->nsplits; i++)
		ab->split[i] = stats_group_items(&ab->b);
	free(parts);
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
	if (!isnan(g->ci_lo) && !isnan(g->ci_hi)) {
		jw_key(w, "ci");
		jw_arr(w);
		jw_num(w, g->ci_lo);
		jw_num(w, g->ci_hi);
		jw_end(w);
	}
	if (!isnan(g->se)) {
		jw_key(w, "se");
		jw_num(w, g->se);
	}
	if (g->merged) {
		size_t i;
		jw_key(w, "merged");
		jw_bool(w, 1);
		jw_key(w, "members");
		jw_arr(w);
		for (i = 0; i < g->nmembers; i++)
			jw_str(w, g->members[i]);
		jw_end(w);
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
	if (r->circular.n) {
		jw_key(w, "circular");
		write_group(w, &r->circular);
	}
}

void agg_boot_add(struct agg_boot *ab, const char *cluster, size_t cat, const unsigned char *in_split,
		  const double *values)
{
	size_t *g = xcalloc(ab->nsplits + 2, sizeof(size_t)), n = 0, i;

	if (cat < ab->ncats && ab->b.groups[ab->cat[cat]].kind == STATS_ITEMS)
		g[n++] = ab->cat[cat];
	if (ab->overall_items)
		g[n++] = ab->overall;
	if (in_split)
		for (i = 0; i < ab->nsplits; i++)
			if (in_split[i])
				g[n++] = ab->split[i];
	stats_add(&ab->b, cluster, g, n, values);
	free(g);
}

int agg_boot_run(struct agg_boot *ab, const struct stats_opts *o, double scale)
{
	return stats_run(&ab->b, o, scale);
}

void agg_boot_intervals(struct agg_boot *ab, double level)
{
	size_t n = ab->b.ngroups * ab->b.nv;

	free(ab->ci);
	ab->ci = xcalloc(n ? n : 1, sizeof(*ab->ci));
	ab->ci_level = level;
	stats_ci_all(&ab->b, level, ab->ci);
}

static void fill(const struct agg_boot *ab, struct agg_group *g, size_t sg, size_t v, double level)
{
	struct stats_ci ci;

	if (ab->ci && level == ab->ci_level && sg < ab->b.ngroups && v < ab->b.nv)
		ci = ab->ci[sg * ab->b.nv + v];
	else
		stats_ci(&ab->b, sg, v, -1, level, &ci);
	g->ci_lo = ci.lo;
	g->ci_hi = ci.hi;
	g->se = ci.se;
}

void agg_boot_fill(const struct agg_boot *ab, struct agg_result *r, size_t v, double level)
{
	size_t i;

	fill(ab, &r->overall, ab->overall, v, level);
	for (i = 0; i < r->ncats && i < ab->ncats; i++)
		fill(ab, &r->cats[i], ab->cat[i], v, level);
	for (i = 0; i < r->nsplits && i < ab->nsplits; i++)
		fill(ab, &r->splits[i], ab->split[i], v, level);
}

void agg_boot_release(struct agg_boot *ab)
{
	stats_release(&ab->b);
	free(ab->ci);
	free(ab->cat);
	free(ab->split);
	memset(ab, 0, sizeof(*ab));
}
