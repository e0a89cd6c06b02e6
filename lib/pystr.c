#include "lib/common.h"
#include "lib/pystr.h"
#include "lib/pycase.h"
#include "lib/buf.h"

#include <math.h>

size_t utf8_decode(const char *str, size_t len, size_t i, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str + i;
	size_t avail = len - i, n, k;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] == 0xC0 && avail >= 2 && s[1] == 0x80) {
		*cp = 0xFFFD;   /* a NUL as steval holds it in C strings */
		return 2;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF) {
		n = 2; c = s[0] & 0x1F; min = 0x80;
	} else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
		n = 3; c = s[0] & 0x0F; min = 0x800;
	} else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
		n = 4; c = s[0] & 0x07; min = 0x10000;
	} else {
		goto bad;
	}
	if (avail < n)
		goto bad;
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return n;
bad:
	*cp = 0xFFFD;
	return 1;
}

void utf8_put(struct buf *out, uint32_t c)
{
	char t[4];

	if (c < 0x80) {
		t[0] = (char)c;
		buf_add(out, t, 1);
	} else if (c < 0x800) {
		t[0] = (char)(0xC0 | (c >> 6));
		t[1] = (char)(0x80 | (c & 0x3F));
		buf_add(out, t, 2);
	} else if (c < 0x10000) {
		t[0] = (char)(0xE0 | (c >> 12));
		t[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		t[2] = (char)(0x80 | (c & 0x3F));
		buf_add(out, t, 3);
	} else {
		t[0] = (char)(0xF0 | (c >> 18));
		t[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		t[3] = (char)(0x80 | (c & 0x3F));
		buf_add(out, t, 4);
	}
}

int utf8_valid(const char *s, size_t len)
{
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		size_t n;
		/* ASCII runs eight bytes at a time */
		while (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if (!((unsigned char)s[i] & 0x80)) {
			i++;
			continue;
		}
		n = utf8_decode(s, len, i, &c);
		if (c == 0xFFFD && n != 3)
			return 0;
		i += n;
	}
	return 1;
}

void utf8_sanitize(const char *s, size_t len, struct buf *out)
{
	size_t i = 0, run = 0;
	uint32_t c;

	while (i < len) {
		size_t n = utf8_decode(s, len, i, &c);
		if (c == 0xFFFD && n != 3) {
			buf_add(out, s + run, i - run);
			utf8_put(out, 0xFFFD);
			run = i + n;
		}
		i += n;
	}
	buf_add(out, s + run, len - run);
}

int py_isspace(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
	switch (c) {
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202F: case 0x205F: case 0x3000:
		return 1;
	}
	return c >= 0x2000 && c <= 0x200A;
}

/* First code point ("zero") of each run of ten Unicode decimal digits (Nd). */
static const uint32_t nd_zero[] = {
	0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
	0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040,
	0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0,
	0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
	0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
	0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
	0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
	0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
};

int py_decimal(uint32_t c)
{
	size_t i;

	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c < 0x660)
		return -1;
	for (i = 1; i < ARRAY_SIZE(nd_zero); i++)
		if (c >= nd_zero[i] && c < nd_zero[i] + 10)
			return (int)(c - nd_zero[i]);
	return -1;
}

void py_strip(const char *s, size_t len, size_t *begin, size_t *end)
{
	size_t b = 0, e = len, i;
	uint32_t c;

	while (b < e) {
		size_t n = utf8_decode(s, len, b, &c);
		if (!py_isspace(c))
			break;
		b += n;
	}
	/* Walk forward to find where the trailing white space starts. */
	i = b;
	e = b;
	while (i < len) {
		size_t n = utf8_decode(s, len, i, &c);
		i += n;
		if (!py_isspace(c))
			e = i;
	}
	*begin = b;
	*end = e;
}

/* The code point that ends just before s[i] (i > 0); *start its offset.
 * An invalid sequence counts as one U+FFFD byte. */
static uint32_t decode_back(const char *s, size_t len, size_t i, size_t *start)
{
	size_t j = i - 1;
	uint32_t c;

	while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xC0) == 0x80)
		j--;
	if (utf8_decode(s, len, j, &c) != i - j) {
		*start = i - 1;
		return 0xFFFD;
	}
	*start = j;
	return c;
}

/* CPython's handle_capital_sigma: U+03A3 lowers to the final U+03C2 when a
 * cased letter precedes it and none follows (case-ignorable ones skipped). */
static uint32_t capital_sigma(const char *s, size_t len, size_t i, size_t n)
{
	size_t j = i, start;
	uint32_t c = 0;
	int k = 2;

	while (j > 0 && k == 2) {
		c = decode_back(s, len, j, &start);
		k = pycase_sigma_class(c);
		j = start;
	}
	if (k != 1)
		return 0x3C3;
	for (j = i + n, k = 2; j < len && k == 2;) {
		j += utf8_decode(s, len, j, &c);
		k = pycase_sigma_class(c);
	}
	return k == 1 ? 0x3C3 : 0x3C2;
}

static void map_case(const char *s, size_t len, struct buf *out, int lower)
{
	size_t i = 0;
	uint32_t c;

	while (i < len) {
		size_t n = utf8_decode(s, len, i, &c);
		const struct pycase *m;
		if (c < 0x80) {
			int ch = (unsigned char)s[i];
			if (lower && ch >= 'A' && ch <= 'Z')
				ch += 32;
			else if (!lower && ch >= 'a' && ch <= 'z')
				ch -= 32;
			buf_addch(out, ch);
		} else if (c == 0xFFFD && n == 1) {
			buf_add(out, s + i, 1);   /* keep invalid bytes as they are */
		} else if (lower && c == 0x3A3) {
			utf8_put(out, capital_sigma(s, len, i, n));
		} else if ((m = lower ? pycase_lower(c) : pycase_upper(c)) != NULL) {
			for (int k = 0; k < 3 && m->to[k]; k++)
				utf8_put(out, m->to[k]);
		} else {
			buf_add(out, s + i, n);
		}
		i += n;
	}
}

void py_lower(const char *s, size_t len, struct buf *out)
{
	map_case(s, len, out, 1);
}

void py_upper(const char *s, size_t len, struct buf *out)
{
	map_case(s, len, out, 0);
}

static int ascii_ieq(const char *a, size_t n, const char *lit)
{
	size_t i;

	if (strlen(lit) != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[i])
			return 0;
	}
	return 1;
}

/*
 * float(): map Unicode digits to ASCII and Unicode spaces to ' ' (as
 * _PyUnicode_TransformDecimalAndSpaceToASCII does; any other non-ASCII code
 * point makes the conversion fail), strip, drop underscores that sit between
 * two digits, then accept only the decimal syntax Python accepts.
 */
int py_float(const char *s, size_t len, double *out)
{
	char stack[128];
	char *t = stack, *heap = NULL;
	size_t n = 0, i = 0, b, e, k, p;
	uint32_t c;
	int rc = -1, digits = 0, sign = 0;

	if (len + 1 > sizeof(stack))
		t = heap = malloc(len + 1);
	if (!t)
		return -1;
	while (i < len) {
		size_t w = utf8_decode(s, len, i, &c);
		int d;
		if (c < 0x80)
			t[n++] = (char)c;
		else if (py_isspace(c))
			t[n++] = ' ';
		else if ((d = py_decimal(c)) >= 0)
			t[n++] = (char)('0' + d);
		else
			goto out;
		i += w;
	}
	t[n] = '\0';
	/* Py_ISSPACE: only ' ' and \t..\r (Unicode spaces became ' ' above) */
	for (b = 0; b < n && (t[b] == ' ' || (t[b] >= 0x09 && t[b] <= 0x0D)); b++)
		;
	for (e = n; e > b && (t[e - 1] == ' ' || (t[e - 1] >= 0x09 && t[e - 1] <= 0x0D)); e--)
		;
	/* underscores: only between digits, then removed */
	for (k = b, p = b; k < e; k++) {
		if (t[k] == '_') {
			if (k == b || k + 1 >= e || !(t[k - 1] >= '0' && t[k - 1] <= '9') ||
			    !(t[k + 1] >= '0' && t[k + 1] <= '9'))
				goto out;
			continue;
		}
		t[p++] = t[k];
	}
	e = p;
	t[e] = '\0';
	k = b;
	if (k < e && (t[k] == '+' || t[k] == '-')) {
		sign = t[k] == '-';
		k++;
	}
	if (ascii_ieq(t + k, e - k, "inf") || ascii_ieq(t + k, e - k, "infinity")) {
		*out = sign ? -HUGE_VAL : HUGE_VAL;
		rc = 0;
		goto out;
	}
	if (ascii_ieq(t + k, e - k, "nan")) {
		*out = sign ? -NAN : NAN;
		rc = 0;
		goto out;
	}
	for (p = k; p < e && t[p] >= '0' && t[p] <= '9'; p++)
		digits++;
	if (p < e && t[p] == '.') {
		p++;
		for (; p < e && t[p] >= '0' && t[p] <= '9'; p++)
			digits++;
	}
	if (!digits)
		goto out;
	if (p < e && (t[p] == 'e' || t[p] == 'E')) {
		size_t q = p + 1;
		int ed = 0;
		if (q < e && (t[q] == '+' || t[q] == '-'))
			q++;
		for (; q < e && t[q] >= '0' && t[q] <= '9'; q++)
			ed++;
		if (!ed)
			goto out;
		p = q;
	}
	if (p != e)
		goto out;
	*out = strtod(t + b, NULL);
	rc = 0;
out:
	free(heap);
	return rc;
}

void py_float_repr(double v, struct buf *out)
{
	char tmp[40], digits[24];
	int prec, exp10, nd = 0, decpt, i;
	char *mant, *epos;

	if (isnan(v)) {
		buf_adds(out, "nan");
		return;
	}
	if (isinf(v)) {
		buf_adds(out, v < 0 ? "-inf" : "inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e16) {
		/* an integer below 1e16 (scores: 0.0, 1.0): its digits and ".0",
		 * as repr() spells it, without the search below */
		unsigned long long u = (unsigned long long)fabs(v);
		char t[24];
		int k = 0;
		if (signbit(v))
			buf_addch(out, '-');
		do
			t[k++] = (char)('0' + (int)(u % 10));
		while ((u /= 10));
		while (k)
			buf_addch(out, t[--k]);
		buf_adds(out, ".0");
		return;
	}
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is "[-]d[.ddd]e[+-]XX": collect the digits and the exponent */
	mant = tmp;
	if (*mant == '-') {
		buf_addch(out, '-');
		mant++;
	}
	epos = strchr(mant, 'e');
	for (char *q = mant; q < epos; q++)
		if (*q >= '0' && *q <= '9')
			digits[nd++] = *q;
	exp10 = (int)strtol(epos + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (v == 0)
		exp10 = 0;
	decpt = exp10 + 1;
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			buf_adds(out, "0.");
			for (i = decpt; i < 0; i++)
				buf_addch(out, '0');
			buf_add(out, digits, (size_t)nd);
		} else if (nd <= decpt) {
			buf_add(out, digits, (size_t)nd);
			for (i = nd; i < decpt; i++)
				buf_addch(out, '0');
			buf_adds(out, ".0");
		} else {
			buf_add(out, digits, (size_t)decpt);
			buf_addch(out, '.');
			buf_add(out, digits + decpt, (size_t)(nd - decpt));
		}
	} else {
		buf_addch(out, digits[0]);
		if (nd > 1) {
			buf_addch(out, '.');
			buf_add(out, digits + 1, (size_t)(nd - 1));
		}
		buf_addf(out, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
	}
}

/* Approximation of Python's "printable" test for code points >= 0x80. */
static int py_printable(uint32_t c)
{
	if (c < 0x20 || c == 0x7F)
		return 0;
	if (c < 0x7F)
		return 1;
	if (c <= 0xA0 || c == 0xAD)
		return 0;
	if ((c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
	    (c >= 0x205F && c <= 0x206F) || c == 0x1680 || c == 0x3000 ||
	    c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
	    (c >= 0xD800 && c <= 0xF8FF) || c == 0x180E || c == 0x61C ||
	    (c >= 0xE0000 && c <= 0xE0FFF) || c >= 0xF0000 ||
	    (c & 0xFFFE) == 0xFFFE)
		return 0;
	return 1;
}

void py_str_repr(const char *s, size_t len, struct buf *out)
{
	char quote = '\'';
	size_t i = 0;
	uint32_t c;

	if (memchr(s, '\'', len) && !memchr(s, '"', len))
		quote = '"';
	buf_addch(out, quote);
	while (i < len) {
		size_t n = utf8_decode(s, len, i, &c);
		if (c == (uint32_t)quote || c == '\\') {
			buf_addch(out, '\\');
			buf_addch(out, (int)c);
		} else if (c == '\t') {
			buf_adds(out, "\\t");
		} else if (c == '\n') {
			buf_adds(out, "\\n");
		} else if (c == '\r') {
			buf_adds(out, "\\r");
		} else if (c == 0xFFFD && n != 3) {
			buf_addf(out, "\\udc%02x", (unsigned char)s[i]);  /* surrogateescape */
		} else if (py_printable(c)) {
			buf_add(out, s + i, n);
		} else if (c < 0x100) {
			buf_addf(out, "\\x%02x", c);
		} else if (c < 0x10000) {
			buf_addf(out, "\\u%04x", c);
		} else {
			buf_addf(out, "\\U%08x", c);
		}
		i += n;
	}
	buf_addch(out, quote);
}
