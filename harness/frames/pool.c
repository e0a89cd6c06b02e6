/*
 * pool.c: the frame extraction pool (protocol in pool.h).
 */
#include "lib/common.h"
#include "harness/frames/pool.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct waiter {
	void *tag;
	double t_submit;
	struct waiter *next;
};

struct job {
	char *reqkey;                 /* path \n canonical plan \n window */
	char *path;
	struct frame_plan plan;
	struct frame_window window;
	int running;
	struct waiter *waiters;
	struct job *next;             /* queue or active list */
};

struct done {
	struct fpool_result r;
	struct done *next;
};

struct kept {                     /* LRU of finished sets */
	char *reqkey;
	struct frameset *fs;
	size_t bytes;
	struct kept *prev, *next;
};

struct fpool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t *threads;
	int nthreads;
	int efd;
	int stop;                     /* read by extractions as their cancel flag */
	struct fpool_opts o;
	struct job *queue, *queue_tail;
	struct job *active;           /* running jobs */
	struct done *done, *done_tail;
	size_t ndone;
	size_t pending;               /* submitted, not taken */
	struct kept *lru_head, *lru_tail;   /* head = most recent */
	size_t lru_bytes;
};

void fpool_default_threads(int *workers, int *threads)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int w;

	if (n < 1)
		n = 1;
	w = n <= 2 ? (int)n : (int)(n / 2 > 8 ? 8 : n / 2);
	*workers = w;
	*threads = (int)(n / w) > 2 ? (int)(n / w) : 2;
}

static void request_key(const struct fpool_request *rq, struct buf *out)
{
	struct jw w;

	buf_adds(out, rq->video);
	buf_addch(out, '\n');
	frame_plan_canonical(rq->plan, out);
	buf_addch(out, '\n');
	if (rq->plan->window && rq->window && rq->window->has) {
		jw_init(&w, out, 0);
		jw_arr(&w);
		jw_num(&w, rq->window->t_start);
		jw_num(&w, rq->window->t_end);
		jw_end(&w);
	} else {
		buf_adds(out, "none");
	}
}

/* ------------------------------------------------------------ results */

/* Called with the lock held. Keeps "fd readable <=> results waiting". */
static void push_done(struct fpool *p, void *tag, struct frameset *fs, const char *err,
		      enum fcache_source src, double t_submit)
{
	struct done *d = xcalloc(1, sizeof(*d));
	uint64_t one = 1;

	d->r.tag = tag;
	d->r.fs = fs;
	d->r.error = err ? xstrdup(err) : NULL;
	d->r.source = src;
	d->r.seconds = mono_now() - t_submit;
	if (p->done_tail)
		p->done_tail->next = d;
	else
		p->done = d;
	p->done_tail = d;
	if (p->ndone++ == 0) {
		ssize_t n = write(p->efd, &one, sizeof(one));
		(void)n;
	}
}

int fpool_take(struct fpool *p, struct fpool_result *out)
{
	struct done *d;

	pthread_mutex_lock(&p->lock);
	d = p->done;
	if (!d) {
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	p->done = d->next;
	if (!p->done)
		p->done_tail = NULL;
	if (--p->ndone == 0) {
		uint64_t v;
		ssize_t n = read(p->efd, &v, sizeof(v));
		(void)n;
	}
	p->pending--;
	pthread_mutex_unlock(&p->lock);
	*out = d->r;
	free(d);
	return 1;
}

void fpool_result_release(struct fpool_result *r)
{
	frameset_unref(r->fs);
	free(r->error);
	memset(r, 0, sizeof(*r));
}

int fpool_fd(const struct fpool *p)
{
	return p->efd;
}

int fpool_wait(struct fpool *p, int timeout_ms)
{
	struct pollfd pf = { p->efd, POLLIN, 0 };
	int rc;

	do
		rc = poll(&pf, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	return rc > 0;
}

size_t fpool_pending(struct fpool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->pending;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* ------------------------------------------------------------ LRU */

static void lru_unlink(struct fpool *p, struct kept *k)
{
	if (k->prev)
		k->prev->next = k->next;
	else
		p->lru_head = k->next;
	if (k->next)
		k->next->prev = k->prev;
	else
		p->lru_tail = k->prev;
	k->prev = k->next = NULL;
}

static void lru_push_front(struct fpool *p, struct kept *k)
{
	k->prev = NULL;
	k->next = p->lru_head;
	if (p->lru_head)
		p->lru_head->prev = k;
	p->lru_head = k;
	if (!p->lru_tail)
		p->lru_tail = k;
}

static void lru_drop(struct fpool *p, struct kept *k)
{
	lru_unlink(p, k);
	p->lru_bytes -= k->bytes;
	frameset_unref(k->fs);
	free(k->reqkey);
	free(k);
}

static struct kept *lru_find(struct fpool *p, const char *key)
{
	struct kept *k;

	for (k = p->lru_head; k; k = k->next)
		if (!strcmp(k->reqkey, key))
			return k;
	return NULL;
}

static void lru_add(struct fpool *p, const char *key, struct frameset *fs)
{
	struct kept *k = lru_find(p, key);
	size_t bytes = frameset_bytes(fs);

	if (k)
		lru_drop(p, k);
	if (bytes > p->o.keep_bytes)
		return;
	k = xcalloc(1, sizeof(*k));
	k->reqkey = xstrdup(key);
	k->fs = frameset_ref(fs);
	k->bytes = bytes;
	lru_push_front(p, k);
	p->lru_bytes += bytes;
	while (p->lru_bytes > p->o.keep_bytes && p->lru_tail)
		lru_drop(p, p->lru_tail);
}

/* ------------------------------------------------------------ jobs */

static void job_free(struct job *j)
{
	while (j->waiters) {
		struct waiter *w = j->waiters;
		j->waiters = w->next;
		free(w);
	}
	free(j->reqkey);
	free(j->path);
	free(j);
}

static struct job *find_job(struct job *list, const char *key)
{
	for (; list; list = list->next)
		if (!strcmp(list->reqkey, key))
			return list;
	return NULL;
}

int fpool_submit(struct fpool *p, const struct fpool_request *rq)
{
	struct buf key = BUF_INIT;
	struct waiter *w;
	struct job *j;
	struct kept *k;
	double now = mono_now();

	request_key(rq, &key);
	w = xcalloc(1, sizeof(*w));
	w->tag = rq->tag;
	w->t_submit = now;
	pthread_mutex_lock(&p->lock);
	if (p->stop) {
		pthread_mutex_unlock(&p->lock);
		free(w);
		buf_release(&key);
		return error("frame pool: submit after shutdown");
	}
	p->pending++;
	k = lru_find(p, buf_cstr(&key));
	if (k) {
		lru_unlink(p, k);
		lru_push_front(p, k);
		push_done(p, rq->tag, frameset_ref(k->fs), NULL, FCACHE_MEMORY, now);
		pthread_mutex_unlock(&p->lock);
		free(w);
		buf_release(&key);
		return 0;
	}
	j = find_job(p->active, buf_cstr(&key));
	if (!j)
		j = find_job(p->queue, buf_cstr(&key));
	if (j) {
		struct waiter **pp = &j->waiters;
		while (*pp)
			pp = &(*pp)->next;
		*pp = w;
		pthread_mutex_unlock(&p->lock);
		buf_release(&key);
		return 0;
	}
	j = xcalloc(1, sizeof(*j));
	j->reqkey = buf_detach(&key, NULL);
	j->path = xstrdup(rq->video);
	j->plan = *rq->plan;
	if (rq->window)
		j->window = *rq->window;
	j->waiters = w;
	if (p->queue_tail)
		p->queue_tail->next = j;
	else
		p->queue = j;
	p->queue_tail = j;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

static void remove_active(struct fpool *p, struct job *j)
{
	struct job **pp;

	for (pp = &p->active; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->next = NULL;
}

/* DIR/SHA.jpg for each image of fs not there yet; warns on failure. */
static void write_thumbs(const struct fpool *p, const char *video, const struct frameset *fs)
{
	struct buf path = BUF_INIT, jpg = BUF_INIT, err = BUF_INIT;
	int side = p->o.thumb_side > 0 ? p->o.thumb_side : 160;
	size_t i;

	for (i = 0; i < fs->nimages; i++) {
		const struct frame_image *img = &fs->images[i];

		if (!img->sha256[0])
			continue;
		buf_reset(&path);
		buf_addf(&path, "%s/%s.jpg", p->o.thumb_dir, img->sha256);
		if (access(buf_cstr(&path), F_OK) == 0)
			continue;
		buf_reset(&err);
		if (frames_thumbnail_e(img, side, &jpg, &err) < 0) {
			warnf("%s: thumbnail of frame %lld: %s", video, img->index, buf_cstr(&err));
			continue;
		}
		if (write_file_atomic_quiet(buf_cstr(&path), jpg.data, jpg.len) < 0)
			warnf("cannot write the thumbnail '%s': %s", buf_cstr(&path), strerror(errno));
	}
	buf_release(&path);
	buf_release(&jpg);
	buf_release(&err);
}

static void *worker(void *arg)
{
	struct fpool *p = arg;
	struct frame_opts fo;
	struct fcache nocache;

	memset(&fo, 0, sizeof(fo));
	fo.threads = p->o.threads;
	fo.strategy = p->o.strategy;
	fo.cancel = &p->stop;
	fcache_init(&nocache, NULL, 1);
	for (;;) {
		struct job *j;
		struct frameset *fs = NULL;
		enum fcache_source src = FCACHE_DECODED;
		struct buf err = BUF_INIT;
		struct waiter *w;
		int rc;

		pthread_mutex_lock(&p->lock);
		while (!p->queue && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		j = p->queue;
		p->queue = j->next;
		if (!p->queue)
			p->queue_tail = NULL;
		j->next = p->active;
		p->active = j;
		j->running = 1;
		pthread_mutex_unlock(&p->lock);

		rc = fcache_get_e(p->o.cache ? p->o.cache : &nocache, j->path, &j->plan,
				  j->window.has ? &j->window : NULL, &fo, &fs, &src, &err);
		if (rc == 0 && p->o.thumb_dir && !p->stop)
			write_thumbs(p, j->path, fs);

		pthread_mutex_lock(&p->lock);
		remove_active(p, j);
		if (rc == 0 && !p->stop)
			lru_add(p, j->reqkey, fs);
		/* the first request gets the source; the others shared its result */
		for (w = j->waiters; w; w = w->next)
			push_done(p, w->tag, rc == 0 ? frameset_ref(fs) : NULL,
				  rc == 0 ? NULL : buf_cstr(&err), w == j->waiters ? src : FCACHE_MEMORY,
				  w->t_submit);
		pthread_mutex_unlock(&p->lock);
		frameset_unref(fs);
		buf_release(&err);
		job_free(j);
	}
	fcache_release(&nocache);
	return NULL;
}

struct fpool *fpool_new(const struct fpool_opts *o)
{
	struct fpool *p = xcalloc(1, sizeof(*p));
	int dw, dt, i;

	frames_global_init();
	p->o = *o;
	fpool_default_threads(&dw, &dt);
	if (p->o.workers <= 0)
		p->o.workers = dw;
	if (p->o.threads <= 0)
		p->o.threads = dt;
	if (!p->o.keep_bytes)
		p->o.keep_bytes = (size_t)256 << 20;
	p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (p->efd < 0) {
		error("frame pool: eventfd: %s", strerror(errno));
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->threads = xcalloc((size_t)p->o.workers, sizeof(*p->threads));
	for (i = 0; i < p->o.workers; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
		p->nthreads++;
	}
	if (!p->nthreads) {
		error("frame pool: cannot start a thread");
		fpool_free(p);
		return NULL;
	}
	return p;
}

void fpool_free(struct fpool *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->threads);
	while (p->queue) {
		struct job *j = p->queue;
		p->queue = j->next;
		job_free(j);
	}
	while (p->done) {
		struct done *d = p->done;
		p->done = d->next;
		fpool_result_release(&d->r);
		free(d);
	}
	while (p->lru_head)
		lru_drop(p, p->lru_head);
	close(p->efd);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
