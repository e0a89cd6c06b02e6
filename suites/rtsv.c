#include "lib/common.h"
#include "suites/reader.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

#define SOURCE_MAX ((size_t)2 << 30)

struct row {
	struct buf *cells;
	int *quoted;
	size_t nr, alloc;
};

static void row_clear(struct row *r)
{
	size_t i;

	for (i = 0; i < r->nr; i++)
		buf_reset(&r->cells[i]);
	r->nr = 0;
}

static void row_release(struct row *r)
{
	size_t i;

	for (i = 0; i < r->alloc; i++)
		buf_release(&r->cells[i]);
	free(r->cells);
	free(r->quoted);
}

static struct buf *row_next_cell(struct row *r)
{
	if (r->nr == r->alloc) {
		size_t n = r->alloc ? r->alloc * 2 : 16, i;
		r->cells = xrealloc(r->cells, n * sizeof(*r->cells));
		r->quoted = xrealloc(r->quoted, n * sizeof(*r->quoted));
		for (i = r->alloc; i < n; i++)
			buf_init(&r->cells[i], SOURCE_MAX);
		r->alloc = n;
	}
	r->quoted[r->nr] = 0;
	return &r->cells[r->nr++];
}

/*
 * Parse one record starting at *pp. Advances *pp past its line end and
 * *line by the number of physical lines consumed. Returns 1 when a record
 * was read, 0 at end of input, -1 on an unterminated quote.
 */
static int parse_record(const char **pp, const char *end, char delim, struct row *r, size_t *line)
{
	const char *p = *pp;
	struct buf *cell;

	row_clear(r);
	if (p >= end)
		return 0;
	cell = row_next_cell(r);
	while (p < end) {
		char c = *p;
		if (c == '"' && cell->len == 0 && !r->quoted[r->nr - 1]) {
			r->quoted[r->nr - 1] = 1;
			p++;
			for (;;) {
				if (p >= end)
					return -1;
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						buf_addch(cell, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if (*p == '\n')
					(*line)++;
				buf_addch(cell, *p++);
			}
			continue;
		}
		if (c == delim) {
			cell = row_next_cell(r);
			p++;
			continue;
		}
		if (c == '\n' || c == '\r') {
			if (c == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			p++;
			break;
		}
		buf_addch(cell, c);
		p++;
	}
	(*line)++;
	*pp = p;
	return 1;
}

int reader_dsv(const char *path, char delim, record_fn cb, void *ctx)
{
	struct buf b = BUF_INIT_MAX(SOURCE_MAX);
	struct row hdr = { 0 }, row = { 0 };
	const char *p, *end;
	char **names = NULL;
	size_t nnames = 0, line = 0, start, i;
	int rc = 0, got;

	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	p = buf_cstr(&b);
	end = p + b.len;
	if (b.len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;   /* UTF-8 byte order mark */
	got = parse_record(&p, end, delim, &hdr, &line);
	if (got <= 0) {
		rc = error("'%s': %s", path, got < 0 ? "line 1: unterminated quote" : "empty file (no header line)");
		goto out;
	}
	nnames = hdr.nr;
	names = xcalloc(nnames, sizeof(*names));
	for (i = 0; i < nnames; i++) {
		names[i] = xstrdup(buf_cstr(&hdr.cells[i]));
		if (!*names[i] && i == 0)
			names[i] = (free(names[i]), xstrdup("index"));   /* pandas' unnamed index */
	}
	for (;;) {
		cJSON *rec;
		start = line + 1;
		got = parse_record(&p, end, delim, &row, &line);
		if (!got)
			break;
		if (got < 0) {
			rc = error("'%s': line %zu: unterminated quote", path, start);
			break;
		}
		if (row.nr == 1 && row.cells[0].len == 0 && !row.quoted[0])
			continue;   /* blank line */
		if (row.nr != nnames) {
			rc = error("'%s': line %zu: %zu fields, the header has %zu", path, start,
				   row.nr, nnames);
			break;
		}
		rec = cJSON_CreateObject();
		for (i = 0; i < nnames; i++) {
			cJSON *v;
			if (row.cells[i].len == 0 && !row.quoted[i])
				v = cJSON_CreateNull();
			else
				v = json_str_new(buf_cstr(&row.cells[i]), row.cells[i].len);
			cJSON_AddItemToObject(rec, names[i], v);
		}
		rc = cb(rec, start, ctx);
		if (rc < 0)
			break;
	}
out:
	for (i = 0; i < nnames; i++)
		free(names[i]);
	free(names);
	row_release(&hdr);
	row_release(&row);
	buf_release(&b);
	return rc < 0 ? rc : 0;
}

/* ---- Python literals ---- */

struct lit {
	const char *p, *end;
	const char *err;
	int depth;
};

static void skip_ws(struct lit *l)
{
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
		l->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static cJSON *lit_string(struct lit *l)
{
	char q = *l->p++;
	struct buf b = BUF_INIT;
	cJSON *s;

	while (l->p < l->end && *l->p != q) {
		char c = *l->p++;
		if (c != '\\') {
			buf_addch(&b, c);
			continue;
		}
		if (l->p >= l->end)
			break;
		c = *l->p++;
		switch (c) {
		case 'n': buf_addch(&b, '\n'); break;
		case 't': buf_addch(&b, '\t'); break;
		case 'r': buf_addch(&b, '\r'); break;
		case '0': buf_addch(&b, '\0'); break;
		case '\\': case '\'': case '"': buf_addch(&b, c); break;
		case 'x': case 'u': case 'U': {
			int n = c == 'x' ? 2 : c == 'u' ? 4 : 8, k;
			uint32_t cp = 0;
			for (k = 0; k < n; k++) {
				int h = l->p < l->end ? hexval(*l->p) : -1;
				if (h < 0) {
					l->err = "bad escape in a string";
					buf_release(&b);
					return NULL;
				}
				cp = cp * 16 + (uint32_t)h;
				l->p++;
			}
			utf8_put(&b, cp);
			break;
		}
		default:
			buf_addch(&b, '\\');
			buf_addch(&b, c);
		}
	}
	if (l->p >= l->end) {
		l->err = "unterminated string";
		buf_release(&b);
		return NULL;
	}
	l->p++;
	s = json_str_new(buf_cstr(&b), b.len);
	buf_release(&b);
	return s;
}

static cJSON *lit_value(struct lit *l);

static cJSON *lit_seq(struct lit *l, char close, int dict)
{
	cJSON *c = dict ? cJSON_CreateObject() : cJSON_CreateArray();

	l->p++;
	if (++l->depth > 64) {
		l->err = "nested too deeply";
		goto fail;
	}
	for (;;) {
		cJSON *k = NULL, *v;
		skip_ws(l);
		if (l->p < l->end && *l->p == close) {
			l->p++;
			break;
		}
		if (dict) {
			struct buf kb = BUF_INIT;
			k = lit_value(l);
			if (!k)
				goto fail;
			skip_ws(l);
			if (l->p >= l->end || *l->p != ':') {
				cJSON_Delete(k);
				l->err = "expected ':' in a dict";
				goto fail;
			}
			l->p++;
			v = lit_value(l);
			if (!v) {
				cJSON_Delete(k);
				goto fail;
			}
			json_pystr(k, &kb);
			cJSON_AddItemToObject(c, buf_cstr(&kb), v);
			buf_release(&kb);
			cJSON_Delete(k);
		} else {
			v = lit_value(l);
			if (!v)
				goto fail;
			cJSON_AddItemToArray(c, v);
		}
		skip_ws(l);
		if (l->p < l->end && *l->p == ',') {
			l->p++;
			continue;
		}
		if (l->p < l->end && *l->p == close) {
			l->p++;
			break;
		}
		l->err = "expected ',' or a closing bracket";
		goto fail;
	}
	l->depth--;
	return c;
fail:
	cJSON_Delete(c);
	return NULL;
}

static cJSON *lit_value(struct lit *l)
{
	const char *b;
	struct buf t = BUF_INIT;
	cJSON *v = NULL;
	double d;
	int is_int = 1;

	skip_ws(l);
	if (l->p >= l->end) {
		l->err = "unexpected end";
		return NULL;
	}
	switch (*l->p) {
	case '\'': case '"':
		return lit_string(l);
	case '[':
		return lit_seq(l, ']', 0);
	case '(':
		return lit_seq(l, ')', 0);
	case '{':
		return lit_seq(l, '}', 1);
	}
	b = l->p;
	while (l->p < l->end && !strchr(",:]}) \t\r\n", *l->p))
		l->p++;
	buf_add(&t, b, (size_t)(l->p - b));
	if (buf_equals(&t, "None"))
		v = cJSON_CreateNull();
	else if (buf_equals(&t, "True"))
		v = cJSON_CreateTrue();
	else if (buf_equals(&t, "False"))
		v = cJSON_CreateFalse();
	else if (t.len && py_float(buf_cstr(&t), t.len, &d) == 0) {
		size_t i;
		for (i = 0; i < t.len; i++)
			if (!strchr("+-0123456789_", t.data[i]))
				is_int = 0;
		if (is_int) {
			struct buf s = BUF_INIT;
			for (i = 0; i < t.len; i++)
				if (t.data[i] != '_' && t.data[i] != '+')
					buf_addch(&s, t.data[i]);
			v = json_num_new(d, buf_cstr(&s));
			buf_release(&s);
		} else {
			v = json_float_new(d);
		}
	} else {
		l->err = "not a Python literal";
	}
	buf_release(&t);
	return v;
}

cJSON *pylit_parse(const char *s, size_t len, const char **err)
{
	struct lit l = { s, s + len, NULL, 0 };
	cJSON *v = lit_value(&l);

	if (v) {
		skip_ws(&l);
		if (l.p != l.end) {
			cJSON_Delete(v);
			v = NULL;
			l.err = "unexpected text after the value";
		}
	}
	if (!v && err)
		*err = l.err ? l.err : "malformed";
	return v;
}
