#include "lib/common.h"
#include "lib/store.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

char *store_safe_name(const char *s)
{
	struct buf b = BUF_INIT;
	const char *p = s;

	for (; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (!strncmp(p, "http://", 7) || !strncmp(p, "https://", 8)) {
			p += p[4] == 's' ? 7 : 6;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-' || c == '_')
			buf_addch(&b, c);
		else if (b.len && buf_cstr(&b)[b.len - 1] != '_')
			buf_addch(&b, '_');
	}
	while (b.len && buf_cstr(&b)[b.len - 1] == '_')
		buf_truncate(&b, b.len - 1);
	if (!b.len || !strcmp(buf_cstr(&b), ".") || !strcmp(buf_cstr(&b), ".."))
		buf_adds(&b, "model");
	return buf_detach(&b, NULL);
}

static int open_samples(struct store *st, int fresh)
{
	char *p = store_path(st, "samples.jsonl");
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (fresh ? O_TRUNC : 0);

	st->fd = open(p, flags, 0666);
	if (st->fd < 0) {
		error("cannot open '%s': %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	st->last_sync = mono_now();
	return 0;
}

/* The run-directory locks of the open stores, keyed by the struct. Two
 * stores of one process on one directory (run --judge: the run's and the
 * judge's) share its lock: it is released when the last one closes. */
static struct held_lock {
	const struct store *st;
	dev_t dev;
	ino_t ino;
	struct rundir_lock *lk;   /* its own allocation: the heartbeat thread points to it */
} *held;
static size_t nheld, aheld;

static int lock_dir(const struct store *st)
{
	struct rundir_lock *lk = NULL;
	struct stat sb;
	size_t i;

	if (stat(st->dir, &sb) < 0)
		return error("cannot open '%s': %s", st->dir, strerror(errno));
	for (i = 0; i < nheld && !lk; i++)
		if (held[i].dev == sb.st_dev && held[i].ino == sb.st_ino)
			lk = held[i].lk;
	if (!lk) {
		lk = xmalloc(sizeof(*lk));
		if (rundir_lock_acquire(st->dir, NULL, lk) < 0) {
			free(lk);
			return -1;
		}
	}
	ALLOC_GROW(held, nheld + 1, aheld);
	held[nheld].st = st;
	held[nheld].dev = sb.st_dev;
	held[nheld].ino = sb.st_ino;
	held[nheld].lk = lk;
	nheld++;
	return 0;
}

static void unlock_dir(const struct store *st)
{
	struct rundir_lock *lk;
	size_t i;

	for (i = 0; i < nheld; i++)
		if (held[i].st == st)
			break;
	if (i == nheld)
		return;
	lk = held[i].lk;
	held[i] = held[--nheld];
	for (i = 0; i < nheld; i++)
		if (held[i].lk == lk)
			return;   /* another store of this process still writes there */
	rundir_lock_release(lk);
	free(lk);
}

int store_create(struct store *st, const char *root, const char *suite, const char *model)
{
	char stamp[32], *safe = store_safe_name(model), *ssafe = store_safe_name(suite), *base;
	int i;

	memset(st, 0, sizeof(*st));
	st->fd = -1;
	utc_dirname(stamp, wall_now());
	/* the suite's name comes from its spec: made safe like a model's */
	base = xasprintf("%s/%s/%s", root, ssafe, safe);
	free(safe);
	free(ssafe);
	if (mkdir_p(base) < 0) {
		free(base);
		return -1;
	}
	/* mkdir(2) claims the name atomically: runs started in the same second
	 * (the tasks of a job array on a shared file system) never share one */
	for (i = 0; i < 1000; i++) {
		char *d = i ? xasprintf("%s/%s-%d", base, stamp, i) : xasprintf("%s/%s", base, stamp);
		if (mkdir(d, 0777) == 0) {
			st->dir = d;
			break;
		}
		free(d);
		if (errno != EEXIST) {
			error("cannot create a run directory under '%s': %s", base, strerror(errno));
			free(base);
			return -1;
		}
	}
	free(base);
	if (!st->dir)
		return error("cannot find a free run directory name under '%s'", root);
	if (lock_dir(st) < 0)
		return -1;
	return open_samples(st, 1);
}

int store_open_dir(struct store *st, const char *dir, int fresh)
{
	memset(st, 0, sizeof(*st));
	st->fd = -1;
	st->dir = xstrdup(dir);
	if (mkdir_p(dir) < 0 || lock_dir(st) < 0)
		return -1;
	if (!fresh) {
		/* cut a torn final line (a write interrupted by a crash) */
		char *p = store_path(st, "samples.jsonl");
		struct buf b = BUF_INIT;
		if (file_exists(p) && read_file(p, &b) == 0 && b.len &&
		    buf_cstr(&b)[b.len - 1] != '\n') {
			const char *nl = NULL, *q = buf_cstr(&b);
			size_t i;
			for (i = b.len; i > 0; i--)
				if (q[i - 1] == '\n') {
					nl = q + i - 1;
					break;
				}
			warnf("'%s': dropping a torn last line (%zu bytes) left by an interrupted run",
			      p, b.len - (nl ? (size_t)(nl - q + 1) : 0));
			if (truncate(p, nl ? (off_t)(nl - q + 1) : 0) < 0) {
				error("cannot truncate '%s': %s", p, strerror(errno));
				buf_release(&b);
				free(p);
				return -1;
			}
		}
		buf_release(&b);
		free(p);
	}
	return open_samples(st, fresh);
}

int store_sync(struct store *st)
{
	if (st->fd >= 0 && fdatasync(st->fd) < 0 && errno != EINVAL)
		return error("cannot sync '%s/samples.jsonl': %s", st->dir, strerror(errno));
	st->last_sync = mono_now();
	return 0;
}

static int write_all(struct store *st, const char *p, size_t left)
{
	while (left) {
		ssize_t n = write(st->fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error("cannot write '%s/samples.jsonl': %s", st->dir, strerror(errno));
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int store_append_lines(struct store *st, const char *lines, size_t len, size_t nlines)
{
	if (write_all(st, lines, len) < 0)
		return -1;
	st->appended += nlines;
	return 0;
}

int store_append(struct store *st, const char *line, size_t len)
{
	struct buf b = BUF_INIT;
	int rc;

	buf_add(&b, line, len);
	buf_addch(&b, '\n');
	rc = write_all(st, buf_cstr(&b), b.len);
	buf_release(&b);
	if (rc < 0)
		return -1;
	st->appended++;
	if (mono_now() - st->last_sync >= 1.0)
		return store_sync(st);
	return 0;
}

char *store_path(const struct store *st, const char *name)
{
	return path_join(st->dir, name);
}

int store_write(const struct store *st, const char *name, const char *data, size_t len)
{
	char *p = store_path(st, name), *d = path_dir(p);
	int rc = mkdir_p(d);

	if (!rc)
		rc = write_file_atomic(p, data, len);
	free(d);
	free(p);
	return rc;
}

void store_close(struct store *st)
{
	if (st->fd >= 0) {
		store_sync(st);
		close(st->fd);
	}
	st->fd = -1;
	unlock_dir(st);
	free(st->dir);
	st->dir = NULL;
}

int store_read_jsonl(const char *path, int (*cb)(cJSON *rec, size_t line, void *ctx), void *ctx,
		     size_t *torn)
{
	struct buf b = BUF_INIT_MAX((size_t)4 << 30);
	const char *p, *end, *nl;
	size_t line = 0;
	int rc = 0;

	if (torn)
		*torn = SIZE_MAX;
	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	p = buf_cstr(&b);
	end = p + b.len;
	for (; p < end; p = nl + 1) {
		cJSON *rec;
		const char *q;
		int last;
		nl = memchr(p, '\n', (size_t)(end - p));
		last = !nl;
		if (!nl)
			nl = end;
		line++;
		for (q = p; q < nl && (*q == ' ' || *q == '\t' || *q == '\r'); q++)
			;
		if (q == nl)
			continue;
		if (last && torn) {
			/* a final line without newline: torn if it does not parse */
			rec = json_parse_raw(p, (size_t)(nl - p));
			if (!rec) {
				*torn = (size_t)(p - buf_cstr(&b));
				break;
			}
			cJSON_Delete(rec);
		}
		rec = json_parse(p, (size_t)(nl - p), path, line - 1);
		if (!rec) {
			rc = -1;
			break;
		}
		rc = cb(rec, line, ctx);
		if (rc < 0)
			break;
	}
	buf_release(&b);
	return rc < 0 ? rc : 0;
}
