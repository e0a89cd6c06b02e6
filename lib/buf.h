/*
 * buf.h: the one growable byte buffer, with a hard size cap.
 *
 * struct buf holds bytes that are always NUL-terminated once anything has
 * been added (buf_cstr() is valid on an empty buffer too). Every buffer has
 * a maximum size chosen by its owner: an add that would cross it fails with
 * -1, leaves the contents as they were, and sets the sticky `overflow` flag,
 * so a caller may do many adds and check once at the end. Allocation failure
 * aborts (see xalloc.h), so the cap is the only way an add can fail.
 *
 * Ownership: the struct owns `data`. buf_release() frees it and leaves the
 * buffer empty and reusable; buf_detach() hands the bytes to the caller.
 */
#ifndef STEVAL_BUF_H
#define STEVAL_BUF_H

#include "lib/common.h"

struct buf {
	char *data;       /* NULL until the first add */
	size_t len;       /* bytes in use, not counting the trailing NUL */
	size_t cap;       /* bytes allocated */
	size_t max;       /* largest len allowed */
	int overflow;     /* set when an add was refused for crossing max */
};

#define BUF_MAX_DEFAULT ((size_t)256 << 20)   /* 256 MiB */
#define BUF_INIT { NULL, 0, 0, BUF_MAX_DEFAULT, 0 }
#define BUF_INIT_MAX(m) { NULL, 0, 0, (m), 0 }

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);                 /* len = 0, keeps memory */
void buf_truncate(struct buf *b, size_t len);  /* len must be <= b->len */
int buf_grow(struct buf *b, size_t extra);     /* room for `extra` more bytes */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_addch(struct buf *b, int c);
int buf_addf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vaddf(struct buf *b, const char *fmt, va_list ap);
int buf_addbuf(struct buf *b, const struct buf *src);
const char *buf_cstr(const struct buf *b);     /* never NULL */
char *buf_detach(struct buf *b, size_t *len);  /* caller frees; b is reset */
int buf_equals(const struct buf *b, const char *s);

/*
 * Borrowed spans of a buffer: bytes that belong at offset `at` of a struct
 * buf's contents but stay where they are (a large base64 payload shared by
 * many requests). The logical bytes are the buffer's with each span
 * inserted at its offset, spans in order of `at`. The spans point into
 * memory their owner keeps alive; struct bufrefs owns only its array.
 */
struct bufref {
	size_t at;
	const char *data;
	size_t len;
};
struct bufrefs {
	struct bufref *v;
	size_t n, alloc;
	size_t bytes;     /* sum of the spans' lengths */
};
void bufrefs_add(struct bufrefs *r, size_t at, const char *data, size_t len);
void bufrefs_release(struct bufrefs *r);
/* The logical bytes of b with the spans of r (may be NULL) appended to out. */
void bufrefs_flatten(const struct buf *b, const struct bufrefs *r, struct buf *out);

#endif
