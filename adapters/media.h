/*
 * media.h: image and video payloads for requests — base64, MIME types, and
 * a cache of encoded files shared by the items that use them.
 *
 * Requests embed media as base64 of the file's bytes, never re-encoded: a
 * JPEG frame from the frame cache or a Set-of-Mark PNG goes out exactly as
 * stored. struct media_cache keeps each encoded file once (keyed by path),
 * counts who holds it, and drops unheld entries when the total crosses its
 * byte cap, so memory stays bounded whatever the suite's size.
 *
 * Ownership: the cache owns its entries; media_get() returns a held entry
 * the caller gives back with media_put(). Strings inside an entry stay
 * valid while it is held.
 */
#ifndef STEVAL_MEDIA_H
#define STEVAL_MEDIA_H

#include "lib/common.h"

struct buf;

/* The MIME type of an image or video from its first bytes (then the
 * file name's extension); NULL when unknown. */
const char *media_sniff(const void *data, size_t n, const char *name);

struct media_entry {
	char *path;
	char *b64;
	size_t b64_len;
	size_t size;               /* bytes of the file */
	const char *mime;          /* static string */
	char sha256[65];           /* of the file's bytes */
	long refs;
	struct media_entry *next;  /* hash chain */
};

struct media_cache {
	struct media_entry **tab;
	size_t cap;                /* buckets */
	size_t n;
	size_t bytes;              /* base64 bytes held */
	size_t max_bytes;          /* unheld entries are dropped above this */
	size_t hits, misses;
};

void media_cache_init(struct media_cache *c, size_t max_bytes);
void media_cache_release(struct media_cache *c);
/* Read, sniff and encode the file (once); errors name the file. */
int media_get(struct media_cache *c, const char *path, struct media_entry **out);
/* The same for bytes in memory (an image embedded in the suite's data):
 * key names the entry (not a file: use a form no path has, "blob:SHA256"),
 * data[0..n) is encoded once, mime and sha256 are the caller's. */
int media_get_bytes(struct media_cache *c, const char *key, const void *data, size_t n,
		    const char *mime, const char *sha256, struct media_entry **out);
void media_put(struct media_cache *c, struct media_entry *e);

/* Video facts some prompts print, read from the container (no decoding). */
struct render_media;
int media_probe(const char *path, struct render_media *out);

#endif
