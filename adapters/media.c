#include "lib/common.h"
#include "adapters/media.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <strings.h>

const char *media_sniff(const void *data, size_t n, const char *name)
{
	const unsigned char *p = data;
	const char *dot = name ? strrchr(name, '.') : NULL;

	if (n >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
		return "image/jpeg";
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "image/webp";
	if (n >= 12 && !memcmp(p + 4, "ftyp", 4)) {
		if (!memcmp(p + 8, "qt  ", 4))
			return "video/quicktime";
		return "video/mp4";
	}
	if (n >= 4 && !memcmp(p, "\x1a\x45\xdf\xa3", 4))
		return "video/webm";
	if (dot) {
		if (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"))
			return "image/jpeg";
		if (!strcasecmp(dot, ".png"))
			return "image/png";
		if (!strcasecmp(dot, ".webp"))
			return "image/webp";
		if (!strcasecmp(dot, ".mp4") || !strcasecmp(dot, ".m4v"))
			return "video/mp4";
		if (!strcasecmp(dot, ".mov"))
			return "video/quicktime";
		if (!strcasecmp(dot, ".webm"))
			return "video/webm";
		if (!strcasecmp(dot, ".avi"))
			return "video/avi";
	}
	return NULL;
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

void media_cache_init(struct media_cache *c, size_t max_bytes)
{
	memset(c, 0, sizeof(*c));
	c->cap = 256;
	c->tab = xcalloc(c->cap, sizeof(*c->tab));
	c->max_bytes = max_bytes;
}

static void entry_free(struct media_entry *e)
{
	free(e->path);
	free(e->b64);
	free(e);
}

void media_cache_release(struct media_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap && c->tab; i++) {
		struct media_entry *e = c->tab[i], *n;
		for (; e; e = n) {
			n = e->next;
			entry_free(e);
		}
	}
	free(c->tab);
	memset(c, 0, sizeof(*c));
}

/* drop unheld entries while over the cap */
static void trim(struct media_cache *c)
{
	size_t i;

	for (i = 0; i < c->cap && c->bytes > c->max_bytes; i++) {
		struct media_entry **pp = &c->tab[i];
		while (*pp && c->bytes > c->max_bytes) {
			struct media_entry *e = *pp;
			if (e->refs > 0) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			c->bytes -= e->b64_len;
			c->n--;
			entry_free(e);
		}
	}
}

static void grow(struct media_cache *c)
{
	size_t ncap = c->cap * 2, i;
	struct media_entry **nt = xcalloc(ncap, sizeof(*nt));

	for (i = 0; i < c->cap; i++) {
		struct media_entry *e = c->tab[i], *n;
		for (; e; e = n) {
			size_t h = hash(e->path) & (ncap - 1);
			n = e->next;
			e->next = nt[h];
			nt[h] = e;
		}
	}
	free(c->tab);
	c->tab = nt;
	c->cap = ncap;
}

/* A held entry for key, or NULL. */
static struct media_entry *lookup(struct media_cache *c, const char *key)
{
	struct media_entry *e;

	for (e = c->tab[hash(key) & (c->cap - 1)]; e; e = e->next)
		if (!strcmp(e->path, key)) {
			e->refs++;
			c->hits++;
			return e;
		}
	return NULL;
}

/* Hold a new entry (one reference) in the cache, then trim what is unheld. */
static struct media_entry *insert(struct media_cache *c, struct media_entry *e)
{
	size_t h = hash(e->path) & (c->cap - 1);

	e->refs = 1;
	e->next = c->tab[h];
	c->tab[h] = e;
	c->n++;
	c->bytes += e->b64_len;
	if (c->n > c->cap)
		grow(c);
	trim(c);
	return e;
}

int media_get_bytes(struct media_cache *c, const char *key, const void *data, size_t n,
		    const char *mime, const char *sha256, struct media_entry **out)
{
	struct buf enc = BUF_INIT_MAX((size_t)3 << 30);
	struct media_entry *e;

	if ((*out = lookup(c, key)))
		return 0;
	c->misses++;
	if (b64_encode(n ? data : "", n, &enc) < 0) {
		buf_release(&enc);
		return error("'%s': too large to send", key);
	}
	e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(key);
	e->size = n;
	e->mime = mime;
	memcpy(e->sha256, sha256, 64);
	e->sha256[64] = '\0';
	e->b64 = buf_detach(&enc, &e->b64_len);
	*out = insert(c, e);
	return 0;
}

int media_get(struct media_cache *c, const char *path, struct media_entry **out)
{
	struct media_entry *e;
	struct buf raw = BUF_INIT_MAX((size_t)2 << 30), enc = BUF_INIT_MAX((size_t)3 << 30);
	const char *mime;

	if ((*out = lookup(c, path)))
		return 0;
	c->misses++;
	if (read_file(path, &raw) < 0) {
		buf_release(&raw);
		return -1;
	}
	mime = media_sniff(raw.data, raw.len, path);
	if (!mime) {
		buf_release(&raw);
		return error("'%s': not an image or video this build knows (JPEG, PNG, GIF, WebP, "
			     "MP4, MOV, WebM)", path);
	}
	if (b64_encode(raw.data ? raw.data : "", raw.len, &enc) < 0) {
		buf_release(&raw);
		buf_release(&enc);
		return error("'%s': too large to send", path);
	}
	e = xcalloc(1, sizeof(*e));
	e->path = xstrdup(path);
	e->size = raw.len;
	e->mime = mime;
	sha256_hex(raw.data ? raw.data : "", raw.len, e->sha256);
	e->b64 = buf_detach(&enc, &e->b64_len);
	buf_release(&raw);
	*out = insert(c, e);
	return 0;
}

void media_put(struct media_cache *c, struct media_entry *e)
{
	if (!e)
		return;
	if (e->refs > 0)
		e->refs--;
	if (!e->refs && c->bytes > c->max_bytes)
		trim(c);
}
