#include "lib/common.h"
#include "adapters/http/ratelimit.h"
#include "lib/rng.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <time.h>

static void refill(struct bucket *b, double now)
{
	if (now > b->last) {
		b->level += (now - b->last) * b->rate;
		if (b->level > b->cap)
			b->level = b->cap;
		b->last = now;
	}
}

void bucket_init(struct bucket *b, double per_minute, double window, double now)
{
	memset(b, 0, sizeof(*b));
	b->last = now;
	if (per_minute <= 0)
		return;
	b->rate = per_minute / 60.0;
	b->cap = b->rate * window;
	if (b->cap < 1)
		b->cap = 1;
	b->level = b->cap;
}

double bucket_wait(struct bucket *b, double cost, double now)
{
	double need;

	if (b->rate <= 0)
		return 0;
	refill(b, now);
	need = cost < b->cap ? cost : b->cap;
	if (b->level >= need)
		return 0;
	return (need - b->level) / b->rate;
}

void bucket_take(struct bucket *b, double cost, double now)
{
	if (b->rate <= 0)
		return;
	refill(b, now);
	b->level -= cost;
}

void bucket_adjust(struct bucket *b, double delta, double now)
{
	if (b->rate <= 0)
		return;
	refill(b, now);
	b->level -= delta;
	if (b->level > b->cap)
		b->level = b->cap;
}

void limiter_init(struct limiter *l, double rpm, double tpm, double now)
{
	bucket_init(&l->req, rpm, 1.0, now);
	bucket_init(&l->tok, tpm, 10.0, now);
	l->paused_until = 0;
}

double limiter_wait(struct limiter *l, double tokens, double now)
{
	double w = 0, t;

	if (l->paused_until > now)
		w = l->paused_until - now;
	t = bucket_wait(&l->req, 1, now);
	if (t > w)
		w = t;
	t = bucket_wait(&l->tok, tokens, now);
	if (t > w)
		w = t;
	return w;
}

void limiter_take(struct limiter *l, double tokens, double now)
{
	bucket_take(&l->req, 1, now);
	bucket_take(&l->tok, tokens, now);
}

void limiter_settle(struct limiter *l, double estimated, double actual, double now)
{
	if (actual >= 0)
		bucket_adjust(&l->tok, actual - estimated, now);
}

void limiter_pause(struct limiter *l, double until)
{
	if (until > l->paused_until)
		l->paused_until = until;
}

double rl_backoff(int retry, int overload, struct rng *r)
{
	double base = overload ? 1.0 : 0.5, max = overload ? 30.0 : 8.0, d;

	if (retry < 1)
		retry = 1;
	d = retry > 30 ? max : base * ldexp(1.0, retry - 1);
	if (d > max)
		d = max;
	/* U(0.75, 1]: 1 - 0.25 * U[0, 1) */
	return d * (1.0 - 0.25 * rng_unit(r));
}

/* A decimal number at *p (digits, optional fraction); advances *p. */
static int scan_number(const char **p, double *v)
{
	const char *s = *p;
	double x = 0, f = 0.1;
	int any = 0;

	while (isdigit((unsigned char)*s)) {
		x = x * 10 + (*s++ - '0');
		any = 1;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			x += (*s++ - '0') * f;
			f /= 10;
			any = 1;
		}
	}
	if (!any)
		return -1;
	*p = s;
	*v = x;
	return 0;
}

int rl_parse_duration(const char *s, double *sec)
{
	static const struct { const char *u; double mult; } units[] = {
		/* longest first so "ms" is not read as "m" */
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "\xc2\xb5s", 1e-6 }, { "\xce\xbcs", 1e-6 },
		{ "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
	};
	const char *p = s;
	double total = 0, v;
	int neg = 0, parts = 0;
	size_t i;

	if (!s)
		return -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!*p)
		return -1;
	while (*p && *p != ' ' && *p != '\t') {
		if (scan_number(&p, &v) < 0)
			return -1;
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			size_t n = strlen(units[i].u);
			if (!strncmp(p, units[i].u, n))
				break;
		}
		if (i == ARRAY_SIZE(units)) {
			/* a bare number: seconds, and it must be all there is */
			if (parts || (*p && *p != ' ' && *p != '\t'))
				return -1;
			total = v;
			parts++;
			break;
		}
		p += strlen(units[i].u);
		total += v * units[i].mult;
		parts++;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p || !parts)
		return -1;
	*sec = neg ? -total : total;
	return 0;
}

static int month_of(const char *m)
{
	static const char *const names[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int i;

	for (i = 0; i < 12; i++)
		if (!strncmp(m, names[i], 3))
			return i;
	return -1;
}

int rl_parse_http_date(const char *s, double *epoch)
{
	struct tm tm;
	char wd[4], mon[4], zone[8];
	int day, year, h, mi, se, n = 0;
	time_t t;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof(tm));
	/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
	if (sscanf(s, "%3s, %d %3s %d %d:%d:%d %7s%n", wd, &day, mon, &year, &h, &mi, &se, zone,
		   &n) == 8 && (s[n] == '\0' || s[n] == ' ') && !strcmp(zone, "GMT") &&
	    month_of(mon) >= 0) {
		tm.tm_year = year - 1900;
		tm.tm_mon = month_of(mon);
		tm.tm_mday = day;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = se;
		if (day < 1 || day > 31 || h > 23 || mi > 59 || se > 60)
			return -1;
		t = timegm(&tm);
		*epoch = (double)t;
		return 0;
	}
	/* the obsolete forms: only when it looks like a date (has a letter and a colon) */
	if (strchr(s, ':') && strpbrk(s, "JFMASOND")) {
		t = curl_getdate(s, NULL);
		if (t != (time_t)-1) {
			*epoch = (double)t;
			return 0;
		}
	}
	return -1;
}

static int digits(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return 0;
}

int rl_parse_rfc3339(const char *s, double *epoch)
{
	struct tm tm;
	int y, mo, d, h, mi, se, oh, om;
	double frac = 0, off = 0;
	const char *p;

	if (!s || strlen(s) < 19)
		return -1;
	if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
	    digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
	    digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		double f = 0.1;
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			frac += (*p++ - '0') * f;
			f /= 10;
		}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
			return -1;
		off = (oh * 3600.0 + om * 60.0) * (*p == '+' ? 1 : -1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*epoch = (double)timegm(&tm) + frac - off;
	return 0;
}

int rl_parse_retry_after(const char *s, double now_wall, double *sec)
{
	const char *p = s;
	double v, t;

	if (!s)
		return -1;
	while (*p == ' ')
		p++;
	if (scan_number(&p, &v) == 0) {
		while (*p == ' ')
			p++;
		if (!*p) {
			*sec = v;
			return 0;
		}
	}
	if (rl_parse_http_date(s, &t) == 0) {
		*sec = t - now_wall;
		return 0;
	}
	return -1;
}
