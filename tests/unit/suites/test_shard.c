/* Unit tests: the shard partition (every item in exactly one shard, videos
 * kept together, balance), the list fingerprint, --shard I/N and
 * --shard auto from a table of environment variables. */
#include "lib/common.h"
#include "suites/shard.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/rng.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <setjmp.h>
#include <cmocka.h>

/* ---- a synthetic item list ---- */

struct list {
	struct item *it;
	size_t n;
};

/* n items; item i names video vid[i] (-1: none) */
static void list_make(struct list *l, const int *vid, size_t n)
{
	size_t i;

	l->n = n;
	l->it = xcalloc(n ? n : 1, sizeof(*l->it));
	for (i = 0; i < n; i++) {
		l->it[i].id = xasprintf("q%04zu", i);
		if (vid[i] >= 0)
			l->it[i].video = xasprintf("v%03d.mp4", vid[i]);
		l->it[i].raw = cJSON_CreateObject();
		cJSON_AddItemToObject(l->it[i].raw, "question", cJSON_CreateString(l->it[i].id));
	}
}

static void list_free(struct list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->it[i].id);
		free(l->it[i].video);
		cJSON_Delete(l->it[i].raw);
	}
	free(l->it);
}

/* cluster sizes drawn from a seeded generator: many small videos, a few
 * large ones, some items without a video; item order shuffled */
static int *random_videos(size_t n, uint64_t seed)
{
	int *vid = xcalloc(n, sizeof(*vid));
	struct rng r;
	size_t i = 0;
	int v = 0;

	rng_seed_str(&r, seed, "test-shard");
	while (i < n) {
		size_t size = rng_below(&r, 10) == 0 ? 5 + rng_below(&r, 30) : 1 + rng_below(&r, 4);
		int none = rng_below(&r, 8) == 0;
		for (size_t k = 0; k < size && i < n; k++)
			vid[i++] = none ? -1 : v;
		v++;
	}
	for (i = n - 1; i > 0; i--) {
		size_t j = rng_below(&r, i + 1);
		int t = vid[i];
		vid[i] = vid[j];
		vid[j] = t;
	}
	return vid;
}

/* the checks every partition must pass */
static void check_partition(const struct list *l, long count, const long *of)
{
	size_t *load = xcalloc((size_t)count, sizeof(*load)), i, j, maxc = 0, lo = SIZE_MAX, hi = 0;

	for (i = 0; i < l->n; i++) {
		size_t c = 0;
		assert_true(of[i] >= 0 && of[i] < count);
		load[of[i]]++;
		for (j = 0; j < l->n; j++)
			if (l->it[i].video && l->it[j].video && !strcmp(l->it[i].video, l->it[j].video)) {
				assert_int_equal(of[i], of[j]);   /* a video in one shard */
				c++;
			}
		if (!l->it[i].video)
			c = 1;
		if (c > maxc)
			maxc = c;
	}
	for (i = 0; i < (size_t)count; i++) {
		lo = load[i] < lo ? load[i] : lo;
		hi = load[i] > hi ? load[i] : hi;
	}
	{
		size_t sum = 0;
		for (i = 0; i < (size_t)count; i++)
			sum += load[i];
		assert_int_equal(sum, l->n);   /* every item in exactly one shard */
	}
	if (l->n)
		assert_true(hi - lo <= maxc);  /* balanced within one cluster's size */
	free(load);
}

static void test_partition_all_n(void **state)
{
	size_t sizes[] = { 0, 1, 7, 64, 333 };
	size_t s;
	long count;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		int *vid = random_videos(sizes[s] ? sizes[s] : 1, 1000 + s);
		struct list l;
		long *of = xcalloc(sizes[s] ? sizes[s] : 1, sizeof(*of)), *again;
		list_make(&l, vid, sizes[s]);
		again = xcalloc(sizes[s] ? sizes[s] : 1, sizeof(*again));
		for (count = 1; count <= 64; count++) {
			memset(of, 0xff, (sizes[s] ? sizes[s] : 1) * sizeof(*of));
			assert_int_equal(shard_partition(l.it, l.n, count, of), 0);
			check_partition(&l, count, of);
			/* deterministic */
			assert_int_equal(shard_partition(l.it, l.n, count, again), 0);
			assert_memory_equal(of, again, l.n * sizeof(*of));
		}
		free(again);
		free(of);
		free(vid);
		list_free(&l);
	}
}

static void test_partition_exact(void **state)
{
	/* clusters: v0 x4 (items 0,3,5,8), v1 x2 (1,2), none (4), v2 x2 (6,7),
	 * v3 x1 (9). Largest first, ties by first item: v0 -> 0, v1 -> 1,
	 * v2 -> 2, item 4 -> 1 (loads 4,2,2: the lowest index of the
	 * lightest), v3 -> 2. */
	static const int vid[] = { 0, 1, 1, 0, -1, 0, 2, 2, 0, 3 };
	static const long want[] = { 0, 1, 1, 0, 1, 0, 2, 2, 0, 2 };
	struct list l;
	long of[10];

	(void)state;
	list_make(&l, vid, 10);
	assert_int_equal(shard_partition(l.it, l.n, 3, of), 0);
	assert_memory_equal(of, want, sizeof(want));
	/* one shard: everything in it */
	assert_int_equal(shard_partition(l.it, l.n, 1, of), 0);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(of[i], 0);
	/* more shards than clusters: the rest stay empty */
	assert_int_equal(shard_partition(l.it, l.n, 8, of), 0);
	check_partition(&l, 8, of);
	{
		struct buf err = BUF_INIT;
		log_capture(&err);
		assert_int_equal(shard_partition(l.it, l.n, 0, of), -1);
		log_capture(NULL);
		assert_non_null(strstr(buf_cstr(&err), "out of range"));
		buf_release(&err);
	}
	list_free(&l);
}

static void test_fingerprint(void **state)
{
	static const int vid[] = { 0, 0, 1, -1 };
	struct list l;
	char a[65], b[65], c[65];

	(void)state;
	list_make(&l, vid, 4);
	shard_fingerprint(l.it, 4, a);
	shard_fingerprint(l.it, 4, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 64);
	shard_fingerprint(l.it, 3, c);      /* another --limit */
	assert_string_not_equal(a, c);
	cJSON_AddItemToObject(l.it[1].raw, "answer", cJSON_CreateString("B"));   /* other data */
	shard_fingerprint(l.it, 4, c);
	assert_string_not_equal(a, c);
	list_free(&l);
}

/* ---- parsing ---- */

static const char *const *env_table;

static const char *table_get(const char *name, void *ctx)
{
	const char *const *e;

	(void)ctx;
	for (e = env_table; e && *e; e += 2)
		if (!strcmp(e[0], name))
			return e[1];
	return NULL;
}

/* parse with the given environment; the error text (if any) in err */
static int parse_env(const char *arg, const char *const *env, struct shard *sh, struct buf *err)
{
	int rc;

	env_table = env;
	buf_reset(err);
	log_capture(err);
	rc = shard_parse(arg, sh, table_get, NULL);
	log_capture(NULL);
	return rc;
}

static void test_parse_fixed(void **state)
{
	struct shard sh;
	struct buf err = BUF_INIT;

	(void)state;
	assert_int_equal(parse_env("0/1", NULL, &sh, &err), 0);
	assert_int_equal(sh.index, 0);
	assert_int_equal(sh.count, 1);
	assert_int_equal(parse_env("2/3", NULL, &sh, &err), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	assert_false(sh.from_slurm);
	assert_int_equal(parse_env("3/3", NULL, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "0-based"));
	assert_int_equal(parse_env("-1/3", NULL, &sh, &err), -1);
	assert_int_equal(parse_env("0/0", NULL, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "N must be between 1"));
	assert_int_equal(parse_env("1", NULL, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "expected I/N"));
	assert_int_equal(parse_env("a/b", NULL, &sh, &err), -1);
	assert_int_equal(parse_env("1/2/3", NULL, &sh, &err), -1);
	assert_int_equal(parse_env("", NULL, &sh, &err), -1);
	buf_release(&err);
}

static void test_parse_auto(void **state)
{
	struct shard sh;
	struct buf err = BUF_INIT;
	const char *count[] = { "SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4",
				"SLURM_ARRAY_JOB_ID", "8812", NULL };
	const char *minmax[] = { "SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_MIN", "1",
				 "SLURM_ARRAY_TASK_MAX", "3", NULL };
	const char *both[] = { "SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_COUNT", "3",
			       "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "2", NULL };
	const char *step[] = { "SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_MIN", "0",
			       "SLURM_ARRAY_TASK_MAX", "6", "SLURM_ARRAY_TASK_STEP", "2", NULL };
	const char *none[] = { "SLURM_JOB_ID", "5", NULL };
	const char *noid[] = { "SLURM_ARRAY_TASK_COUNT", "3", NULL };
	const char *nocount[] = { "SLURM_ARRAY_TASK_ID", "1", NULL };
	const char *gaps[] = { "SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "3",
			       "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_MAX", "5", NULL };
	const char *above[] = { "SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", NULL };
	const char *junk[] = { "SLURM_ARRAY_TASK_ID", "x1", "SLURM_ARRAY_TASK_COUNT", "4", NULL };
	const char *low[] = { "SLURM_ARRAY_TASK_ID", "0", "SLURM_ARRAY_TASK_MIN", "1",
			      "SLURM_ARRAY_TASK_MAX", "3", NULL };

	(void)state;
	assert_int_equal(parse_env("auto", count, &sh, &err), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 4);
	assert_true(sh.from_slurm);
	assert_string_equal(sh.job, "8812");
	/* --array=1-3: task 3 is the third shard */
	assert_int_equal(parse_env("auto", minmax, &sh, &err), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 3);
	assert_string_equal(sh.job, "");
	assert_int_equal(parse_env("auto", both, &sh, &err), 0);
	assert_int_equal(sh.index, 0);
	assert_int_equal(sh.count, 3);
	/* --array=0-6:2: tasks 0 2 4 6 */
	assert_int_equal(parse_env("auto", step, &sh, &err), 0);
	assert_int_equal(sh.index, 2);
	assert_int_equal(sh.count, 4);

	assert_int_equal(parse_env("auto", none, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "$SLURM_ARRAY_TASK_ID is not set"));
	assert_int_equal(parse_env("auto", NULL, &sh, &err), -1);
	assert_int_equal(parse_env("auto", noid, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "$SLURM_ARRAY_TASK_ID is not set"));
	assert_int_equal(parse_env("auto", nocount, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "$SLURM_ARRAY_TASK_COUNT"));
	assert_int_equal(parse_env("auto", gaps, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "gaps"));
	assert_int_equal(parse_env("auto", above, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "task 4 of an array of 4"));
	assert_int_equal(parse_env("auto", junk, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "'x1', not a non-negative integer"));
	assert_int_equal(parse_env("auto", low, &sh, &err), -1);
	assert_non_null(strstr(buf_cstr(&err), "below $SLURM_ARRAY_TASK_MIN"));
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_all_n),
		cmocka_unit_test(test_partition_exact),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_parse_fixed),
		cmocka_unit_test(test_parse_auto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
