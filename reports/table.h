/*
 * table.h: helpers the report renderers share (private to reports/).
 */
#ifndef STEVAL_REPORTS_TABLE_H
#define STEVAL_REPORTS_TABLE_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;

/* One row of a run's detail table, in the order reports print them. */
struct tbl_row {
	const char *kind;       /* "overall", "category", "split" */
	const char *name;
	const char *label;
	const cJSON *g;         /* the group object */
	int indent;             /* a member of a merged category */
};

/* Overall, categories (category_order, members under their merged
 * category), splits. The caller frees *rows. */
size_t tbl_rows(const cJSON *results, struct tbl_row **rows);
/* "%.2f", or `missing` for NAN. */
void tbl_num(struct buf *out, double v, const char *missing);
/* Long-count of a group key (0 when absent). */
long tbl_count(const cJSON *g, const char *key);
/* Compact JSON of a value (spellings kept). */
void tbl_json(struct buf *out, const cJSON *v);
/* Confidence level of a results.json ("bootstrap"."level"), 0 if none. */
double tbl_level(const cJSON *results);

/* A CSP source expression 'sha256-...' of a text. */
void tbl_csp_hash(struct buf *out, const char *text);

#endif
