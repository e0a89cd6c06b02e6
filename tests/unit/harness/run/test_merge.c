/* Unit tests: steval merge's refusals, from shard manifests written to a
 * temporary directory (each refusal comes before the suite is loaded):
 * not a run, not a shard, a shard twice, a field that differs, a shard
 * out of range, missing shards. The merge itself is tested end to end
 * (tests/e2e/t_shard.sh). */
#include "lib/common.h"
#include "harness/run/merge.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <setjmp.h>
#include <sys/stat.h>
#include <cmocka.h>

static char tmpdir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/steval-merge-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A shard's run directory NAME holding a manifest: shard index/count of one
 * run, with field KEY (top level, or "shard"/"item_list" members through
 * the given text) replaced when key is not NULL. Returns the directory
 * (caller frees).
 */
static char *shard_dir(const char *name, long index, long count, const char *key, const char *json)
{
	char *dir = path_join(tmpdir, name), *mp;
	struct buf b = BUF_INIT;

	assert_int_equal(mkdir_p(dir), 0);
	buf_adds(&b, "{\"suite\": {\"name\": \"demo\", \"spec\": \"/nonexistent/demo.json\"},\n");
	if (key && !strcmp(key, "item_list"))
		buf_addf(&b, "\"item_list\": %s,\n", json);
	else
		buf_adds(&b, "\"item_list\": {\"items\": 10, \"sha256\": \"aaaa\"},\n");
	buf_addf(&b, "\"protocol\": %s,\n", key && !strcmp(key, "protocol") ? json : "\"default\"");
	buf_addf(&b, "\"model\": %s,\n", key && !strcmp(key, "model") ? json : "\"baseline:random\"");
	buf_addf(&b, "\"generation\": %s,\n", key && !strcmp(key, "generation") ? json : "{\"max_tokens\": 16}");
	buf_addf(&b, "\"seed\": %s,\n", key && !strcmp(key, "seed") ? json : "0");
	buf_addf(&b, "\"blind\": %s,\n", key && !strcmp(key, "blind") ? json : "false");
	buf_adds(&b, "\"limit\": 0,\n");
	if (key && !strcmp(key, "shard"))
		buf_addf(&b, "\"shard\": %s\n}\n", json);
	else if (index >= 0)
		buf_addf(&b, "\"shard\": {\"index\": %ld, \"count\": %ld, \"algorithm\": \"video-clusters-lpt-v1\"}\n}\n",
			 index, count);
	else
		buf_adds(&b, "\"status\": \"finished\"\n}\n");
	mp = path_join(dir, "manifest.json");
	assert_int_equal(write_file_atomic(mp, b.data, b.len), 0);
	free(mp);
	buf_release(&b);
	return dir;
}

/* merge dirs[0..n); the exit status, the messages in err */
static int merge(char **dirs, size_t n, int partial, struct buf *err)
{
	struct merge_opts o;
	char *out = path_join(tmpdir, "out");
	int rc;

	merge_opts_init(&o);
	o.out = out;
	o.dirs = (const char *const *)dirs;
	o.ndirs = n;
	o.partial = partial;
	buf_reset(err);
	log_capture(err);
	rc = merge_execute(&o);
	log_capture(NULL);
	assert_false(dir_exists(out));   /* a refusal writes nothing */
	free(out);
	return rc;
}

static void free_dirs(char **d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i]);
}

static void test_not_shards(void **state)
{
	struct buf err = BUF_INIT;
	char *d[2];

	(void)state;
	d[0] = path_join(tmpdir, "nowhere");
	assert_int_equal(merge(d, 1, 0, &err), EXIT_USAGE);
	assert_non_null(strstr(buf_cstr(&err), "nowhere': no manifest.json there"));
	free(d[0]);

	d[0] = shard_dir("plain", -1, 0, NULL, NULL);
	assert_int_equal(merge(d, 1, 0, &err), EXIT_USAGE);
	assert_non_null(strstr(buf_cstr(&err), "plain' is not a shard"));
	free(d[0]);

	d[0] = shard_dir("bad", 0, 0, "shard", "{\"index\": \"0\", \"count\": 3}");
	assert_int_equal(merge(d, 1, 0, &err), EXIT_USAGE);
	assert_non_null(strstr(buf_cstr(&err), "bad': the manifest's \"shard\" or \"item_list\" is malformed"));
	free(d[0]);

	d[0] = shard_dir("range0", 0, 3, NULL, NULL);
	d[1] = shard_dir("range", 3, 3, NULL, NULL);
	assert_int_equal(merge(d, 2, 0, &err), EXIT_USAGE);
	assert_non_null(strstr(buf_cstr(&err), "range': shard index 3 is not below the count 3"));
	free_dirs(d, 2);
	buf_release(&err);
}

static void test_twice(void **state)
{
	struct buf err = BUF_INIT;
	char *d[3];

	(void)state;
	d[0] = shard_dir("a0", 0, 3, NULL, NULL);
	d[1] = shard_dir("a1", 1, 3, NULL, NULL);
	d[2] = shard_dir("a1bis", 1, 3, NULL, NULL);
	assert_int_equal(merge(d, 3, 0, &err), EXIT_USAGE);
	assert_non_null(strstr(buf_cstr(&err), "shard 1/3 is given twice: '"));
	assert_non_null(strstr(buf_cstr(&err), "a1' and '"));
	assert_non_null(strstr(buf_cstr(&err), "a1bis' (\"shard.index\" 1 in both)"));
	/* twice even with --partial */
	assert_int_equal(merge(d, 3, 1, &err), EXIT_USAGE);
	free_dirs(d, 3);
	buf_release(&err);
}

static void test_differs(void **state)
{
	static const struct {
		const char *key, *json, *want;
	} cases[] = {
		{ "model", "\"openai:gpt-4o\"", "its model (\"model\") is \"openai:gpt-4o\", not \"baseline:random\"" },
		{ "seed", "5", "its seed (\"seed\") is 5, not 0" },
		{ "protocol", "\"gpt4v\"", "its protocol (\"protocol\") is \"gpt4v\", not \"default\"" },
		{ "generation", "{\"max_tokens\": 32}", "its generation settings (\"generation\") is {\"max_tokens\":32}" },
		{ "blind", "true", "its blind setting (\"blind\") is true, not false" },
		{ "item_list", "{\"items\": 10, \"sha256\": \"bbbb\"}",
		  "its item list fingerprint (other data or another --limit) (\"item_list.sha256\") is \"bbbb\", not \"aaaa\"" },
		{ "shard", "{\"index\": 1, \"count\": 4, \"algorithm\": \"video-clusters-lpt-v1\"}",
		  "its shard count (\"shard.count\") is 4, not 3" },
	};
	struct buf err = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char name[32], *d[2];
		snprintf(name, sizeof(name), "d%zu", i);
		d[0] = shard_dir("ref", 0, 3, NULL, NULL);
		d[1] = shard_dir(name, 1, 3, cases[i].key, cases[i].json);
		assert_int_equal(merge(d, 2, 1, &err), EXIT_USAGE);
		if (!strstr(buf_cstr(&err), cases[i].want) || !strstr(buf_cstr(&err), "is not a shard of the same run as '"))
			fail_msg("%s: %s", cases[i].key, buf_cstr(&err));
		assert_non_null(strstr(buf_cstr(&err), name));   /* the directory at fault */
		free_dirs(d, 2);
	}
	buf_release(&err);
}

static void test_missing(void **state)
{
	struct buf err = BUF_INIT;
	char *d[2];

	(void)state;
	d[0] = shard_dir("m0", 0, 4, NULL, NULL);
	d[1] = shard_dir("m2", 2, 4, NULL, NULL);
	assert_int_equal(merge(d, 2, 0, &err), EXIT_INCOMPLETE);
	assert_non_null(strstr(buf_cstr(&err), "2 of 4 shards are missing (shards 1, 3; 0-based)"));
	assert_non_null(strstr(buf_cstr(&err), "--partial"));
	assert_int_equal(merge(d, 1, 0, &err), EXIT_INCOMPLETE);
	assert_non_null(strstr(buf_cstr(&err), "3 of 4 shards are missing (shards 1, 2, 3; 0-based)"));
	free_dirs(d, 2);
	buf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_shards),
		cmocka_unit_test(test_twice),
		cmocka_unit_test(test_differs),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
