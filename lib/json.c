#include "lib/common.h"
#include "lib/json.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>
#include <stdatomic.h>
#include <sys/mman.h>

static cJSON *parse_text(const char *text, size_t len, const char *name, size_t line_base, int quiet);

struct numtok {
	const char *p;
	size_t n;
};

/*
 * Collect the number tokens of a JSON text in document order. For text that
 * cJSON accepted, the numbers in the tree, walked depth-first in order, are
 * exactly these tokens.
 */
static int num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' || c == 'e' || c == 'E';
}

static void scan_numbers(const char *s, size_t len, struct numtok **out, size_t *nr)
{
	size_t i = 0, alloc = 0;

	*out = NULL;
	*nr = 0;
	while (i < len) {
		char c = s[i];
		if (c == '"') {
			/* to the closing quote: memchr finds the candidates */
			for (i++; i < len;) {
				const char *q = memchr(s + i, '"', len - i);
				size_t k, bs = 0;
				if (!q) {
					i = len;
					break;
				}
				/* escaped when an odd run of backslashes precedes it */
				for (k = (size_t)(q - s); k > i && s[k - 1] == '\\'; k--)
					bs++;
				i = (size_t)(q - s) + 1;
				if (!(bs & 1))
					break;
			}
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			size_t b = i;
			while (i < len && num_char(s[i]))
				i++;
			ALLOC_GROW(*out, *nr + 1, alloc);
			(*out)[*nr].p = s + b;
			(*out)[*nr].n = i - b;
			(*nr)++;
		} else {
			i++;
		}
	}
}

static int is_int_literal(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] == '.' || p[i] == 'e' || p[i] == 'E')
			return 0;
	return 1;
}

/* The Python str() of the value json.load gives for this literal. */
static char *spell_literal(const char *p, size_t n, double v)
{
	if (is_int_literal(p, n)) {
		if (n == 2 && p[0] == '-' && p[1] == '0')
			return xstrdup("0");
		return xmemdup(p, n);
	} else {
		struct buf b = BUF_INIT;
		py_float_repr(v, &b);
		return buf_detach(&b, NULL);
	}
}

static int attach(cJSON *node, struct numtok *toks, size_t nr, size_t *at)
{
	for (; node; node = node->next) {
		if (cJSON_IsNumber(node)) {
			if (*at >= nr)
				return -1;
			free(node->valuestring);
			node->valuestring = spell_literal(toks[*at].p, toks[*at].n,
							  node->valuedouble);
			(*at)++;
		} else if (node->child) {
			if (attach(node->child, toks, nr, at) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * cJSON ends strings at a NUL. A raw NUL byte is invalid JSON (reported with
 * its line); each "\u0000" escape inside a string becomes the bytes C0 80
 * (lib/pystr.h), which *copy receives when there is one (else NULL).
 */
static int nul_pass(const char *text, size_t len, const char *name, size_t line_base,
		    char **copy, size_t *copy_len)
{
	size_t i, line = 1, nesc = 0;
	int in_str = 0;

	*copy = NULL;
	if (!memchr(text, 0, len)) {
		/* the usual text: no NUL byte and no backslash before "u0000"
		 * (memchr is many times faster than the walk below) */
		const char *p = text, *e = text + len;
		while ((p = memchr(p, '\\', (size_t)(e - p))) && !(e - p > 5 && !memcmp(p + 1, "u0000", 5)))
			p++;
		if (!p)
			return 0;
	}
	for (i = 0; i < len; i++) {
		char c = text[i];
		if (c == '\n') {
			line++;
		} else if (!c) {
			if (!name)
				return -1;
			return error("'%s': line %zu: a NUL byte (invalid JSON; in a string it is "
				     "written \\u0000)", name, line + line_base);
		} else if (in_str && c == '\\' && i + 1 < len) {
			if (i + 5 < len && !memcmp(text + i + 1, "u0000", 5))
				nesc++;
			i++;
			if (!text[i])
				i--;   /* reported on the next turn */
		} else if (c == '"') {
			in_str = !in_str;
		}
	}
	if (!nesc)
		return 0;
	{
		struct buf b = BUF_INIT;
		in_str = 0;
		for (i = 0; i < len; i++) {
			char c = text[i];
			if (in_str && c == '\\' && i + 5 < len && !memcmp(text + i + 1, "u0000", 5)) {
				buf_add(&b, "\xC0\x80", 2);
				i += 5;
				continue;
			}
			buf_addch(&b, c);
			if (in_str && c == '\\' && i + 1 < len) {
				buf_addch(&b, text[++i]);
				continue;
			}
			if (c == '"')
				in_str = !in_str;
		}
		*copy_len = b.len;
		*copy = buf_detach(&b, NULL);
	}
	return 0;
}

cJSON *json_parse(const char *text, size_t len, const char *name, size_t line_base)
{
	char *copy;
	size_t copy_len;
	cJSON *root;

	if (nul_pass(text, len, name, line_base, &copy, &copy_len) < 0)
		return NULL;
	if (!copy)
		return parse_text(text, len, name, line_base, 0);
	root = parse_text(copy, copy_len, name, line_base, 0);
	free(copy);
	return root;
}

/* ---- the arena ------------------------------------------------------------ */

#define ARENA_RESERVE ((size_t)64 << 30)   /* address space, not memory */
#define ARENA_SLAB ((size_t)2 << 20)
#define ARENA_BIG (ARENA_SLAB / 8)          /* larger blocks come from malloc */

static char *arena_base;                    /* set once, before threads */
static atomic_size_t arena_next;            /* offset of the next free slab */
static _Thread_local int arena_on;
static _Thread_local char *slab_cur, *slab_end;

static void *arena_alloc(size_t n)
{
	void *p;

	if (!arena_on || n > ARENA_BIG)
		return malloc(n);
	n = (n + 15) & ~(size_t)15;
	if ((size_t)(slab_end - slab_cur) < n) {
		size_t off = atomic_fetch_add(&arena_next, ARENA_SLAB);
		char *slab = arena_base + off;
		if (off + ARENA_SLAB > ARENA_RESERVE ||
		    mprotect(slab, ARENA_SLAB, PROT_READ | PROT_WRITE) < 0) {
			arena_on = 0;   /* full, or no memory to commit: malloc */
			return malloc(n);
		}
#ifdef MADV_HUGEPAGE
		madvise(slab, ARENA_SLAB, MADV_HUGEPAGE);
#endif
		slab_cur = slab;
		slab_end = slab + ARENA_SLAB;
	}
	p = slab_cur;
	slab_cur += n;
	return p;
}

static void arena_free(void *p)
{
	if ((char *)p >= arena_base && (char *)p < arena_base + ARENA_RESERVE)
		return;
	free(p);
}

int json_arena_enable(void)
{
	cJSON_Hooks h = { arena_alloc, arena_free };
	char *m;
	uintptr_t a;

	if (arena_base)
		return 0;
	/* reserved, not committed: slabs are made writable as they are taken */
	m = mmap(NULL, ARENA_RESERVE + ARENA_SLAB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (m == MAP_FAILED)
		return -1;
	a = ((uintptr_t)m + ARENA_SLAB - 1) & ~(uintptr_t)(ARENA_SLAB - 1);   /* huge-page aligned */
	arena_base = (char *)a;
	cJSON_InitHooks(&h);
	return 0;
}

int json_arena_owns(const void *p)
{
	return arena_base && (const char *)p >= arena_base && (const char *)p < arena_base + ARENA_RESERVE;
}

void json_arena_use(int on)
{
	arena_on = on && arena_base;
}

cJSON *json_str_new(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	cJSON *v;
	size_t i, run = 0;

	if (!memchr(s, 0, n))
		return cJSON_CreateString(s);
	for (i = 0; i < n; i++)
		if (!s[i]) {
			buf_add(&b, s + run, i - run);
			buf_add(&b, "\xC0\x80", 2);
			run = i + 1;
		}
	buf_add(&b, s + run, n - run);
	v = cJSON_CreateString(buf_cstr(&b));
	buf_release(&b);
	return v;
}

cJSON *json_parse_raw(const char *text, size_t len)
{
	char *copy;
	size_t copy_len;
	cJSON *root;

	if (nul_pass(text, len, NULL, 0, &copy, &copy_len) < 0)
		return NULL;
	if (!copy)
		return cJSON_ParseWithLength(text, len);
	root = cJSON_ParseWithLength(copy, copy_len);
	free(copy);
	return root;
}

static cJSON *parse_text(const char *text, size_t len, const char *name, size_t line_base, int quiet)
{
	const char *end = NULL;
	cJSON *root;
	struct numtok *toks;
	size_t nr, at = 0;

	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!root && quiet)
		return NULL;
	if (!root) {
		size_t off = end ? (size_t)(end - text) : 0, line = 1, col = 1, i;
		if (off > len)
			off = len;
		for (i = 0; i < off; i++) {
			if (text[i] == '\n') {
				line++;
				col = 1;
			} else {
				col++;
			}
		}
		error("'%s': line %zu, column %zu: invalid JSON", name, line + line_base, col);
		return NULL;
	}
	/* Only white space may follow the value. */
	if (end) {
		const char *p = end, *e = text + len;
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (p < e && quiet) {
			cJSON_Delete(root);
			return NULL;
		}
		if (p < e) {
			size_t line = 1, i;
			for (i = 0; i < (size_t)(p - text); i++)
				line += text[i] == '\n';
			error("'%s': line %zu: unexpected text after the JSON value",
			      name, line + line_base);
			cJSON_Delete(root);
			return NULL;
		}
	}
	scan_numbers(text, end ? (size_t)(end - text) : len, &toks, &nr);
	if (attach(root, toks, nr, &at) < 0 || at != nr) {
		free(toks);
		if (!quiet)
			error("'%s': cannot match the numbers of this JSON text", name);
		cJSON_Delete(root);
		return NULL;
	}
	free(toks);
	return root;
}

cJSON *json_parse_file(const char *path, size_t max)
{
	struct buf b = BUF_INIT_MAX(max);
	cJSON *root;

	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	root = json_parse(buf_cstr(&b), b.len, path, 0);
	buf_release(&b);
	return root;
}

cJSON *json_parse_file_quiet(const char *path, size_t max)
{
	struct buf b = BUF_INIT_MAX(max);
	cJSON *root = NULL;

	if (read_file_quiet(path, &b) == 0) {
		char *copy;
		size_t copy_len;
		/* a NUL byte: NULL, silently (the name is NULL) */
		if (nul_pass(buf_cstr(&b), b.len, NULL, 0, &copy, &copy_len) == 0) {
			root = copy ? parse_text(copy, copy_len, path, 0, 1) :
				      parse_text(buf_cstr(&b), b.len, path, 0, 1);
			free(copy);
		}
	}
	buf_release(&b);
	return root;
}

cJSON *json_num_new(double v, const char *spelling)
{
	cJSON *n = cJSON_CreateNumber(v);

	if (!n) {
		fprintf(stderr, "steval: out of memory\n");
		abort();
	}
	if (spelling)
		n->valuestring = xstrdup(spelling);
	return n;
}

cJSON *json_int_new(long long v)
{
	char t[32];

	snprintf(t, sizeof(t), "%lld", v);
	return json_num_new((double)v, t);
}

cJSON *json_float_new(double v)
{
	struct buf b = BUF_INIT;
	cJSON *n;

	py_float_repr(v, &b);
	n = json_num_new(v, buf_cstr(&b));
	buf_release(&b);
	return n;
}

const char *json_spelling(const cJSON *num)
{
	return cJSON_IsNumber(num) ? num->valuestring : NULL;
}

int json_is_int(const cJSON *num)
{
	const char *s = json_spelling(num);

	if (!cJSON_IsNumber(num))
		return 0;
	if (!s)
		return num->valuedouble == floor(num->valuedouble) && fabs(num->valuedouble) < 9e15;
	return is_int_literal(s, strlen(s)) && !strstr(s, "inf") && !strstr(s, "nan");
}

const cJSON *json_get(const cJSON *obj, const char *key)
{
	const cJSON *c;

	if (!cJSON_IsObject(obj) || !key)
		return NULL;
	/* cJSON_GetObjectItemCaseSensitive(), the first byte compared before
	 * strcmp (most keys differ there): the first member of that name, and
	 * none after a member without one, as cJSON's */
	for (c = obj->child; c && c->string; c = c->next)
		if (c->string[0] == key[0] && !strcmp(c->string, key))
			return c;
	return NULL;
}

const char *json_get_str(const cJSON *obj, const char *key)
{
	const cJSON *v = json_get(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void pyrepr(const cJSON *v, struct buf *out, int top);

void json_pystr(const cJSON *v, struct buf *out)
{
	pyrepr(v, out, 1);
}

void json_pyrepr(const cJSON *v, struct buf *out)
{
	pyrepr(v, out, 0);
}

static void pyrepr(const cJSON *v, struct buf *out, int top)
{
	const cJSON *c;

	if (!v || cJSON_IsNull(v)) {
		buf_adds(out, "None");
	} else if (cJSON_IsTrue(v)) {
		buf_adds(out, "True");
	} else if (cJSON_IsFalse(v)) {
		buf_adds(out, "False");
	} else if (cJSON_IsNumber(v)) {
		if (v->valuestring)
			buf_adds(out, v->valuestring);
		else
			py_float_repr(v->valuedouble, out);
	} else if (cJSON_IsString(v)) {
		const char *s = v->valuestring ? v->valuestring : "";
		if (top)
			buf_adds(out, s);
		else
			py_str_repr(s, strlen(s), out);
	} else if (cJSON_IsArray(v)) {
		buf_addch(out, '[');
		for (c = v->child; c; c = c->next) {
			pyrepr(c, out, 0);
			if (c->next)
				buf_adds(out, ", ");
		}
		buf_addch(out, ']');
	} else if (cJSON_IsObject(v)) {
		buf_addch(out, '{');
		for (c = v->child; c; c = c->next) {
			const char *k = c->string ? c->string : "";
			py_str_repr(k, strlen(k), out);
			buf_adds(out, ": ");
			pyrepr(c, out, 0);
			if (c->next)
				buf_adds(out, ", ");
		}
		buf_addch(out, '}');
	} else if (cJSON_IsRaw(v)) {
		buf_adds(out, v->valuestring ? v->valuestring : "");
	}
}

/* ---- writer ---- */

/* The bytes json_escape() copies as they are: printable ASCII but '"', '\\'. */
static const unsigned char plain_ascii[256] = {
#define P4(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1
#define P16(c) P4(c), P4(c + 4), P4(c + 8), P4(c + 12)
	[0x20] = 1, [0x21] = 1, [0x23] = 1, P4(0x24), P4(0x28), P4(0x2C),   /* not '"' */
	P16(0x30), P16(0x40), P4(0x50), P4(0x54), P4(0x58),
	[0x5D] = 1, [0x5E] = 1, [0x5F] = 1, P16(0x60), P4(0x70), P4(0x74),   /* not '\\' */
	P4(0x78), [0x7C] = 1, [0x7D] = 1, [0x7E] = 1,
#undef P16
#undef P4
};

void json_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0;
	uint32_t c;

	while (i < n) {
		unsigned char ch;
		size_t w = 1;
		const char *esc = NULL;
		char u[7];

		/* printable ASCII other than '"' and '\\' is copied as it is */
		while (i < n && plain_ascii[(unsigned char)s[i]])
			i++;
		if (i >= n)
			break;
		ch = (unsigned char)s[i];
		if (ch == 0xC0 && i + 1 < n && (unsigned char)s[i + 1] == 0x80) {
			buf_add(out, s + run, i - run);
			buf_adds(out, "\\u0000");   /* a NUL held as C0 80 */
			i += 2;
			run = i;
			continue;
		}
		if (ch >= 0x80) {
			w = utf8_decode(s, n, i, &c);
			if (!(c == 0xFFFD && w == 1)) {
				i += w;
				continue;
			}
			buf_add(out, s + run, i - run);
			utf8_put(out, 0xFFFD);
			i += 1;
			run = i;
			continue;
		}
		switch (ch) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (ch < 0x20 || ch == 0x7F) {
				u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
				u[4] = hex[ch >> 4]; u[5] = hex[ch & 15]; u[6] = 0;
				esc = u;
			}
		}
		if (esc) {
			buf_add(out, s + run, i - run);
			buf_adds(out, esc);
			run = i + 1;
		}
		i++;
	}
	buf_add(out, s + run, n - run);
}

void jw_init(struct jw *w, struct buf *out, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
	w->first[0] = 1;
}

static void indent(struct jw *w)
{
	int i;

	buf_addch(w->out, '\n');
	for (i = 0; i < w->depth; i++)
		buf_adds(w->out, "  ");
}

static void before_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth > 0) {
		if (!w->first[w->depth])
			buf_addch(w->out, ',');
		if (w->pretty)
			indent(w);
	}
	w->first[w->depth] = 0;
}

static void open_container(struct jw *w, char ch)
{
	before_value(w);
	buf_addch(w->out, ch);
	if (w->depth + 1 < (int)sizeof(w->first))
		w->depth++;
	w->first[w->depth] = 1;
	w->is_arr[w->depth] = ch == '[';
}

void jw_obj(struct jw *w)
{
	open_container(w, '{');
}

void jw_arr(struct jw *w)
{
	open_container(w, '[');
}

void jw_end(struct jw *w)
{
	int empty = w->first[w->depth];
	int arr = w->is_arr[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !empty)
		indent(w);
	buf_addch(w->out, arr ? ']' : '}');
}

void jw_key(struct jw *w, const char *key)
{
	size_t n = strlen(key), i = 0;

	before_value(w);
	buf_addch(w->out, '"');
	while (i < n && plain_ascii[(unsigned char)key[i]])
		i++;
	if (i == n)
		buf_add(w->out, key, n);   /* the usual key: nothing to escape */
	else
		json_escape(w->out, key, n);
	buf_adds(w->out, w->pretty ? "\": " : "\":");
	w->after_key = 1;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	before_value(w);
	buf_addch(w->out, '"');
	json_escape(w->out, s, n);
	buf_addch(w->out, '"');
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_num(struct jw *w, double v)
{
	before_value(w);
	if (isnan(v) || isinf(v))
		buf_adds(w->out, "null");
	else
		py_float_repr(v, w->out);
}

void jw_int(struct jw *w, long long v)
{
	/* the digits by hand: printf's machinery costs ten times more */
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	char t[24];
	size_t k = sizeof(t);

	before_value(w);
	do
		t[--k] = (char)('0' + (int)(u % 10));
	while ((u /= 10));
	if (v < 0)
		t[--k] = '-';
	buf_add(w->out, t + k, sizeof(t) - k);
}

void jw_bool(struct jw *w, int v)
{
	before_value(w);
	buf_adds(w->out, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
	before_value(w);
	buf_adds(w->out, "null");
}

void jw_ref(struct jw *w, const char *s, size_t n)
{
	if (!w->refs) {
		buf_add(w->out, s, n);
		return;
	}
	if (w->out->len + w->refs->bytes + n > w->out->max) {
		w->out->overflow = 1;
		return;
	}
	bufrefs_add(w->refs, w->out->len, s, n);
}

void jw_raw(struct jw *w, const char *json)
{
	before_value(w);
	buf_adds(w->out, json);
}

void jw_value(struct jw *w, const cJSON *v)
{
	const cJSON *c;

	if (!v || cJSON_IsNull(v)) {
		jw_null(w);
	} else if (cJSON_IsTrue(v)) {
		jw_bool(w, 1);
	} else if (cJSON_IsFalse(v)) {
		jw_bool(w, 0);
	} else if (cJSON_IsNumber(v)) {
		const char *s = v->valuestring;
		if (s && strcmp(s, "nan") && strcmp(s, "inf") && strcmp(s, "-inf"))
			jw_raw(w, s);
		else
			jw_num(w, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		jw_str(w, v->valuestring ? v->valuestring : "");
	} else if (cJSON_IsArray(v)) {
		jw_arr(w);
		for (c = v->child; c; c = c->next)
			jw_value(w, c);
		jw_end(w);
	} else if (cJSON_IsObject(v)) {
		jw_obj(w);
		for (c = v->child; c; c = c->next) {
			jw_key(w, c->string ? c->string : "");
			jw_value(w, c);
		}
		jw_end(w);
	} else if (cJSON_IsRaw(v)) {
		jw_raw(w, v->valuestring ? v->valuestring : "null");
	}
}
