#include "lib/common.h"
#include "suites/shard.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

/* ---- parsing ---- */

static const char *env_get(const char *name, void *ctx)
{
	(void)ctx;
	return getenv(name);
}

/* A non-negative integer environment variable: 1 set and read, 0 unset,
 * -1 set to something else. */
static int env_long(shard_getenv_fn get, void *ctx, const char *name, long *v)
{
	const char *s = get(name, ctx);

	if (!s || !*s)
		return 0;
	if (parse_long(s, v) < 0 || *v < 0)
		return error("--shard auto: $%s is '%s', not a non-negative integer", name, s);
	return 1;
}

static int parse_auto(struct shard *sh, shard_getenv_fn get, void *ctx)
{
	long id, cnt, min, max, step = 1;
	int has_id, has_cnt, has_min, has_max, has_step;
	const char *job;

	has_id = env_long(get, ctx, "SLURM_ARRAY_TASK_ID", &id);
	has_cnt = env_long(get, ctx, "SLURM_ARRAY_TASK_COUNT", &cnt);
	has_min = env_long(get, ctx, "SLURM_ARRAY_TASK_MIN", &min);
	has_max = env_long(get, ctx, "SLURM_ARRAY_TASK_MAX", &max);
	has_step = env_long(get, ctx, "SLURM_ARRAY_TASK_STEP", &step);
	if (has_id < 0 || has_cnt < 0 || has_min < 0 || has_max < 0 || has_step < 0)
		return -1;
	if (!has_id)
		return error("--shard auto: $SLURM_ARRAY_TASK_ID is not set (not a task of a Slurm "
			     "job array? submit with 'sbatch --array=0-N-1', or give --shard I/N)");
	if (!has_cnt && !(has_min && has_max))
		return error("--shard auto: $SLURM_ARRAY_TASK_ID is %ld but neither "
			     "$SLURM_ARRAY_TASK_COUNT nor $SLURM_ARRAY_TASK_MIN and "
			     "$SLURM_ARRAY_TASK_MAX are set", id);
	if (!has_step)
		step = 1;
	if (step < 1)
		return error("--shard auto: $SLURM_ARRAY_TASK_STEP is %ld", step);
	if (!has_min)
		min = 0;
	if (has_max && max < min)
		return error("--shard auto: $SLURM_ARRAY_TASK_MAX (%ld) is below "
			     "$SLURM_ARRAY_TASK_MIN (%ld)", max, min);
	if (has_max) {
		long span = (max - min) / step + 1;
		if ((max - min) % step)
			return error("--shard auto: the array %ld-%ld:%ld does not end on a step",
				     min, max, step);
		if (has_cnt && cnt != span)
			return error("--shard auto: $SLURM_ARRAY_TASK_COUNT is %ld but the array "
				     "from $SLURM_ARRAY_TASK_MIN %ld to $SLURM_ARRAY_TASK_MAX %ld "
				     "(step %ld) spans %ld tasks: an array with gaps (such as "
				     "--array=0,2,5) cannot be mapped to shards; use --array=0-%ld",
				     cnt, min, max, step, span, cnt - 1);
		cnt = span;
		if (id > max)
			return error("--shard auto: $SLURM_ARRAY_TASK_ID (%ld) is above "
				     "$SLURM_ARRAY_TASK_MAX (%ld)", id, max);
	}
	if (id < min)
		return error("--shard auto: $SLURM_ARRAY_TASK_ID (%ld) is below "
			     "$SLURM_ARRAY_TASK_MIN (%ld)", id, min);
	if ((id - min) % step)
		return error("--shard auto: $SLURM_ARRAY_TASK_ID (%ld) is not on the array's step "
			     "(%ld from %ld)", id, step, min);
	if (cnt < 1 || cnt > SHARD_MAX)
		return error("--shard auto: the array has %ld tasks (1 to %d shards)", cnt, SHARD_MAX);
	sh->index = (id - min) / step;
	sh->count = cnt;
	if (sh->index >= cnt)
		return error("--shard auto: $SLURM_ARRAY_TASK_ID (%ld) is task %ld of an array "
			     "of %ld (from $SLURM_ARRAY_TASK_COUNT): the array must be "
			     "--array=%ld-%ld", id, sh->index, cnt, min, min + (cnt - 1) * step);
	sh->from_slurm = 1;
	job = get("SLURM_ARRAY_JOB_ID", ctx);
	if (job && strlen(job) < sizeof(sh->job))
		memcpy(sh->job, job, strlen(job) + 1);
	snprintf(sh->task, sizeof(sh->task), "%ld", id);
	return 0;
}

int shard_parse(const char *arg, struct shard *out, shard_getenv_fn get, void *ctx)
{
	const char *slash;
	char *a;
	long i, n;
	int bad;

	memset(out, 0, sizeof(*out));
	if (!get)
		get = env_get;
	if (!arg)
		return error("--shard needs I/N or auto");
	if (!strcmp(arg, "auto"))
		return parse_auto(out, get, ctx);
	slash = strchr(arg, '/');
	if (!slash)
		return error("--shard '%s': expected I/N (0-based, e.g. 0/4) or auto", arg);
	a = xstrndup(arg, (size_t)(slash - arg));
	bad = parse_long(a, &i) < 0 || parse_long(slash + 1, &n) < 0;
	free(a);
	if (bad)
		return error("--shard '%s': expected I/N (0-based, e.g. 0/4) or auto", arg);
	if (n < 1 || n > SHARD_MAX)
		return error("--shard '%s': N must be between 1 and %d", arg, SHARD_MAX);
	if (i < 0 || i >= n)
		return error("--shard '%s': I is 0-based and must be below N (0 to %ld)", arg, n - 1);
	out->index = i;
	out->count = n;
	return 0;
}

/* ---- partition ---- */

struct cluster {
	size_t first;     /* index of its first item in the list */
	size_t size;
	size_t at;        /* where its items start in the sorted order */
};

static const struct item *sort_items;

/* items by video (items without one last), then by index */
static int by_video(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	const char *vx = sort_items[x].video, *vy = sort_items[y].video;
	int c;

	if (vx && vy && (c = strcmp(vx, vy)) != 0)
		return c;
	if (!vx != !vy)
		return vx ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* largest first, then by first item */
static int by_size(const void *a, const void *b)
{
	const struct cluster *x = a, *y = b;

	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* A binary min-heap of shards keyed by (load, index). */
struct heap {
	long *idx;
	size_t *load;     /* per shard */
	size_t n;
};

static int heap_less(const struct heap *h, long a, long b)
{
	return h->load[a] != h->load[b] ? h->load[a] < h->load[b] : a < b;
}

static void heap_down(struct heap *h, size_t k)
{
	for (;;) {
		size_t l = 2 * k + 1, r = l + 1, m = k;
		long t;
		if (l < h->n && heap_less(h, h->idx[l], h->idx[m]))
			m = l;
		if (r < h->n && heap_less(h, h->idx[r], h->idx[m]))
			m = r;
		if (m == k)
			return;
		t = h->idx[k];
		h->idx[k] = h->idx[m];
		h->idx[m] = t;
		k = m;
	}
}

int shard_partition(const struct item *items, size_t n, long count, long *shard_of)
{
	size_t *order, i, j, k, ncl = 0;
	struct cluster *cl;
	struct heap h;

	if (count < 1 || count > SHARD_MAX)
		return error("shard count %ld is out of range (1 to %d)", count, SHARD_MAX);
	if (!n)
		return 0;
	order = xcalloc(n, sizeof(*order));
	cl = xcalloc(n, sizeof(*cl));
	for (i = 0; i < n; i++)
		order[i] = i;
	/* the comparison reads the items through a static: the partition
	 * runs on one thread */
	sort_items = items;
	qsort(order, n, sizeof(*order), by_video);
	sort_items = NULL;
	for (i = 0; i < n; i = j) {
		const char *v = items[order[i]].video;
		for (j = i + 1; v && j < n && items[order[j]].video &&
			     !strcmp(items[order[j]].video, v); j++)
			;
		cl[ncl].first = order[i];   /* the lowest index of its video */
		cl[ncl].size = j - i;
		cl[ncl].at = i;
		ncl++;
	}
	qsort(cl, ncl, sizeof(*cl), by_size);
	h.n = (size_t)count;
	h.idx = xcalloc(h.n, sizeof(*h.idx));
	h.load = xcalloc(h.n, sizeof(*h.load));
	for (i = 0; i < h.n; i++)
		h.idx[i] = (long)i;   /* all loads 0, in index order: a heap */
	for (i = 0; i < ncl; i++) {
		long s = h.idx[0];
		for (k = 0; k < cl[i].size; k++)
			shard_of[order[cl[i].at + k]] = s;
		h.load[s] += cl[i].size;
		heap_down(&h, 0);
	}
	free(h.idx);
	free(h.load);
	free(cl);
	free(order);
	return 0;
}

/* ---- fingerprint ---- */

void shard_fingerprint(const struct item *items, size_t n, char hex[65])
{
	struct sha256 h;
	struct buf b = BUF_INIT;
	struct jw w;
	size_t i;

	sha256_init(&h);
	for (i = 0; i < n; i++) {
		buf_reset(&b);
		buf_adds(&b, items[i].id);
		buf_addch(&b, '\t');
		jw_init(&w, &b, 0);
		jw_value(&w, items[i].raw);
		buf_addch(&b, '\n');
		sha256_update(&h, b.data, b.len);
	}
	sha256_final(&h, hex);
	buf_release(&b);
}
