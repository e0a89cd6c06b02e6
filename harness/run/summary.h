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
	const struct summary_rows *rows;   /* borrowed: the samples as graded in memory, used
					      instead of reading samples.jsonl back; NULL: read it */
	/* called just before results.json is written (steval score: samples.jsonl
	 * synced meanwhile on another thread); < 0 writes nothing and fails */
	int (*before_results)(void *arg);
	void *before_results_arg;
};

/*
 * The rows of samples.jsonl kept in memory while they are written (steval
 * score), so the summary need not read and parse the file again. Each
 * summary_rows_add() takes what sample_to_json() writes of a sample (its
 * grade, its variants, its repeat), for the suite item IT (the suite's own
 * item, whose id the line carries), and keeps exactly what the summary would
 * read back from that line. Only for samples without a judge object.
 * summary_rows_free() frees the rows; item pointers are borrowed.
 */
struct summary_rows;
struct sample;
struct item;
struct summary_rows *summary_rows_new(const struct suite *s);
void summary_rows_add(struct summary_rows *r, const struct item *it, const struct sample *smp);
void summary_rows_free(struct summary_rows *r);

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
