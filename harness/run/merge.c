#include "lib/common.h"
#include "harness/run/merge.h"
#include "suites/shard.h"
#include "harness/run/summary.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "suites/suite.h"

#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

struct piece {
	const char *dir;
	cJSON *mf;
	long index;
	size_t items;       /* of its part of the list */
	size_t have;        /* items of its part with a sample */
	size_t lines;
};

struct merge {
	const struct merge_opts *o;
	struct piece *pc;
	size_t npc;
	long count;
	struct piece **by_index;   /* count entries, NULL: missing */
	struct suite s;
	int suite_ok;
	const struct protocol *p;
	size_t n;                  /* the item list: s.items[0..n) */
	long *shard_of;
	size_t R;                  /* times each item was asked (--repeats; 1) */
	char **line;               /* per item and repeat (item * R + repeat): the line that
				      counts, or NULL */
	size_t *len;
	unsigned char *errored;    /* per item and repeat: its line is an error */
};

void merge_opts_init(struct merge_opts *o)
{
	memset(o, 0, sizeof(*o));
}

/* ---- the manifests ---- */

/* A value at a dotted path ("suite.name"). */
static const cJSON *at(const cJSON *v, const char *path)
{
	char key[64];
	const char *dot;

	while (v && (dot = strchr(path, '.'))) {
		size_t n = (size_t)(dot - path);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = 0;
		v = json_get(v, key);
		path = dot + 1;
	}
	return v ? json_get(v, path) : NULL;
}

/* compact JSON of v (at most ~160 bytes), for messages */
static void show(struct buf *out, const cJSON *v)
{
	struct jw w;
	size_t start = out->len;

	if (!v) {
		buf_adds(out, "absent");
		return;
	}
	jw_init(&w, out, 0);
	jw_value(&w, v);
	if (out->len - start > 160) {
		buf_truncate(out, start + 157);
		buf_adds(out, "...");
	}
}

static int same(const cJSON *a, const cJSON *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	struct jw w;
	int eq;

	if (!a || !b)
		return !a && !b;
	jw_init(&w, &x, 0);
	jw_value(&w, a);
	jw_init(&w, &y, 0);
	jw_value(&w, b);
	eq = x.len == y.len && !memcmp(buf_cstr(&x), buf_cstr(&y), x.len);
	buf_release(&x);
	buf_release(&y);
	return eq;
}

/* The fields every shard of one run shares. */
static const struct {
	const char *path;
	const char *what;
} same_fields[] = {
	{ "suite.name", "suite" },
	{ "item_list.sha256", "item list fingerprint (other data or another --limit)" },
	{ "item_list.items", "item list length" },
	{ "protocol", "protocol" },
	{ "protocol_spec", "protocol spec" },
	{ "model", "model" },
	{ "generation", "generation settings" },
	{ "seed", "seed" },
	{ "repeats", "repeat count (--repeats)" },
	{ "blind", "blind setting" },
	{ "frames", "frame plan" },
	{ "shard.count", "shard count" },
	{ "shard.algorithm", "shard algorithm" },
};

static int read_piece(struct piece *pc, const char *dir)
{
	char *mp = path_join(dir, "manifest.json");
	const cJSON *sh, *v;

	pc->dir = dir;
	if (!file_exists(mp)) {
		free(mp);
		return error("merge: '%s': no manifest.json there (not a run directory?)", dir);
	}
	pc->mf = json_parse_file(mp, (size_t)64 << 20);
	free(mp);
	if (!pc->mf)
		return error("merge: '%s': manifest.json does not parse", dir);
	sh = json_get(pc->mf, "shard");
	if (!cJSON_IsObject(sh))
		return error("merge: '%s' is not a shard: its manifest has no \"shard\" (a run made "
			     "with 'steval run --shard I/N')", dir);
	v = json_get(sh, "index");
	if (!cJSON_IsNumber(v) || !cJSON_IsNumber(json_get(sh, "count")) ||
	    !cJSON_IsString(at(pc->mf, "item_list.sha256")))
		return error("merge: '%s': the manifest's \"shard\" or \"item_list\" is malformed", dir);
	pc->index = (long)v->valuedouble;
	return 0;
}

static int check_same(const struct piece *ref, const struct piece *pc)
{
	size_t i;

	if (!same(at(ref->mf, "steval.git"), at(pc->mf, "steval.git")))
		warnf("merge: '%s' and '%s' were run by different builds of steval (%s, %s)", ref->dir,
		      pc->dir, json_get_str(json_get(ref->mf, "steval"), "git") ?
		      json_get_str(json_get(ref->mf, "steval"), "git") : "?",
		      json_get_str(json_get(pc->mf, "steval"), "git") ?
		      json_get_str(json_get(pc->mf, "steval"), "git") : "?");
	for (i = 0; i < ARRAY_SIZE(same_fields); i++) {
		const cJSON *a = at(ref->mf, same_fields[i].path), *b = at(pc->mf, same_fields[i].path);
		if (!same(a, b)) {
			struct buf x = BUF_INIT, y = BUF_INIT;
			show(&x, b);
			show(&y, a);
			error("merge: '%s' is not a shard of the same run as '%s': its %s (\"%s\") is %s, "
			      "not %s", pc->dir, ref->dir, same_fields[i].what, same_fields[i].path,
			      buf_cstr(&x), buf_cstr(&y));
			buf_release(&x);
			buf_release(&y);
			return -1;
		}
	}
	return 0;
}

/* ---- the suite and the samples ---- */

static int load_suite(struct merge *mg, const struct piece *ref)
{
	const cJSON *ms = json_get(ref->mf, "suite");
	const char *spec = json_get_str(ms, "spec"), *name = json_get_str(ms, "name");
	const char *data = mg->o->data ? mg->o->data : json_get_str(ms, "data_dir");
	const cJSON *lim = json_get(ref->mf, "limit");
	char fp[65];

	if (!name)
		return error("merge: '%s': the manifest names no suite", ref->dir);
	if (suite_open(&mg->s, spec && file_exists(spec) ? spec : name) < 0)
		return -1;
	mg->suite_ok = 1;
	if (strcmp(mg->s.name, name))
		return error("merge: the spec found ('%s') is of suite '%s', not '%s'", mg->s.spec_path,
			     mg->s.name, name);
	if (suite_load(&mg->s, mg->o->data || (data && dir_exists(data)) ? data : NULL) < 0)
		return -1;
	mg->p = suite_protocol(&mg->s, json_get_str(ref->mf, "protocol"));
	if (!mg->p)
		return error("merge: suite '%s' has no protocol '%s' any more", mg->s.name,
			     json_get_str(ref->mf, "protocol"));
	mg->n = mg->s.nitems;
	if (cJSON_IsNumber(lim) && lim->valuedouble > 0 && (size_t)lim->valuedouble < mg->n)
		mg->n = (size_t)lim->valuedouble;
	shard_fingerprint(mg->s.items, mg->n, fp);
	if (strcmp(fp, json_get_str(json_get(ref->mf, "item_list"), "sha256")))
		return error("merge: the data of suite '%s' at '%s' is not the item list the shards "
			     "ran (item_list.sha256 %.12s there, %.12s in '%s'): give the shards' data "
			     "with --data", mg->s.name, mg->s.data_dir ? mg->s.data_dir : "?", fp,
			     json_get_str(json_get(ref->mf, "item_list"), "sha256"), ref->dir);
	mg->shard_of = xcalloc(mg->n ? mg->n : 1, sizeof(*mg->shard_of));
	return shard_partition(mg->s.items, mg->n, mg->count, mg->shard_of);
}

/* One shard's samples.jsonl: for each item, the last line (as written). */
static int read_samples(struct merge *mg, struct piece *pc)
{
	char *path = path_join(pc->dir, "samples.jsonl");
	struct buf b = BUF_INIT_MAX((size_t)4 << 30);
	const char *p, *end, *nl;
	size_t lineno = 0;
	int rc = -1;

	if (!file_exists(path)) {
		rc = 0;   /* nothing finished yet */
		goto out;
	}
	if (read_file(path, &b) < 0)
		goto out;
	p = buf_cstr(&b);
	end = p + b.len;
	for (; p < end; p = nl + 1) {
		cJSON *rec;
		const struct item *it;
		const char *id, *st;
		size_t k;
		int last;
		nl = memchr(p, '\n', (size_t)(end - p));
		last = !nl;
		if (!nl)
			nl = end;
		lineno++;
		if (nl == p)
			continue;
		rec = cJSON_ParseWithLength(p, (size_t)(nl - p));
		if (!rec) {
			if (last) {
				warnf("'%s': dropping a torn last line (a shard killed while writing)",
				      path);
				break;
			}
			error("'%s': line %zu is not JSON", path, lineno);
			goto out;
		}
		id = json_get_str(rec, "id");
		it = id ? suite_item(&mg->s, id) : NULL;
		k = it ? (size_t)(it - mg->s.items) : SIZE_MAX;
		if (k >= mg->n || mg->shard_of[k] != pc->index) {
			error("merge: '%s': line %zu: item '%s' is not in shard %ld/%ld of the item list",
			      path, lineno, id ? id : "(no id)", pc->index, mg->count);
			cJSON_Delete(rec);
			goto out;
		}
		st = json_get_str(rec, "status");
		{
			const cJSON *rep = json_get(rec, "repeat");
			size_t q = cJSON_IsNumber(rep) && rep->valuedouble >= 0 ? (size_t)rep->valuedouble : 0;
			if (q >= mg->R) {
				error("merge: '%s': line %zu: repeat %zu of item '%s', but the run asks "
				      "each item %zu time%s", path, lineno, q, id, mg->R, mg->R == 1 ? "" : "s");
				cJSON_Delete(rec);
				goto out;
			}
			k = k * mg->R + q;
		}
		if (!mg->line[k])
			pc->have++;
		free(mg->line[k]);
		mg->line[k] = xstrndup(p, (size_t)(nl - p));
		mg->len[k] = (size_t)(nl - p);
		mg->errored[k] = !st || !strcmp(st, "error");
		pc->lines++;
		cJSON_Delete(rec);
	}
	rc = 0;
out:
	buf_release(&b);
	free(path);
	return rc;
}

/* ---- the merged run directory ---- */

static double num_at(const cJSON *o, const char *key)
{
	const cJSON *v = json_get(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void set_num(cJSON *o, const char *key, double v, int integer)
{
	cJSON *n = integer ? json_int_new((long long)v) : json_float_new(round(v * 1000) / 1000);

	if (json_get(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, n);
	else
		cJSON_AddItemToObject(o, key, n);
}

/* obj.key summed over the shards (integer counters) */
static void sum_into(cJSON *m, const struct merge *mg, const char *obj, const char *const *keys,
		     int integer)
{
	cJSON *dst = (cJSON *)json_get(m, obj);
	size_t i, k;

	if (!cJSON_IsObject(dst))
		return;
	for (k = 0; keys[k]; k++) {
		double s = 0;
		for (i = 0; i < mg->npc; i++)
			s += num_at(json_get(mg->pc[i].mf, obj), keys[k]);
		if (json_get(dst, keys[k]))
			set_num(dst, keys[k], s, integer);
	}
}

static void set_str(cJSON *o, const char *key, const char *v)
{
	if (json_get(o, key))
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_CreateString(v));
	else
		cJSON_AddItemToObject(o, key, cJSON_CreateString(v));
}

static cJSON *merged_manifest(const struct merge *mg, const struct piece *base, size_t missing_items,
			      size_t errored, int partial)
{
	static const char *const counts[] = { "todo", "finished", "ok", "unparsed", "error", NULL };
	static const char *const usage[] = { "input", "output", NULL };
	static const char *const disp[] = { "requests", "retried", "connections", NULL };
	static const char *const disp_s[] = { "busy_seconds", NULL };
	static const char *const frames[] = { "sets", "decoded", "from_disk", "from_memory", NULL };
	static const char *const frames_s[] = { "seconds", NULL };
	cJSON *m = cJSON_Duplicate(base->mf, 1), *argv, *mo, *runs, *miss;
	const char *started = NULL;
	char now[32];
	double secs = 0, ph = 0;
	size_t i;
	long k;

	cJSON_DeleteItemFromObjectCaseSensitive(m, "shard");
	cJSON_DeleteItemFromObjectCaseSensitive(m, "stopped");
	argv = cJSON_CreateArray();
	for (i = 0; i < (size_t)mg->o->argc; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(mg->o->argv[i]));
	cJSON_ReplaceItemInObjectCaseSensitive(m, "argv", argv);
	set_str(m, "status", partial ? "partial" : errored ? "finished-with-errors" : "finished");
	for (i = 0; i < mg->npc; i++) {
		const char *s = json_get_str(mg->pc[i].mf, "started");
		if (s && (!started || strcmp(s, started) < 0))
			started = s;
		if (num_at(json_get(mg->pc[i].mf, "dispatch"), "seconds") > secs)
			secs = num_at(json_get(mg->pc[i].mf, "dispatch"), "seconds");
		ph += num_at(mg->pc[i].mf, "video_facts_placeholders");
	}
	if (started)
		set_str(m, "started", started);
	utc_stamp(now, wall_now());
	set_str(m, "updated", now);
	sum_into(m, mg, "counts", counts, 1);
	sum_into(m, mg, "usage", usage, 1);
	sum_into(m, mg, "dispatch", disp, 1);
	sum_into(m, mg, "dispatch", disp_s, 0);
	if (cJSON_IsObject(json_get(m, "dispatch"))) {
		cJSON *d = (cJSON *)json_get(m, "dispatch");
		set_num(d, "seconds", secs, 0);
		/* the shards' slots are not one pool: no single occupancy */
		cJSON_DeleteItemFromObjectCaseSensitive(d, "occupancy");
	}
	sum_into(m, mg, "frame_plan", frames, 1);
	sum_into(m, mg, "frame_plan", frames_s, 0);
	if (ph > 0)
		set_num(m, "video_facts_placeholders", ph, 1);

	mo = cJSON_CreateObject();
	cJSON_AddItemToObject(mo, "shards", json_int_new(mg->count));
	cJSON_AddItemToObject(mo, "algorithm", cJSON_CreateString(json_get_str(json_get(base->mf, "shard"),
										"algorithm") ?
							       json_get_str(json_get(base->mf, "shard"),
									    "algorithm") : "?"));
	runs = cJSON_CreateArray();
	for (k = 0; k < mg->count; k++) {
		const struct piece *pc = mg->by_index[k];
		cJSON *r;
		char *abs;
		if (!pc)
			continue;
		r = cJSON_CreateObject();
		abs = realpath(pc->dir, NULL);
		cJSON_AddItemToObject(r, "index", json_int_new(k));
		cJSON_AddItemToObject(r, "dir", cJSON_CreateString(abs ? abs : pc->dir));
		free(abs);
		cJSON_AddItemToObject(r, "status", cJSON_CreateString(json_get_str(pc->mf, "status") ?
								      json_get_str(pc->mf, "status") : "?"));
		cJSON_AddItemToObject(r, "items", json_int_new((long long)pc->items));
		cJSON_AddItemToObject(r, "samples", json_int_new((long long)pc->have));
		if (json_get(json_get(pc->mf, "shard"), "slurm"))
			cJSON_AddItemToObject(r, "slurm", cJSON_Duplicate(json_get(json_get(pc->mf, "shard"),
										   "slurm"), 1));
		cJSON_AddItemToArray(runs, r);
	}
	cJSON_AddItemToObject(mo, "runs", runs);
	miss = cJSON_CreateArray();
	for (k = 0; k < mg->count; k++)
		if (!mg->by_index[k])
			cJSON_AddItemToArray(miss, json_int_new(k));
	cJSON_AddItemToObject(mo, "missing", miss);
	cJSON_AddItemToObject(m, "merged", mo);
	if (partial) {
		cJSON *pt = cJSON_CreateObject();
		cJSON_AddItemToObject(pt, "shards", json_int_new(mg->count));
		cJSON_AddItemToObject(pt, "missing_shards", cJSON_Duplicate(miss, 1));
		cJSON_AddItemToObject(pt, "items", json_int_new((long long)mg->n));
		cJSON_AddItemToObject(pt, "missing_items", json_int_new((long long)missing_items));
		cJSON_AddItemToObject(m, "partial", pt);
	}
	return m;
}

/* Copy (or hard-link) each shard's frame thumbnails into out/frames. */
static void copy_thumbs(const struct merge *mg, const char *out)
{
	char *dst = path_join(out, "frames");
	size_t i;
	int made = 0;

	for (i = 0; i < mg->npc; i++) {
		char *src = path_join(mg->pc[i].dir, "frames");
		DIR *d = opendir(src);
		struct dirent *e;
		if (!d) {
			free(src);
			continue;
		}
		if (!made && mkdir_p(dst) < 0) {
			closedir(d);
			free(src);
			break;
		}
		made = 1;
		while ((e = readdir(d))) {
			char *a, *b;
			if (e->d_name[0] == '.')
				continue;
			a = path_join(src, e->d_name);
			b = path_join(dst, e->d_name);
			if (file_exists(a) && !file_exists(b) && link(a, b) < 0) {
				struct buf data = BUF_INIT;
				if (read_file(a, &data) < 0 || write_file_atomic(b, data.data, data.len) < 0)
					warnf("merge: cannot copy the thumbnail '%s'", a);
				buf_release(&data);
			}
			free(a);
			free(b);
		}
		closedir(d);
		free(src);
	}
	free(dst);
}

/* The output directory: new, empty, or an earlier merge's (rewritten). */
static int check_out(const struct merge *mg, const char *out)
{
	char *mp = path_join(out, "manifest.json"), *ro = realpath(out, NULL);
	size_t i;
	int rc = 0;

	for (i = 0; ro && i < mg->npc; i++) {
		char *rd = realpath(mg->pc[i].dir, NULL);
		if (rd && !strcmp(rd, ro))
			rc = error("merge: --out '%s' is one of the shards", out);
		free(rd);
	}
	if (!rc && file_exists(mp)) {
		cJSON *m = json_parse_file(mp, (size_t)64 << 20);
		if (!m || !json_get(m, "merged"))
			rc = error("merge: --out '%s' holds a run that is not a merge (refusing to "
				   "overwrite it)", out);
		cJSON_Delete(m);
	}
	free(mp);
	free(ro);
	return rc;
}

static int write_out(struct merge *mg, const struct piece *base, size_t missing_items, size_t errored,
		     int partial)
{
	const char *out = mg->o->out;
	struct buf b = BUF_INIT_MAX((size_t)4 << 30);
	struct jw w;
	cJSON *m;
	char *path;
	size_t i;
	int rc;

	if (mkdir_p(out) < 0)
		return error("merge: cannot create '%s'", out);
	for (i = 0; i < mg->n * mg->R; i++)
		if (mg->line[i]) {
			buf_add(&b, mg->line[i], mg->len[i]);
			buf_addch(&b, '\n');
		}
	path = path_join(out, "samples.jsonl");
	rc = write_file_atomic(path, b.data ? b.data : "", b.len);
	free(path);
	if (rc < 0)
		goto out;
	m = merged_manifest(mg, base, missing_items, errored, partial);
	buf_reset(&b);
	jw_init(&w, &b, 1);
	jw_value(&w, m);
	buf_addch(&b, '\n');
	cJSON_Delete(m);
	path = path_join(out, "manifest.json");
	rc = write_file_atomic(path, buf_cstr(&b), b.len);
	free(path);
	if (rc < 0)
		goto out;
	copy_thumbs(mg, out);
	rc = summary_write(out, &mg->s, mg->p, json_get_str(base->mf, "model"), "official", NULL);
out:
	buf_release(&b);
	return rc;
}

/* "1, 2" */
static void list_missing(const struct merge *mg, struct buf *out)
{
	long k;

	for (k = 0; k < mg->count; k++)
		if (!mg->by_index[k])
			buf_addf(out, "%s%ld", out->len ? ", " : "", k);
}

int merge_execute(const struct merge_opts *o)
{
	struct merge mg;
	const struct piece *base = NULL;
	size_t i, missing_items = 0, errored = 0, nmissing = 0;
	int rc = EXIT_USAGE, incomplete = 0;
	long k;

	memset(&mg, 0, sizeof(mg));
	mg.o = o;
	if (!o->out || !o->ndirs) {
		error("merge: --out DIR and at least one shard's RUN_DIR are needed");
		return EXIT_USAGE;
	}
	mg.pc = xcalloc(o->ndirs, sizeof(*mg.pc));
	for (i = 0; i < o->ndirs; i++) {
		mg.npc++;
		if (read_piece(&mg.pc[i], o->dirs[i]) < 0)
			goto out;
		if (i && check_same(&mg.pc[0], &mg.pc[i]) < 0)
			goto out;
	}
	mg.count = (long)at(mg.pc[0].mf, "shard.count")->valuedouble;
	if (mg.count < 1 || mg.count > SHARD_MAX) {
		error("merge: '%s': shard count %ld is out of range", mg.pc[0].dir, mg.count);
		goto out;
	}
	mg.by_index = xcalloc((size_t)mg.count, sizeof(*mg.by_index));
	for (i = 0; i < mg.npc; i++) {
		struct piece *pc = &mg.pc[i];
		if (pc->index < 0 || pc->index >= mg.count) {
			error("merge: '%s': shard index %ld is not below the count %ld", pc->dir, pc->index,
			      mg.count);
			goto out;
		}
		if (mg.by_index[pc->index]) {
			error("merge: shard %ld/%ld is given twice: '%s' and '%s' (\"shard.index\" %ld in "
			      "both)", pc->index, mg.count, mg.by_index[pc->index]->dir, pc->dir,
			      pc->index);
			goto out;
		}
		mg.by_index[pc->index] = pc;
	}
	for (k = 0; k < mg.count; k++)
		if (!mg.by_index[k])
			nmissing++;
	if (nmissing && !o->partial) {
		struct buf miss = BUF_INIT;
		list_missing(&mg, &miss);
		error("merge: %zu of %ld shards %s missing (shard%s %s; 0-based): give every shard's "
		      "run directory, or --partial to merge what is there", nmissing, mg.count,
		      nmissing == 1 ? "is" : "are", nmissing == 1 ? "" : "s", buf_cstr(&miss));
		buf_release(&miss);
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	for (k = 0; k < mg.count && !base; k++)
		base = mg.by_index[k];
	if (load_suite(&mg, base) < 0)
		goto out;
	mg.R = cJSON_IsNumber(json_get(base->mf, "repeats")) && json_get(base->mf, "repeats")->valuedouble >= 1 ?
	       (size_t)json_get(base->mf, "repeats")->valuedouble : 1;
	/* with repeats, the counts below are answers (items x repeats) */
	mg.line = xcalloc(mg.n ? mg.n * mg.R : 1, sizeof(*mg.line));
	mg.len = xcalloc(mg.n ? mg.n * mg.R : 1, sizeof(*mg.len));
	mg.errored = xcalloc(mg.n ? mg.n * mg.R : 1, 1);
	for (i = 0; i < mg.n; i++)
		if (mg.by_index[mg.shard_of[i]])
			mg.by_index[mg.shard_of[i]]->items += mg.R;
		else
			missing_items += mg.R;
	for (i = 0; i < mg.npc; i++)
		if (read_samples(&mg, &mg.pc[i]) < 0)
			goto out;
	for (k = 0; k < mg.count; k++) {
		struct piece *pc = mg.by_index[k];
		if (!pc || pc->have == pc->items)
			continue;
		missing_items += pc->items - pc->have;
		incomplete = 1;
		if (!o->partial) {
			const char *st = json_get_str(pc->mf, "status");
			error("merge: shard %ld/%ld '%s' is incomplete: %zu of its %zu items have no "
			      "sample (status '%s'); finish it with 'steval run --resume %s', or merge "
			      "with --partial", k, mg.count, pc->dir, pc->items - pc->have, pc->items,
			      st ? st : "?", pc->dir);
		}
	}
	if (incomplete && !o->partial) {
		rc = EXIT_INCOMPLETE;
		goto out;
	}
	for (i = 0; i < mg.n * mg.R; i++)
		errored += mg.line[i] && mg.errored[i];
	if (errored)
		warnf("merge: %zu items are in error in their shard (not scored); 'steval run --resume' "
		      "on the shard retries them", errored);
	if (check_out(&mg, o->out) < 0)
		goto out;
	if (write_out(&mg, base, missing_items, errored, missing_items > 0) < 0)
		goto out;
	if (missing_items)
		warnf("merge: partial: %zu of %zu items have no sample (missing shards: %zu)",
		      missing_items, mg.n, nmissing);
	printf("%s\n", o->out);
	rc = EXIT_OK;
out:
	for (i = 0; i < mg.npc; i++)
		cJSON_Delete(mg.pc[i].mf);
	for (i = 0; mg.line && i < mg.n * mg.R; i++)
		free(mg.line[i]);
	free(mg.line);
	free(mg.len);
	free(mg.errored);
	free(mg.shard_of);
	free(mg.by_index);
	free(mg.pc);
	if (mg.suite_ok)
		suite_release(&mg.s);
	return rc;
}
