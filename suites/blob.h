/*
 * blob.h: images embedded in a suite's source files, stored once per
 * content.
 *
 * A Parquet source may hold its images as bytes: a binary column (MMSI-Bench:
 * list<binary> of JPEGs), a Hugging Face Image struct {bytes, path}, or a
 * list of those (SAT). The reader hands each image's bytes to the loader
 * (reader_read_images()), which keeps them here, keyed by their sha256; the
 * record itself carries the image as {"bytes": "<N bytes, sha256 HEX>", ...}
 * (lib/image.h), and the item's images point to the blob (struct
 * item_image in suite.h). The same bytes in several rows are kept once.
 *
 * Other sources can add images the same way: read the bytes (a file inside
 * a zip, say), blob_put() them, and give the item a struct item_image whose
 * blob is the result.
 *
 * Ownership: the store owns every blob and its bytes; a const struct blob *
 * stays valid until blob_store_release() (suite_release() calls it).
 */
#ifndef STEVAL_BLOB_H
#define STEVAL_BLOB_H

#include "lib/common.h"

struct blob {
	char sha256[65];          /* of the bytes: the blob's name */
	const char *mime;         /* "image/jpeg", "image/png", ...; "application/octet-stream" */
	size_t size;
	unsigned char *data;
};

struct blob_store {
	struct blob **slot;       /* open addressing by hash prefix */
	size_t cap, n;
	size_t bytes;             /* sum of the sizes */
};

void blob_store_init(struct blob_store *bs);
void blob_store_release(struct blob_store *bs);
/* Keep a copy of data[0..size) (none when the same bytes are kept already).
 * sha256 may be NULL (then it is computed). Returns the stored blob. */
const struct blob *blob_put(struct blob_store *bs, const void *data, size_t size,
			    const char *sha256);
/* The blob with this sha256 (64 lower-case hex digits), or NULL. */
const struct blob *blob_get(const struct blob_store *bs, const char *sha256);

#endif
