/*
 * results.h: results.json, the summary of a run or of an offline scoring.
 *
 *   {"suite", "suite_title", "protocol", "model", "scoring": "official"|"verdicts",
 *    "aggregation": {"overall", "over", "scale", "round"},
 *    "overall":    {"score", "exact", "n", "ok", "unparsed", "error"},
 *    "categories": {NAME: {"score", "exact", "n", "ok", "unparsed", "error", "label"?, "merged"?}},
 *    "splits":     {NAME: {...same...}},
 *    "circular":   {...same...}: right in every option order (spec "circular" only),
 *    "variants":   {NAME: {"overall", "categories", "splits"}},
 *    "items": {"suite": N, "scored": N, "missing": N},
 *    "category_order": [names in the paper's order],
 *    "columns": [{"kind": "overall"|"category"|"split", "name", "label"}],
 *    "bootstrap": {"method", "resamples", "seed", "level", "clusters", "cluster_by"},
 *    "partial": {"shards", "missing_shards", "items", "missing_items"}   (steval merge --partial),
 *    "repeats": {"n", "answers", "overall": {"scores": [per repeat], "mean", "sd", "min",
 *                "max"}, "categories": {NAME: {...}}, "splits": {NAME: {...}}}}
 *
 * With repeats (each item asked N times, `steval run --repeats`), every
 * answer counts once in the groups (the item-weighted mean over items x
 * repeats, as OmniSpatial's official code computes it); "repeats" gives each
 * repeat's own score (scaled and rounded as the groups), their mean and
 * sample standard deviation (unrounded; sd null for one repeat).
 *
 * Groups with a bootstrap carry "ci": [lo, hi] and "se" (scaled like score,
 * unrounded); merged categories carry "members".
 *
 * score: scaled (x100) and rounded as the official code; exact: unrounded.
 * n counts every item with a sample; the score is over ok + unparsed
 * (errors are never scored). docs/formats.md documents every field.
 */
#ifndef STEVAL_RESULTS_H
#define STEVAL_RESULTS_H

#include "lib/common.h"
#include "scorers/aggregate.h"
#include "lib/json.h"

struct judge_stats;
struct judge_proto;

struct buf;
struct suite;
struct protocol;

#define RESULTS_MAX_VARIANTS 8

struct results {
	const struct suite *s;
	const struct protocol *p;
	const char *model;
	const char *scoring;             /* "official", "judge" or "verdicts" */
	struct agg_result main;
	const char *vnames[RESULTS_MAX_VARIANTS];
	struct agg_result var[RESULTS_MAX_VARIANTS];
	size_t nv;
	size_t nsamples;                 /* items with an answer */
	size_t nanswers;                 /* answers: items x repeats (= nsamples without repeats) */
	size_t nscored;                  /* with repeats: items with a scored answer */
	struct agg_result *reps;         /* with repeats: each repeat aggregated alone (owned) */
	size_t nreps;
	const struct stats_opts *boot;   /* NULL: no intervals */
	size_t clusters;                 /* bootstrap clusters (videos) */
	const cJSON *partial;            /* a partial merge of shards (written as is), or NULL */
	const struct judge_stats *judge;        /* verdicts in the samples (scorers/judge.h), or NULL */
	const struct judge_proto *judge_proto;  /* the protocol's judge, or NULL */
};

void results_to_json(const struct results *r, struct buf *out);
void results_release(struct results *r);

#endif
