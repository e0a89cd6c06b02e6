/*
 * report.h: human-readable reports rendered from results.json (a parsed
 * tree), so that `steval report RUN_DIR` can redo them at any time.
 *
 * Text from the run (category names, model names) is escaped for the
 * target format: Markdown table cells escape | and newlines.
 */
#ifndef STEVAL_REPORT_H
#define STEVAL_REPORT_H

#include "harness/common.h"
#include "harness/json.h"

struct buf;

int report_md(const cJSON *results, const char *run_dir, struct buf *out);
/* A Markdown table cell: | escaped, newlines as spaces, invalid UTF-8 replaced. */
void report_md_cell(struct buf *out, const char *s);

#endif
