#include "harness/common.h"
#include "reports/report.h"
#include "harness/buf.h"
#include "harness/pystr.h"

#include <math.h>

/* Inside a code span nothing is escaped: only backticks and line breaks
 * must go. */
static void code_span(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;

	utf8_sanitize(s, strlen(s), &clean);
	buf_adds(out, "`");
	for (p = buf_cstr(&clean); *p; p++)
		buf_addch(out, *p == '`' ? '\'' : (*p == '\n' || *p == '\r') ? ' ' : *p);
	buf_adds(out, "`");
	buf_release(&clean);
}

void report_md_cell(struct buf *out, const char *s)
{
	struct buf clean = BUF_INIT;
	const char *p;

	utf8_sanitize(s, strlen(s), &clean);
	for (p = buf_cstr(&clean); *p; p++) {
		if (*p == '|')
			buf_adds(out, "\\|");
		else if (*p == '\n' || *p == '\r' || *p == '\t')
			buf_addch(out, ' ');
		else if (*p == '\\' || *p == '`' || *p == '*' || *p == '_' || *p == '<' || *p == '>') {
			buf_addch(out, '\\');
			buf_addch(out, *p);
		} else
			buf_addch(out, *p);
	}
	buf_release(&clean);
}

static void num(struct buf *out, const cJSON *g, const char *key)
{
	const cJSON *v = json_get(g, key);

	if (cJSON_IsNumber(v) && !isnan(v->valuedouble))
		buf_addf(out, "%.2f", v->valuedouble);
	else
		buf_adds(out, "–");
}

static long cnt(const cJSON *g, const char *key)
{
	const cJSON *v = json_get(g, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

static void group_row(struct buf *out, const char *name, const cJSON *g, int indent)
{
	const char *label = json_get_str(g, "label");

	buf_adds(out, "| ");
	if (indent)
		buf_adds(out, "&nbsp;&nbsp;");
	report_md_cell(out, label ? label : name);
	if (label && strcmp(label, name)) {
		buf_adds(out, " (");
		report_md_cell(out, name);
		buf_adds(out, ")");
	}
	buf_adds(out, " | ");
	num(out, g, "score");
	buf_addf(out, " | %ld | %ld | %ld | %ld |\n", cnt(g, "n"), cnt(g, "ok"), cnt(g, "unparsed"),
		 cnt(g, "error"));
}

static void table(struct buf *out, const cJSON *groups, const cJSON *order)
{
	const cJSON *g, *o;

	buf_adds(out, "| | score | n | ok | unparsed | error |\n|---|---:|---:|---:|---:|---:|\n");
	if (order) {
		cJSON_ArrayForEach(o, order)
			if (cJSON_IsString(o) && (g = json_get(groups, o->valuestring)))
				group_row(out, o->valuestring, g, 0);
	} else {
		cJSON_ArrayForEach(g, groups)
			group_row(out, g->string, g, 0);
	}
}

int report_md(const cJSON *r, const char *run_dir, struct buf *out)
{
	const cJSON *ov = json_get(r, "overall"), *vars, *v, *items = json_get(r, "items");
	const char *scoring = json_get_str(r, "scoring");

	buf_adds(out, "# ");
	report_md_cell(out, json_get_str(r, "suite_title") ? json_get_str(r, "suite_title") : "");
	buf_adds(out, ": ");
	report_md_cell(out, json_get_str(r, "model") ? json_get_str(r, "model") : "");
	buf_adds(out, "\n\n");
	buf_adds(out, "- suite: ");
	code_span(out, json_get_str(r, "suite") ? json_get_str(r, "suite") : "");
	buf_adds(out, ", protocol: ");
	code_span(out, json_get_str(r, "protocol") ? json_get_str(r, "protocol") : "");
	buf_adds(out, "\n- scoring: ");
	buf_adds(out, scoring && !strcmp(scoring, "verdicts") ?
		 "the judge verdicts stored with the predictions (`--verdicts`)" :
		 "the protocol's official extractor and metric");
	buf_adds(out, "\n- overall: **");
	num(out, ov, "score");
	buf_addf(out, "** over %ld scored items (%ld ok, %ld unparsed); %ld errors not scored",
		 cnt(ov, "ok") + cnt(ov, "unparsed"), cnt(ov, "ok"), cnt(ov, "unparsed"), cnt(ov, "error"));
	if (items && cnt(items, "missing") > 0)
		buf_addf(out, "; %ld of %ld suite items have no sample (partial run)",
			 cnt(items, "missing"), cnt(items, "suite"));
	buf_adds(out, "\n");
	if (run_dir) {
		buf_adds(out, "- run: ");
		code_span(out, run_dir);
		buf_adds(out, "\n");
	}
	buf_adds(out, "\n## Categories\n\n");
	table(out, json_get(r, "categories"), json_get(r, "category_order"));
	if (json_get(r, "splits") && json_get(r, "splits")->child) {
		buf_adds(out, "\n## Splits\n\n");
		table(out, json_get(r, "splits"), NULL);
	}
	vars = json_get(r, "variants");
	if (vars && vars->child) {
		buf_adds(out, "\n## Variants\n\nThe same answers scored another way (not the official number):\n\n");
		buf_adds(out, "| variant | overall | ok | unparsed |\n|---|---:|---:|---:|\n");
		cJSON_ArrayForEach(v, vars) {
			const cJSON *vo = json_get(v, "overall");
			buf_adds(out, "| ");
			report_md_cell(out, v->string);
			buf_adds(out, " | ");
			num(out, vo, "score");
			buf_addf(out, " | %ld | %ld |\n", cnt(vo, "ok"), cnt(vo, "unparsed"));
		}
	}
	return 0;
}
