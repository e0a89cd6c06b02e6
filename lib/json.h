/*
 * json.h: reading JSON with cJSON, keeping each number's spelling, and a
 * streaming JSON writer.
 *
 * Reading. cJSON keeps numbers only as doubles, which loses the difference
 * between `1` and `1.0` and the digits of integers above 2^53. Official
 * scorers and prompt templates are Python, where `1` is an int that prints
 * as "1" and `1.0` a float that prints as "1.0". json_parse() therefore
 * scans the text once more and attaches to every number node, in its
 * `valuestring`, the text Python's str() would give for the value json.load
 * returns: the integer literal as written (arbitrary size), or repr() of the
 * float. cJSON_Delete() frees it with the node. Trees built by the Parquet
 * and TSV readers follow the same convention (json_num_new()).
 *
 * Writing. struct jw appends JSON to a struct buf: strings are escaped and
 * any invalid UTF-8 is replaced by U+FFFD, so model output can never break
 * a file; doubles print as Python's repr (NaN and infinities as null);
 * numbers carrying a spelling print it as written.
 *
 * Ownership: json_parse*() return a tree the caller frees with cJSON_Delete().
 * Lookup helpers borrow.
 */
#ifndef STEVAL_JSON_H
#define STEVAL_JSON_H

#include "lib/common.h"
#include <cjson/cJSON.h>

struct buf;
struct bufrefs;

/*
 * Parse text[0..len). On error returns NULL and reports
 * "NAME: line L, column C: invalid JSON" through error(). A raw NUL byte is
 * invalid ("NAME: line L: a NUL byte"); "\u0000" in a string is kept as the
 * bytes C0 80 (see utf8_decode() in lib/pystr.h), never cutting the string.
 * line_base is added to the reported line (for JSONL records).
 */
cJSON *json_parse(const char *text, size_t len, const char *name, size_t line_base);
/* cJSON_ParseWithLength() that never truncates a string at "\u0000" (it
 * becomes the bytes C0 80, lib/pystr.h) and refuses a raw NUL byte; no
 * spellings, no message (NULL when invalid). For wire formats. */
cJSON *json_parse_raw(const char *text, size_t len);
/* Read and parse a whole file (capped at max bytes). */
cJSON *json_parse_file(const char *path, size_t max);
/* The same without any message: NULL on every failure (a caller that will
 * read the file again the usual way when this fails, e.g. from a thread). */
cJSON *json_parse_file_quiet(const char *path, size_t max);

/*
 * An arena for trees that live as long as the process (steval score: the
 * prediction files and the suite's question files, a few MB parsed into
 * some 100,000 nodes and strings). json_arena_enable() installs cJSON hooks,
 * once, before any other thread uses cJSON; returns 0, or -1 (nothing
 * installed) when the address space cannot be reserved. Then what a thread
 * allocates through cJSON between json_arena_use(1) and json_arena_use(0)
 * comes from the arena: 2 MiB slabs taken in turn, each a transparent huge
 * page where the kernel allows, a bump of a pointer per node. Freeing such
 * memory frees nothing; everything else is malloc()'s as before. Costs: with
 * hooks cJSON's printer copies instead of realloc(), so only a command that
 * prints little JSON and leaves its memory to the kernel at exit enables it
 * (score; never under a sanitizer, whose checks see allocations through
 * malloc: CLI_FREE_AT_EXIT). json_arena_owns(p): p is arena memory (a tree
 * whose root it is need not be deleted: its nodes free nothing).
 */
int json_arena_enable(void);
void json_arena_use(int on);
int json_arena_owns(const void *p);

/* A string node of s[0..n) (s NUL-terminated at n), each NUL byte held as
 * C0 80 so that nothing after it is lost. */
cJSON *json_str_new(const char *s, size_t n);

/* Number nodes with their Python spelling. */
cJSON *json_num_new(double v, const char *spelling);   /* spelling may be NULL */
cJSON *json_int_new(long long v);
cJSON *json_float_new(double v);                       /* spelling = repr(v) */
const char *json_spelling(const cJSON *num);           /* NULL if none */
int json_is_int(const cJSON *num);                     /* spelled as an integer */

/* Case-sensitive lookup; NULL if obj is not an object or lacks the key. */
const cJSON *json_get(const cJSON *obj, const char *key);
const char *json_get_str(const cJSON *obj, const char *key);  /* NULL unless string */

/* Python str() of a value: strings as they are, numbers by their spelling,
 * True/False/None, lists and dicts as Python prints them. */
void json_pystr(const cJSON *v, struct buf *out);
/* Python repr(): like str() but strings are quoted. */
void json_pyrepr(const cJSON *v, struct buf *out);

/* Streaming writer. */
struct jw {
	struct buf *out;
	int depth;
	int pretty;                 /* indent with two spaces */
	unsigned char first[64];    /* per depth: no element written yet */
	unsigned char is_arr[64];   /* per depth: an array (else an object) */
	int after_key;
	struct bufrefs *refs;       /* set: jw_ref() borrows instead of copying */
};

void jw_init(struct jw *w, struct buf *out, int pretty);
void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end(struct jw *w);        /* closes the innermost object or array */
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s);          /* NULL writes null */
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_num(struct jw *w, double v);
void jw_int(struct jw *w, long long v);
void jw_bool(struct jw *w, int v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *json);       /* pre-encoded JSON value */
void jw_value(struct jw *w, const cJSON *v);       /* a cJSON tree, spellings kept */
/* Append n raw bytes (already JSON, no escaping) inside a value being
 * written: recorded as a borrowed span of the output when w->refs is set
 * (the caller keeps s alive while the output is used), else copied. A span
 * that would take the whole past the output's cap sets its overflow flag. */
void jw_ref(struct jw *w, const char *s, size_t n);
/* Escape s[0..n) as the inside of a JSON string (no quotes). */
void json_escape(struct buf *out, const char *s, size_t n);

#endif
