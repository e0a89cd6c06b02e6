/*
 * load.c: suite spec + data directory -> items.
 */
#include "lib/common.h"
#include "suites/suite.h"
#include "suites/zipsrc.h"
#include "suites/cond.h"
#include "suites/reader.h"
#include "suites/render.h"
#include "lib/buf.h"
#include "lib/image.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/rx.h"
#include "lib/util.h"

#include <pthread.h>
#include "lib/xalloc.h"

#include <glob.h>
#include <sys/stat.h>
#include <math.h>

struct load_ctx {
	struct suite *s;
	const cJSON *fields;    /* spec fields merged with the source's own */
	const char *path;       /* file being read */
	char *stem;
	const char *split;      /* the source's split name, or NULL */
	const char *format;
	size_t alloc;
	size_t row;             /* records read from the current file */
	int errors;
};

/* How the current file counts records, for messages: "line" (JSONL, TSV,
 * CSV: 1-based lines) or "record" (JSON arrays, Parquet: 0-based index).
 * Loading is single-threaded. */
static const char *where_word = "record";

/* ---- field values ---- */

/* The value of a raw field, derived field or pseudo-field; NULL if absent. */
static const cJSON *raw_value(const struct item *it, const char *name)
{
	const cJSON *v;

	if (it->derived && (v = json_get(it->derived, name)))
		return v;
	return json_get(it->raw, name);
}

static int present(const cJSON *v)
{
	return v && !cJSON_IsNull(v) && !(cJSON_IsString(v) && !*v->valuestring);
}

/*
 * Evaluate a field spec to text. Spec forms: "name", {"field": "name"},
 * {"first": [names]}, {"template": "..."}, {"const": v}; each optionally with
 * "default" and "map" ([{"regex", "to"}]). Returns 1 with text in out, 0
 * when the value is absent (and there is no default), -1 on error.
 */
/* A field map's regex, compiled once per process: the same few patterns
 * apply to every item (compiling one per item was a tenth of a re-score).
 * The cache lives until exit; a struct rx is read-only once compiled. */
static struct rx *map_rx(const char *re, const char *what, int *owned)
{
	static struct { char *pattern; struct rx *rx; } cache[16];
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct rx *r = NULL;
	size_t i;

	*owned = 0;
	pthread_mutex_lock(&lock);
	for (i = 0; i < ARRAY_SIZE(cache) && cache[i].pattern; i++)
		if (!strcmp(cache[i].pattern, re)) {
			r = cache[i].rx;
			break;
		}
	if (!r && (r = rx_compile(re, 0, what)) != NULL) {
		if (i < ARRAY_SIZE(cache)) {
			cache[i].pattern = xstrdup(re);
			cache[i].rx = r;
		} else {
			*owned = 1;   /* the cache is full: the caller frees it */
		}
	}
	pthread_mutex_unlock(&lock);
	return r;
}

static int field_text(const struct item *it, const cJSON *spec, struct buf *out,
		      const char *what, const char *file, size_t where)
{
	const cJSON *v = NULL, *map, *dflt = NULL;
	int got = 0;

	if (!spec)
		return 0;
	if (cJSON_IsString(spec)) {
		if (spec->valuestring[0] == '$')
			return cond_field_text(it, spec->valuestring, out) == 0;
		v = raw_value(it, spec->valuestring);
		if (!present(v) && !(v && cJSON_IsString(v)))
			return 0;
		json_pystr(v, out);
		return 1;
	}
	if (!cJSON_IsObject(spec))
		return error("'%s': %s %zu: field spec for '%s' must be a name or an object",
			     file, where_word, where, what);
	dflt = json_get(spec, "default");
	if (json_get(spec, "field")) {
		const char *n = json_get_str(spec, "field");
		if (n && n[0] == '$') {
			got = cond_field_text(it, n, out) == 0;
		} else if (n) {
			v = raw_value(it, n);
			if (v && !cJSON_IsNull(v)) {
				json_pystr(v, out);
				got = 1;
			}
		}
	} else if (json_get(spec, "first")) {
		const cJSON *e;
		cJSON_ArrayForEach(e, json_get(spec, "first")) {
			if (!cJSON_IsString(e))
				continue;
			v = raw_value(it, e->valuestring);
			if (present(v)) {
				json_pystr(v, out);
				got = 1;
				break;
			}
		}
	} else if (json_get(spec, "template")) {
		const char *t = json_get_str(spec, "template");
		if (!t || render_fields(t, it, out) < 0)
			return error("'%s': %s %zu: cannot build %s from its template", file, where_word, where, what);
		got = 1;
	} else if (json_get(spec, "const")) {
		json_pystr(json_get(spec, "const"), out);
		got = 1;
	}
	if (!got && dflt) {
		json_pystr(dflt, out);
		got = 1;
	}
	if (got && (map = json_get(spec, "map"))) {
		const cJSON *m;
		cJSON_ArrayForEach(m, map) {
			const char *re = json_get_str(m, "regex"), *to = json_get_str(m, "to");
			struct rx *r;
			struct rx_match mt;
			int hit, owned;
			if (!re || !to)
				return error("'%s': map entries need \"regex\" and \"to\"", what);
			r = map_rx(re, what, &owned);
			if (!r)
				return -1;
			hit = rx_search(r, buf_cstr(out), out->len, 0, &mt);
			if (hit == 1) {
				struct buf nb = BUF_INIT;
				const char *p;
				buf_add(&nb, buf_cstr(out), mt.start);
				for (p = to; *p; p++) {
					if (*p == '$' && p[1] >= '1' && p[1] <= '9') {
						int g = p[1] - '0';
						if (g <= mt.ngroups && mt.gstart[g] != SIZE_MAX)
							buf_add(&nb, buf_cstr(out) + mt.gstart[g],
								mt.gend[g] - mt.gstart[g]);
						p++;
					} else {
						buf_addch(&nb, *p);
					}
				}
				buf_add(&nb, buf_cstr(out) + mt.end, out->len - mt.end);
				buf_reset(out);
				buf_addbuf(out, &nb);
				buf_release(&nb);
			}
			if (owned)
				rx_free(r);
			if (hit == 1)
				break;
		}
	}
	return got;
}

static char *field_str(const struct item *it, const cJSON *spec, const char *what,
		       const char *file, size_t where, int *err)
{
	struct buf b = BUF_INIT;
	int rc = field_text(it, spec, &b, what, file, where);

	if (rc < 0)
		*err = 1;
	if (rc <= 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* ---- options ---- */

static void add_option(struct item *it, size_t *alloc, const char *letter, const cJSON *value,
		       const char *label_text, int null_empty)
{
	struct option *o;
	struct buf b = BUF_INIT;

	ALLOC_GROW(it->opts, it->nopt + 1, *alloc);
	o = &it->opts[it->nopt++];
	memset(o, 0, sizeof(*o));
	{
		/* snprintf("%s") without printf's machinery (called per option) */
		size_t n = strlen(letter);
		if (n >= sizeof(o->letter))
			n = sizeof(o->letter) - 1;
		memcpy(o->letter, letter, n);
	}
	if (null_empty && (!value || cJSON_IsNull(value)))
		buf_adds(&b, "");
	else
		json_pystr(value, &b);
	o->text = buf_detach(&b, NULL);
	o->label = xstrdup(label_text ? label_text : o->text);
	o->value = value;
}

/*
 * Python's json.loads(s) without an error message: NULL unless the whole
 * text is one JSON value (white space may follow). Numbers keep their Python
 * spelling (json_parse), so a Candidates string '{"A": 0}' gives the int 0
 * that prints "0", not the float "0.0".
 */
static cJSON *json_loads_quiet(const char *s)
{
	size_t len = strlen(s);
	const char *end = NULL;
	cJSON *probe = cJSON_ParseWithLengthOpts(s, len, &end, 0);

	if (!probe)
		return NULL;
	cJSON_Delete(probe);
	while (end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
		end++;
	if (end && *end)
		return NULL;
	return json_parse(s, len, "options", 0);
}

/*
 * MMSI-Bench: the options live in the question text. As the official circular
 * splitter (MMSIBenchCircular.extract_options_from_question): the text after
 * the first "Options:", stripped, then every
 * ([A-D])\s*:\s*(.*?)(?=\s+[A-D]\s*:|,\s*[A-D]\s*:|$), the text stripped (a
 * repeated letter keeps its first place and its last text, as a dict). No
 * options found: A-D with empty texts (the truth is always one of them).
 */
#define PYS "[\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}" \
	"\\x{202f}\\x{205f}\\x{3000}]"
static int inline_options(struct item *it, const char *q)
{
	static const char pat[] = "([A-D])" PYS "*:" PYS "*(.*?)(?=" PYS "+[A-D]" PYS "*:|," PYS
				  "*[A-D]" PYS "*:|$)";
	const char *o = strstr(q, "Options:");
	struct rx *r;
	struct rx_match m;
	size_t alloc = 0, from = 0, b, e, len, i, k;
	const char *t;
	int rc = 0;

	if (o) {
		o += strlen("Options:");
		py_strip(o, strlen(o), &b, &e);
		t = o + b;
		len = e - b;
		if (!(r = rx_compile(pat, 0, "options (mmsi-inline)")))
			return -1;
		while (from <= len && (rc = rx_search(r, t, len, from, &m)) > 0) {
			char letter[2] = { t[m.gstart[1]], 0 };
			struct buf tb = BUF_INIT;
			py_strip(t + m.gstart[2], m.gend[2] - m.gstart[2], &b, &e);
			buf_add(&tb, t + m.gstart[2] + b, e - b);
			for (k = 0; k < it->nopt && strcmp(it->opts[k].letter, letter); k++)
				;
			if (k < it->nopt) {   /* dict: the later text wins, the place stays */
				free(it->opts[k].text);
				free(it->opts[k].label);
				it->opts[k].text = xstrdup(buf_cstr(&tb));
				it->opts[k].label = xstrdup(buf_cstr(&tb));
			} else {
				ALLOC_GROW(it->opts, it->nopt + 1, alloc);
				memset(&it->opts[it->nopt], 0, sizeof(it->opts[0]));
				snprintf(it->opts[it->nopt].letter, sizeof(it->opts[0].letter), "%s", letter);
				it->opts[it->nopt].text = xstrdup(buf_cstr(&tb));
				it->opts[it->nopt].label = xstrdup(buf_cstr(&tb));
				it->nopt++;
			}
			buf_release(&tb);
			from = m.end > m.start ? m.end : m.end + 1;
		}
		rx_free(r);
		if (rc < 0)
			return -1;
	}
	if (it->nopt)
		return 0;
	it->opts = xcalloc(4, sizeof(*it->opts));
	for (i = 0; i < 4; i++) {
		snprintf(it->opts[i].letter, sizeof(it->opts[0].letter), "%c", (char)('A' + i));
		it->opts[i].text = xstrdup("");
		it->opts[i].label = xstrdup("");
	}
	it->nopt = 4;
	return 0;
}

static int parse_options(struct item *it, const cJSON *spec, const char *file, size_t where)
{
	const char *fname, *style;
	const cJSON *v, *e;
	cJSON *parsed = NULL;
	size_t alloc = 0, i = 0;
	int null_empty;

	if (!spec)
		return 0;
	fname = cJSON_IsString(spec) ? spec->valuestring : json_get_str(spec, "field");
	style = cJSON_IsObject(spec) && json_get_str(spec, "style") ? json_get_str(spec, "style") : "list";
	null_empty = cJSON_IsObject(spec) && cJSON_IsTrue(json_get(spec, "null_as_empty"));
	if (!fname)
		return error("'%s': fields.options needs \"field\"", file);
	v = raw_value(it, fname);
	if (!v || cJSON_IsNull(v))
		return 0;   /* no options (a numeric question) */
	if (cJSON_IsString(v) && (!strcmp(style, "dict-or-json") || !strcmp(style, "json"))) {
		/* STI opensource_test.py: json.loads, {} on failure */
		parsed = json_loads_quiet(v->valuestring);
		if (!parsed || !cJSON_IsObject(parsed)) {
			cJSON_Delete(parsed);
			warnf("'%s': %s %zu: options in '%s' are not valid JSON: treated as none "
			      "(as the official code does)", file, where_word, where, fname);
			return 0;
		}
		/* keep ownership with the item: attach to derived */
		if (!it->derived)
			it->derived = cJSON_CreateObject();
		cJSON_AddItemToObject(it->derived, "$options", parsed);
		v = parsed;
	} else if (cJSON_IsString(v) && !strcmp(style, "pylist")) {
		const char *err = NULL;
		parsed = pylit_parse(v->valuestring, strlen(v->valuestring), &err);
		if (!parsed || !(cJSON_IsArray(parsed) || cJSON_IsObject(parsed))) {
			cJSON_Delete(parsed);
			return error("'%s': %s %zu: options in '%s' are not a Python list (%s)",
				     file, where_word, where, fname, err ? err : "not a list");
		}
		if (!it->derived)
			it->derived = cJSON_CreateObject();
		cJSON_AddItemToObject(it->derived, "$options", parsed);
		v = parsed;
	}
	if (cJSON_IsString(v) && !strcmp(style, "mmsi-inline"))
		return inline_options(it, v->valuestring);
	if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(e, v) {
			add_option(it, &alloc, e->string, e, NULL, null_empty);
		}
		return 0;
	}
	if (!cJSON_IsArray(v))
		return error("'%s': %s %zu: options in '%s' must be a list or an object", file,
			     where_word, where, fname);
	cJSON_ArrayForEach(e, v) {
		char letter[8];
		if (i >= 26)
			return error("'%s': %s %zu: more than 26 options", file, where_word, where);
		snprintf(letter, sizeof(letter), "%c", (char)('A' + i));
		if (!strcmp(style, "prefixed") && cJSON_IsString(e)) {
			/* VSI/VSTI: "A. chair" */
			const char *s = e->valuestring;
			if (s[0] >= 'A' && s[0] <= 'Z' && s[1] == '.' ) {
				cJSON *t;
				snprintf(letter, sizeof(letter), "%c", s[0]);
				t = cJSON_CreateString(s[2] == ' ' ? s + 3 : s + 2);
				/* the value without its prefix lives in derived so it is owned */
				if (!it->derived)
					it->derived = cJSON_CreateObject();
				if (!json_get(it->derived, "$option_values"))
					cJSON_AddItemToObject(it->derived, "$option_values", cJSON_CreateArray());
				cJSON_AddItemToArray((cJSON *)json_get(it->derived, "$option_values"), t);
				add_option(it, &alloc, letter, t, s, 0);
			} else {
				add_option(it, &alloc, letter, e, s, 0);
			}
		} else {
			if (cJSON_IsArray(e) || cJSON_IsObject(e))
				return error("'%s': %s %zu: option %zu in '%s' is %s, not a value", file,
					     where_word, where, i + 1, fname,
					     cJSON_IsArray(e) ? "a list" : "an object");
			add_option(it, &alloc, letter, e, NULL, null_empty);
		}
		i++;
	}
	return 0;
}

/* Python == between two JSON values (1 == 1.0, True == 1, "1" != 1). */
static int py_value_eq(const cJSON *a, const cJSON *b)
{
	int an = cJSON_IsNumber(a) || cJSON_IsBool(a), bn = cJSON_IsNumber(b) || cJSON_IsBool(b);

	if (!a || !b)
		return !a && !b;
	if (an && bn) {
		double x = cJSON_IsBool(a) ? cJSON_IsTrue(a) : a->valuedouble;
		double y = cJSON_IsBool(b) ? cJSON_IsTrue(b) : b->valuedouble;
		const char *sa = json_spelling(a), *sb = json_spelling(b);
		if (sa && sb && json_is_int(a) && json_is_int(b))
			return !strcmp(sa, sb);
		return x == y;
	}
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return !strcmp(a->valuestring, b->valuestring);
	if (cJSON_IsNull(a) && cJSON_IsNull(b))
		return 1;
	return 0;
}

static void resolve_answer(struct item *it, const cJSON *truth)
{
	size_t i, n = 0;

	it->accepted[0] = '\0';
	it->answer_num = NAN;
	switch (it->type->kind) {
	case ANS_LETTER:
		for (i = 0; i < it->nopt; i++)
			if (!strcmp(it->opts[i].letter, it->answer)) {
				snprintf(it->accepted, sizeof(it->accepted), "%s", it->answer);
				break;
			}
		break;
	case ANS_TEXT:
		/* every option whose text equals the truth (VLM4D validation_633 has two) */
		for (i = 0; i < it->nopt && n + 1 < sizeof(it->accepted); i++)
			if (!strcmp(it->opts[i].text, it->answer))
				it->accepted[n++] = it->opts[i].letter[0];
		it->accepted[n] = '\0';
		break;
	case ANS_VALUE:
		/* options.index(answer): the first equal value */
		for (i = 0; i < it->nopt; i++) {
			const cJSON *ov = it->opts[i].value;
			int eq = truth && ov ? py_value_eq(ov, truth) : !strcmp(it->opts[i].text, it->answer);
			if (eq && !(truth && cJSON_IsNull(truth))) {
				snprintf(it->accepted, sizeof(it->accepted), "%s", it->opts[i].letter);
				break;
			}
		}
		break;
	case ANS_INDEX: {
		/* chr(65 + answer): the letter of the 0-based index, as OmniSpatial's
		 * code forms it (not checked against the number of options) */
		double d;
		if (truth && json_is_int(truth) && (d = truth->valuedouble) >= 0 && d < 26)
			snprintf(it->accepted, sizeof(it->accepted), "%c", 'A' + (int)d);
		break;
	}
	case ANS_NUMBER: {
		double d;
		if (py_float(it->answer, strlen(it->answer), &d) == 0)
			it->answer_num = d;
		break;
	}
	}
}

/* An item no answer can ever score right is rejected, naming it. */
static int unscorable(const struct item *it, const cJSON *truth, const char *file, size_t where)
{
	struct buf b = BUF_INIT;
	size_t i;
	int rc = 0;

	if (cJSON_IsNull(truth))
		return error("'%s': %s %zu: item '%s': the answer ('%s') is null", file, where_word,
			     where, it->id, it->type->answer_field);
	if (cJSON_IsArray(truth) || cJSON_IsObject(truth))
		return error("'%s': %s %zu: item '%s': the answer ('%s') is %s, not a value", file,
			     where_word, where, it->id, it->type->answer_field,
			     cJSON_IsArray(truth) ? "a list" : "an object");
	if (it->type->kind == ANS_NUMBER) {
		if (!isfinite(it->answer_num))
			return error("'%s': %s %zu: item '%s': the answer '%s' is not a finite number",
				     file, where_word, where, it->id, it->answer);
		return 0;
	}
	if (!it->nopt || it->accepted[0])
		return 0;
	if (it->type->keep_unscorable) {
		notef("'%s': %s %zu: item '%s': the answer '%s' is not among its options: kept, "
		      "scored wrong (types[].keep_unscorable)", file, where_word, where, it->id, it->answer);
		return 0;
	}
	for (i = 0; i < it->nopt && i < 8; i++)
		buf_addf(&b, "%s%s", i ? ", " : "", it->type->kind == ANS_LETTER ? it->opts[i].letter :
			 it->opts[i].text);
	if (it->nopt > 8)
		buf_adds(&b, ", ...");
	rc = error("'%s': %s %zu: item '%s': the answer '%s' is not among its options (%s): no "
		   "answer could score it", file, where_word, where, it->id, it->answer, buf_cstr(&b));
	buf_release(&b);
	return rc;
}

static int apply_derive(struct suite *s, struct item *it)
{
	size_t i, j;

	for (i = 0; i < s->nderives; i++) {
		const struct derive *dv = &s->derives[i];
		cJSON *val = NULL;
		for (j = 0; j < dv->nrules && !val; j++) {
			const struct derive_rule *r = &dv->rules[j];
			if (r->when && !cond_eval(r->when, it))
				continue;
			if (r->from) {
				const cJSON *v = raw_value(it, r->from);
				if (present(v))
					val = cJSON_Duplicate(v, 1);
			} else {
				val = cJSON_Duplicate(r->value, 1);
			}
		}
		if (!it->derived)
			it->derived = cJSON_CreateObject();
		cJSON_AddItemToObject(it->derived, dv->name, val ? val : cJSON_CreateNull());
	}
	return 0;
}

/* ---- images ---- */

/* The reader's image callback: keep the bytes, once per content. */
static void on_image(void *vctx, const uint8_t *data, size_t len, const char *sha256)
{
	struct load_ctx *c = vctx;

	blob_put(&c->s->blobs, data, len, sha256);
}

/* One image value: an embedded image ({"bytes": "<N bytes, sha256 H>", ...}),
 * an Image struct without bytes ({"bytes": null, "path": P}), or a path. */
static int add_image(struct suite *s, struct item *it, size_t *alloc, const cJSON *v,
		     const char *file)
{
	const struct blob *b = NULL;
	const char *path = NULL;

	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v)) {
		path = v->valuestring;
	} else if (cJSON_IsObject(v)) {
		const cJSON *by = json_get(v, "bytes");
		const char *p = json_get_str(v, "path");
		if (cJSON_IsString(by)) {
			char sha[65];
			size_t n;
			if (image_summary_parse(by->valuestring, &n, sha) < 0 ||
			    !(b = blob_get(&s->blobs, sha)) || b->size != n)
				return error("'%s': item '%s': the bytes of an embedded image are not at "
					     "hand (embedded images are read from Parquet files)", file, it->id);
		} else if (p && *p) {
			path = p;
		} else {
			return error("'%s': item '%s': an image with neither bytes nor a path", file, it->id);
		}
	} else {
		return error("'%s': item '%s': an image must be a path or {\"bytes\", \"path\"}",
			     file, it->id);
	}
	ALLOC_GROW(it->images, it->nimages + 1, *alloc);
	it->images[it->nimages].path = path ? xstrdup(path) : NULL;
	it->images[it->nimages].blob = b;
	it->nimages++;
	return 0;
}

/* {"each": FIELD}: every element of a list field is one image. */
static int each_image(struct suite *s, struct item *it, size_t *alloc, const char *field,
		      const char *file)
{
	const cJSON *v = field ? raw_value(it, field) : NULL, *e;

	if (!field)
		return error("'%s': fields.images: \"each\" names a field", s->spec_path);
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsArray(v))
		return add_image(s, it, alloc, v, file);
	cJSON_ArrayForEach(e, v)
		if (add_image(s, it, alloc, e, file) < 0)
			return -1;
	return 0;
}

/* ---- circular options ---- */

/* A copy of item base with its options rotated left by k: id "ID#k", the
 * truth following its option. It shares the base's raw record and derived
 * fields (the base owns them). */
static void add_rotation(struct load_ctx *c, size_t base, size_t k)
{
	struct suite *s = c->s;
	struct item *it, *b;
	size_t i, n;

	ALLOC_GROW(s->items, s->nitems + 1, c->alloc);
	b = &s->items[base];
	it = &s->items[s->nitems++];
	memset(it, 0, sizeof(*it));
	n = b->nopt;
	it->rotation = (int)k;
	it->raw = b->raw;
	it->derived = b->derived;
	it->id = xasprintf("%s#%zu", b->id, k);
	it->source_id = xstrdup(b->source_id);
	it->category = xstrdup(b->category);
	it->split = b->split ? xstrdup(b->split) : NULL;
	it->question = xstrdup(b->question);
	it->video = b->video ? xstrdup(b->video) : NULL;
	it->t_start = b->t_start ? xstrdup(b->t_start) : NULL;
	it->t_end = b->t_end ? xstrdup(b->t_end) : NULL;
	it->stem = xstrdup(b->stem);
	it->source_file = xstrdup(b->source_file);
	it->source_line = b->source_line;
	it->row = b->row;
	it->type = b->type;
	it->answer_num = b->answer_num;
	if (b->nimages) {
		it->images = xcalloc(b->nimages, sizeof(*it->images));
		for (i = 0; i < b->nimages; i++) {
			it->images[i].path = b->images[i].path ? xstrdup(b->images[i].path) : NULL;
			it->images[i].blob = b->images[i].blob;
		}
		it->nimages = b->nimages;
	}
	it->opts = xcalloc(n, sizeof(*it->opts));
	it->nopt = n;
	for (i = 0; i < n; i++) {
		const struct option *o = &b->opts[(i + k) % n];
		memcpy(it->opts[i].letter, b->opts[i].letter, sizeof(it->opts[i].letter));
		it->opts[i].text = xstrdup(o->text);
		it->opts[i].label = xstrdup(o->text);
		it->opts[i].value = o->value;
	}
	it->answer = xstrdup(b->answer);
	if (it->type->kind == ANS_LETTER) {
		/* the truth letter moves with its option */
		for (i = 0; i < n && strcmp(b->opts[i].letter, b->answer); i++)
			;
		if (i < n) {
			free(it->answer);
			it->answer = xstrdup(b->opts[(i + n - k) % n].letter);
		}
	}
	resolve_answer(it, raw_value(it, it->type->answer_field));
}

static int on_record(cJSON *rec, size_t where, void *vctx)
{
	struct load_ctx *c = vctx;
	struct suite *s = c->s;
	const cJSON *f = c->fields, *img;
	struct item *it;
	struct buf b = BUF_INIT;
	const char *file = c->path;
	int err = 0;
	size_t i;

	ALLOC_GROW(s->items, s->nitems + 1, c->alloc);
	it = &s->items[s->nitems];
	memset(it, 0, sizeof(*it));
	it->raw = rec;
	it->stem = xstrdup(c->stem);
	it->split = c->split ? xstrdup(c->split) : NULL;
	it->source_file = xstrdup(file);
	it->source_line = where;
	it->row = c->row++;
	s->nitems++;

	it->source_id = field_str(it, json_get(f, "id"), "id", file, where, &err);
	if (!it->source_id) {
		if (!err)
			error("'%s': %s %zu: no id (field spec fields.id)", file, where_word, where);
		goto fail;
	}
	apply_derive(s, it);
	if (json_get(f, "unique_id"))
		it->id = field_str(it, json_get(f, "unique_id"), "unique_id", file, where, &err);
	else
		it->id = xstrdup(it->source_id);
	if (!it->id)
		goto fail;
	it->question = field_str(it, json_get(f, "question"), "question", file, where, &err);
	if (!it->question) {
		if (!err)
			error("'%s': item '%s': no question (field spec %s)", file, it->id, "fields.question");
		goto fail;
	}
	it->category = field_str(it, json_get(f, "category"), "category", file, where, &err);
	if (err)
		goto fail;
	if (!it->category)
		it->category = xstrdup("all");
	it->video = field_str(it, json_get(f, "video"), "video", file, where, &err);
	it->t_start = field_str(it, json_get(f, "t_start"), "t_start", file, where, &err);
	it->t_end = field_str(it, json_get(f, "t_end"), "t_end", file, where, &err);
	if (err)
		goto fail;
	img = json_get(f, "images");
	if (img) {
		const cJSON *e;
		size_t alloc = 0;
		cJSON_ArrayForEach(e, img) {
			char *p;
			if (cJSON_IsObject(e) && json_get(e, "each")) {
				if (each_image(s, it, &alloc, json_get_str(e, "each"), file) < 0)
					goto fail;
				continue;
			}
			p = field_str(it, e, "images", file, where, &err);
			if (err)
				goto fail;
			if (!p)
				continue;
			ALLOC_GROW(it->images, it->nimages + 1, alloc);
			it->images[it->nimages].path = p;
			it->images[it->nimages].blob = NULL;
			it->nimages++;
		}
	}
	if (parse_options(it, json_get(f, "options"), file, where) < 0)
		goto fail;
	for (i = 0; i < s->ntypes; i++)
		if (cond_eval(s->types[i].when, it)) {
			it->type = &s->types[i];
			break;
		}
	if (!it->type) {
		error("'%s': item '%s' matches no answer type of the suite (check \"types\")", file, it->id);
		goto fail;
	}
	{
		const cJSON *truth = raw_value(it, it->type->answer_field);
		if (!truth) {
			error("'%s': item '%s': no answer field '%s'", file, it->id, it->type->answer_field);
			goto fail;
		}
		json_pystr(truth, &b);
		it->answer = buf_detach(&b, NULL);
		if (it->type->multiple_choice && !it->nopt) {
			error("'%s': item '%s' is multiple-choice but has no options", file, it->id);
			goto fail;
		}
		resolve_answer(it, truth);
		if (unscorable(it, truth, file, where) < 0)
			goto fail;
	}
	if (cJSON_IsTrue(json_get(json_get(f, "options"), "circular"))) {
		size_t base = s->nitems - 1, n = it->nopt, k;
		for (k = 1; k < n; k++)
			add_rotation(c, base, k);
	}
	return 0;
fail:
	c->errors++;
	buf_release(&b);
	return -1;
}

static int add_file(struct suite *s, const char *path, size_t items)
{
	struct source_file *f;

	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	f = &s->files[s->nfiles++];
	f->path = xstrdup(path);
	f->items = items;
	return sha256_file(path, f->sha256);
}

/* Expand one candidate pattern under dir; returns the number of matches. */
static size_t expand(const char *dir, const char *pattern, glob_t *g)
{
	char *full = path_join(dir, pattern);
	int rc = glob(full, 0, NULL, g);

	free(full);
	if (rc)
		return 0;
	return g->gl_pathc;
}

/* A source file that is a zip archive (data.sources[].files[] {"path":
 * "X.zip", "member": PATTERN or [PATTERNS]}): the first entry matching a
 * pattern holds the records (JSON or JSONL, read from memory, never
 * unpacked); the archive stays open for the items' media. */
static int load_zip(struct suite *s, const char *path, const cJSON *chosen, const cJSON *src,
		    struct load_ctx *c)
{
	const cJSON *mem = json_get(chosen, "member"), *e;
	const char *pats[16], *entry, *fmt;
	struct buf data = BUF_INIT_MAX((size_t)2 << 30), name = BUF_INIT;
	struct zsrc *z;
	size_t np = 0, before = s->nitems;
	int rc = -1;

	if (cJSON_IsString(mem)) {
		pats[np++] = mem->valuestring;
	} else if (cJSON_IsArray(mem)) {
		cJSON_ArrayForEach(e, mem)
			if (cJSON_IsString(e) && np < ARRAY_SIZE(pats))
				pats[np++] = e->valuestring;
	}
	if (!np)
		return error("'%s': \"member\" of '%s' must name the entry (or a list of patterns) "
			     "holding the records", s->spec_path, path);
	if (s->zip)
		return error("suite '%s': '%s': one zip archive per suite (already reading '%s')",
			     s->name, path, zsrc_path(s->zip));
	if (!(z = zsrc_open(path)))
		return -1;
	entry = zsrc_find(z, pats, np);
	if (!entry) {
		size_t i;
		for (i = 0; i < np; i++)
			buf_addf(&name, "%s%s", i ? ", " : "", pats[i]);
		error("'%s': none of the entries [%s] is in the zip archive", path, buf_cstr(&name));
		goto out;
	}
	if (zsrc_read(z, entry, &data) < 0)
		goto out;
	buf_addf(&name, "%s:%s", path, entry);
	fmt = json_get_str(chosen, "format") ? json_get_str(chosen, "format") : json_get_str(src, "format");
	c->path = buf_cstr(&name);
	c->stem = path_stem(entry);
	c->format = fmt ? fmt : reader_format(entry);
	where_word = c->format && !strcmp(c->format, "json") ? "record" : "line";
	c->row = 0;
	rc = reader_read_mem(buf_cstr(&name), c->format, buf_cstr(&data), data.len, on_record, c);
	free(c->stem);
	c->stem = NULL;
	buf_release(&data);   /* the records are parsed: the text can go */
	if (!rc)
		rc = add_file(s, path, s->nitems - before);
	if (!rc) {
		const char *slash = strrchr(entry, '/');
		s->zip_root = xstrndup(entry, slash ? (size_t)(slash - entry) + 1 : 0);
		s->zip = z;
		z = NULL;
	}
out:
	zsrc_free(z);
	buf_release(&data);
	buf_release(&name);
	return rc;
}

int suite_media_zip(const struct suite *s, const char *rel, struct buf *out, char **entry)
{
	char *cand[2];
	size_t i;
	int rc = -1;

	*entry = NULL;
	if (!s->zip)
		return 0;
	cand[0] = xasprintf("%s%s", s->zip_root ? s->zip_root : "", rel);
	cand[1] = xstrdup(rel);
	for (i = 0; i < 2; i++)
		if (zsrc_has(s->zip, cand[i])) {
			rc = zsrc_read(s->zip, cand[i], out) < 0 ? -1 : 1;
			if (rc == 1) {
				*entry = cand[i];
				cand[i] = NULL;
			}
			break;
		}
	if (i == 2)
		error("suite '%s': media file '%s' is not in the zip archive '%s' (tried '%s', '%s')",
		      s->name, rel, zsrc_path(s->zip), cand[0], cand[1]);
	free(cand[0]);
	free(cand[1]);
	return rc;
}

static int load_source(struct suite *s, const char *dir, const cJSON *src, size_t si, struct load_ctx *c)
{
	const cJSON *files = json_get(src, "files"), *e;
	const cJSON *own, *chosen = NULL;
	cJSON *merged = NULL;
	glob_t g;
	size_t i, n = 0;
	int rc = 0;

	if (!cJSON_IsArray(files))
		return error("'%s': data.sources[%zu] needs a \"files\" array", s->spec_path, si);
	cJSON_ArrayForEach(e, files) {
		const char *pat = cJSON_IsString(e) ? e->valuestring : json_get_str(e, "path");
		if (!pat)
			continue;
		memset(&g, 0, sizeof(g));
		n = expand(dir, pat, &g);
		if (n) {
			chosen = e;
			break;
		}
		globfree(&g);
	}
	if (!n && cJSON_IsTrue(json_get(src, "optional")))
		return 0;
	if (!n) {
		struct buf b = BUF_INIT;
		cJSON_ArrayForEach(e, files) {
			const char *pat = cJSON_IsString(e) ? e->valuestring : json_get_str(e, "path");
			if (pat)
				buf_addf(&b, "%s%s", b.len ? ", " : "", pat);
		}
		error("suite '%s': none of the source files [%s] is in '%s' (use --data DIR or STEVAL_DATA)",
		      s->name, buf_cstr(&b), dir);
		buf_release(&b);
		return -1;
	}
	own = cJSON_IsObject(chosen) ? json_get(chosen, "fields") : NULL;
	if (own) {
		merged = cJSON_Duplicate(json_get(s->spec, "fields"), 1);
		const cJSON *k;
		cJSON_ArrayForEach(k, own) {
			cJSON_DeleteItemFromObjectCaseSensitive(merged, k->string);
			cJSON_AddItemToObject(merged, k->string, cJSON_Duplicate(k, 1));
		}
		c->fields = merged;
	} else {
		c->fields = json_get(s->spec, "fields");
	}
	c->split = json_get_str(src, "split");
	if (cJSON_IsObject(chosen) && json_get(chosen, "member")) {
		for (i = 0; i < n && !rc; i++)
			rc = load_zip(s, g.gl_pathv[i], chosen, src, c);
		n = 0;
	}
	for (i = 0; i < n && !rc; i++) {
		size_t before = s->nitems;
		const char *fmt = cJSON_IsObject(chosen) ? json_get_str(chosen, "format") : NULL;
		c->path = g.gl_pathv[i];
		c->stem = path_stem(c->path);
		if (!fmt)
			fmt = json_get_str(src, "format");
		c->format = fmt ? fmt : reader_format(c->path);
		where_word = c->format && (!strcmp(c->format, "json") || !strcmp(c->format, "parquet")) ?
			     "record" : "line";
		c->row = 0;
		rc = reader_read_images(c->path, c->format, on_record, on_image, c);
		free(c->stem);
		c->stem = NULL;
		if (!rc)
			rc = add_file(s, c->path, s->nitems - before);
	}
	globfree(&g);
	cJSON_Delete(merged);
	c->fields = NULL;
	return rc;
}

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int build_index(struct suite *s)
{
	size_t i, cap = 16;

	while (cap < s->nitems * 2)
		cap *= 2;
	s->index = xmalloc(cap * sizeof(*s->index));
	s->index_cap = cap;
	for (i = 0; i < cap; i++)
		s->index[i] = SIZE_MAX;
	for (i = 0; i < s->nitems; i++) {
		size_t h = hash_str(s->items[i].id) & (cap - 1);
		while (s->index[h] != SIZE_MAX) {
			if (!strcmp(s->items[s->index[h]].id, s->items[i].id))
				return error("suite '%s': item id '%s' appears twice ('%s' and '%s')",
					     s->name, s->items[i].id, s->items[s->index[h]].source_file,
					     s->items[i].source_file);
			h = (h + 1) & (cap - 1);
		}
		s->index[h] = i;
	}
	return 0;
}

const struct item *suite_item(const struct suite *s, const char *id)
{
	size_t h;

	if (!s->index)
		return NULL;
	h = hash_str(id) & (s->index_cap - 1);
	while (s->index[h] != SIZE_MAX) {
		if (!strcmp(s->items[s->index[h]].id, id))
			return &s->items[s->index[h]];
		h = (h + 1) & (s->index_cap - 1);
	}
	return NULL;
}

/* Does any source of the suite have a file under dir? */
static int has_sources(const struct suite *s, const char *dir)
{
	const cJSON *src, *e;

	cJSON_ArrayForEach(src, json_get(json_get(s->spec, "data"), "sources")) {
		cJSON_ArrayForEach(e, json_get(src, "files")) {
			glob_t g;
			size_t n;
			const char *pat = cJSON_IsString(e) ? e->valuestring : json_get_str(e, "path");
			if (!pat)
				continue;
			memset(&g, 0, sizeof(g));
			n = expand(dir, pat, &g);
			globfree(&g);
			if (n)
				return 1;
		}
	}
	return 0;
}

static char *find_data_dir(const struct suite *s, const char *given)
{
	const char *env = getenv("STEVAL_DATA");
	const char *dflt = json_get_str(json_get(s->spec, "data"), "default_dir");
	char *cand[4] = { NULL, NULL, NULL, NULL };
	char *found = NULL;
	size_t i;

	if (given)
		return xstrdup(given);
	if (env && *env) {
		cand[0] = path_join(env, s->name);
		cand[1] = xstrdup(env);
	}
	if (dflt) {
		/* relative to the spec file (fixtures shipped beside specs) */
		char *d = path_dir(s->spec_path);
		cand[2] = path_join(d, dflt);
		free(d);
	}
	for (i = 0; i < ARRAY_SIZE(cand); i++)
		if (!found && cand[i] && dir_exists(cand[i]) && has_sources(s, cand[i]))
			found = xstrdup(cand[i]);
	for (i = 0; i < ARRAY_SIZE(cand); i++)
		free(cand[i]);
	return found;
}

int suite_load(struct suite *s, const char *data_dir)
{
	struct load_ctx c;
	const cJSON *srcs, *src, *data = json_get(s->spec, "data");
	size_t i = 0;

	s->data_dir = find_data_dir(s, data_dir);
	if (!s->data_dir)
		return error("suite '%s': no data found: give --data DIR or set STEVAL_DATA "
			     "(see 'steval show %s' for the files it reads)", s->name, s->name);
	if (!dir_exists(s->data_dir))
		return error("suite '%s': data directory '%s' does not exist", s->name, s->data_dir);
	{
		const cJSON *vd = json_get(data, "video_dirs"), *e;
		size_t k = 0;
		if (vd && !cJSON_IsArray(vd))
			return error("'%s': data.video_dirs must be an array of directories", s->spec_path);
		s->video_dirs = xcalloc((size_t)cJSON_GetArraySize(vd) + 1, sizeof(char *));
		cJSON_ArrayForEach(e, vd)
			if (cJSON_IsString(e))
				s->video_dirs[k++] = xstrdup(e->valuestring);
		s->nvideo_dirs = k;
	}
	memset(&c, 0, sizeof(c));
	c.s = s;
	srcs = json_get(data, "sources");
	cJSON_ArrayForEach(src, srcs) {
		if (load_source(s, s->data_dir, src, i++, &c) < 0)
			return -1;
	}
	if (!s->nitems)
		return error("suite '%s': the sources in '%s' hold no items", s->name, s->data_dir);
	return build_index(s);
}

static int has_dotdot(const char *rel)
{
	const char *p = rel;

	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 1;
		p += n;
		while (*p == '/')
			p++;
	}
	return 0;
}

/* p resolves inside data_dir or one of the video dirs. */
static int inside_data(const struct suite *s, const char *p)
{
	char *real = realpath(p, NULL);
	size_t i;
	int in = 0;

	if (!real)
		return 0;
	for (i = 0; i <= s->nvideo_dirs && !in; i++) {
		char *d = i < s->nvideo_dirs ? path_join(s->data_dir, s->video_dirs[i]) : xstrdup(s->data_dir);
		char *root = realpath(d, NULL);
		size_t n = root ? strlen(root) : 0;
		in = root && !strncmp(real, root, n) && (real[n] == '/' || (n == 1 && root[0] == '/'));
		free(root);
		free(d);
	}
	free(real);
	return in;
}

static char *media_found(const struct suite *s, const char *rel, char *p)
{
	struct stat st;

	if (stat(p, &st) == 0 && !S_ISREG(st.st_mode)) {
		error("suite '%s': media file '%s' is not a regular file (a FIFO, device or directory)",
		      s->name, p);
		free(p);
		return NULL;
	}
	if (!s->allow_outside_data && !inside_data(s, p)) {
		char *real = realpath(p, NULL);
		error("suite '%s': media file '%s' resolves to '%s', outside the data directory '%s' "
		      "(a symlink?); --allow-outside-data allows it", s->name, rel, real ? real : p,
		      s->data_dir);
		free(real);
		free(p);
		return NULL;
	}
	return p;
}

char *suite_media_path(const struct suite *s, const char *rel)
{
	struct buf tried = BUF_INIT;
	char *p;
	size_t i;

	if (!s->allow_outside_data && (rel[0] == '/' || has_dotdot(rel))) {
		error("suite '%s': media path '%s' %s: media must be inside the data directory '%s' "
		      "(--allow-outside-data allows it)", s->name, rel,
		      rel[0] == '/' ? "is absolute" : "climbs out with '..'", s->data_dir);
		return NULL;
	}
	if (rel[0] == '/') {
		if (file_exists(rel))
			return xstrdup(rel);
		error("suite '%s': media file '%s' not found", s->name, rel);
		return NULL;
	}
	for (i = 0; i <= s->nvideo_dirs; i++) {
		char *d = i < s->nvideo_dirs ? path_join(s->data_dir, s->video_dirs[i]) : xstrdup(s->data_dir);
		struct stat st;
		p = path_join(d, rel);
		free(d);
		if (stat(p, &st) == 0) {
			buf_release(&tried);
			return media_found(s, rel, p);
		}
		buf_addf(&tried, "%s'%s'", tried.len ? ", " : "", p);
		free(p);
	}
	error("suite '%s': media file '%s' not found (tried %s)", s->name, rel, buf_cstr(&tried));
	buf_release(&tried);
	return NULL;
}
