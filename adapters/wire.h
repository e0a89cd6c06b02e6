/*
 * wire.h: what the HTTP dialects share — error bodies, retry
 * classification, server-requested delays, SSE and NDJSON framing,
 * generation settings, frame labels.
 *
 * Error bodies (protocols.md §10.3): all seven shapes give one message:
 *   1. OpenAI {"error":{"message","type","param","code":string|null}}
 *   2. vLLM / llama.cpp: the same with an integer code
 *   3. Anthropic {"type":"error","error":{"type","message"},"request_id"}
 *   4. Gemini {"error":{"code":int,"message","status","details":[...]}},
 *      also wrapped in a top-level array (Vertex)
 *   5. Ollama {"error":"string"}
 *   6. SGLang / LMDeploy flat {"object":"error","message","type","code":int}
 *   7. anything else (HTML from a proxy, plain text): tags stripped,
 *      whitespace collapsed, cut to 200 characters
 *
 * Classification (docs/dispatch.md has the table): transport failures,
 * 408, 409, 429, 5xx (but 501) and 529 are retried; 400, 413, 422 and other
 * 4xx fail the item; 401, 402, 403, 404, quota and billing errors stop the
 * run; x-should-retry overrides.
 */
#ifndef STEVAL_WIRE_H
#define STEVAL_WIRE_H

#include "lib/common.h"
#include "adapters/adapter.h"

struct wire_err {
	char *message;     /* the server's words, or the cleaned body */
	char *type;        /* "rate_limit_error", "RESOURCE_EXHAUSTED", ... or NULL */
	char *code;        /* "insufficient_quota", "429", ... or NULL */
	char *param;
	cJSON *tree;       /* the parsed body (the object holding "error"), or NULL */
};

/* Parse an error body of any shape; always fills e->message. */
void wire_error_parse(const char *body, size_t len, struct wire_err *e);
void wire_err_release(struct wire_err *e);

/* The server's requested delay in seconds, < 0 when none (see ratelimit.h). */
double wire_server_delay(const struct http_reply *r, const cJSON *tree);

/*
 * Classify a reply that is not a success (transport error or status not
 * 2xx). Fills v (outcome, delay, message) and returns v->outcome.
 */
enum outcome wire_classify(const struct http_reply *r, struct verdict *v);

/* A verdict for a 200 whose body is unusable (malformed, truncated, an
 * error inside the stream): retried. */
enum outcome wire_bad_body(struct verdict *v, long status, const char *fmt, ...) PRINTF_LIKE(3, 4);

/*
 * SSE: calls cb for each event (event name or NULL, the joined data lines).
 * Lines end with \n, \r\n or \r; comment lines (":") are skipped; a last
 * event without the blank line after it is delivered too. A legacy
 * "error: {...}" line is delivered as an event named "error". cb returns
 * non-zero to stop. Returns 1 when the body looks like SSE at all.
 */
int wire_sse_each(const char *body, size_t len,
		  int (*cb)(void *ctx, const char *event, const char *data, size_t dlen), void *ctx);
int wire_looks_sse(const char *body, size_t len);
/* NDJSON: cb for each non-empty line. */
void wire_lines_each(const char *body, size_t len,
		     int (*cb)(void *ctx, const char *line, size_t n), void *ctx);

/* Generation settings: the value of key, or NULL (also for JSON null,
 * which means "do not send"). */
const cJSON *gen_get(const cJSON *gen, const char *key);
int gen_num(const cJSON *gen, const char *key, double *out);
int gen_int(const cJSON *gen, const char *key, long long *out);
/* Write a number keeping its spelling. */
void gen_write_num(struct jw *w, const char *key, const cJSON *v);
/* key: v inside the object named obj, which is opened at the first call
 * (*open tracks it; the caller closes it when *open). Nothing when !v.
 * wire_open_in() only opens it. */
void wire_open_in(struct jw *w, const char *obj, int *open);
void wire_put_in(struct jw *w, const char *obj, int *open, const char *key, const cJSON *v);
/* key: stop sequences as a list (a single string becomes [string]). */
void wire_stop_list(struct jw *w, const char *key, const cJSON *stop);
/* The label before a frame ("Frame 3 (t=1.50s):"). */
void wire_frame_label(const struct part *pt, struct buf *out);
/* Whether the extra body fields define key (then the adapter skips its own). */
int wire_extra_has(const struct model *m, const char *key);
/* Write every extra body field. */
void wire_extra_write(const struct model *m, struct jw *w);
/* Payloads from this size on are borrowed by a request body, not copied
 * (when the writer collects spans: wire_request_begin()). */
#define WIRE_REF_MIN 4096
/* Write a base64 payload as a JSON string value with an optional prefix:
 * by reference (jw_ref) from WIRE_REF_MIN bytes on. */
void wire_b64_value(struct jw *w, const char *prefix, const struct part *pt);

/* Append text, keeping reasoning as a <think> block before the answer. */
struct wire_text {
	struct buf think;
	struct buf text;
	int any;            /* some content (possibly empty) was seen */
};
void wire_text_init(struct wire_text *t);
void wire_text_release(struct wire_text *t);
/* The raw answer: "<think>...</think>" + text when there was reasoning. */
char *wire_text_finish(struct wire_text *t);

/* The generation settings an HTTP dialect understands. Each is NULL when
 * unset or null. The token limit is read from max_tokens, max_new_tokens,
 * max_completion_tokens or max_output_tokens (the first present). */
struct gen {
	const cJSON *max_tokens, *temperature, *top_p, *top_k, *seed, *stop;
	const cJSON *presence_penalty, *frequency_penalty, *reasoning_effort;
	const cJSON *min_p, *repetition_penalty;
};
void gen_read(const cJSON *g, struct gen *out);
/* Once per model: a note (-v) naming the settings this dialect does not
 * send (num_beams, do_sample, ...). `sent` lists the ones it does. */
void gen_note_unsent(const struct model *m, const cJSON *g, const char *const *sent, int *noted);

/* Size the request body once for its payloads (no regrowth while building;
 * borrowed payloads take no room). */
void wire_body_init(struct http_call *c, const struct request *rq);
/* The common start of a request: the endpoint's extra headers, the body
 * sized (wire_body_init), w writing into it with the top object opened and
 * borrowing large payloads into c->refs. */
void wire_request_begin(const struct model *m, struct http_call *c, const struct request *rq,
			struct jw *w);
/* key: s (key: v) unless the extra body fields define key; nothing when
 * v is NULL. */
void wire_put_str(const struct model *m, struct jw *w, const char *key, const char *s);
void wire_put(const struct model *m, struct jw *w, const char *key, const cJSON *v);
/* {"role": role, "content": text} (an array element). */
void wire_message(struct jw *w, const char *role, const char *text);

/* Number or numeric string -> long long; -1 when absent. */
long long wire_ll(const cJSON *v);

#endif
