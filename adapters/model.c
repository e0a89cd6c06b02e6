/*
 * model.c: model specs, the models file, keys and secrets.
 */
#include "lib/common.h"
#include "adapters/adapter.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <ctype.h>
#include <strings.h>

static const struct adapter_ops *const adapters[] = {
	&adapter_openai, &adapter_anthropic, &adapter_gemini, &adapter_ollama,
	&adapter_command, &adapter_baseline,
};

const struct adapter_ops *const *adapter_list(size_t *n)
{
	*n = ARRAY_SIZE(adapters);
	return adapters;
}

static const struct adapter_ops *find_adapter(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(adapters); i++)
		if (!strcmp(adapters[i]->name, name))
			return adapters[i];
	return NULL;
}

/* ---- secrets ---- */

static char **secrets;
static size_t nsecrets, asecrets;

void secret_register(const char *value)
{
	size_t i;

	if (!value || strlen(value) < 4)
		return;
	for (i = 0; i < nsecrets; i++)
		if (!strcmp(secrets[i], value))
			return;
	ALLOC_GROW(secrets, nsecrets + 1, asecrets);
	secrets[nsecrets++] = xstrdup(value);
}

void secret_clear(void)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		free(secrets[i]);
	free(secrets);
	secrets = NULL;
	nsecrets = asecrets = 0;
}

static void replace_all(struct buf *b, const char *needle)
{
	size_t nl = strlen(needle);
	struct buf out = BUF_INIT;
	const char *p, *s, *end;

	if (!b->len || !strstr(buf_cstr(b), needle))
		return;
	s = buf_cstr(b);
	end = s + b->len;
	while ((p = strstr(s, needle)) && p < end) {
		buf_add(&out, s, (size_t)(p - s));
		buf_adds(&out, "[REDACTED]");
		s = p + nl;
	}
	buf_add(&out, s, (size_t)(end - s));
	buf_release(b);
	*b = out;
}

static int token_char(unsigned char c)
{
	return c > ' ' && c != '"' && c != '\'' && c != '&' && c != ',' && c != ';' && c != '\\' &&
	       c != '}' && c != ')' && c < 0x7f;
}

/* after each case-insensitive `label`, replace the token that follows */
static void scrub_after(struct buf *b, const char *label, int skip_spaces)
{
	size_t ll = strlen(label), i = 0;
	struct buf out = BUF_INIT;
	const char *s = buf_cstr(b);
	int changed = 0;

	while (i < b->len) {
		if (i + ll <= b->len && !strncasecmp(s + i, label, ll) &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			size_t j = i + ll, k;
			buf_add(&out, s + i, ll);
			while (skip_spaces && j < b->len && (s[j] == ' ' || s[j] == '\t'))
				buf_addch(&out, s[j++]);
			k = j;
			while (k < b->len && token_char((unsigned char)s[k]))
				k++;
			if (k > j && !(k - j == 10 && !memcmp(s + j, "[REDACTED]", 10))) {
				buf_adds(&out, "[REDACTED]");
				changed = 1;
			} else {
				buf_add(&out, s + j, k - j);
			}
			i = k;
			continue;
		}
		buf_addch(&out, s[i++]);
	}
	if (changed) {
		buf_release(b);
		*b = out;
	} else {
		buf_release(&out);
	}
}

void secret_scrub(struct buf *b)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		replace_all(b, secrets[i]);
	scrub_after(b, "Bearer ", 1);
	scrub_after(b, "x-api-key:", 1);
	scrub_after(b, "x-goog-api-key:", 1);
	scrub_after(b, "api-key:", 1);
	scrub_after(b, "key=", 0);
}

void secret_scrub_values(struct buf *b)
{
	size_t i;

	for (i = 0; i < nsecrets; i++)
		replace_all(b, secrets[i]);
}

char *secret_scrub_dup(const char *s)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, s ? s : "");
	secret_scrub(&b);
	return buf_detach(&b, NULL);
}

/* ---- specs ---- */

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

int model_spec_split(const char *spec, char **adapter, char **url, char **rest)
{
	const char *p = spec, *u, *q;

	*adapter = *url = *rest = NULL;
	while (*p && is_name_char(*p))
		p++;
	if (p == spec || (*p != ':' && *p != '@'))
		return -1;
	*adapter = xstrndup(spec, (size_t)(p - spec));
	if (*p == ':') {
		*rest = xstrdup(p + 1);
		return 0;
	}
	/* adapter@scheme://host[:port][/path]:rest */
	u = p + 1;
	q = strstr(u, "://");
	if (!q)
		goto bad;
	q += 3;
	if (*q == '[') {
		q = strchr(q, ']');
		if (!q)
			goto bad;
		q++;
	} else {
		while (*q && *q != ':' && *q != '/')
			q++;
	}
	if (*q == ':') {
		/* a port: digits followed by '/', ':' or the end */
		const char *d = q + 1;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d > q + 1 && (*d == '/' || *d == ':' || !*d))
			q = d;
	}
	if (*q == '/')
		while (*q && *q != ':')
			q++;
	if (*q != ':' || !q[1])
		goto bad;
	*url = xstrndup(u, (size_t)(q - u));
	while (**url && (*url)[strlen(*url) - 1] == '/')
		(*url)[strlen(*url) - 1] = 0;
	*rest = xstrdup(q + 1);
	return 0;
bad:
	free(*adapter);
	free(*url);
	*adapter = *url = NULL;
	return -1;
}

/* Every key steval knows of is a secret, whichever adapter runs: a worker
 * or a server that echoes one never gets it into a file. */
static void register_known_keys(const struct model *m, const struct model_opts *opts)
{
	static const char *const vars[] = {
		"OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
	};
	const char *v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(vars); i++)
		if ((v = getenv(vars[i])) && *v)
			secret_register(v);
	if (m->ep.key_env && (v = getenv(m->ep.key_env)) && *v)
		secret_register(v);
	if (opts && opts->key_env && (v = getenv(opts->key_env)) && *v)
		secret_register(v);
}

/* ---- models file ---- */

static const char *const entry_keys[] = {
	"adapter", "base_url", "model", "key_env", "concurrency", "rpm", "tpm", "headers",
	"body", "stream", "max_tokens_field", "video", "detail", "command", "images",
	"workers", "reasoning", "description", "price", "env", NULL,
};

static int expand_env(const char *in, const char *where, char **out, int *had_var)
{
	struct buf b = BUF_INIT;
	const char *p = in;

	*had_var = 0;
	while (*p) {
		if (p[0] == '$' && p[1] == '{') {
			const char *e = strchr(p + 2, '}');
			char *name;
			const char *val;
			if (!e) {
				buf_release(&b);
				return error("%s: unterminated '${' in '%s'", where, in);
			}
			name = xstrndup(p + 2, (size_t)(e - p - 2));
			val = getenv(name);
			if (!val) {
				error("%s: environment variable '%s' is not set", where, name);
				free(name);
				buf_release(&b);
				return -1;
			}
			free(name);
			buf_adds(&b, val);
			*had_var = 1;
			p = e + 1;
			continue;
		}
		buf_addch(&b, *p++);
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

static char *dup_str(const cJSON *e, const char *key)
{
	const char *s = json_get_str(e, key);

	return s ? xstrdup(s) : NULL;
}

static int load_entry(struct endpoint *ep, const cJSON *e, const char *file, const char *name)
{
	const cJSON *k, *h;
	char where[512];
	size_t i;

	snprintf(where, sizeof(where), "'%s': model '%s'", file, name);
	if (!cJSON_IsObject(e))
		return error("%s: must be an object", where);
	cJSON_ArrayForEach(k, e) {
		for (i = 0; entry_keys[i]; i++)
			if (!strcmp(entry_keys[i], k->string))
				break;
		if (!entry_keys[i])
			return error("%s: unknown key '%s'", where, k->string);
	}
	if (!json_get_str(e, "adapter"))
		return error("%s: \"adapter\" (openai, anthropic, gemini, ollama, command, "
			     "baseline) is required", where);
	ep->name = xstrdup(name);
	ep->adapter = dup_str(e, "adapter");
	ep->base_url = dup_str(e, "base_url");
	ep->model = dup_str(e, "model");
	if (!ep->model && json_get_str(e, "command"))
		ep->model = dup_str(e, "command");
	ep->key_env = dup_str(e, "key_env");
	ep->max_tokens_field = dup_str(e, "max_tokens_field");
	ep->video = dup_str(e, "video");
	ep->detail = dup_str(e, "detail");
	ep->images = dup_str(e, "images");
	if (json_get(e, "concurrency"))
		ep->concurrency = (long)json_get(e, "concurrency")->valuedouble;
	if (json_get(e, "workers"))
		ep->workers = (long)json_get(e, "workers")->valuedouble;
	if (json_get(e, "rpm"))
		ep->rpm = json_get(e, "rpm")->valuedouble;
	if (json_get(e, "tpm"))
		ep->tpm = json_get(e, "tpm")->valuedouble;
	if (json_get(e, "stream"))
		ep->stream = cJSON_IsTrue(json_get(e, "stream"));
	if (json_get(e, "reasoning"))
		ep->reasoning = cJSON_IsTrue(json_get(e, "reasoning"));
	if (ep->base_url)
		while (*ep->base_url && ep->base_url[strlen(ep->base_url) - 1] == '/')
			ep->base_url[strlen(ep->base_url) - 1] = 0;
	h = json_get(e, "headers");
	if (h && !cJSON_IsObject(h))
		return error("%s: \"headers\" must be an object of strings", where);
	cJSON_ArrayForEach(k, h) {
		char *val = NULL;
		int secret = 0;
		if (!cJSON_IsString(k))
			return error("%s: header '%s' must be a string", where, k->string);
		if (expand_env(k->valuestring, where, &val, &secret) < 0)
			return -1;
		if (secret)
			secret_register(val);
		ep->headers = xrealloc(ep->headers, (ep->nheaders + 1) * sizeof(*ep->headers));
		ep->headers[ep->nheaders++] = xasprintf("%s: %s", k->string, val);
		free(val);
	}
	if (json_get(e, "body")) {
		if (!cJSON_IsObject(json_get(e, "body")))
			return error("%s: \"body\" must be an object", where);
		ep->body = cJSON_Duplicate(json_get(e, "body"), 1);
	}
	ep->json = cJSON_Duplicate(e, 1);
	return 0;
}

/* 1: found, 0: no such entry, -1: error */
static int lookup_models_file(const char *file, const char *name, struct endpoint *ep)
{
	cJSON *tree;
	const cJSON *e;
	int rc = 0;

	if (!file || !*file)
		return 0;
	tree = json_parse_file(file, (size_t)16 << 20);
	if (!tree)
		return -1;
	if (!cJSON_IsObject(tree)) {
		cJSON_Delete(tree);
		return error("'%s': a models file is a JSON object: name -> settings", file);
	}
	e = json_get(tree, "models");
	if (cJSON_IsObject(e))
		e = json_get(e, name);
	else
		e = json_get(tree, name);
	if (e)
		rc = load_entry(ep, e, file, name) < 0 ? -1 : 1;
	cJSON_Delete(tree);
	return rc;
}

void endpoint_release(struct endpoint *ep)
{
	size_t i;

	free(ep->name);
	free(ep->adapter);
	free(ep->base_url);
	free(ep->model);
	free(ep->key_env);
	if (ep->key) {
		memset(ep->key, 0, strlen(ep->key));
		free(ep->key);
	}
	for (i = 0; i < ep->nheaders; i++)
		free(ep->headers[i]);
	free(ep->headers);
	cJSON_Delete(ep->body);
	free(ep->max_tokens_field);
	free(ep->video);
	free(ep->detail);
	free(ep->images);
	cJSON_Delete(ep->json);
	memset(ep, 0, sizeof(*ep));
}

int model_open(struct model **out, const char *spec, const struct suite *s,
	       const struct model_opts *opts)
{
	const char *file = opts && opts->models_file ? opts->models_file : getenv("STEVAL_MODELS");
	struct model *m;
	char *adapter = NULL, *url = NULL, *rest = NULL;
	int found;

	*out = NULL;
	m = xcalloc(1, sizeof(*m));
	m->spec = xstrdup(spec);
	m->ep.stream = -1;
	m->ep.reasoning = -1;
	found = lookup_models_file(file, spec, &m->ep);
	if (found < 0)
		goto fail;
	if (!found) {
		if (model_spec_split(spec, &adapter, &url, &rest) < 0) {
			if (!strchr(spec, ':') && !strchr(spec, '@'))
				error("model '%s': not an entry of the models file%s%s%s and not of the "
				      "form ADAPTER:NAME (see 'steval run --help')", spec,
				      file ? " '" : "", file ? file : "", file ? "'" : "");
			else
				error("model '%s': expected ADAPTER:NAME or ADAPTER@URL:NAME "
				      "(see 'steval run --help')", spec);
			goto fail;
		}
		m->ep.adapter = adapter;
		m->ep.base_url = url;
		m->ep.model = rest;
		adapter = url = rest = NULL;
	}
	m->ops = find_adapter(m->ep.adapter);
	if (!m->ops) {
		error("model '%s': unknown adapter '%s' (openai, anthropic, gemini, ollama, command, "
		      "baseline)", spec, m->ep.adapter);
		goto fail;
	}
	if (!m->ep.model || !*m->ep.model) {
		error("model '%s': no model name", spec);
		goto fail;
	}
	if (opts) {
		if (opts->key_env) {
			free(m->ep.key_env);
			m->ep.key_env = xstrdup(opts->key_env);
		}
		if (opts->stream >= 0)
			m->ep.stream = opts->stream;
		if (opts->concurrency > 0)
			m->ep.concurrency = opts->concurrency;
		if (opts->rpm >= 0)
			m->ep.rpm = opts->rpm;
		if (opts->tpm >= 0)
			m->ep.tpm = opts->tpm;
		if (opts->body && cJSON_GetArraySize(opts->body) > 0) {
			const cJSON *k;
			if (!m->ep.body)
				m->ep.body = cJSON_CreateObject();
			cJSON_ArrayForEach(k, opts->body) {
				cJSON_DeleteItemFromObjectCaseSensitive(m->ep.body, k->string);
				cJSON_AddItemToObject(m->ep.body, k->string, cJSON_Duplicate(k, 1));
			}
		}
		m->timeout_ms = opts->timeout_ms;
		if (opts->send_sampling && m->ep.reasoning < 0)
			m->ep.reasoning = 0;
	}
	if (m->ops->open(m, s) < 0) {
		if (m->ops->close)
			m->ops->close(m);
		goto fail;
	}
	register_known_keys(m, opts);
	*out = m;
	return 0;
fail:
	free(adapter);
	free(url);
	free(rest);
	endpoint_release(&m->ep);
	free(m->spec);
	free(m);
	return -1;
}

void model_close(struct model *m)
{
	if (!m)
		return;
	if (m->ops && m->ops->close)
		m->ops->close(m);
	endpoint_release(&m->ep);
	free(m->spec);
	free(m);
}

int model_answer(struct model *m, const struct request *rq, struct answer *out)
{
	if (!m->ops->answer)
		return error("model '%s': adapter '%s' does not answer synchronously", m->spec,
			     m->ops->name);
	return m->ops->answer(m, rq, out);
}

int model_needs_media(const struct model *m)
{
	return m->ops->needs_media ? m->ops->needs_media(m) : 1;
}

int model_takes_clip(const struct model *m)
{
	return m->ops->takes_clip ? m->ops->takes_clip(m) : 0;
}

long model_concurrency(const struct model *m)
{
	if (m->ep.concurrency > 0)
		return m->ep.concurrency;
	if (m->ops->default_concurrency)
		return m->ops->default_concurrency(m);
	return m->ops->concurrency > 0 ? m->ops->concurrency : 8;
}

void model_describe(const struct model *m, struct jw *w)
{
	size_t i;

	jw_obj(w);
	jw_key(w, "spec");
	jw_str(w, m->spec);
	jw_key(w, "adapter");
	jw_str(w, m->ops->name);
	if (m->ep.name) {
		jw_key(w, "name");
		jw_str(w, m->ep.name);
	}
	jw_key(w, "model");
	jw_str(w, m->ep.model);
	if (m->ep.key_env) {
		jw_key(w, "key_env");
		jw_str(w, m->ep.key_env);
		jw_key(w, "key_set");
		jw_bool(w, m->ep.key != NULL);
	}
	if (m->ep.nheaders) {
		jw_key(w, "headers");
		jw_arr(w);
		for (i = 0; i < m->ep.nheaders; i++) {
			const char *c = strchr(m->ep.headers[i], ':');
			jw_strn(w, m->ep.headers[i], c ? (size_t)(c - m->ep.headers[i]) : 0);
		}
		jw_end(w);
	}
	if (m->ep.body) {
		jw_key(w, "body");
		jw_value(w, m->ep.body);
	}
	jw_key(w, "concurrency");
	jw_int(w, model_concurrency(m));
	jw_key(w, "rpm");
	jw_num(w, m->ep.rpm);
	jw_key(w, "tpm");
	jw_num(w, m->ep.tpm);
	if (m->ops->describe)
		m->ops->describe(m, w);
	jw_end(w);
}

void answer_init(struct answer *a)
{
	memset(a, 0, sizeof(*a));
	a->in_tokens = a->out_tokens = a->reasoning_tokens = -1;
}

void answer_release(struct answer *a)
{
	free(a->text);
	free(a->finish_reason);
	free(a->error);
	answer_init(a);
}

void verdict_release(struct verdict *v)
{
	free(v->message);
	memset(v, 0, sizeof(*v));
}

void http_call_release(struct http_call *c)
{
	size_t i;

	free(c->url);
	for (i = 0; i < c->nheaders; i++) {
		memset(c->headers[i], 0, strlen(c->headers[i]));
		free(c->headers[i]);
	}
	free(c->headers);
	buf_release(&c->body);
	bufrefs_release(&c->refs);
	memset(c, 0, sizeof(*c));
}

void http_call_header(struct http_call *c, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(&b, fmt, ap);
	va_end(ap);
	c->headers = xrealloc(c->headers, (c->nheaders + 1) * sizeof(*c->headers));
	c->headers[c->nheaders++] = buf_detach(&b, NULL);
}

/* Shared by the HTTP adapters: the key from the environment. A variable
 * named by the user (--key-env, "key_env") must be set; the adapter's
 * default must be set only when `required`. */
int model_load_key(struct model *m, const char *default_env, int required)
{
	const char *env = m->ep.key_env ? m->ep.key_env : default_env;
	const char *v;

	if (!env)
		return 0;
	if (m->ep.key_env)
		required = 1;
	else
		m->ep.key_env = xstrdup(env);
	v = getenv(env);
	if (!v || !*v) {
		if (required)
			return error("model '%s': the API key is read from $%s, which is not set",
				     m->spec, env);
		free(m->ep.key_env);
		m->ep.key_env = NULL;
		return 0;
	}
	m->ep.key = xstrdup(v);
	secret_register(v);
	return 0;
}
