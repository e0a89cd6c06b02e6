/*
 * adapter.h: model adapters.
 *
 * A model spec names an adapter and its settings:
 *   baseline:random | baseline:frequency | baseline:first
 *   openai:MODEL   openai@URL:MODEL   anthropic:MODEL   gemini:MODEL
 *   ollama:MODEL   command:PROGRAM
 * model_open() resolves the spec into a struct model bound to its
 * adapter's table of functions. API keys come only from the environment
 * and never reach any file steval writes.
 *
 * What an adapter receives (struct request) is everything the protocol
 * decides: system prompt, the rendered text, media in layout order, the
 * generation settings. What it returns (struct answer) is the raw text plus
 * what the provider reported (finish reason, token usage), or an error.
 *
 * Ownership: a struct request borrows everything; struct answer owns its
 * strings (answer_release()). A struct model is created by model_open()
 * and freed by model_close().
 */
#ifndef STEVAL_ADAPTER_H
#define STEVAL_ADAPTER_H

#include "harness/common.h"
#include "harness/json.h"

struct item;
struct protocol;
struct suite;

enum part_kind { PART_TEXT, PART_IMAGE };

struct part {
	enum part_kind kind;
	const char *text;          /* PART_TEXT */
	size_t len;
	const unsigned char *data; /* PART_IMAGE: encoded bytes */
	size_t size;
	const char *b64;           /* the same, base64 (may be NULL) */
	size_t b64_len;
	const char *mime;          /* "image/jpeg" */
	double pts;                /* presentation time in seconds (frames), < 0 otherwise */
	long long frame_index;     /* frame number in the video, < 0 for other images */
};

struct request {
	const struct item *it;
	const struct protocol *p;
	const char *system;        /* may be NULL */
	const char *text;          /* the rendered prompt */
	size_t text_len;
	const struct part *parts;  /* in layout order, text included */
	size_t nparts;
	const cJSON *generation;   /* protocol generation settings with run overrides */
	const char *video_path;    /* the item's video, for adapters that send the clip */
	uint64_t seed;
};

struct answer {
	char *text;                /* the raw answer; NULL when there is none */
	char *finish_reason;
	long long in_tokens, out_tokens, reasoning_tokens;   /* -1 unknown */
	char *error;               /* why there is no answer */
	int direct;                /* the text is the answer itself (baselines): no extraction */
};

struct model;

struct adapter_ops {
	const char *name;
	const char *summary;
	/* parse the part of the spec after "name:" and prepare; the suite is
	 * loaded (baselines learn answer frequencies from it) */
	int (*open)(struct model *m, const char *rest, const struct suite *s);
	void (*close)(struct model *m);
	/* does it need frames and images? (baselines do not) */
	int (*needs_media)(const struct model *m);
	/* answer one request synchronously */
	int (*answer)(struct model *m, const struct request *rq, struct answer *out);
};

struct model {
	const struct adapter_ops *ops;
	char *spec;                /* as given (never contains a key) */
	void *state;               /* the adapter's own */
};

/* Resolve a spec; errors name the spec. */
int model_open(struct model **out, const char *spec, const struct suite *s);
void model_close(struct model *m);
int model_answer(struct model *m, const struct request *rq, struct answer *out);
int model_needs_media(const struct model *m);
void answer_release(struct answer *a);
/* The known adapters, for --help and `steval list`. */
const struct adapter_ops *const *adapter_list(size_t *n);

extern const struct adapter_ops adapter_baseline;

#endif
