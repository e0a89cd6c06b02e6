#include "lib/common.h"
#include "adapters/retry.h"
#include "adapters/http/ratelimit.h"
#include "lib/xalloc.h"

void retry_decide(enum outcome o, const struct verdict *v, int attempts, long retries,
		  double max_retry_wait, struct rng *rng, struct retry_plan *out)
{
	const char *msg = v && v->message ? v->message : "failed";

	memset(out, 0, sizeof(*out));
	if (o == OUT_FATAL) {
		out->action = RETRY_STOP;
	} else if (o == OUT_RETRY && attempts > retries) {
		out->action = RETRY_FAIL;
		out->why = xasprintf("%s (gave up after %d attempts)", msg, attempts);
	} else if (o == OUT_RETRY && v && v->delay > max_retry_wait) {
		out->action = RETRY_FAIL;
		out->why = xasprintf("%s (the server asks to wait %.0f s, more than --max-retry-wait %.0f s)",
				     msg, v->delay, max_retry_wait);
	} else if (o != OUT_RETRY) {
		out->action = RETRY_FAIL;
		out->why = xstrdup(msg);
	} else {
		out->action = RETRY_WAIT;
		out->delay = v && v->delay >= 0 ? v->delay : rl_backoff(attempts, v && v->overload, rng);
		out->pause = v && v->rate_limited;
	}
}

void retry_plan_release(struct retry_plan *p)
{
	free(p->why);
	p->why = NULL;
}
