#include "lib/common.h"
#include "suites/cond.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/rx.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

enum cond_kind { C_FIELD, C_ALL, C_ANY, C_NOT };

enum tr { TR_STRIP = 1, TR_LOWER, TR_UPPER, TR_BASENAME };

struct cond {
	enum cond_kind kind;
	struct cond **kids;
	size_t nkids;
	/* C_FIELD */
	char *field;
	int tr[8];
	size_t ntr;
	const cJSON *eq, *in, *startswith, *endswith, *contains;
	char *eq_text;        /* str() of eq, made once */
	size_t eq_len;
	struct rx *rx;
	int has_num[5];       /* lt le gt ge eqnum */
	double num[5];
	int present;          /* -1 unset, 0/1 */
};

void cond_free(struct cond *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->nkids; i++)
		cond_free(c->kids[i]);
	free(c->kids);
	free(c->field);
	free(c->eq_text);
	rx_free(c->rx);
	free(c);
}

static const char *const num_ops[5] = { "lt", "le", "gt", "ge", "eqnum" };

static int compile_list(struct cond *c, const cJSON *arr, const char *where, const char *key)
{
	const cJSON *e;
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return error("%s: \"%s\" must be an array of conditions", where, key);
	c->nkids = (size_t)cJSON_GetArraySize(arr);
	c->kids = xcalloc(c->nkids ? c->nkids : 1, sizeof(*c->kids));
	cJSON_ArrayForEach(e, arr) {
		char *w = xasprintf("%s.%s[%zu]", where, key, i);
		c->kids[i] = cond_compile(e, w);
		free(w);
		if (!c->kids[i])
			return -1;
		i++;
	}
	return 0;
}

struct cond *cond_compile(const cJSON *json, const char *where)
{
	struct cond *c;
	const cJSON *v, *k;
	size_t i;

	if (!cJSON_IsObject(json)) {
		error("%s: a condition must be an object", where);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->present = -1;
	if ((v = json_get(json, "all"))) {
		c->kind = C_ALL;
		if (compile_list(c, v, where, "all") < 0)
			goto fail;
		return c;
	}
	if ((v = json_get(json, "any"))) {
		c->kind = C_ANY;
		if (compile_list(c, v, where, "any") < 0)
			goto fail;
		return c;
	}
	if ((v = json_get(json, "not"))) {
		char *w = xasprintf("%s.not", where);
		c->kind = C_NOT;
		c->kids = xcalloc(1, sizeof(*c->kids));
		c->nkids = 1;
		c->kids[0] = cond_compile(v, w);
		free(w);
		if (!c->kids[0])
			goto fail;
		return c;
	}
	c->kind = C_FIELD;
	v = json_get(json, "field");
	if (!cJSON_IsString(v)) {
		error("%s: a condition needs \"field\" (or \"all\", \"any\", \"not\")", where);
		goto fail;
	}
	c->field = xstrdup(v->valuestring);
	cJSON_ArrayForEach(k, json) {
		const char *key = k->string;
		if (!strcmp(key, "field")) {
			continue;
		} else if (!strcmp(key, "transform")) {
			const cJSON *t;
			if (!cJSON_IsArray(k)) {
				error("%s: \"transform\" must be an array", where);
				goto fail;
			}
			cJSON_ArrayForEach(t, k) {
				const char *n = cJSON_IsString(t) ? t->valuestring : "";
				int code = !strcmp(n, "strip") ? TR_STRIP : !strcmp(n, "lower") ? TR_LOWER :
					   !strcmp(n, "upper") ? TR_UPPER : !strcmp(n, "basename") ? TR_BASENAME : 0;
				if (!code || c->ntr >= ARRAY_SIZE(c->tr)) {
					error("%s: unknown transform '%s' (strip, lower, upper, basename)", where, n);
					goto fail;
				}
				c->tr[c->ntr++] = code;
			}
		} else if (!strcmp(key, "eq")) {
			struct buf w = BUF_INIT;
			c->eq = k;
			json_pystr(k, &w);
			c->eq_text = buf_detach(&w, &c->eq_len);
		} else if (!strcmp(key, "in")) {
			if (!cJSON_IsArray(k)) {
				error("%s: \"in\" must be an array", where);
				goto fail;
			}
			c->in = k;
		} else if (!strcmp(key, "startswith")) {
			c->startswith = k;
		} else if (!strcmp(key, "endswith")) {
			c->endswith = k;
		} else if (!strcmp(key, "contains")) {
			c->contains = k;
		} else if (!strcmp(key, "regex")) {
			char *w = xasprintf("%s.regex", where);
			if (!cJSON_IsString(k)) {
				error("%s must be a string", w);
				free(w);
				goto fail;
			}
			c->rx = rx_compile(k->valuestring, 0, w);
			free(w);
			if (!c->rx)
				goto fail;
		} else if (!strcmp(key, "present")) {
			c->present = cJSON_IsTrue(k);
		} else {
			for (i = 0; i < ARRAY_SIZE(num_ops); i++)
				if (!strcmp(key, num_ops[i]))
					break;
			if (i == ARRAY_SIZE(num_ops)) {
				error("%s: unknown condition key '%s'", where, key);
				goto fail;
			}
			if (!cJSON_IsNumber(k)) {
				error("%s: \"%s\" must be a number", where, key);
				goto fail;
			}
			c->has_num[i] = 1;
			c->num[i] = k->valuedouble;
		}
	}
	return c;
fail:
	cond_free(c);
	return NULL;
}

static const cJSON *lookup(const struct item *it, const char *name)
{
	const cJSON *v;

	if (it->derived && (v = json_get(it->derived, name)))
		return v;
	return json_get(it->raw, name);
}

int cond_field_text(const struct item *it, const char *name, struct buf *out)
{
	const char *s = NULL;
	const cJSON *v;

	if (name[0] == '$') {
		const char *p = name + 1;
		if (!strcmp(p, "id"))
			s = it->id;
		else if (!strcmp(p, "source_id"))
			s = it->source_id;
		else if (!strcmp(p, "stem"))
			s = it->stem;
		else if (!strcmp(p, "split"))
			s = it->split;
		else if (!strcmp(p, "category"))
			s = it->category;
		else if (!strcmp(p, "answer"))
			s = it->answer;
		else if (!strcmp(p, "video"))
			s = it->video;
		else if (!strcmp(p, "question"))
			s = it->question;
		else if (!strcmp(p, "row") || !strcmp(p, "rotation")) {
			buf_addf(out, "%zu", !strcmp(p, "row") ? it->row : (size_t)it->rotation);
			return 0;
		}
		if (!s)
			return -1;
		buf_adds(out, s);
		return 0;
	}
	v = lookup(it, name);
	if (!v)
		return -1;
	json_pystr(v, out);
	return 0;
}

static int str_eq(const struct buf *b, const cJSON *want)
{
	struct buf w = BUF_INIT;
	int eq;

	json_pystr(want, &w);
	eq = b->len == w.len && !memcmp(buf_cstr(b), buf_cstr(&w), w.len);
	buf_release(&w);
	return eq;
}

static void apply(int tr, struct buf *b)
{
	struct buf t = BUF_INIT;
	size_t x, y;

	switch (tr) {
	case TR_STRIP:
		py_strip(buf_cstr(b), b->len, &x, &y);
		buf_add(&t, buf_cstr(b) + x, y - x);
		break;
	case TR_LOWER:
		py_lower(buf_cstr(b), b->len, &t);
		break;
	case TR_UPPER:
		py_upper(buf_cstr(b), b->len, &t);
		break;
	case TR_BASENAME:
		buf_adds(&t, path_base(buf_cstr(b)));
		break;
	}
	buf_reset(b);
	buf_addbuf(b, &t);
	buf_release(&t);
}

static int eval_field(const struct cond *c, const struct item *it)
{
	struct buf b = BUF_INIT, sub = BUF_INIT;
	const char *text;
	size_t len, i;
	int ok = 0, present;

	if (c->field[0] != '$') {
		/* cond_field_text()'s look-up, done once */
		const cJSON *v = lookup(it, c->field);
		if (v)
			json_pystr(v, &b);
		present = v && !cJSON_IsNull(v);
	} else {
		present = cond_field_text(it, c->field, &b) == 0;
	}
	if (c->present >= 0 && present != c->present)
		goto out;
	if (!present) {
		ok = c->present == 0;
		goto out;
	}
	for (i = 0; i < c->ntr; i++)
		apply(c->tr[i], &b);
	text = buf_cstr(&b);
	len = b.len;
	if (c->eq && !(b.len == c->eq_len && !memcmp(buf_cstr(&b), c->eq_text, b.len)))
		goto out;
	if (c->in) {
		const cJSON *e;
		int any = 0;
		cJSON_ArrayForEach(e, c->in)
			if (str_eq(&b, e))
				any = 1;
		if (!any)
			goto out;
	}
	if (c->startswith) {
		const char *p = cJSON_IsString(c->startswith) ? c->startswith->valuestring : "";
		size_t n = strlen(p);
		if (len < n || memcmp(text, p, n))
			goto out;
	}
	if (c->endswith) {
		const char *p = cJSON_IsString(c->endswith) ? c->endswith->valuestring : "";
		size_t n = strlen(p);
		if (len < n || memcmp(text + len - n, p, n))
			goto out;
	}
	if (c->contains) {
		const char *p = cJSON_IsString(c->contains) ? c->contains->valuestring : "";
		size_t n = strlen(p);
		int found = 0;
		for (i = 0; n <= len && i + n <= len; i++)
			if (!memcmp(text + i, p, n)) {
				found = 1;
				break;
			}
		if (!found)
			goto out;
	}
	if (c->rx) {
		struct rx_match m;
		if (rx_search(c->rx, text, len, 0, &m) != 1)
			goto out;
		if (m.ngroups >= 1 && m.gstart[1] != SIZE_MAX) {
			buf_add(&sub, text + m.gstart[1], m.gend[1] - m.gstart[1]);
			text = buf_cstr(&sub);
			len = sub.len;
		}
	}
	for (i = 0; i < ARRAY_SIZE(num_ops); i++) {
		double x;
		if (!c->has_num[i])
			continue;
		if (py_float(text, len, &x) < 0 || isnan(x))
			goto out;
		if ((i == 0 && !(x < c->num[i])) || (i == 1 && !(x <= c->num[i])) ||
		    (i == 2 && !(x > c->num[i])) || (i == 3 && !(x >= c->num[i])) ||
		    (i == 4 && !(x == c->num[i])))
			goto out;
	}
	ok = 1;
out:
	buf_release(&b);
	buf_release(&sub);
	return ok;
}

int cond_eval(const struct cond *c, const struct item *it)
{
	size_t i;

	if (!c)
		return 1;
	switch (c->kind) {
	case C_ALL:
		for (i = 0; i < c->nkids; i++)
			if (!cond_eval(c->kids[i], it))
				return 0;
		return 1;
	case C_ANY:
		for (i = 0; i < c->nkids; i++)
			if (cond_eval(c->kids[i], it))
				return 1;
		return 0;
	case C_NOT:
		return !cond_eval(c->kids[0], it);
	case C_FIELD:
		return eval_field(c, it);
	}
	return 0;
}
