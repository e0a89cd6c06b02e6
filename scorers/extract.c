/*
 * extract.c: the extractor table, the official extractors, think-stripping.
 *
 * Every official extractor works on valid UTF-8: extract_run() replaces each
 * invalid byte with U+FFFD first (what Python sees when the bytes are decoded
 * with a one-byte-at-a-time "replace" handler), so PCRE2 never meets invalid
 * input and code-point counts agree with Python's str. The rules, their
 * sources and every quirk are in docs/scoring.md; tests/golden/extract/ holds
 * the cases and tests/golden/check_official.py re-derives the official ones
 * with CPython.
 */
#include "lib/common.h"
#include "scorers/extract.h"
#include "scorers/xpy.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/pystr.h"
#include "lib/xalloc.h"

/* ---- pattern sets ------------------------------------------------------ */

void xpat_compile(struct xpatset *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		set->pats[i].rx = rx_compile(set->pats[i].src, set->pats[i].flags, set->where);
		if (!set->pats[i].rx)
			set->failed = 1;
	}
}

int xpat_ready(struct xpatset *set, void (*init)(void))
{
	if (pthread_once(&set->once, init) != 0)
		return error("%s: cannot initialise the patterns", set->where);
	return set->failed ? -1 : 0;
}

int xpat_last(const struct rx *r, const char *s, size_t len, struct rx_match *m)
{
	struct rx_match cur;
	size_t from = 0;
	int found = 0, rc;

	while (from <= len && (rc = rx_search(r, s, len, from, &cur)) > 0) {
		*m = cur;
		found = 1;
		if (cur.end > cur.start) {
			from = cur.end;
		} else {
			uint32_t c;
			if (cur.end >= len)
				break;
			from = cur.end + utf8_decode(s, len, cur.end, &c);
		}
	}
	if (found)
		return 1;
	return rc < 0 ? -1 : 0;
}

/* ---- small Python str helpers ------------------------------------------ */

static void set_value(struct extraction *out, const char *s, size_t n, int found, int rule)
{
	free(out->value);
	out->value = xstrndup(s, n);
	out->found = found;
	out->rule = found ? rule : -1;
}

static void set_letter(struct extraction *out, char c, int rule)
{
	char t[2];

	t[0] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	t[1] = '\0';
	set_value(out, t, 1, 1, rule);
}

/* The group's first byte: the patterns only ever capture one ASCII letter. */
static char group_letter(const char *s, const struct rx_match *m, int g)
{
	return m->gstart[g] == SIZE_MAX ? '\0' : s[m->gstart[g]];
}

/* The byte offset where the last n code points of valid UTF-8 s start
 * (Python's s[-n:]). */
static size_t last_codepoints(const char *s, size_t len, size_t n)
{
	size_t i = len;

	while (i > 0 && n > 0) {
		i--;
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
		n--;
	}
	return i;
}

/* Python s.replace(old, ""), all non-overlapping occurrences left to right. */
static void replace_all(struct buf *b, const char *old)
{
	size_t n = strlen(old), i = 0, o = 0;
	char *d = b->data;

	if (!d || !n || b->len < n)
		return;
	while (i < b->len) {
		if (i + n <= b->len && !memcmp(d + i, old, n)) {
			i += n;
			continue;
		}
		d[o++] = d[i++];
	}
	buf_truncate(b, o);
}

/* ---- vsi-first-token ----------------------------------------------------- */

/* fuzzy_matching(pred) = pred.split(' ')[0].rstrip('.').strip() */
static int x_vsi(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	const char *sp = memchr(s, ' ', len);
	size_t n = sp ? (size_t)(sp - s) : len, b, e;

	(void)it;
	while (n > 0 && s[n - 1] == '.')
		n--;
	py_strip(s, n, &b, &e);
	set_value(out, s + b, e - b, e > b, 0);
	return 0;
}

/* ---- sti-cascade ----------------------------------------------------------- */

/* STI-Bench opensource_test.py ANSWER_PATTERNS, IGNORECASE | MULTILINE. */
static struct xpat sti_pats[] = {
	{ "\\(([A-E])\\)", RX_I | RX_M, NULL },
	{ "Ans" PY_S "*=" PY_S "*['\"]?([A-E])['\"]?", RX_I | RX_M, NULL },
	{ "Answer" PY_S "*[:=]" PY_S "*([A-E])", RX_I | RX_M, NULL },
	{ "Opt" PY_I "on" PY_S "+([A-E])", RX_I | RX_M, NULL },
	{ PY_B "([A-E])" PY_S "*(?:" PY_I "s|was)" PY_S "*correct", RX_I | RX_M, NULL },
	{ PY_B "([A-E])[\\.\\)]" PY_S "*$", RX_I | RX_M, NULL },
};
static struct xpatset sti_set = XPATSET(sti_pats, "sti-cascade");
static void sti_init(void) { xpat_compile(&sti_set); }

static int x_sti(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct rx_match m;
	size_t k, b, e;
	int rc;

	(void)it;
	if (xpat_ready(&sti_set, sti_init) < 0)
		return -1;
	for (k = 0; k < ARRAY_SIZE(sti_pats); k++) {
		if ((rc = rx_search(sti_pats[k].rx, s, len, 0, &m)) < 0)
			return -1;
		if (rc) {
			set_letter(out, group_letter(s, &m, 1), (int)k);
			return 0;
		}
	}
	/* `extract_answer(decoded) or decoded.strip()`: the raw text, which the
	 * official metric reads by its last character */
	py_strip(s, len, &b, &e);
	set_value(out, s + b, e - b, e > b && s[e - 1] >= 'A' && s[e - 1] <= 'E', 6);
	return 0;
}

/* ---- r4d-letter -------------------------------------------------------------- */

/* lmms-eval r4d_bench _extract_letter, case-sensitive; [n-1] is for
 * valid = "ABCDE"[:n]. */
static struct xpat r4d_pats[] = {
	{ "\\(([A])\\)", 0, NULL }, { PY_B "([A])" PY_B, 0, NULL },
	{ "\\(([AB])\\)", 0, NULL }, { PY_B "([AB])" PY_B, 0, NULL },
	{ "\\(([ABC])\\)", 0, NULL }, { PY_B "([ABC])" PY_B, 0, NULL },
	{ "\\(([ABCD])\\)", 0, NULL }, { PY_B "([ABCD])" PY_B, 0, NULL },
	{ "\\(([ABCDE])\\)", 0, NULL }, { PY_B "([ABCDE])" PY_B, 0, NULL },
};
static struct xpatset r4d_set = XPATSET(r4d_pats, "r4d-letter");
static void r4d_init(void) { xpat_compile(&r4d_set); }

static const char *const r4d_prefixes[] = {
	"The best answer is", "The correct answer is", "The answer is",
	"The best option is", "The correct option is", "Best answer:",
	"Best option:", "Answer:",
};

static int x_r4d(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct buf t = BUF_INIT;
	struct rx_match m;
	size_t b, e, i, n = it ? it->nopt : 0;
	int k, rc = 0;

	if (xpat_ready(&r4d_set, r4d_init) < 0)
		return -1;
	set_value(out, "", 0, 0, -1);
	if (n == 0)   /* the official code raises on an empty letter set */
		return 0;
	if (n > 5)
		n = 5;
	py_strip(s, len, &b, &e);
	buf_add(&t, s + b, e - b);
	for (i = 0; i < ARRAY_SIZE(r4d_prefixes); i++)
		replace_all(&t, r4d_prefixes[i]);
	for (k = 0; k < 2; k++) {
		rc = rx_search(r4d_pats[2 * (n - 1) + (size_t)k].rx, buf_cstr(&t), t.len, 0, &m);
		if (rc < 0)
			break;
		if (rc) {
			set_letter(out, group_letter(buf_cstr(&t), &m, 1), k);
			break;
		}
	}
	buf_release(&t);
	return rc < 0 ? -1 : 0;
}

/* ---- mllm4d-option-key -------------------------------------------------------- */

enum { ML_TAG, ML_INTAG, ML_DECL, ML_TAIL };
static struct xpat ml_pats[] = {
	[ML_TAG] = { "<answer>(.*?)</answer>", RX_S | RX_I, NULL },
	[ML_INTAG] = { PY_B "([A-D])" PY_B, RX_I, NULL },
	[ML_DECL] = { "(?:answer|opt" PY_I "on|最终答案|答案)" PY_S "*[:：]" PY_S "*([A-D])",
		      RX_S | RX_I, NULL },
	[ML_TAIL] = { PY_B "([A-D])" PY_S "*$", RX_I, NULL },
};
static struct xpatset ml_set = XPATSET(ml_pats, "mllm4d-option-key");
static void ml_init(void) { xpat_compile(&ml_set); }

static int is_abcd(char c)
{
	return (c >= 'A' && c <= 'D') || (c >= 'a' && c <= 'd');
}

static int x_mllm4d(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct rx_match m, g;
	size_t b, e, t;
	int rc;

	(void)it;
	if (xpat_ready(&ml_set, ml_init) < 0)
		return -1;
	set_value(out, "", 0, 0, -1);
	if (len == 0)
		return 0;
	/* 1: the first <answer>...</answer>, stripped: \b[A-D]\b inside, or the
	 * whole content when it is one letter */
	if ((rc = rx_search(ml_pats[ML_TAG].rx, s, len, 0, &m)) < 0)
		return -1;
	if (rc) {
		const char *c = s + m.gstart[1];
		py_strip(c, m.gend[1] - m.gstart[1], &b, &e);
		if ((rc = rx_search(ml_pats[ML_INTAG].rx, c + b, e - b, 0, &g)) < 0)
			return -1;
		if (rc) {
			set_letter(out, group_letter(c + b, &g, 1), 0);
			return 0;
		}
		if (e - b == 1 && is_abcd(c[b])) {   /* unreachable in practice: \b matched */
			set_letter(out, c[b], 0);
			return 0;
		}
	}
	/* 2: "answer|option|最终答案|答案" [:：] letter, anywhere */
	if ((rc = rx_search(ml_pats[ML_DECL].rx, s, len, 0, &m)) < 0)
		return -1;
	if (rc) {
		set_letter(out, group_letter(s, &m, 1), 1);
		return 0;
	}
	/* 3: answer_text[-100:].strip() ends in \b[A-D] */
	t = last_codepoints(s, len, 100);
	py_strip(s + t, len - t, &b, &e);
	if ((rc = rx_search(ml_pats[ML_TAIL].rx, s + t + b, e - b, 0, &m)) < 0)
		return -1;
	if (rc) {
		set_letter(out, group_letter(s + t + b, &m, 1), 2);
		return 0;
	}
	/* 4: the whole stripped text is one letter */
	py_strip(s, len, &b, &e);
	if (e - b == 1 && is_abcd(s[b]))
		set_letter(out, s[b], 3);
	return 0;
}

/* ---- vlm4d-final-answer ------------------------------------------------------- */

/* steval's reading of "Therefore, the final answer is: $LETTER": the phrase
 * "final answer" (any case, markdown emphasis allowed around the words), an
 * optional "is"/"would be"/..., an optional colon, then decorations (spaces,
 * * _ quotes ` $ ( [ {, and up to three of \boxed{ \text{ \textbf{
 * \mathbf{ \mathrm{), an optional "option"/"choice"/"letter", then one
 * letter that is not followed by a word character. Runs are possessive
 * single-class repeats so that no input can exhaust PCRE2's JIT stack. */
static struct xpat vf_pats[] = {
	{ "final[\\s*_]*+answer[\\s*_]*+(?:(?:is|would\\s+be|will\\s+be|should\\s+be)[\\s*_]*+)?[:：]?"
	  "[\\s*_'\"“”‘’`$(\\[{]*+"
	  "(?:\\\\(?:boxed|text|textbf|mathbf|mathrm)\\{[\\s*_'\"“”‘’`$(\\[{]*+){0,3}"
	  "(?:(?:option|choice|letter)[\\s*_]*+)?"
	  "([A-Ea-e])(?![\\p{L}\\p{N}_])", RX_I, NULL },
};
static struct xpatset vf_set = XPATSET(vf_pats, "vlm4d-final-answer");
static void vf_init(void) { xpat_compile(&vf_set); }

/* The letters an item allows: its option letters, "ABCDE" without options. */
int xletter_allowed(const struct item *it, char c)
{
	size_t i;

	if (c >= 'a' && c <= 'z')
		c = (char)(c - 32);
	if (!it || !it->nopt)
		return c >= 'A' && c <= 'E';
	for (i = 0; i < it->nopt; i++)
		if (it->opts[i].letter[0] == c && !it->opts[i].letter[1])
			return 1;
	return 0;
}

/* A lower-case letter followed by blanks and a letter is an article or a
 * word ("the final answer is a car"), not a choice. */
static int lower_word_follows(const char *s, size_t len, size_t at)
{
	size_t i = at;
	uint32_t c;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == at || i >= len)
		return 0;
	utf8_decode(s, len, i, &c);
	return (c < 0x80 && ((c | 32) >= 'a' && (c | 32) <= 'z')) || c >= 0xC0;
}

static int x_vlm4d(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct rx_match m;
	size_t from = 0;
	char best = 0;
	int rc = 0;

	if (xpat_ready(&vf_set, vf_init) < 0)
		return -1;
	set_value(out, "", 0, 0, -1);
	while (from < len && (rc = rx_search(vf_pats[0].rx, s, len, from, &m)) > 0) {
		char c = group_letter(s, &m, 1);
		int lower = c >= 'a' && c <= 'z';
		if (xletter_allowed(it, c) && !(lower && lower_word_follows(s, len, m.gend[1])))
			best = c;
		from = m.end > from ? m.end : from + 1;
	}
	if (rc < 0)
		return -1;
	if (best)
		set_letter(out, best, 0);
	return 0;
}

/* ---- omnispatial-answer ------------------------------------------------------- */

/* OmniSpatial api_eval.py and vlms_eval/qwenvl_eval.py, --eval_type re:
 * re.compile(r"Answer\s*:\s*([A-D])\b", re.IGNORECASE).findall(resp)[-1].
 * The letter keeps its case (the official code compares it with the truth
 * letter without .upper(), so "answer: b" is wrong); no match gives no
 * answer here, and the protocol's "A" fallback scores it as the official
 * code does. */
static struct xpat os_pats[] = {
	{ "Answer" PY_S "*:" PY_S "*([A-D])" PY_B, RX_I, NULL },
};
static struct xpatset os_set = XPATSET(os_pats, "omnispatial-answer");
static void os_init(void) { xpat_compile(&os_set); }

static int x_omnispatial(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	struct rx_match m;
	int rc;

	(void)it;
	if (xpat_ready(&os_set, os_init) < 0)
		return -1;
	set_value(out, "", 0, 0, -1);
	rc = xpat_last(os_pats[0].rx, s, len, &m);
	if (rc < 0)
		return -1;
	if (rc)
		set_value(out, s + m.gstart[1], m.gend[1] - m.gstart[1], 1, 0);
	return 0;
}

/* ---- mmmu-parse-choice ---------------------------------------------------------- */

static size_t find_last(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	if (nn > hn)
		return SIZE_MAX;
	for (i = hn - nn + 1; i-- > 0;)
		if (!memcmp(h + i, n, nn))
			return i;
	return SIZE_MAX;
}

static size_t count_tokens(const char *s, size_t len)
{
	size_t i = 0, n = 0;
	int in = 0;
	uint32_t c;

	while (i < len) {
		i += utf8_decode(s, len, i, &c);
		if (py_isspace(c))
			in = 0;
		else if (!in)
			in = 1, n++;
	}
	return n;
}

/* MMMU parse_multi_choice_response(response, ["A".."E"], index2ans) with
 * index2ans = the item's options. */
static int x_mmmu(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	static const char strip_chars[] = ",.!?;:'";
	const char *choices = "ABCDE";
	struct buf r = BUF_INIT, low = BUF_INIT, on = BUF_INIT;
	size_t b = 0, e = len, i, best_pos = 0, ncand = 0;
	char best = 0;
	int rule = -1;

	set_value(out, "", 0, 0, -1);
	for (i = 0; strip_chars[i]; i++) {
		while (b < e && s[b] == strip_chars[i])
			b++;
		while (e > b && s[e - 1] == strip_chars[i])
			e--;
	}
	buf_addch(&r, ' ');
	buf_add(&r, s + b, e - b);
	buf_addch(&r, ' ');
	/* (X), then " X " */
	for (rule = 0; rule < 2 && !ncand; rule++) {
		for (i = 0; choices[i]; i++) {
			char pat[3];
			size_t p;
			if (rule == 0) {
				pat[0] = '(', pat[1] = choices[i], pat[2] = ')';
			} else {
				pat[0] = ' ', pat[1] = choices[i], pat[2] = ' ';
			}
			p = find_last(r.data, r.len, pat, 3);
			if (p == SIZE_MAX)
				continue;
			if (!ncand++ || p > best_pos)
				best = choices[i], best_pos = p;
		}
		if (ncand)
			break;
	}
	/* the option text, case-insensitively, in a response of more than five
	 * tokens */
	if (!ncand && it && it->nopt && count_tokens(r.data, r.len) > 5) {
		rule = 2;
		py_lower(r.data, r.len, &low);
		for (i = 0; i < it->nopt; i++) {
			const char *t = it->opts[i].text;   /* NULL: no text known */
			size_t p;
			if (!t)
				continue;
			buf_reset(&on);
			py_lower(t, strlen(t), &on);
			p = on.len ? find_last(buf_cstr(&low), low.len, on.data, on.len) : low.len;
			if (p == SIZE_MAX)
				continue;
			if (!ncand++ || p > best_pos)
				best = it->opts[i].letter[0], best_pos = p;
		}
	}
	if (ncand && best)
		set_letter(out, best, rule);
	buf_release(&r);
	buf_release(&low);
	buf_release(&on);
	return 0;
}

/* ---- raw ------------------------------------------------------------------------- */

static int x_raw(const char *s, size_t len, const struct item *it, struct extraction *out)
{
	size_t b, e;

	(void)it;
	py_strip(s, len, &b, &e);
	set_value(out, s, len, e > b, 0);
	return 0;
}

/* ---- the table --------------------------------------------------------------------- */

static const struct extract_def extractors[] = {
	{ "vsi-first-token", "first space-separated token, trailing '.' removed, stripped",
	  "vision-x-nyu/thinking-in-space@51e089c:lmms_eval/tasks/vsibench/utils.py fuzzy_matching; "
	  "VITA-Group/VLM-3R@6dd1264:thinking-in-space/lmms_eval/tasks/vstibench/utils.py", 1, x_vsi },
	{ "sti-cascade", "six answer patterns in order, else the stripped raw text",
	  "MINT-SJTU/STI-Bench@43ddebe:opensource_test.py ANSWER_PATTERNS, extract_answer", 1, x_sti },
	{ "r4d-letter", "strip answer prefixes, then (X), then \\bX\\b over the valid letters",
	  "NVIDIA lmms-eval r4d_bench _extract_letter (not public in a mirror)", 1, x_r4d },
	{ "mllm4d-option-key", "<answer> tag, 'answer:' declaration, letter at the end, lone letter",
	  "GVCLab/MLLM-4D@544fbd5:evaluation/model_inference/mllm4d.py extract_option_key", 1, x_mllm4d },
	{ "vlm4d-final-answer", "the letter after the last 'the final answer is:' (VLM4D's CoT format)",
	  "steval, for the format of ShijieZhou-UCLA/VLM4D@23f2680:utils/constant.py", 0, x_vlm4d },
	{ "robust-letter", "steval: tags, \\boxed{}, declarations, decorated letters, option text or value",
	  "steval", 0, extract_robust_letter },
	{ "robust-number", "steval: the number a verbose answer states (units, separators, words)",
	  "steval", 0, extract_robust_number },
	{ "mmmu-parse-choice", "MMMU parse_multi_choice_response: (X), then ' X ', then option text",
	  "MMMU parse_multi_choice_response (probable, unverified R4D datamodule parse_choice)", 1, x_mmmu },
	{ "mmsi-word-boundary", "``x``, then `x`, then the first \\b[A-D]\\b not before ' word'; else nothing",
	  "InternRobotics/MMSI-Bench@5de2f3d:vlmeval/dataset/mmsi_bench.py "
	  "extract_single_choice_with_word_boundary", 1, extract_mmsi },
	{ "mmsi-word-boundary-braces", "as mmsi-word-boundary with a {x} step (the README's copy)",
	  "InternRobotics/MMSI-Bench@5de2f3d:README.md extract_single_choice_with_word_boundary", 1,
	  extract_mmsi_braces },
	{ "mmsi-lmms", "``x``, `x`, {x}, then \\b[A-F]\\b ignoring case, upper-cased; else nothing",
	  "EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/mmsi_bench/utils.py "
	  "extract_single_choice_with_word_boundary", 1, extract_mmsi_lmms },
	{ "sat-real-answer", "'answer is (X)' = truth, else the truth letter anywhere, else the stripped text",
	  "arijitray1993/lmms-eval@8856d84:lmms_eval/tasks/sat_real/utils.py sat_process_results", 1,
	  extract_sat_real },
	{ "lmms-sat-flexible", "choices 'X. text' of the question, else the first token without punctuation",
	  "EvolvingLMMs-Lab/lmms-eval@75571cf:lmms_eval/tasks/sat/utils.py MultiChoiceRegexFilter", 1,
	  extract_lmms_sat },
	{ "omnispatial-answer", "the last 'Answer: X' (X in A-D, any case; the letter keeps its case)",
	  "qizekun/OmniSpatial@208bac2:api_eval.py process_info (eval_type re), vlms_eval/qwenvl_eval.py", 1,
	  x_omnispatial },
	{ "raw", "the text as it is", "steval", 1, x_raw },
};

const struct extract_def *extract_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < ARRAY_SIZE(extractors); i++)
		if (!strcmp(extractors[i].name, name))
			return &extractors[i];
	return NULL;
}

const struct extract_def *extract_list(size_t *n)
{
	*n = ARRAY_SIZE(extractors);
	return extractors;
}

int extract_run(const struct extract_def *x, const char *text, size_t len,
		const struct item *it, struct extraction *out)
{
	struct buf clean = BUF_INIT;
	int rc;

	out->value = NULL;
	out->found = 0;
	out->rule = -1;
	if (!text) {
		text = "";
		len = 0;
	}
	if (memchr(text, 0, len)) {
		/* values are C strings: a NUL byte becomes U+FFFD, which every
		 * official rule treats as it treats "\0" (neither space, word
		 * character nor digit), so no score changes */
		struct buf t = BUF_INIT;
		size_t i, run = 0;
		for (i = 0; i < len; i++)
			if (!text[i]) {
				buf_add(&t, text + run, i - run);
				buf_adds(&t, "\xef\xbf\xbd");
				run = i + 1;
			}
		buf_add(&t, text + run, len - run);
		if (x->fn != x_raw && !utf8_valid(t.data, t.len))
			utf8_sanitize(t.data, t.len, &clean);
		else
			buf_addbuf(&clean, &t);
		buf_release(&t);
		text = buf_cstr(&clean);
		len = clean.len;
	} else if (x->fn != x_raw && !utf8_valid(text, len)) {
		utf8_sanitize(text, len, &clean);
		text = buf_cstr(&clean);
		len = clean.len;
	}
	rc = x->fn(text, len, it, out);
	buf_release(&clean);
	if (!out->value)
		out->value = xstrdup("");
	if (rc < 0) {
		out->found = 0;
		out->rule = -1;
		return -1;
	}
	return 0;
}

void extraction_release(struct extraction *e)
{
	free(e->value);
	e->value = NULL;
}

/* ---- think blocks ------------------------------------------------------------------ */

static size_t find_ci(const char *s, size_t len, size_t from, const char *lit)
{
	size_t n = strlen(lit), i, k;

	for (i = from; i + n <= len; i++) {
		/* every literal here starts with '<': jump to the next one */
		const char *q = lit[0] == '<' ? memchr(s + i, '<', len - n + 1 - i) : s + i;
		if (!q)
			break;
		i = (size_t)(q - s);
		for (k = 0; k < n; k++) {
			char c = s[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (char)(c + 32);
			if (c != lit[k])
				break;
		}
		if (k == n)
			return i;
	}
	return SIZE_MAX;
}

void xthink_region(const char *text, size_t len, size_t *b, size_t *e)
{
	size_t start = 0, p, open;

	/* everything up to the last "</think>": complete blocks, a dangling
	 * close (the opening tag was in the prompt), text between blocks */
	for (p = 0; (p = find_ci(text, len, p, "</think>")) != SIZE_MAX; p += 8)
		start = p + 8;
	/* an unclosed "<think>" after that: a thought cut off, dropped */
	open = find_ci(text, len, start, "<think>");
	*b = start;
	*e = open == SIZE_MAX ? len : open;
}

void extract_strip_think(const char *text, size_t len, struct buf *out)
{
	size_t b, e;

	if (!text)
		return;
	xthink_region(text, len, &b, &e);
	buf_add(out, text + b, e - b);
}
