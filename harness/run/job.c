/*
 * job.c: preparing one job of a run: its prompt, its media (frames from
 * the pool, extra images, clips, or the facts a blind run prints) and the
 * request it becomes.
 */
#include "lib/common.h"
#include "harness/run/run_int.h"

void run_job_release(struct run_state *r, struct job *j)
{
	size_t i;

	for (i = 0; i < j->nheld; i++)
		media_put(&r->mc, j->held[i]);
	free(j->held);
	free(j->parts);
	frameset_unref(j->fs);
	free(j->video);
	free(j->frames_json);
	free(j->images_json);
	buf_release(&j->prompt);
	http_call_release(&j->call);
	httpq_xfer_release(&j->x);
	free(j->error);
	cJSON_Delete(j->gen);
	memset(j, 0, sizeof(*j));
	j->state = J_FREE;
}

static struct part *add_part(struct job *j, enum part_kind k)
{
	struct part *pt;

	j->parts = xrealloc(j->parts, (j->nparts + 1) * sizeof(*j->parts));
	pt = &j->parts[j->nparts++];
	memset(pt, 0, sizeof(*pt));
	pt->kind = k;
	pt->pts = -1;
	pt->frame_index = -1;
	pt->frame_no = -1;
	pt->t_start = pt->t_end = -1;
	return pt;
}

static int hold(struct run_state *r, struct job *j, const char *path, struct media_entry **e)
{
	if (media_get(&r->mc, path, e) < 0)
		return -1;
	j->held = xrealloc(j->held, (j->nheld + 1) * sizeof(*j->held));
	j->held[j->nheld++] = *e;
	return 0;
}

/* One of the item's images as an image part (the layout's "images"): a file
 * through the media cache, or bytes embedded in the suite's data; its entry
 * in the sample's "images" goes to ij. Returns -1 with j->error set. */
static int add_image(struct run_state *r, struct job *j, const struct item_image *im,
		     struct buf *ij)
{
	struct media_entry *e;
	struct part *pt;
	struct jw w;

	if (im->blob) {
		const struct blob *b = im->blob;
		char key[80];
		snprintf(key, sizeof(key), "blob:%s", b->sha256);
		if (strncmp(b->mime, "image/", 6)) {
			j->error = xasprintf("embedded image %.12s is not an image this build knows "
					     "(JPEG, PNG, GIF, WebP, BMP, TIFF)", b->sha256);
			return -1;
		}
		if (media_get_bytes(&r->mc, key, b->data, b->size, b->mime, b->sha256, &e) < 0) {
			j->error = xasprintf("cannot send embedded image %.12s", b->sha256);
			return -1;
		}
		j->held = xrealloc(j->held, (j->nheld + 1) * sizeof(*j->held));
		j->held[j->nheld++] = e;
	} else if (r->s.zip) {
		/* an entry of the suite's zip archive, read (not unpacked) when sent */
		struct buf raw = BUF_INIT_MAX((size_t)2 << 30);
		char *entry = NULL, key[1100], sha[65];
		const char *mime;
		if (suite_media_zip(&r->s, im->path, &raw, &entry) <= 0) {
			j->error = xasprintf("cannot read the image '%s' from the zip archive (missing or "
					     "damaged: see the error above)", im->path);
			buf_release(&raw);
			return -1;
		}
		snprintf(key, sizeof(key), "zip:%s", entry);
		sha256_hex(raw.data, raw.len, sha);
		mime = media_sniff(raw.data, raw.len, entry);
		free(entry);
		if (!mime || strncmp(mime, "image/", 6)) {
			j->error = xasprintf("'%s' in the zip archive is not an image this build knows",
					     im->path);
			buf_release(&raw);
			return -1;
		}
		if (media_get_bytes(&r->mc, key, raw.data, raw.len, mime, sha, &e) < 0) {
			j->error = xasprintf("cannot send the image '%s'", im->path);
			buf_release(&raw);
			return -1;
		}
		j->held = xrealloc(j->held, (j->nheld + 1) * sizeof(*j->held));
		j->held[j->nheld++] = e;
		thumbs_add_copy(r->thumbs, e->sha256, raw.data, e->size, e->mime);
		buf_release(&raw);
	} else {
		char *path = suite_media_path(&r->s, im->path);
		if (!path) {
			j->error = xasprintf("the image '%s' is not found", im->path);
			return -1;
		}
		if (hold(r, j, path, &e) < 0) {
			j->error = xasprintf("cannot read the image '%s'", im->path);
			free(path);
			return -1;
		}
		free(path);
	}
	pt = add_part(j, PART_IMAGE);
	pt->b64 = e->b64;
	pt->b64_len = e->b64_len;
	pt->mime = e->mime;
	pt->path = im->blob || r->s.zip ? NULL : e->path;
	pt->size = e->size;
	if (!r->s.zip)
		thumbs_add(r->thumbs, e->sha256, im->blob ? im->blob->data : NULL, e->size, e->path, e->mime);
	buf_addch(ij, ij->len ? ',' : '[');
	jw_init(&w, ij, 0);
	jw_obj(&w);
	jw_key(&w, "sha256");
	jw_str(&w, e->sha256);
	jw_key(&w, "bytes");
	jw_int(&w, (long long)e->size);
	jw_key(&w, "mime");
	jw_str(&w, e->mime);
	jw_key(&w, "source");
	jw_str(&w, im->blob ? "embedded" : im->path);
	jw_end(&w);
	return 0;
}

/* The media path without complaining when it is missing. */
static char *find_media_quiet(const struct suite *s, const char *rel)
{
	struct buf sink = BUF_INIT;
	char *p;

	log_capture(&sink);
	p = suite_media_path(s, rel);
	log_capture(NULL);
	buf_release(&sink);
	return p;
}

static double num_of(const char *s)
{
	double d;

	return s && parse_double(s, &d) == 0 ? d : -1;
}

/* Blind runs: what a prompt prints about a video, read from its container
 * (no decoding); the sampler's rate follows the frame plan. */
static int blind_facts(struct run_state *r, const char *video, struct render_media *f)
{
	struct buf sink = BUF_INIT;
	int rc;

	log_capture(&sink);
	rc = media_probe(video, f);
	log_capture(NULL);
	buf_release(&sink);
	if (rc < 0) {
		memset(f, 0, sizeof(*f));
		return -1;
	}
	switch (r->plan.sampler) {
	case FRAME_STI_INTERVAL: {
		long interval = r->plan.count > 0 ? f->frame_count / r->plan.count : 1;
		f->sample_fps = f->fps / (double)(interval > 1 ? interval : 1);
		break;
	}
	case FRAME_FPS:
		f->sample_fps = r->plan.fps;
		break;
	default:
		f->sample_fps = f->duration > 0 ? (double)r->plan.count / f->duration : 0;
		break;
	}
	f->nframes = 0;   /* none are sent */
	return 0;
}

/* Does this item get sampled frames (rather than no video, or the clip)? */
int run_wants_frames(const struct run_state *r, const struct item *it)
{
	return r->media && r->layout_frames && it->video &&
	       !(!strcmp(r->p->media, "clip") && model_takes_clip(r->m));
}

int run_prepare_begin(struct run_state *r, struct job *j)
{
	const struct item *it = j->it;
	struct fpool_request rq;
	struct frame_window w;

	if (!run_wants_frames(r, it))
		return run_prepare_finish(r, j);
	j->video = suite_media_path(&r->s, it->video);
	if (!j->video) {
		j->error = xasprintf("the video '%s' is not found", it->video);
		return 1;
	}
	memset(&w, 0, sizeof(w));
	if (r->plan.window && it->t_start && it->t_end) {
		w.has = 1;
		w.t_start = num_of(it->t_start);
		w.t_end = num_of(it->t_end);
		if (w.t_start < 0 || w.t_end < 0) {
			j->error = xasprintf("the time window '%s'..'%s' is not a pair of numbers",
					     it->t_start, it->t_end);
			return 1;
		}
	}
	memset(&rq, 0, sizeof(rq));
	rq.video = j->video;
	rq.plan = &r->plan;
	rq.window = w.has ? &w : NULL;
	rq.tag = (void *)(uintptr_t)j->seq;
	if (fpool_submit(r->pool, &rq) < 0) {
		j->error = xstrdup("the frame pool is shutting down");
		return 1;
	}
	j->state = J_MEDIA;
	r->frames_pending++;
	return 2;
}

int run_prepare_finish(struct run_state *r, struct job *j)
{
	const struct item *it = j->it;
	struct render_media facts;
	char *video = NULL;
	int want_facts = render_needs_media(r->p, it), rc = 1;
	size_t li, k, nimg = 0;
	long long maxt;
	struct buf ij = BUF_INIT;

	memset(&facts, 0, sizeof(facts));
	if (j->fs) {
		const struct frame_meta *m = &j->fs->meta;
		facts.have = 1;
		facts.duration = m->duration;
		facts.fps = m->cv_fps;
		facts.sample_fps = m->sample_fps;
		facts.frame_count = m->frame_count;
		facts.nframes = (int)j->fs->nframes;
	} else if (it->video && (r->media || want_facts)) {
		video = r->media ? suite_media_path(&r->s, it->video) : find_media_quiet(&r->s, it->video);
		if (!video && r->media) {
			j->error = xasprintf("the video '%s' is not found", it->video);
			return 1;
		}
		if (want_facts && video) {
			if (r->media) {
				if (media_probe(video, &facts) < 0) {
					j->error = xasprintf("cannot read the video '%s'", it->video);
					goto out;
				}
			} else {
				blind_facts(r, video, &facts);
			}
		}
	}
	if (want_facts && !facts.have) {
		j->placeholders = 1;
		r->placeholders++;
	}
	if (render_prompt(r->p, it, facts.have ? &facts : NULL, !facts.have, &j->prompt) < 0) {
		rc = -1;
		goto out;
	}
	sha256_hex(buf_cstr(&j->prompt), j->prompt.len, j->sha);
	for (li = 0; li < r->nlayout; li++) {
		const char *what = r->layout[li];
		if (!strcmp(what, "text")) {
			struct part *pt = add_part(j, PART_TEXT);
			pt->text = buf_cstr(&j->prompt);
			pt->len = j->prompt.len;
		} else if (!strcmp(what, "images") && r->media) {
			for (k = 0; k < it->nimages; k++) {
				if (add_image(r, j, &it->images[k], &ij) < 0)
					goto out;
				nimg++;
			}
		} else if (!strcmp(what, "frames") && j->fs) {
			for (k = 0; k < j->fs->nframes; k++) {
				const struct frame_image *img = frameset_image(j->fs, k);
				struct part *pt = add_part(j, PART_IMAGE);
				pt->b64 = img->b64;
				pt->b64_len = img->b64_len;
				pt->mime = img->mime;
				pt->size = img->size;
				pt->pts = j->fs->frames[k].pts;
				pt->frame_index = j->fs->frames[k].index;
				pt->frame_no = (int)k;
				nimg++;
			}
		} else if (!strcmp(what, "frames") && r->media && it->video) {
			/* the whole clip, for a model that takes video */
			struct media_entry *e;
			struct part *pt;
			if (hold(r, j, video, &e) < 0) {
				j->error = xasprintf("cannot read the video '%s'", it->video);
				goto out;
			}
			pt = add_part(j, PART_VIDEO);
			pt->b64 = e->b64;
			pt->b64_len = e->b64_len;
			pt->mime = e->mime;
			pt->path = e->path;
			pt->size = e->size;
			pt->t_start = num_of(it->t_start);
			pt->t_end = num_of(it->t_end);
		}
	}
	if (j->fs) {
		struct buf fj = BUF_INIT;
		frames_json(j->fs, &fj);
		j->frames_json = buf_detach(&fj, NULL);
	}
	if (ij.len) {
		buf_addch(&ij, ']');
		j->images_json = buf_detach(&ij, NULL);
	}
	maxt = 512;
	if (json_get(r->generation, "max_tokens") && cJSON_IsNumber(json_get(r->generation, "max_tokens")))
		maxt = (long long)json_get(r->generation, "max_tokens")->valuedouble;
	j->est_tokens = (double)j->prompt.len / 4.0 + (double)nimg * IMAGE_TOKENS + (double)maxt +
			(r->p->system ? (double)strlen(r->p->system) / 4.0 : 0);
	j->state = J_READY;
	rc = 0;
out:
	buf_release(&ij);
	free(video);
	return rc;
}

void run_build_request(struct run_state *r, struct job *j, struct request *rq)
{
	memset(rq, 0, sizeof(*rq));
	rq->it = j->it;
	rq->p = r->p;
	rq->system = r->p->system;
	rq->text = buf_cstr(&j->prompt);
	rq->text_len = j->prompt.len;
	rq->parts = j->parts;
	rq->nparts = j->nparts;
	rq->generation = r->generation;
	if (j->repeat > 0 && cJSON_IsNumber(json_get(r->generation, "seed"))) {
		/* a seed the request sends (--gen seed=N): repeat k sends N + k */
		const cJSON *s0 = json_get(r->generation, "seed");
		if (!j->gen) {
			j->gen = cJSON_Duplicate(r->generation, 1);
			cJSON_DeleteItemFromObjectCaseSensitive(j->gen, "seed");
			cJSON_AddItemToObject(j->gen, "seed", json_is_int(s0) ?
					      json_int_new((long long)s0->valuedouble + j->repeat) :
					      json_float_new(s0->valuedouble + (double)j->repeat));
		}
		rq->generation = j->gen;
	}
	rq->frame_labels = cJSON_IsTrue(json_get(r->p->json, "frame_labels"));
	rq->seed = r->seed + (uint64_t)j->repeat;   /* each repeat its own seed */
	rq->attempt = j->attempts;
	rq->tag = j->tag;
}
