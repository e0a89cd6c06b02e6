/*
 * reader.h: source files to records.
 *
 * Every reader delivers records (cJSON objects following the convention of
 * lib/json.h: numbers carry their Python spelling) one at a time to a
 * callback that takes ownership of the record. `where` is a 1-based line
 * number for JSONL, TSV and CSV, and a 0-based record index for JSON arrays
 * and Parquet, so that errors can name it.
 *
 *   json     a JSON array of objects (or an object whose "data" member is one)
 *   jsonl    one JSON object per line; blank lines are skipped
 *   tsv/csv  a header line, then one record per line; RFC 4180 quoting
 *            (double quotes, "" inside quotes, newlines inside quotes);
 *            every cell is a string, an empty cell is null
 *   parquet  via suites/parquet/parquet.h
 *
 * A callback returning a negative value stops the read; that value is
 * returned. Readers report their own errors with error().
 */
#ifndef STEVAL_READER_H
#define STEVAL_READER_H

#include "lib/common.h"
#include "lib/json.h"

typedef int (*record_fn)(cJSON *rec, size_t where, void *ctx);
/* Images embedded in a source (Parquet binary values and Hugging Face Image
 * structs, see suites/parquet/parquet.h): called with each image's bytes,
 * in order, before the record that holds it (whose value names the image by
 * sha256). data is borrowed for the call. */
typedef void (*image_fn)(void *ctx, const uint8_t *data, size_t len, const char *sha256);

/* Format from the file name: .json .jsonl .ndjson .tsv .csv .parquet; NULL if unknown. */
const char *reader_format(const char *path);
int reader_read(const char *path, const char *format, record_fn cb, void *ctx);
/* The same with an image callback (may be NULL; only Parquet has images). */
int reader_read_images(const char *path, const char *format, record_fn cb, image_fn img,
		       void *ctx);

/* The same for a file's bytes in memory (an entry of a zip archive): json
 * and jsonl only; name is used for the format and in messages. */
/* The records of an already parsed .json source (root owned, freed here;
 * NULL: -1), as reader_read() gives them. */
int reader_json_tree(cJSON *root, const char *path, record_fn cb, void *ctx);
int reader_read_mem(const char *name, const char *format, const char *data, size_t len,
		    record_fn cb, void *ctx);
int reader_json(const char *path, record_fn cb, void *ctx);
int reader_jsonl(const char *path, record_fn cb, void *ctx);
int reader_dsv(const char *path, char delim, record_fn cb, void *ctx);
int reader_parquet(const char *path, record_fn cb, image_fn img, void *ctx);

/*
 * Parse a Python literal (as pandas writes list and dict cells: ['a', 'b'],
 * {'A': 'x'}, 1, 2.5, None, True) into a cJSON value. Returns NULL and sets
 * *err to a static description on malformed input.
 */
cJSON *pylit_parse(const char *s, size_t len, const char **err);

#endif
