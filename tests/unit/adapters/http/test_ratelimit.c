/* Unit tests: token buckets and the limiter on a fake clock, backoff,
 * duration / HTTP-date / RFC 3339 / Retry-After parsing, header lookup
 * (base64 is in lib/test_core.c, MIME sniffing in adapters/test_media.c). */
#include "lib/common.h"
#include "lib/buf.h"
#include "adapters/http/httpq.h"
#include "adapters/http/ratelimit.h"
#include "lib/rng.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>

static void test_bucket_rate(void **state)
{
	struct bucket b;
	double t = 100, sent = 0;
	int n = 0;

	(void)state;
	bucket_init(&b, 120, 1.0, t);    /* 2 per second, burst 2 */
	assert_true(fabs(b.cap - 2) < 1e-9);
	/* the burst goes at once */
	assert_true(bucket_wait(&b, 1, t) == 0);
	bucket_take(&b, 1, t);
	assert_true(bucket_wait(&b, 1, t) == 0);
	bucket_take(&b, 1, t);
	/* then one every 0.5 s */
	assert_true(fabs(bucket_wait(&b, 1, t) - 0.5) < 1e-9);
	/* ten seconds of a greedy sender: about 2 per second */
	while (t < 110) {
		double w = bucket_wait(&b, 1, t);
		if (w > 0) {
			t += w;
			continue;
		}
		bucket_take(&b, 1, t);
		sent++;
		n++;
	}
	assert_true(sent >= 19 && sent <= 21);
}

static void test_bucket_unlimited_and_big(void **state)
{
	struct bucket b;

	(void)state;
	bucket_init(&b, 0, 1.0, 0);
	assert_true(bucket_wait(&b, 1e9, 0) == 0);
	bucket_take(&b, 1e9, 0);
	assert_true(bucket_wait(&b, 1e9, 0) == 0);
	/* a cost above the capacity waits for a full bucket, then goes into debt */
	bucket_init(&b, 600, 1.0, 0);   /* 10/s, cap 10 */
	assert_true(bucket_wait(&b, 50, 0) == 0);
	bucket_take(&b, 50, 0);
	assert_true(fabs(b.level + 40) < 1e-9);
	assert_true(fabs(bucket_wait(&b, 1, 0) - 4.1) < 1e-9);
	/* refunds cannot overfill it */
	bucket_adjust(&b, -1000, 0);
	assert_true(fabs(b.level - 10) < 1e-9);
}

static void test_limiter(void **state)
{
	struct limiter l;

	(void)state;
	limiter_init(&l, 60, 600, 0);      /* 1 req/s; 10 tok/s, 100 burst */
	assert_true(limiter_wait(&l, 50, 0) == 0);
	limiter_take(&l, 50, 0);
	/* the request bucket now rules: 1 s */
	assert_true(fabs(limiter_wait(&l, 50, 0) - 1.0) < 1e-9);
	/* at t=1: tokens 60 left, enough for 50 */
	assert_true(limiter_wait(&l, 50, 1) == 0);
	limiter_take(&l, 50, 1);
	/* tokens 10: 90 more needed for 100 -> 9 s */
	assert_true(fabs(limiter_wait(&l, 100, 2) - 8.0) < 1e-9);
	/* the real usage was 20, not 50: 30 back */
	limiter_settle(&l, 50, 20, 2);
	assert_true(fabs(limiter_wait(&l, 100, 2) - 5.0) < 1e-9);
	/* a pause beats everything and only extends */
	limiter_init(&l, 0, 0, 0);
	limiter_pause(&l, 30);
	limiter_pause(&l, 10);
	assert_true(fabs(limiter_wait(&l, 1, 20) - 10) < 1e-9);
	assert_true(limiter_wait(&l, 1, 30) == 0);
}

static void test_backoff(void **state)
{
	struct rng r, r2;
	int k;

	(void)state;
	rng_seed(&r, 1);
	rng_seed(&r2, 1);
	for (k = 1; k <= 8; k++) {
		double want = fmin(0.5 * pow(2, k - 1), 8.0);
		double d = rl_backoff(k, 0, &r);
		assert_true(d > 0.75 * want - 1e-12 && d <= want + 1e-12);
		assert_true(d == rl_backoff(k, 0, &r2));   /* seeded: repeatable */
	}
	for (k = 1; k <= 8; k++) {
		double want = fmin(pow(2, k - 1), 30.0);
		double d = rl_backoff(k, 1, &r);
		assert_true(d > 0.75 * want - 1e-12 && d <= want + 1e-12);
	}
	assert_true(rl_backoff(1000, 0, &r) <= 8.0);
}

static void test_durations(void **state)
{
	static const struct { const char *s; double v; } good[] = {
		{ "1s", 1 }, { "6m0s", 360 }, { "12ms", 0.012 }, { "9ms", 0.009 },
		{ "1h2m3.5s", 3723.5 }, { "250us", 0.00025 }, { "100ns", 1e-7 },
		{ "15s", 15 }, { "53.016342224s", 53.016342224 }, { "1.5", 1.5 }, { "0", 0 },
		{ " 2s ", 2 }, { "1m30s", 90 }, { "0.5s", 0.5 }, { "\xc2\xb5s", -1 },
	};
	static const char *const bad[] = { "", "abc", "1x", "s", "1s2", "1.5.5s", "--1s", "1 s" };
	size_t i;
	double v;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		int rc = rl_parse_duration(good[i].s, &v);
		if (good[i].v < 0) {
			assert_int_equal(rc, -1);   /* a unit without a number */
			continue;
		}
		assert_int_equal(rc, 0);
		assert_true(fabs(v - good[i].v) < 1e-9);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(rl_parse_duration(bad[i], &v), -1);
	assert_int_equal(rl_parse_duration(NULL, &v), -1);
}

static void test_dates(void **state)
{
	double t, d;

	(void)state;
	assert_int_equal(rl_parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT", &t), 0);
	assert_true(t == 1445412480);
	assert_int_equal(rl_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", &t), 0);   /* RFC 850 */
	assert_true(t == 784111777);
	assert_int_equal(rl_parse_http_date("Sun Nov  6 08:49:37 1994", &t), 0);         /* asctime */
	assert_true(t == 784111777);
	assert_int_equal(rl_parse_http_date("soon", &t), -1);
	assert_int_equal(rl_parse_http_date("Wed, 21 Oct 2015 07:28:00 PST", &t), 0);   /* obsolete zones */
	assert_true(t == 1445412480 + 8 * 3600);
	assert_int_equal(rl_parse_http_date("Wed, 32 Oct 2015 07:28:00 GMT", &t), -1);
	assert_int_equal(rl_parse_http_date("", &t), -1);

	assert_int_equal(rl_parse_rfc3339("2025-08-21T12:40:59Z", &t), 0);
	assert_true(t == 1755780059);
	assert_int_equal(rl_parse_rfc3339("2025-08-21T12:40:59.25Z", &t), 0);
	assert_true(fabs(t - 1755780059.25) < 1e-6);
	assert_int_equal(rl_parse_rfc3339("2025-08-21T14:40:59+02:00", &t), 0);
	assert_true(t == 1755780059);
	assert_int_equal(rl_parse_rfc3339("2025-08-21", &t), -1);
	assert_int_equal(rl_parse_rfc3339("2025-13-21T12:40:59Z", &t), -1);
	assert_int_equal(rl_parse_rfc3339("2025-08-21T12:40:59", &t), -1);
	assert_int_equal(rl_parse_rfc3339("2025-08-21T12:40:59Zjunk", &t), -1);

	assert_int_equal(rl_parse_retry_after("7", 0, &d), 0);
	assert_true(d == 7);
	assert_int_equal(rl_parse_retry_after(" 1.5 ", 0, &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(rl_parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412470, &d), 0);
	assert_true(d == 10);
	assert_int_equal(rl_parse_retry_after("later", 0, &d), -1);
	assert_int_equal(rl_parse_retry_after("7s", 0, &d), -1);
}

static void test_header_lookup(void **state)
{
	struct buf h = BUF_INIT;
	char v[32];

	(void)state;
	buf_adds(&h, "HTTP/1.1 429 Too Many Requests\r\nRetry-After:  7 \r\nX-Long: 0123456789012345678901234567890123456789\r\n"
		     "x-ratelimit-reset-requests: 6m0s\r\n\r\n");
	assert_string_equal(httpq_header(&h, "retry-after", v, sizeof(v)), "7");
	assert_string_equal(httpq_header(&h, "X-RATELIMIT-RESET-REQUESTS", v, sizeof(v)), "6m0s");
	assert_null(httpq_header(&h, "retry-after-ms", v, sizeof(v)));
	assert_null(httpq_header(&h, "retry", v, sizeof(v)));
	assert_int_equal(strlen(httpq_header(&h, "x-long", v, sizeof(v))), sizeof(v) - 1);
	buf_release(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_rate),
		cmocka_unit_test(test_bucket_unlimited_and_big),
		cmocka_unit_test(test_limiter),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_header_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
