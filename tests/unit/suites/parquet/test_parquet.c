/* Unit tests of the Parquet reader: the decoders on hand-made inputs, value
 * formatting against Python's output, the API over real files of the shared
 * corpus, and robustness against truncated and bit-flipped files (every
 * mutation is read in memory: it must fail with a message naming the file,
 * or succeed; never crash, leak or hang). */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/rng.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/parquet/parquet.h"
#include "suites/parquet/parquet_int.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

#define DATA "../shared/data/parquet/"

static void load(const char *path, struct buf *b)
{
	buf_init(b, (size_t)64 << 20);
	if (read_file(path, b) < 0)
		fail_msg("cannot read %s (the shared corpus must be at ../shared/data)", path);
}

/* ---- decoders ---- */

static void test_rle_hybrid(void **state)
{
	/* RLE run of 5 x 3 (bw 2), then a bit-packed group of 8 (1 group). */
	const uint8_t data[] = { 0x0A, 0x03, 0x03, 0x88, 0xC6, 0xFA };
	uint32_t out[16];
	struct pq_rle r;
	const char *why = NULL;
	size_t i;

	(void)state;
	pq_rle_init(&r, data, 2, 2);
	assert_int_equal(pq_rle_get(&r, out, 5, &why), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(out[i], 3);
	assert_int_equal(pq_rle_get(&r, out, 1, &why), -1);   /* no more data */
	assert_non_null(why);

	/* bit width 3: 0..7 packed LSB first: 0x88 0xC6 0xFA */
	pq_rle_init(&r, data + 2, 4, 3);
	assert_int_equal(pq_rle_get(&r, out, 8, &why), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(out[i], i);

	/* bit width 0: a run of zeros without value bytes */
	{
		const uint8_t z[] = { 0x20 };
		pq_rle_init(&r, z, 1, 0);
		assert_int_equal(pq_rle_get(&r, out, 16, &why), 0);
		for (i = 0; i < 16; i++)
			assert_int_equal(out[i], 0);
	}
	/* a run value wider than the bit width */
	{
		const uint8_t bad[] = { 0x02, 0x05 };
		pq_rle_init(&r, bad, 2, 2);
		assert_int_equal(pq_rle_get(&r, out, 1, &why), -1);
		assert_string_equal(why, "RLE run value wider than its bit width");
	}
	/* a bit-packed run cut short gives the values that are there, no more */
	{
		const uint8_t cut[] = { 0x03, 0x88 };   /* claims 8 values of 3 bits */
		pq_rle_init(&r, cut, 2, 3);
		assert_int_equal(pq_rle_get(&r, out, 2, &why), 0);
		assert_int_equal(out[0], 0);
		assert_int_equal(out[1], 1);
		assert_int_equal(pq_rle_get(&r, out, 1, &why), -1);
	}
	/* an endless varint */
	{
		const uint8_t v[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF };
		pq_rle_init(&r, v, sizeof(v), 1);
		assert_int_equal(pq_rle_get(&r, out, 1, &why), -1);
	}
}

static void test_bitpacked_levels(void **state)
{
	/* BIT_PACKED is MSB first: 0..7 with 3 bits = 000 001 010 011 100 101 110 111 */
	const uint8_t data[] = { 0x05, 0x39, 0x77 };
	uint32_t out[8];
	uint64_t pos = 0;
	const char *why = NULL;
	int i;

	(void)state;
	assert_int_equal(pq_bitpacked_get(data, 3, &pos, 3, out, 8, &why), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(out[i], i);
	pos = 0;
	assert_int_equal(pq_bitpacked_get(data, 3, &pos, 3, out, 9, &why), -1);
}

static void test_delta_binary_packed(void **state)
{
	/* The format spec's examples. 1 2 3 4 5: deltas all 1, bit width 0. */
	const uint8_t a[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0 };
	/* 7 5 3 1 2 3 4 5: min delta -2, adjusted deltas 0 0 0 3 3 3 3, 2 bits */
	uint8_t b[64];
	int64_t out[8];
	struct pq_dbp d;
	const uint8_t *end;
	const char *why = NULL;
	size_t n = 0, i;
	const int64_t want[] = { 7, 5, 3, 1, 2, 3, 4, 5 };
	const uint8_t adj[] = { 0, 0, 0, 3, 3, 3, 3 };

	(void)state;
	assert_int_equal(pq_dbp_init(&d, a, sizeof(a), &why), 0);
	assert_int_equal(pq_dbp_end(&d, &end, &why), 0);
	assert_ptr_equal(end, a + sizeof(a));
	assert_int_equal(pq_dbp_get(&d, out, 5, &why), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(out[i], (int64_t)i + 1);
	assert_int_equal(pq_dbp_get(&d, out, 1, &why), -1);   /* only 5 values */

	b[n++] = 0x80; b[n++] = 0x01;   /* block size 128 */
	b[n++] = 0x04;                  /* 4 miniblocks */
	b[n++] = 0x08;                  /* 8 values */
	b[n++] = 0x0E;                  /* first value 7 */
	b[n++] = 0x03;                  /* min delta -2 */
	b[n++] = 2; b[n++] = 0; b[n++] = 0; b[n++] = 0;
	memset(b + n, 0, 8);            /* one miniblock: 32 values x 2 bits */
	for (i = 0; i < 7; i++)
		b[n + i * 2 / 8] |= (uint8_t)(adj[i] << (i * 2 % 8));
	n += 8;
	assert_int_equal(pq_dbp_init(&d, b, n, &why), 0);
	assert_int_equal(pq_dbp_end(&d, &end, &why), 0);
	assert_ptr_equal(end, b + n);
	assert_int_equal(pq_dbp_get(&d, out, 8, &why), 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(out[i], want[i]);

	/* bad layouts and truncations are errors */
	assert_int_equal(pq_dbp_init(&d, b, 3, &why), -1);
	b[0] = 0x81;   /* block size 129 */
	assert_int_equal(pq_dbp_init(&d, b, n, &why), -1);
	b[0] = 0x80;
	assert_int_equal(pq_dbp_init(&d, b, n - 8, &why), 0);
	assert_int_equal(pq_dbp_end(&d, &end, &why), -1);
	assert_int_equal(pq_dbp_get(&d, out, 2, &why), -1);
}

/* A footer of every kind of field, then every truncation of it. */
static void test_thrift_footer(void **state)
{
	struct buf file, why = BUF_INIT;
	struct pq_meta m;
	uint32_t flen;
	const uint8_t *foot;
	size_t n;
	int ok = 0, bad = 0;

	(void)state;
	load(DATA "parquet-testing/data/nested_maps.snappy.parquet", &file);
	memcpy(&flen, file.data + file.len - 8, 4);
	foot = (const uint8_t *)file.data + file.len - 8 - flen;
	assert_int_equal(pq_parse_footer(foot, flen, &m, &why), 0);
	assert_int_equal(m.num_rows, 6);
	assert_int_equal(m.nrgs, 1);
	assert_true(m.nschema > 5);
	assert_string_equal(m.schema[1].name, "a");
	pq_meta_release(&m);
	for (n = 0; n < flen; n++) {
		buf_reset(&why);
		if (pq_parse_footer(foot, n, &m, &why) == 0) {
			ok++;
		} else {
			bad++;
			assert_true(why.len > 0);
		}
		pq_meta_release(&m);
	}
	assert_true(bad > (int)flen / 2);
	(void)ok;

	/* a list claiming more elements than bytes */
	{
		const uint8_t big[] = { 0x15, 0x02, 0x19, 0xFC, 0xFF, 0xFF, 0xFF, 0x0F, 0x00 };
		buf_reset(&why);
		assert_int_equal(pq_parse_footer(big, sizeof(big), &m, &why), -1);
		assert_non_null(strstr(buf_cstr(&why), "list longer than the data"));
		pq_meta_release(&m);
	}
	/* nesting without end */
	{
		uint8_t deep[400];
		memset(deep, 0x1C, sizeof(deep));   /* field +1, struct, again and again */
		buf_reset(&why);
		assert_int_equal(pq_parse_footer(deep, sizeof(deep), &m, &why), -1);
		pq_meta_release(&m);
	}
	buf_release(&why);
	buf_release(&file);
}

/* ---- values ---- */

static void test_decimal_text(void **state)
{
	/* Python: str(Decimal((sign, digits, -scale))) */
	static const struct {
		int64_t v;
		int32_t scale;
		const char *want;
	} cases[] = {
		{ 123, 2, "1.23" }, { -5, 2, "-0.05" }, { 0, 8, "0E-8" }, { 1, 7, "1E-7" },
		{ 1, 6, "0.000001" }, { 12, -2, "1.2E+3" }, { 0, 0, "0" }, { 0, 2, "0.00" },
		{ 5, 0, "5" }, { 100, 1, "10.0" }, { -1, 9, "-1E-9" },
		{ INT64_MIN, 0, "-9223372036854775808" }, { INT64_MAX, 18, "9.223372036854775807" },
	};
	struct buf b = BUF_INIT;
	size_t i;
	/* -1234567890123456789012345678901234567890 as 17 bytes, scale 10 */
	const uint8_t big[] = { 0xFC, 0x5F, 0x36, 0xDF, 0x8A, 0x3F, 0x24, 0x0C, 0x47, 0x53,
				0x43, 0xA0, 0x69, 0x31, 0xC0, 0xF5, 0x2E };
	const uint8_t one[] = { 0x00, 0x01 }, minus_one[] = { 0xFF, 0xFF };

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		buf_reset(&b);
		pq_fmt_decimal_i64(cases[i].v, cases[i].scale, &b);
		assert_string_equal(buf_cstr(&b), cases[i].want);
	}
	buf_reset(&b);
	pq_fmt_decimal(big, sizeof(big), 10, &b);
	assert_string_equal(buf_cstr(&b), "-123456789012345678901234567890.1234567890");
	buf_reset(&b);
	pq_fmt_decimal(one, 2, 2, &b);
	assert_string_equal(buf_cstr(&b), "0.01");
	buf_reset(&b);
	pq_fmt_decimal(minus_one, 2, 0, &b);
	assert_string_equal(buf_cstr(&b), "-1");
	buf_reset(&b);
	pq_fmt_decimal(one, 0, 3, &b);
	assert_string_equal(buf_cstr(&b), "0.000");
	buf_release(&b);
}

static void test_date_time_text(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	pq_fmt_date(0, &b);
	assert_string_equal(buf_cstr(&b), "1970-01-01");
	buf_reset(&b);
	pq_fmt_date(-1, &b);
	assert_string_equal(buf_cstr(&b), "1969-12-31");
	buf_reset(&b);
	pq_fmt_date(2932896, &b);          /* date(9999,12,31) - date(1970,1,1) */
	assert_string_equal(buf_cstr(&b), "9999-12-31");
	buf_reset(&b);
	pq_fmt_date(-719162, &b);          /* date(1,1,1) */
	assert_string_equal(buf_cstr(&b), "0001-01-01");
	buf_reset(&b);
	pq_fmt_date(11016, &b);            /* 2000-02-29 */
	assert_string_equal(buf_cstr(&b), "2000-02-29");
	buf_reset(&b);
	pq_fmt_timestamp(1704141296, 123456000, 0, &b);
	assert_string_equal(buf_cstr(&b), "2024-01-01 20:34:56.123456");
	buf_reset(&b);
	pq_fmt_timestamp(-1, 999999999, 1, &b);
	assert_string_equal(buf_cstr(&b), "1969-12-31 23:59:59.999999999+00:00");
	buf_reset(&b);
	pq_fmt_timestamp(86400, 0, 1, &b);
	assert_string_equal(buf_cstr(&b), "1970-01-02 00:00:00+00:00");
	buf_release(&b);
}

static void test_double_repr_matches_python(void **state)
{
	struct rng r;
	struct buf b = BUF_INIT;
	char t[40];
	int i;
	const double special[] = { 0.0, -0.0, 1.0, 0.1, 1e16, 1e15, 123456789012345678.0, 1e-4,
				   1e-5, 5e-324, 1.7976931348623157e308, 0.1f, 2.5, -7.25e-7,
				   0.125, 0.375, 1e-11, 9.999999999999999e26, 1e27, 99.5, 0.95,
				   9.5, 1e22, 1e23, 8.41e21, 5e-11, 2.2250738585072014e-308 };

	(void)state;
	rng_seed(&r, 42);
	for (i = 0; i < 120000 + (int)ARRAY_SIZE(special); i++) {
		double v;
		int kind = i % 6;
		if (i < (int)ARRAY_SIZE(special)) {
			v = special[i];
		} else if (kind == 0) {
			uint64_t bits = rng_next(&r);   /* anything */
			memcpy(&v, &bits, sizeof(v));
			if (!isfinite(v))
				continue;
		} else if (kind == 1) {
			v = (double)(float)(rng_unit(&r) * 1000.0);   /* widened float32 */
		} else if (kind == 2) {
			/* short decimals, where ties and near-ties live */
			v = (double)(int64_t)rng_below(&r, 2000000) / pow(10, (double)rng_below(&r, 12));
		} else if (kind == 3) {
			v = ldexp((double)(rng_next(&r) >> 11), (int)rng_below(&r, 140) - 90);
		} else if (kind == 4) {
			v = (double)(int64_t)(rng_below(&r, 20000)) * 0.5 + 0.5;
		} else {
			v = rng_unit(&r) * pow(10, (double)rng_below(&r, 40) - 12);
		}
		if (i & 1)
			v = -v;
		buf_reset(&b);
		py_float_repr(v, &b);
		pq_double_repr(v, t);
		if (strcmp(t, buf_cstr(&b)))
			fail_msg("repr(%.17g): pq %s, pystr %s", v, t, buf_cstr(&b));
	}
	buf_release(&b);
}

static void value_text(const struct pq_leaf *l, const struct pq_val *v, struct buf *out)
{
	struct jw w;
	struct pq_out o;

	memset(&o, 0, sizeof(o));
	jw_init(&w, out, 0);
	o.w = &w;
	pq_value_out(&o, l, v);
}

static cJSON *value_node(const struct pq_leaf *l, const struct pq_val *v)
{
	struct pq_out o;

	memset(&o, 0, sizeof(o));
	pq_value_out(&o, l, v);
	return o.result;
}

static void test_value_kinds(void **state)
{
	struct pq_leaf l;
	struct pq_val v;
	struct buf b = BUF_INIT;
	cJSON *n;
	const uint8_t uuid[16] = { 0x55, 0x0e, 0x84, 0x00, 0xe2, 0x9b, 0x41, 0xd4,
				   0xa7, 0x16, 0x44, 0x66, 0x55, 0x44, 0x00, 0x00 };
	/* 2009-03-01 00:01:00: Julian day 2454892, 60e9 ns */
	uint8_t i96[12];
	int64_t ns = 60000000000LL;
	int32_t jd = 2454892;
	const uint8_t half[2] = { 0x00, 0x3C };   /* 1.0 */
	const uint8_t bin[4] = { 0x00, 'A', 0xC3, '\\' };
	const char nul[3] = { 'a', 0, 'b' };

	(void)state;
	memset(&l, 0, sizeof(l));
	memset(&v, 0, sizeof(v));

	l.physical = PQ_FIXED_LEN_BYTE_ARRAY;
	l.vkind = PQ_VK_UUID;
	v.u.ptr = uuid;
	v.len = 16;
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"550e8400-e29b-41d4-a716-446655440000\"");

	memcpy(i96, &ns, 8);
	memcpy(i96 + 8, &jd, 4);
	l.physical = PQ_INT96;
	l.vkind = PQ_VK_INT96;
	v.u.ptr = i96;
	v.len = 12;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"2009-03-01 00:01:00\"");

	l.physical = PQ_FIXED_LEN_BYTE_ARRAY;
	l.vkind = PQ_VK_FLOAT16;
	v.u.ptr = half;
	v.len = 2;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "1.0");

	l.physical = PQ_INT64;
	l.vkind = PQ_VK_UINT64;
	v.u.i64 = -1;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "18446744073709551615");
	n = value_node(&l, &v);
	assert_string_equal(json_spelling(n), "18446744073709551615");
	assert_true(json_is_int(n));
	cJSON_Delete(n);

	l.physical = PQ_INT32;
	l.vkind = PQ_VK_UINT32;
	v.u.i32 = -1;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "4294967295");

	l.vkind = PQ_VK_TIME;
	l.unit = PQ_MILLIS;
	v.u.i32 = 45296789;    /* 12:34:56.789 */
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"12:34:56.789000\"");

	l.physical = PQ_INT64;
	l.vkind = PQ_VK_TIMESTAMP;
	l.unit = PQ_NANOS;
	l.utc = 1;
	v.u.i64 = 1;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"1970-01-01 00:00:00.000000001+00:00\"");

	l.physical = PQ_FLOAT;
	l.vkind = PQ_VK_FLOAT;
	v.u.f = 0.1f;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "0.10000000149011612");
	v.u.f = NAN;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "null");
	n = value_node(&l, &v);
	assert_string_equal(json_spelling(n), "nan");
	cJSON_Delete(n);

	/* bytes that are not UTF-8: DuckDB's BLOB text */
	l.physical = PQ_BYTE_ARRAY;
	l.vkind = PQ_VK_BYTES;
	v.u.ptr = bin;
	v.len = 4;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"\\\\x00A\\\\xC3\\\\x5C\"");

	/* text with a NUL: \u0000 when written, U+FFFD in a cJSON record */
	l.vkind = PQ_VK_TEXT;
	v.u.ptr = (const uint8_t *)nul;
	v.len = 3;
	buf_reset(&b);
	value_text(&l, &v, &b);
	assert_string_equal(buf_cstr(&b), "\"a\\u0000b\"");
	n = value_node(&l, &v);
	assert_string_equal(n->valuestring, "a\xEF\xBF\xBD" "b");
	cJSON_Delete(n);

	l.physical = PQ_INT64;
	l.vkind = PQ_VK_DECIMAL;
	l.scale = 2;
	v.u.i64 = -150;
	n = value_node(&l, &v);
	assert_string_equal(json_spelling(n), "-1.50");
	assert_true(fabs(n->valuedouble + 1.5) < 1e-12);
	cJSON_Delete(n);

	buf_release(&b);
}

/* ---- the API over real files ---- */

static void test_alltypes_rows(void **state)
{
	struct pq_file *f;
	struct pq_rows *r;
	cJSON *row;
	const struct pq_field *c;
	struct buf log = BUF_INIT;
	int k, count = 0;

	(void)state;
	f = pq_open(DATA "parquet-testing/data/alltypes_plain.parquet");
	assert_non_null(f);
	assert_int_equal(pq_file_rows(f), 8);
	assert_int_equal(pq_file_row_groups(f), 1);
	c = pq_file_column(f, "float_col");
	assert_non_null(c);
	assert_int_equal(c->physical, PQ_FLOAT);
	assert_int_equal(c->repetition, PQ_OPTIONAL);
	assert_null(pq_file_column(f, "nope"));
	log_capture(&log);
	assert_null(pq_rows_open(f, (const char *const[]){ "id", "nope" }, 2));
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&log), "no column 'nope'"));
	buf_release(&log);

	r = pq_rows_open(f, (const char *const[]){ "float_col", "id", "timestamp_col" }, 3);
	assert_non_null(r);
	while ((k = pq_rows_next(r, &row)) > 0) {
		const cJSON *id = json_get(row, "id");
		assert_true(cJSON_IsNumber(id));
		assert_true(json_is_int(id));
		assert_string_equal(row->child->string, "float_col");   /* chosen order */
		assert_null(json_get(row, "bool_col"));
		if (count == 1) {
			assert_string_equal(json_spelling(id), "5");
			assert_string_equal(json_spelling(json_get(row, "float_col")),
					    "1.100000023841858");
			assert_string_equal(json_get_str(row, "timestamp_col"), "2009-03-01 00:01:00");
		}
		cJSON_Delete(row);
		count++;
	}
	assert_int_equal(k, 0);
	assert_int_equal(count, 8);
	assert_int_equal(pq_rows_index(r), 8);
	pq_rows_close(r);
	pq_close(f);
}

struct stop_ctx {
	size_t seen;
	size_t last_index;
};

static int stop_after_three(cJSON *row, size_t idx, void *ctx)
{
	struct stop_ctx *s = ctx;

	cJSON_Delete(row);
	s->last_index = idx;
	if (++s->seen == 3)
		return -7;
	return 0;
}

static int count_rows(cJSON *row, size_t idx, void *ctx)
{
	struct stop_ctx *s = ctx;

	assert_int_equal(idx, s->seen);
	cJSON_Delete(row);
	s->seen++;
	return 0;
}

static void test_for_each_row(void **state)
{
	struct stop_ctx s = { 0, 0 };
	struct buf log = BUF_INIT;

	(void)state;
	assert_int_equal(pq_for_each_row(DATA "hyparquet/test/files/rowgroups.parquet",
					 stop_after_three, &s), -7);
	assert_int_equal(s.seen, 3);
	assert_int_equal(s.last_index, 2);
	s.seen = 0;
	assert_int_equal(pq_for_each_row(DATA "hyparquet/test/files/rowgroups.parquet",
					 count_rows, &s), 0);
	assert_int_equal(s.seen, 15);

	log_capture(&log);
	assert_int_equal(pq_for_each_row("no/such/file.parquet", count_rows, &s), -1);
	assert_int_equal(pq_for_each_row("tests/unit/suites/parquet/test_parquet.c", count_rows, &s), -1);
	log_capture(NULL);
	assert_non_null(strstr(buf_cstr(&log), "cannot open 'no/such/file.parquet'"));
	assert_non_null(strstr(buf_cstr(&log), "'tests/unit/suites/parquet/test_parquet.c': not a Parquet file"));
	buf_release(&log);
}

/* Nested data: the same text whether built as cJSON or written directly. */
static void test_nested_rows(void **state)
{
	struct pq_file *f;
	struct pq_rows *r, *r2;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct jw w;
	cJSON *row;
	int k;
	static const char *const want1 =
		"{\"id\":2,\"int_array\":[null,1,2,null,3,null],"
		"\"int_array_Array\":[[null,1,2,null],[3,null,4],[],null],"
		"\"int_map\":{\"k1\":2,\"k2\":null},"
		"\"int_Map_Array\":[{\"k3\":null,\"k1\":1},null,{}],"
		"\"nested_struct\":{\"A\":null,\"b\":[null],\"C\":{\"d\":[[{\"E\":null,\"F\":null},"
		"{\"E\":10,\"F\":\"aaa\"},{\"E\":null,\"F\":null},{\"E\":-10,\"F\":\"bbb\"},"
		"{\"E\":null,\"F\":null}],[{\"E\":11,\"F\":\"c\"},null],[],null]},"
		"\"g\":{\"g1\":{\"H\":{\"i\":[2.2,null]}},\"g2\":{\"H\":{\"i\":[]}},\"g3\":null,"
		"\"g4\":{\"H\":{\"i\":null}},\"g5\":{\"H\":null}}}}";

	(void)state;
	f = pq_open(DATA "parquet-testing/data/nullable.impala.parquet");
	assert_non_null(f);
	r = pq_rows_open(f, NULL, 0);
	r2 = pq_rows_open(f, NULL, 0);
	while ((k = pq_rows_next(r, &row)) > 0) {
		buf_reset(&a);
		buf_reset(&b);
		jw_init(&w, &a, 0);
		jw_value(&w, row);
		jw_init(&w, &b, 0);
		assert_int_equal(pq_rows_write(r2, &w), 1);
		assert_string_equal(buf_cstr(&a), buf_cstr(&b));
		if (pq_rows_index(r) == 2)
			assert_string_equal(buf_cstr(&a), want1);
		cJSON_Delete(row);
	}
	assert_int_equal(k, 0);
	assert_int_equal(pq_rows_write(r2, &w), 0);
	pq_rows_close(r);
	pq_rows_close(r2);
	pq_close(f);
	buf_release(&a);
	buf_release(&b);
}

static void test_schema_text(void **state)
{
	struct pq_file *f;
	struct buf b = BUF_INIT;

	(void)state;
	f = pq_open(DATA "parquet-testing/data/list_columns.parquet");
	assert_non_null(f);
	pq_schema_print(f, &b);
	assert_non_null(strstr(buf_cstr(&b),
			       "  optional group utf8_list (LIST) {\n"
			       "    repeated group list {\n"
			       "      optional binary item (STRING);"));
	buf_reset(&b);
	pq_meta_print(f, &b);
	assert_non_null(strstr(buf_cstr(&b), "utf8_list.list.item: binary SNAPPY"));
	pq_close(f);
	buf_release(&b);
}

/* ---- robustness: mutated files in memory ---- */

static const char *const mutants[] = {
	"parquet-testing/data/alltypes_plain.parquet",
	"parquet-testing/data/alltypes_plain.snappy.parquet",
	"parquet-dotnet/data/types/alltypes.gzip.parquet",
	"parquet-testing/data/byte_stream_split.zstd.parquet",
	"parquet-testing/data/datapage_v2.snappy.parquet",
	"parquet-testing/data/delta_length_byte_array.parquet",
	"parquet-testing/data/delta_encoding_optional_column.parquet",
	"parquet-testing/data/nullable.impala.parquet",
	"parquet-testing/data/nested_maps.snappy.parquet",
	"parquet-testing/data/nested_lists.snappy.parquet",
	"parquet-testing/data/hadoop_lz4_compressed.parquet",
	"parquet-testing/data/non_hadoop_lz4_compressed.parquet",
	"parquet-testing/data/lz4_raw_compressed.parquet",
	"hyparquet/test/files/brotli_compressed.parquet",
	"parquet-testing/data/rle_boolean_encoding.parquet",
	"parquet-testing/data/old_list_structure.parquet",
	"parquet-testing/data/repeated_primitive_no_list.parquet",
	"parquet-testing/data/map_no_value.parquet",
	"parquet-testing/data/int96_from_spark.parquet",
	"parquet-testing/data/fixed_length_decimal.parquet",
	"parquet-testing/data/float16_nonzeros_and_nans.parquet",
	"parquet-testing/data/concatenated_gzip_members.parquet",
	"parquet-dotnet/data/list_structs.v2.parquet",
};

/* Read everything; 0 ok, -1 failed (with a message in log naming name). */
static int read_all(const uint8_t *p, size_t n, const char *name, int direct)
{
	struct pq_file *f = pq_open_mem(p, n, name);
	struct pq_rows *r;
	struct buf out = BUF_INIT;
	struct jw w;
	cJSON *row;
	int k, rows = 0;

	if (!f)
		return -1;
	r = pq_rows_open(f, NULL, 0);
	assert_non_null(r);
	do {
		if (direct) {
			buf_reset(&out);
			jw_init(&w, &out, 0);
			k = pq_rows_write(r, &w);
		} else {
			k = pq_rows_next(r, &row);
			if (k > 0)
				cJSON_Delete(row);
		}
	} while (k > 0 && ++rows < 100000);
	if (k < 0)
		assert_int_equal(pq_rows_next(r, &row), -1);   /* errors stick */
	pq_rows_close(r);
	pq_close(f);
	buf_release(&out);
	return k < 0 ? -1 : 0;
}

static void check_mutant(const uint8_t *p, size_t n, int direct, struct buf *log, int *fails)
{
	buf_reset(log);
	if (read_all(p, n, "mutant.parquet", direct) < 0) {
		(*fails)++;
		if (!strstr(buf_cstr(log), "'mutant.parquet'"))
			fail_msg("error without the file name: %s", buf_cstr(log));
	}
}

static void test_mutations(void **state)
{
	struct buf log = BUF_INIT;
	struct rng r;
	size_t i;
	int total = 0, fails = 0;

	(void)state;
	rng_seed(&r, 20261122);
	log_capture(&log);
	for (i = 0; i < ARRAY_SIZE(mutants); i++) {
		struct buf file;
		uint8_t *m;
		size_t n, k, cut;
		char path[512];

		snprintf(path, sizeof(path), DATA "%s", mutants[i]);
		load(path, &file);
		n = file.len;
		assert_int_equal(read_all((const uint8_t *)file.data, n, mutants[i], 0), 0);
		m = xmalloc(n);
		/* every cut in the last 300 bytes (the footer), and 40 others */
		for (k = 0; k < 340 && k < n; k++) {
			cut = k < 300 ? n - 1 - k : (size_t)rng_below(&r, n);
			memcpy(m, file.data, cut);
			check_mutant(m, cut, (int)(k & 1), &log, &fails);
			total++;
		}
		/* bit flips and random bytes, half of them in the footer */
		for (k = 0; k < 300; k++) {
			size_t at = k % 2 ? (size_t)rng_below(&r, n)
					  : n - 1 - (size_t)rng_below(&r, n < 300 ? n : 300);
			memcpy(m, file.data, n);
			if (k % 3)
				m[at] ^= (uint8_t)(1u << rng_below(&r, 8));
			else
				m[at] = (uint8_t)rng_below(&r, 256);
			check_mutant(m, n, (int)(k & 1), &log, &fails);
			total++;
		}
		free(m);
		buf_release(&file);
	}
	log_capture(NULL);
	buf_release(&log);
	print_message("# %d mutated files, %d rejected, the others read\n", total, fails);
	/* most mutations must be noticed; every one was survived */
	assert_true(fails > total / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rle_hybrid),
		cmocka_unit_test(test_bitpacked_levels),
		cmocka_unit_test(test_delta_binary_packed),
		cmocka_unit_test(test_thrift_footer),
		cmocka_unit_test(test_decimal_text),
		cmocka_unit_test(test_date_time_text),
		cmocka_unit_test(test_double_repr_matches_python),
		cmocka_unit_test(test_value_kinds),
		cmocka_unit_test(test_alltypes_rows),
		cmocka_unit_test(test_for_each_row),
		cmocka_unit_test(test_nested_rows),
		cmocka_unit_test(test_schema_text),
		cmocka_unit_test(test_mutations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
