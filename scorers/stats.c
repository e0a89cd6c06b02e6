#include "lib/common.h"
#include "scorers/stats.h"
#include "lib/log.h"
#include "lib/rng.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>
#include <pthread.h>

#define RESAMPLE_STRIDE 0x9E3779B97F4A7C15ull

void stats_opts_default(struct stats_opts *o)
{
	o->resamples = STATS_RESAMPLES;
	o->seed = 0;
	o->level = STATS_LEVEL;
	o->threads = 0;
	o->per_cluster = 0;
}

void stats_init(struct stats_boot *b, size_t nv)
{
	memset(b, 0, sizeof(*b));
	b->nv = nv ? nv : 1;
}

static size_t add_group(struct stats_boot *b, enum stats_kind kind)
{
	struct stats_group *g;

	ALLOC_GROW(b->groups, b->ngroups + 1, b->galloc);
	g = &b->groups[b->ngroups];
	memset(g, 0, sizeof(*g));
	g->kind = kind;
	return b->ngroups++;
}

size_t stats_group_items(struct stats_boot *b)
{
	return add_group(b, STATS_ITEMS);
}

size_t stats_group_mean(struct stats_boot *b, const size_t *parts, size_t nparts)
{
	size_t g = add_group(b, STATS_MEAN), i, k = 0;

	b->groups[g].parts = xcalloc(nparts ? nparts : 1, sizeof(size_t));
	for (i = 0; i < nparts; i++)
		if (parts[i] < g)      /* only earlier groups: no cycles */
			b->groups[g].parts[k++] = parts[i];
	b->groups[g].nparts = k;
	return g;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 0xCBF29CE484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001B3ull;
	}
	return h;
}

static void key_rehash(struct stats_boot *b)
{
	size_t cap = b->key_cap ? b->key_cap * 2 : 256, i;
	char **keys = xcalloc(cap, sizeof(*keys));
	size_t *ids = xcalloc(cap, sizeof(*ids));

	for (i = 0; i < b->key_cap; i++) {
		size_t j;
		if (!b->keys[i])
			continue;
		for (j = hash_str(b->keys[i]) & (cap - 1); keys[j]; j = (j + 1) & (cap - 1))
			;
		keys[j] = b->keys[i];
		ids[j] = b->key_ids[i];
	}
	free(b->keys);
	free(b->key_ids);
	b->keys = keys;
	b->key_ids = ids;
	b->key_cap = cap;
}

static size_t cluster_of(struct stats_boot *b, const char *key)
{
	size_t j;

	if (!key || !*key)
		return b->nclusters++;
	if ((b->nkeys + 1) * 2 > b->key_cap)
		key_rehash(b);
	for (j = hash_str(key) & (b->key_cap - 1); b->keys[j]; j = (j + 1) & (b->key_cap - 1))
		if (!strcmp(b->keys[j], key))
			return b->key_ids[j];
	b->keys[j] = xstrdup(key);
	b->key_ids[j] = b->nclusters++;
	b->nkeys++;
	return b->key_ids[j];
}

void stats_add(struct stats_boot *b, const char *cluster, const size_t *groups, size_t ngroups,
	       const double *values)
{
	size_t c = cluster_of(b, cluster), i, v;

	b->nitems++;
	for (i = 0; i < ngroups; i++) {
		if (groups[i] >= b->ngroups || b->groups[groups[i]].kind != STATS_ITEMS)
			continue;
		if (b->nmemb + 1 > b->malloc_) {
			ALLOC_GROW(b->memb, b->nmemb + 1, b->malloc_);
			b->mval = xrealloc(b->mval, st_mult(st_mult(b->malloc_, b->nv), sizeof(double)));
		}
		b->memb[b->nmemb].cluster = c;
		b->memb[b->nmemb].group = groups[i];
		for (v = 0; v < b->nv; v++)
			b->mval[b->nmemb * b->nv + v] = values[v];
		b->nmemb++;
	}
}

/* Per-cluster sums: entries sorted by cluster, one per (cluster, group). */
struct sums {
	size_t nentries;
	size_t *start;        /* nclusters + 1 */
	size_t *group;        /* per entry */
	double *n, *s;        /* per entry, nv each */
};

static const struct stats_boot *sort_ctx;

static int cmp_memb(const void *a, const void *b)
{
	const struct stats_entry *x = &sort_ctx->memb[*(const size_t *)a];
	const struct stats_entry *y = &sort_ctx->memb[*(const size_t *)b];

	if (x->cluster != y->cluster)
		return x->cluster < y->cluster ? -1 : 1;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return 0;
}

static void build_sums(const struct stats_boot *b, struct sums *sm)
{
	size_t *ord = xcalloc(b->nmemb ? b->nmemb : 1, sizeof(*ord));
	size_t i, e = 0, v, nv = b->nv;

	for (i = 0; i < b->nmemb; i++)
		ord[i] = i;
	sort_ctx = b;
	qsort(ord, b->nmemb, sizeof(*ord), cmp_memb);
	sort_ctx = NULL;
	sm->start = xcalloc(b->nclusters + 1, sizeof(size_t));
	sm->group = xcalloc(b->nmemb ? b->nmemb : 1, sizeof(size_t));
	sm->n = xcalloc(st_mult(b->nmemb ? b->nmemb : 1, nv), sizeof(double));
	sm->s = xcalloc(st_mult(b->nmemb ? b->nmemb : 1, nv), sizeof(double));
	for (i = 0; i < b->nmemb; i++) {
		const struct stats_entry *m = &b->memb[ord[i]];
		if (!i || m->cluster != b->memb[ord[i - 1]].cluster ||
		    m->group != b->memb[ord[i - 1]].group) {
			sm->group[e] = m->group;
			sm->start[m->cluster + 1] = e + 1;   /* end of this cluster so far */
			e++;
		}
		for (v = 0; v < nv; v++) {
			double x = b->mval[ord[i] * nv + v];
			if (!isnan(x)) {
				sm->n[(e - 1) * nv + v] += 1;
				sm->s[(e - 1) * nv + v] += x;
			}
		}
	}
	sm->nentries = e;
	/* clusters without entries end where the previous one ended */
	for (i = 1; i <= b->nclusters; i++)
		if (sm->start[i] < sm->start[i - 1])
			sm->start[i] = sm->start[i - 1];
	free(ord);
}

/*
 * Cluster types: clusters whose entries are the same (the same groups with
 * the same counts and sums for every value) are interchangeable, so a
 * resample only needs how many draws fell on each type. With 0/1 scores
 * most of VLM4D's 1,000 clusters share a few dozen types. This is used only
 * when every count and sum is an integer below 2^40: then every
 * accumulated sum is an exact integer whatever the order of the additions,
 * and the replicates are bit for bit those of the per-cluster loop (the
 * draws are the same). Fractional scores (MRA) keep the per-cluster loop.
 */
struct types {
	size_t ntypes;
	size_t *type_of;      /* per cluster */
	struct sums ts;       /* the sums of one cluster of each type, by type */
	/* the same as dense rows over distinct columns: a column is the count
	 * or the sum of one slot (group * nv + v) for every type, and slots
	 * whose columns are equal (a category that is also a split; counts
	 * that do not depend on the value) share one. Row t is
	 * rows[t * stride ..] (stride: ncols rounded up to ROW_BLOCK, zeros
	 * after ncols, so that add_rows_avx2() reads whole blocks); slot q's
	 * count is column ncol[q], its sum column scol[q] (SIZE_MAX: always 0).
	 * A resample adds whole rows: no slot waits on another, and the loop
	 * vectorizes. NULL when too big. */
	double *rows;
	size_t *ncol, *scol, ncols, stride;
};

#define ROW_BLOCK 32   /* doubles: eight AVX2 vectors */

static int integral(double x)
{
	return x == floor(x) && fabs(x) < 1099511627776.0;
}

static int build_types(const struct stats_boot *b, const struct sums *sm, struct types *ty)
{
	size_t K = b->nclusters, nv = b->nv, cap, c, t, e, k;
	size_t *first, *hkey;   /* per type: a cluster of that type; hash table of types */
	uint64_t *hval;

	memset(ty, 0, sizeof(*ty));
	for (e = 0; e < sm->nentries * nv; e++)
		if (!integral(sm->n[e]) || !integral(sm->s[e]))
			return 0;
	for (cap = 64; cap < 2 * K + 2; cap *= 2)
		;
	first = xcalloc(K ? K : 1, sizeof(*first));
	hkey = xmalloc(cap * sizeof(*hkey));
	hval = xcalloc(cap, sizeof(*hval));
	for (k = 0; k < cap; k++)
		hkey[k] = SIZE_MAX;
	ty->type_of = xcalloc(K ? K : 1, sizeof(size_t));
	for (c = 0; c < K; c++) {
		uint64_t h = 1469598103934665603ull;
		size_t n = sm->start[c + 1] - sm->start[c];
		for (e = sm->start[c]; e < sm->start[c + 1]; e++) {
			h = (h ^ sm->group[e]) * 1099511628211ull;
			for (k = 0; k < nv; k++) {
				h = (h ^ (uint64_t)(int64_t)sm->n[e * nv + k]) * 1099511628211ull;
				h = (h ^ (uint64_t)(int64_t)sm->s[e * nv + k]) * 1099511628211ull;
			}
		}
		h = (h ^ n) * 1099511628211ull;
		for (k = h & (cap - 1);; k = (k + 1) & (cap - 1)) {
			size_t o;
			if (hkey[k] == SIZE_MAX) {
				hkey[k] = ty->ntypes;
				hval[k] = h;
				first[ty->ntypes] = c;
				ty->type_of[c] = ty->ntypes++;
				break;
			}
			if (hval[k] != h)
				continue;
			o = first[hkey[k]];
			if (sm->start[o + 1] - sm->start[o] == n &&
			    !memcmp(sm->group + sm->start[o], sm->group + sm->start[c], n * sizeof(size_t)) &&
			    !memcmp(sm->n + sm->start[o] * nv, sm->n + sm->start[c] * nv, n * nv * sizeof(double)) &&
			    !memcmp(sm->s + sm->start[o] * nv, sm->s + sm->start[c] * nv, n * nv * sizeof(double))) {
				ty->type_of[c] = hkey[k];
				break;
			}
		}
	}
	/* the type table, laid out like the per-cluster sums */
	ty->ts.start = xcalloc(ty->ntypes + 1, sizeof(size_t));
	for (t = 0; t < ty->ntypes; t++)
		ty->ts.start[t + 1] = ty->ts.start[t] + (sm->start[first[t] + 1] - sm->start[first[t]]);
	ty->ts.nentries = ty->ts.start[ty->ntypes];
	k = ty->ts.nentries ? ty->ts.nentries : 1;
	ty->ts.group = xcalloc(k, sizeof(size_t));
	ty->ts.n = xcalloc(k * nv, sizeof(double));
	ty->ts.s = xcalloc(k * nv, sizeof(double));
	for (t = 0; t < ty->ntypes; t++) {
		size_t from = sm->start[first[t]], n = ty->ts.start[t + 1] - ty->ts.start[t];
		memcpy(ty->ts.group + ty->ts.start[t], sm->group + from, n * sizeof(size_t));
		memcpy(ty->ts.n + ty->ts.start[t] * nv, sm->n + from * nv, n * nv * sizeof(double));
		memcpy(ty->ts.s + ty->ts.start[t] * nv, sm->s + from * nv, n * nv * sizeof(double));
	}
	if (ty->ntypes * b->ngroups * nv <= ((size_t)1 << 20)) {
		size_t width = b->ngroups * nv, T = ty->ntypes, q, u;
		double *full = xcalloc(2 * width * (T ? T : 1), sizeof(double));   /* [column][type] */
		size_t *uniq = xmalloc(2 * (width ? width : 1) * sizeof(size_t));
		for (t = 0; t < T; t++)
			for (e = ty->ts.start[t]; e < ty->ts.start[t + 1]; e++)
				for (k = 0; k < nv; k++) {
					q = ty->ts.group[e] * nv + k;
					full[(2 * q) * T + t] += ty->ts.n[e * nv + k];
					full[(2 * q + 1) * T + t] += ty->ts.s[e * nv + k];
				}
		ty->ncol = xmalloc((width ? width : 1) * sizeof(size_t));
		ty->scol = xmalloc((width ? width : 1) * sizeof(size_t));
		for (q = 0; q < 2 * width; q++) {
			const double *cq = full + q * T;
			size_t *to = q % 2 ? &ty->scol[q / 2] : &ty->ncol[q / 2];
			for (t = 0; t < T && cq[t] == 0; t++)
				;
			if (t == T) {
				*to = SIZE_MAX;
				continue;
			}
			for (u = 0; u < ty->ncols; u++)
				if (!memcmp(full + uniq[u] * T, cq, T * sizeof(double)))
					break;
			if (u == ty->ncols)
				uniq[ty->ncols++] = q;
			*to = u;
		}
		ty->stride = (ty->ncols + ROW_BLOCK - 1) / ROW_BLOCK * ROW_BLOCK;
		ty->rows = xcalloc(T * ty->stride + 1, sizeof(double));
		for (t = 0; t < T; t++)
			for (u = 0; u < ty->ncols; u++)
				ty->rows[t * ty->stride + u] = full[uniq[u] * T + t];
		free(full);
		free(uniq);
	}
	free(first);
	free(hkey);
	free(hval);
	return 1;
}

static void sums_release(struct sums *sm);

static void types_release(struct types *ty)
{
	free(ty->type_of);
	free(ty->rows);
	free(ty->ncol);
	free(ty->scol);
	if (ty->ntypes)
		sums_release(&ty->ts);
	memset(ty, 0, sizeof(*ty));
}

static void sums_release(struct sums *sm)
{
	free(sm->start);
	free(sm->group);
	free(sm->n);
	free(sm->s);
}

/* Group values from accumulated sums: out[g * nv + v]. */
static void evaluate(const struct stats_boot *b, const double *accn, const double *accs, double scale,
		     double *out)
{
	size_t g, v, k, nv = b->nv;

	for (g = 0; g < b->ngroups; g++) {
		const struct stats_group *gr = &b->groups[g];
		for (v = 0; v < nv; v++) {
			size_t i = g * nv + v;
			if (gr->kind == STATS_ITEMS) {
				out[i] = accn[i] > 0 ? accs[i] / accn[i] * scale : NAN;
			} else {
				double sum = 0;
				size_t m = 0;
				for (k = 0; k < gr->nparts; k++) {
					double x = out[gr->parts[k] * nv + v];
					if (!isnan(x)) {
						sum += x;
						m++;
					}
				}
				out[i] = m ? sum / (double)m : NAN;
			}
		}
	}
}

/* Uniform in [0, n), n < 2^32: Lemire's multiply-shift with rejection. */
static uint32_t below32(struct rng *r, uint32_t n)
{
	uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
	uint32_t l = (uint32_t)m;

	if (l < n) {
		uint32_t t = (uint32_t)(-n) % n;
		while (l < t) {
			m = (rng_next(r) >> 32) * (uint64_t)n;
			l = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/*
 * K draws of below32() counted by type, with rng_next() (xoshiro256**)
 * written out here on a local copy of the state: the same numbers as
 * below32(), without a call per draw.
 */
static void draw_types(struct rng *r, uint32_t n, const size_t *type_of, uint32_t *w)
{
	uint64_t s0 = r->s[0], s1 = r->s[1], s2 = r->s[2], s3 = r->s[3];
	uint32_t k, thr = (uint32_t)(-n) % n;

	for (k = 0; k < n; k++) {
		uint64_t m;
		uint32_t l;
		for (;;) {
			uint64_t x = s1 * 5, t = s1 << 17, out;
			out = ((x << 7) | (x >> 57)) * 9;
			s2 ^= s0;
			s3 ^= s1;
			s1 ^= s2;
			s0 ^= s3;
			s2 ^= t;
			s3 = (s3 << 45) | (s3 >> 19);
			m = (out >> 32) * (uint64_t)n;
			l = (uint32_t)m;
			/* below32 rejects l < thr only when l < n: the same test */
			if (l >= n || l >= thr)
				break;
		}
		w[type_of[m >> 32]]++;
	}
	r->s[0] = s0;
	r->s[1] = s1;
	r->s[2] = s2;
	r->s[3] = s3;
}

/*
 * draw_types() for four resamples at once: four independent streams
 * stepped in turn, so the processor overlaps their dependency chains.
 * Each lane gives exactly the draws draw_types() would.
 */
#define XSTEP(s0, s1, s2, s3, out) do {                                     \
		uint64_t x_ = (s1) * 5, t_ = (s1) << 17;                     \
		(out) = ((x_ << 7) | (x_ >> 57)) * 9;                          \
		(s2) ^= (s0);                                                  \
		(s3) ^= (s1);                                                  \
		(s1) ^= (s2);                                                  \
		(s0) ^= (s3);                                                  \
		(s2) ^= t_;                                                    \
		(s3) = ((s3) << 45) | ((s3) >> 19);                            \
	} while (0)

static void draw_types4(struct rng r[4], uint32_t n, const size_t *type_of, uint32_t *const w[4])
{
	uint64_t a0 = r[0].s[0], a1 = r[0].s[1], a2 = r[0].s[2], a3 = r[0].s[3];
	uint64_t b0 = r[1].s[0], b1 = r[1].s[1], b2 = r[1].s[2], b3 = r[1].s[3];
	uint64_t c0 = r[2].s[0], c1 = r[2].s[1], c2 = r[2].s[2], c3 = r[2].s[3];
	uint64_t d0 = r[3].s[0], d1 = r[3].s[1], d2 = r[3].s[2], d3 = r[3].s[3];
	uint32_t k, thr = (uint32_t)(-n) % n;

	for (k = 0; k < n; k++) {
		uint64_t oa, ob, oc, od, ma, mb, mc, md;
		XSTEP(a0, a1, a2, a3, oa);
		XSTEP(b0, b1, b2, b3, ob);
		XSTEP(c0, c1, c2, c3, oc);
		XSTEP(d0, d1, d2, d3, od);
		ma = (oa >> 32) * (uint64_t)n;
		mb = (ob >> 32) * (uint64_t)n;
		mc = (oc >> 32) * (uint64_t)n;
		md = (od >> 32) * (uint64_t)n;
		/* below32's rejection (rare): that lane draws again */
		while ((uint32_t)ma < n && (uint32_t)ma < thr) {
			XSTEP(a0, a1, a2, a3, oa);
			ma = (oa >> 32) * (uint64_t)n;
		}
		while ((uint32_t)mb < n && (uint32_t)mb < thr) {
			XSTEP(b0, b1, b2, b3, ob);
			mb = (ob >> 32) * (uint64_t)n;
		}
		while ((uint32_t)mc < n && (uint32_t)mc < thr) {
			XSTEP(c0, c1, c2, c3, oc);
			mc = (oc >> 32) * (uint64_t)n;
		}
		while ((uint32_t)md < n && (uint32_t)md < thr) {
			XSTEP(d0, d1, d2, d3, od);
			md = (od >> 32) * (uint64_t)n;
		}
		w[0][type_of[ma >> 32]]++;
		w[1][type_of[mb >> 32]]++;
		w[2][type_of[mc >> 32]]++;
		w[3][type_of[md >> 32]]++;
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/*
 * draw_types() for eight resamples at once with AVX2: lane i of the two
 * four-lane vectors a and b is resample i's xoshiro256** stream, and each
 * lane gives exactly the draws draw_types() would (about 2.3x faster than
 * draw_types4() twice here: 0.64 against 1.46 ns a draw). AVX2 has no
 * 64-bit multiply, so x * 5 and x * 9 are shifts and adds; the bounded
 * multiply (out >> 32) * n is vpmuludq (32 x 32 -> 64 bits), which GCC
 * does not find by itself. The histogram stays scalar, one per lane, so
 * lanes never touch the same counter. With AVX-512VL the same code gets
 * a rotate instruction and 32 registers (no spills): 0.50 ns a draw.
 * STEVAL_NO_AVX512=1 keeps AVX2, STEVAL_NO_AVX2=1 the plain C path
 * (draw_types4()).
 */
#include <immintrin.h>
#define HAVE_AVX2 1
#define AVX2 __attribute__((target("avx2")))
#define AVX512 __attribute__((target("avx2,avx512f,avx512vl")))
#define AVX2_INLINE static inline __attribute__((always_inline, target("avx2")))

typedef uint64_t v4u64 __attribute__((vector_size(32)));

struct rng4 {
	v4u64 s0, s1, s2, s3;
};

/* One step of the four streams: rng_next() lane by lane. */
AVX2_INLINE v4u64 step4(struct rng4 *g)
{
	v4u64 x = (g->s1 << 2) + g->s1, t = g->s1 << 17;

	x = (x << 7) | (x >> 57);
	g->s2 ^= g->s0;
	g->s3 ^= g->s1;
	g->s1 ^= g->s2;
	g->s0 ^= g->s3;
	g->s2 ^= t;
	g->s3 = (g->s3 << 45) | (g->s3 >> 19);
	return (x << 3) + x;
}

/* below32()'s m = (out >> 32) * n in each lane. */
AVX2_INLINE v4u64 bound4(v4u64 out, v4u64 n)
{
	return (v4u64)_mm256_mul_epu32((__m256i)(out >> 32), (__m256i)n);
}

/* The lanes below32() would reject (its l < t: t < n always, so l < n
 * is implied): all ones there. */
AVX2_INLINE v4u64 reject4(v4u64 m, v4u64 thr)
{
	return (v4u64)_mm256_cmpgt_epi64((__m256i)thr, (__m256i)(m & 0xffffffffu));
}

/* A rejected lane draws again from its own stream, the others wait: the
 * new state and m are taken only where the lane was rejected. */
AVX2_INLINE void redraw4(struct rng4 *g, v4u64 *m, v4u64 n, v4u64 thr)
{
	v4u64 rej = reject4(*m, thr);

	while (!_mm256_testz_si256((__m256i)rej, (__m256i)rej)) {
		struct rng4 h = *g;
		v4u64 m2 = bound4(step4(&h), n);
		g->s0 = (h.s0 & rej) | (g->s0 & ~rej);
		g->s1 = (h.s1 & rej) | (g->s1 & ~rej);
		g->s2 = (h.s2 & rej) | (g->s2 & ~rej);
		g->s3 = (h.s3 & rej) | (g->s3 & ~rej);
		*m = (m2 & rej) | (*m & ~rej);
		rej &= reject4(m2, thr);
	}
}

AVX2_INLINE void load4(struct rng4 *g, const struct rng *r)
{
	int i;

	for (i = 0; i < 4; i++) {
		g->s0[i] = r[i].s[0];
		g->s1[i] = r[i].s[1];
		g->s2[i] = r[i].s[2];
		g->s3[i] = r[i].s[3];
	}
}

AVX2_INLINE void store4(const struct rng4 *g, struct rng *r)
{
	int i;

	for (i = 0; i < 4; i++) {
		r[i].s[0] = g->s0[i];
		r[i].s[1] = g->s1[i];
		r[i].s[2] = g->s2[i];
		r[i].s[3] = g->s3[i];
	}
}

/*
 * count draws below n in each of the eight streams r[0..8). raw = 0:
 * counted by type into w[lane][type_of[draw]] (the bootstrap, count = n);
 * raw = 1: stored as w[lane][k] (stats_test_draws()).
 */
AVX2_INLINE void draws8(struct rng r[8], uint32_t n, uint32_t count, const size_t *type_of,
			uint32_t *const w[8], int raw)
{
	v4u64 nv = (v4u64){ 0, 0, 0, 0 } + n, thr = (v4u64){ 0, 0, 0, 0 } + (uint32_t)(-n) % n;
	uint32_t *w0 = w[0], *w1 = w[1], *w2 = w[2], *w3 = w[3];
	uint32_t *w4 = w[4], *w5 = w[5], *w6 = w[6], *w7 = w[7];
	struct rng4 a, b;
	uint32_t k;

	load4(&a, r);
	load4(&b, r + 4);
	for (k = 0; k < count; k++) {
		/* m's high halves are the draws: h[1], h[3], ... (little-endian) */
		union {
			v4u64 v[2];
			uint32_t h[16];
		} m;
		v4u64 la, lb;
		m.v[0] = bound4(step4(&a), nv);
		m.v[1] = bound4(step4(&b), nv);
		/* l - thr has its top bit set where l < thr: one test for all eight */
		la = (m.v[0] & 0xffffffffu) - thr;
		lb = (m.v[1] & 0xffffffffu) - thr;
		if (__builtin_expect(!_mm256_testz_pd((__m256d)(la | lb), (__m256d)(la | lb)), 0)) {
			redraw4(&a, &m.v[0], nv, thr);
			redraw4(&b, &m.v[1], nv, thr);
		}
		if (raw) {
			w0[k] = m.h[1];
			w1[k] = m.h[3];
			w2[k] = m.h[5];
			w3[k] = m.h[7];
			w4[k] = m.h[9];
			w5[k] = m.h[11];
			w6[k] = m.h[13];
			w7[k] = m.h[15];
			continue;
		}
		w0[type_of[m.h[1]]]++;
		w1[type_of[m.h[3]]]++;
		w2[type_of[m.h[5]]]++;
		w3[type_of[m.h[7]]]++;
		w4[type_of[m.h[9]]]++;
		w5[type_of[m.h[11]]]++;
		w6[type_of[m.h[13]]]++;
		w7[type_of[m.h[15]]]++;
	}
	store4(&a, r);
	store4(&b, r + 4);
}

static AVX2 void draw_types8_avx2(struct rng r[8], uint32_t n, const size_t *type_of, uint32_t *const w[8])
{
	draws8(r, n, n, type_of, w, 0);
}

static AVX512 void draw_types8_avx512(struct rng r[8], uint32_t n, const size_t *type_of, uint32_t *const w[8])
{
	draws8(r, n, n, type_of, w, 0);
}

static AVX2 void draws8_raw_avx2(struct rng r[8], uint32_t n, uint32_t count, uint32_t *const out[8])
{
	draws8(r, n, count, NULL, out, 1);
}

static AVX512 void draws8_raw_avx512(struct rng r[8], uint32_t n, uint32_t count, uint32_t *const out[8])
{
	draws8(r, n, count, NULL, out, 1);
}

static int cpu_has(int path)
{
	switch (path) {
	case STATS_SCALAR:
		return 1;
	case STATS_AVX2:
		return __builtin_cpu_supports("avx2");
	case STATS_AVX512:
		return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
		       __builtin_cpu_supports("avx512vl");
	}
	return 0;
}
#else
static int cpu_has(int path)
{
	return path == STATS_SCALAR;
}
#endif

/* The fastest path this CPU has and the environment allows. */
static int vector_path(void)
{
	if (getenv("STEVAL_NO_AVX2") || !cpu_has(STATS_AVX2))
		return STATS_SCALAR;
	if (getenv("STEVAL_NO_AVX512") || !cpu_has(STATS_AVX512))
		return STATS_AVX2;
	return STATS_AVX512;
}

/* Eight resamples' draws on the given path; the same counts on each. */
static void draw_types8(struct rng r[8], uint32_t n, const size_t *type_of, uint32_t *const w[8], int path)
{
#ifdef HAVE_AVX2
	if (path == STATS_AVX512) {
		draw_types8_avx512(r, n, type_of, w);
		return;
	}
	if (path == STATS_AVX2) {
		draw_types8_avx2(r, n, type_of, w);
		return;
	}
#endif
	(void)path;
	draw_types4(r, n, type_of, w);
	draw_types4(r + 4, n, type_of, w + 4);
}

int stats_test_draws(uint64_t seed, uint32_t n, uint32_t count, int path, uint32_t *out)
{
	struct rng r[8];
	uint32_t *lane[8], k;
	int i;

	if (!n || !cpu_has(path))
		return -1;
	for (i = 0; i < 8; i++) {
		rng_seed(&r[i], seed + (uint64_t)i * RESAMPLE_STRIDE);
		lane[i] = out + (size_t)i * count;
	}
#ifdef HAVE_AVX2
	if (path == STATS_AVX2 || path == STATS_AVX512) {
		if (path == STATS_AVX2)
			draws8_raw_avx2(r, n, count, lane);
		else
			draws8_raw_avx512(r, n, count, lane);
		return 0;
	}
#endif
	if (path != STATS_SCALAR)
		return -1;
	for (i = 0; i < 8; i++)
		for (k = 0; k < count; k++)
			lane[i][k] = below32(&r[i], n);
	return 0;
}

/* acc += w[t] * row t, for every type drawn (vectorized where the
 * compiler does it only when asked). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("tree-vectorize")))
#endif
static void add_rows(double *restrict acc, const double *restrict rows, const uint32_t *w,
		     size_t ntypes, size_t len, size_t stride)
{
	size_t t, k;

	for (t = 0; t < ntypes; t++) {
		const double *row = rows + t * stride;
		double wt;
		if (!w[t])
			continue;
		wt = w[t];
		for (k = 0; k < len; k++)
			acc[k] += wt * row[k];
	}
}

#ifdef HAVE_AVX2
typedef double v4f64 __attribute__((vector_size(32)));

/*
 * add_rows() with AVX2, into acc[0..stride) (set, not added to): 32
 * columns at a time held in eight registers while every type's row is
 * added, instead of acc loaded and stored again for each type (eight, so
 * that the adds of one column, which wait on each other, still fill the
 * adders). Each column still gets acc + w[t] * row[t] in the order of t,
 * rounded the same way (no FMA: the target is "avx2" only, and -std=c11
 * does not contract), so the sums are add_rows()'s bit for bit. Types not
 * drawn are not skipped (a branch the processor cannot predict): they
 * add 0 * row = +-0, which leaves acc as it is (rows are finite, and acc,
 * starting at +0, is never -0).
 */
static AVX2 void add_rows_avx2(double *acc, const double *rows, const uint32_t *w, size_t ntypes,
			       size_t stride)
{
	size_t c, t, i;

	for (c = 0; c < stride; c += ROW_BLOCK) {
		v4f64 a[ROW_BLOCK / 4] = { { 0 } }, x;
		for (t = 0; t < ntypes; t++) {
			const double *row = rows + t * stride + c;
			double d = w[t];
			v4f64 wt = { d, d, d, d };
			/* unrolled, so that a[] lives in registers */
#pragma GCC unroll 8
			for (i = 0; i < ROW_BLOCK / 4; i++) {
				memcpy(&x, row + 4 * i, sizeof(x));
				a[i] += wt * x;
			}
		}
		for (i = 0; i < ROW_BLOCK / 4; i++)
			memcpy(acc + c + 4 * i, &a[i], sizeof(a[i]));
	}
}
#endif

struct job {
	const struct stats_boot *b;
	const struct sums *sm;
	const struct types *ty;   /* NULL: the per-cluster loop */
	uint64_t seed;
	double scale;
	size_t from, to, resamples;
	double *rep;
	int path;                 /* STATS_SCALAR, STATS_AVX2 or STATS_AVX512 */
};

static void *work(void *arg)
{
	const struct job *j = arg;
	const struct stats_boot *b = j->b;
	const struct types *ty = j->ty;
	const struct sums *sm = ty ? &ty->ts : j->sm;
	size_t K = b->nclusters, nv = b->nv, width = b->ngroups * nv;
	size_t U = ty ? ty->ntypes : K;   /* the units weighted: types or clusters */
	uint32_t *wall = xcalloc(8 * (U ? U : 1), sizeof(*wall)), *w = wall, *w8[8];
	double *accn = xcalloc(width ? width : 1, sizeof(double));
	double *accs = xcalloc(width ? width : 1, sizeof(double));
	double *val = xcalloc(width ? width : 1, sizeof(double));
	double *acc2 = xcalloc((ty ? ty->stride : 0) + 1, sizeof(double));
	size_t r, k, c, e, v, lane = 8;

	for (k = 0; k < 8; k++)
		w8[k] = wall + k * (U ? U : 1);
	for (r = j->from; r < j->to; r++) {
		struct rng rg;
		if (ty && lane == 8 && r + 8 <= j->to) {
			/* the next eight resamples' draws at once */
			struct rng r8[8];
			for (k = 0; k < 8; k++)
				rng_seed(&r8[k], j->seed + (uint64_t)(r + k) * RESAMPLE_STRIDE);
			memset(wall, 0, 8 * U * sizeof(*wall));
			draw_types8(r8, (uint32_t)K, ty->type_of, w8, j->path);
			lane = 0;
		}
		if (lane < 8) {
			w = w8[lane++];
		} else {
			w = wall;
			rng_seed(&rg, j->seed + (uint64_t)r * RESAMPLE_STRIDE);
			memset(w, 0, U * sizeof(*w));
			if (ty)
				draw_types(&rg, (uint32_t)K, ty->type_of, w);
			else
				for (k = 0; k < K; k++)
					w[below32(&rg, (uint32_t)K)]++;
		}
		memset(accn, 0, width * sizeof(double));
		memset(accs, 0, width * sizeof(double));
		if (ty && ty->rows) {
#ifdef HAVE_AVX2
			if (j->path != STATS_SCALAR)
				add_rows_avx2(acc2, ty->rows, w, U, ty->stride);
			else
#endif
			{
				memset(acc2, 0, ty->ncols * sizeof(double));
				add_rows(acc2, ty->rows, w, U, ty->ncols, ty->stride);
			}
			for (k = 0; k < width; k++) {
				accn[k] = ty->ncol[k] == SIZE_MAX ? 0 : acc2[ty->ncol[k]];
				accs[k] = ty->scol[k] == SIZE_MAX ? 0 : acc2[ty->scol[k]];
			}
			U = 0;   /* done: skip the sparse loop below */
		}
		for (c = 0; c < U; c++) {
			double wc;
			if (!w[c])
				continue;
			wc = w[c];
			if (nv == 1) {
				/* the common case, kept simple for the compiler */
				for (e = sm->start[c]; e < sm->start[c + 1]; e++) {
					accn[sm->group[e]] += wc * sm->n[e];
					accs[sm->group[e]] += wc * sm->s[e];
				}
				continue;
			}
			for (e = sm->start[c]; e < sm->start[c + 1]; e++) {
				size_t base = sm->group[e] * nv;
				for (v = 0; v < nv; v++) {
					accn[base + v] += wc * sm->n[e * nv + v];
					accs[base + v] += wc * sm->s[e * nv + v];
				}
			}
		}
		U = ty ? ty->ntypes : K;
		evaluate(b, accn, accs, j->scale, val);
		for (k = 0; k < width; k++)
			j->rep[k * j->resamples + r] = val[k];
	}
	free(wall);
	free(acc2);
	free(accn);
	free(accs);
	free(val);
	return NULL;
}

int stats_run(struct stats_boot *b, const struct stats_opts *o, double scale)
{
	struct sums sm;
	size_t B = o->resamples, width = b->ngroups * b->nv, t, nthreads;
	struct job jobs[8];
	pthread_t tid[8];
	double work_units;
	struct types ty;
	int use_types, path;

	free(b->rep);
	b->rep = NULL;
	b->resamples = 0;
	b->scale = scale;
	if (!B || !b->nclusters)       /* nothing to resample: no intervals */
		return 0;
	if (b->nclusters > UINT32_MAX)
		return error("bootstrap: too many clusters (%zu)", b->nclusters);
	build_sums(b, &sm);
	memset(&ty, 0, sizeof(ty));
	use_types = !o->per_cluster && build_types(b, &sm, &ty);
	b->rep = xcalloc(st_mult(width ? width : 1, B), sizeof(double));
	b->resamples = B;
	/* threads only pay off for problems that take more than a few ms (about
	 * 2 ms per 1e6 units here; starting a thread costs some 0.1 ms);
	 * results never depend on them */
	work_units = (double)B * (double)(b->nclusters + (use_types ? ty.ts.nentries : sm.nentries) * b->nv);
	path = vector_path();   /* once here, not in each thread */
	nthreads = o->threads > 0 ? (size_t)o->threads : 1;
	if (o->threads <= 0 && work_units > 2e6)
		nthreads = cpu_threads();   /* the online CPUs, or $STEVAL_THREADS */
	if (nthreads > ARRAY_SIZE(jobs))
		nthreads = ARRAY_SIZE(jobs);
	if (nthreads > B)
		nthreads = B;
	for (t = 0; t < nthreads; t++) {
		jobs[t].b = b;
		jobs[t].sm = &sm;
		jobs[t].ty = use_types ? &ty : NULL;
		jobs[t].seed = o->seed;
		jobs[t].scale = scale;
		jobs[t].from = B * t / nthreads;
		jobs[t].to = B * (t + 1) / nthreads;
		jobs[t].resamples = B;
		jobs[t].rep = b->rep;
		jobs[t].path = path;
	}
	for (t = 1; t < nthreads; t++)
		if (pthread_create(&tid[t], NULL, work, &jobs[t]) != 0) {
			/* no thread: do that share here */
			work(&jobs[t]);
			jobs[t].from = jobs[t].to;
			tid[t] = 0;
		}
	work(&jobs[0]);
	for (t = 1; t < nthreads; t++)
		if (jobs[t].from != jobs[t].to)
			pthread_join(tid[t], NULL);
	sums_release(&sm);
	types_release(&ty);
	return 0;
}

double *stats_point(const struct stats_boot *b, double scale)
{
	size_t width = b->ngroups * b->nv, i, v;
	double *accn = xcalloc(width ? width : 1, sizeof(double));
	double *accs = xcalloc(width ? width : 1, sizeof(double));
	double *out = xcalloc(width ? width : 1, sizeof(double));

	for (i = 0; i < b->nmemb; i++)
		for (v = 0; v < b->nv; v++) {
			double x = b->mval[i * b->nv + v];
			if (!isnan(x)) {
				accn[b->memb[i].group * b->nv + v] += 1;
				accs[b->memb[i].group * b->nv + v] += x;
			}
		}
	evaluate(b, accn, accs, scale, out);
	free(accn);
	free(accs);
	return out;
}

double stats_quantile(const double *x, size_t n, double p)
{
	double h, f;
	size_t j;

	if (!n)
		return NAN;
	if (p <= 0)
		return x[0];
	if (p >= 1)
		return x[n - 1];
	h = (double)(n - 1) * p;
	j = (size_t)floor(h);
	f = h - (double)j;
	if (j + 1 >= n)
		return x[n - 1];
	return x[j] + f * (x[j + 1] - x[j]);
}

/*
 * The k-th smallest of x[0..n) (0-based); x is reordered so that x[k]
 * holds it, smaller values before and larger after. Floyd and Rivest's
 * selection: above 600 elements it first selects k within a range around
 * where a sample says x[k] will fall (recursively), so that partitioning
 * around that value leaves only a few elements on k's side: about n + k
 * comparisons for the 2.5 % point instead of the 3-4 n of quickselect
 * with a median-of-3 pivot (half the time of the intervals). Which
 * algorithm selects does not change the value: equal doubles that are
 * not zeros have the same bits, and replicates are never -0 (sums start
 * at +0, x - x is +0, and every suite's scale is positive).
 */
static double select_kth(double *x, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (hi > lo) {
		size_t i, j;
		double p, t;
		if (hi - lo > 600) {
			/* Floyd and Rivest's sample size and range */
			double m = (double)(hi - lo + 1), z = log(m), s = 0.5 * exp(2 * z / 3);
			double sd = 0.5 * sqrt(z * s * (m - s) / m) * ((double)(k - lo) < m / 2 ? -1 : 1);
			double a = (double)k - (double)(k - lo + 1) * s / m + sd;
			double b = (double)k + (double)(hi - k) * s / m + sd;
			size_t from = a > (double)lo ? (size_t)a : lo, to = b < (double)hi ? (size_t)b : hi;
			select_kth(x + from, to - from + 1, k - from);
		}
		/* partition [lo, hi] around p = x[k], which ends at j */
		p = x[k];
		t = x[lo], x[lo] = x[k], x[k] = t;
		if (x[hi] > p)
			t = x[hi], x[hi] = x[lo], x[lo] = t;
		i = lo;
		j = hi;
		while (i < j) {
			t = x[i], x[i] = x[j], x[j] = t;
			i++;
			j--;
			while (x[i] < p)
				i++;
			while (x[j] > p)
				j--;
		}
		if (x[lo] == p) {
			t = x[lo], x[lo] = x[j], x[j] = t;
		} else {
			j++;
			t = x[j], x[j] = x[hi], x[hi] = t;
		}
		if (j == k)
			break;
		if (j < k)
			lo = j + 1;
		else
			hi = j - 1;
	}
	return x[k];
}

/* stats_quantile() of the sorted x, without sorting x (same value: only
 * the order statistics at floor(h) and floor(h) + 1 are needed). The one
 * selected is the one nearer the end, so that the other is found among
 * the few elements beyond it (for the 2.5 % point: the largest of the 251
 * smallest, not the smallest of the other 9,749). */
static double quantile_select(double *x, size_t n, double p)
{
	double h, f, a, b;
	size_t j, i;

	if (!n)
		return NAN;
	if (p <= 0)
		return select_kth(x, n, 0);
	if (p >= 1)
		return select_kth(x, n, n - 1);
	h = (double)(n - 1) * p;
	j = (size_t)floor(h);
	f = h - (double)j;
	if (j + 1 >= n)
		return select_kth(x, n, n - 1);
	if (j < n / 2) {
		b = select_kth(x, n, j + 1);
		a = x[0];
		for (i = 1; i <= j; i++)
			if (x[i] > a)
				a = x[i];
	} else {
		a = select_kth(x, n, j);
		b = x[j + 1];
		for (i = j + 2; i < n; i++)
			if (x[i] < b)
				b = x[i];
	}
	return a + f * (b - a);
}

void stats_ci(const struct stats_boot *b, size_t g, size_t v, int v0, double level,
	      struct stats_ci *out)
{
	size_t B = b->resamples, r, m = 0;
	const double *a, *z = NULL;
	double *x, mean = 0, ss = 0;

	out->lo = out->hi = out->se = NAN;
	out->defined = 0;
	if (!B || g >= b->ngroups || v >= b->nv || (v0 >= 0 && (size_t)v0 >= b->nv))
		return;
	a = b->rep + (g * b->nv + v) * B;
	if (v0 >= 0)
		z = b->rep + (g * b->nv + (size_t)v0) * B;
	x = xmalloc(B * sizeof(double));   /* x[0..m) is written before it is read */
	for (r = 0; r < B; r++) {
		double d = z ? a[r] - z[r] : a[r];
		if (!isnan(d))
			x[m++] = d;
	}
	out->defined = m;
	if (m) {
		double alpha = 1 - level;
		/* the standard deviation in replicate order (before 2026-12 it
		 * was summed in sorted order: the last digits may differ) */
		for (r = 0; r < m; r++)
			mean += x[r];
		mean /= (double)m;
		for (r = 0; r < m; r++)
			ss += (x[r] - mean) * (x[r] - mean);
		if (m > 1)
			out->se = sqrt(ss / (double)(m - 1));
		/* the two order statistics each end needs, selected, not sorted */
		out->lo = quantile_select(x, m, alpha / 2);
		out->hi = quantile_select(x, m, 1 - alpha / 2);
	}
	free(x);
}

struct ci_job {
	const struct stats_boot *b;
	double level;
	struct stats_ci *out;
	size_t from, to;   /* columns g * nv + v */
};

static void *ci_work(void *arg)
{
	const struct ci_job *j = arg;
	size_t k;

	for (k = j->from; k < j->to; k++)
		stats_ci(j->b, k / j->b->nv, k % j->b->nv, -1, j->level, &j->out[k]);
	return NULL;
}

void stats_ci_all(const struct stats_boot *b, double level, struct stats_ci *out)
{
	struct ci_job jobs[8];
	pthread_t tid[8];
	size_t ncol = b->ngroups * b->nv, nt = 1, t, started = 0;

	/* a thread pays for some 20 columns of 10,000 replicates */
	if (b->resamples && ncol * b->resamples >= 200000)
		nt = cpu_threads();
	if (nt > ARRAY_SIZE(jobs))
		nt = ARRAY_SIZE(jobs);
	if (nt > ncol)
		nt = ncol ? ncol : 1;
	for (t = 0; t < nt; t++) {
		jobs[t].b = b;
		jobs[t].level = level;
		jobs[t].out = out;
		jobs[t].from = ncol * t / nt;
		jobs[t].to = ncol * (t + 1) / nt;
	}
	for (t = 1; t < nt; t++) {
		if (pthread_create(&tid[t], NULL, ci_work, &jobs[t]) != 0)
			break;
		started = t;
	}
	ci_work(&jobs[0]);
	for (t = started + 1; t < nt; t++)
		ci_work(&jobs[t]);   /* the columns of threads that could not start */
	for (t = 1; t <= started; t++)
		pthread_join(tid[t], NULL);
}

void stats_release(struct stats_boot *b)
{
	size_t i;

	for (i = 0; i < b->ngroups; i++)
		free(b->groups[i].parts);
	free(b->groups);
	for (i = 0; i < b->key_cap; i++)
		free(b->keys[i]);
	free(b->keys);
	free(b->key_ids);
	free(b->memb);
	free(b->mval);
	free(b->rep);
	memset(b, 0, sizeof(*b));
}

double stats_binom_cdf_half(size_t k, size_t n)
{
	/* sum of C(n, i) / 2^n for i <= k, in log space to stay finite */
	double total = 0, ln2n = (double)n * log(2.0);
	size_t i;

	if (k >= n)
		return 1;
	for (i = 0; i <= k; i++)
		total += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			     lgamma((double)(n - i) + 1) - ln2n);
	return total > 1 ? 1 : total;
}

double stats_mcnemar(size_t b, size_t c, int *exact)
{
	size_t n = b + c;
	double p;

	if (exact)
		*exact = n < STATS_MCNEMAR_EXACT_BELOW;
	if (!n)
		return 1;
	if (n < STATS_MCNEMAR_EXACT_BELOW) {
		p = 2 * stats_binom_cdf_half(b < c ? b : c, n);
	} else {
		double d = fabs((double)b - (double)c) - 1;
		double chi = d > 0 ? d * d / (double)n : 0;
		p = erfc(sqrt(chi / 2));
	}
	return p > 1 ? 1 : p;
}
