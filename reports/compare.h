/*
 * compare.h: two runs of one suite, item by item.
 *
 * Over the items both runs scored (ok or unparsed in both), every group
 * (overall, categories with merged ones, splits when the suite's data is
 * at hand) gets base and new scores, their difference, a paired cluster
 * bootstrap interval of the difference (both runs resampled with the same
 * draw of videos: scorers/stats.h) and, over its multiple-choice items,
 * McNemar's test. A group regresses when its score dropped by more than
 * max_drop points and the (1 - alpha) interval of the difference lies
 * entirely below zero. The setups are compared from manifest.json:
 * protocol, frame plan, generation settings, dataset and spec hashes.
 *
 * Ownership: struct compare owns its arrays; names borrow from the runs
 * and the suite, which must outlive it.
 */
#ifndef STEVAL_COMPARE_H
#define STEVAL_COMPARE_H

#include "lib/common.h"
#include "reports/report.h"
#include "scorers/stats.h"

struct suite;

enum compare_gate { GATE_OVERALL, GATE_CATEGORIES, GATE_ALL };

struct compare_opts {
	double max_drop;          /* points (score scale); default 0 */
	double alpha;             /* default 0.05 */
	enum compare_gate gate;   /* which groups can fail: default GATE_CATEGORIES */
	struct stats_opts boot;
	int allow_judge_mismatch; /* compare runs judged by different judges (or one not judged) */
};

void compare_opts_default(struct compare_opts *o);

struct compare_row {
	const char *kind, *name, *label;
	int indent;
	size_t n;                 /* shared scored items in the group */
	double base, new_, delta; /* scaled; NAN when undefined */
	double lo, hi;            /* interval of delta */
	size_t mc_b, mc_c, mc_n;  /* McNemar: right->wrong, wrong->right, MC items */
	double p;                 /* McNemar p, NAN without MC items */
	int exact;
	int gated, regressed;
};

struct compare {
	struct report_run *base, *new_;
	struct compare_row *rows;
	size_t nrows;
	size_t shared, base_only, new_only, unscored;
	size_t clusters;
	int have_splits;
	int splits_wanted;        /* the results list splits */
	char **diffs;             /* setup differences, one sentence each */
	size_t ndiffs;
	size_t regressions;
	struct compare_opts o;
};

/* Compare two opened runs. s (may be NULL) is the suite with its data
 * loaded, used only for split membership. Returns -1 on bad input (other
 * suites, nothing in common). */
int compare_runs(struct report_run *base, struct report_run *new_, const struct suite *s,
		 const struct compare_opts *o, struct compare *out);
int compare_render(const struct compare *c, enum report_format f, struct buf *out);
void compare_release(struct compare *c);

#endif
