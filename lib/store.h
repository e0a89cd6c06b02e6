/*
 * store.h: the run directory and its files.
 *
 *   runs/<suite>/<model>/<UTC timestamp>/
 *     manifest.json   what was run, with what (written atomically)
 *     samples.jsonl   one line per finished item, appended with one write(2)
 *                     as each item finishes, so a crash or SIGKILL loses at
 *                     most the line being written; fdatasync at most every
 *                     second. A torn last line is dropped on resume.
 *     results.json, report.md, ...  (written atomically)
 *
 * The samples.jsonl line format is documented in docs/formats.md.
 * Ownership: struct store owns its path and descriptor.
 */
#ifndef STEVAL_STORE_H
#define STEVAL_STORE_H

#include "lib/common.h"
#include "lib/json.h"
#include "lib/rundir_lock.h"

struct buf;

struct store {
	char *dir;
	int fd;               /* samples.jsonl, O_APPEND */
	double last_sync;
	size_t appended;
};

/* Both openers take the directory's lock (lib/rundir_lock.h) before they
 * touch samples.jsonl and fail, naming the holder, when another live
 * process holds it; store_close() releases it. Stores of one process on
 * one directory share its lock. (The locks are kept in a table inside
 * store.c keyed by the struct store, so the struct keeps its four fields.) */
/* Create root/<suite>/<model>/<stamp>/ (suite and model made safe for a
 * path: no '/', never "." or ".."). */
int store_create(struct store *st, const char *root, const char *suite, const char *model);
/* Use an existing directory (out dir of `steval score`, or a run to resume):
 * creates it if needed; with truncate_torn, a final line without "\n" is cut. */
int store_open_dir(struct store *st, const char *dir, int fresh);
int store_append(struct store *st, const char *line, size_t len);   /* adds "\n" */
/* Several whole lines at once (each ending in "\n"), in one write(2) and
 * without the per-line sync check: for a writer that makes the whole file in
 * one go (steval score) and syncs it at the end; a crash leaves whole lines
 * and at most one torn one, as with store_append(). */
int store_append_lines(struct store *st, const char *lines, size_t len, size_t nlines);
int store_sync(struct store *st);
int store_write(const struct store *st, const char *name, const char *data, size_t len);
char *store_path(const struct store *st, const char *name);
void store_close(struct store *st);

/* A path-safe version of a model spec ("openai@http://h:1/v1:m" -> "openai_h_1_v1_m"). */
char *store_safe_name(const char *s);

/*
 * Read a JSONL file of samples. Calls cb for each line that parses; a final
 * line without a newline that does not parse is reported through *torn
 * (its byte offset, else SIZE_MAX) instead of as an error.
 */
int store_read_jsonl(const char *path, int (*cb)(cJSON *rec, size_t line, void *ctx), void *ctx,
		     size_t *torn);

#endif
