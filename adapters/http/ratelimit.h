/*
 * ratelimit.h: token buckets, retry timing, and the time formats servers
 * use to say "come back later".
 *
 * Token buckets. A struct bucket refills at `rate` units per second up to
 * `cap`; taking more than is there is allowed (the level goes negative, a
 * debt the refill pays back before anything else may go), so one request
 * larger than the bucket is never stuck forever. struct limiter pairs a
 * request bucket (--rpm) and a token bucket (--tpm) with a pause (a 429
 * cools the whole endpoint down until the time the server named).
 *
 *   requests: cap = max(1, rpm/60): one second's worth, the window servers
 *             enforce limits on ("60 RPM may be enforced as 1 per second")
 *   tokens:   cap = tpm/6: ten seconds' worth (a request of 20k tokens
 *             against 100k TPM must still go at once when the bucket is full)
 *
 * Every function takes the current time (seconds, any monotonic origin)
 * from the caller, so the unit tests drive a fake clock.
 *
 * Retry timing: rl_backoff() is the official SDKs' exponential backoff,
 * min(base * 2^(retry-1), max) * U(0.75, 1], drawn from a seeded generator.
 *
 * Parsers (all return 0 on success, -1 when the text is not of the form):
 *   rl_parse_duration   Go durations ("1s", "6m0s", "12ms", "1h2m3.5s",
 *                       "250us") and protobuf JSON durations ("15s",
 *                       "53.016342224s"); a bare number is seconds
 *   rl_parse_http_date  IMF-fixdate "Wed, 21 Oct 2015 07:28:00 GMT" (and the
 *                       obsolete RFC 850 / asctime forms, through libcurl)
 *   rl_parse_rfc3339    "2025-08-21T12:40:59Z", fractions, +hh:mm offsets
 *   rl_parse_retry_after  a Retry-After value: seconds (possibly fractional)
 *                       or an HTTP-date, as a delay from `now_wall`
 */
#ifndef STEVAL_RATELIMIT_H
#define STEVAL_RATELIMIT_H

#include "lib/common.h"

struct rng;

struct bucket {
	double rate;      /* units per second; 0: unlimited */
	double cap;
	double level;
	double last;      /* time of the last refill */
};

/* per_minute 0 means unlimited; window: seconds of refill the bucket holds. */
void bucket_init(struct bucket *b, double per_minute, double window, double now);
/* Seconds to wait before `cost` may be taken (0: now). A cost above the
 * capacity waits for a full bucket. */
double bucket_wait(struct bucket *b, double cost, double now);
void bucket_take(struct bucket *b, double cost, double now);
/* Give back (delta < 0) or charge (delta > 0) after the fact. */
void bucket_adjust(struct bucket *b, double delta, double now);

struct limiter {
	struct bucket req, tok;
	double paused_until;
};

void limiter_init(struct limiter *l, double rpm, double tpm, double now);
/* Seconds until a request estimated at `tokens` may start (0: now). */
double limiter_wait(struct limiter *l, double tokens, double now);
void limiter_take(struct limiter *l, double tokens, double now);
/* Correct the token charge once the real usage is known. */
void limiter_settle(struct limiter *l, double estimated, double actual, double now);
/* No request before `until` (only ever extends the pause). */
void limiter_pause(struct limiter *l, double until);

/* Backoff before retry number `retry` (1 for the first retry). overload:
 * the server said it is overloaded (529, 503): base 1 s, max 30 s instead
 * of base 0.5 s, max 8 s. */
double rl_backoff(int retry, int overload, struct rng *r);

int rl_parse_duration(const char *s, double *sec);
int rl_parse_http_date(const char *s, double *epoch);
int rl_parse_rfc3339(const char *s, double *epoch);
int rl_parse_retry_after(const char *s, double now_wall, double *sec);

#endif
