/*
 * manifest.c: manifest.json of a run: everything needed to reproduce it,
 * written at the start and at the end; on --resume, checked against the
 * options and read back.
 */
#include "lib/common.h"
#include "harness/run/run_int.h"

static void write_libs(struct jw *w)
{
	const curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
	char pcre[64] = "";

	pcre2_config(PCRE2_CONFIG_VERSION, pcre);
	jw_key(w, "libraries");
	jw_obj(w);
	jw_key(w, "libcurl");
	jw_str(w, cv->version);
	jw_key(w, "libavformat");
	jw_str(w, AV_STRINGIFY(LIBAVFORMAT_VERSION));
	jw_key(w, "libavcodec");
	jw_str(w, AV_STRINGIFY(LIBAVCODEC_VERSION));
	jw_key(w, "pcre2");
	jw_str(w, pcre);
	jw_key(w, "cjson");
	jw_str(w, cJSON_Version());
	jw_end(w);
}

int run_write_manifest(struct run_state *r, const char *status)
{
	struct buf b = BUF_INIT;
	struct jw w;
	char ended[32];
	size_t i;
	int rc;

	jw_init(&w, &b, 1);
	jw_obj(&w);
	jw_key(&w, "steval");
	jw_obj(&w);
	jw_key(&w, "version");
	jw_str(&w, steval_version());
	jw_key(&w, "git");
	jw_str(&w, steval_git());
	jw_end(&w);
	write_libs(&w);
	jw_key(&w, "argv");
	jw_arr(&w);
	for (i = 0; i < (size_t)r->o->argc; i++)
		jw_str(&w, r->o->argv[i]);
	jw_end(&w);
	jw_key(&w, "status");
	jw_str(&w, status);
	if (r->stop_reason) {
		jw_key(&w, "stopped");
		jw_str(&w, r->stop_reason);
	}
	jw_key(&w, "started");
	jw_str(&w, r->started);
	utc_stamp(ended, wall_now());
	jw_key(&w, "updated");
	jw_str(&w, ended);
	jw_key(&w, "suite");
	jw_obj(&w);
	jw_key(&w, "name");
	jw_str(&w, r->s.name);
	jw_key(&w, "spec");
	jw_str(&w, r->s.spec_path);
	jw_key(&w, "spec_sha256");
	jw_str(&w, r->s.spec_sha256);
	jw_key(&w, "data_dir");
	jw_str(&w, r->s.data_dir);
	jw_key(&w, "items");
	jw_int(&w, (long long)r->s.nitems);
	jw_key(&w, "files");
	jw_arr(&w);
	for (i = 0; i < r->s.nfiles; i++) {
		jw_obj(&w);
		jw_key(&w, "path");
		jw_str(&w, r->s.files[i].path);
		jw_key(&w, "sha256");
		jw_str(&w, r->s.files[i].sha256);
		jw_key(&w, "items");
		jw_int(&w, (long long)r->s.files[i].items);
		jw_end(&w);
	}
	jw_end(&w);
	jw_end(&w);
	jw_key(&w, "protocol");
	jw_str(&w, r->p->name);
	jw_key(&w, "protocol_spec");
	jw_value(&w, r->p->json);
	jw_key(&w, "frames");
	jw_value(&w, r->p->frames);
	if (r->plan_hash[0]) {
		struct buf cp = BUF_INIT;
		frame_plan_canonical(&r->plan, &cp);
		jw_key(&w, "frame_plan");
		jw_obj(&w);
		jw_key(&w, "canonical");
		jw_strn(&w, buf_cstr(&cp), cp.len);
		jw_key(&w, "sha256");
		jw_str(&w, r->plan_hash);
		jw_key(&w, "sent");
		jw_bool(&w, r->pool != NULL);
		if (r->pool) {
			jw_key(&w, "sets");
			jw_int(&w, (long long)r->fsets);
			jw_key(&w, "decoded");
			jw_int(&w, (long long)r->fdecoded);
			jw_key(&w, "from_disk");
			jw_int(&w, (long long)r->fdisk);
			jw_key(&w, "from_memory");
			jw_int(&w, (long long)r->fmemory);
			jw_key(&w, "seconds");
			jw_num(&w, round(r->fseconds * 1000) / 1000);
			jw_key(&w, "cache");
			jw_str(&w, r->fc.dir);
			jw_key(&w, "ffmpeg");
			jw_str(&w, frames_lib_versions());
		}
		jw_end(&w);
		buf_release(&cp);
	}
	jw_key(&w, "generation");
	jw_value(&w, r->generation);
	jw_key(&w, "model");
	jw_str(&w, r->m->spec);
	if (r->mo.models_file) {
		char *abs = realpath(r->mo.models_file, NULL);
		jw_key(&w, "models_file");
		jw_str(&w, abs ? abs : r->mo.models_file);
		free(abs);
	}
	jw_key(&w, "endpoint");
	model_describe(r->m, &w);
	jw_key(&w, "dispatch");
	jw_obj(&w);
	jw_key(&w, "concurrency");
	jw_int(&w, r->conc);
	jw_key(&w, "timeout");
	jw_num(&w, r->o->timeout);
	jw_key(&w, "connect_timeout");
	jw_num(&w, r->o->connect_timeout);
	jw_key(&w, "idle_timeout");
	jw_num(&w, r->o->idle_timeout);
	jw_key(&w, "retries");
	jw_int(&w, r->o->retries);
	jw_key(&w, "max_retry_wait");
	jw_num(&w, r->o->max_retry_wait);
	jw_key(&w, "requests");
	jw_int(&w, (long long)r->requests);
	jw_key(&w, "retried");
	jw_int(&w, (long long)r->retries);
	jw_key(&w, "connections");
	jw_int(&w, r->q_ok ? r->q.conns_opened : 0);
	jw_key(&w, "seconds");
	jw_num(&w, round(r->t_loop * 1000) / 1000);
	jw_key(&w, "busy_seconds");
	jw_num(&w, round(r->busy * 1000) / 1000);
	/* the share of the time the --concurrency slots held a request */
	jw_key(&w, "occupancy");
	jw_num(&w, r->t_loop > 0 && r->conc ? round(r->busy / (r->t_loop * (double)r->conc) * 1e4) / 1e4 : 0);
	jw_end(&w);
	jw_key(&w, "seed");
	jw_int(&w, (long long)r->seed);
	jw_key(&w, "repeats");
	jw_int(&w, r->repeats);
	jw_key(&w, "limit");
	jw_int(&w, r->limit);
	jw_key(&w, "blind");
	jw_bool(&w, r->blind);
	run_shard_manifest(r, &w);
	if (r->placeholders) {
		jw_key(&w, "video_facts_placeholders");
		jw_int(&w, (long long)r->placeholders);
	}
	jw_key(&w, "counts");
	jw_obj(&w);
	jw_key(&w, "todo");
	jw_int(&w, (long long)r->todo);
	jw_key(&w, "finished");
	jw_int(&w, (long long)r->finished);
	jw_key(&w, "ok");
	jw_int(&w, (long long)r->ok);
	jw_key(&w, "unparsed");
	jw_int(&w, (long long)r->unparsed);
	jw_key(&w, "error");
	jw_int(&w, (long long)r->errors);
	jw_end(&w);
	jw_key(&w, "usage");
	jw_obj(&w);
	jw_key(&w, "input");
	jw_int(&w, r->tok_in);
	jw_key(&w, "output");
	jw_int(&w, r->tok_out);
	jw_end(&w);
	jw_end(&w);
	buf_addch(&b, '\n');
	secret_scrub(&b);
	rc = store_write(&r->st, "manifest.json", buf_cstr(&b), b.len);
	buf_release(&b);
	return rc;
}

static int same_json(const cJSON *a, const cJSON *b)
{
	struct buf x = BUF_INIT, y = BUF_INIT;
	struct jw w;
	int eq;

	jw_init(&w, &x, 0);
	jw_value(&w, a);
	jw_init(&w, &y, 0);
	jw_value(&w, b);
	eq = x.len == y.len && !memcmp(buf_cstr(&x), buf_cstr(&y), x.len);
	buf_release(&x);
	buf_release(&y);
	return eq;
}

int run_check_manifest(struct run_state *r)
{
	const cJSON *mf = r->resume_manifest;
	const char *dir = r->o->resume_dir;
	const cJSON *v;
	const char *s;
	const char *what_keys[] = { "system", "template", "templates", "option_format",
				    "option_join", "layout", "media", "frame_labels", NULL };
	size_t i;

	s = json_get_str(json_get(mf, "suite"), "name");
	if (s && strcmp(s, r->s.name))
		return error("--resume '%s': the run is of suite '%s', not '%s'", dir, s, r->s.name);
	s = json_get_str(mf, "protocol");
	if (s && strcmp(s, r->p->name))
		return error("--resume '%s': the run used protocol '%s', not '%s'", dir, s, r->p->name);
	s = json_get_str(mf, "model");
	if (s && strcmp(s, r->m->spec))
		return error("--resume '%s': the run used model '%s', not '%s'", dir, s, r->m->spec);
	v = json_get(mf, "frames");
	if (v && !same_json(v, r->p->frames))
		return error("--resume '%s': the frame plan differs from the run's (the suite spec "
			     "changed?)", dir);
	v = json_get(mf, "generation");
	if (v && !same_json(v, r->generation))
		return error("--resume '%s': the generation settings differ from the run's "
			     "(--max-tokens, --temperature, --gen or the spec changed)", dir);
	v = json_get(mf, "protocol_spec");
	for (i = 0; v && what_keys[i]; i++)
		if (!same_json(json_get(v, what_keys[i]), json_get(r->p->json, what_keys[i])))
			return error("--resume '%s': the protocol's '%s' differs from the run's (the "
				     "suite spec changed?)", dir, what_keys[i]);
	v = json_get(mf, "blind");
	if (v && cJSON_IsTrue(v) != r->blind)
		return error("--resume '%s': the run was %sblind", dir, r->blind ? "not " : "");
	v = json_get(mf, "repeats");
	if (cJSON_IsNumber(v) ? (long)v->valuedouble != r->repeats : r->repeats != 1)
		return error("--resume '%s': the run asks each item %ld time%s, not %ld (--repeats)", dir,
			     cJSON_IsNumber(v) ? (long)v->valuedouble : 1L,
			     cJSON_IsNumber(v) && v->valuedouble == 1 ? "" : "s", r->repeats);
	v = json_get(mf, "seed");
	if (v && cJSON_IsNumber(v) && (uint64_t)v->valuedouble != r->seed)
		return error("--resume '%s': the run used --seed %.0f, not %llu", dir, v->valuedouble,
			     (unsigned long long)r->seed);
	s = json_get_str(json_get(mf, "suite"), "spec_sha256");
	if (s && strcmp(s, r->s.spec_sha256))
		warnf("--resume '%s': the suite spec changed since the run started", dir);
	v = json_get(json_get(mf, "suite"), "files");
	if (cJSON_IsArray(v)) {
		const cJSON *f;
		cJSON_ArrayForEach(f, v) {
			const char *h = json_get_str(f, "sha256"), *path = json_get_str(f, "path");
			for (i = 0; h && path && i < r->s.nfiles; i++)
				if (!strcmp(path_base(path), path_base(r->s.files[i].path)) &&
				    strcmp(h, r->s.files[i].sha256))
					warnf("--resume '%s': data file '%s' changed since the run started",
					      dir, path);
		}
	}
	return 0;
}

int run_resolve_from_manifest(struct run_state *r, const char **suite, const char **model,
				 const char **protocol, const char **data)
{
	const struct run_opts *o = r->o;
	char *mp = path_join(o->resume_dir, "manifest.json");
	const cJSON *mf;

	if (!file_exists(mp)) {
		error("--resume '%s': no manifest.json there (not a run directory?)", o->resume_dir);
		free(mp);
		return -1;
	}
	r->resume_manifest = json_parse_file(mp, (size_t)64 << 20);
	free(mp);
	if (!r->resume_manifest)
		return -1;
	mf = r->resume_manifest;
	if (!*suite) {
		*suite = json_get_str(json_get(mf, "suite"), "spec");
		if (!*suite || !file_exists(*suite))
			*suite = json_get_str(json_get(mf, "suite"), "name");
	}
	if (!*model)
		*model = json_get_str(mf, "model");
	if (!*protocol)
		*protocol = json_get_str(mf, "protocol");
	if (!*data)
		*data = json_get_str(json_get(mf, "suite"), "data_dir");
	if (!*suite || !*model)
		return error("--resume '%s': the manifest names no suite or model", o->resume_dir);
	return 0;
}
