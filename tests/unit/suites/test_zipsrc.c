/* Unit tests: suites/zipsrc.c, zip archives read without unpacking
 * (archives made here with libzip: a folder entry, a deflated and a stored
 * entry, then damaged copies; t_omnispatial.sh loads a whole suite from a
 * zip made by Python's zipfile), and the fixed-letter fallback. */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/grade.h"
#include "suites/zipsrc.h"

#include <setjmp.h>
#include <unistd.h>
#include <zip.h>
#include <cmocka.h>

static char tmpdir[256];

static const char data_json[] = "[{\"id\": \"0_0\", \"question\": \"Q?\", \"options\": [\"a\", \"b\"], "
				 "\"answer\": 1, \"task_type\": \"T\", \"sub_task_type\": \"S\"}]";

static char *make_zip(const char *name, int stored_image)
{
	char *p = path_join(tmpdir, name);
	static char image[4096];
	zip_source_t *src;
	zip_int64_t idx;
	zip_t *z;
	int err = 0;
	size_t i;

	for (i = 0; i < sizeof(image); i++)
		image[i] = (char)(i * 7 + 3);
	z = zip_open(p, ZIP_CREATE | ZIP_TRUNCATE, &err);
	assert_non_null(z);
	assert_true(zip_dir_add(z, "dataset", 0) >= 0);
	src = zip_source_buffer(z, data_json, strlen(data_json), 0);
	assert_true(zip_file_add(z, "dataset/data.json", src, 0) >= 0);
	src = zip_source_buffer(z, image, sizeof(image), 0);
	idx = zip_file_add(z, "dataset/T/0.png", src, 0);
	assert_true(idx >= 0);
	if (stored_image)
		assert_int_equal(zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_STORE, 0), 0);
	assert_int_equal(zip_close(z), 0);
	return p;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/steval-zip-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_read(void **state)
{
	char *p = make_zip("ok.zip", 1);
	const char *pats[] = { "nothing.json", "*/data.json" }, *e;
	struct zsrc *z = zsrc_open(p);
	struct buf b = BUF_INIT, msg = BUF_INIT;
	size_t i;

	(void)state;
	assert_non_null(z);
	assert_true(zsrc_is_zip(p));
	assert_true(zsrc_is_zip("X.ZIP"));
	assert_false(zsrc_is_zip("data.json"));
	e = zsrc_find(z, pats, 2);
	assert_non_null(e);
	assert_string_equal(e, "dataset/data.json");
	assert_null(zsrc_find(z, pats, 1));
	{
		/* '*' does not cross '/' */
		const char *star[] = { "*.json" };
		assert_null(zsrc_find(z, star, 1));
	}
	assert_int_equal(zsrc_read(z, e, &b), 0);
	assert_int_equal(b.len, strlen(data_json));
	assert_memory_equal(b.data, data_json, b.len);
	buf_reset(&b);
	assert_true(zsrc_has(z, "dataset/T/0.png"));
	assert_false(zsrc_has(z, "dataset/T/1.png"));
	assert_int_equal(zsrc_read(z, "dataset/T/0.png", &b), 0);
	assert_int_equal(b.len, 4096);
	for (i = 0; i < b.len; i++)
		assert_int_equal((unsigned char)b.data[i], (unsigned char)(i * 7 + 3));
	log_capture(&msg);
	assert_int_equal(zsrc_read(z, "dataset/T/1.png", &b), -1);
	log_capture(NULL);
	assert_int_equal(b.len, 4096);   /* what was there stays */
	assert_non_null(strstr(buf_cstr(&msg), "no entry 'dataset/T/1.png'"));
	assert_non_null(strstr(buf_cstr(&msg), "ok.zip"));
	buf_release(&b);
	buf_release(&msg);
	zsrc_free(z);
	free(p);
}

static void test_damaged(void **state)
{
	char *p = make_zip("bad.zip", 1), *q = path_join(tmpdir, "cut.zip"), *r = path_join(tmpdir, "flip.zip");
	struct buf whole = BUF_INIT, msg = BUF_INIT, out = BUF_INIT;
	struct zsrc *z;
	char *at;
	size_t i;

	(void)state;
	assert_int_equal(read_file(p, &whole), 0);
	/* truncated: no central directory */
	assert_int_equal(write_file_atomic(q, whole.data, whole.len / 2), 0);
	log_capture(&msg);
	assert_null(zsrc_open(q));
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&msg), "cut.zip': not a readable zip archive"));
	/* a stored entry with a flipped byte: the CRC check fails on reading it */
	for (at = NULL, i = 0; !at && i + 4 <= whole.len; i++)
		if (!memcmp(whole.data + i, "\x03\x0a\x11\x18", 4))
			at = whole.data + i;
	assert_non_null(at);
	at[100] ^= 0x5a;
	assert_int_equal(write_file_atomic(r, whole.data, whole.len), 0);
	z = zsrc_open(r);
	assert_non_null(z);
	buf_reset(&msg);
	log_capture(&msg);
	assert_int_equal(zsrc_read(z, "dataset/T/0.png", &out), -1);
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&msg), "flip.zip': entry 'dataset/T/0.png' is damaged"));
	assert_int_equal(out.len, 0);   /* nothing half-read is left */
	zsrc_free(z);
	buf_release(&whole);
	buf_release(&msg);
	buf_release(&out);
	free(p);
	free(q);
	free(r);
}

static void test_fixed_fallback(void **state)
{
	(void)state;
	assert_true(grade_fixed_fallback("A"));
	assert_true(grade_fixed_fallback("Z"));
	assert_false(grade_fixed_fallback("random"));
	assert_false(grade_fixed_fallback("a"));
	assert_false(grade_fixed_fallback("AB"));
	assert_false(grade_fixed_fallback(""));
	assert_false(grade_fixed_fallback(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_fixed_fallback),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
