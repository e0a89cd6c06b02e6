/* Unit tests: buf, pystr (Python semantics, against golden files made with
 * CPython), json (spellings, writer, escaping). */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/rx.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>
#include <setjmp.h>
#include <unistd.h>
#include <cmocka.h>

static void test_buf_cap(void **state)
{
	struct buf b = BUF_INIT_MAX(8);

	(void)state;
	assert_string_equal(buf_cstr(&b), "");
	assert_int_equal(buf_adds(&b, "abcd"), 0);
	assert_int_equal(buf_addf(&b, "%d", 123), 0);
	assert_string_equal(buf_cstr(&b), "abcd123");
	assert_int_equal(buf_adds(&b, "xy"), -1);   /* would be 9 bytes */
	assert_true(b.overflow);
	assert_string_equal(buf_cstr(&b), "abcd123"); /* unchanged */
	assert_int_equal(buf_addch(&b, 'z'), 0);
	assert_int_equal(b.len, 8);
	buf_reset(&b);
	assert_false(b.overflow);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* buf_addf formats straight into the room a buffer has: a text that fits
 * there but crosses the cap is refused all the same, the contents kept */
static void test_buf_addf_room(void **state)
{
	struct buf b = BUF_INIT_MAX(70);
	size_t i;

	(void)state;
	assert_int_equal(buf_adds(&b, "0123456789"), 0);   /* 64 bytes allocated */
	assert_int_equal(buf_addf(&b, "%s-%d", "ab", 42), 0);
	assert_string_equal(buf_cstr(&b), "0123456789ab-42");
	b.max = 20;
	assert_int_equal(buf_addf(&b, "%s", "123456"), -1);   /* fits the room, not the cap */
	assert_true(b.overflow);
	assert_string_equal(buf_cstr(&b), "0123456789ab-42");
	assert_int_equal(b.len, 15);
	assert_int_equal(buf_addf(&b, "%d", 12345), 0);       /* exactly the cap */
	assert_string_equal(buf_cstr(&b), "0123456789ab-4212345");
	b.max = 1000;
	buf_reset(&b);
	for (i = 0; i < 100; i++)   /* past the room: grown, formatted again */
		assert_int_equal(buf_addf(&b, "%03zu|", i), 0);
	assert_int_equal(b.len, 400);
	assert_memory_equal(b.data + 396, "099|", 5);
	buf_release(&b);
}

static void test_buf_detach(void **state)
{
	struct buf b = BUF_INIT;
	size_t n;
	char *s;

	(void)state;
	s = buf_detach(&b, &n);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	buf_add(&b, "a\0b", 3);
	s = buf_detach(&b, &n);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b", 3);
	assert_null(b.data);
	free(s);
}

/* read_file: straight into a buffer sized from the file, the limit exact */
static void test_read_file(void **state)
{
	char dir[] = "/tmp/steval-test-rf.XXXXXX", path[64];
	struct buf b = BUF_INIT;
	struct buf small = BUF_INIT_MAX(9), exact = BUF_INIT_MAX(10);
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(write_file_atomic(path, "0123456789", 10), 0);
	buf_adds(&b, "x");
	assert_int_equal(read_file(path, &b), 0);
	assert_string_equal(buf_cstr(&b), "x0123456789");
	assert_int_equal(read_file(path, &exact), 0);
	assert_int_equal(exact.len, 10);
	assert_false(exact.overflow);
	log_capture(&b);
	assert_int_equal(read_file(path, &small), -1);
	log_capture(NULL);
	assert_true(small.overflow);
	/* larger than one read */
	buf_reset(&b);
	for (i = 0; i < 200000; i++)
		buf_addch(&b, 'a' + (int)(i % 26));
	assert_int_equal(write_file_atomic(path, b.data, b.len), 0);
	buf_reset(&exact);
	exact.max = BUF_MAX_DEFAULT;
	assert_int_equal(read_file(path, &exact), 0);
	assert_int_equal(exact.len, b.len);
	assert_memory_equal(exact.data, b.data, b.len);
	unlink(path);
	rmdir(dir);
	buf_release(&b);
	buf_release(&small);
	buf_release(&exact);
}

static char *unhex_line(const char *in, uint64_t *bits)
{
	char *end;
	*bits = strtoull(in, &end, 16);
	return end;
}

static void test_pyfloat_repr_golden(void **state)
{
	struct buf file = BUF_INIT, out = BUF_INIT;
	const char *p, *e;
	int n = 0;

	(void)state;
	assert_int_equal(read_file("tests/golden/pyfloat_repr.txt", &file), 0);
	for (p = buf_cstr(&file); *p; p = e + 1) {
		uint64_t bits;
		double v;
		char *tab;
		e = strchr(p, '\n');
		if (!e)
			break;
		if (*p == '#')
			continue;
		tab = unhex_line(p, &bits);
		memcpy(&v, &bits, sizeof(v));
		buf_reset(&out);
		py_float_repr(v, &out);
		if (out.len != (size_t)(e - tab - 1) || memcmp(out.data, tab + 1, out.len))
			fail_msg("repr(%.17g): got %s want %.*s", v, out.data, (int)(e - tab - 1), tab + 1);
		n++;
	}
	assert_true(n > 1000);
	buf_release(&file);
	buf_release(&out);
}

/* integers below 1e16 take a short path: the same spelling */
static void test_pyfloat_repr_ints(void **state)
{
	static const struct { double v; const char *s; } t[] = {
		{ 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" }, { -12345.0, "-12345.0" },
		{ 9999999999999998.0, "9999999999999998.0" }, { 1e16, "1e+16" }, { 1e15, "1000000000000000.0" },
		{ 0.5, "0.5" }, { -1e16, "-1e+16" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(t); i++) {
		buf_reset(&b);
		py_float_repr(t[i].v, &b);
		assert_string_equal(buf_cstr(&b), t[i].s);
	}
	buf_release(&b);
}

static void test_pyfloat_parse_golden(void **state)
{
	struct buf file = BUF_INIT, out = BUF_INIT;
	const char *p, *e;
	int n = 0;

	(void)state;
	assert_int_equal(read_file("tests/golden/pyfloat_parse.txt", &file), 0);
	for (p = buf_cstr(&file); *p; p = e + 1) {
		const char *tab;
		cJSON *s;
		double v;
		int rc;
		e = strchr(p, '\n');
		if (!e)
			break;
		if (*p == '#')
			continue;
		tab = memchr(p, '\t', (size_t)(e - p));
		assert_non_null(tab);
		s = json_parse(p, (size_t)(tab - p), "golden", 0);
		assert_non_null(s);
		rc = py_float(s->valuestring, strlen(s->valuestring), &v);
		buf_reset(&out);
		if (rc < 0)
			buf_adds(&out, "ValueError");
		else
			py_float_repr(v, &out);
		if (out.len != (size_t)(e - tab - 1) || memcmp(out.data, tab + 1, out.len))
			fail_msg("float(%s): got %s want %.*s", s->valuestring, out.data,
				 (int)(e - tab - 1), tab + 1);
		cJSON_Delete(s);
		n++;
	}
	assert_true(n > 40);
	buf_release(&file);
	buf_release(&out);
}

static void test_py_strip_lower(void **state)
{
	const char *s = "\xc2\xa0 \tAbC\xc3\x89 \xe3\x80\x80\n";
	struct buf b = BUF_INIT;
	size_t x, y;

	(void)state;
	py_strip(s, strlen(s), &x, &y);
	assert_int_equal(x, 4);
	assert_int_equal(y, 4 + 5);
	py_lower(s + x, y - x, &b);
	assert_string_equal(buf_cstr(&b), "abc\xc3\xa9");
	buf_reset(&b);
	py_strip("   ", 3, &x, &y);
	assert_int_equal(x, y);
	/* invalid UTF-8 is kept, never fails */
	py_lower("A\xff" "B", 3, &b);
	assert_memory_equal(buf_cstr(&b), "a\xff" "b", 3);
	buf_release(&b);
}

/* str.lower() / str.upper() with full mappings and the final sigma. */
static void test_py_case(void **state)
{
	/* produced by CPython 3.11.7: s, s.lower(), s.upper() */
	static const char *const cases[][3] = {
		{ "\xce\x9f\xce\x94\xce\x9f\xce\xa3",
		  "\xce\xbf\xce\xb4\xce\xbf\xcf\x82",
		  "\xce\x9f\xce\x94\xce\x9f\xce\xa3" },
		{ "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x91\xce\xa3",
		  "\xce\xbf\xce\xb4\xce\xbf\xcf\x82 \xcf\x83\xce\xb1\xcf\x82",
		  "\xce\x9f\xce\x94\xce\x9f\xce\xa3 \xce\xa3\xce\x91\xce\xa3" },
		{ "\xce\xa3",
		  "\xcf\x83",
		  "\xce\xa3" },
		{ "\xce\x91\xce\xa3.",
		  "\xce\xb1\xcf\x82.",
		  "\xce\x91\xce\xa3." },
		{ "\xce\x91\xce\xa3'\xce\x92",
		  "\xce\xb1\xcf\x83'\xce\xb2",
		  "\xce\x91\xce\xa3'\xce\x92" },
		{ "\xce\x91'\xce\xa3",
		  "\xce\xb1'\xcf\x82",
		  "\xce\x91'\xce\xa3" },
		{ "\xce\x91\xce\xa3\xcc\x81",
		  "\xce\xb1\xcf\x82\xcc\x81",
		  "\xce\x91\xce\xa3\xcc\x81" },
		{ "\xce\xa3\xce\x91",
		  "\xcf\x83\xce\xb1",
		  "\xce\xa3\xce\x91" },
		{ "A \xce\xa3 b",
		  "a \xcf\x83 b",
		  "A \xce\xa3 B" },
		{ "1\xce\xa3",
		  "1\xcf\x83",
		  "1\xce\xa3" },
		{ "A\xce\xa3" "1",
		  "a\xcf\x82" "1",
		  "A\xce\xa3" "1" },
		{ "\xce\x91\xce\xa3\xcd\x85\xce\x92",
		  "\xce\xb1\xcf\x83\xcd\x85\xce\xb2",
		  "\xce\x91\xce\xa3\xce\x99\xce\x92" },
		{ "\xc4\xb0stanbul",
		  "i\xcc\x87stanbul",
		  "\xc4\xb0STANBUL" },
		{ "STRASSE \xc3\x9f",
		  "strasse \xc3\x9f",
		  "STRASSE SS" },
		{ "\xc7\x85" "emal \xc7\x88 \xc7\x8b",
		  "\xc7\x86" "emal \xc7\x89 \xc7\x8c",
		  "\xc7\x84" "EMAL \xc7\x87 \xc7\x8a" },
		{ "\xef\xac\x81 \xef\xac\x80 \xc5\x89",
		  "\xef\xac\x81 \xef\xac\x80 \xc5\x89",
		  "FI FF \xca\xbcN" },
		{ "\xce\x90",
		  "\xce\x90",
		  "\xce\x99\xcc\x88\xcc\x81" },
		{ "\xe2\x85\xab \xe2\x93\x90 \xe2\x92\xb6",
		  "\xe2\x85\xbb \xe2\x93\x90 \xe2\x93\x90",
		  "\xe2\x85\xab \xe2\x92\xb6 \xe2\x92\xb6" },
		{ "\xf0\x90\x90\x80\xf0\x90\x90\xa8",
		  "\xf0\x90\x90\xa8\xf0\x90\x90\xa8",
		  "\xf0\x90\x90\x80\xf0\x90\x90\x80" },
		{ "\xe1\xbe\x88 \xe1\xbe\xb3",
		  "\xe1\xbe\x80 \xe1\xbe\xb3",
		  "\xe1\xbc\x88\xce\x99 \xce\x91\xce\x99" },
		{ "K \xc3\x85 \xce\xa9",
		  "k \xc3\xa5 \xcf\x89",
		  "K \xc3\x85 \xce\xa9" },
		{ "\xe1\x8e\xa0\xea\xad\xb0",
		  "\xea\xad\xb0\xea\xad\xb0",
		  "\xe1\x8e\xa0\xe1\x8e\xa0" },
		{ "\xef\xbc\xa6\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c",
		  "\xef\xbd\x86\xef\xbd\x95\xef\xbd\x8c\xef\xbd\x8c",
		  "\xef\xbc\xa6\xef\xbc\xb5\xef\xbc\xac\xef\xbc\xac" },
		{ "\xe1\xba\x9e",
		  "\xc3\x9f",
		  "\xe1\xba\x9e" },
		{ "\xce\x91\xce\xa3\xe2\x80\x8d\xce\x92",
		  "\xce\xb1\xcf\x83\xe2\x80\x8d\xce\xb2",
		  "\xce\x91\xce\xa3\xe2\x80\x8d\xce\x92" },
		{ "\xce\x86\xce\xa3",
		  "\xce\xac\xcf\x82",
		  "\xce\x86\xce\xa3" },
		{ "\xe2\xb1\xaf \xe2\xb1\xa5 \xc8\xbf",
		  "\xc9\x90 \xe2\xb1\xa5 \xc8\xbf",
		  "\xe2\xb1\xaf \xc8\xba \xe2\xb1\xbe" },
		{ "\xc7\x84",
		  "\xc7\x86",
		  "\xc7\x84" },
		{ "\xce\x9c\xce\x86\xce\x99\xce\x9f\xce\xa3 5",
		  "\xce\xbc\xce\xac\xce\xb9\xce\xbf\xcf\x82 5",
		  "\xce\x9c\xce\x86\xce\x99\xce\x9f\xce\xa3 5" },
		{ "\xce\x91\xce\xa3\xc2\xad",
		  "\xce\xb1\xcf\x82\xc2\xad",
		  "\xce\x91\xce\xa3\xc2\xad" },
		{ "\xc3\x9f\xcd\x85",
		  "\xc3\x9f\xcd\x85",
		  "SS\xce\x99" },
		{ "abc\xce\xa3" "def",
		  "abc\xcf\x83" "def",
		  "ABC\xce\xa3" "DEF" },
		{ "ABC\xce\xa3",
		  "abc\xcf\x82",
		  "ABC\xce\xa3" },
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		py_lower(cases[i][0], strlen(cases[i][0]), &b);
		if (strcmp(buf_cstr(&b), cases[i][1]))
			fail_msg("lower of case %zu: got '%s' want '%s'", i, buf_cstr(&b), cases[i][1]);
		buf_reset(&b);
		py_upper(cases[i][0], strlen(cases[i][0]), &b);
		if (strcmp(buf_cstr(&b), cases[i][2]))
			fail_msg("upper of case %zu: got '%s' want '%s'", i, buf_cstr(&b), cases[i][2]);
	}
	/* a sigma next to invalid bytes: they are neither cased nor ignorable */
	buf_reset(&b);
	py_lower("\xce\x91\xce\xa3\xff", 5, &b);
	assert_memory_equal(buf_cstr(&b), "\xce\xb1\xcf\x82\xff", 5);
	buf_reset(&b);
	py_lower("\xff\xce\xa3", 3, &b);
	assert_memory_equal(buf_cstr(&b), "\xff\xcf\x83", 3);
	buf_release(&b);
}

static void test_py_str_repr(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	py_str_repr("it's", 4, &b);
	assert_string_equal(buf_cstr(&b), "\"it's\"");
	buf_reset(&b);
	py_str_repr("a\"b'c\n", 6, &b);
	assert_string_equal(buf_cstr(&b), "'a\"b\\'c\\n'");
	buf_reset(&b);
	py_str_repr("m/s\xc2\xb2", 5, &b);
	assert_string_equal(buf_cstr(&b), "'m/s\xc2\xb2'");
	buf_release(&b);
}

static void test_json_spellings(void **state)
{
	const char *t = "{\"a\": 1, \"b\": 1.0, \"c\": [2.50, -0, 1e2, 12345678901234567890],"
			" \"d\": \"x 3\", \"e\": -0.0, \"f\": 1E-7}";
	cJSON *j = json_parse(t, strlen(t), "t", 0);
	const cJSON *c;
	struct buf b = BUF_INIT;

	(void)state;
	assert_non_null(j);
	assert_string_equal(json_spelling(json_get(j, "a")), "1");
	assert_true(json_is_int(json_get(j, "a")));
	assert_string_equal(json_spelling(json_get(j, "b")), "1.0");
	assert_false(json_is_int(json_get(j, "b")));
	c = json_get(j, "c")->child;
	assert_string_equal(json_spelling(c), "2.5");
	assert_string_equal(json_spelling(c->next), "0");
	assert_string_equal(json_spelling(c->next->next), "100.0");
	assert_string_equal(json_spelling(c->next->next->next), "12345678901234567890");
	assert_string_equal(json_spelling(json_get(j, "e")), "-0.0");
	assert_string_equal(json_spelling(json_get(j, "f")), "1e-07");
	json_pystr(json_get(j, "c"), &b);
	assert_string_equal(buf_cstr(&b), "[2.5, 0, 100.0, 12345678901234567890]");
	buf_reset(&b);
	json_pystr(j, &b);
	assert_string_equal(buf_cstr(&b),
		"{'a': 1, 'b': 1.0, 'c': [2.5, 0, 100.0, 12345678901234567890], "
		"'d': 'x 3', 'e': -0.0, 'f': 1e-07}");
	buf_release(&b);
	cJSON_Delete(j);
	/* numbers after strings with escaped quotes and backslash runs */
	t = "[\"a\\\"1\", 2.0, \"b\\\\\", 3.0, \"\\\\\\\"4\\\"\", 5.10, \"\", 6e0]";
	j = json_parse(t, strlen(t), "t", 0);
	assert_non_null(j);
	assert_string_equal(cJSON_GetArrayItem(j, 0)->valuestring, "a\"1");
	assert_string_equal(json_spelling(cJSON_GetArrayItem(j, 1)), "2.0");
	assert_string_equal(json_spelling(cJSON_GetArrayItem(j, 3)), "3.0");
	assert_string_equal(json_spelling(cJSON_GetArrayItem(j, 5)), "5.1");
	assert_string_equal(json_spelling(cJSON_GetArrayItem(j, 7)), "6.0");
	cJSON_Delete(j);
}

static void test_json_errors(void **state)
{
	struct buf log = BUF_INIT;
	cJSON *j;

	(void)state;
	log_capture(&log);
	j = json_parse("{\n  \"a\": 1,\n  \"b\": [1, 2,\n}", 27, "bad.json", 0);
	assert_null(j);
	assert_non_null(strstr(buf_cstr(&log), "'bad.json': line 4"));
	buf_reset(&log);
	j = json_parse("[1] [2]", 7, "two.json", 10);
	assert_null(j);
	assert_non_null(strstr(buf_cstr(&log), "'two.json': line 11: unexpected text"));
	log_capture(NULL);
	buf_release(&log);
}

/* NUL: a raw one is invalid JSON with its line; "\u0000" never truncates */
static void test_json_nul(void **state)
{
	struct buf log = BUF_INIT, b = BUF_INIT;
	const char t[] = "{\"a\": \"x\\u0000y\", \"b\": \"\\\\u0000\", \"n\": 1.0}";
	const char raw[] = "{\n\"a\": \"x\0y\"}";
	cJSON *j;
	uint32_t c;

	(void)state;
	j = json_parse(t, strlen(t), "t", 0);
	assert_non_null(j);
	assert_int_equal(strlen(json_get_str(j, "a")), 4);   /* x C0 80 y */
	assert_memory_equal(json_get_str(j, "a"), "x\xC0\x80y", 4);
	assert_string_equal(json_get_str(j, "b"), "\\u0000");   /* an escaped backslash */
	assert_string_equal(json_spelling(json_get(j, "n")), "1.0");
	json_escape(&b, json_get_str(j, "a"), 4);
	assert_string_equal(buf_cstr(&b), "x\\u0000y");
	buf_reset(&b);
	utf8_sanitize("x\xC0\x80y", 4, &b);
	assert_string_equal(buf_cstr(&b), "x\xEF\xBF\xBDy");   /* one U+FFFD for extractors */
	assert_int_equal(utf8_decode("\xC0\x80", 2, 0, &c), 2);
	assert_int_equal(c, 0xFFFD);
	assert_int_equal(utf8_decode("\xC0", 1, 0, &c), 1);
	assert_false(utf8_valid("x\xC0\x80", 3));
	cJSON_Delete(j);
	log_capture(&log);
	assert_null(json_parse(raw, sizeof(raw) - 1, "raw.json", 4));
	assert_non_null(strstr(buf_cstr(&log), "'raw.json': line 6: a NUL byte (invalid JSON"));
	log_capture(NULL);
	buf_release(&log);
	buf_release(&b);
}

static void test_json_writer(void **state)
{
	struct buf b = BUF_INIT;
	struct jw w;
	const char *t = "{\"n\":12345678901234567890,\"x\":[1,2.0]}";
	cJSON *j = json_parse(t, strlen(t), "t", 0);

	(void)state;
	jw_init(&w, &b, 0);
	jw_obj(&w);
	jw_key(&w, "s");
	jw_str(&w, "a\"b\\c\n\x01<\xff\xfe>");
	jw_key(&w, "d");
	jw_num(&w, 43.25);
	jw_key(&w, "nan");
	jw_num(&w, NAN);
	jw_key(&w, "e");
	jw_arr(&w);
	jw_end(&w);
	jw_key(&w, "v");
	jw_value(&w, j);
	jw_end(&w);
	assert_string_equal(buf_cstr(&b),
		"{\"s\":\"a\\\"b\\\\c\\n\\u0001<\xef\xbf\xbd\xef\xbf\xbd>\",\"d\":43.25,"
		"\"nan\":null,\"e\":[],\"v\":{\"n\":12345678901234567890,\"x\":[1,2.0]}}");
	cJSON_Delete(j);
	buf_reset(&b);
	jw_init(&w, &b, 1);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_int(&w, 1);
	jw_key(&w, "b");
	jw_arr(&w);
	jw_int(&w, 2);
	jw_end(&w);
	jw_end(&w);
	assert_string_equal(buf_cstr(&b), "{\n  \"a\": 1,\n  \"b\": [\n    2\n  ]\n}");
	buf_release(&b);
}

static void test_utf8(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_true(utf8_valid("m/s\xc2\xb2 \xc2\xb0", 8));
	assert_false(utf8_valid("\xc0\xaf", 2));        /* overlong */
	assert_false(utf8_valid("\xed\xa0\x80", 3));    /* surrogate */
	/* past and inside eight-byte ASCII runs */
	assert_true(utf8_valid("abcdefghijklmnop\xc2\xb2" "q", 19));
	assert_false(utf8_valid("abcdefghijklmnop\xc2", 17));
	assert_false(utf8_valid("abcdefgh\x80" "bcdefgh", 17));
	utf8_sanitize("a\xc0z", 3, &b);
	assert_string_equal(buf_cstr(&b), "a\xef\xbf\xbdz");
	buf_release(&b);
}

/* A match that exhausts the JIT's machine stack is retried by the
 * interpreter, which gives the answer instead of an error. */
static void test_rx_jit_stack(void **state)
{
	struct rx *r = rx_compile("^(?:(a)|b)*c", 0, "test");
	struct buf s = BUF_INIT, log = BUF_INIT;
	struct rx_match m;
	int i;

	(void)state;
	assert_non_null(r);
	for (i = 0; i < 200000; i++)
		buf_adds(&s, i % 3 ? "a" : "b");
	buf_adds(&s, "c");
	log_capture(&log);
	assert_int_equal(rx_search(r, s.data, s.len, 0, &m), 1);
	assert_int_equal(m.end, s.len);
	s.data[s.len - 1] = 'd';
	assert_int_equal(rx_search(r, s.data, s.len, 0, &m), 0);
	log_capture(NULL);
	assert_int_equal(log.len, 0);
	rx_free(r);
	buf_release(&s);
	buf_release(&log);
}

static void test_base64(void **state)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	struct buf b = BUF_INIT;
	unsigned char all[256];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vec); i++) {
		buf_reset(&b);
		assert_int_equal(b64_encode(vec[i][0], strlen(vec[i][0]), &b), 0);
		assert_string_equal(buf_cstr(&b), vec[i][1]);
	}
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	buf_reset(&b);
	b64_encode(all, 256, &b);
	assert_int_equal(b.len, 344);
	assert_memory_equal(buf_cstr(&b) + 340, "/w==", 4);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_jit_stack),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_addf_room),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_pyfloat_repr_golden),
		cmocka_unit_test(test_pyfloat_repr_ints),
		cmocka_unit_test(test_pyfloat_parse_golden),
		cmocka_unit_test(test_py_strip_lower),
		cmocka_unit_test(test_py_case),
		cmocka_unit_test(test_py_str_repr),
		cmocka_unit_test(test_json_spellings),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_json_writer),
		cmocka_unit_test(test_json_nul),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
