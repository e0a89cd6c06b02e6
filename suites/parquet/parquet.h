/*
 * parquet.h: a native, streaming Parquet reader that delivers rows as cJSON
 * records (or writes them straight to a struct jw).
 *
 * Scope (docs/parquet.md has the full story): the footer, the schema with
 * required/optional/repeated fields, row groups, data pages v1 and v2 and
 * dictionary pages; the encodings PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY,
 * RLE/bit-packed levels (and the old BIT_PACKED), RLE booleans,
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT; the codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW,
 * LZ4 (Hadoop framing, LZ4 frame, raw block) and BROTLI; every physical
 * type and the logical types; nested lists (3-level, 2-level and legacy),
 * structs and maps with nulls at every level. Encrypted files and LZO are
 * refused with a clear error.
 *
 * Rows follow the record convention of lib/json.h: one JSON object per
 * row, the top-level column names as keys. Values:
 *
 *   null                 null (JSON null)
 *   BOOLEAN              true / false
 *   INT32, INT64         numbers whose valuestring holds the exact integer
 *                        (unsigned annotations read as unsigned)
 *   FLOAT, DOUBLE        numbers spelled like Python repr() (a FLOAT is widened
 *                        to double first: 0.1f reads 0.10000000149011612);
 *                        NaN and infinities keep "nan"/"inf"/"-inf" spellings
 *                        (the JSON writer prints them as null)
 *   FLOAT16              like FLOAT
 *   DECIMAL              numbers whose valuestring is Python's str(Decimal):
 *                        "1.50", "-0.05", "0E-8"
 *   STRING, ENUM, JSON   strings (the text as stored; JSON is not parsed)
 *   other BYTE_ARRAY,    strings: the bytes as text when they are valid UTF-8
 *   FIXED_LEN_BYTE_ARRAY without control characters (tab, newline and carriage
 *                        return allowed), else DuckDB's BLOB text: printable
 *                        ASCII as is, every other byte and '\' as \xHH
 *   UUID                 "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lower case)
 *   DATE                 "YYYY-MM-DD"
 *   TIME                 "HH:MM:SS[.ffffff|.fffffffff]"
 *   TIMESTAMP, INT96     "YYYY-MM-DD HH:MM:SS[.ffffff|.fffffffff]" plus
 *                        "+00:00" when adjusted to UTC (Python's str(datetime));
 *                        INT96 is a timestamp without time zone
 *   INTERVAL             {"months": M, "days": D, "milliseconds": MS}
 *   images               {"bytes": "<N bytes, sha256 HEX>"}: a BYTE_ARRAY
 *                        without a text annotation whose bytes start like an
 *                        image (JPEG, PNG, GIF, WebP, BMP, TIFF); the field
 *                        "bytes" of a struct that also has "path" (a Hugging
 *                        Face Image) reads as the summary string alone. The
 *                        bytes themselves go to pq_rows_on_image()'s callback
 *   lists                arrays; structs: objects; maps: objects whose keys
 *                        are Python's str() of the map key (None for null),
 *                        a repeated key keeps the last value (dict semantics);
 *                        a map without a value field reads as a list of keys
 *
 * A string holding a NUL byte cannot be a cJSON string: records built with
 * pq_rows_next() carry U+FFFD in its place, pq_rows_write() writes \u0000.
 *
 * Memory stays bounded by one page per column plus the column chunks of
 * the current row group (read whole) and its dictionaries: rows stream.
 *
 * Errors are reported through error() (lib/log.h) and name the file and,
 * where it applies, the row group, the column path and the page:
 *   'f.parquet': row group 0, column 'a.list.element', page 3: ...
 *
 * Ownership: a struct pq_file owns its metadata and schema; everything a
 * pq_file_*() accessor returns is borrowed and lives until pq_close(). A
 * struct pq_rows borrows its pq_file (close the rows first). A row returned
 * by pq_rows_next() belongs to the caller (cJSON_Delete()).
 */
#ifndef STEVAL_PARQUET_H
#define STEVAL_PARQUET_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;
struct jw;

enum pq_physical {
	PQ_GROUP = -1,
	PQ_BOOLEAN = 0,
	PQ_INT32 = 1,
	PQ_INT64 = 2,
	PQ_INT96 = 3,
	PQ_FLOAT = 4,
	PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6,
	PQ_FIXED_LEN_BYTE_ARRAY = 7,
};

enum pq_repetition {
	PQ_REQUIRED = 0,
	PQ_OPTIONAL = 1,
	PQ_REPEATED = 2,
};

/* The logical type of a field: from the file's LogicalType, or derived from
 * its older ConvertedType when that is all the file has. */
enum pq_logical_kind {
	PQ_LT_NONE = 0,
	PQ_LT_STRING,
	PQ_LT_MAP,
	PQ_LT_LIST,
	PQ_LT_ENUM,
	PQ_LT_DECIMAL,
	PQ_LT_DATE,
	PQ_LT_TIME,
	PQ_LT_TIMESTAMP,
	PQ_LT_INTEGER,
	PQ_LT_UNKNOWN,        /* the NULL type: every value is null */
	PQ_LT_JSON,
	PQ_LT_BSON,
	PQ_LT_UUID,
	PQ_LT_FLOAT16,
	PQ_LT_VARIANT,
	PQ_LT_GEOMETRY,
	PQ_LT_GEOGRAPHY,
	PQ_LT_INTERVAL,       /* ConvertedType INTERVAL */
	PQ_LT_MAP_KEY_VALUE,  /* ConvertedType MAP_KEY_VALUE */
	PQ_LT_OTHER,          /* a LogicalType this reader does not know */
};

enum pq_time_unit { PQ_MILLIS = 0, PQ_MICROS = 1, PQ_NANOS = 2 };

struct pq_logical {
	int kind;             /* enum pq_logical_kind */
	int32_t scale;        /* DECIMAL */
	int32_t precision;    /* DECIMAL */
	int unit;             /* TIME, TIMESTAMP: enum pq_time_unit */
	int utc;              /* TIME, TIMESTAMP: isAdjustedToUTC */
	int bit_width;        /* INTEGER: 8, 16, 32, 64 */
	int is_signed;        /* INTEGER */
};

/* One node of the schema tree. The root is the file's message; its
 * children are the top-level columns. */
struct pq_field {
	char *name;
	int physical;                 /* enum pq_physical (PQ_GROUP for groups) */
	int repetition;               /* enum pq_repetition */
	int32_t type_length;          /* FIXED_LEN_BYTE_ARRAY */
	int converted;                /* the file's ConvertedType, -1 when absent */
	struct pq_logical logical;
	struct pq_field *children;
	size_t nchildren;
	struct pq_field *parent;      /* NULL for the root */
	int max_def, max_rep;         /* levels at this node (the column's, for leaves) */
	int column;                   /* leaves: column chunk index; groups: -1 */
};

struct pq_file;
struct pq_rows;

/* Open a file and read its footer and schema. NULL on error (reported,
 * naming the path). */
struct pq_file *pq_open(const char *path);
/* The same over bytes in memory (borrowed: they must outlive the file).
 * name is used in messages. */
struct pq_file *pq_open_mem(const void *data, size_t len, const char *name);
void pq_close(struct pq_file *f);

const char *pq_file_name(const struct pq_file *f);
int64_t pq_file_rows(const struct pq_file *f);          /* sum over row groups */
size_t pq_file_row_groups(const struct pq_file *f);
int64_t pq_file_row_group_rows(const struct pq_file *f, size_t rg);
const char *pq_file_created_by(const struct pq_file *f); /* NULL when absent */
const struct pq_field *pq_file_schema(const struct pq_file *f);   /* the root */
/* A top-level column by name; NULL if there is none. */
const struct pq_field *pq_file_column(const struct pq_file *f, const char *name);
/* Key/value metadata of the footer: i < count; value may be NULL. */
size_t pq_file_kv_count(const struct pq_file *f);
void pq_file_kv(const struct pq_file *f, size_t i, const char **key, const char **value);

/* The schema as text, in Parquet's message syntax with logical types:
 *   message schema {
 *     optional int64 id;
 *     optional group options (LIST) {
 *       repeated group list {
 *         optional binary element (STRING);
 *       }
 *     }
 *   }
 */
void pq_schema_print(const struct pq_file *f, struct buf *out);
/* "STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,true)", "" for none. */
void pq_logical_name(const struct pq_logical *lt, struct buf *out);
const char *pq_physical_name(int physical);            /* "int64", "group" */
/* Row groups, column chunks (path, type, codec, encodings, sizes, offsets),
 * writer and key/value metadata, as text. */
void pq_meta_print(const struct pq_file *f, struct buf *out);

/*
 * Iterate rows. columns[0..ncolumns) chooses top-level columns by name
 * (NULL/0: all, in schema order); a name the file lacks is an error.
 * Only the chosen columns are decoded.
 */
struct pq_rows *pq_rows_open(struct pq_file *f, const char *const *columns, size_t ncolumns);
/* Next row as a new cJSON object (the caller owns it). Returns 1 with a
 * row, 0 at the end, -1 on error (reported). */
int pq_rows_next(struct pq_rows *r, cJSON **row);
/* Next row written as one JSON object through w. Same returns. On error
 * part of the row may have been written. */
int pq_rows_write(struct pq_rows *r, struct jw *w);
/*
 * Images (see the value table above): fn gets the bytes of every image of
 * a row, in the row's order, while the row is assembled (before
 * pq_rows_next() returns it): data points into the reader's buffers and is
 * valid only during the call; sha256 is the hex hash the row's summary
 * names. NULL: no callback (the summaries alone).
 */
typedef void (*pq_image_fn)(void *ctx, const uint8_t *data, size_t len, const char *sha256);
void pq_rows_on_image(struct pq_rows *r, pq_image_fn fn, void *ctx);
/* Index (0-based, over the whole file) of the row the next call delivers. */
int64_t pq_rows_index(const struct pq_rows *r);
void pq_rows_close(struct pq_rows *r);

/*
 * Convenience for loaders: open path, call cb for every row in order. cb
 * takes ownership of row (cJSON_Delete it or keep it). A negative return
 * from cb stops the iteration and is returned. Returns 0 when every row was
 * delivered, -1 on error (reported through error()).
 */
int pq_for_each_row(const char *path, int (*cb)(cJSON *row, size_t row_index, void *ctx),
		    void *ctx);
/* The same with an image callback (image may be NULL); both get ctx. */
int pq_for_each_row_images(const char *path, int (*cb)(cJSON *row, size_t row_index, void *ctx),
			   pq_image_fn image, void *ctx);

#endif
