/* Unit tests: image sniffing and summaries (lib/image.h), the suite's store
 * of embedded images (suites/blob.h), and what the image suites' specs make
 * of their JSONL fixtures: SAT's row ids and both answer orders, MMSI-Bench's
 * options read from the question, images as files, the circular
 * aggregation. Run from the project root. */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/image.h"
#include "lib/util.h"
#include "scorers/aggregate.h"
#include "scorers/grade.h"
#include "suites/blob.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_mime(void **state)
{
	(void)state;
	assert_string_equal(image_mime("\xff\xd8\xff\xe0", 4), "image/jpeg");
	assert_string_equal(image_mime("\x89PNG\r\n\x1a\n", 8), "image/png");
	assert_string_equal(image_mime("GIF89a", 6), "image/gif");
	assert_string_equal(image_mime("RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp");
	assert_string_equal(image_mime("BM\0\0\0\0\0\0\0\0\0\0\0\0", 14), "image/bmp");
	assert_string_equal(image_mime("II*\0", 4), "image/tiff");
	assert_null(image_mime("\xff\xd8", 2));          /* too short */
	assert_null(image_mime("\x89PNG", 4));
	assert_null(image_mime("hello", 5));
	assert_null(image_mime("", 0));
}

static void test_summary(void **state)
{
	const char *h = "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b";
	struct buf b = BUF_INIT;
	char sha[65];
	size_t n = 0;

	(void)state;
	image_summary(23145, h, &b);
	assert_string_equal(buf_cstr(&b), "<23145 bytes, sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b>");
	assert_int_equal(image_summary_parse(buf_cstr(&b), &n, sha), 0);
	assert_int_equal(n, 23145);
	assert_string_equal(sha, h);
	buf_release(&b);
	assert_int_equal(image_summary_parse("<0 bytes, sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855>", &n, sha), 0);
	assert_int_equal(n, 0);
	/* not summaries: upper-case hex, short hash, trailing text, no number, NULL */
	assert_int_equal(image_summary_parse("<1 bytes, sha256 3A7BD3E2360A3D29EEA436FCFB7E44C735D117C42D1C1835420B6B9942DD4F1B>", &n, sha), -1);
	assert_int_equal(image_summary_parse("<1 bytes, sha256 3a7b>", &n, sha), -1);
	assert_int_equal(image_summary_parse("<1 bytes, sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b> ", &n, sha), -1);
	assert_int_equal(image_summary_parse("<x bytes, sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b>", &n, sha), -1);
	assert_int_equal(image_summary_parse("\\xFF\\xD8", &n, sha), -1);
	assert_int_equal(image_summary_parse(NULL, &n, sha), -1);
	assert_int_equal(image_summary_parse("<99999999999999999999999 bytes, sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b>", &n, sha), -1);
}

static void test_blob_store(void **state)
{
	struct blob_store bs;
	const struct blob *a, *b, *c;
	char hex[65];
	size_t i;

	(void)state;
	blob_store_init(&bs);
	a = blob_put(&bs, "\xff\xd8\xff\xe0 jpeg", 9, NULL);
	sha256_hex("\xff\xd8\xff\xe0 jpeg", 9, hex);
	assert_string_equal(a->sha256, hex);
	assert_string_equal(a->mime, "image/jpeg");
	assert_int_equal(a->size, 9);
	assert_memory_equal(a->data, "\xff\xd8\xff\xe0 jpeg", 9);
	/* the same bytes are kept once */
	b = blob_put(&bs, "\xff\xd8\xff\xe0 jpeg", 9, hex);
	assert_ptr_equal(a, b);
	assert_int_equal(bs.n, 1);
	assert_ptr_equal(blob_get(&bs, hex), a);
	c = blob_put(&bs, "", 0, NULL);
	assert_string_equal(c->mime, "application/octet-stream");
	assert_int_equal(bs.bytes, 9);
	assert_null(blob_get(&bs, "00"));
	assert_null(blob_get(&bs, NULL));
	/* growth keeps every blob findable, pointers stable */
	for (i = 0; i < 500; i++) {
		char t[32];
		snprintf(t, sizeof(t), "blob %zu", i);
		blob_put(&bs, t, strlen(t), NULL);
	}
	assert_int_equal(bs.n, 502);
	assert_ptr_equal(blob_get(&bs, hex), a);
	for (i = 0; i < 500; i++) {
		char t[32];
		snprintf(t, sizeof(t), "blob %zu", i);
		sha256_hex(t, strlen(t), hex);
		assert_non_null(blob_get(&bs, hex));
		assert_memory_equal(blob_get(&bs, hex)->data, t, strlen(t));
	}
	blob_store_release(&bs);
	blob_store_release(&bs);   /* twice is harmless */
}

static void load(struct suite *s, const char *spec, const char *data)
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(suite_open(s, spec), 0);
	assert_int_equal(suite_load(s, data), 0);
}

static void test_sat_items(void **state)
{
	struct suite s;
	const struct item *a, *b;
	const struct protocol *p;
	struct buf out = BUF_INIT;
	size_t i;

	(void)state;
	load(&s, "suites/sat.json", "fixtures/sat");
	assert_int_equal(s.nitems, 12);   /* 6 rows, both orders */
	/* ids: the row index; "#1" is the same row with its answers reversed */
	a = suite_item(&s, "1");
	b = suite_item(&s, "1#1");
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->row, 1);
	assert_int_equal(b->row, 1);
	assert_int_equal(a->rotation, 0);
	assert_int_equal(b->rotation, 1);
	assert_int_equal(b->nopt, 2);
	assert_string_equal(a->opts[0].text, b->opts[1].text);
	assert_string_equal(a->opts[1].text, b->opts[0].text);
	assert_string_equal(b->opts[0].letter, "A");
	/* the truth follows its option */
	assert_string_equal(a->accepted, "B");
	assert_string_equal(b->accepted, "A");
	assert_string_equal(a->answer, b->answer);
	assert_ptr_equal(a->raw, b->raw);   /* shared, owned by the row's first item */
	assert_string_equal(b->category, "obj_movement");
	/* images: Image structs without bytes are their paths */
	assert_int_equal(a->nimages, 2);
	assert_string_equal(a->images[0].path, "images/1_0.jpg");
	assert_null(a->images[0].blob);
	assert_string_equal(b->images[1].path, "images/1_1.jpg");
	for (i = 0; i < s.nitems; i++)
		assert_true(s.items[i].rotation == 0 || strchr(s.items[i].id, '#'));
	/* lmms-eval: question.strip() */
	p = suite_protocol(&s, "lmms-eval");
	assert_non_null(p);
	assert_int_equal(render_prompt(p, suite_item(&s, "3"), NULL, 1, &out), 0);
	assert_true(!strncmp(buf_cstr(&out), "How should I turn to face the door?\nWhen", 40));
	buf_reset(&out);
	p = suite_protocol(&s, NULL);
	assert_string_equal(p->name, "circular");
	assert_int_equal(render_prompt(p, suite_item(&s, "3"), NULL, 1, &out), 0);
	assert_true(!strncmp(buf_cstr(&out), "  How should I turn to face the door?   Choose", 46));
	buf_release(&out);
	suite_release(&s);
}

static void test_sat_aggregate(void **state)
{
	struct suite s;
	struct agg_sample v[12];
	struct agg_result r;
	size_t i;

	(void)state;
	load(&s, "suites/sat.json", "fixtures/sat");
	memset(v, 0, sizeof(v));   /* in_split NULL: the splits' rules are evaluated */
	/* right in the stored order, wrong reversed: each question scores 0.5,
	 * Avg = the mean of the two orders = the mean over the 12 prompts */
	for (i = 0; i < s.nitems; i++) {
		v[i].it = &s.items[i];
		v[i].status = GRADE_OK;
		v[i].score = s.items[i].rotation ? 0 : 1;
	}
	assert_int_equal(agg_compute(&s, v, s.nitems, &r), 0);
	assert_true(fabs(r.overall.score - 50) < 1e-9);
	assert_int_equal(r.overall.n, 12);
	assert_int_equal(r.nsplits, 2);
	assert_string_equal(r.splits[0].name, "order-1");
	assert_true(fabs(r.splits[0].score - 100) < 1e-9);
	assert_true(fabs(r.splits[1].score - 0) < 1e-9);
	assert_string_equal(r.cats[0].name, "ego_movement");
	assert_int_equal(r.cats[0].n, 4);
	/* strict: no question is right in both orders */
	assert_int_equal(r.circular.n, 6);
	assert_true(fabs(r.circular.score - 0) < 1e-9);
	agg_release(&r);
	/* right in both orders for rows 0 and 1, one order for the others */
	for (i = 0; i < s.nitems; i++)
		v[i].score = !s.items[i].rotation || s.items[i].row < 2;
	assert_int_equal(agg_compute(&s, v, s.nitems, &r), 0);
	assert_true(fabs(r.overall.score - 8.0 / 12 * 100) < 1e-9);
	assert_true(fabs(r.circular.score - 2.0 / 6 * 100) < 1e-9);
	agg_release(&r);
	/* one order answered only: the other's prompts are not scored */
	for (i = 0; i < s.nitems; i++)
		v[i].status = s.items[i].rotation ? GRADE_ERROR : GRADE_OK;
	assert_int_equal(agg_compute(&s, v, s.nitems, &r), 0);
	assert_true(fabs(r.overall.score - 100) < 1e-9);
	assert_int_equal(r.overall.error, 6);
	assert_int_equal(r.circular.ok, 0);     /* no question has both orders scored */
	assert_int_equal(r.circular.error, 6);
	agg_release(&r);
	suite_release(&s);
	/* a suite without rotations has no circular group */
	load(&s, "suites/mmsi-bench.json", "fixtures/mmsi-bench");
	for (i = 0; i < s.nitems; i++) {
		v[i].it = &s.items[i];
		v[i].status = GRADE_OK;
		v[i].score = 1;
	}
	assert_int_equal(agg_compute(&s, v, s.nitems, &r), 0);
	assert_int_equal(r.circular.n, 0);
	agg_release(&r);
	suite_release(&s);
}

static void test_mmsi_items(void **state)
{
	struct suite s;
	const struct item *it;

	(void)state;
	load(&s, "suites/mmsi-bench.json", "fixtures/mmsi-bench");
	assert_int_equal(s.nitems, 7);
	it = suite_item(&s, "2");
	assert_non_null(it);
	/* options from the question, as the official circular splitter reads them */
	assert_int_equal(it->nopt, 4);
	assert_string_equal(it->opts[0].text, "2 m, roughly, the red one");
	assert_string_equal(it->opts[2].text, "1:3 of the room");
	assert_string_equal(it->opts[3].text, "They touch");
	assert_string_equal(it->accepted, "A");
	it = suite_item(&s, "5");
	assert_int_equal(it->nopt, 4);   /* blanks only between the options */
	assert_string_equal(it->opts[0].text, "Toward the camera");
	assert_string_equal(it->opts[3].text, "Right");
	assert_int_equal(it->nimages, 10);
	assert_string_equal(it->images[9].path, "images/5_9.jpg");
	it = suite_item(&s, "1");
	assert_string_equal(it->opts[3].text, "Down");   /* the trailing newline is stripped */
	assert_string_equal(it->category, "Motion (Cam.)");
	assert_string_equal(suite_item(&s, "0")->category, "Positional Relationship (Cam.\xe2\x80\x93Obj.)");
	/* an ASCII hyphen in a category is mapped to the data's en dash */
	assert_string_equal(suite_item(&s, "6")->category, "Positional Relationship (Reg.\xe2\x80\x93Reg.)");
	assert_int_equal(s.blobs.n, 0);   /* nothing embedded in the JSONL twin */
	suite_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_blob_store),
		cmocka_unit_test(test_sat_items),
		cmocka_unit_test(test_sat_aggregate),
		cmocka_unit_test(test_mmsi_items),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
