/*
 * sample.h: one finished item, as one line of samples.jsonl.
 *
 * Written by `steval run` and `steval score`, read back by resume, report,
 * compare and leaderboard. Fields (docs/formats.md has the full list):
 *   id, category, type, split, status (ok|unparsed|error), truth, accepted,
 *   response (the raw answer, <think> kept), extracted, rule, fallback,
 *   score, variants {NAME: {status, extracted, score}}, error, attempts,
 *   prompt_sha256, video, images [...], frames [...], usage {input, output, reasoning},
 *   latency {frames, queue, network}, finish_reason, verdict.
 *
 * Ownership: struct sample borrows everything.
 */
#ifndef STEVAL_SAMPLE_H
#define STEVAL_SAMPLE_H

#include "lib/common.h"

struct buf;
struct item;
struct grade;

#define SAMPLE_MAX_VARIANTS 8

struct sample {
	const struct item *it;
	const char *question;          /* the prediction's own question when it differs, or NULL */
	const char *response;          /* NULL when there is no answer */
	size_t response_len;
	const char *error;             /* why there is no answer */
	const struct grade *g;         /* the protocol's own grading */
	const char *vnames[SAMPLE_MAX_VARIANTS];
	const struct grade *vg[SAMPLE_MAX_VARIANTS];
	size_t nv;
	int verdict;                   /* -1, or a judge's correct flag (score --verdicts) */
	const char *verdict_extracted; /* the judge's extracted answer */
	/* run facts; zero/NULL when unknown */
	const char *prompt_sha256;
	const char *frames_json;       /* a JSON array written by the frames module */
	const char *images_json;       /* the item's images sent: [{sha256, bytes, mime, source}] */
	long long in_tokens, out_tokens, reasoning_tokens;   /* -1 unknown */
	double t_frames, t_queue, t_network;                 /* seconds, < 0 unknown */
	int attempts;
	long repeat;                   /* 0-based repeat of the item; -1: a run without repeats */
	const char *finish_reason;
};

void sample_init(struct sample *s, const struct item *it);
/* Appends the JSON line (without the newline). */
void sample_to_json(const struct sample *s, struct buf *out);

#endif
