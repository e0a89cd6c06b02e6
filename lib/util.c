#include "lib/common.h"
#include "lib/util.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int open_regular(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return error("cannot open '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int dir = S_ISDIR(st.st_mode);
		close(fd);
		return error("'%s' is not a regular file (%s)", path,
			     dir ? "a directory" : "a FIFO, socket or device");
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

static int read_file_q(const char *path, struct buf *out, int quiet);

int read_file(const char *path, struct buf *out)
{
	return read_file_q(path, out, 0);
}

int read_file_quiet(const char *path, struct buf *out)
{
	return read_file_q(path, out, 1);
}

#define QERR(...) (quiet ? -1 : error(__VA_ARGS__))

static int read_file_q(const char *path, struct buf *out, int quiet)
{
	struct stat sb;
	size_t want = 65536;
	ssize_t n;
	char probe;
	int fd = quiet ? open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : open_regular(path);

	if (fd < 0)
		return -1;
	if (quiet) {
		/* what open_regular() refuses, refused without a word */
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
			close(fd);
			return -1;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	}
	/* a regular file is read straight into the buffer, sized once (one
	 * byte more, to see the end without growing) */
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 && (uintmax_t)sb.st_size < SIZE_MAX / 2)
		want = (size_t)sb.st_size + 1;
	for (;;) {
		char *dst = &probe;
		size_t room = 1;
		if (out->cap > out->len + 1) {
			dst = out->data + out->len;
			room = out->cap - out->len - 1;
		} else if (out->len < out->max) {
			/* never more than max, so buf_grow() cannot refuse */
			buf_grow(out, want < out->max - out->len ? want : out->max - out->len);
			dst = out->data + out->len;
			room = out->cap - out->len - 1;
		}       /* else at max: one byte tells the end from a larger file */
		n = read(fd, dst, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			QERR("cannot read '%s': %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		if (!n)
			break;
		if (dst == &probe || out->len + (size_t)n > out->max) {
			out->overflow = 1;
			close(fd);
			return QERR("'%s' is larger than %zu bytes", path, out->max);
		}
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		want = 65536;
	}
	close(fd);
	return 0;
}
#undef QERR

static unsigned long atomic_seq;

/* The temporary file is unique per process and call, so threads writing
 * the same path at once do not share it; the last rename wins. */
static int write_atomic(const char *path, const void *data, size_t len, int quiet)
{
	unsigned long n = __atomic_add_fetch(&atomic_seq, 1, __ATOMIC_RELAXED);
	char *tmp = xasprintf("%s.tmp.%ld.%lu", path, (long)getpid(), n);
	const char *p = data;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666), e;

	if (fd < 0) {
		e = errno;
		if (!quiet)
			error("cannot create '%s': %s", tmp, strerror(e));
		free(tmp);
		errno = e;
		return -1;
	}
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		e = errno;
		if (!quiet)
			error("cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
		unlink(tmp);
		free(tmp);
		errno = e;
		return -1;
	}
	free(tmp);
	return 0;
fail:
	e = errno;
	if (!quiet)
		error("cannot write '%s': %s", tmp, strerror(e));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	free(tmp);
	errno = e;
	return -1;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 0);
}

int write_file_atomic_quiet(const char *path, const void *data, size_t len)
{
	return write_atomic(path, data, len, 1);
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s == '/' || !*s) {
			char c = *s;
			*s = '\0';
			if (mkdir(p, 0777) < 0 && errno != EEXIST) {
				rc = error("cannot create directory '%s': %s", p, strerror(errno));
				break;
			}
			*s = c;
			if (!c)
				break;
		}
	}
	if (!rc && !dir_exists(path))
		rc = error("'%s' exists and is not a directory", path);
	free(p);
	return rc;
}

int file_exists(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

int dir_exists(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

char *path_join(const char *a, const char *b)
{
	size_t n;

	if (!a || !*a || b[0] == '/')
		return xstrdup(b);
	n = strlen(a);
	if (a[n - 1] == '/')
		return xasprintf("%s%s", a, b);
	return xasprintf("%s/%s", a, b);
}

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

char *path_stem(const char *path)
{
	const char *b = path_base(path), *dot = strrchr(b, '.');
	return dot && dot != b ? xstrndup(b, (size_t)(dot - b)) : xstrdup(b);
}

char *path_dir(const char *path)
{
	const char *s = strrchr(path, '/');

	if (!s)
		return xstrdup(".");
	if (s == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(s - path));
}

int sha256_file(const char *path, char hex[65])
{
	/* 64 KiB: from the heap and reused, where 1 MiB was a fresh mapping
	 * whose every page faulted in each call */
	static const size_t chunk = (size_t)64 << 10;
	struct sha256 h;
	char *tmp;
	ssize_t n;
	int fd = open_regular(path);

	if (fd < 0)
		return -1;
	tmp = xmalloc(chunk);
	sha256_init(&h);
	for (;;) {
		n = read(fd, tmp, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(&h, tmp, (size_t)n);
	}
	sha256_final(&h, hex);
	free(tmp);
	close(fd);
	if (n < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	return 0;
}

double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void utc_stamp(char out[32], double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void utc_dirname(char out[32], double t)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(out, 32, "%Y%m%dT%H%M%SZ", &tm);
}

size_t cpu_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), cap;

	if (n < 1)
		n = 1;
	if (parse_long(getenv("STEVAL_THREADS"), &cap) == 0 && cap >= 1)
		n = cap < 64 ? cap : 64;
	return (size_t)n;
}

int parse_long(const char *s, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno == ERANGE || *end || end == s)
		return -1;
	*out = v;
	return 0;
}

int b64_encode(const void *data, size_t n, struct buf *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	size_t i, o, olen = (n + 2) / 3 * 4;
	char *d;

	if (buf_grow(out, olen) < 0)
		return -1;
	d = out->data + out->len;
	for (i = 0, o = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		d[o++] = tab[v >> 18];
		d[o++] = tab[(v >> 12) & 63];
		d[o++] = tab[(v >> 6) & 63];
		d[o++] = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
		d[o++] = tab[v >> 18];
		d[o++] = tab[(v >> 12) & 63];
		d[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		d[o++] = '=';
	}
	out->len += o;
	out->data[out->len] = 0;
	return 0;
}
