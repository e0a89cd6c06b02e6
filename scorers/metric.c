/*
 * metric.c: per-item scores (see metric.h and docs/scoring.md).
 *
 * Truth: letter metrics compare with the item's answer as given when the
 * answer type is ANS_LETTER (the official code compares with the letter in
 * the source), and with the accepted letters otherwise (the option(s) whose
 * text or value equals the truth). Numeric metrics take the item's
 * answer_num, or float(answer) when that is not set.
 */
#include "lib/common.h"
#include "scorers/metric.h"
#include "scorers/extract.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/pystr.h"

#include <math.h>

/*
 * numpy.linspace(0.5, 0.95, 10) is i * step + start with step = (stop -
 * start) / 9, the last value set to stop; the thresholds are 1 - those.
 * The literals are the exact doubles (tests/unit/test_metric.c recomputes
 * them with the same operations and checks them against suites.md §5.5).
 */
const double metric_mra_thresholds[10] = {
	0x1.0000000000000p-1,    /* 0.5 */
	0x1.cccccccccccccp-2,    /* 0.44999999999999996 */
	0x1.999999999999ap-2,    /* 0.4 */
	0x1.6666666666666p-2,    /* 0.35 */
	0x1.3333333333334p-2,    /* 0.30000000000000004 */
	0x1.0000000000000p-2,    /* 0.25 */
	0x1.9999999999998p-3,    /* 0.19999999999999996 */
	0x1.3333333333334p-3,    /* 0.15000000000000002 */
	0x1.99999999999a0p-4,    /* 0.10000000000000009 */
	0x1.99999999999a0p-5,    /* 0.050000000000000044 */
};

double metric_mra(double pred, double truth)
{
	double rel;
	int i, k = 0;

	if (truth == 0)   /* the official code raises ZeroDivisionError */
		return pred == 0 ? 1.0 : 0.0;
	rel = fabs(pred - truth) / truth;   /* no abs() on truth, as official */
	for (i = 0; i < 10; i++)
		if (rel <= metric_mra_thresholds[i])
			k++;
	return (double)k / 10.0;
}

static int truth_is_letter(const struct item *it)
{
	return !it->type || it->type->kind == ANS_LETTER;
}

static const char *value_of(const struct extraction *x)
{
	return x && x->value ? x->value : "";
}

/* exact_match(pred, target): pred.lower() == target.lower() */
static double m_exact_ci(const struct item *it, const struct extraction *x, double tol)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	const char *v = value_of(x);
	double r = 0;
	size_t i;

	(void)tol;
	py_lower(v, strlen(v), &a);
	if (truth_is_letter(it)) {
		const char *t = it->answer;
		if (!t)   /* no truth: never correct */
			goto out;
		py_lower(t, strlen(t), &b);
		r = a.len == b.len && !memcmp(buf_cstr(&a), buf_cstr(&b), a.len);
	} else {
		for (i = 0; it->accepted[i] && !r; i++) {
			char t[2] = { it->accepted[i], 0 };
			buf_reset(&b);
			py_lower(t, 1, &b);
			r = a.len == b.len && !memcmp(buf_cstr(&a), buf_cstr(&b), a.len);
		}
	}
out:
	buf_release(&a);
	buf_release(&b);
	return r;
}

/* (out[-1] in "ABCDE") and (out[-1] == answer): the last code point */
static double m_last_char(const struct item *it, const struct extraction *x, double tol)
{
	const char *v = value_of(x);
	size_t n = strlen(v), i;
	char c;

	(void)tol;
	if (!n)   /* the official code raises IndexError on "" */
		return 0;
	c = v[n - 1];   /* an ASCII letter only when it is the whole last code point */
	if (c < 'A' || c > 'E')
		return 0;
	if (truth_is_letter(it))
		return it->answer && it->answer[0] == c && !it->answer[1];
	for (i = 0; it->accepted[i]; i++)
		if (it->accepted[i] == c)
			return 1;
	return 0;
}

/* the extracted letter is one of the accepted letters */
static double m_letter(const struct item *it, const struct extraction *x, double tol)
{
	const char *v = value_of(x);

	(void)tol;
	if (!v[0] || v[1])
		return 0;
	if (it->accepted[0])
		return strchr(it->accepted, v[0]) != NULL;
	if (truth_is_letter(it) && it->answer)
		return it->answer[0] == v[0] && !it->answer[1];
	return 0;
}

static int truth_num(const struct item *it, double *t)
{
	if (!isnan(it->answer_num)) {
		*t = it->answer_num;
		return 1;
	}
	return it->answer && py_float(it->answer, strlen(it->answer), t) == 0;
}

static int pred_num(const struct extraction *x, double *p)
{
	const char *v = value_of(x);

	return py_float(v, strlen(v), p) == 0;
}

static double m_mra(const struct item *it, const struct extraction *x, double tol)
{
	double p, t;

	(void)tol;
	if (!pred_num(x, &p) || !truth_num(it, &t))
		return 0;
	return metric_mra(p, t);
}

static double m_abs_tol(const struct item *it, const struct extraction *x, double tol)
{
	double p, t;

	if (!pred_num(x, &p) || !truth_num(it, &t))
		return 0;
	return fabs(p - t) <= tol;
}

static double m_rel_tol(const struct item *it, const struct extraction *x, double tol)
{
	double p, t;

	if (!pred_num(x, &p) || !truth_num(it, &t))
		return 0;
	return fabs(p - t) <= tol * fabs(t);
}

static const struct metric_def metrics[] = {
	{ "exact-ci", "extracted text equals the truth letter, ignoring case (VSI/VSTI)", 0, m_exact_ci },
	{ "last-char", "last character is A-E and equals the truth letter (STI, R4D datamodule)", 0,
	  m_last_char },
	{ "letter", "extracted letter is one of the accepted letters", 0, m_letter },
	{ "mra", "mean relative accuracy over the ten official thresholds (VSI/VSTI)", 1, m_mra },
	{ "abs-tol", "|pred - truth| <= tolerance", 1, m_abs_tol },
	{ "rel-tol", "|pred - truth| <= tolerance * |truth|", 1, m_rel_tol },
};

const struct metric_def *metric_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(metrics); i++)
		if (!strcmp(metrics[i].name, name))
			return &metrics[i];
	return NULL;
}

const struct metric_def *metric_list(size_t *n)
{
	*n = ARRAY_SIZE(metrics);
	return metrics;
}

double metric_score(const struct metric_def *m, const struct item *it,
		    const struct extraction *x, double tol)
{
	if (!m || !it)
		return 0;
	return m->fn(it, x, tol);
}
