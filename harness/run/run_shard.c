/*
 * run_shard.c: steval run --shard: which items of the list this run does,
 * and what the manifest records of it ("item_list", "shard").
 */
#include "lib/common.h"
#include "harness/run/run_int.h"

/* The run's shard: --shard (checked against the run's on --resume), or
 * the resumed run's own. */
static int pick_shard(struct run_state *r)
{
	const cJSON *mf = r->resume_manifest, *ms = json_get(mf, "shard");
	const char *dir = r->o->resume_dir;
	long mi = -1, mc = 0;

	if (cJSON_IsObject(ms) && cJSON_IsNumber(json_get(ms, "index")) &&
	    cJSON_IsNumber(json_get(ms, "count"))) {
		mi = (long)json_get(ms, "index")->valuedouble;
		mc = (long)json_get(ms, "count")->valuedouble;
	}
	if (r->o->shard) {
		if (shard_parse(r->o->shard, &r->shard, NULL, NULL) < 0)
			return -1;
		if (mf && !mc)
			return error("--resume '%s': the run is not sharded; --shard %s would do only "
				     "part of it", dir, r->o->shard);
		if (mf && (mi != r->shard.index || mc != r->shard.count))
			return error("--resume '%s': the run is shard %ld/%ld, not %ld/%ld (--shard %s)",
				     dir, mi, mc, r->shard.index, r->shard.count, r->o->shard);
		return 0;
	}
	if (mc) {
		const cJSON *sl = json_get(ms, "slurm");
		const char *job = json_get_str(sl, "array_job_id"), *task = json_get_str(sl, "array_task_id");
		if (mi < 0 || mc < 1 || mc > SHARD_MAX || mi >= mc)
			return error("--resume '%s': the manifest's shard %ld/%ld is out of range", dir,
				     mi, mc);
		r->shard.index = mi;
		r->shard.count = mc;
		r->shard.from_slurm = cJSON_IsObject(sl);
		if (job && strlen(job) < sizeof(r->shard.job))
			memcpy(r->shard.job, job, strlen(job) + 1);
		if (task && strlen(task) < sizeof(r->shard.task))
			memcpy(r->shard.task, task, strlen(task) + 1);
	}
	return 0;
}

int run_shard_setup(struct run_state *r, size_t n)
{
	const char *was = json_get_str(json_get(r->resume_manifest, "item_list"), "sha256");
	size_t i;

	r->list_n = n;
	shard_fingerprint(r->s.items, n, r->list_sha);
	if (pick_shard(r) < 0)
		return -1;
	if (!r->shard.count)
		return 0;
	/* a shard's part depends on the whole list: it must not change */
	if (was && strcmp(was, r->list_sha))
		return error("--resume '%s': the item list differs from the one the shard was cut "
			     "from (item_list.sha256 %.12s, now %.12s: other data, or another --limit); "
			     "a shard cannot change its list", r->o->resume_dir, was, r->list_sha);
	r->shard_of = xcalloc(n ? n : 1, sizeof(*r->shard_of));
	if (shard_partition(r->s.items, n, r->shard.count, r->shard_of) < 0)
		return -1;
	for (i = 0; i < n; i++)
		r->shard_items += r->shard_of[i] == r->shard.index;
	notef("shard %ld/%ld: %zu of %zu items", r->shard.index, r->shard.count, r->shard_items, n);
	return 0;
}

int run_shard_has(const struct run_state *r, size_t i)
{
	return !r->shard.count || (i < r->list_n && r->shard_of[i] == r->shard.index);
}

void run_shard_manifest(const struct run_state *r, struct jw *w)
{
	jw_key(w, "item_list");
	jw_obj(w);
	jw_key(w, "items");
	jw_int(w, (long long)r->list_n);
	jw_key(w, "sha256");
	jw_str(w, r->list_sha);
	jw_end(w);
	if (!r->shard.count)
		return;
	jw_key(w, "shard");
	jw_obj(w);
	jw_key(w, "index");
	jw_int(w, r->shard.index);
	jw_key(w, "count");
	jw_int(w, r->shard.count);
	jw_key(w, "items");
	jw_int(w, (long long)r->shard_items);
	jw_key(w, "algorithm");
	jw_str(w, SHARD_ALGORITHM);
	if (r->shard.from_slurm) {
		jw_key(w, "slurm");
		jw_obj(w);
		jw_key(w, "array_job_id");
		jw_str(w, r->shard.job[0] ? r->shard.job : NULL);
		jw_key(w, "array_task_id");
		jw_str(w, r->shard.task[0] ? r->shard.task : NULL);
		jw_end(w);
	}
	jw_end(w);
}
