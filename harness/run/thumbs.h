/*
 * thumbs.h: thumbnails of the items' own images (RUN_DIR/frames/SHA256.jpg
 * for report.html), made on a thread of their own so that decoding and
 * scaling never hold up the dispatch loop. (Video frames get theirs on the
 * frame pool: harness/frames/pool.c.)
 *
 * thumbs_add() queues an image once per sha256 (later adds of the same
 * content are dropped, as is one whose file exists already); thumbs_finish()
 * waits until the queue is done and frees everything. Failures only warn.
 *
 * Ownership: embedded bytes (data) are borrowed and must stay valid until
 * thumbs_finish() (the suite's blobs do); a path is copied.
 */
#ifndef STEVAL_THUMBS_H
#define STEVAL_THUMBS_H

#include "lib/common.h"

struct thumbs;

/* NULL when dir is NULL (no thumbnails) or the thread cannot start (warned). */
struct thumbs *thumbs_start(const char *dir);
/* data/size: the image's bytes, or data NULL and path: read the file. */
void thumbs_add(struct thumbs *t, const char *sha256, const void *data, size_t size,
		const char *path, const char *mime);
/* The same for bytes that do not outlive the call (an entry read from a zip
 * archive): they are copied when the image is queued (once per sha256). */
void thumbs_add_copy(struct thumbs *t, const char *sha256, const void *data, size_t size,
		     const char *mime);
void thumbs_finish(struct thumbs *t);

#endif
