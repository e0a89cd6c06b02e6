/*
 * retry.h: what a failed attempt leads to, decided once for the run loop
 * and the judge stage (docs/dispatch.md, "Retries"): stop (a fatal error),
 * fail the item (retries spent, a server delay over --max-retry-wait, or a
 * failure not worth retrying), or wait and try again (the server's delay,
 * else the SDKs' backoff drawn from the caller's seeded generator; a 429
 * pauses the whole endpoint).
 *
 * Ownership: struct retry_plan owns why (retry_plan_release).
 */
#ifndef STEVAL_RUN_RETRY_H
#define STEVAL_RUN_RETRY_H

#include "lib/common.h"
#include "adapters/adapter.h"

struct rng;

enum retry_action { RETRY_WAIT, RETRY_FAIL, RETRY_STOP };

struct retry_plan {
	enum retry_action action;
	double delay;              /* RETRY_WAIT: seconds before the next attempt */
	int pause;                 /* RETRY_WAIT: pause the endpoint that long (a 429) */
	char *why;                 /* RETRY_FAIL: the item's error, with the reason appended */
};

/* o is not OUT_OK; v may be NULL; attempts counts the one that failed. */
void retry_decide(enum outcome o, const struct verdict *v, int attempts, long retries,
		  double max_retry_wait, struct rng *rng, struct retry_plan *out);
void retry_plan_release(struct retry_plan *p);

#endif
