/*
 * latex.c: report.tex, booktabs tables to \input into a paper: the paper's
 * row (columns in its order, intervals below in small type) and the
 * detail table. Needs \usepackage{booktabs}; accented Latin letters need
 * \usepackage[T1]{fontenc} (utf8 input is LaTeX's default since 2018).
 * Every text from the run goes through report_esc_latex().
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"

#include <math.h>

static void num(struct buf *out, double v)
{
	tbl_num(out, v, "--");
}

static void paper_row(struct buf *out, const struct report_run *run)
{
	const cJSON *res = run->results, *c;
	cJSON *cols = report_columns(res);
	size_t ncol = (size_t)cJSON_GetArraySize(cols), i;

	buf_adds(out, "\\begin{table}[ht]\n\\centering\n\\small\n\\setlength{\\tabcolsep}{4pt}\n"
		      "\\begin{tabular}{l");
	for (i = 0; i < ncol; i++)
		buf_addch(out, 'r');
	buf_adds(out, "}\n\\toprule\nModel");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " & ");
		report_esc_latex(out, json_get_str(c, "label"));
	}
	buf_adds(out, " \\\\\n\\midrule\n");
	report_esc_latex(out, report_model(run));
	cJSON_ArrayForEach(c, cols) {
		const cJSON *g = report_group(res, json_get_str(c, "kind"), json_get_str(c, "name"));
		buf_adds(out, " & ");
		num(out, report_num(g, "score"));
	}
	buf_adds(out, " \\\\\n");
	cJSON_ArrayForEach(c, cols) {
		const cJSON *g = report_group(res, json_get_str(c, "kind"), json_get_str(c, "name"));
		double lo, hi;
		buf_adds(out, " & ");
		if (report_ci(g, &lo, &hi))
			buf_addf(out, "{\\scriptsize[%.1f, %.1f]}", lo, hi);
	}
	buf_adds(out, " \\\\\n\\bottomrule\n\\end{tabular}\n\\caption{");
	report_esc_latex(out, json_get_str(res, "suite_title") ? json_get_str(res, "suite_title") : report_suite(run));
	buf_adds(out, ", protocol \\texttt{");
	report_esc_latex(out, report_protocol(run));
	buf_adds(out, "}");
	if (tbl_level(res) > 0)
		buf_addf(out, "; below each score its %g\\%% bootstrap confidence interval", tbl_level(res) * 100);
	{
		struct buf t = BUF_INIT;
		if (report_partial(res, &t)) {
			buf_adds(out, "; \\textbf{partial results: ");
			report_esc_latex(out, buf_cstr(&t));
			buf_adds(out, "}");
		}
		buf_release(&t);
	}
	buf_adds(out, ".}\n\\end{table}\n");
	cJSON_Delete(cols);
}

static void detail(struct buf *out, const struct report_run *run)
{
	const cJSON *res = run->results;
	struct tbl_row *rows;
	size_t n = tbl_rows(res, &rows), i;
	double level = tbl_level(res);
	const char *last = "overall";

	buf_addf(out, "\n\\begin{table}[ht]\n\\centering\n\\small\n\\begin{tabular}{lrcrrrrr}\n\\toprule\n"
		      " & Score & %g\\%% CI & SE & $n$ & ok & unparsed & error \\\\\n\\midrule\n",
		 level > 0 ? level * 100 : 95);
	for (i = 0; i < n; i++) {
		const struct tbl_row *r = &rows[i];
		double lo, hi;
		if (strcmp(r->kind, last)) {
			buf_adds(out, !strcmp(r->kind, "split") ? "\\midrule\n" : "\\addlinespace\n");
			last = r->kind;
		}
		if (r->indent)
			buf_adds(out, "\\quad ");
		if (!strcmp(r->kind, "overall"))
			buf_adds(out, "Overall");
		else
			report_esc_latex(out, r->label);
		buf_adds(out, " & ");
		num(out, report_num(r->g, "score"));
		buf_adds(out, " & ");
		if (report_ci(r->g, &lo, &hi))
			buf_addf(out, "[%.2f, %.2f]", lo, hi);
		else
			buf_adds(out, "--");
		buf_adds(out, " & ");
		num(out, report_num(r->g, "se"));
		buf_addf(out, " & %ld & %ld & %ld & %ld \\\\\n", tbl_count(r->g, "n"), tbl_count(r->g, "ok"),
			 tbl_count(r->g, "unparsed"), tbl_count(r->g, "error"));
	}
	buf_adds(out, "\\bottomrule\n\\end{tabular}\n\\caption{");
	report_esc_latex(out, report_model(run));
	buf_adds(out, ": scores by category and split.}\n\\end{table}\n");
	free(rows);
}

int report_latex(const struct report_run *run, struct buf *out)
{
	buf_adds(out, "% steval report: ");
	report_esc_latex(out, report_suite(run));
	buf_adds(out, " / ");
	report_esc_latex(out, report_model(run));
	buf_adds(out, "\n% needs \\usepackage{booktabs} and \\usepackage[T1]{fontenc}\n");
	{
		struct buf t = BUF_INIT;
		if (report_partial(run->results, &t)) {
			buf_adds(out, "% partial results: ");
			report_esc_latex(out, buf_cstr(&t));
			buf_addch(out, '\n');
		}
		buf_release(&t);
	}
	paper_row(out, run);
	detail(out, run);
	return 0;
}
