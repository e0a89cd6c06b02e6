/*
 * rng.h: a small seeded generator (xoshiro256** seeded through splitmix64).
 *
 * Every random choice steval makes (baseline answers, the R4D official
 * fallback, bootstrap resamples) draws from one of these, seeded from the
 * run's --seed, so that runs repeat exactly.
 */
#ifndef STEVAL_RNG_H
#define STEVAL_RNG_H

#include "lib/common.h"

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
/* Seed from a seed and a string (e.g. an item id): independent streams. */
void rng_seed_str(struct rng *r, uint64_t seed, const char *key);
uint64_t rng_next(struct rng *r);
uint64_t rng_below(struct rng *r, uint64_t n);   /* uniform in [0, n), n > 0 */
double rng_unit(struct rng *r);                   /* uniform in [0, 1) */

#endif
