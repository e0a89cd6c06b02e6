/*
 * pystr.h: UTF-8 helpers and the Python string semantics official scorers
 * rely on.
 *
 * Official benchmark code is Python: `pred.split(' ')[0].rstrip('.').strip()`,
 * `float(pred)`, `str(value)`, `s.lower()`. To reproduce its numbers exactly,
 * steval applies the same rules, byte for byte:
 *
 *   py_isspace      str.isspace() for one code point (the full Unicode set)
 *   py_strip        str.strip() with no argument
 *   py_lower        str.lower(), every code point, with the full mappings
 *   py_upper        str.upper()  (U+0130 -> "i\u0307", U+00DF -> "SS"); tables
 *                   generated from CPython 3.11 (Unicode 14) in pycase.c
 *   py_float        float(str): sign, digits, '.', exponent, underscores
 *                   between digits, inf/infinity/nan, Unicode decimal digits
 *                   and Unicode white space around the number
 *   py_float_repr   repr(float) / str(float): shortest round-trip digits,
 *                   ".0" on integral values, exponent below 1e-4 and from 1e16
 *   py_str_repr     repr(str), as used when Python prints a list or dict
 *
 * Every function borrows its input and appends to a caller-owned buffer.
 * Invalid UTF-8 never fails: an invalid byte counts as one code point
 * U+FFFD that is neither space nor digit.
 */
#ifndef STEVAL_PYSTR_H
#define STEVAL_PYSTR_H

#include "lib/common.h"

struct buf;

/* Decode the code point at s[i] (i < len); returns its byte length (>= 1).
 * An invalid byte is one U+FFFD of length 1. The two bytes C0 80 are a NUL
 * (U+0000) as steval holds it inside C strings (the JSON reader turns
 * "\u0000" into them, the writer turns them back): one U+FFFD of length 2,
 * so NUL is U+FFFD for every extractor and never ends a string. */
size_t utf8_decode(const char *s, size_t len, size_t i, uint32_t *cp);
void utf8_put(struct buf *out, uint32_t cp);
int utf8_valid(const char *s, size_t len);
/* Copy s to out, replacing each invalid byte with U+FFFD. */
void utf8_sanitize(const char *s, size_t len, struct buf *out);

int py_isspace(uint32_t cp);
int py_decimal(uint32_t cp);          /* digit value 0-9 of a Nd code point, or -1 */
void py_strip(const char *s, size_t len, size_t *begin, size_t *end);
void py_lower(const char *s, size_t len, struct buf *out);
void py_upper(const char *s, size_t len, struct buf *out);
int py_float(const char *s, size_t len, double *out);   /* 0, or -1 for ValueError */
void py_float_repr(double v, struct buf *out);
void py_str_repr(const char *s, size_t len, struct buf *out);

#endif
