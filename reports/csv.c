/*
 * csv.c: report.csv (RFC 4180), one row per group of the run and of each
 * variant.
 */
#include "lib/common.h"
#include "reports/report.h"
#include "reports/table.h"
#include "lib/buf.h"

#include <math.h>

static void num(struct buf *out, double v)
{
	buf_addch(out, ',');
	if (!isnan(v) && !isinf(v))
		buf_addf(out, "%.17g", v);
}

static void rows_of(struct buf *out, const struct report_run *run, const cJSON *res, const char *variant)
{
	struct tbl_row *rows;
	size_t n = tbl_rows(res, &rows), i;

	for (i = 0; i < n; i++) {
		const cJSON *g = rows[i].g;
		double lo = NAN, hi = NAN;
		report_ci(g, &lo, &hi);
		report_esc_csv(out, report_suite(run));
		buf_addch(out, ',');
		report_esc_csv(out, report_model(run));
		buf_addch(out, ',');
		report_esc_csv(out, report_protocol(run));
		buf_addch(out, ',');
		report_esc_csv(out, variant);
		buf_addch(out, ',');
		report_esc_csv(out, rows[i].kind);
		buf_addch(out, ',');
		report_esc_csv(out, rows[i].name);
		buf_addch(out, ',');
		report_esc_csv(out, rows[i].label);
		buf_addf(out, ",%d", json_get(g, "merged") ? 1 : 0);
		num(out, report_num(g, "score"));
		num(out, report_num(g, "exact"));
		num(out, lo);
		num(out, hi);
		num(out, report_num(g, "se"));
		buf_addf(out, ",%ld,%ld,%ld,%ld,%d\r\n", tbl_count(g, "n"), tbl_count(g, "ok"),
			 tbl_count(g, "unparsed"), tbl_count(g, "error"),
			 cJSON_IsObject(json_get(run->results, "partial")));
	}
	free(rows);
}

int report_csv(const struct report_run *run, struct buf *out)
{
	const cJSON *v;

	buf_adds(out, "suite,model,protocol,variant,kind,name,label,merged,score,exact,ci_lo,ci_hi,se,"
		      "n,ok,unparsed,error,partial\r\n");
	rows_of(out, run, run->results, "");
	cJSON_ArrayForEach(v, json_get(run->results, "variants")) {
		/* a variant's object has overall/categories/splits, and the
		 * run's category order applies to it too */
		cJSON *copy = cJSON_Duplicate(v, 1);
		const cJSON *order = json_get(run->results, "category_order");
		if (order)
			cJSON_AddItemToObject(copy, "category_order", cJSON_Duplicate(order, 1));
		rows_of(out, run, copy, v->string);
		cJSON_Delete(copy);
	}
	return 0;
}
