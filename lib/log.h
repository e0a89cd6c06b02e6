/*
 * log.h: diagnostics on stderr.
 *
 * Messages follow one style: "steval: error: 'FILE': line N: what is wrong".
 * Lower case, no final full stop, the subject in single quotes.
 *
 * Modules report problems with error(), which prints and returns -1, so the
 * usual shape is `return error("cannot open '%s': %s", path, strerror(errno));`.
 * Only the CLI layer (harness/cli/main.c, harness/cli/cli.c) exits.
 *
 * Thread-safe: one mutex serialises output. log_capture() sends every message
 * into a buffer instead of stderr (for tests).
 */
#ifndef STEVAL_LOG_H
#define STEVAL_LOG_H

#include "lib/common.h"

struct buf;

enum log_level {
	LOG_QUIET = 0,   /* errors only */
	LOG_WARN = 1,    /* + warnings (default) */
	LOG_NOTE = 2,    /* + notes (-v) */
	LOG_DEBUG = 3,   /* + debugging (-vv) */
};

void log_set_level(int level);
int log_get_level(void);
void log_capture(struct buf *into);   /* NULL: back to stderr */

int error(const char *fmt, ...) PRINTF_LIKE(1, 2);   /* always returns -1 */
void warnf(const char *fmt, ...) PRINTF_LIKE(1, 2);
void notef(const char *fmt, ...) PRINTF_LIKE(1, 2);
void debugf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Append s[0..n) with the control characters a terminal would act on (C0
 * but newline and tab, DEL, C1) written as \xNN. error(), warnf(), notef()
 * and debugf() pass every message through it. */
void log_term_escape(struct buf *out, const char *s, size_t n);

/* printf() to standard output through log_term_escape(), for text meant to
 * be read (titles, descriptions, notes, ids), not data. */
int tprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Progress lines bypass the level filter; they go to stderr only. */
void log_raw(const char *fmt, ...) PRINTF_LIKE(1, 2);

#endif
