/*
 * judge.c: the judge protocol, its prompt, the reading of its reply, the
 * verdict cache key, and verdicts applied to samples (scorers/judge.h).
 *
 * The reply reader restates Python 3.11's json.loads (the C scanner:
 * ASCII digits, strict strings, NaN/Infinity accepted, white space
 * " \t\n\r" only) and pydantic 2's lax validation of
 * {"extracted_answer": str, "correct": bool}; every case in
 * ../shared/research/judges.md §2.5 is in tests/unit/scorers/test_judge.c.
 */
#include "lib/common.h"
#include "scorers/judge.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <math.h>
#include <strings.h>

#define PJ_MAX_DEPTH 900   /* deeper: Python raises RecursionError (the script stops) */

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void judge_proto_release(struct judge_proto *jp)
{
	size_t i;

	free(jp->name);
	free(jp->source);
	free(jp->model);
	free(jp->system);
	free(jp->template_);
	free(jp->option_format);
	free(jp->option_join);
	cJSON_Delete(jp->generation);
	for (i = 0; i < jp->nretry_finish; i++)
		free(jp->retry_finish[i]);
	free(jp->retry_finish);
	free(jp->unparsed);
	free(jp->official_failure);
	memset(jp, 0, sizeof(*jp));
}

static const char *const judge_keys[] = {
	"name", "source", "model", "system", "template", "option_format", "option_join",
	"generation", "parser", "retry_finish", "unparsed", "official_failure", "description", NULL,
};

int judge_proto_load(struct judge_proto *jp, const struct protocol *p)
{
	const cJSON *j = p ? json_get(p->json, "judge") : NULL, *k, *g;
	const char *parser, *tpl;
	struct sha256 h;
	struct buf b = BUF_INIT;
	struct jw w;
	size_t i;

	memset(jp, 0, sizeof(*jp));
	if (!j || cJSON_IsNull(j))
		return 0;
	if (!cJSON_IsObject(j))
		return error("protocol '%s': \"judge\" is an object", p->name);
	cJSON_ArrayForEach(k, j) {
		int ok = k->string[0] == '_';
		for (i = 0; judge_keys[i] && !ok; i++)
			ok = !strcmp(k->string, judge_keys[i]);
		if (!ok)
			return error("protocol '%s': judge: unknown key '%s'", p->name, k->string);
	}
	tpl = json_get_str(j, "template");
	if (!tpl || !json_get_str(j, "name"))
		return error("protocol '%s': judge: \"name\" and \"template\" are required", p->name);
	jp->name = xstrdup(json_get_str(j, "name"));
	jp->source = dup_or_null(json_get_str(j, "source"));
	jp->model = dup_or_null(json_get_str(j, "model"));
	jp->system = dup_or_null(json_get_str(j, "system"));
	jp->template_ = xstrdup(tpl);
	jp->option_format = xstrdup(json_get_str(j, "option_format") ? json_get_str(j, "option_format") :
				    "{key}: {value}");
	jp->option_join = xstrdup(json_get_str(j, "option_join") ? json_get_str(j, "option_join") : "\n");
	g = json_get(j, "generation");
	if (g && !cJSON_IsObject(g)) {
		judge_proto_release(jp);
		return error("protocol '%s': judge: \"generation\" is an object", p->name);
	}
	jp->generation = g ? cJSON_Duplicate(g, 1) : cJSON_CreateObject();
	parser = json_get_str(j, "parser");
	if (!parser || !strcmp(parser, "json")) {
		jp->parser = JUDGE_PARSE_JSON;
	} else if (!strcmp(parser, "braces")) {
		jp->parser = JUDGE_PARSE_BRACES;
	} else {
		judge_proto_release(jp);
		return error("protocol '%s': judge: parser is \"json\" or \"braces\", not '%s'", p->name,
			     parser);
	}
	cJSON_ArrayForEach(k, json_get(j, "retry_finish")) {
		if (!cJSON_IsString(k))
			continue;
		jp->retry_finish = xrealloc(jp->retry_finish, (jp->nretry_finish + 1) * sizeof(char *));
		jp->retry_finish[jp->nretry_finish++] = xstrdup(k->valuestring);
	}
	jp->unparsed = xstrdup(json_get_str(j, "unparsed") ? json_get_str(j, "unparsed") : "");
	jp->official_failure = dup_or_null(json_get_str(j, "official_failure"));
	sha256_hex(jp->system ? jp->system : "", jp->system ? strlen(jp->system) : 0, jp->system_sha256);
	sha256_init(&h);
	sha256_update(&h, jp->template_, strlen(jp->template_) + 1);
	sha256_update(&h, jp->option_format, strlen(jp->option_format) + 1);
	sha256_update(&h, jp->option_join, strlen(jp->option_join));
	sha256_final(&h, jp->template_sha256);
	jw_init(&w, &b, 0);
	jw_value(&w, jp->generation);
	sha256_hex(buf_cstr(&b), b.len, jp->settings_sha256);
	buf_release(&b);
	return 1;
}

/* ---- the prompt ---- */

static void option_value(const struct option *o, struct buf *out)
{
	if (o->value)
		json_pystr(o->value, out);
	else
		buf_adds(out, o->text ? o->text : "None");
}

/* Substitute {name} in fmt; "{{" and "}}" are braces. */
static int fill(const char *fmt, int (*val)(void *ctx, const char *name, size_t n, struct buf *out),
		void *ctx, struct buf *out)
{
	const char *p = fmt;

	while (*p) {
		if (p[0] == '{' && p[1] == '{') {
			buf_addch(out, '{');
			p += 2;
		} else if (p[0] == '}' && p[1] == '}') {
			buf_addch(out, '}');
			p += 2;
		} else if (p[0] == '{') {
			const char *e = strchr(p + 1, '}');
			if (!e || val(ctx, p + 1, (size_t)(e - p - 1), out) < 0)
				return error("judge template: unknown placeholder near '%.20s'", p);
			p = e + 1;
		} else {
			buf_addch(out, *p++);
		}
	}
	return 0;
}

static int is_name(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && !memcmp(s, name, n);
}

struct opt_ctx {
	const struct option *o;
};

static int opt_val(void *vctx, const char *name, size_t n, struct buf *out)
{
	struct opt_ctx *c = vctx;

	if (is_name(name, n, "key") || is_name(name, n, "letter"))
		buf_adds(out, c->o->letter);
	else if (is_name(name, n, "value") || is_name(name, n, "text"))
		option_value(c->o, out);
	else
		return -1;
	return 0;
}

struct prompt_ctx {
	const struct judge_proto *jp;
	const struct item *it;
	const char *response;
	size_t response_len;
};

static int prompt_val(void *vctx, const char *name, size_t n, struct buf *out)
{
	struct prompt_ctx *c = vctx;
	const struct item *it = c->it;
	size_t i;

	if (is_name(name, n, "question")) {
		buf_adds(out, it->question ? it->question : "None");
	} else if (is_name(name, n, "answer")) {
		buf_adds(out, it->answer ? it->answer : "None");
	} else if (is_name(name, n, "response")) {
		if (c->response)
			buf_add(out, c->response, c->response_len);
		else
			buf_adds(out, "None");
	} else if (is_name(name, n, "options")) {
		for (i = 0; i < it->nopt; i++) {
			struct opt_ctx oc = { &it->opts[i] };
			if (i)
				buf_adds(out, c->jp->option_join);
			if (fill(c->jp->option_format, opt_val, &oc, out) < 0)
				return -1;
		}
	} else if (is_name(name, n, "id")) {
		buf_adds(out, it->id);
	} else {
		return -1;
	}
	return 0;
}

int judge_render(const struct judge_proto *jp, const struct item *it, const char *response,
		 size_t response_len, struct buf *out)
{
	struct prompt_ctx c = { jp, it, response, response_len };

	return fill(jp->template_, prompt_val, &c, out);
}

/* ---- Python's json.loads, strict, and the two fields ---- */

enum pj_type { PJ_NONE, PJ_NULL, PJ_BOOL, PJ_INT, PJ_FLOAT, PJ_STR, PJ_ARR, PJ_OBJ };

struct pj_val {
	enum pj_type t;
	int b;
	double d;
	int int_is01;        /* PJ_INT: -1 neither, else 0 or 1 */
	struct buf s;        /* PJ_STR: decoded, UTF-8 */
};

struct pj {
	const char *p, *end;
	const char *err;
	int depth;
};

static void pj_ws(struct pj *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int pj_fail(struct pj *j, const char *msg)
{
	if (!j->err)
		j->err = msg;
	return -1;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int pj_hex4(struct pj *j, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (j->end - j->p < 4)
		return pj_fail(j, "Invalid \\uXXXX escape");
	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)j->p[i]);
		if (h < 0)
			return pj_fail(j, "Invalid \\uXXXX escape");
		v = v * 16 + (unsigned)h;
	}
	j->p += 4;
	*out = v;
	return 0;
}

static void put_utf8(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp >= 0xD800 && cp <= 0xDFFF)
		cp = 0xFFFD;   /* a lone surrogate: Python keeps it; UTF-8 cannot */
	if (cp < 0x80) {
		buf_addch(b, (int)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 4);
	}
}

/* at the opening quote; out may be NULL */
static int pj_string(struct pj *j, struct buf *out)
{
	j->p++;
	for (;;) {
		unsigned char c;
		if (j->p >= j->end)
			return pj_fail(j, "Unterminated string");
		c = (unsigned char)*j->p;
		if (c == '"') {
			j->p++;
			return 0;
		}
		if (c < 0x20)
			return pj_fail(j, "Invalid control character in string");
		if (c != '\\') {
			if (out)
				buf_addch(out, c);
			j->p++;
			continue;
		}
		j->p++;
		if (j->p >= j->end)
			return pj_fail(j, "Unterminated string");
		c = (unsigned char)*j->p++;
		switch (c) {
		case '"': case '\\': case '/':
			if (out)
				buf_addch(out, c);
			break;
		case 'b': if (out) buf_addch(out, '\b'); break;
		case 'f': if (out) buf_addch(out, '\f'); break;
		case 'n': if (out) buf_addch(out, '\n'); break;
		case 'r': if (out) buf_addch(out, '\r'); break;
		case 't': if (out) buf_addch(out, '\t'); break;
		case 'u': {
			unsigned cp, lo;
			if (pj_hex4(j, &cp) < 0)
				return -1;
			if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' &&
			    j->p[1] == 'u') {
				const char *save = j->p;
				j->p += 2;
				if (pj_hex4(j, &lo) < 0)
					return -1;
				if (lo >= 0xDC00 && lo <= 0xDFFF)
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				else
					j->p = save;
			}
			if (out)
				put_utf8(out, cp);
			break;
		}
		default:
			return pj_fail(j, "Invalid \\escape");
		}
	}
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int pj_value(struct pj *j, struct pj_val *v);

static int pj_number(struct pj *j, struct pj_val *v)
{
	const char *s = j->p, *q = j->p;
	int frac = 0;

	if (q < j->end && *q == '-')
		q++;
	if (q < j->end && *q == 'I' && j->end - q >= 8 && !memcmp(q, "Infinity", 8)) {
		j->p = q + 8;
		if (v) {
			v->t = PJ_FLOAT;
			v->d = *s == '-' ? -INFINITY : INFINITY;
		}
		return 0;
	}
	if (q >= j->end || !is_digit(*q))
		return pj_fail(j, "Expecting value");
	if (*q == '0')
		q++;
	else
		while (q < j->end && is_digit(*q))
			q++;
	if (q + 1 < j->end && *q == '.' && is_digit(q[1])) {
		q++;
		while (q < j->end && is_digit(*q))
			q++;
		frac = 1;
	}
	if (q < j->end && (*q == 'e' || *q == 'E')) {
		const char *e = q + 1;
		if (e < j->end && (*e == '+' || *e == '-'))
			e++;
		if (e < j->end && is_digit(*e)) {
			while (e < j->end && is_digit(*e))
				e++;
			q = e;
			frac = 1;
		}
	}
	j->p = q;
	if (v) {
		char tmp[64];
		size_t n = (size_t)(q - s);
		if (!frac) {
			v->t = PJ_INT;
			v->int_is01 = -1;
			if ((n == 1 || (n == 2 && s[0] == '-')) && (s[n - 1] == '0' || s[n - 1] == '1'))
				v->int_is01 = s[n - 1] == '1' ? (s[0] == '-' ? -1 : 1) : 0;
		} else {
			v->t = PJ_FLOAT;
			if (n < sizeof(tmp)) {
				memcpy(tmp, s, n);
				tmp[n] = 0;
				v->d = strtod(tmp, NULL);
			} else {
				v->d = 2;   /* not 0 or 1 whatever it is */
			}
		}
	}
	return 0;
}

static int lit(struct pj *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, word, n)) {
		j->p += n;
		return 1;
	}
	return 0;
}

/* The top-level object: remember the last "extracted_answer" and "correct". */
struct pj_top {
	struct pj_val ext, cor;
};

static int pj_object(struct pj *j, struct pj_top *top)
{
	struct buf key = BUF_INIT;
	int rc = -1;

	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		struct pj_val *slot = NULL;
		if (j->p >= j->end || *j->p != '"') {
			pj_fail(j, "Expecting property name enclosed in double quotes");
			goto out;
		}
		buf_reset(&key);
		if (pj_string(j, top ? &key : NULL) < 0)
			goto out;
		pj_ws(j);
		if (j->p >= j->end || *j->p != ':') {
			pj_fail(j, "Expecting ':' delimiter");
			goto out;
		}
		j->p++;
		pj_ws(j);
		if (top && buf_equals(&key, "extracted_answer"))
			slot = &top->ext;
		else if (top && buf_equals(&key, "correct"))
			slot = &top->cor;
		if (slot) {
			buf_reset(&slot->s);
			slot->t = PJ_NONE;
		}
		if (pj_value(j, slot) < 0)
			goto out;
		pj_ws(j);
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			rc = 0;
			goto out;
		}
		if (j->p >= j->end || *j->p != ',') {
			pj_fail(j, "Expecting ',' delimiter");
			goto out;
		}
		j->p++;
		pj_ws(j);
	}
out:
	buf_release(&key);
	return rc;
}

static int pj_array(struct pj *j)
{
	j->p++;
	pj_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		if (pj_value(j, NULL) < 0)
			return -1;
		pj_ws(j);
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		if (j->p >= j->end || *j->p != ',')
			return pj_fail(j, "Expecting ',' delimiter");
		j->p++;
		pj_ws(j);
	}
}

static int pj_value(struct pj *j, struct pj_val *v)
{
	int rc;

	if (j->p >= j->end)
		return pj_fail(j, "Expecting value");
	switch (*j->p) {
	case '"':
		if (v)
			v->t = PJ_STR;
		return pj_string(j, v ? &v->s : NULL);
	case '{':
		if (++j->depth > PJ_MAX_DEPTH)
			return pj_fail(j, "nested too deeply (Python: RecursionError)");
		rc = pj_object(j, NULL);
		j->depth--;
		if (v)
			v->t = PJ_OBJ;
		return rc;
	case '[':
		if (++j->depth > PJ_MAX_DEPTH)
			return pj_fail(j, "nested too deeply (Python: RecursionError)");
		rc = pj_array(j);
		j->depth--;
		if (v)
			v->t = PJ_ARR;
		return rc;
	case 'n':
		if (lit(j, "null")) {
			if (v)
				v->t = PJ_NULL;
			return 0;
		}
		break;
	case 't':
		if (lit(j, "true")) {
			if (v) {
				v->t = PJ_BOOL;
				v->b = 1;
			}
			return 0;
		}
		break;
	case 'f':
		if (lit(j, "false")) {
			if (v) {
				v->t = PJ_BOOL;
				v->b = 0;
			}
			return 0;
		}
		break;
	case 'N':
		if (lit(j, "NaN")) {
			if (v) {
				v->t = PJ_FLOAT;
				v->d = NAN;
			}
			return 0;
		}
		break;
	default:
		if (*j->p == '-' || is_digit(*j->p))
			return pj_number(j, v);
		break;
	}
	return pj_fail(j, "Expecting value");
}

/* pydantic 2, lax mode, bool */
static int lax_bool(const struct pj_val *v)
{
	static const char *const yes[] = { "1", "on", "t", "true", "y", "yes", NULL };
	static const char *const no[] = { "0", "off", "f", "false", "n", "no", NULL };
	size_t i;

	switch (v->t) {
	case PJ_BOOL:
		return v->b;
	case PJ_INT:
		return v->int_is01 == 0 || v->int_is01 == 1 ? v->int_is01 : -1;
	case PJ_FLOAT:
		if (v->d == 0)
			return 0;
		if (v->d == 1)
			return 1;
		return -1;
	case PJ_STR:
		for (i = 0; yes[i]; i++)
			if (v->s.len == strlen(yes[i]) && !strncasecmp(buf_cstr(&v->s), yes[i], v->s.len))
				return 1;
		for (i = 0; no[i]; i++)
			if (v->s.len == strlen(no[i]) && !strncasecmp(buf_cstr(&v->s), no[i], v->s.len))
				return 0;
		return -1;
	default:
		return -1;
	}
}

static void reading_unparsed(const struct judge_proto *jp, struct judge_reading *r, const char *why)
{
	r->status = JUDGE_UNPARSED;
	r->correct = 0;
	r->extracted = xstrdup(jp->unparsed ? jp->unparsed : "");
	r->why = xstrdup(why);
}

enum judge_status judge_read(const struct judge_proto *jp, const char *text, size_t len,
			     struct judge_reading *r)
{
	struct pj j;
	struct pj_top top;
	const char *a, *b;
	int cor;

	memset(r, 0, sizeof(*r));
	if (!text) {
		reading_unparsed(jp, r, "no content in the reply (a refusal)");
		return r->status;
	}
	a = text;
	b = text + len;
	if (jp->parser == JUDGE_PARSE_BRACES) {
		/* response_text[find('{'):rfind('}') + 1] */
		const char *o = memchr(text, '{', len), *c = NULL, *q;
		for (q = text + len; q > text; q--)
			if (q[-1] == '}') {
				c = q - 1;
				break;
			}
		if (!o || !c || c < o) {
			reading_unparsed(jp, r, "no JSON object in the reply (no '{' ... '}')");
			return r->status;
		}
		a = o;
		b = c + 1;
	}
	memset(&j, 0, sizeof(j));
	memset(&top, 0, sizeof(top));
	buf_init(&top.ext.s, BUF_MAX_DEFAULT);
	buf_init(&top.cor.s, BUF_MAX_DEFAULT);
	j.p = a;
	j.end = b;
	pj_ws(&j);
	if (j.p >= j.end || *j.p != '{') {
		/* a JSON value that is not an object cannot be **-ed into the model */
		if (pj_value(&j, NULL) == 0)
			j.err = "the reply's JSON is not an object";
	} else if (pj_object(&j, &top) == 0) {
		pj_ws(&j);
		if (j.p != j.end)
			j.err = "Extra data after the JSON object";
	}
	if (j.err) {
		struct buf why = BUF_INIT;
		buf_addf(&why, "not JSON: %s at offset %zu", j.err, (size_t)(j.p - text));
		reading_unparsed(jp, r, buf_cstr(&why));
		buf_release(&why);
	} else if (top.ext.t == PJ_NONE || top.cor.t == PJ_NONE) {
		reading_unparsed(jp, r, top.ext.t == PJ_NONE ? "no \"extracted_answer\" field" :
				 "no \"correct\" field");
	} else if (top.ext.t != PJ_STR) {
		reading_unparsed(jp, r, "\"extracted_answer\" is not a string");
	} else if ((cor = lax_bool(&top.cor)) < 0) {
		reading_unparsed(jp, r, "\"correct\" is not a valid boolean");
	} else {
		r->status = JUDGE_OK;
		r->correct = cor;
		r->extracted = xstrdup(buf_cstr(&top.ext.s));
	}
	buf_release(&top.ext.s);
	buf_release(&top.cor.s);
	return r->status;
}

void judge_reading_release(struct judge_reading *r)
{
	free(r->extracted);
	free(r->why);
	memset(r, 0, sizeof(*r));
}

int judge_retry_finish(const struct judge_proto *jp, const char *finish_reason)
{
	size_t i;

	if (!finish_reason)
		return 0;
	for (i = 0; i < jp->nretry_finish; i++)
		if (!strcmp(jp->retry_finish[i], finish_reason))
			return 1;
	return 0;
}

/* ---- the cache key ---- */

int judge_cache_key(const char *model_id, const char *body, size_t len, char hex[65])
{
	static const char *const transport[] = { "stream", "stream_options", NULL };
	cJSON *t = json_parse(body, len, "judge request", 0);
	struct buf b = BUF_INIT;
	struct sha256 h;
	struct jw w;
	size_t i;

	if (!t || !cJSON_IsObject(t)) {
		cJSON_Delete(t);
		return -1;
	}
	for (i = 0; transport[i]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(t, transport[i]);
	jw_init(&w, &b, 0);
	jw_value(&w, t);
	sha256_init(&h);
	sha256_update(&h, "steval-judge-1\n", 15);
	sha256_update(&h, model_id ? model_id : "", model_id ? strlen(model_id) : 0);
	sha256_update(&h, "\n", 1);
	sha256_update(&h, buf_cstr(&b), b.len);
	sha256_final(&h, hex);
	buf_release(&b);
	cJSON_Delete(t);
	return 0;
}

/* ---- verdicts in samples ---- */

/* Set o[k] = v, in its place when the key is there (the line keeps its order). */
static void set_item(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void set_str(cJSON *o, const char *k, const char *v)
{
	set_item(o, k, cJSON_CreateString(v ? v : ""));
}

/* Move the record's own grading to variants.rules (first among the variants). */
static void keep_rules(cJSON *rec)
{
	static const char *const keys[] = { "status", "extracted", "rule", "fallback", "score", NULL };
	cJSON *vars = cJSON_GetObjectItemCaseSensitive(rec, "variants"), *rules;
	size_t i;

	if (json_get(rec, "judge") || json_get(vars, "rules"))
		return;   /* judged before (or --verdicts): the rules are kept already */
	rules = cJSON_CreateObject();
	for (i = 0; keys[i]; i++) {
		const cJSON *v = json_get(rec, keys[i]);
		if (v)
			cJSON_AddItemToObject(rules, keys[i], cJSON_Duplicate(v, 1));
	}
	if (!cJSON_IsObject(vars)) {
		vars = cJSON_CreateObject();
		cJSON_AddItemToObject(rec, "variants", vars);
	}
	/* first: the variant a reader sees beside the judge */
	rules->string = xstrdup("rules");
	rules->next = vars->child;
	rules->prev = vars->child ? vars->child->prev : rules;
	if (vars->child)
		vars->child->prev = rules;
	vars->child = rules;
}

void judge_apply(cJSON *rec, const struct judge_result *r)
{
	cJSON *j = cJSON_CreateObject(), *u;

	keep_rules(rec);
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "rule");
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "fallback");
	if (r->error) {
		set_str(rec, "status", "error");
		set_str(rec, "extracted", "");
		set_item(rec, "score", cJSON_CreateNull());
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "verdict");
		cJSON_DeleteItemFromObjectCaseSensitive(rec, "verdict_extracted");
	} else {
		const struct judge_reading *rd = r->reading;
		set_str(rec, "status", rd->status == JUDGE_OK ? "ok" : "unparsed");
		set_str(rec, "extracted", rd->extracted ? rd->extracted : "");
		set_item(rec, "score", cJSON_CreateNumber(rd->correct ? 1 : 0));
		set_item(rec, "verdict", cJSON_CreateBool(rd->correct));
		set_str(rec, "verdict_extracted", rd->extracted ? rd->extracted : "");
	}
	cJSON_AddItemToObject(j, "name", cJSON_CreateString(r->judge_name ? r->judge_name : ""));
	if (r->judge_spec)
		cJSON_AddItemToObject(j, "spec", cJSON_CreateString(r->judge_spec));
	cJSON_AddItemToObject(j, "model", cJSON_CreateString(r->judge_model ? r->judge_model : ""));
	if (r->error) {
		cJSON_AddItemToObject(j, "status", cJSON_CreateString("judge_error"));
		cJSON_AddItemToObject(j, "error", cJSON_CreateString(r->error_msg ? r->error_msg : "failed"));
	} else {
		const struct judge_reading *rd = r->reading;
		cJSON_AddItemToObject(j, "status", cJSON_CreateString(rd->status == JUDGE_OK ? "ok" :
									"unparsed_verdict"));
		cJSON_AddItemToObject(j, "verdict", cJSON_CreateBool(rd->correct));
		cJSON_AddItemToObject(j, "extracted", cJSON_CreateString(rd->extracted ? rd->extracted : ""));
		if (rd->why)
			cJSON_AddItemToObject(j, "why", cJSON_CreateString(rd->why));
	}
	cJSON_AddItemToObject(j, "reply", r->reply ? cJSON_CreateString(r->reply) : cJSON_CreateNull());
	if (r->finish_reason)
		cJSON_AddItemToObject(j, "finish_reason", cJSON_CreateString(r->finish_reason));
	cJSON_AddItemToObject(j, "cached", cJSON_CreateBool(r->cached));
	if (r->key)
		cJSON_AddItemToObject(j, "key", cJSON_CreateString(r->key));
	if (r->attempts)
		cJSON_AddItemToObject(j, "attempts", json_int_new(r->attempts));
	if (r->in_tokens >= 0 || r->out_tokens >= 0) {
		u = cJSON_CreateObject();
		cJSON_AddItemToObject(u, "input", r->in_tokens >= 0 ? json_int_new(r->in_tokens) : cJSON_CreateNull());
		cJSON_AddItemToObject(u, "output", r->out_tokens >= 0 ? json_int_new(r->out_tokens) : cJSON_CreateNull());
		cJSON_AddItemToObject(j, "usage", u);
	}
	if (r->cost >= 0)
		cJSON_AddItemToObject(j, "cost", json_float_new(r->cost));
	set_item(rec, "judge", j);
}

int judge_done(const cJSON *rec, const char *name, const char *model)
{
	const cJSON *j = json_get(rec, "judge");
	const char *st = json_get_str(j, "status"), *n = json_get_str(j, "name"), *m = json_get_str(j, "model");

	return j && st && strcmp(st, "judge_error") && n && !strcmp(n, name) && m && model &&
	       !strcmp(m, model);
}

/* ---- statistics ---- */

void judge_stats_init(struct judge_stats *s)
{
	memset(s, 0, sizeof(*s));
	s->disagree = cJSON_CreateArray();
	s->unparsed_ids = cJSON_CreateArray();
	s->error_ids = cJSON_CreateArray();
	s->cost_known = 1;
}

void judge_stats_release(struct judge_stats *s)
{
	free(s->name);
	free(s->model);
	free(s->spec);
	cJSON_Delete(s->disagree);
	cJSON_Delete(s->unparsed_ids);
	cJSON_Delete(s->error_ids);
	memset(s, 0, sizeof(*s));
}

static long long usage_of(const cJSON *u, const char *k)
{
	const cJSON *v = json_get(u, k);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? (long long)v->valuedouble : 0;
}

void judge_stats_add(struct judge_stats *s, const cJSON *rec)
{
	const cJSON *j = json_get(rec, "judge"), *rules = json_get(json_get(rec, "variants"), "rules");
	const char *st = json_get_str(j, "status"), *id = json_get_str(rec, "id");
	const char *rst = json_get_str(rules, "status");

	if (!cJSON_IsObject(j) || !st)
		return;
	s->judged++;
	if (!s->name && json_get_str(j, "name"))
		s->name = xstrdup(json_get_str(j, "name"));
	if (!s->model && json_get_str(j, "model"))
		s->model = xstrdup(json_get_str(j, "model"));
	if (!s->spec && json_get_str(j, "spec"))
		s->spec = xstrdup(json_get_str(j, "spec"));
	if (cJSON_IsTrue(json_get(j, "cached")))
		s->cached++;
	if (!cJSON_IsTrue(json_get(j, "cached"))) {
		s->in_tokens += usage_of(json_get(j, "usage"), "input");
		s->out_tokens += usage_of(json_get(j, "usage"), "output");
		if (cJSON_IsNumber(json_get(j, "cost"))) {
			s->cost += json_get(j, "cost")->valuedouble;
			s->has_cost = 1;
		}
		else if (json_get(j, "usage"))
			s->cost_known = 0;
	}
	if (!strcmp(st, "judge_error")) {
		s->errors++;
		cJSON_AddItemToArray(s->error_ids, cJSON_CreateString(id ? id : ""));
		return;
	}
	if (!strcmp(st, "unparsed_verdict")) {
		s->unparsed++;
		cJSON_AddItemToArray(s->unparsed_ids, cJSON_CreateString(id ? id : ""));
	} else {
		s->ok++;
	}
	if (rst && strcmp(rst, "error") && cJSON_IsNumber(json_get(rules, "score"))) {
		int jv = cJSON_IsTrue(json_get(j, "verdict"));
		int rv = json_get(rules, "score")->valuedouble >= 1;
		s->n2++;
		if (jv == rv) {
			s->agree++;
		} else {
			cJSON *d = cJSON_CreateObject();
			cJSON_AddItemToObject(d, "id", cJSON_CreateString(id ? id : ""));
			cJSON_AddItemToObject(d, "judge", cJSON_CreateBool(jv));
			cJSON_AddItemToObject(d, "judge_extracted",
					      cJSON_CreateString(json_get_str(j, "extracted") ?
								 json_get_str(j, "extracted") : ""));
			cJSON_AddItemToObject(d, "rules", cJSON_CreateBool(rv));
			cJSON_AddItemToObject(d, "rules_status", cJSON_CreateString(rst));
			cJSON_AddItemToObject(d, "rules_extracted",
					      cJSON_CreateString(json_get_str(rules, "extracted") ?
								 json_get_str(rules, "extracted") : ""));
			cJSON_AddItemToArray(s->disagree, d);
		}
		if (jv && rv)
			s->jr_yes_rule_yes++;
		else if (jv)
			s->jr_yes_rule_no++;
		else if (rv)
			s->jr_no_rule_yes++;
		else
			s->jr_no_rule_no++;
	}
}

double judge_kappa(const struct judge_stats *s)
{
	double n = (double)s->n2, po, pe, j1, r1;

	if (!s->n2)
		return NAN;
	po = (double)(s->jr_yes_rule_yes + s->jr_no_rule_no) / n;
	j1 = (double)(s->jr_yes_rule_yes + s->jr_yes_rule_no) / n;
	r1 = (double)(s->jr_yes_rule_yes + s->jr_no_rule_yes) / n;
	pe = j1 * r1 + (1 - j1) * (1 - r1);
	if (pe >= 1)
		return NAN;   /* both readings constant: kappa is undefined */
	return (po - pe) / (1 - pe);
}

void judge_stats_json(const struct judge_stats *s, const struct judge_proto *jp, struct jw *w)
{
	static const struct judge_stats none;
	double k;

	if (!s)
		s = &none;
	if (!s->judged && !jp)
		return;
	jw_key(w, "judge");
	jw_obj(w);
	jw_key(w, "run");
	jw_bool(w, s->judged > 0);
	jw_key(w, "official");
	jw_bool(w, jp && s->judged && s->name && !strcmp(s->name, jp->name));
	jw_key(w, "name");
	jw_str(w, s->name ? s->name : jp ? jp->name : NULL);
	jw_key(w, "model");
	jw_str(w, s->model ? s->model : jp ? jp->model : NULL);
	if (s->spec) {
		jw_key(w, "spec");
		jw_str(w, s->spec);
	}
	if (jp) {
		jw_key(w, "official_model");
		jw_str(w, jp->model);
		jw_key(w, "source");
		jw_str(w, jp->source);
		jw_key(w, "system_sha256");
		jw_str(w, jp->system_sha256);
		jw_key(w, "template_sha256");
		jw_str(w, jp->template_sha256);
		jw_key(w, "settings_sha256");
		jw_str(w, jp->settings_sha256);
		if (jp->official_failure) {
			jw_key(w, "official_failure");
			jw_str(w, jp->official_failure);
		}
	}
	if (!s->judged) {
		jw_end(w);
		return;
	}
	jw_key(w, "judged");
	jw_int(w, (long long)s->judged);
	jw_key(w, "ok");
	jw_int(w, (long long)s->ok);
	jw_key(w, "unparsed_verdict");
	jw_int(w, (long long)s->unparsed);
	jw_key(w, "judge_error");
	jw_int(w, (long long)s->errors);
	jw_key(w, "from_cache");
	jw_int(w, (long long)s->cached);
	jw_key(w, "agreement");
	jw_obj(w);
	jw_key(w, "n");
	jw_int(w, (long long)s->n2);
	jw_key(w, "agree");
	jw_int(w, (long long)s->agree);
	jw_key(w, "percent");
	if (s->n2)
		jw_num(w, 100.0 * (double)s->agree / (double)s->n2);
	else
		jw_null(w);
	jw_key(w, "kappa");
	k = judge_kappa(s);
	if (isnan(k))
		jw_null(w);
	else
		jw_num(w, k);
	jw_key(w, "table");
	jw_obj(w);
	jw_key(w, "judge_right_rules_right");
	jw_int(w, (long long)s->jr_yes_rule_yes);
	jw_key(w, "judge_right_rules_wrong");
	jw_int(w, (long long)s->jr_yes_rule_no);
	jw_key(w, "judge_wrong_rules_right");
	jw_int(w, (long long)s->jr_no_rule_yes);
	jw_key(w, "judge_wrong_rules_wrong");
	jw_int(w, (long long)s->jr_no_rule_no);
	jw_end(w);
	jw_end(w);
	jw_key(w, "tokens");
	jw_obj(w);
	jw_key(w, "input");
	jw_int(w, s->in_tokens);
	jw_key(w, "output");
	jw_int(w, s->out_tokens);
	jw_end(w);
	jw_key(w, "cost");
	if (s->cost_known && s->has_cost)
		jw_num(w, s->cost);
	else
		jw_null(w);
	jw_key(w, "disagree");
	jw_value(w, s->disagree);
	jw_key(w, "unparsed_ids");
	jw_value(w, s->unparsed_ids);
	jw_key(w, "error_ids");
	jw_value(w, s->error_ids);
	jw_end(w);
}
