/*
 * cmd_cat.c: `steval cat FILE.parquet...`: rows as JSON Lines, or the
 * schema, or the file's metadata.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "lib/xalloc.h"
#include "suites/parquet/parquet.h"

#define FLUSH_AT ((size_t)1 << 16)

static int flush(struct buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len)
		return error("cat: cannot write to standard output: %s", strerror(errno));
	buf_reset(b);
	return 0;
}

/* Split every --columns value at commas. */
static void split_columns(const struct opt_list *l, char ***out, size_t *n)
{
	size_t i, alloc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < l->nr; i++) {
		const char *s = l->v[i];
		for (;;) {
			const char *comma = strchr(s, ',');
			size_t len = comma ? (size_t)(comma - s) : strlen(s);
			if (len) {
				ALLOC_GROW(*out, *n + 1, alloc);
				(*out)[(*n)++] = xstrndup(s, len);
			}
			if (!comma)
				break;
			s = comma + 1;
		}
	}
}

static int cat_rows(const char *path, char **cols, size_t ncols, long limit, long *printed)
{
	struct pq_file *f = pq_open(path);
	struct pq_rows *r;
	struct buf out = BUF_INIT;
	struct jw w;
	int k, rc = 0;

	if (!f)
		return -1;
	r = pq_rows_open(f, ncols ? (const char *const *)cols : NULL, ncols);
	if (!r) {
		pq_close(f);
		return -1;
	}
	while (limit < 0 || *printed < limit) {
		size_t mark = out.len;
		jw_init(&w, &out, 0);
		k = pq_rows_write(r, &w);
		if (k <= 0) {
			buf_truncate(&out, mark);
			rc = k;
			break;
		}
		buf_addch(&out, '\n');
		if (out.overflow) {
			rc = error("'%s': row %lld is too large to print", path,
				   (long long)pq_rows_index(r) - 1);
			break;
		}
		(*printed)++;
		if (out.len >= FLUSH_AT && flush(&out) < 0) {
			rc = -1;
			break;
		}
	}
	if (flush(&out) < 0)
		rc = -1;
	buf_release(&out);
	pq_rows_close(r);
	pq_close(f);
	return rc;
}

static int cat_info(const char *path, int schema, int meta)
{
	struct pq_file *f = pq_open(path);
	struct buf out = BUF_INIT;
	int rc;

	if (!f)
		return -1;
	if (meta)
		pq_meta_print(f, &out);
	if (schema) {
		if (meta)
			buf_addch(&out, '\n');
		buf_addf(&out, "# %s: %lld rows, %zu row group%s\n", path,
			 (long long)pq_file_rows(f), pq_file_row_groups(f),
			 pq_file_row_groups(f) == 1 ? "" : "s");
		pq_schema_print(f, &out);
	}
	rc = flush(&out);
	buf_release(&out);
	pq_close(f);
	return rc;
}

int cmd_cat(int argc, char **argv)
{
	int schema = 0, meta = 0;
	long limit = -1, printed = 0;
	struct opt_list colopt = { NULL, 0, 0 };
	const struct opt opts[] = {
		{ "schema", 0, OPT_FLAG, &schema, NULL,
		  "print the schema tree (names, types, logical types, repetition) instead of rows" },
		{ "meta", 0, OPT_FLAG, &meta, NULL,
		  "print row groups and column chunks (codecs, encodings, sizes) instead of rows" },
		{ "limit", 'n', OPT_UINT, &limit, "N", "print at most N rows (over all files)" },
		{ "columns", 'c', OPT_LIST, &colopt, "A,B",
		  "only these top-level columns, in this order (repeatable)" },
		OPT_END_MARK
	};
	const struct opt_cmd cmd = {
		"cat", "steval cat [--schema] [--meta] [--limit N] [--columns A,B] FILE.parquet...",
		"Print the rows of Parquet files as JSON Lines: one object per row, column\n"
		"names as keys, structs and maps as objects, lists as arrays, null as null,\n"
		"integers exactly, floats as Python prints them. Dates and timestamps are\n"
		"strings (docs/parquet.md lists every type).",
		opts, 1, 1024,
	};
	const char **pos;
	size_t npos, i, ncols = 0;
	char **cols = NULL;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos);

	if (rc) {
		opt_list_release(&colopt);
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	}
	split_columns(&colopt, &cols, &ncols);
	if (limit < -1) {
		error("cat: --limit must not be negative");
		rc = -1;
	}
	for (i = 0; i < npos && rc == 0; i++) {
		if (schema || meta)
			rc = cat_info(pos[i], schema, meta);
		else
			rc = cat_rows(pos[i], cols, ncols, limit, &printed);
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = error("cat: cannot write to standard output: %s", strerror(errno));
	for (i = 0; i < ncols; i++)
		free(cols[i]);
	free(cols);
	free(pos);
	opt_list_release(&colopt);
	return rc < 0 ? EXIT_USAGE : EXIT_OK;
}
