/*
 * judge.h: the judge's part of report.md and report.html (reports/judge.c).
 * res is results.json; smp a sample. Nothing is written when there is no
 * judge to speak of.
 */
#ifndef STEVAL_REPORTS_JUDGE_H
#define STEVAL_REPORTS_JUDGE_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;

/* The "scoring" fact: which number is official, and that the official judge
 * was not run when it was not. */
void report_judge_scoring_md(struct buf *out, const cJSON *res);
/* "## Judge": counts, agreement, kappa, tokens, cost, unparsed and error ids. */
void report_judge_md(struct buf *out, const cJSON *res);
/* <section id="judge">, with the disagreeing items and both readings. */
void report_judge_html(struct buf *out, const cJSON *res);
/* A sample's judge call: verdict, reading, model, cache, raw reply. */
void report_judge_sample_html(struct buf *out, const cJSON *smp);

#endif
