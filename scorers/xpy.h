/*
 * xpy.h: internal to scorers/: PCRE2 spellings of Python 3 `re` classes,
 * and the lazily compiled pattern sets the extractors share.
 *
 * PCRE2 with PCRE2_UCP is close to Python's `re` on str patterns but not
 * equal, and the differences depend on the PCRE2 version, so official
 * patterns never use \s, \w or \b directly:
 *
 *   PY_S   Python \s = str.isspace(): PCRE2's \s lacks U+001C..U+001F and
 *          has U+180E (both checked over every code point)
 *   PY_W   Python \w = str.isalnum() or '_' = [\p{L}\p{N}_] (Unicode 14);
 *          PCRE2 10.43 adds \p{Mn} and \p{Pc} to its \w
 *   PY_B   Python \b built from PY_W with lookarounds (never matches in an
 *          empty string, as Python's)
 *   PY_I   the letter i under IGNORECASE: Python also matches U+0130 (İ)
 *          and U+0131 (ı), PCRE2 does not
 *
 * Other letters behave the same in both engines under IGNORECASE ('s'
 * matches U+017F and 'k' U+212A in both; A-E match only themselves).
 */
#ifndef STEVAL_XPY_H
#define STEVAL_XPY_H

#include "lib/common.h"
#include "lib/rx.h"

#include <pthread.h>

struct item;
struct extraction;

#define PY_S "[\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
	"\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]"
#define PY_W "[\\p{L}\\p{N}_]"
#define PY_B "(?:(?<=" PY_W ")(?!" PY_W ")|(?<!" PY_W ")(?=" PY_W "))"
#define PY_I "[iI\\x{130}\\x{131}]"

struct xpat {
	const char *src;
	int flags;
	struct rx *rx;
};

/* A set of patterns compiled once, on first use, by whichever thread gets
 * there first (pthread_once); read-only afterwards. */
struct xpatset {
	struct xpat *pats;
	size_t n;
	pthread_once_t once;
	int failed;
	const char *where;
};

#define XPATSET(arr, where) { (arr), ARRAY_SIZE(arr), PTHREAD_ONCE_INIT, 0, (where) }

/* Compile the set (once); returns 0, or -1 when a pattern failed (reported
 * with error() the first time). `init` is the set's own pthread_once
 * routine, which must call xpat_compile(set). */
int xpat_ready(struct xpatset *set, void (*init)(void));
void xpat_compile(struct xpatset *set);

/* Last match of r in s[0..len) (searching again after each match, one code
 * point on after an empty match); 1 found, 0 none, -1 error. */
int xpat_last(const struct rx *r, const char *s, size_t len, struct rx_match *m);

/* The letters an item allows: its option letters, "ABCDE" without options
 * (either case). */
int xletter_allowed(const struct item *it, char c);

/* Where the text after think blocks is: s[*b..*e) (see extract_strip_think). */
void xthink_region(const char *text, size_t len, size_t *b, size_t *e);

/* steval's own extractors (robust.c). */
int extract_robust_letter(const char *s, size_t len, const struct item *it, struct extraction *out);
int extract_robust_number(const char *s, size_t len, const struct item *it, struct extraction *out);

/* MMSI-Bench and SAT (extract_spatial.c). */
int extract_mmsi(const char *s, size_t len, const struct item *it, struct extraction *out);
int extract_mmsi_braces(const char *s, size_t len, const struct item *it, struct extraction *out);
int extract_mmsi_lmms(const char *s, size_t len, const struct item *it, struct extraction *out);
int extract_sat_real(const char *s, size_t len, const struct item *it, struct extraction *out);
int extract_lmms_sat(const char *s, size_t len, const struct item *it, struct extraction *out);

#endif
