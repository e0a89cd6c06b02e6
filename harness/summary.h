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

#include "harness/common.h"

struct suite;
struct protocol;
struct buf;

/* Writes DIR/results.json and DIR/report.md; the results JSON is also
 * appended to results_out when it is not NULL. */
int summary_write(const char *dir, const struct suite *s, const struct protocol *p,
		  const char *model, const char *scoring, struct buf *results_out);

#endif
