/*
 * metric.h: per-item scores.
 *
 *   exact-ci    1 if py_lower(extracted) == py_lower(truth letter), else 0
 *               (VSI/VSTI exact_match on the fuzzy-matched first token)
 *   last-char   1 if the extracted text is non-empty, its last character is
 *               one of "ABCDE" and equals the truth letter, case-sensitive
 *               (STI-Bench and R4D-Bench)
 *   letter      1 if the extracted letter is one of the accepted letters
 *               (VLM4D/MLLM-4D: the option whose text equals the truth)
 *   mra         mean relative accuracy over the 10 official thresholds
 *               (VSI/VSTI): float(extracted) vs float(truth), `<=` as the
 *               official code; unparsable prediction scores 0
 *   abs-tol     1 if |pred - truth| <= tol (option "tolerance")
 *   rel-tol     1 if |pred - truth| <= tol * |truth|
 *
 * Truth: letter metrics compare with the item's answer when its answer type
 * holds a letter (ANS_LETTER), else with its accepted letters; numeric ones
 * use answer_num, or float(answer) when that is NaN. Values are parsed with
 * Python float() semantics (py_float). A NULL item or value scores 0. Every
 * rule and quirk: docs/scoring.md; goldens in tests/golden/metric.jsonl.
 *
 * gt = 0 under mra: the official code divides by zero and crashes; steval
 * scores 1 when the prediction is exactly 0 and 0 otherwise, and says so in
 * docs/scoring.md. A negative truth makes the official relative error
 * negative, so every threshold passes: reproduced as is.
 */
#ifndef STEVAL_METRIC_H
#define STEVAL_METRIC_H

#include "lib/common.h"

struct item;
struct extraction;

struct metric_def {
	const char *name;
	const char *summary;
	int numeric;       /* needs a number: unparsable predictions score 0 */
	double (*fn)(const struct item *it, const struct extraction *x, double tol);
};

const struct metric_def *metric_find(const char *name);
const struct metric_def *metric_list(size_t *n);
double metric_score(const struct metric_def *m, const struct item *it,
		    const struct extraction *x, double tol);

/* The official MRA: the ten thresholds 1 - linspace(0.5, 0.95, 10) computed
 * with numpy's float operations, compared with `<=`. */
double metric_mra(double pred, double truth);
extern const double metric_mra_thresholds[10];

#endif
