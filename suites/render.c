#include "lib/common.h"
#include "suites/render.h"
#include "suites/suite.h"
#include "suites/cond.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/xalloc.h"

#include <math.h>

/* Looks a name up; appends its text. 1 found (numeric: *num set, *isnum 1),
 * 0 unknown, -1 error already reported. */
typedef int (*lookup_fn)(const char *name, void *ctx, struct buf *out, double *num, int *isnum);

static int apply_format(const char *spec, const char *name, const char *text, double num,
			int isnum, struct buf *out, const char *what)
{
	long prec;
	char *end;

	if (!*spec) {
		buf_adds(out, text);
		return 0;
	}
	if (!strcmp(spec, "strip")) {   /* steval's: Python's str.strip() */
		size_t b, e;
		py_strip(text, strlen(text), &b, &e);
		buf_add(out, text + b, e - b);
		return 0;
	}
	if (!isnum) {
		double d;
		if (py_float(text, strlen(text), &d) < 0)
			return error("%s: '{%s:%s}' formats a number, but the value is '%s'",
				     what, name, spec, text);
		num = d;
	}
	if (!strcmp(spec, "d")) {
		if (num != floor(num))
			return error("%s: '{%s:d}' needs an integer, the value is '%s'", what, name, text);
		buf_addf(out, "%.0f", num);
		return 0;
	}
	if (spec[0] == '.') {
		errno = 0;
		prec = strtol(spec + 1, &end, 10);
		if (!errno && prec >= 0 && prec <= 30 && (*end == 'f' || *end == 'g') && !end[1]) {
			if (*end == 'f' && (isnan(num) || isinf(num))) {
				buf_adds(out, isnan(num) ? "nan" : num < 0 ? "-inf" : "inf");
				return 0;
			}
			if (*end == 'f')
				buf_addf(out, "%.*f", (int)prec, num);
			else
				buf_addf(out, "%.*g", (int)(prec ? prec : 1), num);
			return 0;
		}
	}
	return error("%s: unsupported format '{%s:%s}' (use .Nf, .Ng or d)", what, name, spec);
}

static int expand(const char *tpl, lookup_fn fn, void *ctx, struct buf *out, const char *what)
{
	const char *p = tpl;

	while (*p) {
		const char *open = strpbrk(p, "{}"), *close, *colon;
		struct buf val = BUF_INIT;
		char *name, *spec;
		double num = 0;
		int isnum = 0, rc;

		if (!open) {
			buf_adds(out, p);
			break;
		}
		buf_add(out, p, (size_t)(open - p));
		if (open[0] == open[1]) {          /* "{{" or "}}" */
			buf_addch(out, open[0]);
			p = open + 2;
			continue;
		}
		if (*open == '}')
			return error("%s: single '}' in template (write '}}')", what);
		close = strchr(open, '}');
		if (!close)
			return error("%s: unclosed '{' in template", what);
		name = xstrndup(open + 1, (size_t)(close - open - 1));
		colon = strchr(name, ':');
		spec = colon ? (char *)colon + 1 : (char *)"";
		if (colon)
			*(char *)colon = '\0';
		rc = fn(name, ctx, &val, &num, &isnum);
		if (rc == 0)
			error("%s: unknown name '{%s}' in template", what, name);
		if (rc == 1)
			rc = apply_format(spec, name, buf_cstr(&val), num, isnum, out, what) < 0 ? -1 : 1;
		else if (rc == 2)
			buf_addbuf(out, &val);   /* a placeholder: shown as it is */
		free(name);
		buf_release(&val);
		if (rc <= 0)
			return -1;
		p = close + 1;
	}
	return 0;
}

struct fctx {
	const struct item *it;
	const struct protocol *p;
	const struct render_media *media;
	int placeholders;
	const struct option *opt;
	size_t opt_index;
	const char *what;
};

static int field_lookup(const char *name, const struct item *it, struct buf *out)
{
	const cJSON *v;

	if (name[0] == '$')
		return cond_field_text(it, name, out) == 0;
	if (it->derived && (v = json_get(it->derived, name))) {
		json_pystr(v, out);
		return 1;
	}
	if ((v = json_get(it->raw, name))) {
		json_pystr(v, out);
		return 1;
	}
	return 0;
}

static int fields_only(const char *name, void *vctx, struct buf *out, double *num, int *isnum)
{
	(void)num;
	(void)isnum;
	return field_lookup(name, ((struct fctx *)vctx)->it, out);
}

int render_fields(const char *tpl, const struct item *it, struct buf *out)
{
	struct fctx c = { it, NULL, NULL, 0, NULL, 0, NULL };
	char what[256];

	snprintf(what, sizeof(what), "item '%s'", it->id ? it->id : it->source_id ? it->source_id : "?");
	return expand(tpl, fields_only, &c, out, what);
}

static int option_lookup(const char *name, void *vctx, struct buf *out, double *num, int *isnum)
{
	struct fctx *c = vctx;

	if (!strcmp(name, "letter"))
		buf_adds(out, c->opt->letter);
	else if (!strcmp(name, "text")) {
		if (c->p && c->p->null_option && (!c->opt->value || cJSON_IsNull(c->opt->value)))
			buf_adds(out, c->p->null_option);
		else
			buf_adds(out, c->opt->text);
	}
	else if (!strcmp(name, "label"))
		buf_adds(out, c->opt->label);
	else if (!strcmp(name, "index") || !strcmp(name, "number")) {
		*num = (double)c->opt_index + (name[0] == 'n');
		*isnum = 1;
		buf_addf(out, "%zu", c->opt_index + (name[0] == 'n'));
	} else
		return 0;
	return 1;
}

int render_options(const struct protocol *p, const struct item *it, struct buf *out)
{
	struct fctx c = { it, p, NULL, 0, NULL, 0, NULL };
	char what[256];
	size_t i;

	snprintf(what, sizeof(what), "item '%s', protocol '%s', option_format", it->id, p->name);
	c.what = what;
	for (i = 0; i < it->nopt; i++) {
		if (i)
			buf_adds(out, p->option_join);
		c.opt = &it->opts[i];
		c.opt_index = i;
		if (expand(p->option_format, option_lookup, &c, out, what) < 0)
			return -1;
	}
	return 0;
}

static int media_name(const char *name)
{
	return !strncmp(name, "video.", 6) || !strcmp(name, "frames");
}

static int prompt_lookup(const char *name, void *vctx, struct buf *out, double *num, int *isnum)
{
	struct fctx *c = vctx;
	const struct item *it = c->it;

	if (!strcmp(name, "question")) {
		buf_adds(out, it->question);
	} else if (!strcmp(name, "options")) {
		if (render_options(c->p, it, out) < 0)
			return -1;
	} else if (!strcmp(name, "letters")) {
		size_t i;
		for (i = 0; i < it->nopt; i++)
			buf_addf(out, "%s%s", i ? ", " : "", it->opts[i].letter);
	} else if (!strcmp(name, "nopt")) {
		*num = (double)it->nopt;
		*isnum = 1;
		buf_addf(out, "%zu", it->nopt);
	} else if (!strcmp(name, "id")) {
		buf_adds(out, it->source_id);
	} else if (!strcmp(name, "category")) {
		buf_adds(out, it->category);
	} else if (!strcmp(name, "t_start") || !strcmp(name, "t_end")) {
		const char *v = name[2] == 's' ? it->t_start : it->t_end;
		if (!v)
			return error("%s: '{%s}' but the item has no time window", c->what, name);
		buf_adds(out, v);
	} else if (media_name(name)) {
		const struct render_media *m = c->media;
		double v;
		if (!m || !m->have) {
			if (!c->placeholders)
				return error("%s: the template prints '{%s}', which needs the video "
					     "(not available)", c->what, name);
			buf_addf(out, "<%s>", name);
			return 2;   /* placeholder: skip formatting */
		}
		if (!strcmp(name, "video.duration"))
			v = m->duration;
		else if (!strcmp(name, "video.fps"))
			v = m->fps;
		else if (!strcmp(name, "video.sample_fps"))
			v = m->sample_fps;
		else if (!strcmp(name, "video.frame_count"))
			v = (double)m->frame_count;
		else if (!strcmp(name, "frames"))
			v = m->nframes;
		else
			return 0;
		*num = v;
		*isnum = 1;
		py_float_repr(v, out);
		if (!strcmp(name, "video.frame_count") || !strcmp(name, "frames")) {
			buf_reset(out);
			buf_addf(out, "%.0f", v);
		}
	} else {
		return field_lookup(name, it, out);
	}
	return 1;
}

static const char *template_for(const struct protocol *p, const struct item *it)
{
	return protocol_for_type(p->templates, it->type->name);
}

int render_prompt(const struct protocol *p, const struct item *it,
		  const struct render_media *media, int placeholders, struct buf *out)
{
	struct fctx c = { it, p, media, placeholders, NULL, 0, NULL };
	const char *tpl = template_for(p, it);
	char what[256];

	snprintf(what, sizeof(what), "item '%s', protocol '%s'", it->id, p->name);
	c.what = what;
	if (!tpl)
		return error("%s: no template for answer type '%s'", what, it->type->name);
	return expand(tpl, prompt_lookup, &c, out, what);
}

int render_needs_media(const struct protocol *p, const struct item *it)
{
	const char *tpl = template_for(p, it);

	return tpl && (strstr(tpl, "{video.") || strstr(tpl, "{frames}") || strstr(tpl, "{frames:"));
}
