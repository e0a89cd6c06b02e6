/*
 * parquet.c: the public API of the Parquet reader (see parquet.h): opening
 * a file and checking its footer, metadata accessors, printing, and row
 * iteration over row groups.
 */
#include "lib/common.h"
#include "suites/parquet/parquet.h"
#include "suites/parquet/parquet_int.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct pq_file {
	char *name;
	struct pq_src src;
	struct pq_meta meta;
	struct pq_schema schema;
	int64_t rows;
};

struct pq_rows {
	struct pq_file *f;
	const struct pq_shape **sel;
	size_t nsel;
	int *leafsel;                 /* per leaf: decoded */
	size_t nleafsel;
	struct pq_col *cols;          /* per leaf */
	struct pq_recbuf *rb;         /* per leaf */
	struct pq_asm a;
	size_t rg;
	int64_t rg_row;
	int rg_open;
	int64_t index;
	int failed;
	pq_image_fn image;
	void *image_ctx;
};

static uint32_t rd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int check_file(struct pq_file *f)
{
	const char *name = f->name;
	size_t i, j;

	if (f->meta.encrypted)
		return error("'%s': the file is encrypted, which is not supported", name);
	if (pq_schema_build(&f->schema, &f->meta, name) < 0)
		return -1;
	f->rows = 0;
	for (i = 0; i < f->meta.nrgs; i++) {
		const struct pq_rowgroup *g = &f->meta.rgs[i];
		if (g->num_rows < 0)
			return error("'%s': row group %zu: negative row count", name, i);
		if (g->ncols != f->schema.nleaves)
			return error("'%s': row group %zu has %zu column chunks but the schema has "
				     "%zu columns", name, i, g->ncols, f->schema.nleaves);
		for (j = 0; j < g->ncols; j++) {
			if (g->cols[j].has_meta && g->cols[j].type != f->schema.leaves[j].physical)
				return error("'%s': row group %zu, column '%s': the chunk's type %s "
					     "differs from the schema's %s", name, i,
					     f->schema.leaves[j].path,
					     pq_physical_name(g->cols[j].type),
					     pq_physical_name(f->schema.leaves[j].physical));
		}
		if (g->num_rows > INT64_MAX - f->rows)
			return error("'%s': row counts overflow", name);
		f->rows += g->num_rows;
	}
	return 0;
}

/* Files from parquet-mr before 1.2.9 did not count the dictionary page
 * header in a column chunk's size (PARQUET-816); readers allow for it. */
static int old_parquet_mr(const char *created_by)
{
	const char *v;
	int a = 0, b = 0, c = 0;

	if (!created_by || strncmp(created_by, "parquet-mr", 10))
		return 0;
	v = strstr(created_by, "version ");
	if (!v || sscanf(v + 8, "%d.%d.%d", &a, &b, &c) < 2)
		return 1;
	return a < 1 || (a == 1 && (b < 2 || (b == 2 && c < 9)));
}

/* Read and parse the footer; src is set up. */
static int read_footer(struct pq_file *f)
{
	const struct pq_src *s = &f->src;
	uint8_t tail[8], head[4];
	uint32_t flen;
	uint8_t *foot;
	struct buf why = BUF_INIT;
	int rc;

	if (s->size < 12)
		return error("'%s': not a Parquet file (only %llu bytes)", f->name,
			     (unsigned long long)s->size);
	if (pq_src_read(s, 0, 4, head) < 0 || pq_src_read(s, s->size - 8, 8, tail) < 0)
		return -1;
	if (!memcmp(tail + 4, "PARE", 4))
		return error("'%s': the file is encrypted (footer magic PARE), which is not "
			     "supported", f->name);
	if (memcmp(head, "PAR1", 4) || memcmp(tail + 4, "PAR1", 4))
		return error("'%s': not a Parquet file (no PAR1 magic at %s)", f->name,
			     memcmp(head, "PAR1", 4) ? "the start" : "the end");
	flen = rd_le32(tail);
	if ((uint64_t)flen > s->size - 12)
		return error("'%s': footer length %u is larger than the file allows (%llu bytes)",
			     f->name, flen, (unsigned long long)(s->size - 12));
	f->src.data_end = s->size - 8 - flen;
	foot = xmalloc(flen ? flen : 1);
	if (pq_src_read(s, f->src.data_end, flen, foot) < 0) {
		free(foot);
		return -1;
	}
	rc = pq_parse_footer(foot, flen, &f->meta, &why);
	free(foot);
	if (rc < 0) {
		error("'%s': corrupt footer: %s", f->name, buf_cstr(&why));
		buf_release(&why);
		return -1;
	}
	buf_release(&why);
	if (old_parquet_mr(f->meta.created_by))
		f->src.chunk_pad = 100;
	return check_file(f);
}

struct pq_file *pq_open(const char *path)
{
	struct pq_file *f;
	struct stat st;
	int fd = open_regular(path);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		error("'%s': not a regular file", path);
		close(fd);
		return NULL;
	}
	f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(path);
	f->src.name = f->name;
	f->src.fd = fd;
	f->src.size = (uint64_t)st.st_size;
	if (read_footer(f) < 0) {
		pq_close(f);
		return NULL;
	}
	return f;
}

struct pq_file *pq_open_mem(const void *data, size_t len, const char *name)
{
	struct pq_file *f = xcalloc(1, sizeof(*f));

	f->name = xstrdup(name ? name : "(memory)");
	f->src.name = f->name;
	f->src.fd = -1;
	f->src.mem = data;
	f->src.size = len;
	if (read_footer(f) < 0) {
		pq_close(f);
		return NULL;
	}
	return f;
}

void pq_close(struct pq_file *f)
{
	if (!f)
		return;
	if (f->src.fd >= 0)
		close(f->src.fd);
	pq_schema_release(&f->schema);
	pq_meta_release(&f->meta);
	free(f->name);
	free(f);
}

const char *pq_file_name(const struct pq_file *f)
{
	return f->name;
}

int64_t pq_file_rows(const struct pq_file *f)
{
	return f->rows;
}

size_t pq_file_row_groups(const struct pq_file *f)
{
	return f->meta.nrgs;
}

int64_t pq_file_row_group_rows(const struct pq_file *f, size_t rg)
{
	return rg < f->meta.nrgs ? f->meta.rgs[rg].num_rows : 0;
}

const char *pq_file_created_by(const struct pq_file *f)
{
	return f->meta.created_by;
}

const struct pq_field *pq_file_schema(const struct pq_file *f)
{
	return &f->schema.root;
}

const struct pq_field *pq_file_column(const struct pq_file *f, const char *name)
{
	size_t i;

	for (i = 0; i < f->schema.root.nchildren; i++)
		if (!strcmp(f->schema.root.children[i].name, name))
			return &f->schema.root.children[i];
	return NULL;
}

size_t pq_file_kv_count(const struct pq_file *f)
{
	return f->meta.nkv;
}

void pq_file_kv(const struct pq_file *f, size_t i, const char **key, const char **value)
{
	*key = i < f->meta.nkv ? f->meta.kv[i].key : NULL;
	*value = i < f->meta.nkv ? f->meta.kv[i].value : NULL;
}

void pq_schema_print(const struct pq_file *f, struct buf *out)
{
	pq_schema_print_root(&f->schema.root, out);
}

/* Text from the file for a terminal: at most max bytes, invalid UTF-8 as
 * U+FFFD, control characters as \xHH. */
static void add_clipped(struct buf *out, const char *s, size_t max)
{
	size_t n = strlen(s), i;
	struct buf t = BUF_INIT;

	utf8_sanitize(s, n < max ? n : max, &t);
	for (i = 0; i < t.len; i++) {
		unsigned char c = (unsigned char)t.data[i];
		if (c < 0x20 || c == 0x7F)
			buf_addf(out, "\\x%02X", c);
		else
			buf_addch(out, (char)c);
	}
	buf_release(&t);
	if (n > max)
		buf_addf(out, "... (%zu bytes)", n);
}

/* "pages: 1 DICTIONARY_PAGE, 2 DATA_PAGE_V2 (PLAIN, RLE_DICTIONARY)" from
 * the chunk's page headers. */
static void page_summary(const struct pq_file *f, size_t rg, size_t col, struct buf *out)
{
	struct pq_col c;
	int counts[4] = { 0, 0, 0, 0 }, other = 0;
	uint32_t encs = 0;
	size_t k;
	int first = 1;

	pq_col_init(&c, 1);
	if (pq_col_begin(&c, &f->src, &f->schema.leaves[col], rg, &f->meta.rgs[rg].cols[col]) < 0) {
		buf_adds(out, "    pages: (the column chunk cannot be read)\n");
		pq_col_release(&c);
		return;
	}
	while (c.pos < c.chunk_len) {
		struct pq_page_header h;
		const char *why;
		size_t used;
		if (pq_parse_page_header(c.chunk + c.pos, c.chunk_len - c.pos, &h, &used, &why) < 0)
			break;
		c.pos += used;
		if (h.compressed_size < 0 || (size_t)h.compressed_size > c.chunk_len - c.pos)
			break;
		c.pos += (size_t)h.compressed_size;
		if (h.type >= 0 && h.type < 4)
			counts[h.type]++;
		else
			other++;
		if ((h.has_data || h.has_v2 || h.has_dict) && h.encoding >= 0 && h.encoding < 32)
			encs |= 1u << h.encoding;
		if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2) {
			c.values_left -= h.num_values;
			if (c.values_left <= 0)
				break;
		}
	}
	buf_adds(out, "    pages:");
	for (k = 0; k < 4; k++) {
		if (!counts[k])
			continue;
		buf_addf(out, "%s %d %s", first ? "" : ",", counts[k], pq_page_type_name((int)k));
		first = 0;
	}
	if (other)
		buf_addf(out, "%s %d of unknown types", first ? "" : ",", other);
	buf_adds(out, "; value encodings");
	first = 1;
	for (k = 0; k < 32; k++) {
		if (!(encs & (1u << k)))
			continue;
		buf_addf(out, "%s%s", first ? " " : ",", pq_encoding_name((int)k));
		first = 0;
	}
	buf_addch(out, '\n');
	pq_col_release(&c);
}

void pq_meta_print(const struct pq_file *f, struct buf *out)
{
	const struct pq_meta *m = &f->meta;
	size_t i, j, k;

	buf_addf(out, "file: %s\n", f->name);
	buf_adds(out, "created by: ");
	add_clipped(out, m->created_by ? m->created_by : "(not given)", 200);
	buf_addf(out, "\nformat version: %d\n", (int)m->version);
	buf_addf(out, "rows: %lld in %zu row group%s (footer says %lld)\n", (long long)f->rows,
		 m->nrgs, m->nrgs == 1 ? "" : "s", (long long)m->num_rows);
	buf_addf(out, "columns: %zu\n", f->schema.nleaves);
	if (m->nkv) {
		buf_adds(out, "key/value metadata:\n");
		for (i = 0; i < m->nkv; i++) {
			buf_adds(out, "  ");
			add_clipped(out, m->kv[i].key, 200);
			buf_adds(out, ": ");
			add_clipped(out, m->kv[i].value ? m->kv[i].value : "(none)", 200);
			buf_addch(out, '\n');
		}
	}
	for (i = 0; i < m->nrgs; i++) {
		const struct pq_rowgroup *g = &m->rgs[i];
		buf_addf(out, "row group %zu: %lld rows, %lld bytes uncompressed", i,
			 (long long)g->num_rows, (long long)g->total_byte_size);
		if (g->total_compressed >= 0)
			buf_addf(out, ", %lld compressed", (long long)g->total_compressed);
		buf_addch(out, '\n');
		for (j = 0; j < g->ncols; j++) {
			const struct pq_colmeta *c = &g->cols[j];
			int first = 1;
			buf_addf(out, "  %s: %s %s, %lld values, %lld/%lld bytes, encodings ",
				 f->schema.leaves[j].path, pq_physical_name(c->type),
				 pq_codec_name(c->codec), (long long)c->num_values,
				 (long long)c->total_compressed, (long long)c->total_uncompressed);
			for (k = 0; k < 32; k++) {
				if (!(c->encodings & (1u << k)))
					continue;
				buf_addf(out, "%s%s", first ? "" : ",", pq_encoding_name((int)k));
				first = 0;
			}
			if (first)
				buf_adds(out, "(none)");
			buf_addf(out, ", data page at %lld", (long long)c->data_page_offset);
			if (c->dictionary_page_offset >= 0)
				buf_addf(out, ", dictionary page at %lld",
					 (long long)c->dictionary_page_offset);
			buf_addch(out, '\n');
			page_summary(f, i, j, out);
		}
	}
}

/* ---- rows ---- */

static void mark_leaves(struct pq_rows *r, const struct pq_shape *s)
{
	int l;

	for (l = s->leaf_lo; l < s->leaf_hi; l++) {
		if (!r->leafsel[l])
			r->nleafsel++;
		r->leafsel[l] = 1;
	}
}

struct pq_rows *pq_rows_open(struct pq_file *f, const char *const *columns, size_t ncolumns)
{
	struct pq_rows *r = xcalloc(1, sizeof(*r));
	const struct pq_schema *s = &f->schema;
	size_t i, j, n = s->nleaves ? s->nleaves : 1;

	r->f = f;
	r->leafsel = xcalloc(n, sizeof(*r->leafsel));
	r->cols = xcalloc(n, sizeof(*r->cols));
	r->rb = xcalloc(n, sizeof(*r->rb));
	if (!columns) {
		r->sel = xcalloc(s->nshapes ? s->nshapes : 1, sizeof(*r->sel));
		for (i = 0; i < s->nshapes; i++) {
			r->sel[r->nsel++] = &s->shapes[i];
			mark_leaves(r, &s->shapes[i]);
		}
	} else {
		r->sel = xcalloc(ncolumns ? ncolumns : 1, sizeof(*r->sel));
		for (i = 0; i < ncolumns; i++) {
			for (j = 0; j < s->nshapes; j++)
				if (!strcmp(s->shapes[j].name, columns[i]))
					break;
			if (j == s->nshapes) {
				error("'%s': no column '%s' (see 'steval cat --schema')", f->name,
				      columns[i]);
				free(r->leafsel);
				free(r->cols);
				free(r->rb);
				free(r->sel);
				free(r);
				return NULL;
			}
			r->sel[r->nsel++] = &s->shapes[j];
			mark_leaves(r, &s->shapes[j]);
		}
	}
	/* decode fewer levels at a time when many columns are read */
	n = r->nleafsel > 16384 ? 16 : r->nleafsel ? 262144 / r->nleafsel : PQ_BATCH;
	for (i = 0; i < s->nleaves; i++)
		pq_col_init(&r->cols[i], n);
	pq_asm_init(&r->a, s, r->rb);
	r->a.fname = f->name;
	return r;
}

void pq_rows_close(struct pq_rows *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->f->schema.nleaves; i++) {
		pq_col_release(&r->cols[i]);
		pq_recbuf_release(&r->rb[i]);
	}
	pq_asm_release(&r->a);
	free(r->cols);
	free(r->rb);
	free(r->leafsel);
	free(r->sel);
	free(r);
}

int64_t pq_rows_index(const struct pq_rows *r)
{
	return r->index;
}

/* Collect the next record of every chosen column. 1 / 0 (end) / -1. */
static int advance(struct pq_rows *r)
{
	const struct pq_file *f = r->f;
	const struct pq_schema *s = &f->schema;
	size_t l;

	for (;;) {
		const struct pq_rowgroup *g;
		int got = -1, k;
		size_t first = 0;

		if (r->failed)
			return -1;
		if (r->rg >= f->meta.nrgs)
			return 0;
		g = &f->meta.rgs[r->rg];
		if (!r->rg_open) {
			if (g->num_rows == 0) {
				r->rg++;
				continue;
			}
			for (l = 0; l < s->nleaves; l++) {
				if (!r->leafsel[l])
					continue;
				if (pq_col_begin(&r->cols[l], &f->src, &s->leaves[l], r->rg,
						 &g->cols[l]) < 0) {
					r->failed = 1;
					return -1;
				}
			}
			r->rg_open = 1;
			r->rg_row = 0;
		}
		if (r->nleafsel == 0) {
			if (r->rg_row < g->num_rows) {
				r->rg_row++;
				return 1;
			}
			r->rg_open = 0;
			r->rg++;
			continue;
		}
		for (l = 0; l < s->nleaves; l++) {
			if (!r->leafsel[l])
				continue;
			k = pq_col_record(&r->cols[l], &r->rb[l]);
			if (k < 0) {
				r->failed = 1;
				return -1;
			}
			if (got < 0) {
				got = k;
				first = l;
			} else if (k != got) {
				error("'%s': row group %zu: column '%s' has %s rows than column '%s' "
				      "(at row %lld)", f->name, r->rg, s->leaves[l].path,
				      k ? "more" : "fewer", s->leaves[first].path,
				      (long long)r->rg_row);
				r->failed = 1;
				return -1;
			}
		}
		if (got == 0) {
			if (r->rg_row != g->num_rows) {
				error("'%s': row group %zu holds %lld rows but its metadata says %lld",
				      f->name, r->rg, (long long)r->rg_row, (long long)g->num_rows);
				r->failed = 1;
				return -1;
			}
			r->rg_open = 0;
			r->rg++;
			continue;
		}
		if (r->rg_row >= g->num_rows) {
			error("'%s': row group %zu holds more rows than the %lld its metadata says",
			      f->name, r->rg, (long long)g->num_rows);
			r->failed = 1;
			return -1;
		}
		r->rg_row++;
		return 1;
	}
}

static int next_into(struct pq_rows *r, struct pq_out *o)
{
	int k = advance(r);

	if (k <= 0)
		return k;
	r->a.rg = r->rg;
	r->a.row = r->index;
	if (pq_asm_row(&r->a, o, r->sel, r->nsel) < 0) {
		r->failed = 1;
		return -1;
	}
	r->index++;
	return 1;
}

int pq_rows_next(struct pq_rows *r, cJSON **row)
{
	struct pq_out o;
	int k;

	memset(&o, 0, sizeof(o));
	o.image = r->image;
	o.image_ctx = r->image_ctx;
	*row = NULL;
	k = next_into(r, &o);
	if (k <= 0) {
		cJSON_Delete(o.result);
		return k;
	}
	*row = o.result;
	return 1;
}

int pq_rows_write(struct pq_rows *r, struct jw *w)
{
	struct pq_out o;

	memset(&o, 0, sizeof(o));
	o.w = w;
	o.image = r->image;
	o.image_ctx = r->image_ctx;
	return next_into(r, &o);
}

void pq_rows_on_image(struct pq_rows *r, pq_image_fn fn, void *ctx)
{
	r->image = fn;
	r->image_ctx = ctx;
}

int pq_for_each_row(const char *path, int (*cb)(cJSON *row, size_t row_index, void *ctx),
		    void *ctx)
{
	return pq_for_each_row_images(path, cb, NULL, ctx);
}

int pq_for_each_row_images(const char *path, int (*cb)(cJSON *row, size_t row_index, void *ctx),
			   pq_image_fn image, void *ctx)
{
	struct pq_file *f = pq_open(path);
	struct pq_rows *r;
	cJSON *row;
	int k, rc = 0;

	if (!f)
		return -1;
	r = pq_rows_open(f, NULL, 0);
	if (!r) {
		pq_close(f);
		return -1;
	}
	pq_rows_on_image(r, image, ctx);
	while ((k = pq_rows_next(r, &row)) > 0) {
		size_t idx = (size_t)(pq_rows_index(r) - 1);
		int c = cb(row, idx, ctx);
		if (c < 0) {
			rc = c;
			break;
		}
	}
	if (k < 0)
		rc = -1;
	pq_rows_close(r);
	pq_close(f);
	return rc;
}
