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

void log_term_escape(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* C0 controls but line breaks and tabs, DEL, and C1 (U+0080..U+009F) */
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
		    (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		     (unsigned char)s[i + 1] <= 0x9F)) {
			if (c == 0xC2)
				c = (unsigned char)s[++i];
			buf_adds(out, "\\x");
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		} else {
			buf_addch(out, (int)c);
		}
	}
}

int tprintf(const char *fmt, ...)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	buf_vaddf(&msg, fmt, ap);
	va_end(ap);
	log_term_escape(&safe, buf_cstr(&msg), msg.len);
	n = fwrite(buf_cstr(&safe), 1, safe.len, stdout);
	buf_release(&msg);
	buf_release(&safe);
	return (int)n;
}

static void emit(const char *prefix, const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, safe = BUF_INIT;

	/* messages quote ids, titles and model output: no escape sequence
	 * reaches a terminal */
	buf_vaddf(&msg, fmt, ap);
	log_term_escape(&safe, buf_cstr(&msg), msg.len);
	pthread_mutex_lock(&lock);
	if (capture) {
		buf_adds(capture, prefix);
		buf_addbuf(capture, &safe);
		buf_addch(capture, '\n');
	} else {
		fputs(prefix, stderr);
		fwrite(buf_cstr(&safe), 1, safe.len, stderr);
		fputc('\n', stderr);
		fflush(stderr);
	}
	pthread_mutex_unlock(&lock);
	buf_release(&msg);
	buf_release(&safe);
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
