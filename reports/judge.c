/*
 * judge.c: what report.md and report.html say about a judge (results.json
 * "judge", samples' "judge"; docs/scoring.md §7): which number is the
 * official one, that the official judge was not run when it was not, the
 * counts, the agreement with the rule-based reading, tokens and cost, and
 * the disagreeing items with both readings.
 */
#include "lib/common.h"
#include "reports/judge.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "reports/report.h"
#include "reports/table.h"

#include <math.h>

static void code(struct buf *out, const char *s)
{
	buf_adds(out, "`");
	report_md_cell(out, s ? s : "?");
	buf_adds(out, "`");
}

/* The judge model is the official one: the same name, the same after a
 * "namespace/" (Qwen/Qwen3-VL-8B-Instruct), or a dated snapshot of it
 * (o4-mini-2025-04-16). */
static int official_model(const cJSON *j)
{
	const char *m = json_get_str(j, "model"), *o = json_get_str(j, "official_model"), *slash;
	size_t n;

	if (!m || !o)
		return 1;
	slash = strrchr(m, '/');
	if (slash)
		m = slash + 1;
	n = strlen(o);
	return !strcmp(m, o) || (!strncmp(m, o, n) && !strncmp(m + n, "-20", 3));
}

static double rules_score(const cJSON *res)
{
	return report_num(json_get(json_get(json_get(res, "variants"), "rules"), "overall"), "score");
}

void report_judge_scoring_md(struct buf *out, const cJSON *res)
{
	const cJSON *j = json_get(res, "judge");
	const char *scoring = json_get_str(res, "scoring");

	if (scoring && !strcmp(scoring, "verdicts")) {
		buf_adds(out, "the judge verdicts stored with the predictions (`--verdicts`)");
	} else if (scoring && !strcmp(scoring, "judge")) {
		buf_adds(out, "the LLM judge ");
		code(out, json_get_str(j, "name"));
		buf_adds(out, " run by ");
		code(out, json_get_str(j, "model"));
		buf_adds(out, cJSON_IsTrue(json_get(j, "official")) ?
			 ", the protocol's official scorer; the rule-based reading is the variant `rules`" :
			 "; the rule-based reading is the variant `rules`");
	} else if (cJSON_IsObject(j) && !cJSON_IsTrue(json_get(j, "run"))) {
		buf_adds(out, "the protocol's rule-based extractor and metric. **The official scorer of this "
			      "protocol is an LLM judge (");
		code(out, json_get_str(j, "name"));
		buf_adds(out, ", ");
		code(out, json_get_str(j, "model"));
		buf_adds(out, "), which was not run**: `--judge SPEC` on run or score, or `steval judge "
			      "RUN_DIR --judge SPEC`, gives the official number");
	} else {
		buf_adds(out, "the protocol's official extractor and metric");
	}
}

static void id_list(struct buf *out, const cJSON *a)
{
	const cJSON *e;
	int n = 0;

	cJSON_ArrayForEach(e, a) {
		if (!cJSON_IsString(e))
			continue;
		if (n == 20) {
			buf_addf(out, ", … (%d in all)", cJSON_GetArraySize(a));
			break;
		}
		buf_adds(out, n++ ? ", " : "");
		code(out, e->valuestring);
	}
}

void report_judge_md(struct buf *out, const cJSON *res)
{
	const cJSON *j = json_get(res, "judge"), *ag = json_get(j, "agreement");
	double rs = rules_score(res), k = report_num(ag, "kappa"), pc = report_num(ag, "percent");
	double cost = report_num(j, "cost");

	if (!cJSON_IsObject(j) || !cJSON_IsTrue(json_get(j, "run")))
		return;
	buf_adds(out, "\n## Judge\n\nThe score above is the LLM judge ");
	code(out, json_get_str(j, "name"));
	buf_adds(out, "'s, run by ");
	code(out, json_get_str(j, "model"));
	if (json_get_str(j, "spec")) {
		buf_adds(out, " (`--judge ");
		report_md_cell(out, json_get_str(j, "spec"));
		buf_adds(out, "`)");
	}
	buf_adds(out, cJSON_IsTrue(json_get(j, "official")) ? ": the official scorer of this protocol." : ".");
	if (!official_model(j)) {
		buf_adds(out, " The official judge model is ");
		code(out, json_get_str(j, "official_model"));
		buf_adds(out, ": this is the official judge's prompt and settings run by another model.");
	}
	buf_adds(out, " The rule-based reading (variant `rules`) gives ");
	tbl_num(out, rs, "–");
	buf_adds(out, ".\n\n| | items |\n|---|---:|\n");
	buf_addf(out, "| judged | %ld |\n", tbl_count(j, "judged"));
	buf_addf(out, "| verdicts | %ld |\n", tbl_count(j, "ok"));
	buf_addf(out, "| unparsed_verdict: the reply did not parse, scored wrong as the official code does | %ld |\n",
		 tbl_count(j, "unparsed_verdict"));
	buf_addf(out, "| judge_error: no verdict, left out of the score, retried by `steval judge` | %ld |\n",
		 tbl_count(j, "judge_error"));
	buf_addf(out, "| from the verdict cache (no request) | %ld |\n", tbl_count(j, "from_cache"));
	if (tbl_count(ag, "n") > 0) {
		buf_addf(out, "\nAgreement with the rule-based reading over %ld items: %.2f%%, Cohen's kappa ",
			 tbl_count(ag, "n"), pc);
		if (isnan(k))
			buf_adds(out, "undefined (a reading is constant)");
		else
			buf_addf(out, "%.3f", k);
		int nd = cJSON_GetArraySize(json_get(j, "disagree"));
		buf_addf(out, "; %d item%s disagree%s (listed with both readings in report.html).\n",
			 nd, nd == 1 ? "" : "s", nd == 1 ? "s" : "");
	}
	buf_addf(out, "\nJudge tokens (new requests): %ld in, %ld out", tbl_count(json_get(j, "tokens"), "input"),
		 tbl_count(json_get(j, "tokens"), "output"));
	if (!isnan(cost))
		buf_addf(out, "; cost %.4f USD (the models file's price)", cost);
	buf_adds(out, ".\n");
	if (cJSON_GetArraySize(json_get(j, "unparsed_ids"))) {
		buf_adds(out, "\nUnparsed verdicts: ");
		id_list(out, json_get(j, "unparsed_ids"));
		buf_adds(out, ".\n");
	}
	if (cJSON_GetArraySize(json_get(j, "error_ids"))) {
		buf_adds(out, "\nJudge errors: ");
		id_list(out, json_get(j, "error_ids"));
		buf_adds(out, ".\n");
	}
	if (json_get_str(j, "official_failure")) {
		buf_adds(out, "\nThe official script's own failure handling: ");
		report_md_cell(out, json_get_str(j, "official_failure"));
		buf_adds(out, "\n");
	}
}

static void esc(struct buf *out, const char *s)
{
	if (s)
		report_esc_html(out, s, strlen(s));
}

static void verdict_word(struct buf *out, int v)
{
	buf_adds(out, v ? "right" : "wrong");
}

void report_judge_html(struct buf *out, const cJSON *res)
{
	const cJSON *j = json_get(res, "judge"), *ag = json_get(j, "agreement"), *d;
	double k = report_num(ag, "kappa"), cost = report_num(j, "cost");

	if (!cJSON_IsObject(j))
		return;
	buf_adds(out, "<section id=\"judge\"><h2>Judge</h2>\n");
	if (!cJSON_IsTrue(json_get(j, "run"))) {
		buf_adds(out, "<p>The official scorer of this protocol is the LLM judge <code>");
		esc(out, json_get_str(j, "name"));
		buf_adds(out, "</code> (<code>");
		esc(out, json_get_str(j, "model"));
		buf_adds(out, "</code>). <strong>It was not run</strong>: the scores are the rule-based "
			      "reading. <code>steval judge RUN_DIR --judge SPEC</code> gives the official "
			      "number.</p></section>\n");
		return;
	}
	buf_adds(out, "<p>Scores are the verdicts of <code>");
	esc(out, json_get_str(j, "name"));
	buf_adds(out, "</code> run by <code>");
	esc(out, json_get_str(j, "model"));
	buf_adds(out, "</code>");
	if (cJSON_IsTrue(json_get(j, "official")))
		buf_adds(out, ", the protocol's official scorer");
	if (!official_model(j)) {
		buf_adds(out, " (not the official judge model, <code>");
		esc(out, json_get_str(j, "official_model"));
		buf_adds(out, "</code>)");
	}
	buf_adds(out, "; the rule-based reading is the variant <code>rules</code> (");
	tbl_num(out, rules_score(res), "–");
	buf_adds(out, ").</p>\n<table class=\"facts\">\n");
	buf_addf(out, "<tr><th class=\"l\">judged</th><td>%ld</td></tr>\n", tbl_count(j, "judged"));
	buf_addf(out, "<tr><th class=\"l\">unparsed_verdict (scored wrong)</th><td>%ld</td></tr>\n",
		 tbl_count(j, "unparsed_verdict"));
	buf_addf(out, "<tr><th class=\"l\">judge_error (not scored)</th><td>%ld</td></tr>\n",
		 tbl_count(j, "judge_error"));
	buf_addf(out, "<tr><th class=\"l\">from the cache</th><td>%ld</td></tr>\n", tbl_count(j, "from_cache"));
	if (tbl_count(ag, "n") > 0) {
		buf_addf(out, "<tr><th class=\"l\">agreement with the rules</th><td>%.2f%% of %ld, kappa ",
			 report_num(ag, "percent"), tbl_count(ag, "n"));
		if (isnan(k))
			buf_adds(out, "undefined");
		else
			buf_addf(out, "%.3f", k);
		buf_adds(out, "</td></tr>\n");
	}
	buf_addf(out, "<tr><th class=\"l\">tokens</th><td>%ld in, %ld out", tbl_count(json_get(j, "tokens"), "input"),
		 tbl_count(json_get(j, "tokens"), "output"));
	if (!isnan(cost))
		buf_addf(out, "; %.4f USD", cost);
	buf_adds(out, "</td></tr>\n");
	if (json_get_str(j, "official_failure")) {
		buf_adds(out, "<tr><th class=\"l\">official failures</th><td>");
		esc(out, json_get_str(j, "official_failure"));
		buf_adds(out, "</td></tr>\n");
	}
	buf_adds(out, "</table>\n");
	if (cJSON_GetArraySize(json_get(j, "disagree"))) {
		buf_addf(out, "<h3>Judge and rules disagree (%d)</h3>\n<table class=\"disagree\"><tr><th>item</th>"
			      "<th>judge</th><th>judge's reading</th><th>rules</th><th>rules' reading</th></tr>\n",
			 cJSON_GetArraySize(json_get(j, "disagree")));
		cJSON_ArrayForEach(d, json_get(j, "disagree")) {
			buf_adds(out, "<tr><td class=\"l\"><a href=\"#s-");
			esc(out, json_get_str(d, "id"));
			buf_adds(out, "\">");
			esc(out, json_get_str(d, "id"));
			buf_adds(out, "</a></td><td>");
			verdict_word(out, cJSON_IsTrue(json_get(d, "judge")));
			buf_adds(out, "</td><td class=\"l\">");
			esc(out, json_get_str(d, "judge_extracted"));
			buf_adds(out, "</td><td>");
			verdict_word(out, cJSON_IsTrue(json_get(d, "rules")));
			buf_adds(out, "</td><td class=\"l\">");
			esc(out, json_get_str(d, "rules_extracted"));
			buf_adds(out, "</td></tr>\n");
		}
		buf_adds(out, "</table>\n");
	}
	buf_adds(out, "</section>\n");
}

void report_judge_sample_html(struct buf *out, const cJSON *smp)
{
	const cJSON *j = json_get(smp, "judge"), *reply = json_get(j, "reply");
	const char *st = json_get_str(j, "status");

	if (!cJSON_IsObject(j))
		return;
	buf_adds(out, "<details class=\"judge\"><summary>judge: ");
	esc(out, st ? st : "?");
	if (st && strcmp(st, "judge_error")) {
		buf_adds(out, ", ");
		verdict_word(out, cJSON_IsTrue(json_get(j, "verdict")));
		buf_adds(out, ", reading '");
		esc(out, json_get_str(j, "extracted"));
		buf_adds(out, "'");
	}
	buf_adds(out, " (");
	esc(out, json_get_str(j, "model"));
	buf_adds(out, cJSON_IsTrue(json_get(j, "cached")) ? ", from the cache)" : ")");
	buf_adds(out, "</summary>");
	if (json_get_str(j, "error")) {
		buf_adds(out, "<p>");
		esc(out, json_get_str(j, "error"));
		buf_adds(out, "</p>");
	}
	if (json_get_str(j, "why")) {
		buf_adds(out, "<p>");
		esc(out, json_get_str(j, "why"));
		buf_adds(out, "</p>");
	}
	if (cJSON_IsString(reply)) {
		buf_adds(out, "<pre class=\"resp\">");
		esc(out, reply->valuestring);
		buf_adds(out, "</pre>");
	}
	buf_adds(out, "</details>\n");
}
