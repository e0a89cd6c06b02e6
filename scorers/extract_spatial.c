/*
 * extract_spatial.c: the official extractors of MMSI-Bench and SAT.
 *
 *   mmsi-word-boundary        MMSI-Bench vlmeval/dataset/mmsi_bench.py
 *                             extract_single_choice_with_word_boundary: ``x``,
 *                             then `x`, each narrowing the text, then the first
 *                             \b[A-D]\b not followed by a blank and a letter
 *                             (case-sensitive); no letter: nothing (scores 0)
 *   mmsi-word-boundary-braces the README's copy of the same function (and
 *                             lmms-eval before 2026-03): a {x} step before the
 *                             letter
 *   mmsi-lmms                 lmms-eval mmsi_bench since d8fcb9c3: {x} step,
 *                             \b[A-F]\b under IGNORECASE, upper-cased
 *   sat-real-answer           the SAT author's lmms-eval sat_real
 *                             sat_process_results: "answer is (X)", else the
 *                             truth letter anywhere in the text, else the
 *                             stripped text
 *   lmms-sat-flexible         lmms-eval sat "flexible-extract"
 *                             (MultiChoiceRegexFilter): choices "X. text" found
 *                             in the question, else the response without
 *                             punctuation, its first space-separated token
 *
 * Rules and quirks: docs/scoring.md; goldens: tests/golden/extract/.
 */
#include "lib/common.h"
#include "scorers/extract.h"
#include "scorers/xpy.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/pystr.h"
#include "lib/xalloc.h"

static void put(struct extraction *out, const char *s, size_t n, int found, int rule)
{
	free(out->value);
	out->value = xstrndup(s, n);
	out->found = found;
	out->rule = found ? rule : -1;
}

/* ---- MMSI-Bench ---------------------------------------------------------- */

enum { MM_DOUBLE, MM_SINGLE, MM_BRACE, MM_AD, MM_AF };
static struct xpat mm_pats[] = {
	[MM_DOUBLE] = { "``([^`]*)``", 0, NULL },
	[MM_SINGLE] = { "`([^`]*)`", 0, NULL },
	[MM_BRACE] = { "\\{([^}]*)\\}", 0, NULL },
	[MM_AD] = { PY_B "[A-D]" PY_B "(?!" PY_S "[a-zA-Z])", 0, NULL },
	/* under IGNORECASE Python's [a-zA-Z] also takes U+0130 and U+0131 (PY_I) */
	[MM_AF] = { PY_B "[A-F]" PY_B "(?!" PY_S "[a-zA-Z\\x{130}\\x{131}])", RX_I, NULL },
};
static struct xpatset mm_set = XPATSET(mm_pats, "mmsi-word-boundary");
static void mm_init(void) { xpat_compile(&mm_set); }

/* pred = re.search(P, pred).group(1) when P matches: the window *p, *n of
 * the original text narrows (no copy). Returns 1 narrowed, 0 not, -1 error. */
static int narrow(int k, const char **p, size_t *n)
{
	struct rx_match m;
	int rc = rx_search(mm_pats[k].rx, *p, *n, 0, &m);

	if (rc <= 0)
		return rc;
	*p += m.gstart[1];
	*n = m.gend[1] - m.gstart[1];
	return 1;
}

/* braces: the {x} step; lmms: A-F, IGNORECASE, upper-cased */
static int mmsi(const char *s, size_t len, struct extraction *out, int braces, int lmms)
{
	const char *pred = s;
	size_t n = len;
	struct rx_match m;
	int rule = 0, rc, k;

	if (xpat_ready(&mm_set, mm_init) < 0)
		return -1;
	put(out, "", 0, 0, -1);
	for (k = MM_DOUBLE; k <= MM_BRACE; k++) {
		if (k == MM_BRACE && !braces)
			continue;
		if ((rc = narrow(k, &pred, &n)) < 0)
			return -1;
		if (rc)
			rule = k + 1;
	}
	rc = rx_search(mm_pats[lmms ? MM_AF : MM_AD].rx, pred, n, 0, &m);
	if (rc > 0) {
		char c = pred[m.start];
		if (lmms && c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		put(out, &c, 1, 1, rule);
	}
	return rc < 0 ? -1 : 0;
}

int extract_mmsi(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	(void)it;
	return mmsi(s, len, out, 0, 0);
}

int extract_mmsi_braces(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	(void)it;
	return mmsi(s, len, out, 1, 0);
}

int extract_mmsi_lmms(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	(void)it;
	return mmsi(s, len, out, 1, 1);
}

/* ---- SAT: the author's lmms-eval sat_real ---------------------------------- */

static struct xpat sr_pats[] = {
	{ "answer is " PY_S "*\\n?" PY_S "*\\(?([A-Z])\\)?", 0, NULL },
};
static struct xpatset sr_set = XPATSET(sr_pats, "sat-real-answer");
static void sr_init(void) { xpat_compile(&sr_set); }

int extract_sat_real(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct rx_match m;
	char truth = it && it->accepted[0] ? it->accepted[0] : 0;
	size_t b, e;
	int rc;

	if (xpat_ready(&sr_set, sr_init) < 0)
		return -1;
	put(out, "", 0, 0, -1);
	if ((rc = rx_search(sr_pats[0].rx, s, len, 0, &m)) < 0)
		return -1;
	/* pred_letter == answer */
	if (rc && truth && s[m.gstart[1]] == truth) {
		put(out, &truth, 1, 1, 0);
		return 0;
	}
	/* `answer_letter in pred`: the truth letter anywhere, as a substring */
	if (truth && memchr(s, truth, len)) {
		put(out, &truth, 1, 1, 1);
		return 0;
	}
	/* pred.strip(), compared lower-cased */
	py_strip(s, len, &b, &e);
	put(out, s + b, e - b, e - b == 1 && ((s[b] >= 'A' && s[b] <= 'Z') || (s[b] >= 'a' && s[b] <= 'z')), 2);
	return 0;
}

/* ---- SAT: lmms-eval sat, flexible-extract ----------------------------------- */

enum { LS_CHOICE, LS_STRIP };
static struct xpat ls_pats[] = {
	/* choices in the question: \b([A-Z])\.\s+([^\n]*) */
	[LS_CHOICE] = { PY_B "([A-Z])\\." PY_S "+([^\\n]*)", 0, NULL },
	/* re.sub(r"[^\w\s]", "", resp) */
	[LS_STRIP] = { "[^\\p{L}\\p{N}_\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}"
		       "\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]+", 0, NULL },
};
static struct xpatset ls_set = XPATSET(ls_pats, "lmms-sat-flexible");
static void ls_init(void) { xpat_compile(&ls_set); }

struct choice {
	char *text;
	char letter;
};

/* The question's "X. text" choices, as the filter's choice_to_alpha: texts
 * stripped, letters A, B, ... in order of appearance (a repeated text maps to
 * its last letter). */
static int question_choices(const char *q, struct choice **out, size_t *n)
{
	struct rx_match m;
	size_t from = 0, len = strlen(q), alloc = 0, b, e;
	char next = 'A';
	int rc;

	*out = NULL;
	*n = 0;
	while (from <= len && (rc = rx_search(ls_pats[LS_CHOICE].rx, q, len, from, &m)) > 0) {
		const char *t = q + m.gstart[2];
		py_strip(t, m.gend[2] - m.gstart[2], &b, &e);
		ALLOC_GROW(*out, *n + 1, alloc);
		(*out)[*n].text = xstrndup(t + b, e - b);
		(*out)[*n].letter = next;
		(*n)++;
		next = (char)(next + 1);
		from = m.end > m.start ? m.end : m.end + 1;
	}
	return rc < 0 ? -1 : 0;
}

int extract_lmms_sat(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct buf clean = BUF_INIT;
	struct rx_match m;
	struct choice *ch = NULL;
	size_t nch = 0, from = 0, i, b, e, p, clen;
	const char *c, *sp;
	int rc = 0;

	if (xpat_ready(&ls_set, ls_init) < 0)
		return -1;
	put(out, "", 0, 0, -1);
	/* cleaned_resp = re.sub(r"[^\w\s]", "", resp).strip() */
	while (from <= len && (rc = rx_search(ls_pats[LS_STRIP].rx, s, len, from, &m)) > 0) {
		buf_add(&clean, s + from, m.start - from);
		from = m.end;
	}
	if (rc < 0)
		goto out;
	buf_add(&clean, s + from, len - from);
	c = buf_cstr(&clean);
	py_strip(c, clean.len, &b, &e);
	c += b;
	clen = e - b;
	if (it && it->question && question_choices(it->question, &ch, &nch) < 0) {
		rc = -1;
		goto out;
	}
	/* fallback_regex.search(cleaned): the leftmost position where one of the
	 * choice texts (in order) matches; an empty alternation matches "" */
	if (nch) {
		for (p = 0; p <= clen; p++) {
			for (i = 0; i < nch; i++) {
				size_t tl = strlen(ch[i].text);
				if (p + tl <= clen && !memcmp(c + p, ch[i].text, tl))
					break;
			}
			if (i < nch)
				break;
		}
		if (p <= clen) {
			/* match.group() in choice_to_alpha: the last letter of that text */
			char letter = 0;
			size_t k;
			for (k = 0; k < nch; k++)
				if (!strcmp(ch[k].text, ch[i].text))
					letter = ch[k].letter;
			put(out, &letter, 1, 1, 0);
			goto out;
		}
	}
	/* filtered[0].split(" ")[0], then exact_match's ignore_punctuation
	 * drops what \w kept of string.punctuation: "_" */
	sp = memchr(c, ' ', clen);
	{
		struct buf tok = BUF_INIT;
		size_t n = sp ? (size_t)(sp - c) : clen;
		for (i = 0; i < n; i++)
			if (c[i] != '_')
				buf_addch(&tok, c[i]);
		put(out, buf_cstr(&tok), tok.len, tok.len > 0, 1);
		buf_release(&tok);
	}
out:
	for (i = 0; i < nch; i++)
		free(ch[i].text);
	free(ch);
	buf_release(&clean);
	return rc < 0 ? -1 : 0;
}
