#include "lib/common.h"
#include "lib/buf.h"
#include "lib/xalloc.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->overflow = 0;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->overflow = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->overflow = 0;
	if (b->data)
		b->data[0] = '\0';
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = '\0';
	}
}

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;

	if (extra > b->max || b->len > b->max - extra) {
		b->overflow = 1;
		return -1;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	if (!b->cap)
		b->data[0] = '\0';
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_addch(struct buf *b, int c)
{
	char ch = (char)c;
	return buf_add(b, &ch, 1);
}

/* Formatted once, into the room already there, when it fits (most adds);
 * else measured, grown and formatted again. */
int buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	size_t room = b->data ? b->cap - b->len : 0;   /* with the NUL's byte */
	va_list cp;
	int n;

	va_copy(cp, ap);
	n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		if (room)
			b->data[b->len] = '\0';
		return -1;
	}
	if ((size_t)n < room) {
		if ((size_t)n > b->max || b->len > b->max - (size_t)n) {
			b->data[b->len] = '\0';   /* as it was */
			b->overflow = 1;
			return -1;
		}
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) < 0) {
		if (room)
			b->data[b->len] = '\0';
		return -1;
	}
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

int buf_addbuf(struct buf *b, const struct buf *src)
{
	return buf_add(b, buf_cstr(src), src->len);
}

const char *buf_cstr(const struct buf *b)
{
	return b->data ? b->data : "";
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data ? b->data : xstrdup("");

	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->overflow = 0;
	return p;
}

int buf_equals(const struct buf *b, const char *s)
{
	size_t n = strlen(s);
	return b->len == n && !memcmp(buf_cstr(b), s, n);
}

void bufrefs_add(struct bufrefs *r, size_t at, const char *data, size_t len)
{
	ALLOC_GROW(r->v, r->n + 1, r->alloc);
	r->v[r->n].at = at;
	r->v[r->n].data = data;
	r->v[r->n].len = len;
	r->n++;
	r->bytes += len;
}

void bufrefs_release(struct bufrefs *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}

void bufrefs_flatten(const struct buf *b, const struct bufrefs *r, struct buf *out)
{
	size_t i, at = 0;

	for (i = 0; r && i < r->n; i++) {
		buf_add(out, b->data + at, r->v[i].at - at);
		buf_add(out, r->v[i].data, r->v[i].len);
		at = r->v[i].at;
	}
	buf_add(out, b->data ? b->data + at : "", b->len - at);
}
