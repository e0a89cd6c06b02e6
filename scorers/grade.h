/*
 * grade.h: one model answer -> a graded sample, under a protocol (and
 * optionally one of its variants).
 *
 * Steps: strip <think> blocks, run the protocol's extractor for the item's
 * answer type, apply the protocol's fallback when nothing was extracted
 * ("random": a letter drawn from the item's valid letters with a generator
 * seeded by the run seed and the item id, reproducing R4D-Bench's official
 * random fallback deterministically; one capital letter, e.g. "A": that
 * letter, as OmniSpatial's official code answers "A"), then the metric.
 *
 * Status: GRADE_OK when the extractor found an answer, GRADE_UNPARSED when
 * it did not (scored by the metric as the official code scores it, usually
 * 0, or through the fallback), GRADE_ERROR when there is no answer at all
 * (a failed request): never scored.
 *
 * A variant (protocol "variants": {"NAME": {"extractor", "metric",
 * "fallback"}}) overrides those settings; "strict" is implied for every
 * protocol with a fallback: the same with no fallback (unparsed = wrong).
 *
 * Ownership: struct grade owns its strings; grade_release() frees them.
 */
#ifndef STEVAL_GRADE_H
#define STEVAL_GRADE_H

#include "lib/common.h"

struct item;
struct protocol;

enum grade_status { GRADE_OK, GRADE_UNPARSED, GRADE_ERROR };

struct grade {
	enum grade_status status;
	char *extracted;      /* the extracted answer (or "" ) */
	int rule;             /* extractor rule that matched, -1 none */
	char *fallback;       /* the letter a fallback chose, or NULL */
	double score;         /* in [0, 1]; 0 for errors */
	const char *extractor;   /* names, borrowed from the spec */
	const char *metric;
};

/* Register the extractor and metric names with the suite loader
 * (suite_set_name_checks), so specs naming unknown ones are refused at
 * load. The CLI calls it once at start; so do tests that load specs. */
void grade_register_names(void);

/* Is a protocol "fallback" a fixed letter ("A": one capital letter)? */
int grade_fixed_fallback(const char *fb);

const char *grade_status_name(enum grade_status s);
int grade_status_parse(const char *name, enum grade_status *out);

/* variant NULL: the protocol as it is. direct: the response is the answer
 * itself (a baseline's), so the "raw" extractor replaces the protocol's.
 * Returns -1 on an internal error. */
int grade_answer(const struct protocol *p, const char *variant, const struct item *it,
		 const char *response, size_t len, uint64_t seed, int direct, struct grade *out);
void grade_release(struct grade *g);

/* The protocol's grading and every variant's, for one answer. */
#define GRADE_MAX_VARIANTS 8
struct graded {
	struct grade main;
	const char *vnames[GRADE_MAX_VARIANTS];
	struct grade var[GRADE_MAX_VARIANTS];
	size_t nv;
};
int grade_all(const struct protocol *p, const struct item *it, const char *response,
	      size_t len, uint64_t seed, int direct, struct graded *out);
void graded_release(struct graded *g);

/* Names of the protocol's variants, "strict" first when implied; returns count. */
size_t grade_variants(const struct protocol *p, const char **names, size_t max);

#endif
