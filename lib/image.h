/*
 * image.h: image bytes as steval names them, without decoding them.
 *
 * Suites that embed their images in the data (MMSI-Bench's list<binary>,
 * SAT's list of Hugging Face Image structs) hand steval the bytes only; the
 * Parquet reader, the loaders and `steval cat` use these helpers to tell an
 * image from other binary data and to print one without its bytes:
 *
 *   "<23145 bytes, sha256 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b>"
 *
 * The summary carries the full sha256 of the bytes, so it names the content:
 * a loader finds the bytes again by it (suites/blob.h), and images are
 * content-addressed like video frames (run directories, thumbnails).
 */
#ifndef STEVAL_IMAGE_H
#define STEVAL_IMAGE_H

#include "lib/common.h"

struct buf;

/* The MIME type from the first bytes (JPEG, PNG, GIF, WebP, BMP, TIFF);
 * NULL when the bytes are none of them. Static strings. */
const char *image_mime(const void *data, size_t n);
/* Append "<N bytes, sha256 HEX>" to out. */
void image_summary(size_t n, const char *sha256, struct buf *out);
/* Parse a summary: 0 with the byte count and the hash (65 bytes with the
 * NUL), -1 when s is not one. */
int image_summary_parse(const char *s, size_t *n, char sha256[65]);

#endif
