/*
 * libFuzzer target: the page-level decoders on their own. The first byte
 * picks the decoder, the next few its parameters, the rest is the data:
 *
 *   0  PageHeader (Thrift compact)        3  DELTA_BINARY_PACKED
 *   1  decompression (codec, claimed size) 4  a value decoder of any encoding
 *   2  RLE/bit-packed hybrid (bit width)     and physical type, with a PLAIN
 *                                            dictionary cut from the data
 *
 * fuzz-sources: suites/parquet/*.c lib/image.c lib/buf.c lib/json.c lib/log.c lib/pystr.c lib/pycase.c lib/util.c lib/sha256.c lib/xalloc.c
 * fuzz-seeds: ../shared/data/parquet .parquet
 */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "suites/parquet/parquet_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf log = BUF_INIT_MAX(1 << 16);
	const char *why = NULL;
	const uint8_t *p;
	size_t n, i;

	buf_reset(&log);
	log_capture(&log);
	if (size < 4)
		return 0;
	p = data + 4;
	n = size - 4;
	switch (data[0] % 5) {
	case 0: {
		struct pq_page_header h;
		size_t used;
		pq_parse_page_header(p, n, &h, &used, &why);
		break;
	}
	case 1: {
		uint8_t *dst = NULL;
		size_t cap = 0, want = ((size_t)data[2] << 8 | data[3]) * (data[1] & 0x80 ? 64 : 1);
		pq_decompress(data[1] % 8, p, n, &dst, &cap, want, &why);
		free(dst);
		break;
	}
	case 2: {
		struct pq_rle r;
		uint32_t out[PQ_BATCH];
		pq_rle_init(&r, p, n, data[1] % 33);
		for (i = 0; i < 64 && pq_rle_get(&r, out, 1 + data[2] % PQ_BATCH, &why) == 0; i++)
			;
		break;
	}
	case 3: {
		struct pq_dbp d;
		const uint8_t *end;
		int64_t out[256];
		if (pq_dbp_init(&d, p, n, &why) == 0) {
			if (data[1] & 1)
				pq_dbp_end(&d, &end, &why);
			for (i = 0; i < 64 && pq_dbp_get(&d, out, 1 + data[2] % 256, &why) == 0; i++)
				;
		}
		break;
	}
	default: {
		static const int encs[] = { 0, 2, 3, 5, 6, 7, 8, 9, 1, 4 };
		struct pq_valdec vd;
		struct pq_val dict[64], vals[PQ_BATCH];
		int physical = data[2] % 8;
		int32_t width = physical == PQ_FIXED_LEN_BYTE_ARRAY ? data[3] % 20 : 0;
		size_t dn = n / 2, nd = data[3] % 64;
		if (physical == PQ_INT96)
			width = 12;
		if (pq_plain_dict(physical, width, p, dn, nd, dict, &why) < 0)
			nd = 0;
		pq_valdec_init(&vd);
		if (pq_valdec_start(&vd, encs[data[1] % 10], physical, width, p + dn, n - dn,
				    dict, nd, &why) == 0)
			for (i = 0; i < 16 && pq_valdec_get(&vd, vals, 1 + (data[1] >> 4) * 64,
							  &why) == 0; i++)
				;
		pq_valdec_release(&vd);
		break;
	}
	}
	return 0;
}
