/* Unit tests: adapters/retry.c, the retry decision the run loop and the
 * judge stage share (docs/dispatch.md "Retries"). */
#include "lib/common.h"
#include "adapters/retry.h"
#include "lib/rng.h"

#include <setjmp.h>
#include <cmocka.h>

static struct verdict vd(enum outcome o, double delay, int rate_limited, int overload)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.outcome = o;
	v.delay = delay;
	v.rate_limited = rate_limited;
	v.overload = overload;
	v.message = (char *)"HTTP 429: slow down";
	return v;
}

static void test_decide(void **state)
{
	struct retry_plan p;
	struct verdict v;
	struct rng r;

	(void)state;
	rng_seed(&r, 0);
	v = vd(OUT_FATAL, -1, 0, 0);
	retry_decide(OUT_FATAL, &v, 1, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_STOP);
	retry_plan_release(&p);

	v = vd(OUT_RETRY, 2.5, 1, 0);
	retry_decide(OUT_RETRY, &v, 1, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_WAIT);
	assert_true(p.delay == 2.5 && p.pause);
	retry_plan_release(&p);

	/* no server delay: the SDKs' backoff, 0.5 s x U(0.75, 1] for the first retry */
	v = vd(OUT_RETRY, -1, 0, 0);
	retry_decide(OUT_RETRY, &v, 1, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_WAIT);
	assert_true(p.delay > 0.375 - 1e-9 && p.delay <= 0.5 && !p.pause);
	retry_plan_release(&p);

	/* the retries are spent: fail the item, saying so */
	retry_decide(OUT_RETRY, &v, 5, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_FAIL);
	assert_string_equal(p.why, "HTTP 429: slow down (gave up after 5 attempts)");
	retry_plan_release(&p);

	/* a server delay over --max-retry-wait */
	v = vd(OUT_RETRY, 600, 1, 0);
	retry_decide(OUT_RETRY, &v, 1, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_FAIL);
	assert_string_equal(p.why, "HTTP 429: slow down (the server asks to wait 600 s, more than "
			    "--max-retry-wait 120 s)");
	retry_plan_release(&p);

	/* not worth retrying */
	v = vd(OUT_ITEM, -1, 0, 0);
	retry_decide(OUT_ITEM, &v, 1, 4, 120, &r, &p);
	assert_int_equal(p.action, RETRY_FAIL);
	assert_string_equal(p.why, "HTTP 429: slow down");
	retry_plan_release(&p);
	retry_decide(OUT_ITEM, NULL, 1, 4, 120, &r, &p);
	assert_string_equal(p.why, "failed");
	retry_plan_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decide),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
