/*
 * cond.h: the small condition language of suite specs.
 *
 * Conditions select items for answer types ("types[].when"), named splits
 * ("splits[].where") and derived fields ("derive"). A condition is a JSON
 * object:
 *
 *   {"field": F, OP: ARG, ...}     all OPs given must hold
 *   {"all": [C, ...]}  {"any": [C, ...]}  {"not": C}
 *
 * F names a field of the item's source record, a derived field, or one of
 * the pseudo-fields $id (steval's item id), $source_id (the id as the
 * source spells it), $stem (stem of the source file name), $split,
 * $category, $answer, $video, $question, $row (the record's 0-based index in
 * its file), $rotation (0, or k for a "circular" rotation). The value is turned into text
 * with Python's str() (so 922 is "922" and None is "None").
 *
 * Before comparing, "transform": ["strip", "lower", "upper", "basename"]
 * is applied in order. OPs:
 *
 *   "eq": S            text equals S
 *   "in": [S, ...]     text equals one of them
 *   "startswith": S    "endswith": S    "contains": S
 *   "regex": R         PCRE2 search (UTF, Unicode classes); if R has a
 *                      capturing group, group 1 becomes the text for the
 *                      numeric OPs below
 *   "lt" "le" "gt" "ge" "eqnum": N    Python float() of the text, compared
 *                      to N; false when the text is not a number
 *   "present": true|false     the field exists and is not null
 *
 * Ownership: struct cond holds compiled regexes and borrows the JSON.
 */
#ifndef STEVAL_COND_H
#define STEVAL_COND_H

#include "lib/common.h"
#include "lib/json.h"

struct item;
struct cond;

/* Compile a condition; `where` names it in errors ("'vsi-bench.json': types[1].when"). */
struct cond *cond_compile(const cJSON *json, const char *where);
void cond_free(struct cond *c);
/* Evaluate against an item (its raw record, derived fields and pseudo-fields). */
int cond_eval(const struct cond *c, const struct item *it);

/* The str() text of field `name` of an item (pseudo, derived, then raw
 * field). Appends to out; returns 0, or -1 when the field is absent. */
int cond_field_text(const struct item *it, const char *name, struct buf *out);

#endif
