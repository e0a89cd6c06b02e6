/*
 * judge.h: LLM-as-judge scoring, the pure part: a protocol's judge as the
 * suite spec declares it, the judge prompt for one answer, the reply's
 * reading, the verdict cache key, and what a verdict does to a sample.
 *
 * A protocol's "judge" object (docs/suite-spec.md, docs/scoring.md §7):
 *   name            "vlm4d-o4-mini"
 *   source          repo@commit:path of the official judge
 *   model           the official judge model ("o4-mini"), for --judge default
 *   system          the judge's system prompt
 *   template        the user prompt: {question} {options} {answer} {response},
 *                   each Python str() of the value ({response} of a missing
 *                   answer is "None"); "{{" and "}}" are literal braces
 *   option_format   one option: {key} {value} ("{key}: {value}")
 *   option_join     between options ("\n")
 *   generation      request settings as for a model (temperature, top_p,
 *                   max_tokens, response_format, ...)
 *   parser          "json": the whole reply is one JSON object (pydantic
 *                   model_validate_json, VLM4D's SDK structured output);
 *                   "braces": the text from the first '{' to the last '}'
 *                   is parsed with Python's json.loads (MLLM-4D)
 *   retry_finish    finish reasons that make a reply a failed attempt
 *                   (VLM4D: the SDK raises on "length", "content_filter")
 *   unparsed        the extracted answer the official code records when a
 *                   reply does not parse ("Parsing Error", "")
 *   official_failure  prose: what the official script does with failures
 *
 * Both parsers then validate {"extracted_answer": str, "correct": bool}
 * as pydantic v2 does in lax mode: "correct" takes true/false, 0/1,
 * 0.0/1.0 and the strings true/false/t/f/yes/no/y/n/on/off/1/0 in any
 * case; "extracted_answer" must be a string; extra keys are ignored; a
 * duplicate key takes its last value.
 *
 * Ownership: struct judge_proto owns its strings and JSON (judge_proto_release);
 * struct judge_reading owns its strings (judge_reading_release).
 */
#ifndef STEVAL_JUDGE_H
#define STEVAL_JUDGE_H

#include "lib/common.h"
#include "lib/json.h"

struct buf;
struct item;
struct protocol;

enum judge_parser { JUDGE_PARSE_JSON, JUDGE_PARSE_BRACES };

struct judge_proto {
	char *name;
	char *source;
	char *model;
	char *system;
	char *template_;
	char *option_format;
	char *option_join;
	cJSON *generation;         /* owned copy; may be NULL */
	enum judge_parser parser;
	char **retry_finish;
	size_t nretry_finish;
	char *unparsed;            /* extracted answer of an unparsed reply */
	char *official_failure;
	char system_sha256[65];    /* of the system prompt */
	char template_sha256[65];  /* of template + "\0" + option_format + "\0" + option_join */
	char settings_sha256[65];  /* of the generation settings as compact JSON */
};

/* The protocol's judge: 1 loaded, 0 the protocol has none, -1 a bad spec
 * (error() names what). */
int judge_proto_load(struct judge_proto *jp, const struct protocol *p);
void judge_proto_release(struct judge_proto *jp);

/* The user prompt for one answer; response NULL renders as None.
 * Returns 0, or -1 when the template names an unknown placeholder. */
int judge_render(const struct judge_proto *jp, const struct item *it, const char *response,
		 size_t response_len, struct buf *out);

/* The reading of one judge reply. */
enum judge_status { JUDGE_OK, JUDGE_UNPARSED };

struct judge_reading {
	enum judge_status status;
	int correct;               /* the verdict (0 when unparsed) */
	char *extracted;           /* the judge's extracted answer (jp->unparsed when unparsed) */
	char *why;                 /* unparsed: why, one line */
};

/* Read a reply as the official code reads it. text NULL: no content (a
 * refusal). Always fills r; returns r->status. */
enum judge_status judge_read(const struct judge_proto *jp, const char *text, size_t len,
			     struct judge_reading *r);
void judge_reading_release(struct judge_reading *r);

/* Whether a finish reason makes the reply a failed attempt (retried). */
int judge_retry_finish(const struct judge_proto *jp, const char *finish_reason);

/*
 * The verdict cache key: sha256 of "steval-judge-1\n", the judge model id
 * as sent, "\n", and the request body with its transport fields ("stream",
 * "stream_options") removed, written compactly with number spellings kept.
 * Returns 0, or -1 when the body is not a JSON object.
 */
int judge_cache_key(const char *model_id, const char *body, size_t len, char hex[65]);

/*
 * What a judge call gave, for one sample. Strings are borrowed.
 */
struct judge_result {
	int error;                 /* no verdict: the call failed (judge_error) */
	const char *error_msg;
	const struct judge_reading *reading;   /* when !error */
	const char *reply;         /* the raw reply text (NULL: none) */
	const char *finish_reason;
	const char *judge_name;    /* the judge protocol's name */
	const char *judge_spec;    /* --judge as given */
	const char *judge_model;   /* the model id as sent */
	const char *key;           /* cache key, or NULL */
	int cached;
	int attempts;
	long long in_tokens, out_tokens;   /* -1 unknown */
	double cost;               /* < 0 unknown */
};

/*
 * Rewrite one samples.jsonl record with a judge's result: the judge's
 * reading becomes the sample's status, extracted answer and score (ok:
 * verdict 1/0; unparsed: 0; error: null, left out of the score), the
 * rule-based grading moves to variants.rules (once: a record judged before
 * keeps its rules), and "judge" records the call (docs/formats.md).
 */
void judge_apply(cJSON *rec, const struct judge_result *r);

/* Whether a record already carries a verdict (not a judge_error) of the
 * judge protocol `name` by model `model`. */
int judge_done(const cJSON *rec, const char *name, const char *model);

/*
 * Judge statistics over the last record of each item (summary): counts,
 * agreement with the rule-based reading, Cohen's kappa, tokens and cost,
 * and the disagreeing items. Call judge_stats_add for each record, then
 * judge_stats_json writes the "judge" object of results.json (nothing
 * when no record was judged).
 */
struct judge_stats {
	size_t judged, ok, unparsed, errors, cached;
	size_t n2, agree;                  /* items with both readings */
	size_t jr_yes_rule_yes, jr_yes_rule_no, jr_no_rule_yes, jr_no_rule_no;
	long long in_tokens, out_tokens;
	double cost;
	int cost_known, has_cost;         /* every new call priced; some was */
	char *name, *model, *spec;
	cJSON *disagree;                   /* [{id, judge, judge_extracted, rules, rules_extracted}] */
	cJSON *unparsed_ids;               /* [id] */
	cJSON *error_ids;                  /* [id] */
};

void judge_stats_init(struct judge_stats *s);
void judge_stats_add(struct judge_stats *s, const cJSON *rec);
void judge_stats_release(struct judge_stats *s);
/* Cohen's kappa of the 2x2 table; NAN when undefined. */
double judge_kappa(const struct judge_stats *s);
/* The "judge" object of results.json: official (the suite's protocol
 * declares this judge), counts, agreement, kappa, tokens, cost, lists.
 * jp may be NULL. When nothing was judged and jp is set, writes
 * {"run": false, "name", "model"} so reports can say the official judge
 * was not run. */
void judge_stats_json(const struct judge_stats *s, const struct judge_proto *jp, struct jw *w);

#endif
