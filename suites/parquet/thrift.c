/*
 * thrift.c: the Thrift compact protocol, just enough of it for the
 * Parquet footer (FileMetaData) and page headers (PageHeader).
 *
 * Every read is bounds-checked; a list may not claim more elements than
 * bytes remain (each element takes at least one byte), so allocations stay
 * proportional to the input; nesting is limited. Fields this reader does not
 * need (statistics, page indexes, bloom filters, ...) are skipped.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

enum {
	CT_STOP = 0, CT_TRUE = 1, CT_FALSE = 2, CT_BYTE = 3, CT_I16 = 4, CT_I32 = 5,
	CT_I64 = 6, CT_DOUBLE = 7, CT_BINARY = 8, CT_LIST = 9, CT_SET = 10, CT_MAP = 11,
	CT_STRUCT = 12,
};

#define TC_MAX_DEPTH 64

struct tc {
	const uint8_t *p, *start, *end;
	int depth;
	const char *err;          /* static; the first problem */
	const char *ctx;          /* the struct being read */
	size_t err_at;
};

static void tc_fail(struct tc *t, const char *what)
{
	if (!t->err) {
		t->err = what;
		t->err_at = (size_t)(t->p - t->start);
	}
	t->p = t->end;            /* every later read fails too */
}

static uint64_t tc_varint(struct tc *t)
{
	uint64_t v = 0;
	int shift = 0;

	while (t->p < t->end) {
		uint8_t b = *t->p++;
		if (shift == 63 && (b & 0x7E)) {
			tc_fail(t, "varint too long");
			return 0;
		}
		v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80))
			return v;
		shift += 7;
		if (shift > 63) {
			tc_fail(t, "varint too long");
			return 0;
		}
	}
	tc_fail(t, "truncated");
	return 0;
}

static int64_t tc_zz(struct tc *t)
{
	uint64_t v = tc_varint(t);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int tc_byte(struct tc *t)
{
	if (t->p >= t->end) {
		tc_fail(t, "truncated");
		return 0;
	}
	return *t->p++;
}

/* An integer field of any integer type, range-checked. */
static int64_t tc_int(struct tc *t, int type, int64_t lo, int64_t hi)
{
	int64_t v;

	switch (type) {
	case CT_BYTE:
		v = (int8_t)tc_byte(t);
		break;
	case CT_I16:
	case CT_I32:
	case CT_I64:
		v = tc_zz(t);
		break;
	default:
		tc_fail(t, "field has the wrong type (want an integer)");
		return 0;
	}
	if (v < lo || v > hi) {
		tc_fail(t, "integer out of range");
		return 0;
	}
	return v;
}

static int32_t tc_i32(struct tc *t, int type)
{
	return (int32_t)tc_int(t, type, INT32_MIN, INT32_MAX);
}

static int64_t tc_i64(struct tc *t, int type)
{
	return tc_int(t, type, INT64_MIN, INT64_MAX);
}

static int tc_bool(struct tc *t, int type)
{
	if (type == CT_TRUE)
		return 1;
	if (type == CT_FALSE)
		return 0;
	tc_fail(t, "field has the wrong type (want a bool)");
	return 0;
}

static size_t tc_left(const struct tc *t)
{
	return (size_t)(t->end - t->p);
}

static int tc_binary(struct tc *t, int type, const uint8_t **p, size_t *n)
{
	uint64_t len;

	*p = NULL;
	*n = 0;
	if (type != CT_BINARY) {
		tc_fail(t, "field has the wrong type (want a string)");
		return -1;
	}
	len = tc_varint(t);
	if (t->err)
		return -1;
	if (len > tc_left(t)) {
		tc_fail(t, "string longer than the data");
		return -1;
	}
	*p = t->p;
	*n = (size_t)len;
	t->p += len;
	return 0;
}

static char *tc_string(struct tc *t, int type)
{
	const uint8_t *p;
	size_t n;

	if (tc_binary(t, type, &p, &n) < 0)
		return NULL;
	return xmemdup(p, n);
}

/* List header: element type and a count no larger than the bytes left. */
static int tc_list(struct tc *t, int type, int *etype, size_t *count)
{
	int b;
	uint64_t n;

	*count = 0;
	*etype = 0;
	if (type != CT_LIST && type != CT_SET) {
		tc_fail(t, "field has the wrong type (want a list)");
		return -1;
	}
	b = tc_byte(t);
	if (t->err)
		return -1;
	n = (uint64_t)(b >> 4);
	*etype = b & 15;
	if (n == 15)
		n = tc_varint(t);
	if (t->err)
		return -1;
	if (n > tc_left(t)) {
		tc_fail(t, "list longer than the data");
		return -1;
	}
	*count = (size_t)n;
	return 0;
}

/* Next field header: 1 with *id and *type, 0 at STOP, -1 on error. */
static int tc_field(struct tc *t, int *last, int *id, int *type)
{
	int b = tc_byte(t);

	if (t->err)
		return -1;
	if (b == 0)
		return 0;
	*type = b & 15;
	if (b >> 4) {
		*id = *last + (b >> 4);
	} else {
		int64_t v = tc_zz(t);
		if (v < INT16_MIN || v > INT16_MAX) {
			tc_fail(t, "field id out of range");
			return -1;
		}
		*id = (int)v;
	}
	if (*type == CT_STOP || *type > CT_STRUCT) {
		tc_fail(t, "unknown field type");
		return -1;
	}
	*last = *id;
	return t->err ? -1 : 1;
}

static void tc_skip(struct tc *t, int type);

static void tc_skip_struct(struct tc *t)
{
	int last = 0, id, type, r;

	if (++t->depth > TC_MAX_DEPTH) {
		tc_fail(t, "nesting too deep");
		return;
	}
	while ((r = tc_field(t, &last, &id, &type)) > 0)
		tc_skip(t, type);
	t->depth--;
}

static void tc_skip(struct tc *t, int type)
{
	size_t n, i;
	int et;
	uint64_t len;

	switch (type) {
	case CT_TRUE:
	case CT_FALSE:
		break;
	case CT_BYTE:
		tc_byte(t);
		break;
	case CT_I16:
	case CT_I32:
	case CT_I64:
		tc_varint(t);
		break;
	case CT_DOUBLE:
		if (tc_left(t) < 8)
			tc_fail(t, "truncated");
		else
			t->p += 8;
		break;
	case CT_BINARY:
		len = tc_varint(t);
		if (!t->err && len > tc_left(t))
			tc_fail(t, "string longer than the data");
		else if (!t->err)
			t->p += len;
		break;
	case CT_LIST:
	case CT_SET:
		if (tc_list(t, type, &et, &n) < 0)
			break;
		if (++t->depth > TC_MAX_DEPTH) {
			tc_fail(t, "nesting too deep");
			break;
		}
		for (i = 0; i < n && !t->err; i++) {
			if (et == CT_TRUE || et == CT_FALSE)
				tc_byte(t);   /* booleans in containers take a byte */
			else
				tc_skip(t, et);
		}
		t->depth--;
		break;
	case CT_MAP: {
		uint64_t m = tc_varint(t);
		int kv, kt, vt;
		if (t->err)
			break;
		if (m == 0)
			break;
		if (m > tc_left(t)) {
			tc_fail(t, "map longer than the data");
			break;
		}
		kv = tc_byte(t);
		kt = kv >> 4;
		vt = kv & 15;
		if (++t->depth > TC_MAX_DEPTH) {
			tc_fail(t, "nesting too deep");
			break;
		}
		for (i = 0; i < m && !t->err; i++) {
			if (kt == CT_TRUE || kt == CT_FALSE)
				tc_byte(t);
			else
				tc_skip(t, kt);
			if (vt == CT_TRUE || vt == CT_FALSE)
				tc_byte(t);
			else
				tc_skip(t, vt);
		}
		t->depth--;
		break;
	}
	case CT_STRUCT:
		tc_skip_struct(t);
		break;
	default:
		tc_fail(t, "unknown field type");
	}
}

static int tc_want_struct(struct tc *t, int type)
{
	if (type != CT_STRUCT) {
		tc_fail(t, "field has the wrong type (want a struct)");
		return -1;
	}
	if (++t->depth > TC_MAX_DEPTH) {
		tc_fail(t, "nesting too deep");
		return -1;
	}
	return 0;
}

/* An empty struct (the members of LogicalType and TimeUnit unions). */
static void tc_empty(struct tc *t, int type)
{
	if (tc_want_struct(t, type) < 0)
		return;
	t->depth--;
	tc_skip_struct(t);
}

/* ---- enum names ---- */

const char *pq_encoding_name(int enc)
{
	static const char *const names[] = {
		"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
		"DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
		"RLE_DICTIONARY", "BYTE_STREAM_SPLIT",
	};
	return enc >= 0 && (size_t)enc < ARRAY_SIZE(names) ? names[enc] : "unknown";
}

const char *pq_codec_name(int codec)
{
	static const char *const names[] = {
		"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW",
	};
	return codec >= 0 && (size_t)codec < ARRAY_SIZE(names) ? names[codec] : "unknown";
}

const char *pq_page_type_name(int type)
{
	static const char *const names[] = {
		"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE", "DATA_PAGE_V2",
	};
	return type >= 0 && (size_t)type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

const char *pq_converted_name(int ct)
{
	static const char *const names[] = {
		"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE",
		"TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS",
		"UINT_8", "UINT_16", "UINT_32", "UINT_64", "INT_8", "INT_16", "INT_32",
		"INT_64", "JSON", "BSON", "INTERVAL",
	};
	return ct >= 0 && (size_t)ct < ARRAY_SIZE(names) ? names[ct] : "unknown";
}

/* ---- LogicalType ---- */

static void parse_time_unit(struct tc *t, int type, int *unit)
{
	int last = 0, id, ft, r;

	if (tc_want_struct(t, type) < 0)
		return;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id >= 1 && id <= 3) {
			*unit = id - 1;
			tc_empty(t, ft);
		} else {
			tc_skip(t, ft);
		}
	}
	t->depth--;
}

/* TimeType and TimestampType: 1: isAdjustedToUTC, 2: unit */
static void parse_time_type(struct tc *t, int type, struct pq_logical *lt)
{
	int last = 0, id, ft, r;

	if (tc_want_struct(t, type) < 0)
		return;
	lt->unit = -1;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id == 1)
			lt->utc = tc_bool(t, ft);
		else if (id == 2)
			parse_time_unit(t, ft, &lt->unit);
		else
			tc_skip(t, ft);
	}
	t->depth--;
	if (!t->err && lt->unit < 0)
		tc_fail(t, "time unit missing");
}

static void parse_logical(struct tc *t, int type, struct pq_logical *lt)
{
	int last = 0, id, ft, r;
	static const int simple[] = {
		[1] = PQ_LT_STRING, [2] = PQ_LT_MAP, [3] = PQ_LT_LIST, [4] = PQ_LT_ENUM,
		[6] = PQ_LT_DATE, [11] = PQ_LT_UNKNOWN, [12] = PQ_LT_JSON, [13] = PQ_LT_BSON,
		[14] = PQ_LT_UUID, [15] = PQ_LT_FLOAT16, [16] = PQ_LT_VARIANT,
		[17] = PQ_LT_GEOMETRY, [18] = PQ_LT_GEOGRAPHY,
	};
	const char *ctx = t->ctx;

	t->ctx = "LogicalType";
	memset(lt, 0, sizeof(*lt));
	lt->kind = PQ_LT_OTHER;
	if (tc_want_struct(t, type) < 0)
		return;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id == 5) {            /* DecimalType: 1 scale, 2 precision */
			int l2 = 0, id2, ft2;
			lt->kind = PQ_LT_DECIMAL;
			if (tc_want_struct(t, ft) < 0)
				break;
			while (tc_field(t, &l2, &id2, &ft2) > 0) {
				if (id2 == 1)
					lt->scale = tc_i32(t, ft2);
				else if (id2 == 2)
					lt->precision = tc_i32(t, ft2);
				else
					tc_skip(t, ft2);
			}
			t->depth--;
		} else if (id == 7 || id == 8) {
			lt->kind = id == 7 ? PQ_LT_TIME : PQ_LT_TIMESTAMP;
			parse_time_type(t, ft, lt);
		} else if (id == 10) {    /* IntType: 1 bitWidth (i8), 2 isSigned */
			int l2 = 0, id2, ft2;
			lt->kind = PQ_LT_INTEGER;
			lt->is_signed = 1;
			lt->bit_width = 64;
			if (tc_want_struct(t, ft) < 0)
				break;
			while (tc_field(t, &l2, &id2, &ft2) > 0) {
				if (id2 == 1)
					lt->bit_width = (int)tc_int(t, ft2, 0, 64);
				else if (id2 == 2)
					lt->is_signed = tc_bool(t, ft2);
				else
					tc_skip(t, ft2);
			}
			t->depth--;
		} else if (id > 0 && (size_t)id < ARRAY_SIZE(simple) && simple[id]) {
			lt->kind = simple[id];
			/* Variant, Geometry and Geography carry optional members
			 * this reader does not need. */
			tc_skip(t, ft);
		} else {
			tc_skip(t, ft);   /* a type from a newer format version */
		}
	}
	t->depth--;
	t->ctx = ctx;
}

/* ---- SchemaElement ---- */

static void parse_schema_elem(struct tc *t, struct pq_schema_elem *e)
{
	int last = 0, id, ft, r;

	memset(e, 0, sizeof(*e));
	e->type = -1;
	e->repetition = -1;
	e->num_children = -1;
	e->converted = -1;
	e->scale = -1;
	e->precision = -1;
	t->ctx = "SchemaElement";
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1:
			e->type = (int)tc_int(t, ft, 0, 7);
			break;
		case 2:
			e->type_length = tc_i32(t, ft);
			break;
		case 3:
			e->repetition = (int)tc_int(t, ft, 0, 2);
			break;
		case 4:
			free(e->name);
			e->name = tc_string(t, ft);
			break;
		case 5:
			e->num_children = tc_i32(t, ft);
			break;
		case 6:
			e->converted = (int)tc_int(t, ft, 0, INT32_MAX);
			break;
		case 7:
			e->scale = tc_i32(t, ft);
			break;
		case 8:
			e->precision = tc_i32(t, ft);
			break;
		case 10:
			parse_logical(t, ft, &e->logical);
			e->has_logical = 1;
			t->ctx = "SchemaElement";
			break;
		default:
			tc_skip(t, ft);
		}
	}
	if (!t->err && !e->name)
		tc_fail(t, "schema element without a name");
}

/* ---- ColumnChunk / ColumnMetaData ---- */

static void parse_colmeta(struct tc *t, int type, struct pq_colmeta *c)
{
	int last = 0, id, ft, r, et;
	size_t n, i;
	int seen_type = 0, seen_codec = 0, seen_dpo = 0;

	if (tc_want_struct(t, type) < 0)
		return;
	t->ctx = "ColumnMetaData";
	c->has_meta = 1;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1:
			c->type = (int)tc_int(t, ft, 0, 7);
			seen_type = 1;
			break;
		case 2:
			if (tc_list(t, ft, &et, &n) < 0)
				break;
			for (i = 0; i < n && !t->err; i++) {
				int64_t e = tc_int(t, et, 0, INT32_MAX);
				if (e < 32)
					c->encodings |= 1u << e;
			}
			break;
		case 3:
			if (tc_list(t, ft, &et, &n) < 0)
				break;
			if (c->path)
				break;
			c->path = xcalloc(n ? n : 1, sizeof(*c->path));
			for (i = 0; i < n && !t->err; i++) {
				c->path[i] = tc_string(t, et);
				c->npath = i + 1;
			}
			break;
		case 4:
			c->codec = (int)tc_int(t, ft, 0, INT32_MAX);
			seen_codec = 1;
			break;
		case 5:
			c->num_values = tc_i64(t, ft);
			break;
		case 6:
			c->total_uncompressed = tc_i64(t, ft);
			break;
		case 7:
			c->total_compressed = tc_i64(t, ft);
			break;
		case 9:
			c->data_page_offset = tc_i64(t, ft);
			seen_dpo = 1;
			break;
		case 10:
			c->index_page_offset = tc_i64(t, ft);
			break;
		case 11:
			c->dictionary_page_offset = tc_i64(t, ft);
			break;
		default:
			tc_skip(t, ft);
		}
	}
	t->depth--;
	if (!t->err && (!seen_type || !seen_codec || !seen_dpo))
		tc_fail(t, "column metadata lacks a required field");
	t->ctx = "ColumnChunk";
}

static void parse_chunk(struct tc *t, int type, struct pq_colmeta *c)
{
	int last = 0, id, ft, r;

	memset(c, 0, sizeof(*c));
	c->dictionary_page_offset = -1;
	c->index_page_offset = -1;
	if (tc_want_struct(t, type) < 0)
		return;
	t->ctx = "ColumnChunk";
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id == 1) {
			free(c->file_path);
			c->file_path = tc_string(t, ft);
		} else if (id == 3 && !c->has_meta) {
			parse_colmeta(t, ft, c);
		} else if (id == 8 || id == 9) {
			c->encrypted = 1;
			tc_skip(t, ft);
		} else {
			tc_skip(t, ft);
		}
	}
	t->depth--;
}

static void parse_rowgroup(struct tc *t, int type, struct pq_rowgroup *g)
{
	int last = 0, id, ft, r, et;
	size_t n, i;

	memset(g, 0, sizeof(*g));
	g->total_compressed = -1;
	if (tc_want_struct(t, type) < 0)
		return;
	t->ctx = "RowGroup";
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1:
			if (tc_list(t, ft, &et, &n) < 0 || g->cols)
				break;
			g->cols = xcalloc(n ? n : 1, sizeof(*g->cols));
			for (i = 0; i < n && !t->err; i++) {
				parse_chunk(t, et, &g->cols[i]);
				g->ncols = i + 1;
			}
			t->ctx = "RowGroup";
			break;
		case 2:
			g->total_byte_size = tc_i64(t, ft);
			break;
		case 3:
			g->num_rows = tc_i64(t, ft);
			break;
		case 6:
			g->total_compressed = tc_i64(t, ft);
			break;
		default:
			tc_skip(t, ft);
		}
	}
	t->depth--;
}

static void parse_kv(struct tc *t, int type, struct pq_kv *kv)
{
	int last = 0, id, ft, r;

	if (tc_want_struct(t, type) < 0)
		return;
	t->ctx = "KeyValue";
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id == 1 && !kv->key)
			kv->key = tc_string(t, ft);
		else if (id == 2 && !kv->value)
			kv->value = tc_string(t, ft);
		else
			tc_skip(t, ft);
	}
	t->depth--;
	if (!t->err && !kv->key)
		tc_fail(t, "key/value metadata without a key");
}

int pq_parse_footer(const uint8_t *p, size_t n, struct pq_meta *m, struct buf *why)
{
	struct tc t = { p, p, p + n, 0, NULL, "FileMetaData", 0 };
	int last = 0, id, ft, r, et;
	size_t cnt, i;
	int seen_schema = 0, seen_rows = 0, seen_rgs = 0;

	memset(m, 0, sizeof(*m));
	while ((r = tc_field(&t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1:
			m->version = tc_i32(&t, ft);
			break;
		case 2:
			if (tc_list(&t, ft, &et, &cnt) < 0 || seen_schema)
				break;
			seen_schema = 1;
			if (et != CT_STRUCT) {
				tc_fail(&t, "schema is not a list of structs");
				break;
			}
			m->schema = xcalloc(cnt ? cnt : 1, sizeof(*m->schema));
			for (i = 0; i < cnt && !t.err; i++) {
				t.depth++;
				parse_schema_elem(&t, &m->schema[i]);
				t.depth--;
				m->nschema = i + 1;
			}
			t.ctx = "FileMetaData";
			break;
		case 3:
			m->num_rows = tc_i64(&t, ft);
			seen_rows = 1;
			break;
		case 4:
			if (tc_list(&t, ft, &et, &cnt) < 0 || seen_rgs)
				break;
			seen_rgs = 1;
			m->rgs = xcalloc(cnt ? cnt : 1, sizeof(*m->rgs));
			for (i = 0; i < cnt && !t.err; i++) {
				parse_rowgroup(&t, et, &m->rgs[i]);
				m->nrgs = i + 1;
			}
			t.ctx = "FileMetaData";
			break;
		case 5:
			if (tc_list(&t, ft, &et, &cnt) < 0 || m->kv)
				break;
			m->kv = xcalloc(cnt ? cnt : 1, sizeof(*m->kv));
			for (i = 0; i < cnt && !t.err; i++) {
				m->nkv = i + 1;
				parse_kv(&t, et, &m->kv[i]);
			}
			t.ctx = "FileMetaData";
			break;
		case 6:
			free(m->created_by);
			m->created_by = tc_string(&t, ft);
			break;
		case 8:
			m->encrypted = 1;
			tc_skip(&t, ft);
			break;
		default:
			tc_skip(&t, ft);
		}
	}
	if (!t.err && (!seen_schema || !seen_rows || !seen_rgs))
		tc_fail(&t, seen_schema ? (seen_rows ? "no row groups" : "no row count")
					: "no schema");
	if (t.err) {
		buf_addf(why, "%s in %s at byte %zu of %zu", t.err, t.ctx, t.err_at, n);
		return -1;
	}
	return 0;
}

static void colmeta_release(struct pq_colmeta *c)
{
	size_t i;

	for (i = 0; i < c->npath; i++)
		free(c->path[i]);
	free(c->path);
	free(c->file_path);
}

void pq_meta_release(struct pq_meta *m)
{
	size_t i, j;

	for (i = 0; i < m->nschema; i++)
		free(m->schema[i].name);
	free(m->schema);
	for (i = 0; i < m->nrgs; i++) {
		for (j = 0; j < m->rgs[i].ncols; j++)
			colmeta_release(&m->rgs[i].cols[j]);
		free(m->rgs[i].cols);
	}
	free(m->rgs);
	for (i = 0; i < m->nkv; i++) {
		free(m->kv[i].key);
		free(m->kv[i].value);
	}
	free(m->kv);
	free(m->created_by);
	memset(m, 0, sizeof(*m));
}

/* ---- PageHeader ---- */

/* DataPageHeader (dict = 0) and DictionaryPageHeader (dict = 1): both
 * begin with num_values (1) and encoding (2), required; a data page adds
 * the level encodings (3, 4), a dictionary page is_sorted (3, skipped). */
static void parse_v1_header(struct tc *t, int type, struct pq_page_header *h, int dict)
{
	int last = 0, id, ft, r, seen = 0;

	if (tc_want_struct(t, type) < 0)
		return;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		if (id == 1) {
			h->num_values = tc_i32(t, ft);
			seen |= 1;
		} else if (id == 2) {
			h->encoding = tc_i32(t, ft);
			seen |= 2;
		} else if (id == 3 && !dict) {
			h->def_encoding = tc_i32(t, ft);
		} else if (id == 4 && !dict) {
			h->rep_encoding = tc_i32(t, ft);
		} else {
			tc_skip(t, ft);
		}
	}
	t->depth--;
	if (!t->err && seen != 3)
		tc_fail(t, dict ? "dictionary page header lacks a required field" :
			"data page header lacks a required field");
	if (dict)
		h->has_dict = 1;
	else
		h->has_data = 1;
}

static void parse_v2_header(struct tc *t, int type, struct pq_page_header *h)
{
	int last = 0, id, ft, r, seen = 0;

	if (tc_want_struct(t, type) < 0)
		return;
	while ((r = tc_field(t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1: h->num_values = tc_i32(t, ft); seen |= 1; break;
		case 2: h->num_nulls = tc_i32(t, ft); seen |= 2; break;
		case 3: h->num_rows = tc_i32(t, ft); seen |= 4; break;
		case 4: h->encoding = tc_i32(t, ft); seen |= 8; break;
		case 5: h->def_len = tc_i32(t, ft); seen |= 16; break;
		case 6: h->rep_len = tc_i32(t, ft); seen |= 32; break;
		case 7: h->is_compressed = tc_bool(t, ft); break;
		default: tc_skip(t, ft);
		}
	}
	t->depth--;
	if (!t->err && seen != 63)
		tc_fail(t, "data page v2 header lacks a required field");
	h->has_v2 = 1;
}

int pq_parse_page_header(const uint8_t *p, size_t n, struct pq_page_header *h, size_t *used,
			 const char **why)
{
	struct tc t = { p, p, p + n, 0, NULL, "PageHeader", 0 };
	int last = 0, id, ft, r, seen = 0;

	memset(h, 0, sizeof(*h));
	h->type = -1;
	h->is_compressed = 1;
	while ((r = tc_field(&t, &last, &id, &ft)) > 0) {
		switch (id) {
		case 1: h->type = (int)tc_int(&t, ft, 0, INT32_MAX); seen |= 1; break;
		case 2: h->uncompressed_size = tc_i32(&t, ft); seen |= 2; break;
		case 3: h->compressed_size = tc_i32(&t, ft); seen |= 4; break;
		case 5: if (!h->has_data) parse_v1_header(&t, ft, h, 0); else tc_skip(&t, ft); break;
		case 7: if (!h->has_dict) parse_v1_header(&t, ft, h, 1); else tc_skip(&t, ft); break;
		case 8: if (!h->has_v2) parse_v2_header(&t, ft, h); else tc_skip(&t, ft); break;
		default: tc_skip(&t, ft);
		}
	}
	if (!t.err && seen != 7)
		tc_fail(&t, "page header lacks a required field");
	if (t.err) {
		*why = t.err;
		return -1;
	}
	*used = (size_t)(t.p - p);
	return 0;
}
