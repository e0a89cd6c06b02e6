/*
 * aggregate.h: per-item scores -> per-category, per-split and overall
 * scores, as each suite's official code computes them.
 *
 *   item-mean       overall = mean over every scored item (STI, R4D, VLM4D)
 *   category-mean   overall = mean of the category scores (VSI, VSTI,
 *                   MLLM4D-Bench); a merged category (spec "members") is the
 *                   mean of its members' scores and replaces them at the top
 *                   level (VSI's rel_direction easy/medium/hard), unless the
 *                   spec says "over": "leaves" (VSTI: the official code
 *                   averages the 9 question types; merged categories are only
 *                   shown as the paper's columns)
 *   splits          item-mean over the items a split's condition selects
 *   circular        (questions asked in several option orders, spec "circular")
 *                   the share right in every order, beside the item-mean of
 *                   all orders (which is the official number, SAT's average)
 *
 * Errors (no answer) are counted but never scored; unparsed answers are
 * scored (usually 0). Scores are scaled (x100) and rounded as the spec says
 * ("round": 2 for VLM4D's round(x, 2)); `exact` keeps the unrounded value.
 * Categories that have no scored item are left out of a category-mean, as
 * pandas' groupby leaves them out.
 *
 * Confidence intervals (scorers/stats.h) come from struct agg_boot: it
 * mirrors the groups of an agg_result as bootstrap groups (leaf categories
 * and splits as item means, merged categories as the mean of their members,
 * the overall as the suite's rule says) and writes ci_lo, ci_hi and se back.
 *
 * Ownership: struct agg_result owns its arrays; agg_release() frees them.
 * Names borrow from the suite.
 */
#ifndef STEVAL_AGGREGATE_H
#define STEVAL_AGGREGATE_H

#include "lib/common.h"
#include "scorers/stats.h"

struct suite;
struct item;
struct jw;

struct agg_sample {
	const struct item *it;
	int status;           /* enum grade_status */
	double score;         /* in [0, 1] */
	const unsigned char *in_split;   /* the suite's nsplits answers of
				   cond_eval(split.where, it), borrowed; NULL: evaluated */
};

struct agg_group {
	const char *name;
	const char *label;
	int merged;           /* mean of member categories */
	int top;              /* counts in a category-mean at the top level */
	size_t n, ok, unparsed, error;
	double sum;           /* of scores over scored items */
	double exact;         /* scaled, unrounded; NAN when nothing is scored */
	double score;         /* scaled and rounded as the official code */
	double ci_lo, ci_hi;  /* bootstrap interval, scaled; NAN when not computed */
	double se;            /* bootstrap standard error, scaled; NAN when not computed */
	const char *const *members;   /* merged: the member categories (borrowed) */
	size_t nmembers;
};

struct agg_result {
	struct agg_group overall;
	struct agg_group *cats;
	size_t ncats;
	struct agg_group *splits;
	size_t nsplits;
	/* spec "circular" (a question asked in every rotation of its options):
	 * the share of questions right in all their orders; n counts the
	 * questions with every order scored (ok), error those missing one;
	 * n == 0 for suites without rotations (not written then) */
	struct agg_group circular;
	size_t suite_items;   /* items in the suite */
	const char *rule;     /* "item-mean" | "category-mean" (borrowed) */
	int over_leaves;
	double scale;
	int round_digits;
};

int agg_compute(const struct suite *s, const struct agg_sample *v, size_t n, struct agg_result *out);
void agg_release(struct agg_result *r);
/* Sets every group's ci_lo, ci_hi and se to NAN. */
void agg_clear_ci(struct agg_result *r);

/* Bootstrap over the groups of an agg_result (its layout only: the
 * categories, their members, the splits and the overall rule). */
struct agg_boot {
	struct stats_boot b;
	size_t overall;       /* stats group of the overall */
	size_t *cat;          /* per r->cats: its stats group */
	size_t *split;        /* per r->splits */
	size_t ncats, nsplits;
	int overall_items;    /* the overall is an item mean (else a mean of categories) */
	struct stats_ci *ci;  /* agg_boot_intervals(): every group's and value's, at ci_level */
	double ci_level;
};

void agg_boot_init(struct agg_boot *ab, const struct agg_result *r, size_t nv);
/* One item: its cluster (video), its category (index into r->cats, a leaf),
 * the splits it is in (r->nsplits flags, or NULL), nv values (NAN: not
 * scored). */
void agg_boot_add(struct agg_boot *ab, const char *cluster, size_t cat, const unsigned char *in_split,
		  const double *values);
int agg_boot_run(struct agg_boot *ab, const struct stats_opts *o, double scale);
/* After agg_boot_run: every interval at level, computed at once on every
 * core (stats_ci_all), for the agg_boot_fill() calls that follow. */
void agg_boot_intervals(struct agg_boot *ab, double level);
/* Fill r's ci_lo/ci_hi/se from value v (r must have the layout ab was made from). */
void agg_boot_fill(const struct agg_boot *ab, struct agg_result *r, size_t v, double level);
void agg_boot_release(struct agg_boot *ab);
/* Index of a category by name, or -1. */
int agg_find_cat(const struct agg_result *r, const char *name);
/* Writes "overall", "categories", "splits" members into the open object. */
void agg_write_json(const struct agg_result *r, struct jw *w);
/* Round as Python's round(x, digits) does for a float (half to even on the
 * exact binary value). digits < 0: no rounding. */
double agg_round(double x, int digits);

#endif
