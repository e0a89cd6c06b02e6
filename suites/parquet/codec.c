/*
 * codec.c: page decompression with the libraries Debian ships.
 *
 * The page header says how large a page is after decompression; that is a
 * claim from the file, so it is checked before anything is allocated:
 * no page may exceed PQ_MAX_PAGE, block codecs (SNAPPY, LZ4) cannot expand
 * beyond a fixed ratio, and the stream codecs (GZIP, ZSTD, BROTLI) grow
 * their output as data actually comes out. The result must be exactly the
 * size the header gives.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/xalloc.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

/* Make room for at least n bytes (the contents need not be kept). */
static void reserve(uint8_t **dst, size_t *cap, size_t n)
{
	if (n <= *cap && *dst)
		return;
	free(*dst);
	*dst = xmalloc(n ? n : 1);
	*cap = n ? n : 1;
}

/* Grow a partly filled output buffer (contents kept), at most to limit. */
static void grow(uint8_t **dst, size_t *cap, size_t limit)
{
	size_t n = *cap * 2;

	if (n < 65536)
		n = 65536;
	if (n > limit)
		n = limit;
	*dst = xrealloc(*dst, n ? n : 1);
	*cap = n;
}

/* A first output size for a stream codec: the claim, unless the claim is
 * large compared with the input. */
static size_t first_size(size_t n, size_t limit)
{
	size_t guess = n * 8 + 65536;   /* n < 2 GiB */
	return limit < guess ? limit : guess;
}

static int gunzip(const uint8_t *src, size_t n, uint8_t **dst, size_t *cap, size_t want,
		  const char **why)
{
	size_t limit = want + 1, out = 0;   /* one spare byte tells "too long" */
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK) {
		*why = "cannot start zlib";
		return -1;
	}
	reserve(dst, cap, first_size(n, limit));
	z.next_in = (Bytef *)(uintptr_t)src;
	z.avail_in = (uInt)n;   /* n < 2 GiB: a page size is an int32 */
	for (;;) {
		if (out == *cap) {
			if (*cap >= limit)
				break;
			grow(dst, cap, limit);
		}
		z.next_out = *dst + out;
		z.avail_out = (uInt)(*cap - out);
		rc = inflate(&z, Z_NO_FLUSH);
		out = (size_t)(z.next_out - *dst);
		if (rc == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			/* concatenated gzip members continue the page */
			if (inflateReset(&z) != Z_OK)
				break;
			continue;
		}
		if (rc == Z_OK || (rc == Z_BUF_ERROR && z.avail_out == 0))
			continue;
		inflateEnd(&z);
		*why = rc == Z_BUF_ERROR ? "truncated GZIP data" : "corrupt GZIP data";
		return -1;
	}
	inflateEnd(&z);
	if (out != want) {
		*why = out > want ? "the page decompresses to more bytes than its header says"
				  : "the page decompresses to fewer bytes than its header says";
		return -1;
	}
	return 0;
}

static int unzstd(const uint8_t *src, size_t n, uint8_t **dst, size_t *cap, size_t want,
		  const char **why)
{
	size_t limit = want + 1, rc;
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer in = { src, n, 0 };
	ZSTD_outBuffer ob;

	if (!z) {
		*why = "cannot start zstd";
		return -1;
	}
	ZSTD_initDStream(z);
	ZSTD_DCtx_setParameter(z, ZSTD_d_windowLogMax, 30);
	reserve(dst, cap, first_size(n, limit));
	ob.dst = *dst;
	ob.size = *cap;
	ob.pos = 0;
	for (;;) {
		if (ob.pos == ob.size) {
			if (ob.size >= limit)
				break;
			grow(dst, cap, limit);
			ob.dst = *dst;
			ob.size = *cap;
		}
		rc = ZSTD_decompressStream(z, &ob, &in);
		if (ZSTD_isError(rc)) {
			ZSTD_freeDStream(z);
			*why = "corrupt ZSTD data";
			return -1;
		}
		if (in.pos == in.size && ob.pos < ob.size) {
			if (rc != 0) {
				ZSTD_freeDStream(z);
				*why = "truncated ZSTD data";
				return -1;
			}
			break;
		}
	}
	ZSTD_freeDStream(z);
	if (ob.pos != want) {
		*why = ob.pos > want ? "the page decompresses to more bytes than its header says"
				     : "the page decompresses to fewer bytes than its header says";
		return -1;
	}
	return 0;
}

static int unbrotli(const uint8_t *src, size_t n, uint8_t **dst, size_t *cap, size_t want,
		    const char **why)
{
	size_t limit = want + 1, avail_in = n, out = 0, avail_out;
	BrotliDecoderState *s = BrotliDecoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = src;
	uint8_t *next_out;
	BrotliDecoderResult rc;

	if (!s) {
		*why = "cannot start brotli";
		return -1;
	}
	reserve(dst, cap, first_size(n, limit));
	for (;;) {
		next_out = *dst + out;
		avail_out = *cap - out;
		rc = BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out,
						   NULL);
		out = (size_t)(next_out - *dst);
		if (rc == BROTLI_DECODER_RESULT_SUCCESS)
			break;
		if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) {
			if (*cap >= limit)
				break;
			grow(dst, cap, limit);
			continue;
		}
		BrotliDecoderDestroyInstance(s);
		*why = rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ? "truncated BROTLI data"
								     : "corrupt BROTLI data";
		return -1;
	}
	BrotliDecoderDestroyInstance(s);
	if (out != want) {
		*why = out > want ? "the page decompresses to more bytes than its header says"
				  : "the page decompresses to fewer bytes than its header says";
		return -1;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop's framing: blocks of [be32 raw size][be32 compressed size][data]. */
static int lz4_hadoop(const uint8_t *src, size_t n, uint8_t *dst, size_t want)
{
	size_t in = 0, out = 0;

	while (in < n) {
		uint32_t raw, comp;
		int got;
		if (n - in < 8)
			return -1;
		raw = be32(src + in);
		comp = be32(src + in + 4);
		in += 8;
		if (comp > n - in || raw > want - out || comp > INT32_MAX || raw > INT32_MAX)
			return -1;
		got = LZ4_decompress_safe((const char *)src + in, (char *)dst + out, (int)comp,
					  (int)raw);
		if (got < 0 || (uint32_t)got != raw)
			return -1;
		in += comp;
		out += raw;
	}
	return out == want ? 0 : -1;
}

static int lz4_frame(const uint8_t *src, size_t n, uint8_t *dst, size_t want)
{
	LZ4F_dctx *ctx;
	size_t in = 0, out = 0, rc = 1;

	if (n < 4 || src[0] != 0x04 || src[1] != 0x22 || src[2] != 0x4D || src[3] != 0x18)
		return -1;
	if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
		return -1;
	while (in < n) {
		size_t isz = n - in, osz = want - out;
		rc = LZ4F_decompress(ctx, dst + out, &osz, src + in, &isz, NULL);
		if (LZ4F_isError(rc) || (isz == 0 && osz == 0))
			break;
		in += isz;
		out += osz;
		if (rc == 0 && in < n)
			LZ4F_resetDecompressionContext(ctx);
	}
	LZ4F_freeDecompressionContext(ctx);
	return !LZ4F_isError(rc) && rc == 0 && in == n && out == want ? 0 : -1;
}

int pq_decompress(int codec, const uint8_t *src, size_t n, uint8_t **dst, size_t *cap,
		  size_t want, const char **why)
{
	size_t len;

	if (want > PQ_MAX_PAGE) {
		*why = "page larger than 1 GiB";
		return -1;
	}
	switch (codec) {
	case PQ_CODEC_UNCOMPRESSED:
		if (n != want) {
			*why = "uncompressed page size differs from its stored size";
			return -1;
		}
		reserve(dst, cap, want);
		if (n)
			memcpy(*dst, src, n);
		return 0;
	case PQ_CODEC_SNAPPY:
		/* a snappy element of 2-3 bytes expands to at most 64 */
		if (want > n * 32 + 64) {
			*why = "page header claims a size SNAPPY data cannot reach";
			return -1;
		}
		reserve(dst, cap, want);
		if (want == 0 && n == 0)
			return 0;   /* an empty page, nothing stored */
		if (snappy_uncompressed_length((const char *)src, n, &len) != SNAPPY_OK) {
			*why = "corrupt SNAPPY data";
			return -1;
		}
		if (len != want) {
			*why = "the page decompresses to a size other than its header says";
			return -1;
		}
		if (snappy_uncompress((const char *)src, n, (char *)*dst, &len) != SNAPPY_OK ||
		    len != want) {
			*why = "corrupt SNAPPY data";
			return -1;
		}
		return 0;
	case PQ_CODEC_GZIP:
		if (want == 0 && n == 0)
			return reserve(dst, cap, 0), 0;
		return gunzip(src, n, dst, cap, want, why);
	case PQ_CODEC_ZSTD:
		if (want == 0 && n == 0)
			return reserve(dst, cap, 0), 0;
		return unzstd(src, n, dst, cap, want, why);
	case PQ_CODEC_BROTLI:
		if (want == 0 && n == 0)
			return reserve(dst, cap, 0), 0;
		return unbrotli(src, n, dst, cap, want, why);
	case PQ_CODEC_LZ4_RAW:
	case PQ_CODEC_LZ4: {
		int got;
		/* an LZ4 sequence expands at most ~255 times */
		if (want > n * 255 + 64) {
			*why = "page header claims a size LZ4 data cannot reach";
			return -1;
		}
		reserve(dst, cap, want);
		if (want == 0 && n == 0)
			return 0;
		if (codec == PQ_CODEC_LZ4) {
			/* Hadoop framing first, then the LZ4 frame format, then a
			 * raw block (what older Arrow wrote) */
			if (lz4_hadoop(src, n, *dst, want) == 0 || lz4_frame(src, n, *dst, want) == 0)
				return 0;
		}
		if (n > INT32_MAX || want > INT32_MAX) {
			*why = "LZ4 page too large";
			return -1;
		}
		got = LZ4_decompress_safe((const char *)src, (char *)*dst, (int)n, (int)want);
		if (got < 0 || (size_t)got != want) {
			*why = codec == PQ_CODEC_LZ4 ? "corrupt LZ4 data (tried Hadoop framing, "
						       "LZ4 frame and raw block)"
						     : "corrupt LZ4_RAW data";
			return -1;
		}
		return 0;
	}
	case PQ_CODEC_LZO:
		*why = "LZO compression is not supported";
		return -1;
	default:
		*why = "unknown compression codec";
		return -1;
	}
}
