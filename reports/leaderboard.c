/*
 * leaderboard.c: many runs of one suite in one table, the paper's columns
 * in the paper's order, sorted by the overall score, the best value of
 * each column marked, published reference rows (the spec's "reference")
 * beside them with their sources as numbered notes.
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

int report_format_parse(const char *s, enum report_format *f)
{
	static const struct {
		const char *name;
		enum report_format f;
	} names[] = {
		{ "md", FMT_MD }, { "markdown", FMT_MD }, { "csv", FMT_CSV }, { "latex", FMT_LATEX },
		{ "tex", FMT_LATEX }, { "html", FMT_HTML }, { "json", FMT_JSON },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(s, names[i].name)) {
			*f = names[i].f;
			return 0;
		}
	return -1;
}

struct cell {
	double v, lo, hi;        /* NAN when absent */
	const char *spelling;    /* reference numbers: as the spec writes them */
	int best;
};

struct lrow {
	const char *model, *protocol;
	const char *dir;          /* runs */
	int ref;                  /* note number of a reference row (order of appearance), 0 for runs */
	int refidx;               /* its index in the spec's "reference" array */
	long n;                   /* scored items (runs) */
	int partial;              /* a partial merge (results.json "partial") */
	struct cell *cells;
};

static size_t sort_col;   /* the overall column */

static int any_partial(const struct lrow *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].partial)
			return 1;
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct lrow *x = a, *y = b;
	double u = x->cells[sort_col].v, v = y->cells[sort_col].v;

	if (isnan(u) != isnan(v))
		return isnan(u) ? 1 : -1;
	if (!isnan(u) && u != v)
		return u > v ? -1 : 1;
	if (x->ref != y->ref)
		return x->ref ? 1 : -1;
	return strcmp(x->model, y->model);
}

/* A reference row's number for a column; a category and a split of the
 * same name (VLM4D's real/ego) stand in for each other. */
static const cJSON *ref_value(const cJSON *ref, const char *kind, const char *name)
{
	const cJSON *v = NULL;

	if (!strcmp(kind, "overall"))
		return json_get(ref, "overall");
	if (!strcmp(kind, "category") && !(v = json_get(json_get(ref, "categories"), name)))
		v = json_get(json_get(ref, "splits"), name);
	if (!strcmp(kind, "split") && !(v = json_get(json_get(ref, "splits"), name)))
		v = json_get(json_get(ref, "categories"), name);
	return v;
}

/* Numbers a reference row gives that no column shows (e.g. a paper's
 * average computed another way): they go into its note. */
/* The note of a published row: its source, then its other numbers
 * ("; ego 42.32") as the spec spells them. */
static void ref_note(struct buf *out, const cJSON *ref)
{
	const cJSON *k;

	buf_adds(out, json_get_str(ref, "source") ? json_get_str(ref, "source") : "unknown source");
	cJSON_ArrayForEach(k, ref)
		if (cJSON_IsNumber(k) && strcmp(k->string, "overall")) {
			buf_addf(out, "; %s ", k->string);
			if (json_spelling(k))
				buf_adds(out, json_spelling(k));
			else
				buf_addf(out, "%g", k->valuedouble);
		}
}

static double rounded(double v)
{
	return isnan(v) ? v : round(v * 100) / 100;
}

static void value_text(struct buf *out, const struct cell *c)
{
	if (c->spelling)
		buf_adds(out, c->spelling);
	else
		tbl_num(out, c->v, "–");
}

static void ci_text(struct buf *out, const struct cell *c, const char *dash)
{
	if (!isnan(c->lo))
		buf_addf(out, "%.1f%s%.1f", c->lo, dash, c->hi);
}

static void md(struct buf *out, const struct lrow *rows, size_t n, const cJSON *cols, size_t ncol,
	       const struct leaderboard_opts *o, const cJSON *refs)
{
	const cJSON *c;
	size_t i, k;
	int nref = 0;

	buf_adds(out, "| # | Model | Protocol | n |");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " ");
		report_md_cell(out, json_get_str(c, "label"));
		buf_adds(out, " |");
	}
	buf_adds(out, "\n|---:|---|---|---:|");
	for (k = 0; k < ncol; k++)
		buf_adds(out, "---:|");
	buf_adds(out, "\n");
	for (i = 0; i < n; i++) {
		const struct lrow *r = &rows[i];
		buf_addf(out, "| %zu | ", i + 1);
		report_md_cell(out, r->model);
		if (r->ref) {
			buf_addf(out, " [%d]", r->ref);
			nref++;
		}
		buf_adds(out, " | ");
		report_md_cell(out, r->protocol ? r->protocol : "");
		buf_adds(out, " | ");
		if (!r->ref)
			buf_addf(out, "%ld%s", r->n, r->partial ? " (partial)" : "");
		buf_adds(out, " |");
		for (k = 0; k < ncol; k++) {
			buf_adds(out, " ");
			if (r->cells[k].best)
				buf_adds(out, "**");
			value_text(out, &r->cells[k]);
			if (r->cells[k].best)
				buf_adds(out, "**");
			if (o->ci && !isnan(r->cells[k].lo)) {
				buf_adds(out, " <sub>");
				ci_text(out, &r->cells[k], "–");
				buf_adds(out, "</sub>");
			}
			buf_adds(out, " |");
		}
		buf_adds(out, "\n");
	}
	buf_adds(out, "\nBest per column in bold. n: items scored by the run.");
	if (any_partial(rows, n))
		buf_adds(out, " (partial): a merge of a run with shards missing (steval merge --partial).");
	if (o->ci)
		buf_adds(out, " Small numbers: the run's bootstrap confidence interval.");
	buf_adds(out, "\n");
	if (nref) {
		buf_adds(out, "\nPublished numbers (computed elsewhere, possibly on other item sets):\n\n");
		for (i = 0; i < n; i++) {
			struct buf t = BUF_INIT;
			if (!rows[i].ref)
				continue;
			ref_note(&t, cJSON_GetArrayItem(refs, rows[i].refidx));
			buf_addf(out, "%d. ", rows[i].ref);
			report_md_cell(out, buf_cstr(&t));
			buf_adds(out, "\n");
			buf_release(&t);
		}
	}
}

static void csv(struct buf *out, const struct lrow *rows, size_t n, const cJSON *cols, size_t ncol,
		const cJSON *refs)
{
	const cJSON *c;
	size_t i, k;

	buf_adds(out, "rank,model,protocol,source,n,run");
	cJSON_ArrayForEach(c, cols) {
		struct buf h = BUF_INIT;
		buf_addch(out, ',');
		report_esc_csv(out, json_get_str(c, "label"));
		buf_addf(&h, "%s ci_lo", json_get_str(c, "label"));
		buf_addch(out, ',');
		report_esc_csv(out, buf_cstr(&h));
		buf_reset(&h);
		buf_addf(&h, "%s ci_hi", json_get_str(c, "label"));
		buf_addch(out, ',');
		report_esc_csv(out, buf_cstr(&h));
		buf_release(&h);
	}
	buf_adds(out, "\r\n");
	for (i = 0; i < n; i++) {
		const struct lrow *r = &rows[i];
		const cJSON *ref = r->ref ? cJSON_GetArrayItem(refs, r->refidx) : NULL;
		buf_addf(out, "%zu,", i + 1);
		report_esc_csv(out, r->model);
		buf_addch(out, ',');
		report_esc_csv(out, r->protocol ? r->protocol : "");
		buf_addch(out, ',');
		report_esc_csv(out, ref && json_get_str(ref, "source") ? json_get_str(ref, "source") :
			       r->partial ? "partial (steval merge --partial)" : "");
		buf_addch(out, ',');
		if (!r->ref)
			buf_addf(out, "%ld", r->n);
		buf_addch(out, ',');
		report_esc_csv(out, r->dir ? r->dir : "");
		for (k = 0; k < ncol; k++) {
			const struct cell *cl = &r->cells[k];
			buf_addch(out, ',');
			if (cl->spelling)
				buf_adds(out, cl->spelling);
			else if (!isnan(cl->v))
				buf_addf(out, "%.17g", cl->v);
			buf_addch(out, ',');
			if (!isnan(cl->lo))
				buf_addf(out, "%.17g", cl->lo);
			buf_addch(out, ',');
			if (!isnan(cl->hi))
				buf_addf(out, "%.17g", cl->hi);
		}
		buf_adds(out, "\r\n");
	}
}

static void latex(struct buf *out, const struct lrow *rows, size_t n, const cJSON *cols, size_t ncol,
		  const struct leaderboard_opts *o, const cJSON *refs, const char *title)
{
	const cJSON *c;
	size_t i, k;
	int nref = 0;

	buf_adds(out, "% steval leaderboard; needs \\usepackage{booktabs} and \\usepackage[T1]{fontenc}\n"
		      "\\begin{table}[ht]\n\\centering\n\\small\n\\setlength{\\tabcolsep}{4pt}\n\\begin{tabular}{ll");
	for (k = 0; k < ncol; k++)
		buf_addch(out, 'r');
	buf_adds(out, "}\n\\toprule\nModel & Protocol");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " & ");
		report_esc_latex(out, json_get_str(c, "label"));
	}
	buf_adds(out, " \\\\\n\\midrule\n");
	for (i = 0; i < n; i++) {
		const struct lrow *r = &rows[i];
		report_esc_latex(out, r->model);
		if (r->partial)
			buf_adds(out, "$^\\dagger$");
		if (r->ref) {
			buf_addf(out, "\\textsuperscript{%d}", r->ref);
			nref++;
		}
		buf_adds(out, " & ");
		report_esc_latex(out, r->protocol ? r->protocol : "");
		for (k = 0; k < ncol; k++) {
			const struct cell *cl = &r->cells[k];
			buf_adds(out, " & ");
			if (cl->best)
				buf_adds(out, "\\textbf{");
			if (cl->spelling)
				report_esc_latex(out, cl->spelling);
			else
				tbl_num(out, cl->v, "--");
			if (cl->best)
				buf_adds(out, "}");
			if (o->ci && !isnan(cl->lo)) {
				buf_adds(out, "\\,{\\scriptsize(");
				ci_text(out, cl, "--");
				buf_adds(out, ")}");
			}
		}
		buf_adds(out, " \\\\\n");
	}
	buf_adds(out, "\\bottomrule\n\\end{tabular}\n\\caption{");
	report_esc_latex(out, title);
	buf_adds(out, ". Best per column in bold.");
	if (any_partial(rows, n))
		buf_adds(out, " $^\\dagger$: partial results (a merge with shards missing).");
	if (nref) {
		buf_adds(out, " Published numbers:");
		for (i = 0; i < n; i++) {
			struct buf t = BUF_INIT;
			if (!rows[i].ref)
				continue;
			ref_note(&t, cJSON_GetArrayItem(refs, rows[i].refidx));
			buf_addf(out, " \\textsuperscript{%d}", rows[i].ref);
			report_esc_latex(out, buf_cstr(&t));
			buf_adds(out, ".");
			buf_release(&t);
		}
	}
	buf_adds(out, "}\n\\end{table}\n");
}

static const char lb_css[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:16px 24px;color:#1d2125}"
	"table{border-collapse:collapse}td,th{border-bottom:1px solid #d8dee4;padding:3px 8px;text-align:right}"
	"th{background:#f6f8fa}td.l,th.l{text-align:left}b{color:#0a3069}.ci{color:#5f6b76;font-size:11px}"
	"tr.ref td{color:#5f6b76;font-style:italic}";

static void html(struct buf *out, const struct lrow *rows, size_t n, const cJSON *cols, size_t ncol,
		 const struct leaderboard_opts *o, const cJSON *refs, const char *title)
{
	const cJSON *c;
	size_t i, k;
	int nref = 0;

	buf_adds(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src ");
	tbl_csp_hash(out, lb_css);
	buf_adds(out, "; base-uri 'none'; form-action 'none'\">\n<title>");
	report_esc_html(out, title, strlen(title));
	buf_adds(out, "</title>\n<style>");
	buf_adds(out, lb_css);
	buf_adds(out, "</style></head><body>\n<h1>");
	report_esc_html(out, title, strlen(title));
	buf_adds(out, "</h1>\n<table><tr><th>#</th><th class=\"l\">Model</th><th class=\"l\">Protocol</th><th>n</th>");
	cJSON_ArrayForEach(c, cols) {
		const char *l = json_get_str(c, "label");
		buf_adds(out, "<th>");
		report_esc_html(out, l, strlen(l));
		buf_adds(out, "</th>");
	}
	buf_adds(out, "</tr>\n");
	for (i = 0; i < n; i++) {
		const struct lrow *r = &rows[i];
		buf_addf(out, "<tr%s><td>%zu</td><td class=\"l\">", r->ref ? " class=\"ref\"" : "", i + 1);
		report_esc_html(out, r->model, strlen(r->model));
		if (r->ref) {
			buf_addf(out, "<sup>%d</sup>", r->ref);
			nref++;
		}
		buf_adds(out, "</td><td class=\"l\">");
		if (r->protocol)
			report_esc_html(out, r->protocol, strlen(r->protocol));
		buf_adds(out, "</td><td>");
		if (!r->ref)
			buf_addf(out, "%ld%s", r->n, r->partial ? " (partial)" : "");
		buf_adds(out, "</td>");
		for (k = 0; k < ncol; k++) {
			const struct cell *cl = &r->cells[k];
			buf_adds(out, "<td>");
			if (cl->best)
				buf_adds(out, "<b>");
			value_text(out, cl);
			if (cl->best)
				buf_adds(out, "</b>");
			if (o->ci && !isnan(cl->lo)) {
				buf_adds(out, "<br><span class=\"ci\">");
				ci_text(out, cl, "–");
				buf_adds(out, "</span>");
			}
			buf_adds(out, "</td>");
		}
		buf_adds(out, "</tr>\n");
	}
	buf_adds(out, "</table>\n<p>Best per column in bold. n: items scored by the run.");
	if (any_partial(rows, n))
		buf_adds(out, " (partial): a merge of a run with shards missing (steval merge --partial).");
	buf_adds(out, "</p>\n");
	if (nref) {
		buf_adds(out, "<p>Published numbers (computed elsewhere, possibly on other item sets):</p><ol>\n");
		for (i = 0; i < n; i++) {
			struct buf t = BUF_INIT;
			if (!rows[i].ref)
				continue;
			ref_note(&t, cJSON_GetArrayItem(refs, rows[i].refidx));
			buf_addf(out, "<li value=\"%d\">", rows[i].ref);
			report_esc_html(out, buf_cstr(&t), t.len);
			buf_adds(out, "</li>\n");
			buf_release(&t);
		}
		buf_adds(out, "</ol>\n");
	}
	buf_adds(out, "</body></html>\n");
}

static void jsonout(struct buf *out, const struct lrow *rows, size_t n, const cJSON *cols, size_t ncol,
		    const cJSON *refs, const char *suite)
{
	struct jw w;
	const cJSON *c;
	size_t i, k;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_str(&w, suite);
	jw_key(&w, "columns");
	jw_value(&w, cols);
	jw_key(&w, "rows");
	jw_arr(&w);
	for (i = 0; i < n; i++) {
		const struct lrow *r = &rows[i];
		jw_obj(&w);
		jw_key(&w, "rank");
		jw_int(&w, (long long)i + 1);
		jw_key(&w, "model");
		jw_str(&w, r->model);
		jw_key(&w, "protocol");
		jw_str(&w, r->protocol);
		if (r->ref) {
			jw_key(&w, "reference");
			jw_value(&w, cJSON_GetArrayItem(refs, r->refidx));
		} else {
			jw_key(&w, "run");
			jw_str(&w, r->dir);
			jw_key(&w, "n");
			jw_int(&w, r->n);
			if (r->partial) {
				jw_key(&w, "partial");
				jw_bool(&w, 1);
			}
		}
		jw_key(&w, "values");
		jw_arr(&w);
		k = 0;
		cJSON_ArrayForEach(c, cols) {
			const struct cell *cl = &r->cells[k++];
			jw_obj(&w);
			jw_key(&w, "name");
			jw_str(&w, json_get_str(c, "name"));
			jw_key(&w, "score");
			if (isnan(cl->v))
				jw_null(&w);
			else
				jw_num(&w, cl->v);
			if (!isnan(cl->lo)) {
				jw_key(&w, "ci");
				jw_arr(&w);
				jw_num(&w, cl->lo);
				jw_num(&w, cl->hi);
				jw_end(&w);
			}
			jw_key(&w, "best");
			jw_bool(&w, cl->best);
			jw_end(&w);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	buf_addch(out, '\n');
	(void)ncol;
}

int report_leaderboard(struct report_run *const *runs, size_t nruns, const struct leaderboard_opts *o,
		       struct buf *out)
{
	const char *suite;
	cJSON *cols;
	const cJSON *c, *ref;
	struct lrow *rows;
	size_t ncol, n = 0, i, k, nrefs = 0;
	struct buf title = BUF_INIT;

	if (!nruns)
		return error("leaderboard: no runs");
	suite = report_suite(runs[0]);
	for (i = 1; i < nruns; i++)
		if (strcmp(report_suite(runs[i]), suite))
			return error("leaderboard: '%s' is a run of suite '%s', not '%s' (one suite per leaderboard)",
				     runs[i]->dir ? runs[i]->dir : "?", report_suite(runs[i]), suite);
	cols = report_columns(runs[0]->results);
	ncol = (size_t)cJSON_GetArraySize(cols);
	if (cJSON_IsArray(o->reference))
		nrefs = (size_t)cJSON_GetArraySize(o->reference);
	rows = xcalloc(nruns + nrefs + 1, sizeof(*rows));
	for (i = 0; i < nruns; i++) {
		struct lrow *r = &rows[n++];
		const cJSON *ov = json_get(runs[i]->results, "overall");
		r->model = report_model(runs[i]);
		r->protocol = report_protocol(runs[i]);
		r->dir = runs[i]->dir;
		r->n = tbl_count(ov, "ok") + tbl_count(ov, "unparsed");
		if (json_get(runs[i]->results, "repeats"))   /* answers are items x repeats */
			r->n = tbl_count(json_get(runs[i]->results, "items"), "scored");
		r->partial = cJSON_IsObject(json_get(runs[i]->results, "partial"));
		r->cells = xcalloc(ncol + 1, sizeof(*r->cells));
		k = 0;
		cJSON_ArrayForEach(c, cols) {
			const cJSON *g = report_group(runs[i]->results, json_get_str(c, "kind"), json_get_str(c, "name"));
			struct cell *cl = &r->cells[k++];
			cl->v = report_num(g, "score");
			cl->lo = cl->hi = NAN;
			report_ci(g, &cl->lo, &cl->hi);
		}
	}
	k = 0;
	cJSON_ArrayForEach(ref, o->reference) {
		struct lrow *r;
		size_t j = 0;
		k++;
		if (!json_get_str(ref, "model"))
			continue;
		r = &rows[n++];
		r->model = json_get_str(ref, "model");
		r->protocol = json_get_str(ref, "protocol");
		r->ref = 1;
		r->refidx = (int)k - 1;
		r->cells = xcalloc(ncol + 1, sizeof(*r->cells));
		cJSON_ArrayForEach(c, cols) {
			const cJSON *v = ref_value(ref, json_get_str(c, "kind"), json_get_str(c, "name"));
			struct cell *cl = &r->cells[j++];
			cl->v = cJSON_IsNumber(v) ? v->valuedouble : NAN;
			cl->lo = cl->hi = NAN;
			cl->spelling = cJSON_IsNumber(v) ? json_spelling(v) : NULL;
		}
	}
	sort_col = 0;
	k = 0;
	cJSON_ArrayForEach(c, cols) {
		if (json_get_str(c, "kind") && !strcmp(json_get_str(c, "kind"), "overall")) {
			sort_col = k;
			break;
		}
		k++;
	}
	if (ncol)
		qsort(rows, n, sizeof(*rows), cmp_rows);
	for (i = 0, k = 0; i < n; i++)
		if (rows[i].ref)
			rows[i].ref = (int)++k;
	/* best per column, at the precision shown */
	for (k = 0; k < ncol; k++) {
		double best = NAN;
		for (i = 0; i < n; i++) {
			double v = rounded(rows[i].cells[k].v);
			if (!isnan(v) && (isnan(best) || v > best))
				best = v;
		}
		for (i = 0; i < n; i++)
			rows[i].cells[k].best = !isnan(best) && rounded(rows[i].cells[k].v) == best;
	}
	buf_addf(&title, "%s leaderboard", json_get_str(runs[0]->results, "suite_title") ?
		 json_get_str(runs[0]->results, "suite_title") : suite);
	switch (o->format) {
	case FMT_MD:
		buf_adds(out, "## ");
		report_md_cell(out, buf_cstr(&title));
		buf_adds(out, "\n\n");
		md(out, rows, n, cols, ncol, o, o->reference);
		break;
	case FMT_CSV:
		csv(out, rows, n, cols, ncol, o->reference);
		break;
	case FMT_LATEX:
		latex(out, rows, n, cols, ncol, o, o->reference, buf_cstr(&title));
		break;
	case FMT_HTML:
		html(out, rows, n, cols, ncol, o, o->reference, buf_cstr(&title));
		break;
	case FMT_JSON:
		jsonout(out, rows, n, cols, ncol, o->reference, suite);
		break;
	}
	for (i = 0; i < n; i++)
		free(rows[i].cells);
	free(rows);
	cJSON_Delete(cols);
	buf_release(&title);
	return 0;
}
