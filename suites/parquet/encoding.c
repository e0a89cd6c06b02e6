/*
 * encoding.c: value and level decoders.
 *
 * Each decoder is a small state machine that hands out values in batches,
 * so a page that claims two billion values costs no more memory than one
 * that claims a thousand. Every byte read is checked against the end of
 * the data; counts from headers only bound loops over data that is there.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/xalloc.h"

/* The arena of DELTA_BYTE_ARRAY values for one batch may not grow beyond this. */
#define PQ_MAX_BATCH_BYTES ((size_t)256 << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* bw bits (LSB first) at bit offset pos of p[0..n); the caller has checked
 * that pos + bw <= 8 * n. */
static inline uint64_t bits_at(const uint8_t *p, size_t n, uint64_t pos, int bw)
{
	size_t byte = (size_t)(pos >> 3);
	int shift = (int)(pos & 7);
	uint64_t v;

	if (bw == 0)
		return 0;
	if (byte + 8 <= n) {
		v = le64(p + byte) >> shift;
		if (shift + bw > 64)
			v |= (uint64_t)p[byte + 8] << (64 - shift);
	} else {
		uint8_t tmp[16] = { 0 };
		memcpy(tmp, p + byte, n - byte);
		v = le64(tmp) >> shift;
		if (shift + bw > 64)
			v |= (uint64_t)tmp[8] << (64 - shift);
	}
	return bw == 64 ? v : v & (((uint64_t)1 << bw) - 1);
}

static int uleb(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int shift = 0;

	while (p < end) {
		uint8_t b = *p++;
		if (shift == 63 && (b & 0x7E))
			return -1;
		v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*pp = p;
			*out = v;
			return 0;
		}
		shift += 7;
		if (shift > 63)
			return -1;
	}
	return -1;
}

static int zigzag(const uint8_t **pp, const uint8_t *end, uint64_t *out)
{
	uint64_t v;

	if (uleb(pp, end, &v) < 0)
		return -1;
	*out = (v >> 1) ^ (uint64_t)-(int64_t)(v & 1);
	return 0;
}

/* ---- RLE / bit-packed hybrid ---- */

void pq_rle_init(struct pq_rle *r, const uint8_t *p, size_t n, int bw)
{
	memset(r, 0, sizeof(*r));
	r->p = p;
	r->end = p + n;
	r->bw = bw;
}

static int rle_next_run(struct pq_rle *r, const char **why)
{
	uint64_t h;

	if (r->p >= r->end) {
		*why = "the RLE data ends before all values are read";
		return -1;
	}
	if (uleb(&r->p, r->end, &h) < 0 || h > UINT32_MAX) {
		*why = "bad RLE run header";
		return -1;
	}
	if (h & 1) {
		/* bit-packed: (groups << 1) | 1 */
		uint64_t groups = h >> 1, bytes = groups * (uint64_t)r->bw;
		uint64_t avail = (uint64_t)(r->end - r->p), vals = groups * 8;
		if (bytes > avail)
			bytes = avail;   /* a short last run: use what is there */
		r->bp = r->p;
		r->bp_bit = 0;
		r->bp_bits = bytes * 8;
		if (r->bw && vals > r->bp_bits / (uint64_t)r->bw)
			vals = r->bp_bits / (uint64_t)r->bw;
		r->bp_left = (uint32_t)vals;
		r->p += bytes;
	} else {
		/* RLE: count << 1, then the value */
		size_t nb = (size_t)(r->bw + 7) / 8, i;
		uint32_t v = 0;
		if ((size_t)(r->end - r->p) < nb) {
			*why = "the RLE data ends inside a run";
			return -1;
		}
		for (i = 0; i < nb; i++)
			v |= (uint32_t)r->p[i] << (8 * i);
		r->p += nb;
		if (r->bw < 32 && (v >> r->bw)) {
			*why = "RLE run value wider than its bit width";
			return -1;
		}
		r->rle_left = (uint32_t)(h >> 1);
		r->rle_val = v;
	}
	return 0;
}

int pq_rle_get(struct pq_rle *r, uint32_t *out, size_t n, const char **why)
{
	size_t i, k;

	while (n > 0) {
		if (r->rle_left) {
			k = n < r->rle_left ? n : r->rle_left;
			for (i = 0; i < k; i++)
				out[i] = r->rle_val;
			r->rle_left -= (uint32_t)k;
		} else if (r->bp_left) {
			size_t nbytes = (size_t)(r->bp_bits / 8);
			k = n < r->bp_left ? n : r->bp_left;
			for (i = 0; i < k; i++) {
				out[i] = (uint32_t)bits_at(r->bp, nbytes, r->bp_bit, r->bw);
				r->bp_bit += (uint64_t)r->bw;
			}
			r->bp_left -= (uint32_t)k;
		} else {
			if (rle_next_run(r, why) < 0)
				return -1;
			continue;
		}
		out += k;
		n -= k;
	}
	return 0;
}

int pq_bitpacked_get(const uint8_t *p, size_t n, uint64_t *bitpos, int bw, uint32_t *out,
		     size_t count, const char **why)
{
	size_t i;
	int b;

	if ((uint64_t)n * 8 < *bitpos || ((uint64_t)n * 8 - *bitpos) / (bw ? (uint64_t)bw : 1) < count) {
		if (bw) {
			*why = "the BIT_PACKED level data ends before all levels are read";
			return -1;
		}
	}
	for (i = 0; i < count; i++) {
		uint32_t v = 0;
		for (b = 0; b < bw; b++) {
			uint64_t pos = *bitpos + (uint64_t)b;
			v = v << 1 | ((p[pos >> 3] >> (7 - (pos & 7))) & 1);
		}
		*bitpos += (uint64_t)bw;
		out[i] = v;
	}
	return 0;
}

/* ---- DELTA_BINARY_PACKED ---- */

int pq_dbp_init(struct pq_dbp *d, const uint8_t *p, size_t n, const char **why)
{
	const uint8_t *end = p + n;
	uint64_t first;

	memset(d, 0, sizeof(*d));
	if (uleb(&p, end, &d->block_size) < 0 || uleb(&p, end, &d->mb_count) < 0 ||
	    uleb(&p, end, &d->total) < 0 || zigzag(&p, end, &first) < 0) {
		*why = "truncated DELTA_BINARY_PACKED header";
		return -1;
	}
	if (d->block_size == 0 || d->block_size % 128 || d->block_size > ((uint64_t)1 << 20) ||
	    d->mb_count == 0 || d->block_size % d->mb_count ||
	    (d->block_size / d->mb_count) % 32) {
		*why = "bad DELTA_BINARY_PACKED block layout";
		return -1;
	}
	d->mb_vals = d->block_size / d->mb_count;
	d->last = first;
	d->p = p;
	d->end = end;
	return 0;
}

static int dbp_block(struct pq_dbp *d, const char **why)
{
	if (zigzag(&d->p, d->end, &d->min_delta) < 0) {
		*why = "truncated DELTA_BINARY_PACKED block";
		return -1;
	}
	if ((uint64_t)(d->end - d->p) < d->mb_count) {
		*why = "truncated DELTA_BINARY_PACKED block";
		return -1;
	}
	d->widths = d->p;
	d->p += d->mb_count;
	d->mb_index = 0;
	d->in_block = 1;
	d->mb_data = NULL;
	return 0;
}

static int dbp_miniblock(struct pq_dbp *d, const char **why)
{
	uint64_t bytes;

	d->mb_bw = d->widths[d->mb_index];
	if (d->mb_bw > 64) {
		*why = "DELTA_BINARY_PACKED bit width above 64";
		return -1;
	}
	bytes = d->mb_vals * (uint64_t)d->mb_bw / 8;
	if (bytes > (uint64_t)(d->end - d->p))
		bytes = (uint64_t)(d->end - d->p);   /* checked per value below */
	d->mb_data = d->p;
	d->p += bytes;
	d->mb_pos = 0;
	d->mb_bytes = bytes;   /* bytes of this miniblock */
	return 0;
}

int pq_dbp_get(struct pq_dbp *d, int64_t *out, size_t n, const char **why)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t delta;
		if (d->done >= d->total) {
			*why = "DELTA_BINARY_PACKED data holds fewer values than needed";
			return -1;
		}
		if (d->done == 0) {
			out[i] = (int64_t)d->last;
			d->done = 1;
			continue;
		}
		if (!d->in_block && dbp_block(d, why) < 0)
			return -1;
		if (!d->mb_data && dbp_miniblock(d, why) < 0)
			return -1;
		if ((d->mb_pos + 1) * (uint64_t)d->mb_bw > d->mb_bytes * 8) {
			*why = "DELTA_BINARY_PACKED miniblock is truncated";
			return -1;
		}
		delta = bits_at(d->mb_data, (size_t)d->mb_bytes, d->mb_pos * (uint64_t)d->mb_bw,
				d->mb_bw);
		d->last += d->min_delta + delta;
		out[i] = (int64_t)d->last;
		d->done++;
		if (++d->mb_pos == d->mb_vals) {
			d->mb_data = NULL;
			if (++d->mb_index == d->mb_count)
				d->in_block = 0;
		}
	}
	return 0;
}

int pq_dbp_end(const struct pq_dbp *d, const uint8_t **end, const char **why)
{
	const uint8_t *p = d->p;
	uint64_t left = d->total ? d->total - 1 : 0, m, dummy;

	if (d->done != 0) {
		*why = "internal: DELTA_BINARY_PACKED end asked after decoding";
		return -1;
	}
	while (left > 0) {
		const uint8_t *w;
		if (zigzag(&p, d->end, &dummy) < 0 || (uint64_t)(d->end - p) < d->mb_count) {
			*why = "truncated DELTA_BINARY_PACKED block";
			return -1;
		}
		w = p;
		p += d->mb_count;
		for (m = 0; m < d->mb_count && left > 0; m++) {
			uint64_t bytes;
			if (w[m] > 64) {
				*why = "DELTA_BINARY_PACKED bit width above 64";
				return -1;
			}
			bytes = d->mb_vals * w[m] / 8;
			if (bytes > (uint64_t)(d->end - p)) {
				*why = "truncated DELTA_BINARY_PACKED miniblock";
				return -1;
			}
			p += bytes;
			left -= left < d->mb_vals ? left : d->mb_vals;
		}
	}
	*end = p;
	return 0;
}

/* ---- PLAIN ---- */

static int fixed_width(int physical, int32_t width)
{
	switch (physical) {
	case PQ_INT32:
	case PQ_FLOAT: return 4;
	case PQ_INT64:
	case PQ_DOUBLE: return 8;
	case PQ_INT96: return 12;
	case PQ_FIXED_LEN_BYTE_ARRAY: return (int)width;
	default: return 0;
	}
}

static int plain_get(struct pq_valdec *d, struct pq_val *out, size_t n, const char **why)
{
	size_t i, left = (size_t)(d->end - d->p);
	int w;

	switch (d->physical) {
	case PQ_BOOLEAN:
		if (((uint64_t)left * 8 - d->bitpos) < n) {
			*why = "PLAIN booleans end before all values are read";
			return -1;
		}
		for (i = 0; i < n; i++) {
			out[i].u.i32 = (d->p[d->bitpos >> 3] >> (d->bitpos & 7)) & 1;
			d->bitpos++;
		}
		return 0;
	case PQ_BYTE_ARRAY:
		for (i = 0; i < n; i++) {
			uint32_t len;
			if (left < 4) {
				*why = "PLAIN byte arrays end before all values are read";
				return -1;
			}
			len = le32(d->p);
			if (len > left - 4) {
				*why = "PLAIN byte array longer than the page";
				return -1;
			}
			out[i].u.ptr = d->p + 4;
			out[i].len = len;
			d->p += 4 + (size_t)len;
			left -= 4 + (size_t)len;
		}
		return 0;
	default:
		break;
	}
	w = fixed_width(d->physical, d->width);
	if (w == 0 && d->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
		for (i = 0; i < n; i++) {
			out[i].u.ptr = d->p;
			out[i].len = 0;
		}
		return 0;
	}
	if (w <= 0 || left / (size_t)w < n) {
		*why = "PLAIN values end before all values are read";
		return -1;
	}
	for (i = 0; i < n; i++, d->p += w) {
		switch (d->physical) {
		case PQ_INT32:
		case PQ_FLOAT:
			memcpy(&out[i].u.i32, d->p, 4);
			break;
		case PQ_INT64:
		case PQ_DOUBLE:
			memcpy(&out[i].u.i64, d->p, 8);
			break;
		default:
			out[i].u.ptr = d->p;
			out[i].len = (uint32_t)w;
		}
	}
	return 0;
}

int pq_plain_dict(int physical, int32_t width, const uint8_t *p, size_t n, size_t count,
		  struct pq_val *out, const char **why)
{
	struct pq_valdec d;
	int rc;

	memset(&d, 0, sizeof(d));
	d.physical = physical;
	d.width = width;
	d.p = p;
	d.end = p + n;
	rc = plain_get(&d, out, count, why);
	return rc;
}

/* ---- the page value decoder ---- */

void pq_valdec_init(struct pq_valdec *d)
{
	memset(d, 0, sizeof(*d));
	d->batch = PQ_BATCH;
}

void pq_valdec_release(struct pq_valdec *d)
{
	size_t batch = d->batch;

	free(d->idx);
	free(d->tmp1);
	free(d->tmp2);
	free(d->prev);
	free(d->arena);
	pq_valdec_init(d);
	d->batch = batch;
}

int pq_valdec_start(struct pq_valdec *d, int enc, int physical, int32_t width,
		    const uint8_t *p, size_t n, const struct pq_val *dict, size_t ndict,
		    const char **why)
{
	const uint8_t *e1, *e2;
	int w;

	d->enc = enc;
	d->physical = physical;
	d->width = width;
	d->p = p;
	d->end = p + n;
	d->bitpos = 0;
	d->prev_len = 0;
	d->bss_i = 0;
	switch (enc) {
	case PQ_ENC_PLAIN:
		return 0;
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		if (!dict) {
			*why = "dictionary-encoded page without a dictionary page";
			return -1;
		}
		d->dict = dict;
		d->ndict = ndict;
		if (!d->idx)
			d->idx = xmalloc(d->batch * sizeof(*d->idx));
		if (n == 0) {
			/* no values at all (an all-null page) */
			pq_rle_init(&d->rle, p, 0, 0);
			return 0;
		}
		if (p[0] > 32) {
			*why = "dictionary index bit width above 32";
			return -1;
		}
		pq_rle_init(&d->rle, p + 1, n - 1, p[0]);
		return 0;
	case PQ_ENC_RLE:
		if (physical != PQ_BOOLEAN) {
			*why = "RLE value encoding on a non-boolean column";
			return -1;
		}
		if (!d->idx)
			d->idx = xmalloc(d->batch * sizeof(*d->idx));
		if (n == 0) {
			pq_rle_init(&d->rle, p, 0, 1);
			return 0;
		}
		if (n < 4 || le32(p) > n - 4) {
			*why = "bad length prefix of RLE booleans";
			return -1;
		}
		pq_rle_init(&d->rle, p + 4, le32(p), 1);
		return 0;
	case PQ_ENC_DELTA_BINARY_PACKED:
		if (physical != PQ_INT32 && physical != PQ_INT64) {
			*why = "DELTA_BINARY_PACKED on a column that is not INT32 or INT64";
			return -1;
		}
		if (!d->tmp1)
			d->tmp1 = xmalloc(d->batch * sizeof(*d->tmp1));
		if (n == 0) {
			memset(&d->lens, 0, sizeof(d->lens));
			return 0;
		}
		return pq_dbp_init(&d->lens, p, n, why);
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		if (physical != PQ_BYTE_ARRAY) {
			*why = "DELTA_LENGTH_BYTE_ARRAY on a column that is not BYTE_ARRAY";
			return -1;
		}
		if (!d->tmp1)
			d->tmp1 = xmalloc(d->batch * sizeof(*d->tmp1));
		if (n == 0) {
			memset(&d->lens, 0, sizeof(d->lens));
			d->data = p;
			return 0;
		}
		if (pq_dbp_init(&d->lens, p, n, why) < 0 || pq_dbp_end(&d->lens, &e1, why) < 0)
			return -1;
		d->data = e1;
		return 0;
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (physical != PQ_BYTE_ARRAY && physical != PQ_FIXED_LEN_BYTE_ARRAY) {
			*why = "DELTA_BYTE_ARRAY on a column that is not a byte array";
			return -1;
		}
		if (!d->tmp1)
			d->tmp1 = xmalloc(d->batch * sizeof(*d->tmp1));
		if (!d->tmp2)
			d->tmp2 = xmalloc(d->batch * sizeof(*d->tmp2));
		if (n == 0) {
			memset(&d->lens, 0, sizeof(d->lens));
			memset(&d->prefix, 0, sizeof(d->prefix));
			d->data = p;
			return 0;
		}
		if (pq_dbp_init(&d->prefix, p, n, why) < 0 || pq_dbp_end(&d->prefix, &e1, why) < 0)
			return -1;
		if (pq_dbp_init(&d->lens, e1, (size_t)(d->end - e1), why) < 0 ||
		    pq_dbp_end(&d->lens, &e2, why) < 0)
			return -1;
		d->data = e2;
		return 0;
	case PQ_ENC_BYTE_STREAM_SPLIT:
		w = fixed_width(physical, width);
		if (w <= 0 || physical == PQ_INT96) {
			*why = "BYTE_STREAM_SPLIT on a column of a type it does not support";
			return -1;
		}
		if (n % (size_t)w) {
			*why = "BYTE_STREAM_SPLIT data is not a whole number of values";
			return -1;
		}
		d->bss_n = n / (size_t)w;
		return 0;
	default:
		*why = "unsupported value encoding";
		return -1;
	}
}

/* Room for `more` bytes in the batch arena. */
static int arena_room(struct pq_valdec *d, size_t used, size_t more, const char **why)
{
	size_t need;

	if (more > PQ_MAX_BATCH_BYTES - used) {
		*why = "decoded byte arrays too large (over 256 MiB in one batch)";
		return -1;
	}
	need = used + more;
	if (need > d->arena_cap) {
		size_t c = d->arena_cap ? d->arena_cap : 4096;
		while (c < need)
			c *= 2;
		d->arena = xrealloc(d->arena, c);
		d->arena_cap = c;
	}
	return 0;
}

static int dba_get(struct pq_valdec *d, struct pq_val *out, size_t n, const char **why)
{
	size_t i, used = 0;

	if (pq_dbp_get(&d->prefix, d->tmp2, n, why) < 0 || pq_dbp_get(&d->lens, d->tmp1, n, why) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		int64_t pre = d->tmp2[i], suf = d->tmp1[i];
		size_t left = (size_t)(d->end - d->data);
		if (pre < 0 || (uint64_t)pre > d->prev_len) {
			*why = "DELTA_BYTE_ARRAY prefix longer than the previous value";
			return -1;
		}
		if (suf < 0 || (uint64_t)suf > left) {
			*why = "DELTA_BYTE_ARRAY suffix longer than the page";
			return -1;
		}
		if ((uint64_t)pre + (uint64_t)suf > UINT32_MAX) {
			*why = "DELTA_BYTE_ARRAY value too long";
			return -1;
		}
		if (arena_room(d, used, (size_t)pre + (size_t)suf, why) < 0)
			return -1;
		if (pre)
			memcpy(d->arena + used, d->prev, (size_t)pre);
		if (suf)
			memcpy(d->arena + used + pre, d->data, (size_t)suf);
		d->data += suf;
		/* the new value becomes the previous one */
		if ((size_t)(pre + suf) > d->prev_cap) {
			size_t c = d->prev_cap ? d->prev_cap : 64;
			while (c < (size_t)(pre + suf))
				c *= 2;
			d->prev = xrealloc(d->prev, c);
			d->prev_cap = c;
		}
		if (pre + suf)
			memcpy(d->prev, d->arena + used, (size_t)(pre + suf));
		d->prev_len = (size_t)(pre + suf);
		out[i].u.i64 = (int64_t)used;   /* an offset until the arena is final */
		out[i].len = (uint32_t)(pre + suf);
		used += (size_t)(pre + suf);
	}
	for (i = 0; i < n; i++) {
		size_t off = (size_t)out[i].u.i64;
		out[i].u.ptr = d->arena + off;
		if (d->physical == PQ_FIXED_LEN_BYTE_ARRAY && out[i].len != (uint32_t)d->width) {
			*why = "DELTA_BYTE_ARRAY value of the wrong fixed length";
			return -1;
		}
	}
	return 0;
}

int pq_valdec_get(struct pq_valdec *d, struct pq_val *out, size_t n, const char **why)
{
	size_t i, k;
	int w;

	if (n == 0)
		return 0;
	switch (d->enc) {
	case PQ_ENC_PLAIN:
		return plain_get(d, out, n, why);
	case PQ_ENC_PLAIN_DICTIONARY:
	case PQ_ENC_RLE_DICTIONARY:
		while (n > 0) {
			k = n < d->batch ? n : d->batch;
			if (pq_rle_get(&d->rle, d->idx, k, why) < 0)
				return -1;
			for (i = 0; i < k; i++) {
				if (d->idx[i] >= d->ndict) {
					*why = "dictionary index out of range";
					return -1;
				}
				out[i] = d->dict[d->idx[i]];
			}
			out += k;
			n -= k;
		}
		return 0;
	case PQ_ENC_RLE:
		while (n > 0) {
			k = n < d->batch ? n : d->batch;
			if (pq_rle_get(&d->rle, d->idx, k, why) < 0)
				return -1;
			for (i = 0; i < k; i++)
				out[i].u.i32 = (int32_t)d->idx[i];
			out += k;
			n -= k;
		}
		return 0;
	case PQ_ENC_DELTA_BINARY_PACKED:
		while (n > 0) {
			k = n < d->batch ? n : d->batch;
			if (pq_dbp_get(&d->lens, d->tmp1, k, why) < 0)
				return -1;
			for (i = 0; i < k; i++) {
				if (d->physical == PQ_INT32)
					out[i].u.i32 = (int32_t)(uint32_t)(uint64_t)d->tmp1[i];
				else
					out[i].u.i64 = d->tmp1[i];
			}
			out += k;
			n -= k;
		}
		return 0;
	case PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
		while (n > 0) {
			k = n < d->batch ? n : d->batch;
			if (pq_dbp_get(&d->lens, d->tmp1, k, why) < 0)
				return -1;
			for (i = 0; i < k; i++) {
				int64_t len = d->tmp1[i];
				if (len < 0 || (uint64_t)len > (uint64_t)(d->end - d->data) ||
				    len > (int64_t)UINT32_MAX) {
					*why = "DELTA_LENGTH_BYTE_ARRAY length out of range";
					return -1;
				}
				out[i].u.ptr = d->data;
				out[i].len = (uint32_t)len;
				d->data += len;
			}
			out += k;
			n -= k;
		}
		return 0;
	case PQ_ENC_DELTA_BYTE_ARRAY:
		if (n > d->batch) {
			*why = "internal: batch too large";
			return -1;
		}
		return dba_get(d, out, n, why);
	case PQ_ENC_BYTE_STREAM_SPLIT:
		w = fixed_width(d->physical, d->width);
		if (d->bss_n - d->bss_i < n) {
			*why = "BYTE_STREAM_SPLIT data holds fewer values than needed";
			return -1;
		}
		if (d->physical == PQ_FIXED_LEN_BYTE_ARRAY) {
			if (arena_room(d, 0, n * (size_t)w, why) < 0)
				return -1;
		}
		for (i = 0; i < n; i++, d->bss_i++) {
			uint8_t tmp[8];
			uint8_t *dst = d->physical == PQ_FIXED_LEN_BYTE_ARRAY ?
				       d->arena + i * (size_t)w : tmp;
			int b;
			for (b = 0; b < w; b++)
				dst[b] = d->p[(size_t)b * d->bss_n + d->bss_i];
			if (w == 4 && d->physical != PQ_FIXED_LEN_BYTE_ARRAY) {
				memcpy(&out[i].u.i32, tmp, 4);
			} else if (w == 8 && d->physical != PQ_FIXED_LEN_BYTE_ARRAY) {
				memcpy(&out[i].u.i64, tmp, 8);
			} else {
				out[i].u.ptr = dst;
				out[i].len = (uint32_t)w;
			}
		}
		return 0;
	default:
		*why = "unsupported value encoding";
		return -1;
	}
}
