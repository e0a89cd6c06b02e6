/*
 * adapter.h: model adapters, one table of functions per provider dialect.
 *
 * A model spec names an adapter and its settings (docs/adapters.md):
 *   baseline:random | baseline:frequency | baseline:first
 *   openai:MODEL   openai@URL:MODEL   anthropic:MODEL   anthropic@URL:MODEL
 *   gemini:MODEL   gemini@URL:MODEL   ollama:MODEL      ollama@URL:MODEL
 *   command:PROGRAM [ARGS]            NAME (an entry of the models file)
 * model_open() resolves the spec, merges the models-file entry and the run
 * options into a struct endpoint, and binds the adapter's table.
 *
 * Three kinds of adapters share one dispatcher (harness/run/run.c):
 *   - synchronous: answer() returns at once (the baselines);
 *   - HTTP: build() turns a request into URL, headers and JSON body;
 *     parse() turns the reply (or the transport failure) into an answer or
 *     a verdict: retry (after how long), fail the item, or stop the run;
 *   - worker: submit()/waitfds()/service() talk to a local process
 *     (command), reporting answers through a callback.
 *
 * API keys come only from environment variables. They live in memory
 * (struct endpoint.key, the header strings build() makes) and are
 * registered as secrets: secret_scrub() removes them, and any
 * Authorization / x-api-key / x-goog-api-key / key= value, from every text
 * steval writes (samples, manifest, messages).
 *
 * Ownership: struct request borrows everything. struct answer, struct
 * verdict and struct http_call own their strings (*_release()). A struct
 * model is created by model_open() and freed by model_close().
 */
#ifndef STEVAL_ADAPTER_H
#define STEVAL_ADAPTER_H

#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"

struct item;
struct protocol;
struct suite;
struct jw;

enum part_kind { PART_TEXT, PART_IMAGE, PART_VIDEO };

struct part {
	enum part_kind kind;
	const char *text;          /* PART_TEXT */
	size_t len;
	const char *b64;           /* PART_IMAGE / PART_VIDEO: base64 of the file's bytes */
	size_t b64_len;
	const char *mime;          /* "image/jpeg", "image/png", "video/mp4" */
	const char *path;          /* the file on disk, when there is one (else NULL) */
	size_t size;               /* bytes before base64 */
	double pts;                /* frames: presentation time (s); < 0 otherwise */
	long long frame_index;     /* frames: frame number in the video; < 0 otherwise */
	int frame_no;              /* frames: 0-based position among the frames sent; -1 otherwise */
	double t_start, t_end;     /* PART_VIDEO: the item's window (s), < 0 when none */
};

struct request {
	const struct item *it;
	const struct protocol *p;
	const char *system;        /* may be NULL */
	const char *text;          /* the rendered prompt */
	size_t text_len;
	const struct part *parts;  /* in layout order, the text included */
	size_t nparts;
	const cJSON *generation;   /* protocol settings merged with the run's overrides */
	int frame_labels;          /* label each frame with its time (protocol "frame_labels") */
	uint64_t seed;
	int attempt;               /* 1 for the first */
	const char *tag;           /* unique per attempt (command workers echo it) */
};

struct answer {
	char *text;                /* the raw answer (<think> kept); NULL when there is none */
	char *finish_reason;       /* stop, length, content_filter, refusal, ... */
	long long in_tokens, out_tokens, reasoning_tokens;   /* -1 unknown */
	char *error;               /* synchronous adapters: why there is no answer */
	int direct;                /* the text is the answer itself (baselines): no extraction */
};

/* What to do with a reply that is not an answer. */
enum outcome {
	OUT_OK,                    /* an answer (possibly empty: refusal, filter) */
	OUT_RETRY,                 /* transient: try again */
	OUT_ITEM,                  /* this item fails; the run goes on (400, 413, 422) */
	OUT_FATAL,                 /* stop the run: key, quota, billing, model not found */
};

struct verdict {
	enum outcome outcome;
	double delay;              /* server-requested wait in seconds; < 0: none (backoff) */
	int overload;              /* 529 / 503: back off longer */
	int rate_limited;          /* 429: pause the whole endpoint */
	long status;               /* HTTP status, 0 when none */
	char *message;             /* clear, one line, scrubbed */
};

/* An HTTP request built by an adapter. */
struct http_call {
	char *url;
	char **headers;            /* "Name: value" (may hold the key: never print) */
	size_t nheaders;
	struct buf body;           /* the JSON, but for the spans below */
	struct bufrefs refs;       /* spans of body borrowed from the request's parts:
				    * payloads of WIRE_REF_MIN bytes and more, which stay
				    * valid while the job holds its media */
	int stream;                /* asks for a streamed response */
};

/* What came back. */
struct http_reply {
	long status;               /* 0: no response */
	int curl_code;             /* 0 or the transport error */
	const char *curl_error;
	int too_large;             /* the body crossed the cap */
	const char *body;
	size_t len;
	const struct buf *hdrs;    /* raw header lines */
	double now_wall;           /* for HTTP-date / RFC 3339 resets */
};

/* Everything about where and how to reach a model (after the models file
 * and the run options are merged). */
struct endpoint {
	char *name;                /* models-file entry name, or NULL */
	char *adapter;             /* "openai" */
	char *base_url;            /* NULL: the adapter's default */
	char *model;               /* the provider's model name (or the command line) */
	char *key_env;             /* NULL: the adapter's default variable */
	char *key;                 /* the key's value (memory only), or NULL */
	long concurrency;          /* 0: the adapter's default */
	double rpm, tpm;           /* 0: unlimited */
	char **headers;            /* extra "Name: value" (${VAR} expanded; secret) */
	size_t nheaders;
	cJSON *body;               /* extra top-level body fields, or NULL */
	int stream;                /* -1: the adapter's default */
	char *max_tokens_field;    /* openai: "max_tokens" | "max_completion_tokens" */
	char *video;               /* openai@URL: "video_url" to send clips, "frames" not to */
	char *detail;              /* openai image detail: low | high | auto */
	char *images;              /* command: "path" | "base64" */
	long workers;              /* command: processes */
	int reasoning;             /* -1 auto, 0/1: a reasoning model (no temperature) */
	cJSON *json;               /* the models-file entry, or NULL */
};

struct model;

/* Called by a worker adapter for each finished request. a is NULL when v
 * says why there is no answer. */
typedef void (*worker_done_fn)(void *ctx, const char *tag, struct answer *a,
			       const struct verdict *v);

struct adapter_ops {
	const char *name;
	const char *summary;
	int (*open)(struct model *m, const struct suite *s);
	void (*close)(struct model *m);
	/* does it need frames and images? (baselines do not) */
	int (*needs_media)(const struct model *m);
	/* can it take a whole clip (protocol media "clip")? NULL: no */
	int (*takes_clip)(const struct model *m);
	/* the endpoint, for manifest.json (no key, no header values) */
	void (*describe)(const struct model *m, struct jw *w);

	/* synchronous */
	int (*answer)(struct model *m, const struct request *rq, struct answer *out);

	/* HTTP */
	int (*build)(struct model *m, const struct request *rq, struct http_call *out);
	/* An answer (returns OUT_OK and fills out) or a verdict. */
	enum outcome (*parse)(struct model *m, const struct http_reply *r, struct answer *out,
			      struct verdict *v);

	/* worker */
	int (*submit)(struct model *m, const struct request *rq);
	size_t (*waitfds)(struct model *m, void *fds, size_t max);   /* struct curl_waitfd */
	int (*service)(struct model *m, double now, worker_done_fn done, void *ctx);
	void (*cancel)(struct model *m, const char *tag);
	/* requests in flight by default: the function when it depends on the
	 * model, else the number, else 8 */
	long (*default_concurrency)(const struct model *m);
	long concurrency;
};

struct model {
	const struct adapter_ops *ops;
	char *spec;                /* as given (never contains a key) */
	struct endpoint ep;
	void *state;               /* the adapter's own */
	long timeout_ms;           /* per request (workers use it too) */
};

/* Run options that reach the adapters. */
struct model_opts {
	const char *models_file;   /* NULL: $STEVAL_MODELS */
	const char *key_env;       /* --key-env */
	int stream;                /* -1 default, 0/1 */
	long concurrency;          /* 0: from the models file or the adapter */
	double rpm, tpm;           /* < 0: from the models file */
	cJSON *body;               /* --body KEY=VALUE extras (borrowed) */
	long timeout_ms;
	int send_sampling;         /* 1: temperature / top_p go even to a reasoning model
				      (unless the models file says "reasoning"): a judge's
				      declared settings, which are the API's defaults */
};

/* Resolve a spec; errors name the spec. opts may be NULL. */
int model_open(struct model **out, const char *spec, const struct suite *s,
	       const struct model_opts *opts);
void model_close(struct model *m);
int model_needs_media(const struct model *m);
int model_takes_clip(const struct model *m);
long model_concurrency(const struct model *m);
void model_describe(const struct model *m, struct jw *w);
/* The synchronous path (baselines; also usable by tests). */
int model_answer(struct model *m, const struct request *rq, struct answer *out);

void answer_init(struct answer *a);
void answer_release(struct answer *a);
void verdict_release(struct verdict *v);
void http_call_release(struct http_call *c);
void http_call_header(struct http_call *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
void endpoint_release(struct endpoint *ep);

/* The known adapters, for --help and `steval list`. */
const struct adapter_ops *const *adapter_list(size_t *n);

/* Secrets: registered values are replaced by "[REDACTED]" in scrubbed text,
 * and so is whatever follows "Bearer ", "x-api-key:", "x-goog-api-key:",
 * "key=" and "api_key=". */
void secret_register(const char *value);
void secret_clear(void);
void secret_scrub(struct buf *b);
void secret_scrub_values(struct buf *b);   /* registered values only (model output) */
char *secret_scrub_dup(const char *s);

/* For adapters: read the key from $ep.key_env or default_env (see model.c). */
int model_load_key(struct model *m, const char *default_env, int required);

/* Parse "openai@http://h:8000/v1:MODEL" style specs (exposed for tests):
 * adapter name, base URL (or NULL) and the rest. */
int model_spec_split(const char *spec, char **adapter, char **url, char **rest);

extern const struct adapter_ops adapter_baseline;
extern const struct adapter_ops adapter_openai;
extern const struct adapter_ops adapter_anthropic;
extern const struct adapter_ops adapter_gemini;
extern const struct adapter_ops adapter_ollama;
extern const struct adapter_ops adapter_command;

#endif
