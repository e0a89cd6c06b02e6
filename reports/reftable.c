/*
 * reftable.c: a paper's cross-suite table (suites/tables/NAME.json) with its
 * published rows, and the user's runs as new rows: one row per model, one
 * column per suite in the paper's order, each run filling the column of its
 * suite (report_reference_table() in report.h; format of the table file in
 * docs/reports.md).
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <math.h>

struct rcell {
	double v;                 /* NAN: none */
	const char *spelling;     /* published numbers: as the table writes them */
	const struct report_run *run;
};

struct rrow {
	const char *model;
	const char *group;        /* published rows: the table's group; runs: NULL */
	const cJSON *ref;         /* the table's row, or NULL for runs */
	int note;                 /* note number (published rows) */
	struct rcell *cells;
};

/* The column a run fills: the first whose suite is the run's. */
static int column_of(const cJSON *cols, const char *suite)
{
	const cJSON *c;
	int k = 0;

	cJSON_ArrayForEach(c, cols) {
		if (json_get_str(c, "suite") && !strcmp(json_get_str(c, "suite"), suite))
			return k;
		k++;
	}
	return -1;
}

static void one_decimal(struct buf *out, const struct rcell *c, const char *missing)
{
	if (c->spelling)
		buf_adds(out, c->spelling);
	else if (isnan(c->v))
		buf_adds(out, missing);
	else
		buf_addf(out, "%.1f", c->v);
}

static const char *group_label(const cJSON *t, const char *name)
{
	const cJSON *g;

	if (!name)
		return "steval runs";
	cJSON_ArrayForEach(g, json_get(t, "groups"))
		if (json_get_str(g, "name") && !strcmp(json_get_str(g, "name"), name))
			return json_get_str(g, "label") ? json_get_str(g, "label") : name;
	return name;
}

/* "source; R4D from Table 3 (Avg)" */
static void row_note(struct buf *out, const cJSON *ref)
{
	const cJSON *k;

	buf_adds(out, json_get_str(ref, "source") ? json_get_str(ref, "source") : "unknown source");
	cJSON_ArrayForEach(k, json_get(ref, "sources"))
		if (cJSON_IsString(k))
			buf_addf(out, "; %s", k->valuestring);
}

/* The runs behind a user row: "sti-bench openai runs/...; ..." */
static void run_note(struct buf *out, const struct rrow *r, size_t ncol)
{
	size_t k;
	int first = 1;

	for (k = 0; k < ncol; k++) {
		const struct report_run *run = r->cells[k].run;
		if (!run)
			continue;
		buf_addf(out, "%s%s (%s)", first ? "" : "; ", report_suite(run), report_protocol(run));
		if (run->dir)
			buf_addf(out, " %s", run->dir);
		first = 0;
	}
}

static void md(struct buf *out, const cJSON *t, const cJSON *cols, const struct rrow *rows, size_t n,
	       size_t ncol)
{
	const cJSON *c, *note;
	const char *group = "";
	size_t i, k;

	buf_adds(out, "## ");
	report_md_cell(out, json_get_str(t, "title"));
	buf_adds(out, "\n\n| Model |");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " ");
		report_md_cell(out, json_get_str(c, "label"));
		buf_adds(out, " |");
	}
	buf_adds(out, "\n|---|");
	for (k = 0; k < ncol; k++)
		buf_adds(out, "---:|");
	buf_adds(out, "\n");
	for (i = 0; i < n; i++) {
		const struct rrow *r = &rows[i];
		const char *g = group_label(t, r->group);
		if (strcmp(g, group)) {
			buf_adds(out, "| *");
			report_md_cell(out, g);
			buf_adds(out, "* |");
			for (k = 0; k < ncol; k++)
				buf_adds(out, " |");
			buf_adds(out, "\n");
			group = g;
		}
		buf_adds(out, "| ");
		if (!r->ref)
			buf_adds(out, "**");
		report_md_cell(out, r->model);
		if (!r->ref)
			buf_adds(out, "**");
		buf_addf(out, " [%d] |", r->note);
		for (k = 0; k < ncol; k++) {
			buf_adds(out, " ");
			one_decimal(out, &r->cells[k], "–");
			buf_adds(out, " |");
		}
		buf_adds(out, "\n");
	}
	buf_adds(out, "\nPublished rows as the paper prints them; rows in bold are steval runs (their "
		      "overall score, or the split the column names, to one decimal).\n\nNotes:\n\n");
	for (i = 0; i < n; i++) {
		struct buf t2 = BUF_INIT;
		if (rows[i].ref)
			row_note(&t2, rows[i].ref);
		else
			run_note(&t2, &rows[i], ncol);
		buf_addf(out, "%d. ", rows[i].note);
		report_md_cell(out, buf_cstr(&t2));
		buf_adds(out, "\n");
		buf_release(&t2);
	}
	if (json_get(t, "notes"))
		buf_adds(out, "\n");
	cJSON_ArrayForEach(note, json_get(t, "notes"))
		if (cJSON_IsString(note)) {
			buf_adds(out, "- ");
			report_md_cell(out, note->valuestring);
			buf_adds(out, "\n");
		}
}

static void latex(struct buf *out, const cJSON *t, const cJSON *cols, const struct rrow *rows, size_t n,
		  size_t ncol)
{
	const cJSON *c;
	const char *group = "";
	size_t i, k;

	buf_adds(out, "% steval leaderboard --reference; needs \\usepackage{booktabs} and "
		      "\\usepackage[T1]{fontenc}\n\\begin{table}[ht]\n\\centering\n\\small\n"
		      "\\setlength{\\tabcolsep}{4pt}\n\\begin{tabular}{l");
	for (k = 0; k < ncol; k++)
		buf_addch(out, 'c');
	buf_adds(out, "}\n\\toprule\nMethod");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " & ");
		report_esc_latex(out, json_get_str(c, "label"));
	}
	buf_adds(out, " \\\\\n");
	for (i = 0; i < n; i++) {
		const struct rrow *r = &rows[i];
		const char *g = group_label(t, r->group);
		if (strcmp(g, group)) {
			buf_addf(out, "\\midrule\n\\multicolumn{%zu}{l}{\\textit{", ncol + 1);
			report_esc_latex(out, g);
			buf_adds(out, "}} \\\\\n");
			group = g;
		}
		report_esc_latex(out, r->model);
		buf_addf(out, "\\textsuperscript{%d}", r->note);
		for (k = 0; k < ncol; k++) {
			struct buf v = BUF_INIT;
			one_decimal(&v, &r->cells[k], "-");
			buf_adds(out, " & ");
			report_esc_latex(out, buf_cstr(&v));
			buf_release(&v);
		}
		buf_adds(out, " \\\\\n");
	}
	buf_adds(out, "\\bottomrule\n\\end{tabular}\n\\caption{");
	report_esc_latex(out, json_get_str(t, "title"));
	buf_adds(out, ".");
	for (i = 0; i < n; i++) {
		struct buf t2 = BUF_INIT;
		if (rows[i].ref)
			row_note(&t2, rows[i].ref);
		else {
			buf_adds(&t2, "steval: ");
			run_note(&t2, &rows[i], ncol);
		}
		buf_addf(out, " \\textsuperscript{%d}", rows[i].note);
		report_esc_latex(out, buf_cstr(&t2));
		buf_adds(out, ".");
		buf_release(&t2);
	}
	buf_adds(out, "}\n\\end{table}\n");
}

static void csv(struct buf *out, const cJSON *cols, const struct rrow *rows, size_t n, size_t ncol)
{
	const cJSON *c;
	size_t i, k;

	buf_adds(out, "model,group,source");
	cJSON_ArrayForEach(c, cols) {
		buf_addch(out, ',');
		report_esc_csv(out, json_get_str(c, "label"));
	}
	buf_adds(out, "\r\n");
	for (i = 0; i < n; i++) {
		const struct rrow *r = &rows[i];
		struct buf t2 = BUF_INIT;
		report_esc_csv(out, r->model);
		buf_addch(out, ',');
		report_esc_csv(out, r->group ? r->group : "steval");
		buf_addch(out, ',');
		if (r->ref)
			row_note(&t2, r->ref);
		else
			run_note(&t2, r, ncol);
		report_esc_csv(out, buf_cstr(&t2));
		buf_release(&t2);
		for (k = 0; k < ncol; k++) {
			buf_addch(out, ',');
			if (r->cells[k].spelling)
				buf_adds(out, r->cells[k].spelling);
			else if (!isnan(r->cells[k].v))
				buf_addf(out, "%.17g", r->cells[k].v);
		}
		buf_adds(out, "\r\n");
	}
}

static void jsonout(struct buf *out, const cJSON *t, const cJSON *cols, const struct rrow *rows,
		    size_t n, size_t ncol)
{
	struct jw w;
	const cJSON *c;
	size_t i, k;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "table");
	jw_str(&w, json_get_str(t, "name"));
	jw_key(&w, "title");
	jw_str(&w, json_get_str(t, "title"));
	jw_key(&w, "columns");
	jw_value(&w, cols);
	jw_key(&w, "rows");
	jw_arr(&w);
	for (i = 0; i < n; i++) {
		const struct rrow *r = &rows[i];
		jw_obj(&w);
		jw_key(&w, "model");
		jw_str(&w, r->model);
		if (r->ref) {
			jw_key(&w, "reference");
			jw_value(&w, r->ref);
		} else {
			jw_key(&w, "runs");
			jw_arr(&w);
			for (k = 0; k < ncol; k++)
				if (r->cells[k].run && r->cells[k].run->dir)
					jw_str(&w, r->cells[k].run->dir);
			jw_end(&w);
		}
		jw_key(&w, "values");
		jw_obj(&w);
		k = 0;
		cJSON_ArrayForEach(c, cols) {
			const struct rcell *cl = &r->cells[k++];
			jw_key(&w, json_get_str(c, "label"));
			if (isnan(cl->v))
				jw_null(&w);
			else
				jw_num(&w, cl->v);
		}
		jw_end(&w);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	buf_addch(out, '\n');
}

int report_reference_table(struct report_run *const *runs, size_t nruns, const cJSON *t,
			   enum report_format f, struct buf *out)
{
	const cJSON *cols = json_get(t, "columns"), *ref, *c;
	struct rrow *rows;
	size_t ncol, nrefs, n = 0, i, k, first_run;
	int note = 0;

	if (!cJSON_IsArray(cols) || !cols->child)
		return error("reference table '%s': no \"columns\"", json_get_str(t, "name") ?
			     json_get_str(t, "name") : "?");
	cJSON_ArrayForEach(c, cols)
		if (!json_get_str(c, "label") || !json_get_str(c, "suite"))
			return error("reference table '%s': every column needs \"label\" and \"suite\"",
				     json_get_str(t, "name") ? json_get_str(t, "name") : "?");
	if (f == FMT_HTML)
		return error("leaderboard --reference TABLE: formats md, csv, latex and json (not html)");
	ncol = (size_t)cJSON_GetArraySize(cols);
	nrefs = (size_t)cJSON_GetArraySize(json_get(t, "rows"));
	rows = xcalloc(nrefs + nruns + 1, sizeof(*rows));
	cJSON_ArrayForEach(ref, json_get(t, "rows")) {
		struct rrow *r;
		if (!json_get_str(ref, "model"))
			continue;
		r = &rows[n++];
		r->model = json_get_str(ref, "model");
		r->group = json_get_str(ref, "group") ? json_get_str(ref, "group") : "";
		r->ref = ref;
		r->note = ++note;
		r->cells = xcalloc(ncol + 1, sizeof(*r->cells));
		k = 0;
		cJSON_ArrayForEach(c, cols) {
			const cJSON *v = json_get(json_get(ref, "values"), json_get_str(c, "label"));
			r->cells[k].v = cJSON_IsNumber(v) ? v->valuedouble : NAN;
			r->cells[k].spelling = cJSON_IsNumber(v) ? json_spelling(v) : NULL;
			k++;
		}
	}
	/* the runs: one row per model, in the order first given */
	first_run = n;
	for (i = 0; i < nruns; i++) {
		const char *model = report_model(runs[i]), *suite = report_suite(runs[i]);
		int col = column_of(cols, suite);
		const cJSON *g;
		struct rrow *r = NULL;
		struct rcell *cl;
		if (col < 0) {
			warnf("'%s': suite '%s' is not a column of table '%s' (skipped)",
			      runs[i]->dir ? runs[i]->dir : "?", suite, json_get_str(t, "name"));
			continue;
		}
		for (k = first_run; k < n && !r; k++)
			if (!strcmp(rows[k].model, model))
				r = &rows[k];
		if (!r) {
			r = &rows[n++];
			r->model = model;
			r->note = ++note;
			r->cells = xcalloc(ncol + 1, sizeof(*r->cells));
			for (k = 0; k < ncol; k++)
				r->cells[k].v = NAN;
		}
		cl = &r->cells[col];
		if (cl->run)
			warnf("model '%s' has two runs of '%s' ('%s' and '%s'): the last one counts", model,
			      suite, cl->run->dir ? cl->run->dir : "?", runs[i]->dir ? runs[i]->dir : "?");
		c = cJSON_GetArrayItem(cols, col);
		g = json_get_str(c, "split") ? report_group(runs[i]->results, "split", json_get_str(c, "split")) :
					       json_get(runs[i]->results, "overall");
		cl->run = runs[i];
		cl->v = report_num(g, "score");
		if (isnan(cl->v))
			warnf("'%s': no %s%s score in its results", runs[i]->dir ? runs[i]->dir : "?",
			      json_get_str(c, "split") ? "split " : "overall",
			      json_get_str(c, "split") ? json_get_str(c, "split") : "");
	}
	switch (f) {
	case FMT_MD:
		md(out, t, cols, rows, n, ncol);
		break;
	case FMT_LATEX:
		latex(out, t, cols, rows, n, ncol);
		break;
	case FMT_CSV:
		csv(out, cols, rows, n, ncol);
		break;
	case FMT_JSON:
		jsonout(out, t, cols, rows, n, ncol);
		break;
	case FMT_HTML:
		break;
	}
	for (i = 0; i < n; i++)
		free(rows[i].cells);
	free(rows);
	return 0;
}
