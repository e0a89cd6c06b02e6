/*
 * stats.h: cluster bootstrap confidence intervals, standard errors and
 * McNemar's test.
 *
 * The bootstrap works on groups of items. A group is either
 *   STATS_ITEMS  the mean score of the scored items in it (a category, a
 *                split, an item-mean overall), or
 *   STATS_MEAN   the mean of other groups' values (a merged category, a
 *                category-mean overall); parts whose value is undefined in a
 *                resample are left out, as the point estimate leaves out
 *                categories without scored items.
 * Each item carries `nv` values (one per scoring: the official score and
 * its variants, or a base and a new run for a paired comparison); NAN marks
 * a value that is not scored (an error).
 *
 * Resampling: items are grouped into clusters (the items sharing a video;
 * an item without one is its own cluster). Every resample draws K clusters
 * with replacement from the K clusters, the same draw for every group and
 * every value, so merged categories, overalls and paired differences keep
 * their correlations. Resample r draws from rng_seed(seed + r * 0x9E3779B97F4A7C15)
 * with an unbiased multiply-shift (Lemire) on the top 32 bits of each
 * 64-bit output; tests/stats_ref.py redoes the same draws in Python.
 * Per-cluster sums are precomputed, so a resample costs O(K + entries).
 *
 * Intervals are percentile intervals of the defined replicates, with
 * linear interpolation between order statistics (numpy's default: position
 * h = (m - 1) p, value x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h])).
 * The standard error is the standard deviation of the defined replicates
 * (divisor m - 1). Replicates where a group has no scored item are
 * undefined and skipped; `defined` says how many were left.
 *
 * Ownership: struct stats_boot owns everything it holds; cluster keys are
 * copied. stats_release() frees it.
 */
#ifndef STEVAL_STATS_H
#define STEVAL_STATS_H

#include "lib/common.h"

#define STATS_RESAMPLES 10000
#define STATS_LEVEL 0.95

struct stats_opts {
	size_t resamples;     /* 0: no bootstrap */
	uint64_t seed;
	double level;         /* 0.95 */
	int threads;          /* 0: choose */
	int per_cluster;      /* 1: never merge interchangeable clusters (the reference
				 loop; same replicates, slower) */
};

void stats_opts_default(struct stats_opts *o);

enum stats_kind { STATS_ITEMS, STATS_MEAN };

struct stats_group {
	enum stats_kind kind;
	size_t *parts;        /* STATS_MEAN: earlier groups */
	size_t nparts;
};

struct stats_ci {
	double lo, hi;        /* NAN when no replicate is defined */
	double se;            /* NAN with fewer than 2 defined replicates */
	size_t defined;       /* replicates where the value is defined */
};

struct stats_boot {
	size_t nv;
	struct stats_group *groups;
	size_t ngroups, galloc;
	/* items, as added */
	struct stats_entry {
		size_t cluster;
		size_t group;
	} *memb;              /* (cluster, group) for every item membership */
	size_t nmemb, malloc_;
	double *mval;         /* nv values per membership */
	/* clusters */
	char **keys;          /* hash table of cluster keys */
	size_t *key_ids;
	size_t key_cap, nkeys;
	size_t nclusters;
	size_t nitems;
	/* after stats_run */
	size_t resamples;
	double scale;
	double *rep;          /* [(g * nv + v) * resamples + r], NAN = undefined */
};

void stats_init(struct stats_boot *b, size_t nv);
/* Add a group; returns its index. */
size_t stats_group_items(struct stats_boot *b);
size_t stats_group_mean(struct stats_boot *b, const size_t *parts, size_t nparts);
/* Add an item in the given STATS_ITEMS groups with nv values (NAN: not
 * scored). cluster NULL or "": the item is a cluster of its own. */
void stats_add(struct stats_boot *b, const char *cluster, const size_t *groups, size_t ngroups,
	       const double *values);
/* Draw the resamples; values are multiplied by scale. */
int stats_run(struct stats_boot *b, const struct stats_opts *o, double scale);
/* Interval of group g's value v, or (v0 >= 0) of value v minus value v0. */
void stats_ci(const struct stats_boot *b, size_t g, size_t v, int v0, double level,
	      struct stats_ci *out);
/* stats_ci(b, g, v, -1, level) of every group and value, out[g * nv + v]
 * (ngroups * nv of them), the columns shared out over cpu_threads(): each
 * is the same as stats_ci() gives it. */
void stats_ci_all(const struct stats_boot *b, double level, struct stats_ci *out);
void stats_release(struct stats_boot *b);

/* The value of each group on the full sample (not resampled), scaled:
 * out[g * nv + v]. The caller frees. */
double *stats_point(const struct stats_boot *b, double scale);

/* Percentile of sorted x[0..n) at p in [0, 1], linear interpolation. */
double stats_quantile(const double *sorted, size_t n, double p);

/*
 * McNemar's test for paired binary outcomes: b = right before and wrong
 * after, c = wrong before and right after. Two-sided p-value: exact
 * binomial (min(1, 2 P[X <= min(b, c)]), X ~ Bin(b + c, 1/2)) when
 * b + c < STATS_MCNEMAR_EXACT_BELOW, else the chi-square statistic with
 * continuity correction, (|b - c| - 1)^2 / (b + c), on one degree of freedom.
 * b + c == 0 gives p = 1.
 */
#define STATS_MCNEMAR_EXACT_BELOW 25
double stats_mcnemar(size_t b, size_t c, int *exact);
/* P[X <= k] for X ~ Bin(n, 1/2). */
double stats_binom_cdf_half(size_t k, size_t n);

/*
 * For the tests: the first count draws below n of resamples seed + i *
 * 0x9E3779B97F4A7C15 for i = 0..7 (as the bootstrap makes them), lane i
 * into out[i * count ..], on one path: below32() one draw at a time
 * (STATS_SCALAR) or eight lanes in vectors (STATS_AVX2, STATS_AVX512).
 * -1 when the CPU does not have that path (the environment does not
 * matter here). n may be far above any cluster count, so that rejections
 * are frequent.
 */
enum { STATS_SCALAR, STATS_AVX2, STATS_AVX512 };
int stats_test_draws(uint64_t seed, uint32_t n, uint32_t count, int path, uint32_t *out);

#endif
