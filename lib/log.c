#include "lib/common.h"
#include "lib/log.h"
#include "lib/buf.h"

#include <pthread.h>

static int level = LOG_WARN;
static struct buf *capture;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(int l)
{
	level = l;
}

int log_get_level(void)
{
	return level;
}

void log_capture(struct buf *into)
{
	pthread_mutex_lock(&lock);
	capture = into;
	pthread_mutex_unlock(&lock);
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&lock);
	if (capture) {
		buf_adds(capture, prefix);
		buf_vaddf(capture, fmt, ap);
		buf_addch(capture, '\n');
	} else {
		fputs(prefix, stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&lock);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("steval: error: ", fmt, ap);
	va_end(ap);
	return -1;
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_WARN)
		return;
	va_start(ap, fmt);
	emit("steval: warning: ", fmt, ap);
	va_end(ap);
}

void notef(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_NOTE)
		return;
	va_start(ap, fmt);
	emit("steval: ", fmt, ap);
	va_end(ap);
}

void debugf(const char *fmt, ...)
{
	va_list ap;

	if (level < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	emit("steval: debug: ", fmt, ap);
	va_end(ap);
}

void log_raw(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pthread_mutex_lock(&lock);
	vfprintf(stderr, fmt, ap);
	fflush(stderr);
	pthread_mutex_unlock(&lock);
	va_end(ap);
}
