/*
 * md.c: report.md, the scores for people (and for pull requests).
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/judge.h"
#include "reports/table.h"
#include "lib/buf.h"
#include "lib/pystr.h"

#include <math.h>

/* Inside a code span nothing is escaped: only backticks and line breaks
 * must go, and in a table cell a pipe (GFM splits cells even inside code
 * spans unless it is written \|). */
static void code_span(struct buf *out, const char *s, int in_table)
{
	struct buf clean = BUF_INIT;
	const char *p;

	utf8_sanitize(s, strlen(s), &clean);
	buf_adds(out, "`");
	for (p = buf_cstr(&clean); *p; p++) {
		if (*p == '|' && in_table)
			buf_addch(out, '\\');
		buf_addch(out, *p == '`' ? '\'' : ((unsigned char)*p < 0x20 || *p == 0x7f) ? ' ' : *p);
	}
	buf_adds(out, "`");
	buf_release(&clean);
}

static void ci_cell(struct buf *out, const cJSON *g)
{
	double lo, hi;

	if (report_ci(g, &lo, &hi))
		buf_addf(out, "%.2f – %.2f", lo, hi);
	else
		buf_adds(out, "–");
}

static void se_cell(struct buf *out, const cJSON *g)
{
	tbl_num(out, report_num(g, "se"), "–");
}

static void detail_table(struct buf *out, const struct tbl_row *rows, size_t n, const char *kind,
			 double level)
{
	size_t i;

	buf_addf(out, "| | score | %g%% CI | SE | n | ok | unparsed | error |\n"
		      "|---|---:|:---:|---:|---:|---:|---:|---:|\n", level > 0 ? level * 100 : 95);
	for (i = 0; i < n; i++) {
		const struct tbl_row *r = &rows[i];
		if (strcmp(r->kind, kind))
			continue;
		buf_adds(out, "| ");
		if (r->indent)
			buf_adds(out, "&nbsp;&nbsp;↳ ");
		report_md_cell(out, r->label);
		if (strcmp(r->label, r->name)) {
			buf_adds(out, " (");
			report_md_cell(out, r->name);
			buf_adds(out, ")");
		}
		if (json_get(r->g, "merged"))
			buf_adds(out, " — mean of its members");
		buf_adds(out, " | ");
		tbl_num(out, report_num(r->g, "score"), "–");
		buf_adds(out, " | ");
		ci_cell(out, r->g);
		buf_adds(out, " | ");
		se_cell(out, r->g);
		buf_addf(out, " | %ld | %ld | %ld | %ld |\n", tbl_count(r->g, "n"), tbl_count(r->g, "ok"),
			 tbl_count(r->g, "unparsed"), tbl_count(r->g, "error"));
	}
}

/* The paper's row: columns in its order, the score, then the interval. */
static void paper_table(struct buf *out, const cJSON *res)
{
	cJSON *cols = report_columns(res);
	const cJSON *c;

	buf_adds(out, "|");
	cJSON_ArrayForEach(c, cols) {
		buf_adds(out, " ");
		report_md_cell(out, json_get_str(c, "label"));
		buf_adds(out, " |");
	}
	buf_adds(out, "\n|");
	cJSON_ArrayForEach(c, cols)
		buf_adds(out, "---:|");
	buf_adds(out, "\n|");
	cJSON_ArrayForEach(c, cols) {
		const cJSON *g = report_group(res, json_get_str(c, "kind"), json_get_str(c, "name"));
		buf_adds(out, " ");
		if (!strcmp(json_get_str(c, "kind"), "overall"))
			buf_adds(out, "**");
		tbl_num(out, report_num(g, "score"), "–");
		if (!strcmp(json_get_str(c, "kind"), "overall"))
			buf_adds(out, "**");
		buf_adds(out, " |");
	}
	buf_adds(out, "\n|");
	cJSON_ArrayForEach(c, cols) {
		const cJSON *g = report_group(res, json_get_str(c, "kind"), json_get_str(c, "name"));
		double lo, hi;
		if (report_ci(g, &lo, &hi))
			buf_addf(out, " <sub>%.1f–%.1f</sub> |", lo, hi);
		else
			buf_adds(out, " |");
	}
	buf_adds(out, "\n");
	cJSON_Delete(cols);
}

static void fact(struct buf *out, const char *name, const char *value, int code)
{
	if (!value || !*value)
		return;
	buf_addf(out, "| %s | ", name);
	/* a code span shows HTML and pipes literally in GFM, not in every
	 * renderer: such values are escaped cells instead */
	if (code && !strpbrk(value, "<>|`&"))
		code_span(out, value, 1);
	else
		report_md_cell(out, value);
	buf_adds(out, " |\n");
}

static void run_facts(struct buf *out, const struct report_run *r)
{
	const cJSON *m = r->manifest, *suite = json_get(m, "suite"), *f, *counts;
	struct buf t = BUF_INIT;

	buf_adds(out, "\n## Run\n\n| | |\n|---|---|\n");
	fact(out, "suite", report_suite(r), 1);
	fact(out, "protocol", report_protocol(r), 1);
	fact(out, "model", m ? json_get_str(m, "model") : report_model(r), 1);
	if (r->dir)
		fact(out, "directory", r->dir, 1);
	if (!m) {
		buf_adds(out, "| manifest | none (scored offline with `steval score`) |\n");
		return;
	}
	buf_reset(&t);
	buf_addf(&t, "%s (started %s, updated %s)", json_get_str(m, "status") ? json_get_str(m, "status") : "?",
		 json_get_str(m, "started") ? json_get_str(m, "started") : "?",
		 json_get_str(m, "updated") ? json_get_str(m, "updated") : "?");
	if (json_get_str(m, "status") && !strcmp(json_get_str(m, "status"), "running"))
		buf_adds(&t, "; the manifest's status when this report was written (steval report refreshes it)");
	fact(out, "status", buf_cstr(&t), 0);
	if (suite) {
		buf_reset(&t);
		buf_addf(&t, "%s (sha256 %.12s)", json_get_str(suite, "spec") ? json_get_str(suite, "spec") : "?",
			 json_get_str(suite, "spec_sha256") ? json_get_str(suite, "spec_sha256") : "?");
		fact(out, "spec", buf_cstr(&t), 1);
		buf_reset(&t);
		buf_addf(&t, "%s, %ld items", json_get_str(suite, "data_dir") ? json_get_str(suite, "data_dir") : "?",
			 tbl_count(suite, "items"));
		fact(out, "data", buf_cstr(&t), 0);
		cJSON_ArrayForEach(f, json_get(suite, "files")) {
			buf_reset(&t);
			buf_addf(&t, "%s: %ld items, sha256 %.16s", json_get_str(f, "path") ? json_get_str(f, "path") : "?",
				 tbl_count(f, "items"), json_get_str(f, "sha256") ? json_get_str(f, "sha256") : "?");
			fact(out, "file", buf_cstr(&t), 1);
		}
	}
	if (json_get(m, "frames")) {
		buf_reset(&t);
		tbl_json(&t, json_get(m, "frames"));
		fact(out, "frames", buf_cstr(&t), 1);
	}
	if (json_get(m, "generation")) {
		buf_reset(&t);
		tbl_json(&t, json_get(m, "generation"));
		fact(out, "generation", buf_cstr(&t), 1);
	}
	buf_reset(&t);
	buf_addf(&t, "seed %ld, limit %ld%s", tbl_count(m, "seed"), tbl_count(m, "limit"),
		 cJSON_IsTrue(json_get(m, "blind")) ? ", blind (no frames sent)" : "");
	fact(out, "options", buf_cstr(&t), 0);
	if ((counts = json_get(m, "counts"))) {
		buf_reset(&t);
		buf_addf(&t, "%ld to do, %ld finished (%ld ok, %ld unparsed), %ld errors", tbl_count(counts, "todo"),
			 tbl_count(counts, "finished"), tbl_count(counts, "ok"), tbl_count(counts, "unparsed"),
			 tbl_count(counts, "error"));
		fact(out, "counts", buf_cstr(&t), 0);
	}
	if ((f = json_get(m, "steval"))) {
		buf_reset(&t);
		buf_addf(&t, "%s (%s)", json_get_str(f, "version") ? json_get_str(f, "version") : "?",
			 json_get_str(f, "git") ? json_get_str(f, "git") : "?");
		fact(out, "steval", buf_cstr(&t), 0);
	}
	if ((f = json_get(m, "libraries"))) {
		const cJSON *l;
		buf_reset(&t);
		cJSON_ArrayForEach(l, f)
			if (cJSON_IsString(l))
				buf_addf(&t, "%s%s %s", t.len ? ", " : "", l->string, l->valuestring);
		fact(out, "libraries", buf_cstr(&t), 0);
	}
	if (cJSON_IsArray(json_get(m, "argv"))) {
		buf_reset(&t);
		cJSON_ArrayForEach(f, json_get(m, "argv"))
			if (cJSON_IsString(f))
				buf_addf(&t, "%s%s", t.len ? " " : "", f->valuestring);
		fact(out, "command", buf_cstr(&t), 1);
	}
	buf_release(&t);
}

static void variants(struct buf *out, const cJSON *res, double level)
{
	const cJSON *vars = json_get(res, "variants"), *v;

	if (!vars || !vars->child)
		return;
	buf_addf(out, "\n## Variants\n\nThe same answers scored another way (never the official number):\n\n"
		      "| variant | overall | %g%% CI | ok | unparsed | error |\n|---|---:|:---:|---:|---:|---:|\n",
		 level > 0 ? level * 100 : 95);
	cJSON_ArrayForEach(v, vars) {
		const cJSON *vo = json_get(v, "overall");
		buf_adds(out, "| ");
		report_md_cell(out, v->string);
		buf_adds(out, " | ");
		tbl_num(out, report_num(vo, "score"), "–");
		buf_adds(out, " | ");
		ci_cell(out, vo);
		buf_addf(out, " | %ld | %ld | %ld |\n", tbl_count(vo, "ok"), tbl_count(vo, "unparsed"),
			 tbl_count(vo, "error"));
	}
}

/* With repeats: each repeat's overall, their mean and spread. */
static void repeats(struct buf *out, const cJSON *r)
{
	const cJSON *rep = json_get(r, "repeats"), *ov = json_get(rep, "overall"), *e;
	int first = 1;

	if (!rep)
		return;
	buf_addf(out, "\n- repeats: every item asked %ld times (%ld answers, each counted once in "
		      "the scores); overall per repeat ", tbl_count(rep, "n"), tbl_count(rep, "answers"));
	cJSON_ArrayForEach(e, json_get(ov, "scores")) {
		if (!first)
			buf_adds(out, ", ");
		first = 0;
		tbl_num(out, cJSON_IsNumber(e) ? e->valuedouble : NAN, "–");
	}
	buf_adds(out, ": mean ");
	tbl_num(out, report_num(ov, "mean"), "–");
	buf_adds(out, ", sd ");
	tbl_num(out, report_num(ov, "sd"), "–");
	buf_adds(out, ", range ");
	tbl_num(out, report_num(ov, "min"), "–");
	buf_adds(out, " – ");
	tbl_num(out, report_num(ov, "max"), "–");
}

int report_md(const struct report_run *run, struct buf *out)
{
	const cJSON *r = run->results;
	const cJSON *ov = json_get(r, "overall"), *items = json_get(r, "items"), *boot = json_get(r, "bootstrap");
	double level = tbl_level(r), lo, hi;
	struct tbl_row *rows;
	size_t n = tbl_rows(r, &rows), i, nsplits = 0;

	buf_adds(out, "# ");
	report_md_cell(out, json_get_str(r, "suite_title") ? json_get_str(r, "suite_title") : report_suite(run));
	buf_adds(out, ": ");
	report_md_cell(out, report_model(run));
	buf_adds(out, "\n\n");
	buf_adds(out, "**Overall: ");
	tbl_num(out, report_num(ov, "score"), "–");
	buf_adds(out, "**");
	if (report_ci(ov, &lo, &hi))
		buf_addf(out, " (%g%% CI %.2f – %.2f)", level * 100, lo, hi);
	buf_addf(out, " over %ld scored %s (%ld ok, %ld unparsed); %ld errors not scored",
		 tbl_count(ov, "ok") + tbl_count(ov, "unparsed"), json_get(r, "repeats") ? "answers" : "items",
		 tbl_count(ov, "ok"), tbl_count(ov, "unparsed"), tbl_count(ov, "error"));
	if (items && tbl_count(items, "missing") > 0)
		buf_addf(out, "; %ld of %ld suite items have no sample (partial run)",
			 tbl_count(items, "missing"), tbl_count(items, "suite"));
	buf_adds(out, ".\n\n");
	if (cJSON_IsObject(json_get(r, "circular"))) {
		/* questions asked in several option orders: right in every one */
		const cJSON *c = json_get(r, "circular");
		buf_adds(out, "All orders right (circular, strict): ");
		tbl_num(out, report_num(c, "score"), "–");
		buf_addf(out, " over %ld questions with every order scored", tbl_count(c, "ok"));
		if (tbl_count(c, "error") > 0)
			buf_addf(out, "; %ld with an order missing not counted", tbl_count(c, "error"));
		buf_adds(out, ".\n\n");
	}
	{
		struct buf t = BUF_INIT;
		if (report_partial(r, &t)) {
			buf_adds(out, "**Partial results:** ");
			report_md_cell(out, buf_cstr(&t));
			buf_adds(out, ".\n\n");
		}
		buf_release(&t);
	}
	buf_adds(out, "- suite ");
	code_span(out, report_suite(run), 0);
	buf_adds(out, ", protocol ");
	code_span(out, report_protocol(run), 0);
	buf_adds(out, "\n- scoring: ");
	report_judge_scoring_md(out, r);
	buf_adds(out, "\n- aggregation: ");
	{
		const cJSON *a = json_get(r, "aggregation");
		const char *o = json_get_str(a, "overall");
		if (o && !strcmp(o, "category-mean"))
			buf_addf(out, "overall = mean of the %s categories",
				 json_get_str(a, "over") && !strcmp(json_get_str(a, "over"), "leaves") ?
				 "leaf" : "top-level");
		else
			buf_adds(out, "overall = mean over scored items");
	}
	repeats(out, r);
	buf_adds(out, "\n\n## Paper table\n\n");
	paper_table(out, r);
	buf_adds(out, "\n## Categories\n\n");
	detail_table(out, rows, n, "category", level);
	for (i = 0; i < n; i++)
		nsplits += !strcmp(rows[i].kind, "split");
	if (nsplits) {
		buf_adds(out, "\n## Splits\n\n");
		detail_table(out, rows, n, "split", level);
	}
	variants(out, r, level);
	report_judge_md(out, r);
	if (boot) {
		buf_addf(out, "\n## Method\n\nIntervals are %g%% percentile intervals of a cluster bootstrap: "
			      "%ld resamples (seed %ld) of the %ld clusters of items that share a video; "
			      "an item without a video is its own cluster. Each resample recomputes the "
			      "suite's aggregation (merged categories, mean of categories). SE is the "
			      "standard deviation of the resampled scores.\n",
			 level * 100, tbl_count(boot, "resamples"), tbl_count(boot, "seed"),
			 tbl_count(boot, "clusters"));
	}
	run_facts(out, run);
	free(rows);
	return 0;
}
