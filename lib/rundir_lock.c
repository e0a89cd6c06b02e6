#include "lib/common.h"
#include "lib/rundir_lock.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *command_word = "steval";

void rundir_lock_set_command(const char *command)
{
	command_word = command && *command ? command : "steval";
}

int rundir_lock_held(const struct rundir_lock *lk)
{
	return lk->path != NULL;
}

void rundir_lock_init(struct rundir_lock *lk)
{
	memset(lk, 0, sizeof(*lk));
	lk->fd = -1;
}

static void host_name(char *out, size_t n)
{
	if (gethostname(out, n) < 0 || !out[0])
		snprintf(out, n, "localhost");
	out[n - 1] = '\0';
}

static void copy_field(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n)
		l = n - 1;
	memcpy(dst, src, l);
	dst[l] = '\0';
}

int rundir_lock_parse(const char *text, size_t len, struct rundir_lock_holder *h)
{
	const char *p = text, *end = text + len;

	memset(h, 0, sizeof(*h));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char val[256];
		size_t vn;
		sp = memchr(p, ' ', n);
		if (sp) {
			size_t kn = (size_t)(sp - p);
			vn = n - kn - 1;
			if (vn >= sizeof(val))
				vn = sizeof(val) - 1;
			memcpy(val, sp + 1, vn);
			val[vn] = '\0';
			if (kn == 3 && !memcmp(p, "pid", 3)) {
				long v;
				if (parse_long(val, &v) == 0 && v > 0)
					h->pid = v;
			} else if (kn == 4 && !memcmp(p, "host", 4)) {
				copy_field(h->host, sizeof(h->host), val);
			} else if (kn == 7 && !memcmp(p, "command", 7)) {
				copy_field(h->command, sizeof(h->command), val);
			} else if (kn == 7 && !memcmp(p, "started", 7)) {
				copy_field(h->started, sizeof(h->started), val);
			} else if (kn == 9 && !memcmp(p, "heartbeat", 9)) {
				double d;
				if (parse_double(val, &d) == 0 && d > 0)
					h->heartbeat = d;
			}
		}
		p += n + 1;
	}
	return h->pid ? 0 : -1;
}

static int read_holder(int fd, struct rundir_lock_holder *h)
{
	char text[1024];
	ssize_t n = pread(fd, text, sizeof(text), 0);

	if (n <= 0)
		return -1;
	return rundir_lock_parse(text, (size_t)n, h);
}

/* Rewrite the whole file (it only grows by the heartbeat's digits). */
static int write_content(struct rundir_lock *lk)
{
	size_t len = strlen(lk->content);

	if (pwrite(lk->fd, lk->content, len, 0) != (ssize_t)len)
		return -1;
	return ftruncate(lk->fd, (off_t)len);
}

static void set_heartbeat(struct rundir_lock *lk)
{
	snprintf(lk->content + lk->head_len, sizeof(lk->content) - lk->head_len,
		 "heartbeat %.0f\n", wall_now());
}

static void *beat_main(void *arg)
{
	struct rundir_lock *lk = arg;

	pthread_mutex_lock(&lk->mu);
	while (!lk->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += RUNDIR_LOCK_BEAT;
		if (pthread_cond_timedwait(&lk->cv, &lk->mu, &ts) != 0 && !lk->stopping) {
			set_heartbeat(lk);
			/* a failed heartbeat (disk full) only ages the lock */
			(void)write_content(lk);
		}
	}
	pthread_mutex_unlock(&lk->mu);
	return NULL;
}

static const char *who(const struct rundir_lock_holder *h, char *out, size_t n)
{
	snprintf(out, n, "pid %ld on host '%s'%s%s%s%s", h->pid, h->host[0] ? h->host : "?",
		 h->command[0] ? " ('steval " : "", h->command, h->command[0] ? "'" : "",
		 h->started[0] ? ", since " : "");
	if (h->started[0]) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s", h->started);
	}
	return out;
}

int rundir_lock_acquire(const char *dir, const char *command, struct rundir_lock *lk)
{
	char host[256], stamp[32], desc[512];
	struct rundir_lock_holder h;
	int tries;

	rundir_lock_init(lk);
	lk->path = path_join(dir, RUNDIR_LOCK_NAME);
	host_name(host, sizeof(host));
	for (tries = 0; tries < 8; tries++) {
		struct stat a, b;
		int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		int have_holder, flocked = 1;
		if (fd < 0) {
			error("cannot open '%s': %s", lk->path, strerror(errno));
			goto fail;
		}
		if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode)) {
			close(fd);
			error("'%s' is not a regular file", lk->path);
			goto fail;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno == EWOULDBLOCK) {
				/* a live holder */
				if (read_holder(fd, &h) < 0) {
					memset(&h, 0, sizeof(h));
					snprintf(h.host, sizeof(h.host), "?");
				}
				close(fd);
				error("'%s' is in use by %s: one writer at a time (wait for it, or "
				      "stop it first)", dir, who(&h, desc, sizeof(desc)));
				goto fail;
			}
			if (errno != ENOLCK && errno != EOPNOTSUPP && errno != ENOSYS) {
				error("cannot lock '%s': %s", lk->path, strerror(errno));
				close(fd);
				goto fail;
			}
			flocked = 0;   /* no flock here: the file's content decides */
		}
		/* the file we locked may have been removed by a holder releasing it */
		if (stat(lk->path, &b) < 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			close(fd);
			continue;
		}
		have_holder = read_holder(fd, &h) == 0;
		if (have_holder) {
			int same_host = !strcmp(h.host, host);
			double age = wall_now() - h.heartbeat;
			if (same_host && !flocked && h.pid != (long)getpid() &&
			    (kill((pid_t)h.pid, 0) == 0 || errno == EPERM)) {
				close(fd);
				error("'%s' is in use by %s: one writer at a time (wait for it, or "
				      "stop it first)", dir, who(&h, desc, sizeof(desc)));
				goto fail;
			}
			if (!same_host && age < RUNDIR_LOCK_STALE) {
				close(fd);
				error("'%s' is in use by %s (heartbeat %.0f s ago): one writer at a "
				      "time; a lock is taken over once its heartbeat is %d s old",
				      dir, who(&h, desc, sizeof(desc)), age > 0 ? age : 0,
				      RUNDIR_LOCK_STALE);
				goto fail;
			}
			if (same_host)
				warnf("'%s': taking over the lock of %s, which is no longer running",
				      dir, who(&h, desc, sizeof(desc)));
			else
				warnf("'%s': taking over the lock of %s: its heartbeat is %.0f s old",
				      dir, who(&h, desc, sizeof(desc)), age);
		}
		lk->fd = fd;
		break;
	}
	if (lk->fd < 0) {
		error("cannot lock '%s': it keeps changing", lk->path);
		goto fail;
	}
	if (!command)
		command = command_word;
	utc_stamp(stamp, wall_now());
	snprintf(lk->content, sizeof(lk->content), "pid %ld\nhost %s\ncommand %s\nstarted %s\n",
		 (long)getpid(), host, command, stamp);
	lk->head_len = strlen(lk->content);
	set_heartbeat(lk);
	if (write_content(lk) < 0) {
		error("cannot write '%s': %s", lk->path, strerror(errno));
		close(lk->fd);
		lk->fd = -1;
		goto fail;
	}
	pthread_mutex_init(&lk->mu, NULL);
	pthread_cond_init(&lk->cv, NULL);
	lk->beat_on = pthread_create(&lk->beat, NULL, beat_main, lk) == 0;
	return 0;
fail:
	free(lk->path);
	lk->path = NULL;
	return -1;
}

void rundir_lock_release(struct rundir_lock *lk)
{
	if (!lk->path)
		return;
	if (lk->fd < 0) {
		free(lk->path);
		lk->path = NULL;
		return;
	}
	if (lk->beat_on) {
		pthread_mutex_lock(&lk->mu);
		lk->stopping = 1;
		pthread_cond_signal(&lk->cv);
		pthread_mutex_unlock(&lk->mu);
		pthread_join(lk->beat, NULL);
		lk->beat_on = 0;
	}
	pthread_mutex_destroy(&lk->mu);
	pthread_cond_destroy(&lk->cv);
	/* removed while still locked: a waiter sees the inode change and retries */
	unlink(lk->path);
	close(lk->fd);
	lk->fd = -1;
	free(lk->path);
	lk->path = NULL;
}
