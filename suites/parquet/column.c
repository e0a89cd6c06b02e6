/*
 * column.c: reading one column chunk, page by page, and handing out
 * the (repetition, definition, value) triples of one record at a time.
 *
 * The chunk's bytes are read whole (it is part of the current row group);
 * pages are decompressed one at a time into a buffer reused across pages,
 * and levels and values are decoded a batch at a time. Byte values point
 * into the chunk, the dictionary, the page buffer or a decoder's arena;
 * when a record spans a batch or a page, the values it already holds are
 * copied into blocks that live until the next record.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <unistd.h>

int pq_src_read(const struct pq_src *s, uint64_t off, size_t len, uint8_t *dst)
{
	size_t done = 0;

	if (off > s->size || len > s->size - off)
		return error("'%s': read of %zu bytes at offset %llu runs past the end of the "
			     "file (%llu bytes)", s->name, len, (unsigned long long)off,
			     (unsigned long long)s->size);
	if (s->fd < 0) {
		if (len)
			memcpy(dst, s->mem + off, len);
		return 0;
	}
	while (done < len) {
		ssize_t r = pread(s->fd, dst + done, len - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return error("'%s': cannot read: %s", s->name, strerror(errno));
		if (r == 0)
			return error("'%s': the file ended early (was it truncated while being "
				     "read?)", s->name);
		done += (size_t)r;
	}
	return 0;
}

void pq_col_init(struct pq_col *c, size_t batch)
{
	memset(c, 0, sizeof(*c));
	pq_valdec_init(&c->vd);
	c->batch = batch < 1 ? 1 : batch > PQ_BATCH ? PQ_BATCH : batch;
	c->vd.batch = c->batch;
}

void pq_col_release(struct pq_col *c)
{
	size_t batch = c->batch;

	free(c->chunk);
	free(c->dict);
	free(c->dict_buf);
	free(c->page_buf);
	free(c->rep);
	free(c->def);
	free(c->vals);
	free(c->lv);
	pq_valdec_release(&c->vd);
	pq_col_init(c, batch);
}

static void free_blocks(struct pq_recbuf *rb)
{
	while (rb->blocks) {
		struct pq_block *b = rb->blocks;
		rb->blocks = b->next;
		free(b);
	}
}

void pq_recbuf_release(struct pq_recbuf *rb)
{
	free(rb->rep);
	free(rb->def);
	free(rb->val);
	free_blocks(rb);
	memset(rb, 0, sizeof(*rb));
}

/* Report a problem in the current page (or the chunk when page < 0). */
static int col_error(const struct pq_col *c, int page, const char *what)
{
	if (page < 0)
		return error("'%s': row group %zu, column '%s': %s", c->src->name, c->rg,
			     c->leaf->path, what);
	return error("'%s': row group %zu, column '%s', page %d: %s", c->src->name, c->rg,
		     c->leaf->path, page, what);
}

int pq_col_begin(struct pq_col *c, const struct pq_src *src, const struct pq_leaf *leaf,
		 size_t rg, const struct pq_colmeta *meta)
{
	int64_t start = meta->data_page_offset, len = meta->total_compressed;

	c->src = src;
	c->leaf = leaf;
	c->rg = rg;
	c->meta = meta;
	c->pos = 0;
	c->chunk_len = 0;
	c->page_no = 0;
	c->have_dict = 0;
	c->ndict = 0;
	c->page_left = 0;
	c->nb = c->bpos = c->vpos = 0;
	c->at_end = 0;
	if (!c->rep) {
		c->rep = xmalloc(c->batch * sizeof(*c->rep));
		c->def = xmalloc(c->batch * sizeof(*c->def));
		c->vals = xmalloc(c->batch * sizeof(*c->vals));
		c->lv = xmalloc(c->batch * sizeof(*c->lv));
	}
	if (meta->encrypted)
		return col_error(c, -1, "the column is encrypted (not supported)");
	if (meta->file_path)
		return error("'%s': row group %zu, column '%s': the column is stored in another "
			     "file ('%s'), which is not supported", src->name, rg, leaf->path,
			     meta->file_path);
	if (!meta->has_meta)
		return col_error(c, -1, "the column chunk has no metadata");
	if (meta->type != leaf->physical)
		return error("'%s': row group %zu, column '%s': the chunk's type %s differs from "
			     "the schema's %s", src->name, rg, leaf->path,
			     pq_physical_name(meta->type), pq_physical_name(leaf->physical));
	if (meta->num_values < 0)
		return col_error(c, -1, "negative value count");
	c->values_left = meta->num_values;
	if (meta->dictionary_page_offset > 0 && meta->dictionary_page_offset < start)
		start = meta->dictionary_page_offset;
	if (start < 4 || (uint64_t)start > src->data_end || len < 0 ||
	    (uint64_t)len > src->data_end - (uint64_t)start)
		return error("'%s': row group %zu, column '%s': the column chunk (offset %lld, "
			     "%lld bytes) lies outside the file's data (%llu bytes)", src->name, rg,
			     leaf->path, (long long)start, (long long)len,
			     (unsigned long long)src->data_end);
	if (src->chunk_pad) {
		uint64_t room = src->data_end - (uint64_t)start - (uint64_t)len;
		len += (int64_t)(room < (uint64_t)src->chunk_pad ? room : (uint64_t)src->chunk_pad);
	}
	if ((size_t)len > c->chunk_cap) {
		free(c->chunk);
		c->chunk = xmalloc((size_t)len ? (size_t)len : 1);
		c->chunk_cap = (size_t)len;
	}
	if (pq_src_read(src, (uint64_t)start, (size_t)len, c->chunk) < 0)
		return -1;
	c->chunk_len = (size_t)len;
	return 0;
}

/* Smallest number of bytes a PLAIN dictionary of count values needs. */
static int dict_fits(const struct pq_leaf *l, int64_t count, size_t bytes)
{
	switch (l->physical) {
	case PQ_BOOLEAN: return (uint64_t)count <= (uint64_t)bytes * 8;
	case PQ_INT32:
	case PQ_FLOAT: return (uint64_t)count <= bytes / 4;
	case PQ_INT64:
	case PQ_DOUBLE: return (uint64_t)count <= bytes / 8;
	case PQ_INT96: return (uint64_t)count <= bytes / 12;
	case PQ_BYTE_ARRAY: return (uint64_t)count <= bytes / 4;
	default:
		if (l->type_length == 0)
			return count <= 1;
		return (uint64_t)count <= bytes / (size_t)l->type_length;
	}
}

static int bit_width(int max)
{
	int bw = 0;

	while (max >> bw)
		bw++;
	return bw;
}

/* Set up one level stream (v1: with its encoding; v2: raw RLE of len bytes).
 * Advances p and n past it. */
static int level_stream(struct pq_col *c, int page, int v2, int enc, int max, int64_t count,
			const uint8_t **p, size_t *n, int32_t v2len, struct pq_rle *r,
			int *legacy, const uint8_t **lp, size_t *ln, uint64_t *lbit)
{
	int bw = bit_width(max);
	size_t len;

	*legacy = 0;
	if (v2) {
		pq_rle_init(r, *p, (size_t)v2len, bw);
		*p += v2len;
		*n -= (size_t)v2len;
		return 0;
	}
	if (enc == PQ_ENC_RLE) {
		if (*n < 4)
			return col_error(c, page, "the page ends before its level data");
		len = (size_t)((*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
			       (uint32_t)(*p)[3] << 24);
		if (len > *n - 4)
			return col_error(c, page, "level data longer than the page");
		pq_rle_init(r, *p + 4, len, bw);
		*p += 4 + len;
		*n -= 4 + len;
		return 0;
	}
	if (enc == PQ_ENC_BIT_PACKED) {
		uint64_t bits = (uint64_t)count * (uint64_t)bw;
		len = (size_t)((bits + 7) / 8);
		if (bits / (uint64_t)(bw ? bw : 1) != (uint64_t)count || len > *n)
			return col_error(c, page, "BIT_PACKED level data longer than the page");
		*legacy = 1;
		*lp = *p;
		*ln = len;
		*lbit = 0;
		*p += len;
		*n -= len;
		return 0;
	}
	{
		char msg[96];
		snprintf(msg, sizeof(msg), "unsupported level encoding %s (%d)",
			 pq_encoding_name(enc), enc);
		return col_error(c, page, msg);
	}
}

/* Load the next data page. 1: loaded, 0: no more values in the chunk, -1: error. */
static int next_page(struct pq_col *c)
{
	const struct pq_leaf *l = c->leaf;
	struct pq_page_header h;
	const char *why = NULL;
	const uint8_t *data, *vp;
	size_t used, vn;
	int page;

	for (;;) {
		if (c->values_left <= 0)
			return 0;
		page = c->page_no;
		if (c->pos >= c->chunk_len) {
			char msg[128];
			snprintf(msg, sizeof(msg), "the column chunk ends after %lld of the %lld "
				 "values its metadata gives",
				 (long long)(c->meta->num_values - c->values_left),
				 (long long)c->meta->num_values);
			return col_error(c, page, msg);
		}
		if (pq_parse_page_header(c->chunk + c->pos, c->chunk_len - c->pos, &h, &used,
					 &why) < 0) {
			char msg[160];
			snprintf(msg, sizeof(msg), "bad page header: %s", why);
			return col_error(c, page, msg);
		}
		c->pos += used;
		c->page_no++;
		if (h.compressed_size < 0 || (size_t)h.compressed_size > c->chunk_len - c->pos)
			return col_error(c, page, "the page runs past the end of the column chunk");
		if (h.uncompressed_size < 0)
			return col_error(c, page, "negative page size");
		data = c->chunk + c->pos;
		c->pos += (size_t)h.compressed_size;

		if (h.type == PQ_PAGE_DICTIONARY) {
			const uint8_t *dp = data;
			if (!h.has_dict)
				return col_error(c, page, "dictionary page without its header");
			if (c->have_dict)
				return col_error(c, page, "a second dictionary page");
			if (c->meta->num_values != c->values_left)
				return col_error(c, page, "dictionary page after data pages");
			if (h.encoding != PQ_ENC_PLAIN && h.encoding != PQ_ENC_PLAIN_DICTIONARY)
				return col_error(c, page, "dictionary page not PLAIN-encoded");
			if (h.num_values < 0)
				return col_error(c, page, "negative dictionary size");
			if (c->meta->codec != PQ_CODEC_UNCOMPRESSED) {
				if (pq_decompress(c->meta->codec, data, (size_t)h.compressed_size,
						  &c->dict_buf, &c->dict_cap,
						  (size_t)h.uncompressed_size, &why) < 0)
					return col_error(c, page, why);
				dp = c->dict_buf;
			} else if (h.uncompressed_size != h.compressed_size) {
				return col_error(c, page, "uncompressed page size differs from its "
						 "stored size");
			}
			if (!dict_fits(l, h.num_values, (size_t)h.uncompressed_size))
				return col_error(c, page, "dictionary claims more values than its "
						 "page holds");
			free(c->dict);
			c->dict = xmalloc(((size_t)h.num_values + 1) * sizeof(*c->dict));
			if (pq_plain_dict(l->physical, l->type_length, dp,
					  (size_t)h.uncompressed_size, (size_t)h.num_values, c->dict,
					  &why) < 0)
				return col_error(c, page, why);
			c->ndict = (size_t)h.num_values;
			c->have_dict = 1;
			continue;
		}
		if (h.type != PQ_PAGE_DATA && h.type != PQ_PAGE_DATA_V2)
			continue;   /* index pages and unknown kinds carry no values */
		if (h.num_values < 0)
			return col_error(c, page, "negative value count");
		if (h.num_values == 0)
			continue;
		if ((int64_t)h.num_values > c->values_left)
			return col_error(c, page, "the page holds more values than its column "
					 "chunk's metadata gives");

		if (h.type == PQ_PAGE_DATA) {
			if (!h.has_data)
				return col_error(c, page, "data page without its header");
			if (c->meta->codec == PQ_CODEC_UNCOMPRESSED) {
				if (h.uncompressed_size != h.compressed_size)
					return col_error(c, page, "uncompressed page size differs "
							 "from its stored size");
				vp = data;
			} else {
				if (pq_decompress(c->meta->codec, data, (size_t)h.compressed_size,
						  &c->page_buf, &c->page_cap,
						  (size_t)h.uncompressed_size, &why) < 0)
					return col_error(c, page, why);
				vp = c->page_buf;
			}
			vn = (size_t)h.uncompressed_size;
			if (l->max_rep > 0 &&
			    level_stream(c, page, 0, h.rep_encoding, l->max_rep, h.num_values, &vp,
					 &vn, 0, &c->rep_dec, &c->rep_legacy, &c->rep_p, &c->rep_n,
					 &c->rep_bit) < 0)
				return -1;
			if (l->max_def > 0 &&
			    level_stream(c, page, 0, h.def_encoding, l->max_def, h.num_values, &vp,
					 &vn, 0, &c->def_dec, &c->def_legacy, &c->def_p, &c->def_n,
					 &c->def_bit) < 0)
				return -1;
		} else {
			size_t lv;
			if (!h.has_v2)
				return col_error(c, page, "data page v2 without its header");
			if (h.rep_len < 0 || h.def_len < 0 ||
			    (uint64_t)h.rep_len + (uint64_t)h.def_len > (uint64_t)h.compressed_size ||
			    (uint64_t)h.rep_len + (uint64_t)h.def_len > (uint64_t)h.uncompressed_size)
				return col_error(c, page, "level lengths larger than the page");
			lv = (size_t)h.rep_len + (size_t)h.def_len;
			vp = data;
			vn = lv;
			if (l->max_rep > 0)
				level_stream(c, page, 1, PQ_ENC_RLE, l->max_rep, h.num_values, &vp,
					     &vn, h.rep_len, &c->rep_dec, &c->rep_legacy, &c->rep_p,
					     &c->rep_n, &c->rep_bit);
			else
				vp += h.rep_len;
			if (l->max_def > 0)
				level_stream(c, page, 1, PQ_ENC_RLE, l->max_def, h.num_values, &vp,
					     &vn, h.def_len, &c->def_dec, &c->def_legacy, &c->def_p,
					     &c->def_n, &c->def_bit);
			vp = data + lv;
			vn = (size_t)h.compressed_size - lv;
			if (h.is_compressed && c->meta->codec != PQ_CODEC_UNCOMPRESSED) {
				if (pq_decompress(c->meta->codec, vp, vn, &c->page_buf, &c->page_cap,
						  (size_t)h.uncompressed_size - lv, &why) < 0)
					return col_error(c, page, why);
				vp = c->page_buf;
				vn = (size_t)h.uncompressed_size - lv;
			} else if ((size_t)h.uncompressed_size != (size_t)h.compressed_size) {
				return col_error(c, page, "uncompressed page size differs from its "
						 "stored size");
			}
		}
		if (pq_valdec_start(&c->vd, h.encoding, l->physical, l->type_length, vp, vn,
				    c->have_dict ? c->dict : NULL, c->ndict, &why) < 0) {
			char msg[160];
			snprintf(msg, sizeof(msg), "%s (encoding %s)", why, pq_encoding_name(h.encoding));
			return col_error(c, page, msg);
		}
		c->page_left = h.num_values;
		c->values_left -= h.num_values;
		c->cur_page = page;
		return 1;
	}
}

static int levels(struct pq_col *c, struct pq_rle *r, int legacy, const uint8_t *lp, size_t ln,
		  uint64_t *lbit, int max, int16_t *out, size_t k, const char *what)
{
	const char *why = NULL;
	size_t i;

	if (legacy) {
		if (pq_bitpacked_get(lp, ln, lbit, bit_width(max), c->lv, k, &why) < 0)
			return col_error(c, c->cur_page, why);
	} else if (pq_rle_get(r, c->lv, k, &why) < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s levels: %s", what, why);
		return col_error(c, c->cur_page, msg);
	}
	for (i = 0; i < k; i++) {
		if (c->lv[i] > (uint32_t)max) {
			char msg[96];
			snprintf(msg, sizeof(msg), "%s level %u above the maximum %d", what,
				 (unsigned)c->lv[i], max);
			return col_error(c, c->cur_page, msg);
		}
		out[i] = (int16_t)c->lv[i];
	}
	return 0;
}

/* Decode the next batch. 1: ok, 0: end of the chunk, -1: error. */
static int fill(struct pq_col *c)
{
	const struct pq_leaf *l = c->leaf;
	const char *why = NULL;
	size_t k, i, nv = 0;
	int r;

	while (c->page_left == 0) {
		r = next_page(c);
		if (r <= 0)
			return r;
	}
	k = c->page_left < (int64_t)c->batch ? (size_t)c->page_left : c->batch;
	if (l->max_rep > 0) {
		if (levels(c, &c->rep_dec, c->rep_legacy, c->rep_p, c->rep_n, &c->rep_bit,
			   l->max_rep, c->rep, k, "repetition") < 0)
			return -1;
	} else {
		memset(c->rep, 0, k * sizeof(c->rep[0]));
	}
	if (l->max_def > 0) {
		if (levels(c, &c->def_dec, c->def_legacy, c->def_p, c->def_n, &c->def_bit,
			   l->max_def, c->def, k, "definition") < 0)
			return -1;
		for (i = 0; i < k; i++)
			nv += c->def[i] == l->max_def;
	} else {
		for (i = 0; i < k; i++)
			c->def[i] = 0;
		nv = k;
	}
	if (pq_valdec_get(&c->vd, c->vals, nv, &why) < 0) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s (encoding %s)", why, pq_encoding_name(c->vd.enc));
		return col_error(c, c->cur_page, msg);
	}
	c->page_left -= (int64_t)k;
	c->nb = k;
	c->bpos = 0;
	c->vpos = 0;
	return 1;
}

static int is_bytes(int physical)
{
	return physical == PQ_BYTE_ARRAY || physical == PQ_FIXED_LEN_BYTE_ARRAY ||
	       physical == PQ_INT96;
}

/* Copy the byte values rb holds into a block of their own. */
static void detach(struct pq_recbuf *rb, int max_def)
{
	size_t i, total = 0, off = 0;
	struct pq_block *b;

	for (i = rb->stable; i < rb->n; i++)
		if (rb->def[i] == max_def)
			total += rb->val[i].len;
	if (total) {
		b = xmalloc(sizeof(*b) + total);
		b->next = rb->blocks;
		rb->blocks = b;
		for (i = rb->stable; i < rb->n; i++) {
			if (rb->def[i] != max_def)
				continue;
			memcpy(b->data + off, rb->val[i].u.ptr, rb->val[i].len);
			rb->val[i].u.ptr = b->data + off;
			off += rb->val[i].len;
		}
	}
	rb->stable = rb->n;
}

static void rb_grow(struct pq_recbuf *rb)
{
	size_t a = rb->alloc ? rb->alloc * 2 : 16;

	rb->rep = xrealloc(rb->rep, st_mult(a, sizeof(*rb->rep)));
	rb->def = xrealloc(rb->def, st_mult(a, sizeof(*rb->def)));
	rb->val = xrealloc(rb->val, st_mult(a, sizeof(*rb->val)));
	rb->alloc = a;
}

int pq_col_record(struct pq_col *c, struct pq_recbuf *rb)
{
	const struct pq_leaf *l = c->leaf;
	int r, bytes = is_bytes(l->physical);

	rb->n = 0;
	rb->stable = 0;
	free_blocks(rb);
	if (c->at_end)
		return 0;
	if (rb->alloc == 0)
		rb_grow(rb);
	if (l->max_rep == 0) {
		/* one triple per record */
		if (c->bpos == c->nb) {
			r = fill(c);
			if (r <= 0) {
				c->at_end = r == 0;
				return r;
			}
		}
		rb->rep[0] = 0;
		rb->def[0] = c->def[c->bpos];
		if (rb->def[0] == l->max_def)
			rb->val[0] = c->vals[c->vpos++];
		c->bpos++;
		rb->n = 1;
		return 1;
	}
	for (;;) {
		int16_t rep;
		if (c->bpos == c->nb) {
			if (bytes && rb->n > rb->stable)
				detach(rb, l->max_def);
			r = fill(c);
			if (r < 0)
				return -1;
			if (r == 0) {
				c->at_end = 1;
				return rb->n > 0;
			}
		}
		rep = c->rep[c->bpos];
		if (rb->n == 0) {
			if (rep != 0) {
				char msg[96];
				snprintf(msg, sizeof(msg), "a record starts with repetition level %d "
					 "instead of 0", rep);
				return col_error(c, c->cur_page, msg);
			}
		} else if (rep == 0) {
			return 1;
		}
		if (rb->n == rb->alloc) {
			if (rb->n >= PQ_MAX_RECORD_VALUES) {
				char msg[96];
				snprintf(msg, sizeof(msg), "a row holds more than %zu values of this "
					 "column (the reader's limit)", PQ_MAX_RECORD_VALUES);
				return col_error(c, c->cur_page, msg);
			}
			rb_grow(rb);
		}
		rb->rep[rb->n] = rep;
		rb->def[rb->n] = c->def[c->bpos];
		if (rb->def[rb->n] == l->max_def)
			rb->val[rb->n] = c->vals[c->vpos++];
		rb->n++;
		c->bpos++;
	}
}
