/*
 * json.c: report.json, the paper's table of one run in the paper's column
 * order: {"suite", "suite_title", "model", "protocol", "scoring", "level",
 * "columns": [{"kind", "name", "label", "score", "exact", "ci", "se", "n",
 * "ok", "unparsed", "error"}]}.
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"

#include <math.h>

static void num(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	if (isnan(v))
		jw_null(w);
	else
		jw_num(w, v);
}

int report_json(const struct report_run *run, struct buf *out)
{
	const cJSON *res = run->results, *c;
	cJSON *cols = report_columns(res);
	struct jw w;

	jw_init(&w, out, 1);
	jw_obj(&w);
	jw_key(&w, "suite");
	jw_str(&w, report_suite(run));
	jw_key(&w, "suite_title");
	jw_str(&w, json_get_str(res, "suite_title") ? json_get_str(res, "suite_title") : report_suite(run));
	jw_key(&w, "model");
	jw_str(&w, report_model(run));
	jw_key(&w, "protocol");
	jw_str(&w, report_protocol(run));
	jw_key(&w, "scoring");
	jw_str(&w, json_get_str(res, "scoring"));
	num(&w, "level", tbl_level(res) > 0 ? tbl_level(res) : NAN);
	if (json_get(res, "partial")) {
		jw_key(&w, "partial");
		jw_value(&w, json_get(res, "partial"));
	}
	jw_key(&w, "columns");
	jw_arr(&w);
	cJSON_ArrayForEach(c, cols) {
		const char *kind = json_get_str(c, "kind"), *name = json_get_str(c, "name");
		const cJSON *g = report_group(res, kind, name);
		double lo, hi;
		jw_obj(&w);
		jw_key(&w, "kind");
		jw_str(&w, kind);
		jw_key(&w, "name");
		jw_str(&w, name);
		jw_key(&w, "label");
		jw_str(&w, json_get_str(c, "label"));
		num(&w, "score", report_num(g, "score"));
		num(&w, "exact", report_num(g, "exact"));
		jw_key(&w, "ci");
		if (report_ci(g, &lo, &hi)) {
			jw_arr(&w);
			jw_num(&w, lo);
			jw_num(&w, hi);
			jw_end(&w);
		} else {
			jw_null(&w);
		}
		num(&w, "se", report_num(g, "se"));
		jw_key(&w, "n");
		jw_int(&w, tbl_count(g, "n"));
		jw_key(&w, "ok");
		jw_int(&w, tbl_count(g, "ok"));
		jw_key(&w, "unparsed");
		jw_int(&w, tbl_count(g, "unparsed"));
		jw_key(&w, "error");
		jw_int(&w, tbl_count(g, "error"));
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	buf_addch(out, '\n');
	cJSON_Delete(cols);
	return 0;
}
