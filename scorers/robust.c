/*
 * robust.c: steval's own extractors, robust-letter and robust-number.
 *
 * They never stand in for an official extractor: a protocol uses them under
 * their own name (usually as a "robust" variant). Their rules, in order, are
 * in docs/scoring.md; tests/golden/extract/robust-*.jsonl holds the cases.
 * Both are deterministic, read only the text after the last </think>, and
 * bound the work done per candidate so any input runs in linear time.
 */
#include "lib/common.h"
#include "scorers/extract.h"
#include "scorers/xpy.h"
#include "suites/suite.h"
#include "lib/buf.h"
#include "lib/pystr.h"
#include "lib/xalloc.h"

#include <math.h>

#define SPAN_MAX 256      /* bytes of a declaration's line looked at */
#define REL_TOL 1e-3      /* numeric option match */

/* ---- characters ------------------------------------------------------------ */

static uint32_t cp_at(const char *s, size_t len, size_t i, size_t *w)
{
	uint32_t c;
	size_t n = utf8_decode(s, len, i, &c);

	if (w)
		*w = n;
	return c;
}

/* The code point that ends just before s[i] (0 at the start). */
static uint32_t cp_before(const char *s, size_t i, size_t *at)
{
	size_t j = i;
	uint32_t c;

	if (i == 0) {
		if (at)
			*at = 0;
		return 0;
	}
	j--;
	while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80 && i - j < 4)
		j--;
	if (utf8_decode(s, i, j, &c) != i - j) {
		j = i - 1;
		c = 0xFFFD;
	}
	if (at)
		*at = j;
	return c;
}

static int is_alpha_ascii(uint32_t c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z';
}

/* Letters and digits of the scripts answers are written in; other code
 * points (punctuation, symbols, CJK punctuation) separate words. */
static int is_wordcp(uint32_t c)
{
	if (c < 0x80)
		return is_alpha_ascii(c) || (c >= '0' && c <= '9') || c == '_';
	if (py_decimal(c) >= 0)
		return 1;
	return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) ||
	       (c >= 0x370 && c <= 0x52F) || (c >= 0x3040 && c <= 0x30FF) ||
	       (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF);
}

static int is_deco(uint32_t c)
{
	switch (c) {
	case '*': case '_': case '\'': case '"': case '`': case '$':
	case 0x201C: case 0x201D: case 0x2018: case 0x2019:
		return 1;
	}
	return 0;
}

static int is_blank(uint32_t c)
{
	return c == ' ' || c == '\t' || c == 0xA0 || c == 0x202F || c == 0x3000 ||
	       (c >= 0x2000 && c <= 0x200A);
}

/* ASCII case-insensitive prefix test at s[i]. */
static int has_ci(const char *s, size_t len, size_t i, const char *lit)
{
	size_t k;

	for (k = 0; lit[k]; k++) {
		char c;
		if (i + k >= len)
			return 0;
		c = s[i + k];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != lit[k])
			return 0;
	}
	return 1;
}

/* lit at s[i] as a whole word: the next code point is not a word one. */
static size_t word_ci(const char *s, size_t len, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	if (!has_ci(s, len, i, lit))
		return 0;
	if (i + n < len && is_wordcp(cp_at(s, len, i + n, NULL)))
		return 0;
	return n;
}

/* ---- numbers ------------------------------------------------------------------ */

struct num {
	double v;
	size_t start, end;    /* the number with its sign and unit */
	const char *unit;     /* canonical unit, "" without one */
	int word;             /* a number word ("three") */
};

struct nums {
	struct num *v;
	size_t n, alloc;
};

static const struct unit_alias {
	const char *alias;
	const char *unit;
} unit_aliases[] = {
	{ "meters per second squared", "m/s2" }, { "metres per second squared", "m/s2" },
	{ "meter per second squared", "m/s2" }, { "m/s²", "m/s2" }, { "m/s^2", "m/s2" },
	{ "m/s2", "m/s2" }, { "m·s⁻²", "m/s2" }, { "m s^-2", "m/s2" },
	{ "meters per second", "m/s" }, { "metres per second", "m/s" },
	{ "meter per second", "m/s" }, { "m/s", "m/s" }, { "m·s⁻¹", "m/s" }, { "m s^-1", "m/s" },
	{ "kilometers per hour", "km/h" }, { "kilometres per hour", "km/h" },
	{ "km/h", "km/h" }, { "kph", "km/h" },
	{ "square meters", "m2" }, { "square metres", "m2" }, { "square meter", "m2" },
	{ "square metre", "m2" }, { "sq m", "m2" }, { "sqm", "m2" }, { "m²", "m2" },
	{ "m^2", "m2" }, { "m2", "m2" },
	{ "cubic meters", "m3" }, { "cubic metres", "m3" }, { "m³", "m3" }, { "m^3", "m3" },
	{ "centimeters", "cm" }, { "centimetres", "cm" }, { "centimeter", "cm" },
	{ "centimetre", "cm" }, { "cm", "cm" },
	{ "millimeters", "mm" }, { "millimetres", "mm" }, { "millimeter", "mm" },
	{ "millimetre", "mm" }, { "mm", "mm" },
	{ "kilometers", "km" }, { "kilometres", "km" }, { "kilometer", "km" },
	{ "kilometre", "km" }, { "km", "km" },
	{ "meters", "m" }, { "metres", "m" }, { "meter", "m" }, { "metre", "m" }, { "m", "m" },
	{ "degrees", "deg" }, { "degree", "deg" }, { "deg", "deg" }, { "°", "deg" }, { "º", "deg" },
	{ "radians", "rad" }, { "radian", "rad" }, { "rad", "rad" },
	{ "seconds", "s" }, { "second", "s" }, { "secs", "s" }, { "sec", "s" }, { "s", "s" },
	{ "milliseconds", "ms" }, { "ms", "ms" },
	{ "minutes", "min" }, { "minute", "min" }, { "min", "min" },
	{ "feet", "ft" }, { "foot", "ft" }, { "ft", "ft" },
	{ "inches", "inch" }, { "inch", "inch" },
	{ "percent", "%" }, { "%", "%" },
};

/* The longest unit spelled at s[i] (blanks before it allowed); sets *end. */
static const char *unit_at(const char *s, size_t len, size_t i, size_t *end)
{
	const char *best = NULL;
	size_t j = i, w, bestn = 0, k;

	while (j < len && is_blank(cp_at(s, len, j, &w)))
		j += w;
	for (k = 0; k < ARRAY_SIZE(unit_aliases); k++) {
		const char *a = unit_aliases[k].alias;
		size_t n = strlen(a);
		if (n <= bestn || !has_ci(s, len, j, a))
			continue;
		/* a unit ending in a letter must end the word ("3 many" is not 3 m) */
		if (is_alpha_ascii((unsigned char)a[n - 1]) && j + n < len &&
		    is_wordcp(cp_at(s, len, j + n, NULL)))
			continue;
		best = unit_aliases[k].unit;
		bestn = n;
	}
	if (best)
		*end = j + bestn;
	return best;
}

static const char *const small_words[] = {
	"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
	"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
	"seventeen", "eighteen", "nineteen",
};
static const char *const tens_words[] = {
	"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
};

/* A number word at s[i] ("three", "twenty-one", "twenty one"). */
static int word_number_at(const char *s, size_t len, size_t i, struct num *n)
{
	size_t k, m, j;

	for (k = 0; k < ARRAY_SIZE(tens_words); k++) {
		if (!(m = word_ci(s, len, i, tens_words[k])))
			continue;
		n->v = 20.0 + 10.0 * (double)k;
		n->end = i + m;
		j = i + m;
		if (j < len && (s[j] == '-' || s[j] == ' ')) {
			size_t u;
			for (u = 1; u <= 9; u++)
				if ((m = word_ci(s, len, j + 1, small_words[u]))) {
					n->v += (double)u;
					n->end = j + 1 + m;
					break;
				}
		}
		return 1;
	}
	for (k = 0; k < ARRAY_SIZE(small_words); k++)
		if ((m = word_ci(s, len, i, small_words[k]))) {
			n->v = (double)k;
			n->end = i + m;
			return 1;
		}
	return 0;
}

/* Digits (any Unicode decimal digit) at s[*j] appended to t as ASCII. */
static size_t take_digits(const char *s, size_t len, size_t *j, struct buf *t)
{
	size_t nd = 0, w;
	int d;

	while (*j < len && (d = py_decimal(cp_at(s, len, *j, &w))) >= 0) {
		buf_addch(t, '0' + d);
		*j += w;
		nd++;
	}
	return nd;
}

static int digit_at(const char *s, size_t len, size_t j)
{
	return j < len && py_decimal(cp_at(s, len, j, NULL)) >= 0;
}

/* The digits number starting at s[i] (a digit, or '.' before a digit). */
static int digit_number_at(const char *s, size_t len, size_t i, struct num *n, int *plain)
{
	struct buf t = BUF_INIT;
	size_t j = i, w, nd, at;
	uint32_t p;
	int ok;

	*plain = 1;
	n->start = i;
	p = cp_before(s, i, &at);
	if (p == '-' || p == '+' || p == 0x2212) {
		uint32_t pp = cp_before(s, at, NULL);
		if (!is_wordcp(pp) && pp != '.') {
			if (p != '+')
				buf_addch(&t, '-');
			n->start = at;
			*plain = 0;
		}
	}
	nd = take_digits(s, len, &j, &t);
	/* thousands separators: 1,234,567 (groups of exactly three) */
	if (nd >= 1 && nd <= 3) {
		while (j + 3 < len + 0 && s[j] == ',') {
			size_t q = j + 1, g;
			struct buf tmp = BUF_INIT;
			g = take_digits(s, len, &q, &tmp);
			if (g != 3 || digit_at(s, len, q)) {
				buf_release(&tmp);
				break;
			}
			buf_addbuf(&t, &tmp);
			buf_release(&tmp);
			j = q;
		}
	}
	/* underscores between digits, as Python allows */
	while (j + 1 < len && s[j] == '_' && nd && digit_at(s, len, j + 1)) {
		j++;
		take_digits(s, len, &j, &t);
	}
	if (j + 1 < len && s[j] == '.' && digit_at(s, len, j + 1)) {
		buf_addch(&t, '.');
		j++;
		nd += take_digits(s, len, &j, &t);
	}
	if (j + 1 < len && (s[j] == 'e' || s[j] == 'E')) {
		size_t q = j + 1;
		if (q + 1 < len && (s[q] == '+' || s[q] == '-'))
			q++;
		if (digit_at(s, len, q)) {
			buf_addch(&t, 'e');
			if (s[j + 1] == '-')
				buf_addch(&t, '-');
			j = q;
			take_digits(s, len, &j, &t);
			*plain = 0;
		}
	}
	/* an overflow ("1e999") is not a number steval can report */
	ok = py_float(buf_cstr(&t), t.len, &n->v) == 0 && isfinite(n->v);
	buf_release(&t);
	(void)w;
	n->end = j;
	n->word = 0;
	return ok;
}

static void nums_push(struct nums *ns, const struct num *n)
{
	ALLOC_GROW(ns->v, ns->n + 1, ns->alloc);
	ns->v[ns->n++] = *n;
}

/* One number at s[i] with its unit, or a range "a-b", "a to b", "between a
 * and b" (its midpoint). Returns 1 and fills n. */
static int number_at(const char *s, size_t len, size_t i, int words, struct num *n)
{
	int plain = 0;
	size_t e;

	memset(n, 0, sizeof(*n));
	n->unit = "";
	if (digit_at(s, len, i) || (s[i] == '.' && digit_at(s, len, i + 1))) {
		if (!digit_number_at(s, len, i, n, &plain))
			return 0;
	} else if (words) {
		n->start = i;
		if (!word_number_at(s, len, i, n))
			return 0;
		n->word = 1;
		plain = 1;
	} else {
		return 0;
	}
	if ((n->unit = unit_at(s, len, n->end, &e)) != NULL)
		n->end = e;
	else
		n->unit = "";
	/* a range: the midpoint */
	if (plain && !n->word) {
		size_t j = n->end, w;
		int sep = 0;
		while (j < len && is_blank(cp_at(s, len, j, &w)))
			j += w;
		if (j < len && (s[j] == '-')) {
			j++, sep = 1;
		} else if (has_ci(s, len, j, "\xe2\x80\x93") || has_ci(s, len, j, "\xe2\x80\x94")) {
			j += 3, sep = 1;
		} else if (word_ci(s, len, j, "to")) {
			j += 2, sep = 1;
		} else if (word_ci(s, len, j, "and")) {
			size_t b0 = n->start >= 8 ? n->start - 8 : 0;
			if (n->start >= 8 && has_ci(s, len, b0, "between "))
				j += 3, sep = 1;
		}
		if (sep) {
			struct num m;
			int p2;
			while (j < len && is_blank(cp_at(s, len, j, &w)))
				j += w;
			if (digit_at(s, len, j) && digit_number_at(s, len, j, &m, &p2) && p2) {
				const char *u;
				m.unit = "";
				if ((u = unit_at(s, len, m.end, &e)) != NULL)
					m.unit = u, m.end = e;
				if (!*n->unit || !*m.unit || !strcmp(n->unit, m.unit)) {
					n->v = n->v / 2 + m.v / 2;   /* no overflow */
					n->end = m.end;
					if (*m.unit)
						n->unit = m.unit;
				}
			}
		}
	}
	return 1;
}

/* Every number in s[0..len), in order (number words only when words). */
static void scan_numbers(const char *s, size_t len, int words, struct nums *ns)
{
	size_t i = 0, w;
	uint32_t prev = 0, c;

	while (i < len) {
		c = cp_at(s, len, i, &w);
		if ((py_decimal(c) >= 0 || (c == '.' && digit_at(s, len, i + 1))) &&
		    !(is_wordcp(prev) || (c == '.' && prev == '.'))) {
			struct num n;
			if (number_at(s, len, i, 0, &n) && n.end > i) {
				nums_push(ns, &n);
				prev = cp_before(s, n.end, NULL);
				i = n.end;
				continue;
			}
		} else if (words && is_alpha_ascii(c) && !is_wordcp(prev)) {
			struct num n;
			if (number_at(s, len, i, 1, &n)) {
				nums_push(ns, &n);
				prev = cp_before(s, n.end, NULL);
				i = n.end;
				continue;
			}
		}
		prev = c;
		i += w;
	}
}

/* The number a span states: digits first, number words when there are none. */
static int pick_number(const char *s, size_t len, int last, struct num *out)
{
	struct nums ns = { NULL, 0, 0 };
	int words, ok = 0;

	for (words = 0; words < 2 && !ok; words++) {
		ns.n = 0;
		scan_numbers(s, len, words, &ns);
		if (words) {   /* only the word numbers */
			size_t k, o = 0;
			for (k = 0; k < ns.n; k++)
				if (ns.v[k].word)
					ns.v[o++] = ns.v[k];
			ns.n = o;
		}
		if (ns.n) {
			*out = ns.v[last ? ns.n - 1 : 0];
			ok = 1;
		}
	}
	free(ns.v);
	return ok;
}

static void format_number(double v, struct buf *out)
{
	if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
		buf_addf(out, "%.0f", v);
	else
		py_float_repr(v, out);
}

static int units_compatible(const char *a, const char *b)
{
	return !*a || !*b || !strcmp(a, b);
}

static int close_enough(double a, double b)
{
	return fabs(a - b) <= REL_TOL * fabs(b);
}

/* ---- text normalisation and options -------------------------------------------- */

/* Lower case, white space runs as one ' ', decorations and trailing
 * punctuation removed from both ends. */
static void norm_text(const char *s, size_t len, struct buf *out)
{
	struct buf low = BUF_INIT;
	size_t i = 0, w, b, e;
	int space = 0;

	py_lower(s, len, &low);
	buf_reset(out);
	while (i < low.len) {
		uint32_t c = cp_at(low.data, low.len, i, &w);
		if (py_isspace(c)) {
			space = out->len > 0;
		} else {
			if (space)
				buf_addch(out, ' ');
			space = 0;
			buf_add(out, low.data + i, w);
		}
		i += w;
	}
	buf_release(&low);
	b = 0;
	e = out->len;
	for (;;) {
		size_t at;
		uint32_t c;
		if (b < e && (is_deco(cp_at(out->data, e, b, &w)) || out->data[b] == ' ')) {
			b += w;
			continue;
		}
		if (e > b) {
			c = cp_before(out->data, e, &at);
			if (is_deco(c) || c == ' ' || c == '.' || c == ',' || c == ';' || c == ':' ||
			    c == '!' || c == '?' || c == 0x3002) {
				e = at;
				continue;
			}
		}
		break;
	}
	if (b || e < out->len) {
		memmove(out->data, out->data + b, e - b);
		buf_truncate(out, e - b);
	}
}

struct optinfo {
	char letter;
	const char *text;    /* the option's text (the item's) */
	int ready;           /* norm, numeric and num are made: oi_full() */
	struct buf norm;
	int numeric;
	struct num num;
};

/* A span that is one number, with its unit, and nothing else (approximation
 * words before it are allowed). */
static int whole_number(const char *s, size_t len, struct num *n, int words)
{
	static const char *const approx[] = { "approximately", "approx.", "approx", "about",
					      "around", "roughly", "nearly", "~", "≈" };
	size_t i = 0, w, k, m;
	int again = 1;

	while (again) {
		again = 0;
		while (i < len && (py_isspace(cp_at(s, len, i, &w)) || is_deco(cp_at(s, len, i, &w))))
			i += w;
		for (k = 0; k < ARRAY_SIZE(approx); k++) {
			m = strlen(approx[k]);
			if (has_ci(s, len, i, approx[k]) && (!is_alpha_ascii((unsigned char)approx[k][m - 1]) ||
							     word_ci(s, len, i, approx[k]))) {
				i += m;
				again = 1;
				break;
			}
		}
	}
	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	else if (has_ci(s, len, i, "\xe2\x88\x92"))
		i += 3;
	if (i >= len || !number_at(s, len, i, words, n))
		return 0;
	i = n->end;
	while (i < len) {
		uint32_t c = cp_at(s, len, i, &w);
		if (!(py_isspace(c) || is_deco(c) || c == '.' || c == ',' || c == ';' || c == '!' ||
		      c == 0x3002))
			return 0;
		i += w;
	}
	return 1;
}

static size_t opts_prepare(const struct item *it, struct optinfo **out)
{
	struct optinfo *oi;
	size_t i, n = it ? it->nopt : 0;

	*out = NULL;
	if (!n)
		return 0;
	oi = xcalloc(n, sizeof(*oi));
	for (i = 0; i < n; i++) {
		oi[i].letter = it->opts[i].letter[0];
		oi[i].text = it->opts[i].text ? it->opts[i].text : "";
		buf_init(&oi[i].norm, BUF_MAX_DEFAULT);
	}
	*out = oi;
	return n;
}

/* Option i with its normalised text and number, made the first time they
 * are needed: most answers name a letter and never compare option texts.
 * (The array is opts_prepare()'s, never const itself: filling it in behind a
 * const pointer changes nothing a reader could see.) */
static const struct optinfo *oi_full(const struct optinfo *oi, size_t i)
{
	struct optinfo *o = (struct optinfo *)&oi[i];

	if (!o->ready) {
		norm_text(o->text, strlen(o->text), &o->norm);
		o->numeric = whole_number(o->text, strlen(o->text), &o->num, 0);
		o->ready = 1;
	}
	return o;
}

static void opts_release(struct optinfo *oi, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		buf_release(&oi[i].norm);
	free(oi);
}

/* The option a short span names by its text or value (first in option order). */
static char match_option(const char *s, size_t len, const struct optinfo *oi, size_t n)
{
	struct buf nt = BUF_INIT;
	struct num v;
	size_t i;
	char r = 0;

	if (!n || !len)
		return 0;
	if (whole_number(s, len, &v, 1))
		for (i = 0; i < n && !r; i++) {
			const struct optinfo *o = oi_full(oi, i);
			if (o->numeric && units_compatible(v.unit, o->num.unit) && close_enough(v.v, o->num.v))
				r = o->letter;
		}
	if (!r) {
		norm_text(s, len, &nt);
		for (i = 0; i < n && !r && nt.len; i++) {
			const struct optinfo *o = oi_full(oi, i);
			if (o->norm.len == nt.len && !memcmp(o->norm.data, nt.data, nt.len))
				r = o->letter;
		}
	}
	buf_release(&nt);
	return r;
}


static const char *find_bytes(const char *h, size_t hn, const char *n, size_t nn)
{
	size_t i;

	for (i = 0; nn && i + nn <= hn; i++)
		if (h[i] == n[0] && !memcmp(h + i, n, nn))
			return h + i;
	return NULL;
}

/* ---- canonical words: the mention, conflict and hedge rules ----------------------- */

/*
 * Canonical text: lower case; words (letters, digits, apostrophes inside a
 * word, a decimal point between digits) separated by one space; " | "
 * between clauses (. ; ! ? and line ends); hyphens, commas, quotes and
 * other punctuation dropped; a few spellings folded ("forwards" ->
 * "forward", "twice" -> "2", "counter-clockwise" -> "counterclockwise",
 * "isn't" -> "is not"). The text starts and ends with a space, so " w "
 * finds a whole word.
 */
static const struct canon_word {
	const char *from, *to;
} canon_words[] = {
	{ "forwards", "forward" }, { "backwards", "backward" }, { "towards", "toward" },
	{ "leftward", "left" }, { "leftwards", "left" }, { "rightward", "right" },
	{ "rightwards", "right" }, { "upward", "up" }, { "upwards", "up" },
	{ "downward", "down" }, { "downwards", "down" }, { "anticlockwise", "counterclockwise" },
	{ "farther", "further" }, { "once", "1" }, { "twice", "2" }, { "thrice", "3" },
	{ "zero", "0" }, { "one", "1" }, { "two", "2" }, { "three", "3" }, { "four", "4" },
	{ "five", "5" }, { "six", "6" }, { "seven", "7" }, { "eight", "8" }, { "nine", "9" },
	{ "ten", "10" }, { "cannot", "can not" }, { "can't", "can not" }, { "won't", "will not" },
	{ "stationary", "still" }, { "motionless", "still" },
};

static void canon_push(struct buf *out, const char *w, size_t n)
{
	size_t k;

	for (k = 0; k < ARRAY_SIZE(canon_words); k++)
		if (strlen(canon_words[k].from) == n && !memcmp(canon_words[k].from, w, n)) {
			w = canon_words[k].to;
			n = strlen(w);
			break;
		}
	/* "counter clockwise", "anti clockwise" (the hyphen was dropped) */
	if (n == 9 && !memcmp(w, "clockwise", 9) && out->len >= 8) {
		const char *e = out->data + out->len;
		if (out->len >= 9 && !memcmp(e - 9, " counter ", 9)) {
			buf_truncate(out, out->len - 8);
			buf_adds(out, "counterclockwise ");
			return;
		}
		if (!memcmp(e - 6, " anti ", 6)) {
			buf_truncate(out, out->len - 5);
			buf_adds(out, "counterclockwise ");
			return;
		}
	}
	/* "isn't" -> "is not" */
	if (n > 3 && !memcmp(w + n - 3, "n't", 3)) {
		buf_add(out, w, n - 3);
		buf_adds(out, " not ");
		return;
	}
	/* "robot's" -> "robot" */
	if (n > 2 && !memcmp(w + n - 2, "'s", 2))
		n -= 2;
	buf_add(out, w, n);
	buf_addch(out, ' ');
}

/* Phrases folded after the words (longest first): the ways answers say a
 * thing comes closer, goes away or stays where it is. */
static const struct canon_word canon_phrases[] = {
	{ " coming closer toward the camera ", " towardcam " },
	{ " coming closer to the camera ", " towardcam " },
	{ " getting closer to the camera ", " towardcam " },
	{ " moving closer to the camera ", " towardcam " },
	{ " closer toward the camera ", " towardcam " },
	{ " closer to the camera ", " towardcam " },
	{ " toward the camera ", " towardcam " },
	{ " coming closer ", " towardcam " }, { " getting closer ", " towardcam " },
	{ " going further away from the camera ", " awaycam " },
	{ " moving further away from the camera ", " awaycam " },
	{ " further away from the camera ", " awaycam " },
	{ " further away from camera ", " awaycam " },
	{ " away from the camera ", " awaycam " }, { " away from camera ", " awaycam " },
	{ " going further away ", " awaycam " }, { " moving further away ", " awaycam " },
	{ " getting further away ", " awaycam " }, { " further away ", " awaycam " },
	{ " almost stayed in place ", " notmoving " }, { " staying in place ", " notmoving " },
	{ " standing in place ", " notmoving " }, { " stays in place ", " notmoving " },
	{ " stayed in place ", " notmoving " }, { " stay in place ", " notmoving " },
	{ " remains in place ", " notmoving " }, { " standing still ", " notmoving " },
	{ " remains still ", " notmoving " }, { " stays still ", " notmoving " },
	{ " remain still ", " notmoving " }, { " not moving ", " notmoving " },
	{ " no rotation ", " not rotating " },
};

static void canon_fold(struct buf *out)
{
	struct buf t = BUF_INIT;
	size_t k, i;

	for (k = 0; k < ARRAY_SIZE(canon_phrases); k++) {
		const char *f = canon_phrases[k].from, *to = canon_phrases[k].to;
		size_t fn = strlen(f);
		if (!find_bytes(out->data, out->len, f, fn))
			continue;
		buf_reset(&t);
		for (i = 0; i < out->len;) {
			if (i + fn <= out->len && !memcmp(out->data + i, f, fn)) {
				buf_adds(&t, to);
				i += fn - 1;   /* the closing space starts the next word */
				buf_truncate(&t, t.len - 1);
			} else {
				buf_addch(&t, out->data[i++]);
			}
		}
		buf_reset(out);
		buf_addbuf(out, &t);
	}
	buf_release(&t);
}

static void canon_text(const char *s, size_t len, struct buf *out)
{
	struct buf low = BUF_INIT;
	size_t i = 0, w = 1, ws = SIZE_MAX;

	py_lower(s, len, &low);
	buf_reset(out);
	buf_addch(out, ' ');
	while (i <= low.len) {
		uint32_t c = i < low.len ? cp_at(low.data, low.len, i, &w) : 0;
		int word = i < low.len && (is_wordcp(c) ||
			   ((c == '\'' || c == 0x2019) && ws != SIZE_MAX && i + w < low.len &&
			    is_alpha_ascii((unsigned char)low.data[i + w])) ||
			   (c == '.' && ws != SIZE_MAX && i > 0 && digit_at(low.data, low.len, i - 1) &&
			    digit_at(low.data, low.len, i + 1)));
		if (i == low.len)
			w = 1;
		if (word) {
			if (ws == SIZE_MAX)
				ws = i;
		} else {
			if (ws != SIZE_MAX) {
				canon_push(out, low.data + ws, i - ws);
				ws = SIZE_MAX;
			}
			if (c == '.' || c == ';' || c == '!' || c == '?' || c == '\n' || c == 0x3002) {
				if (out->len < 3 || memcmp(out->data + out->len - 3, " | ", 3))
					buf_adds(out, "| ");
			}
		}
		i += w;
	}
	buf_release(&low);
	canon_fold(out);
}

/* Words that negate or doubt what follows them in the same clause. */
static int is_negator(const char *w, size_t n)
{
	static const char *const neg[] = { "not", "no", "nor", "neither", "never", "without",
					   "than", "instead", "whether", "if", "either", "rather",
					   "unless", "notmoving" };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(neg); k++)
		if (strlen(neg[k]) == n && !memcmp(neg[k], w, n))
			return 1;
	return 0;
}

/* Is the word ending just before t[p] (p at a word start) within `back`
 * words of a negator, in the same clause? */
static int negated_at(const char *t, size_t p, int back)
{
	size_t e = p, b;
	int k;

	for (k = 0; k < back; k++) {
		/* t[e-1] is the space before the word at e */
		if (e < 2)
			return 0;
		e--;
		b = e;
		while (b > 0 && t[b - 1] != ' ')
			b--;
		if (e - b == 1 && t[b] == '|')
			return 0;
		if (is_negator(t + b, e - b))
			return 1;
		e = b;
	}
	return 0;
}

static int word_is(const char *t, size_t tn, size_t p, const char *w)
{
	size_t n = strlen(w);

	return p + n < tn && !memcmp(t + p, w, n) && t[p + n] == ' ';
}

/* After an option like "not moving": is the next word a direction (so the
 * words deny a direction, "not moving toward the camera")? */
static int direction_follows(const char *t, size_t tn, size_t p)
{
	static const char *const dir[] = { "to", "toward", "forward", "backward", "left", "right",
					   "away", "closer", "up", "down", "clockwise",
					   "counterclockwise", "from", "into", "onto", "towardcam",
					   "awaycam" };
	size_t k;

	/* "not moving in any direction", "not moving toward any direction" */
	if (word_is(t, tn, p, "in") || word_is(t, tn, p, "any"))
		return 0;
	if (word_is(t, tn, p, "toward") && word_is(t, tn, p + 7, "any"))
		return 0;
	for (k = 0; k < ARRAY_SIZE(dir); k++)
		if (word_is(t, tn, p, dir[k]))
			return 1;
	return 0;
}

struct canon_opt {
	struct buf cn;     /* canonical text, " w1 w2 " */
	char obj[48];      /* "there are no buses in the video": the stem "bus" */
};

/* The object of an option that says the thing is absent ("there are no
 * buses in the video", "no car there"): its last word, singular. */
static void absent_object(const char *cn, size_t n, char *obj, size_t objn)
{
	const char *p = cn, *e = cn + n, *last = NULL, *lend = NULL;
	size_t k;
	static const char *const tail[] = { "in", "the", "video", "there", "scene", "clip",
					    "visible", "present", "image", "images", "frames" };

	obj[0] = 0;
	if (n > 11 && !memcmp(p, " there are ", 11))
		p += 10;
	else if (n > 10 && !memcmp(p, " there is ", 10))
		p += 9;
	if (e - p < 5 || memcmp(p, " no ", 4))
		return;
	p += 4;
	while (p < e) {
		const char *q = memchr(p, ' ', (size_t)(e - p));
		size_t wl;
		if (!q)
			break;
		wl = (size_t)(q - p);
		for (k = 0; k < ARRAY_SIZE(tail); k++)
			if (strlen(tail[k]) == wl && !memcmp(tail[k], p, wl))
				break;
		if (k < ARRAY_SIZE(tail))
			break;
		last = p;
		lend = q;
		p = q + 1;
	}
	if (!last)
		return;
	k = (size_t)(lend - last);
	if (k > 4 && !memcmp(lend - 3, "ses", 3))
		k -= 2;
	else if (k > 3 && lend[-1] == 's' && lend[-2] != 's')
		k -= 1;
	if (k + 1 > objn)
		return;
	memcpy(obj, last, k);
	obj[k] = 0;
}

/* Does the clause t[b..e) say the object is not there? */
static int says_absent(const char *t, size_t b, size_t e, const char *obj)
{
	static const char *const cue[] = { " no ", " not visible ", " not present ", " absent ",
					   " invisible ", " not in the ", " not appear", " not see",
					   " not seen ", " not shown ", " not exist", " nowhere " };
	size_t on = strlen(obj), p, k;
	int has_obj = 0, has_cue = 0;

	if (!on)
		return 0;
	for (p = b; p + on + 1 < e && !has_obj; p++)
		if (t[p] == ' ' && !memcmp(t + p + 1, obj, on)) {
			const char *r = t + p + 1 + on;
			has_obj = *r == ' ' || (r[0] == 's' && r[1] == ' ') ||
				  (r[0] == 'e' && r[1] == 's' && r[2] == ' ');
		}
	for (k = 0; k < ARRAY_SIZE(cue) && has_obj && !has_cue; k++) {
		size_t cn = strlen(cue[k]);
		for (p = b; p + cn <= e && !has_cue; p++)
			has_cue = !memcmp(t + p, cue[k], cn);
	}
	return has_obj && has_cue;
}

/*
 * The options that t[b..e) (canonical text) states, as a bit set over
 * option indices: an option's words appear in it as whole words, longer
 * options first (so "counterclockwise" is not also "clockwise" and "from
 * left to right" is not "left"), not after a negator in the same clause
 * ("not left", "whether left or right"), and not a "not moving" followed by
 * a direction; an option saying the object is absent is stated by a clause
 * with that object and "no", "not visible", ... Options with the same text
 * count once (the first). mask: scratch of at least e bytes.
 */
static unsigned mentions(const char *t, size_t b, size_t e, const struct canon_opt *co,
			 const struct optinfo *oi, size_t n, unsigned char *mask)
{
	size_t order[16], i, j, k, no = n < 16 ? n : 16;
	unsigned set = 0;

	memset(mask + b, 0, e - b);
	for (i = 0; i < no; i++)
		order[i] = i;
	for (i = 1; i < no; i++)   /* longest first, stable */
		for (j = i; j > 0 && co[order[j]].cn.len > co[order[j - 1]].cn.len; j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (i = 0; i < no * 2; i++) {
		size_t o = order[i % no], on = co[o].cn.len, p;
		const char *ot = co[o].cn.data;
		int dup = 0;
		if (on < 3)
			continue;
		/* a one-word "away" or "toward(s)" option is also said as "away
		 * from the camera", "toward the camera" (folded above) */
		if (i >= no) {
			if (on == 6 && !memcmp(ot, " away ", 6))
				ot = " awaycam ";
			else if (on == 8 && !memcmp(ot, " toward ", 8))
				ot = " towardcam ";
			else
				continue;
			on = strlen(ot);
		}
		for (k = 0; k < o; k++)
			if (co[k].cn.len == co[o].cn.len && !memcmp(co[k].cn.data, co[o].cn.data, co[o].cn.len))
				dup = 1;
		for (p = b; p + on <= e; p++) {
			size_t q;
			if (t[p] != ' ' || memcmp(t + p, ot, on))
				continue;
			for (q = p + 1; q < p + on - 1 && !mask[q]; q++)
				;
			if (q < p + on - 1)
				continue;
			memset(mask + p + 1, 1, on - 2);
			if (dup)
				continue;
			if (negated_at(t, p + 1, 5))
				continue;
			/* prefixes of ot, never read past its end (memcmp would) */
			if (((on >= 5 && !memcmp(ot, " not ", 5)) || (on >= 4 && !memcmp(ot, " no ", 4)) ||
			     (on >= 11 && !memcmp(ot, " notmoving ", 11))) &&
			    direction_follows(t, e, p + on))
				continue;
			set |= 1u << o;
		}
		if (i < no && !dup && co[o].obj[0] && !(set & (1u << o))) {
			/* each clause on its own */
			size_t cb = b, ce;
			while (cb < e) {
				for (ce = cb + 1; ce < e && !(t[ce] == '|' && t[ce - 1] == ' '); ce++)
					;
				if (says_absent(t, cb, ce, co[o].obj)) {
					set |= 1u << o;
					break;
				}
				cb = ce + 1;
			}
		}
	}
	(void)oi;
	return set;
}

static char first_letter(unsigned set, const struct optinfo *oi, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 16; i++)
		if (set & (1u << i))
			return oi[i].letter;
	return 0;
}

/* ---- a choice at the start of a span -------------------------------------------- */

enum { HOW_NONE, HOW_LETTER, HOW_OPTION };

/* Skip decorations, brackets, LaTeX wrappers and the words option/choice/
 * letter at s[i]; *bracket tells whether an opening bracket was passed. */
static size_t skip_lead(const char *s, size_t len, size_t i, int *bracket)
{
	static const char *const wrappers[] = { "\\boxed{", "\\text{", "\\textbf{", "\\mathbf{",
						"\\mathrm{" };
	static const char *const words[] = { "option", "choice", "letter" };
	size_t w, k, m;
	int again = 1;

	*bracket = 0;
	while (again && i < len) {
		uint32_t c = cp_at(s, len, i, &w);
		again = 1;
		if (py_isspace(c) || is_deco(c)) {
			i += w;
			continue;
		}
		if (c == '(' || c == '[' || c == '{') {
			*bracket = 1;
			i += w;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(wrappers); k++)
			if (has_ci(s, len, i, wrappers[k]))
				break;
		if (k < ARRAY_SIZE(wrappers)) {
			*bracket = 1;
			i += strlen(wrappers[k]);
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(words); k++)
			if ((m = word_ci(s, len, i, words[k])))
				break;
		if (k < ARRAY_SIZE(words)) {
			i += m;
			while (i < len && (is_blank(cp_at(s, len, i, &w)) || s[i] == ':' || is_deco(cp_at(s, len, i, &w))))
				i += w;
			continue;
		}
		again = 0;
	}
	return i;
}

static int is_closer(uint32_t c)
{
	return c == ')' || c == ']' || c == '}' || is_deco(c);
}

static int is_delim(uint32_t c)
{
	return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' ||
	       c == ')' || c == ']' || c == '}' || c == '\n' || c == '\r' || c == 0x3002 ||
	       c == 0xFF1A || c == 0xFF0C || c == 0x2013 || c == 0x2014 || c == '-';
}

/* Words after "A"/"I" that still make it a choice ("A is correct"). */
static int choice_word_follows(const char *s, size_t len, size_t j)
{
	static const char *const ok[] = { "is", "was", "because", "since", "seems", "would", "should", "as" };
	size_t k;

	for (k = 0; k < ARRAY_SIZE(ok); k++)
		if (word_ci(s, len, j, ok[k]))
			return 1;
	return 0;
}

/* Does the option's text begin at s[j]? */
static int option_text_at(const char *s, size_t len, size_t j, char letter,
			  const struct optinfo *oi, size_t n)
{
	struct buf nt = BUF_INIT;
	size_t i;
	int r = 0;

	for (i = 0; i < n && !r; i++) {
		size_t m;
		if (oi[i].letter != letter)
			continue;
		m = oi_full(oi, i)->norm.len;
		if (!m)
			continue;
		norm_text(s + j, len - j < m + 8 ? len - j : m + 8, &nt);
		r = nt.len >= m && !memcmp(nt.data, oi[i].norm.data, m) &&
		    (nt.len == m || !is_wordcp(cp_at(nt.data, nt.len, m, NULL)));
	}
	buf_release(&nt);
	return r;
}

/*
 * The choice stated at the start of s: a letter (decorated, bracketed,
 * after "option") that is not part of a word, or the option's text or value.
 * strict: the text is a whole answer, so a capital "A"/"I" followed by a
 * word must be followed by that option's text (or "is", "because", ...),
 * since "A car is moving left" states no choice; not strict (after an
 * answer tag or a declaration) any capital letter followed by a word counts.
 */
static char span_choice(const char *s, size_t len, const struct item *it, const struct optinfo *oi,
			size_t noi, int strict, int *how, size_t *after)
{
	size_t i, j, w, cut;
	int bracket;
	char r = 0;

	*how = HOW_NONE;
	*after = 0;
	if (len > SPAN_MAX)
		len = SPAN_MAX;
	i = skip_lead(s, len, 0, &bracket);
	if (i < len && is_alpha_ascii((unsigned char)s[i]) && xletter_allowed(it, s[i])) {
		char c = s[i];
		int upper = c >= 'A' && c <= 'Z', ok = 0;
		j = i + 1;
		if (j >= len) {
			ok = 1;
		} else {
			uint32_t nc = cp_at(s, len, j, &w);
			if (bracket) {
				ok = is_closer(nc) || nc == '.' || nc == ':';
			} else if (!is_wordcp(nc)) {
				size_t k = j;
				while (k < len && is_closer(cp_at(s, len, k, &w)))
					k += w;
				if (k >= len || is_delim(cp_at(s, len, k, &w))) {
					ok = 1;
				} else if (is_blank(cp_at(s, len, k, &w))) {
					while (k < len && is_blank(cp_at(s, len, k, &w)))
						k += w;
					if (k >= len) {
						ok = 1;
					} else {
						uint32_t fc = cp_at(s, len, k, &w);
						if (!is_wordcp(fc) || option_text_at(s, len, k, c, oi, noi))
							ok = 1;
						else if (upper && !(strict && (c == 'A' || c == 'I')))
							ok = 1;
						else if (upper && choice_word_follows(s, len, k))
							ok = 1;
					}
				}
			}
		}
		if (ok) {
			*how = HOW_LETTER;
			*after = j;
			return upper ? c : (char)(c - 32);
		}
	}
	/* the option's text or value: the first line, then its first clause */
	cut = 0;
	while (cut < len && s[cut] != '\n')
		cut++;
	if ((r = match_option(s, cut, oi, noi)) == 0) {
		for (j = 0; j < cut; j++)
			if (s[j] == ',' || s[j] == ';' || s[j] == '(' ||
			    (s[j] == '.' && (j + 1 == cut || s[j + 1] == ' ')))
				break;
		if (j < cut)
			r = match_option(s, j, oi, noi);
	}
	if (r)
		*how = HOW_OPTION;
	return r;
}


/* ---- shared patterns -------------------------------------------------------------- */

/* A declaration: "the final answer is:", "answer:", "I would choose". Every
 * match begins with one of the words decl_start() looks for. */
#define DECL_SRC "(?:\\b(?:final|correct|right|best|my)[\\s*_]+(?:answer|option|choice)s?" \
		 "|\\banswer|\\bans\\b|(?:最终|正确)?答案(?:是|为)?" \
		 "|\\bi\\s+(?:would\\s+|will\\s+|'ll\\s+)?(?:choose|pick|select|go\\s+with))" \
		 "[\\s*_]*(?:(?:is|would\\s+be|should\\s+be|will\\s+be|must\\s+be)\\b)?" \
		 "[\\s*_]*(?:[:：=]|-(?!\\d))?"

enum { RP_TAG, RP_DECL, RP_DECL_AT, RP_MARK, RP_NDECL };
static struct xpat rb_pats[] = {
	[RP_TAG] = { "<answer>(.*?)(?:</answer>|\\z)", RX_S | RX_I, NULL },
	[RP_DECL] = { DECL_SRC, RX_I, NULL },
	[RP_DECL_AT] = { DECL_SRC, RX_I | RX_A, NULL },
	[RP_MARK] = { "\\(([A-Ea-e])\\)|\\[([A-E])\\]|\\*\\*([A-E])\\*\\*|\\$([A-E])\\$"
		      "|\\b(?i:option|choice)\\s+([A-E])\\b|^[\\h*]*([A-E])[.:)]", RX_M, NULL },
	[RP_NDECL] = { "\\b(?:answer|ans)\\b", RX_I, NULL },
};
static struct xpatset rb_set = XPATSET(rb_pats, "robust extractors");
static void rb_init(void) { xpat_compile(&rb_set); }

/* Bytes that are word characters for \b in ASCII: letters, digits, '_'. */
static const unsigned char ascii_word[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['_'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

/*
 * Where a declaration can begin: an ASCII letter that starts one of its
 * words (fin, cor, rig, bes, my, ans, or i before white space) and is not
 * preceded by an ASCII letter, digit or '_' (no \b there: decl_search()
 * tests that byte before calling), or the first byte of 最, 正 or 答. Under PCRE2's caseless matching none of these
 * letters has a non-ASCII case partner, and \s's ASCII members are 9-13 and
 * 32, so every position where RP_DECL can match is one of these: a superset
 * (a non-ASCII byte before the letter, or after "i", is kept for PCRE2 to
 * decide).
 */
static int decl_start(const unsigned char *s, size_t len, size_t p)
{
	unsigned char c = s[p], n, t;

	if (c >= 0xE6) {
		return p + 3 <= len && (!memcmp(s + p, "最", 3) || !memcmp(s + p, "正", 3) ||
					!memcmp(s + p, "答", 3));
	}
	if (p + 1 >= len)
		return 0;
	n = s[p + 1] | 32;
	/* the third letter too where there is one; an 's' may be written ſ
	 * (U+017F, C5 BF), which folds to it */
	t = p + 2 < len ? s[p + 2] : 0;
	switch (c | 32) {
	case 'f': return n == 'i' && (t | 32) == 'n';
	case 'c': return n == 'o' && (t | 32) == 'r';
	case 'r': return n == 'i' && (t | 32) == 'g';
	case 'b': return n == 'e' && ((t | 32) == 's' || t == 0xC5);
	case 'm': return n == 'y';
	case 'a': return n == 'n' && ((t | 32) == 's' || t == 0xC5);
	case 'i': return (s[p + 1] >= 9 && s[p + 1] <= 13) || s[p + 1] == ' ' || s[p + 1] >= 0x80;
	}
	return 0;
}

/*
 * rx_search() of RP_DECL, the same match found faster: the pattern is tried
 * (anchored) only where decl_start() says a match can begin, in order, so
 * the first position that matches is the leftmost match and its match is
 * the one a search finds there. (Searching the pattern costs some 17 ns a
 * byte: every a, b, c, f, i, m, r is a start PCRE2 tries.)
 */
static int decl_search(const char *s, size_t len, size_t from, struct rx_match *m)
{
	const unsigned char *u = (const unsigned char *)s;
	/* 1: a letter a declaration's word may begin with, where no ASCII word
	 * character comes before it; 2: a lead byte of 最, 正, 答 (no \b) */
	static const unsigned char first[256] = {
		['A'] = 1, ['B'] = 1, ['C'] = 1, ['F'] = 1, ['I'] = 1, ['M'] = 1, ['R'] = 1,
		['a'] = 1, ['b'] = 1, ['c'] = 1, ['f'] = 1, ['i'] = 1, ['m'] = 1, ['r'] = 1,
		[0xE6] = 2, [0xE7] = 2,
	};
	unsigned char after_word = from > 0 && ascii_word[u[from - 1]];
	size_t p;
	int rc;

	for (p = from; p < len; p++) {
		/* one test per byte, without a branch on the byte before: most
		 * candidates are letters inside words */
		unsigned char f = first[u[p]];
		int cand = (f & 2) | (f & !after_word);
		after_word = ascii_word[u[p]];
		if (!cand || !decl_start(u, len, p))
			continue;
		if ((rc = rx_search(rb_pats[RP_DECL_AT].rx, s, len, p, m)) != 0)
			return rc;
	}
	return 0;
}

/* The content of the last \boxed{...} (to the end when unclosed). */
static int last_boxed(const char *s, size_t len, size_t *b, size_t *e)
{
	size_t i, start = SIZE_MAX, depth = 1;

	if (!memchr(s, '\\', len))   /* most answers: found at once */
		return 0;
	for (i = len; i-- > 0;)
		if (s[i] == '\\' && has_ci(s, len, i, "\\boxed{")) {
			start = i + 7;
			break;
		}
	if (start == SIZE_MAX)
		return 0;
	for (i = start; i < len; i++) {
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			break;
	}
	*b = start;
	*e = i;
	return 1;
}

static void set_out(struct extraction *out, const char *v, size_t n, int rule)
{
	free(out->value);
	out->value = xstrndup(v, n);
	out->found = 1;
	out->rule = rule;
}

/* The last marked letter and how many different letters are marked. */
static int marked_letters(const char *s, size_t len, const struct item *it, char *last, size_t *nseen)
{
	struct rx_match m;
	char seen[8] = "";
	size_t from = 0;
	int rc = 0, g;

	*last = 0;
	*nseen = 0;
	while (from < len && (rc = rx_search(rb_pats[RP_MARK].rx, s, len, from, &m)) > 0) {
		for (g = 1; g <= 6; g++) {
			char l;
			if (m.gstart[g] == SIZE_MAX)
				continue;
			l = s[m.gstart[g]];
			if (!xletter_allowed(it, l))
				continue;
			l = (char)(l & ~32);
			*last = l;
			if (!strchr(seen, l) && *nseen < 7) {
				seen[(*nseen)++] = l;
				seen[*nseen] = 0;
			}
		}
		from = m.end > from ? m.end : from + 1;
	}
	return rc < 0 ? -1 : 0;
}

/* What a declaration at s[at] states: the rest of its line, or the next
 * line that is not blank when the rest is ("The answer is:\n\nB: 0"). */
static size_t decl_span(const char *s, size_t len, size_t at, size_t *end)
{
	size_t b = at, e, w;
	int lines = 0;

	for (e = b; e < len && s[e] != '\n' && e - b < SPAN_MAX; e++)
		;
	while (lines++ < 4) {   /* a few blank lines at most */
		size_t k = b;
		while (k < e && (py_isspace(cp_at(s, len, k, &w)) || is_deco(cp_at(s, len, k, &w))))
			k += w;
		if (k < e || e >= len || s[e] != '\n')
			break;
		b = e + 1;
		for (e = b; e < len && s[e] != '\n' && e - b < SPAN_MAX; e++)
			;
	}
	*end = e;
	return b;
}

/* ---- robust-letter ------------------------------------------------------------------ */

/* Both robust extractors start alike: nothing found yet, the patterns
 * compiled, the text after any <think> block in *s, *len. */
static int robust_begin(const char *text, size_t tlen, struct extraction *out, const char **s,
			size_t *len)
{
	size_t tb, te;

	free(out->value);
	out->value = xstrdup("");
	out->found = 0;
	out->rule = -1;
	if (xpat_ready(&rb_set, rb_init) < 0)
		return -1;
	xthink_region(text, tlen, &tb, &te);
	*s = text + tb;
	*len = te - tb;
	return 0;
}

/* Everything the letter rules share for one answer. */
struct lctx {
	const struct item *it;
	struct optinfo *oi;
	struct canon_opt *co;    /* the options' canonical texts: lctx_co() */
	size_t noi;
	struct buf t;            /* scratch canonical text */
	unsigned char *mask;
	size_t maskn;
};

/* The options' canonical texts, made on first use (most answers name their
 * letter and never need them; canon_text() tries every phrase of
 * canon_phrases on each). */
static struct canon_opt *lctx_co(struct lctx *x)
{
	size_t i;

	if (x->co || !x->noi)
		return x->co;
	x->co = xcalloc(x->noi, sizeof(*x->co));
	for (i = 0; i < x->noi; i++) {
		const char *ot = x->it->opts[i].text ? x->it->opts[i].text : "";
		buf_init(&x->co[i].cn, BUF_MAX_DEFAULT);
		canon_text(ot, strlen(ot), &x->co[i].cn);
		absent_object(x->co[i].cn.data, x->co[i].cn.len, x->co[i].obj, sizeof(x->co[i].obj));
	}
	return x->co;
}

static unsigned lctx_mentions(struct lctx *x, const char *s, size_t len)
{
	canon_text(s, len, &x->t);
	if (x->t.len > x->maskn) {
		free(x->mask);
		x->maskn = x->t.len + 64;
		x->mask = xmalloc(x->maskn);
	}
	return mentions(x->t.data, 0, x->t.len, lctx_co(x), x->oi, x->noi, x->mask);
}

static size_t opt_index(const struct lctx *x, char letter)
{
	size_t i;

	for (i = 0; i < x->noi; i++)
		if (x->oi[i].letter == letter)
			return i;
	return SIZE_MAX;
}

/* The bit set of the options with the same canonical text as option i. */
static unsigned same_text(struct lctx *x, size_t i)
{
	const struct canon_opt *co = lctx_co(x);
	unsigned set = 0;
	size_t k;

	for (k = 0; k < x->noi && k < 16; k++)
		if (co[k].cn.len == co[i].cn.len && !memcmp(co[k].cn.data, co[i].cn.data, co[i].cn.len))
			set |= 1u << k;
	return set;
}

/* The options in set all have one text (validation_633's C and D): 1. */
static int one_option(struct lctx *x, unsigned set)
{
	size_t i;

	if (!set)
		return 0;
	for (i = 0; i < x->noi && i < 16 && !(set & (1u << i)); i++)
		;
	return i < x->noi && !(set & ~same_text(x, i));
}

/* A standalone choice letter at s[i]: not inside a word, one of the item's
 * letters in upper case ("$B$", "(C)", "**D**" count). */
static int lone_letter_at(const char *s, size_t len, size_t i, const struct item *it)
{
	char c = s[i];

	if (c < 'A' || c > 'E' || !xletter_allowed(it, c))
		return 0;
	if (i > 0 && is_wordcp(cp_before(s, i, NULL)))
		return 0;
	if (i + 1 < len && is_wordcp(cp_at(s, len, i + 1, NULL)))
		return 0;
	return 1;
}

enum { SAYS_NONE, SAYS_LETTER, SAYS_HEDGE };

/*
 * What a choice span that starts with letter c (ending at s[after]) says,
 * given the rest of its sentence (s[after..len)):
 * - a hedge when another of the item's letters follows with "or", "and" or
 *   "/" between ("A or C", "$B$ or $C$", "(B or C or D)"), or when the next
 *   line starts another option ("A: right\nB: left\n...": the list echoed);
 * - no choice when the words after the letter name a different option than
 *   the letter's ("D (forwards)" where D is "right", "B: 3" where B is 5,
 *   "C. The car moves left" where C is "right"), or are a few words that
 *   name no option at all ("D. Cannot be determined");
 * - otherwise the letter.
 */
static int letter_says(struct lctx *x, const char *s, size_t len, size_t after, char c,
		       size_t next_line)
{
	size_t i, e, w, li = opt_index(x, c), words = 0;
	int joined = 0;
	unsigned set;

	/* another letter in the same line, joined by or/and/slash */
	for (i = after; i < len && s[i] != '\n' && i - after < SPAN_MAX; i++) {
		if (s[i] == '/' || has_ci(s, len, i, " or ") || has_ci(s, len, i, " and "))
			joined = 1;
		if (joined && s[i] != c && lone_letter_at(s, len, i, x->it))
			return SAYS_HEDGE;
	}
	/* the option list echoed: the next line starts with another letter */
	if (next_line < len) {
		int br;
		size_t k = skip_lead(s, len, next_line, &br);
		if (k + 1 < len && s[k] != c && lone_letter_at(s, len, k, x->it) &&
		    (s[k + 1] == ':' || s[k + 1] == '.' || s[k + 1] == ')'))
			return SAYS_HEDGE;
	}
	if (li == SIZE_MAX)
		return SAYS_LETTER;
	/* the words after the letter, to the end of their sentence */
	i = after;
	while (i < len && (is_closer(cp_at(s, len, i, &w)) || is_blank(cp_at(s, len, i, &w)) ||
			   s[i] == ':' || s[i] == '.' || s[i] == '-' || s[i] == '(' || s[i] == ','))
		i += w;
	for (e = i; e < len && s[e] != '\n' && e - i < SPAN_MAX; e++)
		if ((s[e] == '.' || s[e] == ';' || s[e] == '!' || s[e] == '?') &&
		    (e + 1 >= len || s[e + 1] == ' ' || s[e + 1] == '\n'))
			break;
	if (e <= i)
		return SAYS_LETTER;
	if (match_option(s + i, e - i, x->oi, x->noi) == c)
		return SAYS_LETTER;
	set = lctx_mentions(x, s + i, e - i);
	for (i = 1; i < x->t.len; i++)
		if (x->t.data[i] == ' ' && x->t.data[i - 1] != '|' && x->t.data[i - 1] != ' ')
			words++;
	if (set & same_text(x, li))
		return SAYS_LETTER;
	/* a sentence after the letter is an explanation, which judges
	 * read as such even when it disagrees: only a restated option counts */
	if (set && words <= 6)
		return SAYS_NONE;
	if (words && words <= 4) {
		static const char *const filler[] = { " is ", " was ", " because ", " since ", " as ",
						      " would ", " should ", " seems ", " it ", " this ",
						      " which ", " that ", " and ", " or ", " with ",
						      " for ", " based ", " correct ", " right ", " option ",
						      " the ", " answer ", " | " };
		size_t k;
		for (k = 0; k < ARRAY_SIZE(filler); k++)
			if (!strncmp(x->t.data, filler[k], strlen(filler[k])))
				return SAYS_LETTER;
		return SAYS_NONE;
	}
	return SAYS_LETTER;
}

/* Does the answer stop mid-sentence: its last character (after white
 * space) is not a sentence end, closing bracket, quote or decoration, and
 * it has more than one clause? */
static int cut_off(const char *s, size_t len)
{
	size_t at, e = len, k, breaks = 0;
	uint32_t c;

	while (e > 0 && (py_isspace(c = cp_before(s, e, &at))))
		e = at;
	if (!e)
		return 0;
	for (k = 0; k < e; k++)
		if (s[k] == '\n' || ((s[k] == '.' || s[k] == '!' || s[k] == '?') && k + 1 < e && s[k + 1] == ' '))
			breaks++;
	c = cp_before(s, e, NULL);
	if (!breaks || c == '.' || c == '!' || c == '?' || c == 0x3002 || is_closer(c) || c == '>')
		return 0;
	return 1;
}

/* The mention rule: the option that the conclusion (the clause with the
 * last "therefore", "thus", "so", "answer", ...), else the last clause,
 * else a short answer as a whole states; 0 when none or several. */
static char conclusion_choice(struct lctx *x, const char *s, size_t len, int *rule)
{
	static const char *const marker[] = { " therefore ", " thus ", " hence ", " so ",
					      " conclusion ", " conclude ", " answer ", " overall " };
	const char *t;
	size_t tn, k, p, mb = 0, me = 0, lb, clauses = 0, words = 0;
	unsigned set;

	lctx_mentions(x, s, len);
	t = x->t.data;
	tn = x->t.len;
	for (p = 0; p + 1 < tn; p++) {
		if (t[p] == ' ' && t[p + 1] == '|')
			clauses++;
		else if (t[p] == ' ')
			words++;
	}
	/* the clause holding the last marker */
	for (k = 0; k < ARRAY_SIZE(marker); k++) {
		size_t mn = strlen(marker[k]);
		for (p = tn >= mn ? tn - mn + 1 : 0; p-- > 0;)
			if (!memcmp(t + p, marker[k], mn)) {
				if (p + 1 > mb) {
					mb = p + 1;
					me = 1;
				}
				break;
			}
	}
	if (me) {
		size_t b = mb, e = mb;
		while (b > 0 && !(t[b] == '|' && t[b - 1] == ' '))
			b--;
		while (e < tn && !(t[e] == '|' && t[e - 1] == ' '))
			e++;
		set = mentions(t, b, e, lctx_co(x), x->oi, x->noi, x->mask);
		if (one_option(x, set)) {
			*rule = 6;
			return first_letter(set, x->oi, x->noi);
		}
	}
	/* an answer cut off mid-sentence (the token limit) states nothing
	 * beyond its conclusion */
	if (cut_off(s, len))
		return 0;
	/* the last clause */
	lb = tn > 1 ? tn - 1 : 0;
	while (lb > 0 && (t[lb] == ' ' || t[lb] == '|'))
		lb--;
	while (lb > 0 && !(t[lb] == '|' && t[lb - 1] == ' '))
		lb--;
	set = mentions(t, lb, tn, lctx_co(x), x->oi, x->noi, x->mask);
	if (one_option(x, set)) {
		*rule = 6;
		return first_letter(set, x->oi, x->noi);
	}
	/* a short answer as a whole */
	if (clauses <= 4 || words <= 80) {
		set = mentions(t, 0, tn, lctx_co(x), x->oi, x->noi, x->mask);
		if (one_option(x, set)) {
			*rule = 7;
			return first_letter(set, x->oi, x->noi);
		}
	}
	return 0;
}

int extract_robust_letter(const char *text, size_t tlen, const struct item *it, struct extraction *out)
{
	struct lctx x;
	struct rx_match m;
	size_t b, e, from, len, after, i;
	const char *s;
	char c = 0, decl = 0, last = 0, t[2];
	size_t nmarked = 0, fb = 0, fe = 0;
	int how, rule = -1, rc = 0, says, abstain = 0, hedged = 0, final_unnamed = 0;

	if (robust_begin(text, tlen, out, &s, &len) < 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.it = it;
	x.noi = opts_prepare(it, &x.oi);
	buf_init(&x.t, BUF_MAX_DEFAULT);

	/* 0: the last <answer> tag */
	if ((rc = xpat_last(rb_pats[RP_TAG].rx, s, len, &m)) > 0) {
		b = m.gstart[1];
		c = span_choice(s + b, m.gend[1] - b, it, x.oi, x.noi, 0, &how, &after);
		if (c && how == HOW_LETTER &&
		    (says = letter_says(&x, s + b, m.gend[1] - b, after, c, SIZE_MAX)) != SAYS_LETTER)
			c = 0, abstain = 1;
		rule = 0;
	}
	/* 1: the last \boxed{} */
	if (!c && !abstain && rc >= 0 && last_boxed(s, len, &b, &e)) {
		c = span_choice(s + b, e - b, it, x.oi, x.noi, 0, &how, &after);
		if (c && how == HOW_LETTER && letter_says(&x, s + b, e - b, after, c, SIZE_MAX) != SAYS_LETTER)
			c = 0, abstain = 1;
		rule = 1;
	}
	/* 2: the last declaration that names a choice or hedges ("the answer is
	 * (b)", "the final answer is: A or C"); a later "final answer" that
	 * names none ("...is: $LETTER", cut off) is read for what it states */
	for (from = 0; !c && !abstain && rc >= 0 && from < len;) {
		char d;
		if ((rc = decl_search(s, len, from, &m)) <= 0)
			break;
		b = decl_span(s, len, m.end, &e);
		if ((d = span_choice(s + b, e - b, it, x.oi, x.noi, 0, &how, &after))) {
			says = how == HOW_LETTER ? letter_says(&x, s + b, len - b, after, d,
							       e < len ? e - b + 1 : SIZE_MAX)
						 : SAYS_LETTER;
			decl = says == SAYS_LETTER ? d : 0;
			hedged = says != SAYS_LETTER;
			final_unnamed = 0;
		} else if (has_ci(s, len, m.start, "final")) {
			final_unnamed = 1;
			fb = b;
			fe = e;
		}
		from = m.end > from ? m.end : from + 1;
	}
	if (rc >= 0 && !c && final_unnamed) {
		unsigned set = lctx_mentions(&x, s + fb, fe - fb);
		decl = one_option(&x, set) ? first_letter(set, x.oi, x.noi) : 0;
		hedged = !decl;
	}
	abstain = abstain || hedged;
	if (decl && rc >= 0 && !abstain) {
		c = decl;
		rule = 2;
	}
	/* markers: "(b)", "**B**", "$B$", "[B]", "option C", "B." at a line start;
	 * three different marked letters make the text an echo of the options */
	if (!c && !abstain && rc >= 0)
		rc = marked_letters(s, len, it, &last, &nmarked);
	/* 3, 4: the whole answer is a choice (a letter first, or an option) */
	if (!c && !abstain && rc >= 0 && nmarked < 3) {
		c = span_choice(s, len, it, x.oi, x.noi, 1, &how, &after);
		rule = how == HOW_OPTION ? 4 : 3;
		if (c && how == HOW_LETTER && letter_says(&x, s, len, after, c, SIZE_MAX) != SAYS_LETTER)
			c = 0, abstain = 1;
	}
	/* 5: the last marked letter */
	if (!c && !abstain && rc >= 0 && nmarked < 3 && last) {
		c = last;
		rule = 5;
	}
	/* 6, 7: the option the conclusion (or a short answer) states */
	if (!c && !abstain && rc >= 0 && x.noi)
		c = conclusion_choice(&x, s, len, &rule);
	opts_release(x.oi, x.noi);
	for (i = 0; x.co && i < x.noi; i++)
		buf_release(&x.co[i].cn);
	free(x.co);
	free(x.mask);
	buf_release(&x.t);
	if (rc < 0)
		return -1;
	if (c) {
		t[0] = c;
		t[1] = 0;
		set_out(out, t, 1, rule);
	}
	return 0;
}

int extract_robust_decl(const char *s, size_t len, size_t from, int fast, size_t *start, size_t *end)
{
	struct rx_match m;
	int rc;

	if (xpat_ready(&rb_set, rb_init) < 0)
		return -1;
	rc = fast ? decl_search(s, len, from, &m) : rx_search(rb_pats[RP_DECL].rx, s, len, from, &m);
	if (rc > 0) {
		*start = m.start;
		*end = m.end;
	}
	return rc;
}

/* ---- robust-number --------------------------------------------------------------- */

int extract_robust_number(const char *text, size_t tlen, const struct item *it, struct extraction *out)
{
	struct buf v = BUF_INIT;
	struct rx_match m;
	struct num n;
	size_t b, e, from, len, i, w;
	const char *s;
	int rule = -1, rc = 0, got = 0;

	(void)it;
	if (robust_begin(text, tlen, out, &s, &len) < 0)
		return -1;

	/* 0: the last <answer> tag; 1: the last \boxed{} */
	if ((rc = xpat_last(rb_pats[RP_TAG].rx, s, len, &m)) > 0)
		if ((got = pick_number(s + m.gstart[1], m.gend[1] - m.gstart[1], 0, &n)))
			rule = 0;
	if (!got && rc >= 0 && last_boxed(s, len, &b, &e))
		if ((got = pick_number(s + b, e - b, 0, &n)))
			rule = 1;
	/* 2: the first number after the last "answer" that has one on its line */
	for (from = 0; !got && rc >= 0 && from < len;) {
		struct num k;
		if ((rc = rx_search(rb_pats[RP_NDECL].rx, s, len, from, &m)) <= 0)
			break;
		for (e = m.end; e < len && s[e] != '\n' && e - m.end < SPAN_MAX; e++)
			;
		if (pick_number(s + m.end, e - m.end, 0, &k)) {
			n = k;
			rule = 2;
		}
		from = m.end > from ? m.end : from + 1;
	}
	if (rule == 2 && rc >= 0)
		got = 1;
	/* 3: the answer starts with its number; 4: otherwise the last number */
	if (!got && rc >= 0 && pick_number(s, len, 0, &n)) {
		int leading = 1;
		for (i = 0; i < n.start && leading;) {
			uint32_t c = cp_at(s, len, i, &w);
			if (!(py_isspace(c) || is_deco(c) || c == '~' || c == 0x2248 || c == '(' ||
			      c == '['))
				leading = 0;
			i += w;
		}
		if (!leading) {
			static const char *const approx[] = { "approximately", "about", "around", "roughly",
							      "nearly", "approx.", "between" };
			size_t k, p = 0;
			while (p < n.start && (py_isspace(cp_at(s, len, p, &w)) || is_deco(cp_at(s, len, p, &w))))
				p += w;
			for (k = 0; k < ARRAY_SIZE(approx); k++)
				if (has_ci(s, len, p, approx[k])) {
					p += strlen(approx[k]);
					while (p < n.start && (py_isspace(cp_at(s, len, p, &w)) || s[p] == '~'))
						p += w;
					leading = p == n.start;
					break;
				}
		}
		if (leading) {
			rule = 3;
		} else {
			pick_number(s, len, 1, &n);
			rule = 4;
		}
		got = 1;
	}
	if (rc < 0)
		return -1;
	if (got) {
		format_number(n.v, &v);
		set_out(out, buf_cstr(&v), v.len, rule);
	}
	buf_release(&v);
	return 0;
}
