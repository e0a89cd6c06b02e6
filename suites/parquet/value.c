/*
 * value.c: one Parquet value to JSON, following parquet.h's table:
 * exact integers, Python repr() floats, Python str() of decimals, dates and
 * timestamps the way Python prints datetime objects, text as text and other
 * bytes in DuckDB's BLOB notation.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/buf.h"
#include "lib/image.h"
#include "lib/json.h"
#include "lib/pystr.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

/* ---- output ---- */

static void put(struct pq_out *o, cJSON *n)
{
	cJSON *top;

	if (o->depth == 0) {
		if (o->result)
			cJSON_Delete(o->result);
		o->result = n;
		return;
	}
	top = o->stack[o->depth - 1];
	if (cJSON_IsObject(top))
		cJSON_AddItemToObject(top, o->key ? o->key : "", n);
	else
		cJSON_AddItemToArray(top, n);
	o->key = NULL;
}

static cJSON *checked(cJSON *n)
{
	if (!n) {
		fprintf(stderr, "steval: out of memory\n");
		abort();
	}
	return n;
}

void pq_out_node(struct pq_out *o, cJSON *node)
{
	if (o->w) {
		jw_value(o->w, node);
		cJSON_Delete(node);
		return;
	}
	put(o, node);
}

static void open_container(struct pq_out *o, cJSON *n)
{
	put(o, n);
	if (o->depth < (int)ARRAY_SIZE(o->stack))
		o->stack[o->depth++] = n;
}

void pq_out_obj(struct pq_out *o)
{
	if (o->w)
		jw_obj(o->w);
	else
		open_container(o, checked(cJSON_CreateObject()));
}

void pq_out_arr(struct pq_out *o)
{
	if (o->w)
		jw_arr(o->w);
	else
		open_container(o, checked(cJSON_CreateArray()));
}

void pq_out_end(struct pq_out *o)
{
	if (o->w)
		jw_end(o->w);
	else if (o->depth > 0)
		o->depth--;
}

void pq_out_key(struct pq_out *o, const char *key)
{
	if (o->w)
		jw_key(o->w, key);
	else
		o->key = key;
}

void pq_out_null(struct pq_out *o)
{
	if (o->w)
		jw_null(o->w);
	else
		put(o, checked(cJSON_CreateNull()));
}

void pq_out_bool(struct pq_out *o, int v)
{
	if (o->w)
		jw_bool(o->w, v);
	else
		put(o, checked(cJSON_CreateBool(v)));
}

/* Decimal text of v, ending at end (NUL written); returns the start. */
static char *int_text(long long v, char *end)
{
	unsigned long long m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	*end = 0;
	do {
		*--end = (char)('0' + m % 10);
		m /= 10;
	} while (m);
	if (v < 0)
		*--end = '-';
	return end;
}

void pq_out_int(struct pq_out *o, long long v)
{
	char t[24];

	if (o->w)
		jw_raw(o->w, int_text(v, t + sizeof(t) - 1));
	else
		put(o, json_int_new(v));
}

void pq_out_num(struct pq_out *o, double v, const char *spelling)
{
	if (o->w) {
		if (isfinite(v))
			jw_raw(o->w, spelling);
		else
			jw_null(o->w);
	} else {
		put(o, json_num_new(v, spelling));
	}
}

/*
 * repr(v) of a finite double, exactly as py_float_repr() (lib/pystr.c)
 * spells it: the shortest decimal that reads back as v, correctly rounded,
 * positional for exponents -4..15, else scientific.
 *
 * That function tries lengths 1..17 with printf and strtod; doing so for
 * every value of a column is the reader's main cost. Here the shortest
 * length is found by bisection (a length that reads back still does with
 * one more digit), and each step is done in x87 extended precision (64-bit
 * mantissa) for values from 1e-11 to 1e27, where every power of ten used is
 * exact: the p-digit rounding of v is v * 10^k rounded (one rounding error,
 * under 0.01 of a unit), and it reads back as v when it lies inside v's
 * rounding interval (checked to 1%). Whenever a step falls within those
 * margins of a tie, or v is out of that range, the exact printf/strtod
 * search decides instead. The unit tests compare both with py_float_repr().
 */

static const long double pow10l_exact[28] = {
	1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L, 1e11L, 1e12L,
	1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L, 1e21L, 1e22L, 1e23L, 1e24L,
	1e25L, 1e26L, 1e27L,
};

/* a * 10^k in extended precision; |k| <= 27 */
static long double scale10(long double a, int k)
{
	return k >= 0 ? a * pow10l_exact[k] : a / pow10l_exact[-k];
}

/* The p-digit rounding of a (> 0) with decimal exponent e10: *n in
 * [10^(p-1), 10^p]. -1 when too close to a tie to tell. */
static int fast_round(long double a, int p, int e10, uint64_t *n)
{
	int k = p - 1 - e10;
	long double x, fl, fr;

	if (k > 27 || k < -27)
		return -1;
	x = scale10(a, k);
	fl = floorl(x);
	fr = x - fl;
	if (fr > 0.49L && fr < 0.51L)
		return -1;
	*n = (uint64_t)fl + (fr >= 0.5L);
	return 0;
}

/* Does n * 10^(e10 - p + 1) read back as a? 1 yes, 0 no, -1 too close to say. */
static int fast_reads_back(long double a, double v, uint64_t n, int p, int e10)
{
	int ex, k = p - 1 - e10;
	double f = frexp(v, &ex);
	long double c, d, lim;

	if (k > 27 || k < -27)
		return -1;
	c = scale10((long double)n, -k);
	d = c - a;
	lim = ldexpl(1.0L, ex - 54);          /* half the gap to the next double */
	if (d < 0 && fabs(f) == 0.5)
		lim /= 2;                      /* the gap below a power of two is smaller */
	d = fabsl(d) / lim;
	if (d < 0.99L)
		return 1;
	if (d > 1.01L)
		return 0;
	return -1;
}

/* Near a tie at length p both neighbours lie about half a decimal unit from
 * a; when that is far outside a's rounding interval neither reads back, so
 * the tie need not be resolved. */
static int fast_too_short(long double a, double v, int p, int e10)
{
	int ex, k = p - 1 - e10;

	frexp(v, &ex);
	if (k > 27 || k < -27)
		return 0;
	return 0.49L * scale10(1.0L, -k) > 1.01L * ldexpl(1.0L, ex - 54);
}

/* Shortest digits of |v| (finite, nonzero) into digits, with the decimal
 * exponent of the first one; -1 when the fast path cannot decide. */
static int fast_shortest(double v, char *digits, int *nd, int *exp10)
{
	long double a = fabsl((long double)v), x;
	uint64_t best = 0, n;
	int e10, lo = 1, hi = 17, best_p = 17, i, r;
	char tmp[24];

	if (!(a >= 1e-11L && a < 1e27L))
		return -1;
	e10 = (int)floorl(log10l(a));
	x = scale10(a, -e10);
	if (x < 1)
		e10--;
	else if (x >= 10)
		e10++;
	if (fast_round(a, 17, e10, &best) < 0)
		return -1;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (fast_round(a, mid, e10, &n) < 0)
			r = fast_too_short(a, v, mid, e10) ? 0 : -1;
		else
			r = fast_reads_back(a, v, n, mid, e10);
		if (r < 0)
			return -1;
		if (r) {
			hi = mid;
			best = n;
			best_p = mid;
		} else {
			lo = mid + 1;
		}
	}
	if (best_p == 17 && fast_reads_back(a, v, best, 17, e10) != 1)
		return -1;
	/* 9.99 rounded to two digits is 10.0: one more place */
	n = best;
	*exp10 = e10;
	if (best_p <= 19 && n >= (uint64_t)pow10l_exact[best_p]) {
		n /= 10;
		(*exp10)++;
	}
	i = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n);
	while (i > 1 && tmp[i - 1] == '0')
		i--;
	memcpy(digits, tmp, (size_t)i);
	*nd = i;
	return 0;
}

/* The exact search: printf's correctly rounded digits at each length. */
static void slow_shortest(double v, char *digits, int *nd, int *exp10)
{
	char tmp[40], best[40];
	int lo = 1, hi = 17;
	char *mant, *epos;

	snprintf(best, sizeof(best), "%.16e", v);
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(tmp, sizeof(tmp), "%.*e", mid - 1, v);
		if (strtod(tmp, NULL) == v) {
			hi = mid;
			memcpy(best, tmp, sizeof(tmp));
		} else {
			lo = mid + 1;
		}
	}
	mant = best[0] == '-' ? best + 1 : best;
	epos = strchr(mant, 'e');
	*nd = 0;
	for (char *q = mant; q < epos; q++)
		if (*q >= '0' && *q <= '9')
			digits[(*nd)++] = *q;
	*exp10 = (int)strtol(epos + 1, NULL, 10);
	while (*nd > 1 && digits[*nd - 1] == '0')
		(*nd)--;
}

size_t pq_double_repr(double v, char *out)
{
	char digits[24];
	int nd = 0, exp10 = 0, decpt, i;
	size_t n = 0;

	if (v == 0) {
		digits[0] = '0';
		nd = 1;
	} else if (fast_shortest(v, digits, &nd, &exp10) < 0) {
		slow_shortest(v, digits, &nd, &exp10);
	}
	if (signbit(v))
		out[n++] = '-';
	decpt = exp10 + 1;
	if (decpt > -4 && decpt <= 16) {
		if (decpt <= 0) {
			out[n++] = '0';
			out[n++] = '.';
			for (i = decpt; i < 0; i++)
				out[n++] = '0';
			memcpy(out + n, digits, (size_t)nd);
			n += (size_t)nd;
		} else if (nd <= decpt) {
			memcpy(out + n, digits, (size_t)nd);
			n += (size_t)nd;
			for (i = nd; i < decpt; i++)
				out[n++] = '0';
			out[n++] = '.';
			out[n++] = '0';
		} else {
			memcpy(out + n, digits, (size_t)decpt);
			n += (size_t)decpt;
			out[n++] = '.';
			memcpy(out + n, digits + decpt, (size_t)(nd - decpt));
			n += (size_t)(nd - decpt);
		}
	} else {
		out[n++] = digits[0];
		if (nd > 1) {
			out[n++] = '.';
			memcpy(out + n, digits + 1, (size_t)(nd - 1));
			n += (size_t)(nd - 1);
		}
		n += (size_t)snprintf(out + n, 8, "e%c%02d", exp10 < 0 ? '-' : '+',
				      exp10 < 0 ? -exp10 : exp10);
	}
	out[n] = 0;
	return n;
}

void pq_out_float(struct pq_out *o, double v)
{
	char t[40];

	if (!isfinite(v)) {
		if (o->w)
			jw_null(o->w);
		else
			put(o, json_float_new(v));
		return;
	}
	pq_double_repr(v, t);
	if (o->w)
		jw_raw(o->w, t);
	else
		put(o, json_num_new(v, t));
}

void pq_out_str(struct pq_out *o, const char *s, size_t n)
{
	cJSON *node;
	char *t;

	if (o->w) {
		jw_strn(o->w, s, n);
		return;
	}
	node = checked(cJSON_CreateNull());
	node->type = cJSON_String;
	if (memchr(s, 0, n)) {
		/* cJSON strings end at NUL: carry U+FFFD instead */
		struct buf b = BUF_INIT;
		size_t i;
		for (i = 0; i < n; i++) {
			if (s[i])
				buf_addch(&b, s[i]);
			else
				buf_adds(&b, "\xEF\xBF\xBD");
		}
		t = buf_detach(&b, NULL);
	} else {
		t = xmalloc(n + 1);
		memcpy(t, s, n);
		t[n] = 0;
	}
	node->valuestring = t;
	put(o, node);
}

/* ---- text forms ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* Proleptic Gregorian calendar from days since 1970-01-01. */
static void civil(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void pq_fmt_date(int64_t days, struct buf *out)
{
	int64_t y;
	int m, d;

	civil(days, &y, &m, &d);
	if (y < 0)
		buf_addf(out, "-%04lld-%02d-%02d", -(long long)y, m, d);
	else
		buf_addf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* ".ffffff" when the nanoseconds are whole microseconds, ".fffffffff"
 * otherwise, nothing for zero (as Python and pandas print them). */
static void fmt_frac(int64_t nanos, struct buf *out)
{
	if (nanos == 0)
		return;
	if (nanos % 1000 == 0)
		buf_addf(out, ".%06lld", (long long)(nanos / 1000));
	else
		buf_addf(out, ".%09lld", (long long)nanos);
}

static void fmt_clock(int64_t sod, int64_t nanos, struct buf *out)
{
	buf_addf(out, "%02d:%02d:%02d", (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
	fmt_frac(nanos, out);
}

void pq_fmt_timestamp(int64_t secs, int64_t nanos, int utc, struct buf *out)
{
	int64_t days = floor_div(secs, 86400), sod = floor_mod(secs, 86400);

	pq_fmt_date(days, out);
	buf_addch(out, ' ');
	fmt_clock(sod, nanos, out);
	if (utc)
		buf_adds(out, "+00:00");
}

/* Python's str(Decimal): digits (no leading zeros, "0" for zero) times
 * 10^-scale. */
static void decimal_str(int neg, const char *digits, int32_t scale, struct buf *out)
{
	int64_t n = (int64_t)strlen(digits), exp = -(int64_t)scale;
	int64_t left = exp + n, dot, i;

	dot = (exp <= 0 && left > -6) ? left : 1;
	if (neg)
		buf_addch(out, '-');
	if (dot <= 0) {
		buf_adds(out, "0.");
		for (i = 0; i < -dot; i++)
			buf_addch(out, '0');
		buf_adds(out, digits);
	} else if (dot >= n) {
		buf_adds(out, digits);
		for (i = 0; i < dot - n; i++)
			buf_addch(out, '0');
	} else {
		buf_add(out, digits, (size_t)dot);
		buf_addch(out, '.');
		buf_adds(out, digits + dot);
	}
	if (left != dot)
		buf_addf(out, "E%+lld", (long long)(left - dot));
}

void pq_fmt_decimal_i64(int64_t v, int32_t scale, struct buf *out)
{
	char digits[32];
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t i = sizeof(digits) - 1;

	digits[i] = 0;
	do {
		digits[--i] = (char)('0' + mag % 10);
		mag /= 10;
	} while (mag);
	decimal_str(v < 0, digits + i, scale, out);
}

/* Big-endian two's complement of any length (callers cap it). */
void pq_fmt_decimal(const uint8_t *be, size_t n, int32_t scale, struct buf *out)
{
	uint32_t *limbs;     /* base 1e9, least significant first */
	size_t nl = 0, i, j;
	int neg = n > 0 && (be[0] & 0x80);
	struct buf digits = BUF_INIT;

	limbs = xcalloc(n / 3 + 2, sizeof(*limbs));
	for (i = 0; i < n; i++) {
		uint64_t carry = neg ? (uint8_t)~be[i] : be[i];
		for (j = 0; j < nl; j++) {
			uint64_t v = (uint64_t)limbs[j] * 256 + carry;
			limbs[j] = (uint32_t)(v % 1000000000u);
			carry = v / 1000000000u;
		}
		while (carry) {
			limbs[nl++] = (uint32_t)(carry % 1000000000u);
			carry /= 1000000000u;
		}
	}
	if (neg) {
		/* magnitude = ~x + 1 */
		uint64_t carry = 1;
		for (j = 0; j < nl && carry; j++) {
			uint64_t v = (uint64_t)limbs[j] + carry;
			limbs[j] = (uint32_t)(v % 1000000000u);
			carry = v / 1000000000u;
		}
		if (carry)
			limbs[nl++] = (uint32_t)carry;
	}
	if (nl == 0) {
		buf_addch(&digits, '0');
	} else {
		buf_addf(&digits, "%u", (unsigned)limbs[nl - 1]);
		for (j = nl - 1; j-- > 0;)
			buf_addf(&digits, "%09u", (unsigned)limbs[j]);
	}
	decimal_str(neg, buf_cstr(&digits), scale, out);
	buf_release(&digits);
	free(limbs);
}

/* DuckDB's BLOB text: printable ASCII except '\' as is, else \xHH. */
static void blob_text(const uint8_t *p, size_t n, struct buf *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\\') {
			buf_addch(out, (char)p[i]);
		} else {
			char e[4] = { '\\', 'x', hex[p[i] >> 4], hex[p[i] & 15] };
			buf_add(out, e, 4);
		}
	}
}

/* Bytes without a text annotation read as text when they are valid UTF-8
 * with no control characters but tab, newline and carriage return. */
static int looks_like_text(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') || p[i] == 0x7F)
			return 0;
	return utf8_valid((const char *)p, n);
}

static double half_to_double(uint16_t h)
{
	int e = (h >> 10) & 31, m = h & 1023;
	double v;

	if (e == 0)
		v = ldexp((double)m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp((double)(m | 1024), e - 25);
	return (h & 0x8000) ? -v : v;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void out_text(struct pq_out *o, struct buf *b)
{
	if (b->overflow) {
		pq_out_null(o);
		return;
	}
	pq_out_str(o, b->data ? b->data : "", b->len);
}

/* An image: {"bytes": "<N bytes, sha256 HEX>"}, or only the summary for the
 * bytes of an Image struct (whose object the struct itself is); the bytes go
 * to the image callback. */
static void image_out(struct pq_out *o, const struct pq_leaf *l, const struct pq_val *v)
{
	struct buf b = BUF_INIT;
	char sha[65];

	sha256_hex(v->len ? (const void *)v->u.ptr : "", v->len, sha);
	if (o->image)
		o->image(o->image_ctx, v->len ? v->u.ptr : (const uint8_t *)"", v->len, sha);
	image_summary(v->len, sha, &b);
	if (l->image_bytes) {
		out_text(o, &b);
	} else {
		pq_out_obj(o);
		pq_out_key(o, "bytes");
		out_text(o, &b);
		pq_out_end(o);
	}
	buf_release(&b);
}

void pq_value_out(struct pq_out *o, const struct pq_leaf *l, const struct pq_val *v)
{
	char tmp[48];
	struct buf b = BUF_INIT;
	int64_t i;

	switch (l->vkind) {
	case PQ_VK_NULL:
		pq_out_null(o);
		return;
	case PQ_VK_BOOL:
		pq_out_bool(o, v->u.i32 != 0);
		return;
	case PQ_VK_INT:
		pq_out_int(o, l->physical == PQ_INT32 ? (long long)v->u.i32 : (long long)v->u.i64);
		return;
	case PQ_VK_UINT32:
		pq_out_int(o, (long long)(uint32_t)v->u.i32);
		return;
	case PQ_VK_UINT64:
		if (v->u.i64 >= 0) {
			pq_out_int(o, (long long)v->u.i64);
		} else {
			snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)(uint64_t)v->u.i64);
			pq_out_num(o, (double)(uint64_t)v->u.i64, tmp);
		}
		return;
	case PQ_VK_FLOAT:
		pq_out_float(o, (double)v->u.f);
		return;
	case PQ_VK_DOUBLE:
		pq_out_float(o, v->u.d);
		return;
	case PQ_VK_FLOAT16:
		pq_out_float(o, half_to_double((uint16_t)(v->u.ptr[0] | v->u.ptr[1] << 8)));
		return;
	case PQ_VK_TEXT:
		pq_out_str(o, (const char *)v->u.ptr, v->len);
		return;
	case PQ_VK_BYTES:
		if (l->image_bytes || image_mime(v->u.ptr, v->len)) {
			image_out(o, l, v);
			return;
		}
		if (looks_like_text(v->u.ptr, v->len)) {
			pq_out_str(o, (const char *)v->u.ptr, v->len);
			return;
		}
		blob_text(v->u.ptr, v->len, &b);
		out_text(o, &b);
		break;
	case PQ_VK_DECIMAL:
		if (l->physical == PQ_INT32)
			pq_fmt_decimal_i64(v->u.i32, l->scale, &b);
		else if (l->physical == PQ_INT64)
			pq_fmt_decimal_i64(v->u.i64, l->scale, &b);
		else if (v->len <= 1024)
			pq_fmt_decimal(v->u.ptr, v->len, l->scale, &b);
		else
			blob_text(v->u.ptr, v->len, &b);
		if (b.overflow)
			pq_out_null(o);
		else if (l->physical != PQ_INT32 && l->physical != PQ_INT64 && v->len > 1024)
			out_text(o, &b);
		else if (o->w)
			jw_raw(o->w, buf_cstr(&b));
		else
			pq_out_num(o, strtod(buf_cstr(&b), NULL), buf_cstr(&b));
		break;
	case PQ_VK_DATE:
		pq_fmt_date(v->u.i32, &b);
		out_text(o, &b);
		break;
	case PQ_VK_TIME: {
		static const int64_t per_sec[] = { 1000, 1000000, 1000000000 };
		int64_t t = l->physical == PQ_INT32 ? v->u.i32 : v->u.i64;
		int64_t ps = per_sec[l->unit];
		if (t < 0 || t / ps >= 86400) {
			pq_out_int(o, (long long)t);   /* not a time of day */
			return;
		}
		fmt_clock(t / ps, t % ps * (1000000000 / ps), &b);
		out_text(o, &b);
		break;
	}
	case PQ_VK_TIMESTAMP: {
		static const int64_t per_sec[] = { 1000, 1000000, 1000000000 };
		int64_t ps = per_sec[l->unit];
		i = v->u.i64;
		pq_fmt_timestamp(floor_div(i, ps), floor_mod(i, ps) * (1000000000 / ps), l->utc, &b);
		out_text(o, &b);
		break;
	}
	case PQ_VK_INT96: {
		int64_t nanos, days;
		memcpy(&nanos, v->u.ptr, 8);
		days = (int64_t)(int32_t)rd32(v->u.ptr + 8) - 2440588;   /* Julian day of 1970-01-01 */
		pq_fmt_timestamp(days * 86400 + floor_div(nanos, 1000000000),
				 floor_mod(nanos, 1000000000), 0, &b);
		out_text(o, &b);
		break;
	}
	case PQ_VK_UUID: {
		static const char hex[] = "0123456789abcdef";
		int k;
		for (k = 0; k < 16; k++) {
			if (k == 4 || k == 6 || k == 8 || k == 10)
				buf_addch(&b, '-');
			buf_addch(&b, hex[v->u.ptr[k] >> 4]);
			buf_addch(&b, hex[v->u.ptr[k] & 15]);
		}
		out_text(o, &b);
		break;
	}
	case PQ_VK_INTERVAL:
		pq_out_obj(o);
		pq_out_key(o, "months");
		pq_out_int(o, rd32(v->u.ptr));
		pq_out_key(o, "days");
		pq_out_int(o, rd32(v->u.ptr + 4));
		pq_out_key(o, "milliseconds");
		pq_out_int(o, rd32(v->u.ptr + 8));
		pq_out_end(o);
		return;
	default:
		pq_out_null(o);
		return;
	}
	buf_release(&b);
}
