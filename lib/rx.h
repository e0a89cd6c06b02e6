/*
 * rx.h: PCRE2 regular expressions with Python `re` semantics where it
 * matters for official scorers.
 *
 * Every pattern is compiled with PCRE2_UTF | PCRE2_UCP (so \b, \w, \s, \d
 * are Unicode-aware like Python 3 str patterns) and PCRE2_MATCH_INVALID_UTF
 * (invalid UTF-8 in model output never makes a match fail), newline LF only
 * (Python's `$` and `.` know only "\n"), and JIT-compiled when available.
 * A match that runs out of JIT stack (very long, highly ambiguous text) is
 * run again by the interpreter, whose backtracking lives on the heap.
 * A compiled struct rx is read-only and may be shared between threads;
 * rx_search allocates its match data per call (cheap) so it is thread-safe.
 *
 * Flags mirror Python's: RX_I (IGNORECASE), RX_M (MULTILINE), RX_S (DOTALL);
 * RX_A anchors the pattern at the search's start offset (Python's
 * pattern.match(s, pos)), which the JIT compiles as it does the others.
 */
#ifndef STEVAL_RX_H
#define STEVAL_RX_H

#include "lib/common.h"

enum {
	RX_I = 1,
	RX_M = 2,
	RX_S = 4,
	RX_A = 8,
};

struct rx;

/* Returns NULL after error() naming `where` and the offset on a bad pattern. */
struct rx *rx_compile(const char *pattern, int flags, const char *where);
void rx_free(struct rx *r);

struct rx_match {
	size_t start, end;        /* whole match */
	size_t gstart[10], gend[10];   /* groups 1..9 (index 0 unused); SIZE_MAX if unset */
	int ngroups;              /* capture groups in the pattern */
};

/* Search s[0..len) from byte offset `from`. Returns 1 on a match (filling m),
 * 0 on no match, -1 on a matching error (reported with error()). */
int rx_search(const struct rx *r, const char *s, size_t len, size_t from, struct rx_match *m);

#endif
