#include "lib/common.h"
#include "suites/blob.h"
#include "lib/image.h"
#include "lib/util.h"
#include "lib/xalloc.h"

void blob_store_init(struct blob_store *bs)
{
	memset(bs, 0, sizeof(*bs));
}

void blob_store_release(struct blob_store *bs)
{
	size_t i;

	for (i = 0; i < bs->cap; i++)
		if (bs->slot[i]) {
			free(bs->slot[i]->data);
			free(bs->slot[i]);
		}
	free(bs->slot);
	memset(bs, 0, sizeof(*bs));
}

static size_t slot_of(const char *sha256, size_t cap)
{
	size_t h = 0;
	int i;

	for (i = 0; i < 16; i++) {
		char c = sha256[i];
		h = h * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
	}
	return h & (cap - 1);
}

static void grow(struct blob_store *bs)
{
	struct blob **old = bs->slot;
	size_t ocap = bs->cap, i, k;

	bs->cap = ocap ? ocap * 2 : 64;
	bs->slot = xcalloc(bs->cap, sizeof(*bs->slot));
	for (i = 0; i < ocap; i++) {
		if (!old[i])
			continue;
		for (k = slot_of(old[i]->sha256, bs->cap); bs->slot[k]; k = (k + 1) & (bs->cap - 1))
			;
		bs->slot[k] = old[i];
	}
	free(old);
}

const struct blob *blob_get(const struct blob_store *bs, const char *sha256)
{
	size_t k;

	if (!bs->cap || !sha256 || strlen(sha256) != 64)
		return NULL;
	for (k = slot_of(sha256, bs->cap); bs->slot[k]; k = (k + 1) & (bs->cap - 1))
		if (!strcmp(bs->slot[k]->sha256, sha256))
			return bs->slot[k];
	return NULL;
}

const struct blob *blob_put(struct blob_store *bs, const void *data, size_t size,
			    const char *sha256)
{
	char hex[65];
	const struct blob *old;
	struct blob *b;
	const char *mime;
	size_t k;

	if (!sha256) {
		sha256_hex(data, size, hex);
		sha256 = hex;
	}
	if ((old = blob_get(bs, sha256)))
		return old;
	if ((bs->n + 1) * 2 > bs->cap)
		grow(bs);
	b = xcalloc(1, sizeof(*b));
	memcpy(b->sha256, sha256, 64);
	b->sha256[64] = '\0';
	mime = image_mime(data, size);
	b->mime = mime ? mime : "application/octet-stream";
	b->size = size;
	b->data = xmalloc(size ? size : 1);
	if (size)
		memcpy(b->data, data, size);
	for (k = slot_of(b->sha256, bs->cap); bs->slot[k]; k = (k + 1) & (bs->cap - 1))
		;
	bs->slot[k] = b;
	bs->n++;
	bs->bytes += size;
	return b;
}
