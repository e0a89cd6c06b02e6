/*
 * spec.c: find, parse and check a suite spec (suites/NAME.json).
 * The format is documented in docs/suite-spec.md.
 */
#include "lib/common.h"
#include "suites/suite.h"
#include "suites/zipsrc.h"
#include "suites/cond.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <dirent.h>
#include <unistd.h>

#define SPEC_MAX ((size_t)16 << 20)

/* Directories searched for specs, in order. Returned array and strings are owned. */
static char **spec_dirs(size_t *n)
{
	char **v = NULL, *env = getenv("STEVAL_SUITES"), exe[4096];
	size_t nr = 0, alloc = 0;
	ssize_t len;

	if (env && *env) {
		char *copy = xstrdup(env), *p = copy, *colon;
		for (;;) {
			colon = strchr(p, ':');
			if (colon)
				*colon = '\0';
			if (*p) {
				ALLOC_GROW(v, nr + 1, alloc);
				v[nr++] = xstrdup(p);
			}
			if (!colon)
				break;
			p = colon + 1;
		}
		free(copy);
	}
	ALLOC_GROW(v, nr + 3, alloc);
	v[nr++] = xstrdup("suites");
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		char *d;
		exe[len] = '\0';
		d = path_dir(exe);
		v[nr++] = path_join(d, "suites");
		free(d);
	}
#ifdef STEVAL_DATADIR
	v[nr++] = xstrdup(STEVAL_DATADIR "/suites");
#endif
	*n = nr;
	return v;
}

static void free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static char *find_spec(const char *name)
{
	char **dirs, *found = NULL;
	size_t n, i;

	if (strchr(name, '/') || (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, ".json")))
		return file_exists(name) ? xstrdup(name) : NULL;
	dirs = spec_dirs(&n);
	for (i = 0; i < n && !found; i++) {
		char *f = xasprintf("%s/%s.json", dirs[i], name);
		if (file_exists(f))
			found = f;
		else
			free(f);
	}
	free_strv(dirs, n);
	return found;
}

char *suite_find_table(const char *name)
{
	char **dirs, *found = NULL;
	size_t n, i;

	if (!*name || strchr(name, '/') || (strlen(name) > 5 && !strcmp(name + strlen(name) - 5, ".json")))
		return *name && file_exists(name) ? xstrdup(name) : NULL;
	dirs = spec_dirs(&n);
	for (i = 0; i < n && !found; i++) {
		char *f = xasprintf("%s/tables/%s.json", dirs[i], name);
		if (file_exists(f))
			found = f;
		else
			free(f);
	}
	free_strv(dirs, n);
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **suite_list(size_t *n)
{
	char **dirs, **names = NULL;
	size_t nd, i, nr = 0, alloc = 0, k;

	dirs = spec_dirs(&nd);
	for (i = 0; i < nd; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d))) {
			size_t len = strlen(e->d_name);
			int dup = 0;
			char *nm;
			if (len <= 5 || strcmp(e->d_name + len - 5, ".json"))
				continue;
			nm = xstrndup(e->d_name, len - 5);
			for (k = 0; k < nr; k++)
				if (!strcmp(names[k], nm))
					dup = 1;
			if (dup) {
				free(nm);
				continue;
			}
			ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = nm;
		}
		closedir(d);
	}
	free_strv(dirs, nd);
	if (nr)
		qsort(names, nr, sizeof(*names), cmp_str);
	*n = nr;
	return names;
}

static char *opt_str(const cJSON *obj, const char *key)
{
	const char *s = json_get_str(obj, key);
	return s ? xstrdup(s) : NULL;
}

static int check_keys(const cJSON *obj, const char *const *allowed, const char *where)
{
	const cJSON *k;
	size_t i;

	cJSON_ArrayForEach(k, obj) {
		int ok = k->string[0] == '_';
		for (i = 0; allowed[i] && !ok; i++)
			if (!strcmp(k->string, allowed[i]))
				ok = 1;
		if (!ok)
			return error("%s: unknown key '%s'", where, k->string);
	}
	return 0;
}

static struct suite_name_checks name_checks;

void suite_set_name_checks(const struct suite_name_checks *c)
{
	if (c)
		name_checks = *c;
	else
		memset(&name_checks, 0, sizeof(name_checks));
}

static int known_extractor(const char *name)
{
	return !name_checks.extractor || name_checks.extractor(name);
}

static int known_metric(const char *name)
{
	return !name_checks.metric || name_checks.metric(name);
}

static const char *const top_keys[] = {
	"name", "title", "description", "version", "homepage", "paper", "notes",
	"data", "fields", "types", "derive", "categories", "splits", "aggregate",
	"protocols", "default_protocol", "reference", "columns", NULL,
};

static const char *const protocol_keys[] = {
	"inherit", "description", "source", "system", "template", "templates",
	"option_format", "option_join", "layout", "frames", "generation",
	"extractor", "metric", "fallback", "tolerance", "variants", "verified",
	"frame_labels", "null_option", "media", "repeats", "judge", NULL,
};

/* A protocol "fallback": "random" or one capital letter, per answer type
 * (or null: none). */
static int check_fallback(const cJSON *fb, const char *spec, const char *proto)
{
	const cJSON *e;

	if (!fb || cJSON_IsNull(fb))
		return 0;
	if (cJSON_IsString(fb)) {
		const char *v = fb->valuestring;
		if (!strcmp(v, "random") || (v[0] >= 'A' && v[0] <= 'Z' && !v[1]))
			return 0;
		return error("'%s': protocol '%s': \"fallback\" is \"random\" or one capital letter "
			     "(\"A\"), not '%s'", spec, proto, v);
	}
	if (!cJSON_IsObject(fb))
		return error("'%s': protocol '%s': \"fallback\" must be a string or an object by "
			     "answer type", spec, proto);
	cJSON_ArrayForEach(e, fb)
		if (check_fallback(e, spec, proto) < 0)
			return -1;
	return 0;
}

/* Merge `over` onto a copy of `base`: objects one level deep are merged key by key. */
static cJSON *merge(const cJSON *base, const cJSON *over)
{
	cJSON *out = base ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
	const cJSON *k;

	cJSON_DeleteItemFromObjectCaseSensitive(out, "inherit");
	cJSON_ArrayForEach(k, over) {
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(out, k->string);
		if (!strcmp(k->string, "inherit"))
			continue;
		if (cur && cJSON_IsObject(cur) && cJSON_IsObject(k) &&
		    strcmp(k->string, "frames") && strcmp(k->string, "generation")) {
			const cJSON *kk;
			cJSON_ArrayForEach(kk, k) {
				cJSON_DeleteItemFromObjectCaseSensitive(cur, kk->string);
				cJSON_AddItemToObject(cur, kk->string, cJSON_Duplicate(kk, 1));
			}
		} else if (cur && cJSON_IsObject(cur) && cJSON_IsObject(k)) {
			/* frames and generation: override key by key too */
			const cJSON *kk;
			cJSON_ArrayForEach(kk, k) {
				cJSON_DeleteItemFromObjectCaseSensitive(cur, kk->string);
				cJSON_AddItemToObject(cur, kk->string, cJSON_Duplicate(kk, 1));
			}
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(out, k->string);
			cJSON_AddItemToObject(out, k->string, cJSON_Duplicate(k, 1));
		}
	}
	return out;
}

static cJSON *resolve_protocol(const cJSON *protos, const char *name, const char *spec, int depth)
{
	const cJSON *p = json_get(protos, name), *inh;
	cJSON *base, *out;

	if (!cJSON_IsObject(p)) {
		error("'%s': protocol '%s' is not defined", spec, name);
		return NULL;
	}
	if (depth > 8) {
		error("'%s': protocol '%s': \"inherit\" chain too long (a loop?)", spec, name);
		return NULL;
	}
	inh = json_get(p, "inherit");
	if (!inh)
		return merge(NULL, p);
	if (!cJSON_IsString(inh)) {
		error("'%s': protocol '%s': \"inherit\" must name a protocol", spec, name);
		return NULL;
	}
	base = resolve_protocol(protos, inh->valuestring, spec, depth + 1);
	if (!base)
		return NULL;
	out = merge(base, p);
	cJSON_Delete(base);
	return out;
}

const char *protocol_for_type(const cJSON *setting, const char *type)
{
	const cJSON *v;

	if (cJSON_IsString(setting))
		return setting->valuestring;
	v = json_get(setting, type);
	if (cJSON_IsString(v))
		return v->valuestring;
	v = json_get(setting, "*");
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int check_protocol(struct suite *s, struct protocol *p)
{
	const char *spec = s->spec_path;
	size_t i;
	const cJSON *k;

	if (check_keys(p->json, protocol_keys, "protocol") < 0)
		return error("'%s': in protocol '%s'", spec, p->name);
	for (i = 0; i < s->ntypes; i++) {
		const char *tn = s->types[i].name, *x, *m;
		if (!protocol_for_type(p->templates, tn))
			return error("'%s': protocol '%s' has no template for answer type '%s'",
				     spec, p->name, tn);
		x = protocol_for_type(p->extractor, tn);
		if (!x || !known_extractor(x))
			return error("'%s': protocol '%s': unknown or missing extractor '%s' for type '%s'",
				     spec, p->name, x ? x : "", tn);
		m = protocol_for_type(p->metric, tn);
		if (!m || !known_metric(m))
			return error("'%s': protocol '%s': unknown or missing metric '%s' for type '%s'",
				     spec, p->name, m ? m : "", tn);
	}
	if (p->layout) {
		const cJSON *e;
		if (!cJSON_IsArray(p->layout))
			return error("'%s': protocol '%s': \"layout\" must be an array", spec, p->name);
		cJSON_ArrayForEach(e, p->layout) {
			const char *v = cJSON_IsString(e) ? e->valuestring : "";
			if (strcmp(v, "text") && strcmp(v, "frames") && strcmp(v, "images"))
				return error("'%s': protocol '%s': layout entries are \"text\", "
					     "\"frames\" or \"images\", not '%s'", spec, p->name, v);
		}
	}
	if (p->frames && !cJSON_IsObject(p->frames))
		return error("'%s': protocol '%s': \"frames\" must be an object", spec, p->name);
	if (check_fallback(p->fallback, spec, p->name) < 0)
		return -1;
	cJSON_ArrayForEach(k, p->variants)
		if (check_fallback(json_get(k, "fallback"), spec, p->name) < 0)
			return -1;
	k = json_get(p->json, "repeats");
	p->repeats = 1;
	if (k && !cJSON_IsNull(k)) {
		if (!json_is_int(k) || k->valuedouble < 1 || k->valuedouble > 1000)
			return error("'%s': protocol '%s': \"repeats\" is a whole number from 1 to 1000",
				     spec, p->name);
		p->repeats = (long)k->valuedouble;
	}
	cJSON_ArrayForEach(k, p->variants) {
		const char *tn;
		for (i = 0; i < s->ntypes; i++) {
			tn = s->types[i].name;
			const cJSON *xs = json_get(k, "extractor"), *ms = json_get(k, "metric");
			const char *x = xs ? protocol_for_type(xs, tn) : NULL;
			const char *m = ms ? protocol_for_type(ms, tn) : NULL;
			if (x && !known_extractor(x))
				return error("'%s': protocol '%s', variant '%s': unknown extractor '%s'",
					     spec, p->name, k->string, x);
			if (m && !known_metric(m))
				return error("'%s': protocol '%s', variant '%s': unknown metric '%s'",
					     spec, p->name, k->string, m);
		}
	}
	return 0;
}

static int parse_protocols(struct suite *s)
{
	const cJSON *protos = json_get(s->spec, "protocols"), *k;
	size_t n = 0;

	if (!cJSON_IsObject(protos) || !protos->child)
		return error("'%s': \"protocols\" must be an object with at least one protocol",
			     s->spec_path);
	s->merged = cJSON_CreateArray();
	s->nprotocols = (size_t)cJSON_GetArraySize(protos);
	s->protocols = xcalloc(s->nprotocols, sizeof(*s->protocols));
	cJSON_ArrayForEach(k, protos) {
		struct protocol *p = &s->protocols[n];
		cJSON *m = resolve_protocol(protos, k->string, s->spec_path, 0);
		const cJSON *t;
		if (!m)
			return -1;
		cJSON_AddItemToArray(s->merged, m);
		p->json = m;
		p->name = xstrdup(k->string);
		p->description = opt_str(m, "description");
		p->source = opt_str(m, "source");
		p->system = opt_str(m, "system");
		p->templates = json_get(m, "templates");
		if (!p->templates && (t = json_get(m, "template")))
			p->templates = t;
		p->option_format = xstrdup(json_get_str(m, "option_format") ?
					   json_get_str(m, "option_format") : "{letter}. {text}");
		p->option_join = xstrdup(json_get_str(m, "option_join") ?
					 json_get_str(m, "option_join") : "\n");
		p->layout = json_get(m, "layout");
		p->frames = json_get(m, "frames");
		p->generation = json_get(m, "generation");
		p->extractor = json_get(m, "extractor");
		p->metric = json_get(m, "metric");
		p->fallback = json_get(m, "fallback");
		p->variants = json_get(m, "variants");
		p->null_option = opt_str(m, "null_option");
		p->media = xstrdup(json_get_str(m, "media") ? json_get_str(m, "media") : "frames");
		if (strcmp(p->media, "frames") && strcmp(p->media, "clip")) {
			n++;
			return error("'%s': protocol '%s': \"media\" is \"frames\" or \"clip\"",
				     s->spec_path, p->name);
		}
		n++;
		if (check_protocol(s, p) < 0)
			return -1;
	}
	s->default_protocol = json_get_str(s->spec, "default_protocol");
	if (s->default_protocol && !suite_protocol(s, s->default_protocol))
		return error("'%s': default_protocol '%s' is not defined", s->spec_path,
			     s->default_protocol);
	return 0;
}

static enum answer_kind parse_kind(const char *k, int *ok)
{
	*ok = 1;
	if (!strcmp(k, "letter"))
		return ANS_LETTER;
	if (!strcmp(k, "text"))
		return ANS_TEXT;
	if (!strcmp(k, "value"))
		return ANS_VALUE;
	if (!strcmp(k, "number"))
		return ANS_NUMBER;
	if (!strcmp(k, "index"))
		return ANS_INDEX;
	*ok = 0;
	return ANS_LETTER;
}

static int parse_types(struct suite *s)
{
	const cJSON *types = json_get(s->spec, "types"), *t;
	size_t i = 0;

	if (!cJSON_IsArray(types) || !types->child)
		return error("'%s': \"types\" must be a non-empty array of answer types", s->spec_path);
	s->ntypes = (size_t)cJSON_GetArraySize(types);
	s->types = xcalloc(s->ntypes, sizeof(*s->types));
	cJSON_ArrayForEach(t, types) {
		struct qtype *q = &s->types[i];
		static const char *const keys[] = { "name", "when", "answer", "kind", "multiple_choice",
						    "keep_unscorable", NULL };
		const char *name = json_get_str(t, "name"), *ans = json_get_str(t, "answer"),
			   *kind = json_get_str(t, "kind");
		char where[160];
		int ok;

		snprintf(where, sizeof(where), "'%s': types[%zu]", s->spec_path, i);
		if (check_keys(t, keys, where) < 0)
			return -1;
		if (!name || !ans || !kind)
			return error("%s: needs \"name\", \"answer\" (the field with the truth) and \"kind\"", where);
		q->name = xstrdup(name);
		q->answer_field = xstrdup(ans);
		q->kind = parse_kind(kind, &ok);
		if (!ok)
			return error("%s: unknown kind '%s' (letter, text, value, index, number)", where, kind);
		q->multiple_choice = q->kind != ANS_NUMBER;
		if (json_get(t, "multiple_choice"))
			q->multiple_choice = cJSON_IsTrue(json_get(t, "multiple_choice"));
		q->keep_unscorable = cJSON_IsTrue(json_get(t, "keep_unscorable"));
		if (json_get(t, "when")) {
			char w[192];
			snprintf(w, sizeof(w), "%s.when", where);
			if (!(q->when = cond_compile(json_get(t, "when"), w)))
				return -1;
		}
		i++;
	}
	return 0;
}

static int parse_categories(struct suite *s)
{
	const cJSON *cats = json_get(s->spec, "categories"), *c;
	size_t i = 0, j, k;

	if (!cats)
		return 0;
	if (!cJSON_IsArray(cats))
		return error("'%s': \"categories\" must be an array", s->spec_path);
	s->ncats = (size_t)cJSON_GetArraySize(cats);
	s->cats = xcalloc(s->ncats ? s->ncats : 1, sizeof(*s->cats));
	cJSON_ArrayForEach(c, cats) {
		struct category *cat = &s->cats[i];
		const cJSON *mem;
		cat->member_of = -1;
		if (cJSON_IsString(c)) {
			cat->name = xstrdup(c->valuestring);
		} else if (cJSON_IsObject(c) && json_get_str(c, "name")) {
			cat->name = xstrdup(json_get_str(c, "name"));
			cat->label = opt_str(c, "label");
			mem = json_get(c, "members");
			if (mem) {
				const cJSON *m;
				if (!cJSON_IsArray(mem))
					return error("'%s': categories[%zu].members must be an array",
						     s->spec_path, i);
				cat->nmembers = (size_t)cJSON_GetArraySize(mem);
				cat->members = xcalloc(cat->nmembers ? cat->nmembers : 1, sizeof(char *));
				j = 0;
				cJSON_ArrayForEach(m, mem) {
					if (!cJSON_IsString(m))
						return error("'%s': categories[%zu].members must be names",
							     s->spec_path, i);
					cat->members[j++] = xstrdup(m->valuestring);
				}
			}
		} else {
			return error("'%s': categories[%zu] must be a name or {\"name\", \"label\", \"members\"}",
				     s->spec_path, i);
		}
		if (!cat->label)
			cat->label = xstrdup(cat->name);
		i++;
	}
	/* link members to their merged category */
	for (i = 0; i < s->ncats; i++)
		for (j = 0; j < s->cats[i].nmembers; j++) {
			for (k = 0; k < s->ncats; k++)
				if (!strcmp(s->cats[k].name, s->cats[i].members[j]))
					break;
			if (k == s->ncats)
				return error("'%s': category '%s' lists member '%s', which is not a category",
					     s->spec_path, s->cats[i].name, s->cats[i].members[j]);
			if (k == i)
				return error("'%s': category '%s' lists itself as a member", s->spec_path,
					     s->cats[i].name);
			if (s->cats[k].member_of >= 0 && s->cats[k].member_of != (int)i)
				return error("'%s': category '%s' is a member of both '%s' and '%s'",
					     s->spec_path, s->cats[k].name,
					     s->cats[s->cats[k].member_of].name, s->cats[i].name);
			s->cats[k].member_of = (int)i;
		}
	/* merged categories may nest, never in a circle */
	for (i = 0; i < s->ncats; i++) {
		int at = s->cats[i].member_of;
		size_t steps = 0;
		while (at >= 0 && steps++ <= s->ncats) {
			if (at == (int)i)
				return error("'%s': categories' members form a cycle through '%s'",
					     s->spec_path, s->cats[i].name);
			at = s->cats[at].member_of;
		}
	}
	return 0;
}

static int parse_splits(struct suite *s)
{
	const cJSON *splits = json_get(s->spec, "splits"), *sp;
	size_t i = 0;

	if (!splits)
		return 0;
	if (!cJSON_IsArray(splits))
		return error("'%s': \"splits\" must be an array", s->spec_path);
	s->nsplits = (size_t)cJSON_GetArraySize(splits);
	s->splits = xcalloc(s->nsplits ? s->nsplits : 1, sizeof(*s->splits));
	cJSON_ArrayForEach(sp, splits) {
		char where[160];
		const char *name = json_get_str(sp, "name");
		snprintf(where, sizeof(where), "'%s': splits[%zu].where", s->spec_path, i);
		if (!name || !json_get(sp, "where"))
			return error("'%s': splits[%zu] needs \"name\" and \"where\"", s->spec_path, i);
		s->splits[i].name = xstrdup(name);
		s->splits[i].label = opt_str(sp, "label");
		if (!(s->splits[i].where = cond_compile(json_get(sp, "where"), where)))
			return -1;
		i++;
	}
	return 0;
}

/* "columns": the paper's table, in its order. Each entry is "overall", a
 * category or split name (a category wins), or {"overall": true |
 * "category": NAME | "split": NAME, "label": TEXT}. */
static int parse_columns(struct suite *s)
{
	const cJSON *cols = json_get(s->spec, "columns"), *c;
	size_t i = 0, k;

	if (!cols)
		return 0;
	if (!cJSON_IsArray(cols))
		return error("'%s': \"columns\" must be an array", s->spec_path);
	s->ncolumns = (size_t)cJSON_GetArraySize(cols);
	s->columns = xcalloc(s->ncolumns ? s->ncolumns : 1, sizeof(*s->columns));
	cJSON_ArrayForEach(c, cols) {
		struct column *col = &s->columns[i];
		const char *name = NULL, *want = NULL;
		if (cJSON_IsString(c)) {
			name = c->valuestring;
		} else if (cJSON_IsObject(c)) {
			static const char *const keys[] = { "overall", "category", "split", "label", NULL };
			char where[96];
			snprintf(where, sizeof(where), "'%.60s': columns[%zu]", s->spec_path, i);
			if (check_keys(c, keys, where) < 0)
				return -1;
			if (cJSON_IsTrue(json_get(c, "overall"))) {
				name = "overall";
				want = "overall";
			} else if ((name = json_get_str(c, "category")))
				want = "category";
			else if ((name = json_get_str(c, "split")))
				want = "split";
			col->label = opt_str(c, "label");
		}
		if (!name)
			return error("'%s': columns[%zu] must be a name or {\"overall\": true | \"category\": NAME | "
				     "\"split\": NAME, \"label\": TEXT}", s->spec_path, i);
		col->name = xstrdup(name);
		if ((!want && !strcmp(name, "overall")) || (want && !strcmp(want, "overall"))) {
			col->kind = COL_OVERALL;
			i++;
			continue;
		}
		k = s->ncats;
		if (!want || !strcmp(want, "category"))
			for (k = 0; k < s->ncats && strcmp(s->cats[k].name, name); k++)
				;
		if (k < s->ncats) {
			col->kind = COL_CATEGORY;
		} else {
			k = s->nsplits;
			if (!want || !strcmp(want, "split"))
				for (k = 0; k < s->nsplits && strcmp(s->splits[k].name, name); k++)
					;
			if (k == s->nsplits)
				return error("'%s': columns[%zu]: '%s' is not %s", s->spec_path, i, name,
					     want ? (!strcmp(want, "split") ? "a split" : "a category") :
					     "\"overall\", a category or a split");
			col->kind = COL_SPLIT;
		}
		i++;
	}
	return 0;
}

static int parse_derive(struct suite *s)
{
	const cJSON *d = json_get(s->spec, "derive"), *f;
	size_t i = 0;

	if (!d)
		return 0;
	if (!cJSON_IsObject(d))
		return error("'%s': \"derive\" must be an object: field name -> rules", s->spec_path);
	s->nderives = (size_t)cJSON_GetArraySize(d);
	s->derives = xcalloc(s->nderives ? s->nderives : 1, sizeof(*s->derives));
	cJSON_ArrayForEach(f, d) {
		struct derive *dv = &s->derives[i++];
		const cJSON *r;
		size_t j = 0;
		dv->name = xstrdup(f->string);
		if (!cJSON_IsArray(f))
			return error("'%s': derive.%s must be an array of rules", s->spec_path, f->string);
		dv->nrules = (size_t)cJSON_GetArraySize(f);
		dv->rules = xcalloc(dv->nrules ? dv->nrules : 1, sizeof(*dv->rules));
		cJSON_ArrayForEach(r, f) {
			struct derive_rule *rule = &dv->rules[j];
			char where[192];
			snprintf(where, sizeof(where), "'%s': derive.%s[%zu]", s->spec_path, f->string, j);
			if (json_get(r, "when")) {
				char w[200];
				snprintf(w, sizeof(w), "%s.when", where);
				if (!(rule->when = cond_compile(json_get(r, "when"), w)))
					return -1;
			}
			rule->from = opt_str(r, "from");
			rule->value = json_get(r, "value");
			if (!rule->from && !rule->value)
				return error("%s: a rule needs \"from\" or \"value\"", where);
			j++;
		}
	}
	return 0;
}

static int parse_aggregate(struct suite *s)
{
	const cJSON *a = json_get(s->spec, "aggregate"), *v;
	const char *o;

	s->overall = xstrdup("item-mean");
	s->scale = 100;
	s->round_digits = -1;
	if (!a)
		return 0;
	o = json_get_str(a, "overall");
	if (o) {
		if (strcmp(o, "item-mean") && strcmp(o, "category-mean"))
			return error("'%s': aggregate.overall is \"item-mean\" or \"category-mean\", not '%s'",
				     s->spec_path, o);
		free(s->overall);
		s->overall = xstrdup(o);
	}
	if ((v = json_get(a, "over"))) {
		const char *ov = cJSON_IsString(v) ? v->valuestring : "";
		if (strcmp(ov, "leaves") && strcmp(ov, "top"))
			return error("'%s': aggregate.over is \"top\" or \"leaves\"", s->spec_path);
		s->over_leaves = !strcmp(ov, "leaves");
	}
	if ((v = json_get(a, "scale")) && cJSON_IsNumber(v))
		s->scale = v->valuedouble;
	if ((v = json_get(a, "round")) && cJSON_IsNumber(v))
		s->round_digits = (int)v->valuedouble;
	return 0;
}

int suite_open(struct suite *s, const char *name)
{
	char *path = find_spec(name);
	const cJSON *d;

	memset(s, 0, sizeof(*s));
	if (!path) {
		size_t n, i;
		char **names = suite_list(&n);
		struct buf b = BUF_INIT;
		for (i = 0; i < n; i++) {
			buf_addf(&b, "%s%s", i ? ", " : "", names[i]);
			free(names[i]);
		}
		free(names);
		error("no suite '%s' (known: %s)", name, n ? buf_cstr(&b) : "none");
		buf_release(&b);
		return -1;
	}
	s->spec_path = path;
	if (sha256_file(path, s->spec_sha256) < 0)
		return -1;
	s->spec = json_parse_file(path, SPEC_MAX);
	if (!s->spec)
		return -1;
	if (!cJSON_IsObject(s->spec))
		return error("'%s': a suite spec is a JSON object", path);
	if (check_keys(s->spec, top_keys, path) < 0)
		return -1;
	if (!json_get_str(s->spec, "name"))
		return error("'%s': missing \"name\"", path);
	s->name = xstrdup(json_get_str(s->spec, "name"));
	s->title = xstrdup(json_get_str(s->spec, "title") ? json_get_str(s->spec, "title") : s->name);
	d = json_get(s->spec, "data");
	if (!cJSON_IsObject(d) || !cJSON_IsArray(json_get(d, "sources")))
		return error("'%s': \"data\" must be an object with a \"sources\" array", path);
	if (!cJSON_IsObject(json_get(s->spec, "fields")))
		return error("'%s': missing \"fields\" (how source fields map to items)", path);
	if (parse_types(s) < 0 || parse_categories(s) < 0 || parse_splits(s) < 0 ||
	    parse_columns(s) < 0 || parse_derive(s) < 0 || parse_aggregate(s) < 0 || parse_protocols(s) < 0)
		return -1;
	return 0;
}

const struct protocol *suite_protocol(const struct suite *s, const char *name)
{
	size_t i;

	if (!name)
		name = s->default_protocol;
	if (!name)
		return s->nprotocols ? &s->protocols[0] : NULL;
	for (i = 0; i < s->nprotocols; i++)
		if (!strcmp(s->protocols[i].name, name))
			return &s->protocols[i];
	return NULL;
}

const struct category *suite_category(const struct suite *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->ncats; i++)
		if (!strcmp(s->cats[i].name, name))
			return &s->cats[i];
	return NULL;
}

static void item_release(struct item *it)
{
	size_t i;

	free(it->id);
	free(it->source_id);
	free(it->category);
	free(it->split);
	free(it->question);
	for (i = 0; i < it->nopt; i++) {
		free(it->opts[i].text);
		free(it->opts[i].label);
	}
	free(it->opts);
	free(it->answer);
	free(it->video);
	free(it->t_start);
	free(it->t_end);
	for (i = 0; i < it->nimages; i++)
		free(it->images[i].path);
	free(it->images);
	if (!it->rotation) {
		cJSON_Delete(it->raw);
		cJSON_Delete(it->derived);
	}
	free(it->stem);
	free(it->source_file);
}

void suite_release(struct suite *s)
{
	size_t i, j;

	for (i = 0; i < s->nitems; i++)
		item_release(&s->items[i]);
	free(s->items);
	free(s->index);
	blob_store_release(&s->blobs);
	zsrc_free(s->zip);
	s->zip = NULL;
	free(s->zip_root);
	s->zip_root = NULL;
	for (i = 0; i < s->ntypes; i++) {
		free(s->types[i].name);
		free(s->types[i].answer_field);
		cond_free(s->types[i].when);
	}
	free(s->types);
	for (i = 0; i < s->nprotocols; i++) {
		struct protocol *p = &s->protocols[i];
		free(p->name);
		free(p->description);
		free(p->source);
		free(p->system);
		free(p->option_format);
		free(p->option_join);
		free(p->null_option);
		free(p->media);
	}
	free(s->protocols);
	for (i = 0; i < s->ncats; i++) {
		free(s->cats[i].name);
		free(s->cats[i].label);
		for (j = 0; j < s->cats[i].nmembers; j++)
			free(s->cats[i].members[j]);
		free(s->cats[i].members);
	}
	free(s->cats);
	for (i = 0; i < s->nsplits; i++) {
		free(s->splits[i].name);
		free(s->splits[i].label);
		cond_free(s->splits[i].where);
	}
	free(s->splits);
	for (i = 0; i < s->ncolumns; i++) {
		free(s->columns[i].name);
		free(s->columns[i].label);
	}
	free(s->columns);
	for (i = 0; i < s->nderives; i++) {
		for (j = 0; j < s->derives[i].nrules; j++) {
			cond_free(s->derives[i].rules[j].when);
			free(s->derives[i].rules[j].from);
		}
		free(s->derives[i].rules);
		free(s->derives[i].name);
	}
	free(s->derives);
	for (i = 0; i < s->nfiles; i++)
		free(s->files[i].path);
	free(s->files);
	cJSON_Delete(s->merged);
	cJSON_Delete(s->spec);
	free(s->name);
	free(s->title);
	free(s->spec_path);
	free(s->data_dir);
	for (i = 0; i < s->nvideo_dirs; i++)
		free(s->video_dirs[i]);
	free(s->video_dirs);
	free(s->overall);
	memset(s, 0, sizeof(*s));
}
