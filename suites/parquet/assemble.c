/*
 * assemble.c: record assembly (the Dremel algorithm, recursive).
 *
 * For one record every chosen leaf column holds its triples (rep, def,
 * value) in a struct pq_recbuf. A value of a shape node is built from a
 * slice [lo, hi) of each of its leaves' triples:
 *
 *   - nullable node: null when the first leaf's def is below the node's
 *   - struct: every field from the same slices
 *   - list/map: empty when def is below elem_def; otherwise the slices are
 *     cut where rep <= the list's level, one cut per element, and every
 *     leaf must yield the same number of elements
 *   - leaf: exactly one triple; its value, or null
 *
 * Slices for nested lists live in frames, one frame per nesting level, each
 * holding [lo, hi) for every leaf. Inconsistent levels (corrupt files) are
 * errors, never out-of-bounds reads.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

void pq_asm_init(struct pq_asm *a, const struct pq_schema *s, struct pq_recbuf *rb)
{
	size_t i;
	int maxrep = 0;

	memset(a, 0, sizeof(*a));
	a->s = s;
	a->rb = rb;
	a->nleaves = s->nleaves;
	for (i = 0; i < s->nleaves; i++)
		if (s->leaves[i].max_rep > maxrep)
			maxrep = s->leaves[i].max_rep;
	a->nframes = (size_t)maxrep + 2;
	a->frames = xcalloc(st_mult(st_mult(a->nframes, a->nleaves ? a->nleaves : 1), 2),
			    sizeof(*a->frames));
}

void pq_asm_release(struct pq_asm *a)
{
	free(a->frames);
	memset(a, 0, sizeof(*a));
}

static size_t *lo_of(struct pq_asm *a, int fd)
{
	return a->frames + (size_t)fd * a->nleaves * 2;
}

static size_t *hi_of(struct pq_asm *a, int fd)
{
	return a->frames + (size_t)fd * a->nleaves * 2 + a->nleaves;
}

static int asm_error(struct pq_asm *a, int leaf, const char *what)
{
	return error("'%s': row group %zu, row %lld, column '%s': %s", a->fname, a->rg,
		     (long long)a->row, a->s->leaves[leaf].path, what);
}

static int emit(struct pq_asm *a, struct pq_out *o, const struct pq_shape *s, int fd);

/* ---- maps ---- */

struct keyset {
	cJSON **slot;
	uint64_t *hash;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static void keyset_put(struct keyset *k, cJSON *item, uint64_t h);

static void keyset_grow(struct keyset *k)
{
	struct keyset old = *k;
	size_t i;

	k->cap = old.cap ? old.cap * 2 : 64;
	k->slot = xcalloc(k->cap, sizeof(*k->slot));
	k->hash = xcalloc(k->cap, sizeof(*k->hash));
	k->n = 0;
	for (i = 0; i < old.cap; i++)
		if (old.slot[i])
			keyset_put(k, old.slot[i], old.hash[i]);
	free(old.slot);
	free(old.hash);
}

static void keyset_put(struct keyset *k, cJSON *item, uint64_t h)
{
	size_t i;

	if ((k->n + 1) * 2 > k->cap)
		keyset_grow(k);
	for (i = (size_t)h & (k->cap - 1); k->slot[i]; i = (i + 1) & (k->cap - 1))
		;
	k->slot[i] = item;
	k->hash[i] = h;
	k->n++;
}

/* The member with this key, or NULL. */
static cJSON **keyset_find(struct keyset *k, const char *key, uint64_t h)
{
	size_t i;

	if (!k->cap)
		return NULL;
	for (i = (size_t)h & (k->cap - 1); k->slot[i]; i = (i + 1) & (k->cap - 1))
		if (k->hash[i] == h && !strcmp(k->slot[i]->string, key))
			return &k->slot[i];
	return NULL;
}

/* Add key: value to obj with Python dict semantics (a repeated key keeps
 * its first position and takes the last value). */
static void map_add(cJSON *obj, struct keyset *ks, const char *key, cJSON *val)
{
	uint64_t h = hash_str(key);
	cJSON **old = keyset_find(ks, key, h);

	if (old) {
		val->string = xstrdup(key);
		val->type &= ~cJSON_StringIsConst;
		cJSON_ReplaceItemViaPointer(obj, *old, val);
		*old = val;
		return;
	}
	cJSON_AddItemToObject(obj, key, val);
	keyset_put(ks, val, h);
}

/* ---- emission ---- */

/* Cut element e of a list: for every leaf, the next slice starting at
 * hi[fd+1] (the end of the previous element). Returns 1 with an element,
 * 0 when the list is done, -1 on inconsistent levels. */
static int next_element(struct pq_asm *a, const struct pq_shape *s, int fd)
{
	size_t *lo = lo_of(a, fd), *hi = hi_of(a, fd);
	size_t *nlo = lo_of(a, fd + 1), *nhi = hi_of(a, fd + 1);
	int l, done = -1;

	for (l = s->leaf_lo; l < s->leaf_hi; l++) {
		const struct pq_recbuf *rb = &a->rb[l];
		size_t start = nhi[l], end;
		int ended = start >= hi[l];
		if (done < 0)
			done = ended;
		else if (done != ended)
			return asm_error(a, l, "the columns of a nested value disagree on its "
					 "number of elements");
		if (ended)
			continue;
		if (start != lo[l] && rb->rep[start] != s->rep)
			return asm_error(a, l, "repetition levels do not match the schema");
		for (end = start + 1; end < hi[l] && rb->rep[end] > s->rep; end++)
			;
		nlo[l] = start;
		nhi[l] = end;
	}
	return done ? 0 : 1;
}

static int emit_list(struct pq_asm *a, struct pq_out *o, const struct pq_shape *s, int fd)
{
	size_t *lo = lo_of(a, fd), *nhi = hi_of(a, fd + 1);
	int l, r;

	if ((size_t)fd + 1 >= a->nframes)
		return asm_error(a, s->leaf_lo, "lists nest deeper than the levels allow");
	for (l = s->leaf_lo; l < s->leaf_hi; l++)
		nhi[l] = lo[l];
	pq_out_arr(o);
	while ((r = next_element(a, s, fd)) > 0)
		if (emit(a, o, &s->children[0], fd + 1) < 0)
			return -1;
	pq_out_end(o);
	return r;
}

static int emit_map(struct pq_asm *a, struct pq_out *o, const struct pq_shape *s, int fd)
{
	size_t *lo = lo_of(a, fd), *nhi = hi_of(a, fd + 1);
	struct keyset ks = { NULL, NULL, 0, 0 };
	struct buf key = BUF_INIT;
	cJSON *obj;
	int l, r;

	if ((size_t)fd + 1 >= a->nframes)
		return asm_error(a, s->leaf_lo, "maps nest deeper than the levels allow");
	for (l = s->leaf_lo; l < s->leaf_hi; l++)
		nhi[l] = lo[l];
	obj = cJSON_CreateObject();
	if (!obj)
		abort();
	while ((r = next_element(a, s, fd)) > 0) {
		struct pq_out ko, vo;
		memset(&ko, 0, sizeof(ko));
		memset(&vo, 0, sizeof(vo));
		ko.image = vo.image = o->image;
		ko.image_ctx = vo.image_ctx = o->image_ctx;
		if (emit(a, &ko, &s->children[0], fd + 1) < 0 ||
		    emit(a, &vo, &s->children[1], fd + 1) < 0) {
			cJSON_Delete(ko.result);
			cJSON_Delete(vo.result);
			r = -1;
			break;
		}
		buf_reset(&key);
		json_pystr(ko.result, &key);
		cJSON_Delete(ko.result);
		map_add(obj, &ks, buf_cstr(&key), vo.result ? vo.result : cJSON_CreateNull());
	}
	free(ks.slot);
	free(ks.hash);
	buf_release(&key);
	if (r < 0) {
		cJSON_Delete(obj);
		return -1;
	}
	pq_out_node(o, obj);
	return 0;
}

static int emit(struct pq_asm *a, struct pq_out *o, const struct pq_shape *s, int fd)
{
	size_t *lo = lo_of(a, fd), *hi = hi_of(a, fd);
	int first = s->leaf_lo;
	const struct pq_recbuf *rb = &a->rb[first];
	size_t i0 = lo[first], c;
	int d;

	if (i0 >= hi[first] || i0 >= rb->n)
		return asm_error(a, first, "no levels for a value (inconsistent levels)");
	d = rb->def[i0];
	if (d < s->def) {
		if (s->nullable) {
			pq_out_null(o);
			return 0;
		}
		return asm_error(a, first, "a required value is null");
	}
	switch (s->kind) {
	case PQ_SH_LEAF:
		if (hi[first] - i0 != 1)
			return asm_error(a, first, "repetition levels do not match the schema");
		pq_value_out(o, &a->s->leaves[s->column], &rb->val[i0]);
		return 0;
	case PQ_SH_STRUCT:
		pq_out_obj(o);
		for (c = 0; c < s->nchildren; c++) {
			pq_out_key(o, s->children[c].name);
			if (emit(a, o, &s->children[c], fd) < 0)
				return -1;
		}
		pq_out_end(o);
		return 0;
	case PQ_SH_LIST:
	case PQ_SH_MAP:
		if (d < s->elem_def) {
			int l;
			for (l = s->leaf_lo; l < s->leaf_hi; l++)
				if (hi[l] - lo[l] != 1)
					return asm_error(a, l, "repetition levels do not match "
							 "the schema");
			if (s->kind == PQ_SH_LIST) {
				pq_out_arr(o);
			} else {
				pq_out_obj(o);
			}
			pq_out_end(o);
			return 0;
		}
		return s->kind == PQ_SH_LIST ? emit_list(a, o, s, fd) : emit_map(a, o, s, fd);
	default:
		return asm_error(a, first, "internal: unknown shape");
	}
}

int pq_asm_row(struct pq_asm *a, struct pq_out *o, const struct pq_shape *const *shapes,
	       size_t n)
{
	size_t *lo = lo_of(a, 0), *hi = hi_of(a, 0), i;
	int l;

	pq_out_obj(o);
	for (i = 0; i < n; i++) {
		const struct pq_shape *s = shapes[i];
		for (l = s->leaf_lo; l < s->leaf_hi; l++) {
			lo[l] = 0;
			hi[l] = a->rb[l].n;
		}
		pq_out_key(o, s->name);
		if (emit(a, o, s, 0) < 0)
			return -1;
	}
	pq_out_end(o);
	return 0;
}
