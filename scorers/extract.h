/*
 * extract.h: answer extractors, from a model's raw text to the answer that
 * gets scored.
 *
 * Official extractors reproduce the official code exactly (same rules, same
 * order, same Python string semantics); robust extractors are steval's own
 * and always carry their own name. Every extractor is deterministic. None
 * ever fails on bad input: invalid UTF-8, empty text, huge text all give a
 * result (possibly "not found").
 *
 *   name                  official code it reproduces
 *   vsi-first-token       thinking-in-space / VLM-3R fuzzy_matching():
 *                         pred.split(' ')[0].rstrip('.').strip()
 *   sti-cascade           STI-Bench opensource_test.py ANSWER_PATTERNS, then
 *                         the raw stripped text (scored on its last character)
 *   r4d-letter            R4D-Bench lmms-eval _extract_letter (prefix strip,
 *                         "(X)", then \bX\b over the valid letters)
 *   mllm4d-option-key     MLLM-4D extract_option_key (5 rules)
 *   vlm4d-final-answer    the format VLM4D's CoT prompt asks for:
 *                         "Therefore, the final answer is: X"
 *   omnispatial-answer    OmniSpatial --eval_type re: the last
 *                         "Answer\s*:\s*([A-D])\b" (IGNORECASE), its case kept
 *   robust-letter         steval: answer tags, \boxed{}, "$X", lower-case
 *                         letters, the option text or value instead of a letter
 *   robust-number         steval: the number a verbose answer gives ("2.36m",
 *                         "about 3 meters", "<answer>5</answer>")
 *
 *   mmsi-word-boundary    MMSI-Bench extract_single_choice_with_word_boundary
 *                         (``x``, `x`, then \b[A-D]\b not before " word");
 *                         -braces: the README's copy (a {x} step); mmsi-lmms:
 *                         lmms-eval's ({x}, A-F ignoring case)
 *   sat-real-answer       SAT author's lmms-eval sat_real: "answer is (X)",
 *                         the truth letter anywhere, the stripped text
 *   lmms-sat-flexible     lmms-eval sat flexible-extract: the question's
 *                         "X. text" choices, else the first token without
 *                         punctuation
 *
 * Plus `mmmu-parse-choice` (MMMU parse_multi_choice_response, the probable
 * R4D-Bench datamodule parse_choice) and `raw` (the text as given).
 *
 * Input: any bytes. extract_run() gives every extractor but `raw` valid
 * UTF-8 (each invalid byte becomes U+FFFD, as Python would see it) and turns
 * NUL bytes into U+FFFD for all (values are C strings). Rules, `found` and
 * every quirk per extractor: docs/scoring.md; goldens in tests/golden/extract/.
 *
 * `found` says whether the extractor read an answer (reported as parsed or
 * unparsed); the metric alone decides the score. `rule` numbers the rule that
 * matched in the documented order. Patterns are compiled once, on first use,
 * thread-safely; extractors may run from many threads at once.
 *
 * Ownership: struct extraction owns `value`; extraction_release() frees it.
 */
#ifndef STEVAL_EXTRACT_H
#define STEVAL_EXTRACT_H

#include "lib/common.h"

struct item;
struct buf;

struct extraction {
	char *value;     /* the extracted answer ("B", "2.5", or the raw text for
			    extractors whose official rule scores raw text); never NULL */
	int found;       /* 1 when a rule matched: the answer parsed */
	int rule;        /* which rule matched (0-based, in the documented order), -1 none */
};

struct extract_def {
	const char *name;
	const char *summary;
	const char *source;      /* official code it reproduces, or "steval" */
	int official;
	/* called through extract_run(), which prepares the text; it may be
	 * NULL-item safe: `it` gives the options (letters, texts) when known */
	int (*fn)(const char *text, size_t len, const struct item *it, struct extraction *out);
};

const struct extract_def *extract_find(const char *name);
const struct extract_def *extract_list(size_t *n);
/* Runs x on text[0..len). Always fills *out (value "" and found 0 at worst).
 * Returns 0, or -1 only on an internal error (a regex that fails to compile). */
int extract_run(const struct extract_def *x, const char *text, size_t len,
		const struct item *it, struct extraction *out);
void extraction_release(struct extraction *e);

/* Keep what a reasoning model answers: the text after the last "</think>"
 * (so complete <think>...</think> blocks, a dangling "</think>" whose
 * opening tag was in the prompt, and text between blocks go), without an
 * unclosed "<think>" and what follows it (a thought cut off). Tags match
 * ASCII case-insensitively. Appends the kept text to out; NULL text adds
 * nothing. */
void extract_strip_think(const char *text, size_t len, struct buf *out);

/* robust-letter's search for a declaration ("the final answer is:") in valid
 * UTF-8 s[0..len) from byte `from`: fast = 1 is the search the extractor
 * makes, fast = 0 PCRE2's own search of the same pattern, which must find
 * the same matches (tests/unit/scorers/test_robust_decl.c). Returns like
 * rx_search(): 1 with *start, *end set, 0 none, -1 error. */
int extract_robust_decl(const char *s, size_t len, size_t from, int fast, size_t *start, size_t *end);

#endif
