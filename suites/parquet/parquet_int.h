/*
 * parquet_int.h: the internals shared by the modules of suites/parquet/.
 * Not for use outside the Parquet reader (the public API is parquet.h).
 *
 *   thrift.c            Thrift compact protocol: FileMetaData, PageHeader
 *   schema.c            schema tree, JSON shape, value kinds, printing
 *   codec.c             decompression
 *   encoding.c          RLE/bit-packed hybrid, PLAIN, DELTA_*, BYTE_STREAM_SPLIT
 *   column.c            column chunk reader: pages, levels and values by record
 *   value.c             one value to JSON (logical types, dates, decimals)
 *   assemble.c          record assembly from levels (Dremel), JSON output
 *   parquet.c           the public API
 *
 * Decoders never trust a length or count from the file: every read is
 * checked against the bytes at hand, every count against what the bytes can
 * hold, and problems come back as a static description (why) that the
 * caller turns into a message naming file, row group, column and page.
 */
#ifndef STEVAL_PARQUET_INT_H
#define STEVAL_PARQUET_INT_H

#include "lib/common.h"
#include "suites/parquet/parquet.h"

#define PQ_MAX_DEPTH 40                    /* schema nesting levels */
#define PQ_MAX_PAGE ((size_t)1 << 30)      /* largest page after decompression */
#define PQ_BATCH 1024                      /* levels decoded at a time */
#define PQ_MAX_RECORD_VALUES ((size_t)1 << 22)   /* values of one column in one row */
#define PQ_MAX_COLUMNS 100000              /* leaf columns in a schema */

/* ---- enums from parquet.thrift ---- */

enum pq_encoding {
	PQ_ENC_PLAIN = 0,
	PQ_ENC_PLAIN_DICTIONARY = 2,
	PQ_ENC_RLE = 3,
	PQ_ENC_BIT_PACKED = 4,
	PQ_ENC_DELTA_BINARY_PACKED = 5,
	PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
	PQ_ENC_DELTA_BYTE_ARRAY = 7,
	PQ_ENC_RLE_DICTIONARY = 8,
	PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

enum pq_codec {
	PQ_CODEC_UNCOMPRESSED = 0,
	PQ_CODEC_SNAPPY = 1,
	PQ_CODEC_GZIP = 2,
	PQ_CODEC_LZO = 3,
	PQ_CODEC_BROTLI = 4,
	PQ_CODEC_LZ4 = 5,
	PQ_CODEC_ZSTD = 6,
	PQ_CODEC_LZ4_RAW = 7,
};

enum pq_page_type {
	PQ_PAGE_DATA = 0,
	PQ_PAGE_INDEX = 1,
	PQ_PAGE_DICTIONARY = 2,
	PQ_PAGE_DATA_V2 = 3,
};

/* ConvertedType */
enum {
	PQ_CT_UTF8 = 0, PQ_CT_MAP, PQ_CT_MAP_KEY_VALUE, PQ_CT_LIST, PQ_CT_ENUM, PQ_CT_DECIMAL,
	PQ_CT_DATE, PQ_CT_TIME_MILLIS, PQ_CT_TIME_MICROS, PQ_CT_TIMESTAMP_MILLIS,
	PQ_CT_TIMESTAMP_MICROS, PQ_CT_UINT_8, PQ_CT_UINT_16, PQ_CT_UINT_32, PQ_CT_UINT_64,
	PQ_CT_INT_8, PQ_CT_INT_16, PQ_CT_INT_32, PQ_CT_INT_64, PQ_CT_JSON, PQ_CT_BSON,
	PQ_CT_INTERVAL,
};

const char *pq_encoding_name(int enc);
const char *pq_codec_name(int codec);
const char *pq_page_type_name(int type);
const char *pq_converted_name(int ct);

/* ---- footer (thrift.c) ---- */

struct pq_schema_elem {
	char *name;
	int type;                 /* physical, -1 when absent (a group) */
	int32_t type_length;
	int repetition;           /* -1 when absent (the root) */
	int32_t num_children;     /* -1 when absent (a leaf) */
	int converted;            /* -1 when absent */
	int32_t scale, precision; /* -1 when absent */
	int has_logical;
	struct pq_logical logical;
};

struct pq_colmeta {
	int type;
	int codec;
	uint32_t encodings;       /* bit set of enum pq_encoding (values < 32) */
	char **path;
	size_t npath;
	int64_t num_values;
	int64_t total_uncompressed;
	int64_t total_compressed;
	int64_t data_page_offset;
	int64_t dictionary_page_offset;   /* -1 when absent */
	int64_t index_page_offset;        /* -1 when absent */
	char *file_path;                  /* ColumnChunk.file_path: another file */
	int has_meta;                     /* ColumnChunk.meta_data was present */
	int encrypted;                    /* crypto metadata present */
};

struct pq_rowgroup {
	struct pq_colmeta *cols;
	size_t ncols;
	int64_t num_rows;
	int64_t total_byte_size;
	int64_t total_compressed;         /* -1 when absent */
};

struct pq_kv {
	char *key;
	char *value;                      /* NULL when absent */
};

struct pq_meta {
	int32_t version;
	struct pq_schema_elem *schema;
	size_t nschema;
	int64_t num_rows;
	struct pq_rowgroup *rgs;
	size_t nrgs;
	struct pq_kv *kv;
	size_t nkv;
	char *created_by;
	int encrypted;                    /* encryption_algorithm present */
};

/* Parse FileMetaData from p[0..n). On failure returns -1 and appends what
 * went wrong (with the byte offset) to why. */
int pq_parse_footer(const uint8_t *p, size_t n, struct pq_meta *m, struct buf *why);
void pq_meta_release(struct pq_meta *m);

struct pq_page_header {
	int type;
	int32_t uncompressed_size;
	int32_t compressed_size;
	int32_t num_values;           /* data pages (v1, v2), dictionary pages */
	int encoding;                 /* data/dictionary page value encoding */
	int def_encoding, rep_encoding;   /* v1 */
	int32_t num_nulls, num_rows;  /* v2 */
	int32_t def_len, rep_len;     /* v2 */
	int is_compressed;            /* v2, default 1 */
	int has_data, has_dict, has_v2;
};

/* Parse a PageHeader at p[0..n). Returns 0 and sets *used, or -1 with a
 * static description in *why. */
int pq_parse_page_header(const uint8_t *p, size_t n, struct pq_page_header *h, size_t *used,
			 const char **why);

/* ---- schema (schema.c) ---- */

/* How a leaf's values become JSON. */
enum pq_vkind {
	PQ_VK_NULL,        /* UNKNOWN logical type */
	PQ_VK_BOOL,
	PQ_VK_INT,         /* INT32 / INT64 signed */
	PQ_VK_UINT32,
	PQ_VK_UINT64,
	PQ_VK_FLOAT,
	PQ_VK_DOUBLE,
	PQ_VK_FLOAT16,
	PQ_VK_TEXT,        /* STRING, ENUM, JSON: always text */
	PQ_VK_BYTES,       /* text when valid UTF-8 without NUL, else \xHH form */
	PQ_VK_DECIMAL,
	PQ_VK_DATE,
	PQ_VK_TIME,
	PQ_VK_TIMESTAMP,
	PQ_VK_INT96,
	PQ_VK_UUID,
	PQ_VK_INTERVAL,
};

struct pq_leaf {
	const struct pq_field *field;
	char *path;               /* dotted path, e.g. "a.list.element" */
	int physical;
	int32_t type_length;
	int vkind;
	int32_t scale;            /* DECIMAL */
	int unit, utc;            /* TIME, TIMESTAMP */
	int max_def, max_rep;
	int image_bytes;          /* the bytes of a Hugging Face Image struct {bytes, path} */
};

enum pq_shape_kind { PQ_SH_LEAF, PQ_SH_STRUCT, PQ_SH_LIST, PQ_SH_MAP };

/* The JSON shape of a schema subtree, with the levels that decide it. */
struct pq_shape {
	int kind;
	const char *name;         /* borrowed from the field */
	int nullable;             /* may be null at this node */
	int def;                  /* definition level meaning "present" */
	int elem_def;             /* LIST/MAP: level meaning "has elements" */
	int rep;                  /* LIST/MAP: repetition level of the elements */
	struct pq_shape *children;    /* STRUCT: fields; LIST: element; MAP: key[, value] */
	size_t nchildren;
	int leaf_lo, leaf_hi;     /* leaves of this subtree: [lo, hi) */
	int column;               /* LEAF: column index */
};

struct pq_schema {
	struct pq_field root;
	struct pq_leaf *leaves;
	size_t nleaves;
	struct pq_shape *shapes;  /* one per top-level column */
	size_t nshapes;
};

/* Build the tree, the leaves and the shapes from the footer's flat list. */
int pq_schema_build(struct pq_schema *s, const struct pq_meta *m, const char *name);
void pq_schema_release(struct pq_schema *s);
void pq_schema_print_root(const struct pq_field *root, struct buf *out);

/* ---- sources ---- */

struct pq_src {
	const char *name;
	int fd;                       /* -1 for memory */
	const uint8_t *mem;
	uint64_t size;                /* of the file */
	uint64_t data_end;            /* where the footer starts: pages end before */
	int chunk_pad;                /* bytes a column chunk may run past its size
					 (old parquet-mr left the dictionary page
					 header out of it: PARQUET-816) */
};

/* Read len bytes at off into dst; -1 (reported) if the file is too short. */
int pq_src_read(const struct pq_src *s, uint64_t off, size_t len, uint8_t *dst);

/* ---- codecs (codec.c) ---- */

/* Decompress src[0..n) into exactly want bytes at *dst (grown as needed,
 * capacity in *cap). Returns 0, or -1 with a static description in why. */
int pq_decompress(int codec, const uint8_t *src, size_t n, uint8_t **dst, size_t *cap,
		  size_t want, const char **why);

/* ---- encodings (encoding.c) ---- */

/* A decoded value. Byte values point into a page, a dictionary or an arena. */
struct pq_val {
	union {
		int32_t i32;
		int64_t i64;
		float f;
		double d;
		const uint8_t *ptr;
	} u;
	uint32_t len;             /* byte values */
};

/* RLE / bit-packed hybrid */
struct pq_rle {
	const uint8_t *p, *end;
	int bw;
	uint32_t rle_left;
	uint32_t rle_val;
	uint32_t bp_left;         /* values left in the bit-packed run */
	const uint8_t *bp;        /* start of the run's data */
	uint64_t bp_bit;          /* next bit in the run */
	uint64_t bp_bits;         /* bits available in the run */
};

void pq_rle_init(struct pq_rle *r, const uint8_t *p, size_t n, int bw);
/* Decode n values; -1 with why when the data runs out or is corrupt. */
int pq_rle_get(struct pq_rle *r, uint32_t *out, size_t n, const char **why);
/* The old BIT_PACKED level encoding: MSB first, no header. */
int pq_bitpacked_get(const uint8_t *p, size_t n, uint64_t *bitpos, int bw, uint32_t *out,
		     size_t count, const char **why);

/* DELTA_BINARY_PACKED */
struct pq_dbp {
	const uint8_t *p, *end;
	uint64_t block_size, mb_count, mb_vals;
	uint64_t total, done;
	uint64_t last;
	/* current block */
	uint64_t min_delta;
	const uint8_t *widths;
	uint64_t mb_index;
	const uint8_t *mb_data;
	int mb_bw;
	uint64_t mb_pos;          /* values used of the current miniblock */
	uint64_t mb_bytes;        /* bytes of the current miniblock */
	int in_block;
};

int pq_dbp_init(struct pq_dbp *d, const uint8_t *p, size_t n, const char **why);
int pq_dbp_get(struct pq_dbp *d, int64_t *out, size_t n, const char **why);
/* Where the encoded stream ends (walks the block headers, decodes nothing). */
int pq_dbp_end(const struct pq_dbp *d, const uint8_t **end, const char **why);

/* A decoder of one page's values, of any encoding. */
struct pq_valdec {
	int enc;
	int physical;
	int32_t width;            /* fixed width in bytes (FLBA, INT96, ...) */
	const uint8_t *p, *end;
	/* PLAIN booleans */
	uint64_t bitpos;
	/* dictionary */
	struct pq_rle rle;
	const struct pq_val *dict;
	size_t ndict;
	size_t batch;             /* most values asked for at once (PQ_BATCH default) */
	uint32_t *idx;            /* scratch, batch entries */
	/* DELTA_* */
	struct pq_dbp lens;       /* DLBA lengths, DBA suffix lengths */
	struct pq_dbp prefix;     /* DBA prefix lengths */
	const uint8_t *data;      /* DLBA/DBA byte data */
	int64_t *tmp1, *tmp2;     /* scratch, batch entries */
	uint8_t *prev;            /* DBA: previous value */
	size_t prev_len, prev_cap;
	uint8_t *arena;           /* DBA: this batch's values */
	size_t arena_cap;
	/* BYTE_STREAM_SPLIT */
	size_t bss_n, bss_i;
};

void pq_valdec_init(struct pq_valdec *d);
void pq_valdec_release(struct pq_valdec *d);
/* Start decoding values of physical type (width for fixed sizes) in
 * p[0..n) with encoding enc; dict for dictionary encodings. */
int pq_valdec_start(struct pq_valdec *d, int enc, int physical, int32_t width,
		    const uint8_t *p, size_t n, const struct pq_val *dict, size_t ndict,
		    const char **why);
/* Decode n values into out. Byte values may point into the decoder's arena,
 * valid until the next call. */
int pq_valdec_get(struct pq_valdec *d, struct pq_val *out, size_t n, const char **why);
/* Decode a whole PLAIN dictionary page of count values. */
int pq_plain_dict(int physical, int32_t width, const uint8_t *p, size_t n, size_t count,
		  struct pq_val *out, const char **why);

/* ---- column reader (column.c) ---- */

/* The triples (repetition, definition, value) of one record of one column. */
struct pq_recbuf {
	int16_t *rep, *def;
	struct pq_val *val;       /* val[i] is meaningful when def[i] == max_def */
	size_t n, alloc;
	size_t stable;            /* byte values before this index are in `blocks` */
	struct pq_block *blocks;  /* copies of byte values, freed per record */
};

struct pq_block {
	struct pq_block *next;
	uint8_t data[];
};

void pq_recbuf_release(struct pq_recbuf *rb);

struct pq_col {
	const struct pq_src *src;
	const struct pq_leaf *leaf;
	size_t rg;                    /* row group, for messages */
	const struct pq_colmeta *meta;
	/* chunk */
	uint8_t *chunk;
	size_t chunk_cap, chunk_len, pos;
	int64_t values_left;          /* levels still to read in the chunk */
	int page_no;                  /* pages read so far */
	int cur_page;                 /* 0-based number of the current data page */
	/* dictionary */
	struct pq_val *dict;
	size_t ndict;
	uint8_t *dict_buf;
	size_t dict_cap;
	int have_dict;
	/* current data page */
	uint8_t *page_buf;
	size_t page_cap;
	int64_t page_left;            /* levels left in the page */
	struct pq_rle rep_dec, def_dec;
	int rep_legacy, def_legacy;   /* BIT_PACKED levels */
	const uint8_t *rep_p, *def_p;
	size_t rep_n, def_n;
	uint64_t rep_bit, def_bit;
	struct pq_valdec vd;
	/* batch: levels and values decoded at a time (fewer for wide files) */
	size_t batch;
	int16_t *rep, *def;
	struct pq_val *vals;
	uint32_t *lv;
	size_t nb, bpos, vpos;
	int at_end;
};

/* batch: levels decoded at a time, 1..PQ_BATCH. */
void pq_col_init(struct pq_col *c, size_t batch);
void pq_col_release(struct pq_col *c);
/* Read the chunk of row group rg for this leaf. */
int pq_col_begin(struct pq_col *c, const struct pq_src *src, const struct pq_leaf *leaf,
		 size_t rg, const struct pq_colmeta *meta);
/* Collect the next record's triples into rb (cleared first). Returns 1 with
 * a record, 0 at the end of the chunk, -1 on error (reported). */
int pq_col_record(struct pq_col *c, struct pq_recbuf *rb);

/* ---- values and output (value.c, assemble.c) ---- */

/* Output: a struct jw, or a cJSON tree under construction. */
struct pq_out {
	struct jw *w;                 /* jw mode when set */
	cJSON *stack[PQ_MAX_DEPTH * 2 + 4];
	int depth;
	const char *key;              /* key for the next value inside an object */
	cJSON *result;
	pq_image_fn image;            /* gets the bytes of every image, or NULL */
	void *image_ctx;
};

void pq_out_obj(struct pq_out *o);
void pq_out_arr(struct pq_out *o);
void pq_out_end(struct pq_out *o);
void pq_out_key(struct pq_out *o, const char *key);
void pq_out_null(struct pq_out *o);
void pq_out_bool(struct pq_out *o, int v);
void pq_out_int(struct pq_out *o, long long v);
void pq_out_num(struct pq_out *o, double v, const char *spelling);   /* exact spelling */
void pq_out_float(struct pq_out *o, double v);
void pq_out_str(struct pq_out *o, const char *s, size_t n);
void pq_out_node(struct pq_out *o, cJSON *node);   /* takes node (cJSON mode) */

/* Record assembly over the recbufs of every leaf (indexed by column). */
struct pq_asm {
	const struct pq_schema *s;
	struct pq_recbuf *rb;
	size_t *frames;               /* nframes x (lo[nleaves], hi[nleaves]) */
	size_t nframes, nleaves;
	const char *fname;            /* for messages */
	size_t rg;
	int64_t row;
};

void pq_asm_init(struct pq_asm *a, const struct pq_schema *s, struct pq_recbuf *rb);
void pq_asm_release(struct pq_asm *a);
/* Emit one row object of the chosen top-level shapes. */
int pq_asm_row(struct pq_asm *a, struct pq_out *o, const struct pq_shape *const *shapes,
	       size_t n);

/* Write one value of a leaf. */
void pq_value_out(struct pq_out *o, const struct pq_leaf *leaf, const struct pq_val *v);
/* Date and time text helpers (exposed for tests). */
void pq_fmt_date(int64_t days, struct buf *out);
void pq_fmt_timestamp(int64_t secs, int64_t nanos, int utc, struct buf *out);
void pq_fmt_decimal(const uint8_t *be, size_t n, int32_t scale, struct buf *out);
void pq_fmt_decimal_i64(int64_t v, int32_t scale, struct buf *out);
/* repr() of a finite double, identical to py_float_repr(); returns the length. */
size_t pq_double_repr(double v, char *out);

#endif
