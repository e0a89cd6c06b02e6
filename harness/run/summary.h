/*
 * summary.h: samples.jsonl -> results.json + report.md.
 *
 * Both `steval run` and `steval score` write samples.jsonl first and then
 * build the summary from it, so a resumed run, a re-scored run and
 * `steval report` all summarise exactly what is on disk. When an id has
 * several lines (an errored item retried on resume), the last one counts.
 */
#ifndef STEVAL_SUMMARY_H
#define STEVAL_SUMMARY_H

#include "lib/common.h"
#include "scorers/stats.h"

struct suite;
struct protocol;
struct buf;

struct summary_opts {
	struct stats_opts boot;   /* bootstrap intervals (resamples 0: none) */
	int html;                 /* also write report.html */
	int reports;              /* write the reports at all (default 1) */
	const char *extra_json;   /* members added to results.json ("\"k\":v,..."), or NULL */
};

void summary_opts_default(struct summary_opts *o);   /* 10,000 resamples, seed 0, 95%, html */

/* Writes DIR/results.json (with bootstrap intervals) and the reports
 * (report.md, .csv, .json, .tex, .html: reports/report.h); the results
 * JSON is also appended to results_out when it is not NULL. */
int summary_write(const char *dir, const struct suite *s, const struct protocol *p,
		  const char *model, const char *scoring, struct buf *results_out);
int summary_write_opts(const char *dir, const struct suite *s, const struct protocol *p,
		       const char *model, const char *scoring, const struct summary_opts *o,
		       struct buf *results_out);

#endif
