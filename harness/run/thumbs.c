#include "lib/common.h"
#include "harness/run/thumbs.h"
#include "harness/frames/frames.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <pthread.h>

#define THUMB_SIDE 160

struct tjob {
	char sha[65];
	const void *data;
	size_t size;
	char *path;
	const char *mime;
	void *own;                /* thumbs_add_copy(): the bytes, freed when done */
};

struct thumbs {
	char *dir;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tjob *q;
	size_t nq, aq, head;
	char **seen;              /* sha256s queued, open addressing */
	size_t seen_cap, nseen;
	size_t failed;            /* thumbnails that could not be made (the worker's) */
	int done;
};

#define WARN_FIRST 3              /* failures told one by one; the rest counted */

static size_t slot(const char *sha, size_t cap)
{
	size_t h = 1469598103934665603ull;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ (unsigned char)sha[i]) * 1099511628211ull;
	return h & (cap - 1);
}

/* Marks sha as queued; 0 when it was already. Under the lock. */
static int first_time(struct thumbs *t, const char *sha)
{
	size_t k, i;

	if ((t->nseen + 1) * 2 > t->seen_cap) {
		char **old = t->seen;
		size_t ocap = t->seen_cap;
		t->seen_cap = ocap ? ocap * 2 : 256;
		t->seen = xcalloc(t->seen_cap, sizeof(*t->seen));
		for (i = 0; i < ocap; i++)
			if (old[i]) {
				for (k = slot(old[i], t->seen_cap); t->seen[k]; k = (k + 1) & (t->seen_cap - 1))
					;
				t->seen[k] = old[i];
			}
		free(old);
	}
	for (k = slot(sha, t->seen_cap); t->seen[k]; k = (k + 1) & (t->seen_cap - 1))
		if (!strcmp(t->seen[k], sha))
			return 0;
	t->seen[k] = xstrdup(sha);
	t->nseen++;
	return 1;
}

static void make_one(struct thumbs *t, const char *dir, struct tjob *j)
{
	struct buf p = BUF_INIT, jpg = BUF_INIT, err = BUF_INIT, raw = BUF_INIT;
	struct frame_image img;
	const void *data = j->data;
	size_t size = j->size;

	buf_addf(&p, "%s/%s.jpg", dir, j->sha);
	if (file_exists(buf_cstr(&p)))
		goto out;
	if (!data) {
		if (read_file(j->path, &raw) < 0)
			goto out;
		data = raw.data ? raw.data : "";
		size = raw.len;
	}
	memset(&img, 0, sizeof(img));
	img.data = (unsigned char *)data;
	img.size = size;
	img.mime = j->mime;
	img.index = -1;
	img.pts = -1;
	if (frames_thumbnail_e(&img, THUMB_SIDE, &jpg, &err) < 0) {
		if (t->failed++ < WARN_FIRST)
			warnf("thumbnail of image %.12s: %s", j->sha, buf_cstr(&err));
	} else if (write_file_atomic_quiet(buf_cstr(&p), jpg.data, jpg.len) < 0) {
		if (t->failed++ < WARN_FIRST)
			warnf("cannot write the thumbnail '%s': %s", buf_cstr(&p), strerror(errno));
	}
out:
	buf_release(&p);
	buf_release(&jpg);
	buf_release(&err);
	buf_release(&raw);
}

static void *worker(void *arg)
{
	struct thumbs *t = arg;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		struct tjob j;
		while (t->head == t->nq && !t->done)
			pthread_cond_wait(&t->cv, &t->mu);
		if (t->head == t->nq)
			break;
		j = t->q[t->head++];
		pthread_mutex_unlock(&t->mu);
		make_one(t, t->dir, &j);
		free(j.path);
		free(j.own);
		pthread_mutex_lock(&t->mu);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

struct thumbs *thumbs_start(const char *dir)
{
	struct thumbs *t;

	if (!dir)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->dir = xstrdup(dir);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->th, NULL, worker, t) != 0) {
		warnf("no thumbnails of images: cannot start a thread");
		pthread_mutex_destroy(&t->mu);
		pthread_cond_destroy(&t->cv);
		free(t->dir);
		free(t);
		return NULL;
	}
	return t;
}

void thumbs_add(struct thumbs *t, const char *sha256, const void *data, size_t size,
		const char *path, const char *mime)
{
	struct tjob *j;

	if (!t || !sha256 || strlen(sha256) != 64 || (!data && !path))
		return;
	pthread_mutex_lock(&t->mu);
	if (first_time(t, sha256)) {
		ALLOC_GROW(t->q, t->nq + 1, t->aq);
		j = &t->q[t->nq++];
		memcpy(j->sha, sha256, 65);
		j->data = data;
		j->size = size;
		j->path = data ? NULL : xstrdup(path);
		j->mime = mime;
		j->own = NULL;
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

void thumbs_add_copy(struct thumbs *t, const char *sha256, const void *data, size_t size,
		     const char *mime)
{
	struct tjob *j;

	if (!t || !sha256 || strlen(sha256) != 64 || !data)
		return;
	pthread_mutex_lock(&t->mu);
	if (first_time(t, sha256)) {
		ALLOC_GROW(t->q, t->nq + 1, t->aq);
		j = &t->q[t->nq++];
		memset(j, 0, sizeof(*j));
		memcpy(j->sha, sha256, 65);
		j->own = xmalloc(size ? size : 1);
		memcpy(j->own, data, size);
		j->data = j->own;
		j->size = size;
		j->mime = mime;
		pthread_cond_signal(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
}

void thumbs_finish(struct thumbs *t)
{
	size_t i;

	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->done = 1;
	pthread_cond_signal(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->th, NULL);
	if (t->failed > WARN_FIRST)
		warnf("%zu more image thumbnails could not be made", t->failed - WARN_FIRST);
	for (i = t->head; i < t->nq; i++) {
		free(t->q[i].path);
		free(t->q[i].own);
	}
	free(t->q);
	for (i = 0; i < t->seen_cap; i++)
		free(t->seen[i]);
	free(t->seen);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t->dir);
	free(t);
}
