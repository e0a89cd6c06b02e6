/*
 * xalloc.h: allocation wrappers that abort on out-of-memory.
 *
 * Running out of memory is not an error steval can recover from, so these
 * never return NULL: they print a message and abort(). Everything they
 * return is owned by the caller and released with free().
 */
#ifndef STEVAL_XALLOC_H
#define STEVAL_XALLOC_H

#include "lib/common.h"

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);      /* copies at most n bytes, adds NUL */
void *xmemdup(const void *p, size_t n);       /* n bytes plus a NUL byte */
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Multiply with overflow check (aborts on overflow). */
size_t st_mult(size_t a, size_t b);
size_t st_add(size_t a, size_t b);

/*
 * ALLOC_GROW(x, nr, alloc): make room for at least nr elements in the array
 * x whose capacity is alloc (both updated in place).
 */
#define ALLOC_GROW(x, nr, alloc) \
	do { \
		if ((size_t)(nr) > (size_t)(alloc)) { \
			size_t alloc_grow_n_ = ((size_t)(alloc) + 16) * 3 / 2; \
			if (alloc_grow_n_ < (size_t)(nr)) \
				alloc_grow_n_ = (size_t)(nr); \
			(x) = xrealloc((x), st_mult(alloc_grow_n_, sizeof(*(x)))); \
			(alloc) = alloc_grow_n_; \
		} \
	} while (0)

#endif
