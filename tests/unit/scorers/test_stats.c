/* Unit tests: scorers/stats.c (bootstrap, quantiles, McNemar) and the
 * aggregate bootstrap layout. Exact values come from Python (math.comb,
 * math.erfc; tests/e2e/stats_ref.py); the full cross-check against an
 * independent bootstrap is tests/e2e/t_bootstrap.sh. */
#include "lib/common.h"
#include "lib/rng.h"
#include "lib/util.h"
#include "scorers/aggregate.h"
#include "scorers/stats.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_quantile(void **state)
{
	const double x[] = { 1, 2, 3, 4, 5 }, one[] = { 3 };

	(void)state;
	assert_float_equal(stats_quantile(x, 5, 0.025), 1.1, 1e-12);
	assert_float_equal(stats_quantile(x, 5, 0.975), 4.9, 1e-12);
	assert_float_equal(stats_quantile(x, 5, 0.5), 3, 0);
	assert_float_equal(stats_quantile(x, 5, 0), 1, 0);
	assert_float_equal(stats_quantile(x, 5, 1), 5, 0);
	assert_float_equal(stats_quantile(one, 1, 0.3), 3, 0);
	assert_true(isnan(stats_quantile(x, 0, 0.5)));
}

static void test_mcnemar(void **state)
{
	static const struct {
		size_t b, c;
		double p;
		int exact;
	} cases[] = {
		{ 1, 9, 0.021484375, 1 },
		{ 0, 0, 1.0, 1 },
		{ 5, 5, 1.0, 1 },
		{ 12, 12, 1.0, 1 },
		{ 0, 24, 1.1920928955078125e-07, 1 },
		{ 3, 21, 0.0002771615982055664, 0 },
		{ 30, 10, 0.002663119259138554, 0 },
		{ 100, 70, 0.0261350941138681, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		int exact = -1;
		double p = stats_mcnemar(cases[i].b, cases[i].c, &exact);
		assert_float_equal(p, cases[i].p, cases[i].p * 1e-9 + 1e-15);
		assert_int_equal(exact, cases[i].b + cases[i].c < 25);
	}
	assert_float_equal(stats_binom_cdf_half(2, 5), 0.5, 1e-15);
	assert_float_equal(stats_binom_cdf_half(5, 5), 1, 0);
	assert_float_equal(stats_binom_cdf_half(0, 10), 1.0 / 1024, 1e-15);
	/* large n stays finite and sane */
	assert_float_equal(stats_binom_cdf_half(500, 1000), 0.5126125090891088, 1e-9);
}

static void opts(struct stats_opts *o, size_t b, uint64_t seed)
{
	stats_opts_default(o);
	o->resamples = b;
	o->seed = seed;
}

/* Every score the same: every interval is that score, SE 0. */
static void test_degenerate_constant(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	struct stats_ci ci;
	size_t g, gm, parts[1], i;
	double v = 0.25;
	char key[16];

	(void)state;
	stats_init(&b, 1);
	g = stats_group_items(&b);
	parts[0] = g;
	gm = stats_group_mean(&b, parts, 1);
	for (i = 0; i < 50; i++) {
		snprintf(key, sizeof(key), "v%zu", i % 7);
		stats_add(&b, key, &g, 1, &v);
	}
	opts(&o, 500, 1);
	assert_int_equal(stats_run(&b, &o, 100), 0);
	assert_int_equal(b.nclusters, 7);
	stats_ci(&b, g, 0, -1, 0.95, &ci);
	assert_float_equal(ci.lo, 25, 1e-12);
	assert_float_equal(ci.hi, 25, 1e-12);
	assert_float_equal(ci.se, 0, 1e-12);
	assert_int_equal(ci.defined, 500);
	stats_ci(&b, gm, 0, -1, 0.95, &ci);
	assert_float_equal(ci.lo, 25, 1e-12);
	stats_release(&b);
}

/* No answer at all (a run interrupted before its first): no resamples,
 * no division by the cluster count. */
static void test_no_clusters(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	size_t g;

	(void)state;
	stats_init(&b, 1);
	g = stats_group_items(&b);
	(void)g;
	opts(&o, 500, 1);
	assert_int_equal(stats_run(&b, &o, 100), 0);
	assert_int_equal(b.nclusters, 0);
	assert_int_equal(b.resamples, 0);
	stats_release(&b);
}

/* One cluster holding every item: each resample draws it once, so the
 * interval is the point estimate. Items without a key are their own clusters. */
static void test_one_cluster(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	struct stats_ci ci;
	size_t g, i;
	double *pt;

	(void)state;
	stats_init(&b, 1);
	g = stats_group_items(&b);
	for (i = 0; i < 40; i++) {
		double v = (double)(i % 3) / 2;
		stats_add(&b, "same.mp4", &g, 1, &v);
	}
	opts(&o, 200, 3);
	assert_int_equal(stats_run(&b, &o, 100), 0);
	pt = stats_point(&b, 100);
	stats_ci(&b, g, 0, -1, 0.95, &ci);
	assert_float_equal(ci.lo, pt[0], 1e-12);
	assert_float_equal(ci.hi, pt[0], 1e-12);
	free(pt);
	stats_release(&b);

	stats_init(&b, 1);
	g = stats_group_items(&b);
	for (i = 0; i < 10; i++) {
		double v = 1;
		stats_add(&b, i % 2 ? NULL : "", &g, 1, &v);
	}
	assert_int_equal(b.nclusters, 10);
	stats_release(&b);
}

/* NAN values are not scored; a group without scored items in a resample is
 * undefined there; a mean group averages only defined parts. */
static void test_undefined(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	struct stats_ci ci;
	size_t ga, gb, gm, parts[2], i;
	double *pt;

	(void)state;
	stats_init(&b, 1);
	ga = stats_group_items(&b);
	gb = stats_group_items(&b);
	parts[0] = ga;
	parts[1] = gb;
	gm = stats_group_mean(&b, parts, 2);
	for (i = 0; i < 30; i++) {
		char key[16];
		double v = i % 5 == 0 ? NAN : (double)(i % 2);
		snprintf(key, sizeof(key), "c%zu", i);
		stats_add(&b, key, &ga, 1, &v);
	}
	{
		/* group b: one item in its own cluster, often not drawn */
		double v = 1;
		stats_add(&b, "lonely", &gb, 1, &v);
	}
	pt = stats_point(&b, 1);
	/* a: 24 scored items (i % 5 != 0), 12 of them odd -> 0.5 */
	assert_float_equal(pt[ga], 0.5, 1e-12);
	assert_float_equal(pt[gb], 1, 0);
	assert_float_equal(pt[gm], 0.75, 1e-12);
	free(pt);
	opts(&o, 2000, 5);
	assert_int_equal(stats_run(&b, &o, 1), 0);
	stats_ci(&b, gb, 0, -1, 0.95, &ci);
	/* P(not drawn in 31 draws of 31) ~ 0.36: undefined that often */
	assert_true(ci.defined > 1000 && ci.defined < 1600);
	assert_float_equal(ci.lo, 1, 0);
	stats_ci(&b, gm, 0, -1, 0.95, &ci);
	assert_int_equal(ci.defined, 2000);     /* a is always defined */
	assert_true(ci.lo < 0.75 && ci.hi <= 1);
	stats_release(&b);
}

static void fill_random(struct stats_boot *b, size_t n, size_t nclusters, size_t *groups, size_t ng,
			uint64_t seed)
{
	struct rng r;
	size_t i;

	rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		char key[24];
		double v[2];
		size_t gs[2];
		snprintf(key, sizeof(key), "video%zu", (size_t)rng_below(&r, nclusters));
		v[0] = rng_unit(&r) < 0.6 ? 1 : 0;
		v[1] = rng_unit(&r) < 0.5 ? 1 : 0;
		gs[0] = groups[rng_below(&r, ng)];
		gs[1] = groups[ng];   /* overall */
		stats_add(b, key, gs, 2, v);
	}
}

/* Results never depend on the number of threads. */
static void test_threads(void **state)
{
	struct stats_boot a, b;
	struct stats_opts o;
	size_t g[4], i, width;

	(void)state;
	stats_init(&a, 2);
	stats_init(&b, 2);
	for (i = 0; i < 4; i++) {
		g[i] = stats_group_items(&a);
		stats_group_items(&b);
	}
	fill_random(&a, 600, 90, g, 3, 77);
	fill_random(&b, 600, 90, g, 3, 77);
	opts(&o, 301, 9);
	o.threads = 1;
	assert_int_equal(stats_run(&a, &o, 100), 0);
	o.threads = 3;
	assert_int_equal(stats_run(&b, &o, 100), 0);
	width = a.ngroups * a.nv * a.resamples;
	for (i = 0; i < width; i++)
		assert_memory_equal(&a.rep[i], &b.rep[i], sizeof(double));
	stats_release(&a);
	stats_release(&b);
}

/* stats_ci_all() gives every column's stats_ci(), whatever the threads. */
static void test_ci_all(void **state)
{
	struct stats_boot a;
	struct stats_opts o;
	struct stats_ci *all, one;
	size_t g[4], i, k, ncol;
	const char *const threads[] = { "1", "2", "3", "7" };

	(void)state;
	stats_init(&a, 2);   /* fill_random gives two values */
	for (i = 0; i < 4; i++)
		g[i] = stats_group_items(&a);
	fill_random(&a, 900, 120, g, 3, 5);
	opts(&o, 10000, 3);
	assert_int_equal(stats_run(&a, &o, 100), 0);
	ncol = a.ngroups * a.nv;
	all = calloc(ncol, sizeof(*all));
	for (k = 0; k < ARRAY_SIZE(threads); k++) {
		setenv("STEVAL_THREADS", threads[k], 1);
		memset(all, 0, ncol * sizeof(*all));
		stats_ci_all(&a, 0.95, all);
		for (i = 0; i < ncol; i++) {
			stats_ci(&a, i / a.nv, i % a.nv, -1, 0.95, &one);
			assert_memory_equal(&all[i].lo, &one.lo, sizeof(double));
			assert_memory_equal(&all[i].hi, &one.hi, sizeof(double));
			assert_memory_equal(&all[i].se, &one.se, sizeof(double));
			assert_int_equal(all[i].defined, one.defined);
		}
	}
	unsetenv("STEVAL_THREADS");
	free(all);
	stats_release(&a);
}

static int cmp_dbl(const void *p, const void *q);

/* Merged cluster types give the per-cluster loop's replicates bit for bit
 * with 0/1 scores (and with fractional ones, where they are not merged);
 * the selected percentiles equal the sorted ones. */
static void test_types_identical(void **state)
{
	struct stats_boot a, b;
	struct stats_opts o;
	size_t g[4], i, k, width;
	int frac;

	(void)state;
	for (frac = 0; frac < 2; frac++) {
		stats_init(&a, 2);
		stats_init(&b, 2);
		for (i = 0; i < 4; i++) {
			g[i] = stats_group_items(&a);
			stats_group_items(&b);
		}
		fill_random(&a, 700, 300, g, 3, 5);
		fill_random(&b, 700, 300, g, 3, 5);
		if (frac)   /* one fractional score: no merging */
			a.mval[0] = b.mval[0] = 0.3;
		opts(&o, 2001, 4);
		o.per_cluster = 1;
		assert_int_equal(stats_run(&a, &o, 100), 0);
		o.per_cluster = 0;
		assert_int_equal(stats_run(&b, &o, 100), 0);
		width = a.ngroups * a.nv * a.resamples;
		for (i = 0; i < width; i++)
			assert_memory_equal(&a.rep[i], &b.rep[i], sizeof(double));
		for (k = 0; k < a.ngroups; k++) {
			struct stats_ci ci;
			double *x = malloc(a.resamples * sizeof(double));
			size_t m = 0;
			for (i = 0; i < a.resamples; i++)
				if (!isnan(a.rep[k * a.nv * a.resamples + i]))
					x[m++] = a.rep[k * a.nv * a.resamples + i];
			qsort(x, m, sizeof(double), cmp_dbl);
			stats_ci(&b, k, 0, -1, 0.9, &ci);
			assert_true(ci.lo == stats_quantile(x, m, 0.05));
			assert_true(ci.hi == stats_quantile(x, m, 0.95));
			free(x);
		}
		stats_release(&a);
		stats_release(&b);
	}
}

static int cmp_dbl(const void *p, const void *q)
{
	double x = *(const double *)p, y = *(const double *)q;

	return x < y ? -1 : x > y;
}

/* The interval's two selected order statistics equal the sorted ones,
 * with many ties (few distinct values, as replicates of 0/1 scores have)
 * or none, for sizes on both sides of where the selection samples (600)
 * and for levels near 0 and 1. */
static void test_ci_selected(void **state)
{
	static const double levels[] = { 0.95, 0.9, 0.5, 0.999, 0.01, 0.6827 };
	struct rng r;
	size_t it;

	(void)state;
	rng_seed(&r, 99);
	for (it = 0; it < 400; it++) {
		struct stats_boot b;
		struct stats_ci ci;
		size_t n = 1 + (size_t)rng_below(&r, it < 200 ? 1300 : 20000), i;
		uint64_t distinct = it % 3 ? 1 + rng_below(&r, 60) : UINT64_MAX;
		double level = levels[it % ARRAY_SIZE(levels)], *x;
		stats_init(&b, 1);
		stats_group_items(&b);
		b.resamples = n;
		b.rep = malloc(n * sizeof(double));
		x = malloc(n * sizeof(double));
		for (i = 0; i < n; i++)
			x[i] = b.rep[i] = (double)(rng_next(&r) % distinct) / 7 - 3;
		qsort(x, n, sizeof(double), cmp_dbl);
		stats_ci(&b, 0, 0, -1, level, &ci);
		assert_true(ci.lo == stats_quantile(x, n, (1 - level) / 2));
		assert_true(ci.hi == stats_quantile(x, n, 1 - (1 - level) / 2));
		free(x);
		stats_release(&b);
	}
}

/* Lemire's bounded draw written out here from rng_next(), counting
 * rejections: the reference for both draw paths. */
static uint32_t ref_below(struct rng *r, uint32_t n, size_t *rejected)
{
	uint32_t thr = (uint32_t)(-n) % n;
	uint64_t m;

	for (;;) {
		m = (rng_next(r) >> 32) * (uint64_t)n;
		if ((uint32_t)m >= thr)
			return (uint32_t)(m >> 32);
		(*rejected)++;
	}
}

/* The vector paths' draws equal below32()'s lane by lane, also where
 * rejections are frequent (n = 3 * 2^30 rejects a quarter of the draws,
 * 2^31 + 1 almost half; a lane often rejects several times in a row
 * while the others do not), next to none (2^32 - 1) and for small n. */
static void test_draws_vector(void **state)
{
	static const uint32_t ns[] = { 3221225472u, 2147483649u, 4294967295u, 1000, 7, 1 };
	static const int paths[] = { STATS_AVX2, STATS_AVX512 };
	enum { COUNT = 3000 };
	uint32_t *a = malloc(8 * COUNT * sizeof(*a)), *v = malloc(8 * COUNT * sizeof(*v));
	size_t i, p, lane, k, rejected;

	(void)state;
	assert_int_equal(stats_test_draws(1, 0, COUNT, STATS_SCALAR, a), -1);
	assert_int_equal(stats_test_draws(1, 5, COUNT, 99, a), -1);
	for (i = 0; i < ARRAY_SIZE(ns); i++) {
		uint64_t seed = 11 + i;
		assert_int_equal(stats_test_draws(seed, ns[i], COUNT, STATS_SCALAR, a), 0);
		rejected = 0;
		for (lane = 0; lane < 8; lane++) {
			struct rng r;
			rng_seed(&r, seed + lane * 0x9E3779B97F4A7C15ull);
			for (k = 0; k < COUNT; k++)
				assert_int_equal(a[lane * COUNT + k], ref_below(&r, ns[i], &rejected));
		}
		if (i < 2)
			assert_true(rejected > 1000);
		for (p = 0; p < ARRAY_SIZE(paths); p++) {
			if (stats_test_draws(seed, ns[i], COUNT, paths[p], v) < 0) {
				if (!i)
					printf("# no %s here: its draws are not checked\n",
					       paths[p] == STATS_AVX2 ? "AVX2" : "AVX-512VL");
				continue;
			}
			assert_memory_equal(a, v, 8 * COUNT * sizeof(*a));
		}
	}
	free(a);
	free(v);
}

/* The whole bootstrap gives the same replicates on every path
 * (STEVAL_NO_AVX2, STEVAL_NO_AVX512, neither), for resample counts that
 * leave a tail of fewer than eight, on one thread and on three. */
static void test_paths_identical(void **state)
{
	static const size_t counts[] = { 2001, 8, 5 };
	static const char *const env[] = { "STEVAL_NO_AVX2", "STEVAL_NO_AVX512" };
	char *was[2];
	size_t g[4], i, c, e, width;

	(void)state;
	for (e = 0; e < 2; e++) {
		was[e] = getenv(env[e]) ? strdup(getenv(env[e])) : NULL;
		unsetenv(env[e]);
	}
	for (c = 0; c < ARRAY_SIZE(counts); c++) {
		struct stats_boot b[3];
		struct stats_opts o;
		opts(&o, counts[c], 3 + c);
		o.threads = c == 0 ? 3 : 1;
		for (e = 0; e < 3; e++) {
			stats_init(&b[e], 2);
			for (i = 0; i < 4; i++)
				g[i] = stats_group_items(&b[e]);
			fill_random(&b[e], 900, 400, g, 3, 17 + c);
			/* e = 0: no vectors; 1: AVX2 at most; 2: the fastest */
			if (e < 2)
				setenv(env[e], "1", 1);
			assert_int_equal(stats_run(&b[e], &o, 100), 0);
			if (e < 2)
				unsetenv(env[e]);
		}
		width = b[0].ngroups * b[0].nv * b[0].resamples;
		assert_memory_equal(b[0].rep, b[1].rep, width * sizeof(double));
		assert_memory_equal(b[0].rep, b[2].rep, width * sizeof(double));
		for (e = 0; e < 3; e++)
			stats_release(&b[e]);
	}
	for (e = 0; e < 2; e++)
		if (was[e]) {
			setenv(env[e], was[e], 1);
			free(was[e]);
		}
}

/* Paired: new = old shifted by a constant gives a degenerate difference;
 * the interval of a difference lies inside the range of possible ones. */
static void test_paired(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	struct stats_ci ci;
	size_t g, i;

	(void)state;
	stats_init(&b, 2);
	g = stats_group_items(&b);
	for (i = 0; i < 100; i++) {
		char key[16];
		double v[2];
		v[0] = (double)(i % 4) / 4;
		v[1] = v[0] + 0.125;
		snprintf(key, sizeof(key), "k%zu", i / 3);
		stats_add(&b, key, &g, 1, v);
	}
	opts(&o, 400, 2);
	assert_int_equal(stats_run(&b, &o, 100), 0);
	stats_ci(&b, g, 1, 0, 0.95, &ci);
	assert_float_equal(ci.lo, 12.5, 1e-9);
	assert_float_equal(ci.hi, 12.5, 1e-9);
	stats_ci(&b, g, 0, -1, 0.95, &ci);
	assert_true(ci.lo < 37.5 && ci.hi > 37.5);
	stats_release(&b);
}

/* The size the brief sets: 10,000 resamples of 5,000 items. Timing is
 * printed, never asserted. */
static void test_big(void **state)
{
	struct stats_boot b;
	struct stats_opts o;
	struct stats_ci ci;
	size_t g[9], i;
	double t0;

	(void)state;
	stats_init(&b, 2);
	for (i = 0; i < 9; i++)
		g[i] = stats_group_items(&b);
	fill_random(&b, 5000, 1500, g, 8, 123);
	stats_opts_default(&o);
	t0 = mono_now();
	assert_int_equal(stats_run(&b, &o, 100), 0);
	printf("# 10000 resamples x 5000 items (1500 clusters, 2 values): %.3f s\n", mono_now() - t0);
	stats_ci(&b, g[8], 0, -1, 0.95, &ci);
	assert_int_equal(ci.defined, 10000);
	/* ~60% right: the interval is near it and a few points wide */
	assert_true(ci.lo > 50 && ci.hi < 70 && ci.hi - ci.lo > 0.5 && ci.hi - ci.lo < 10);
	stats_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantile),
		cmocka_unit_test(test_mcnemar),
		cmocka_unit_test(test_degenerate_constant),
		cmocka_unit_test(test_no_clusters),
		cmocka_unit_test(test_one_cluster),
		cmocka_unit_test(test_undefined),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_ci_all),
		cmocka_unit_test(test_types_identical),
		cmocka_unit_test(test_ci_selected),
		cmocka_unit_test(test_draws_vector),
		cmocka_unit_test(test_paths_identical),
		cmocka_unit_test(test_paired),
		cmocka_unit_test(test_big),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
