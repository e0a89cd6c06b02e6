/*
 * curl_lazy.c: libcurl loaded on first use.
 *
 * The binary is not linked against libcurl: loading and relocating it and
 * the libraries it pulls in (TLS, HTTP/2, SSH, LDAP, Kerberos: some 25
 * objects) cost about 6.5 ms at every start, more than the rest of the
 * start, yet only commands that talk to a model or a judge (and --version,
 * which names its version) use it. This file defines the libcurl functions
 * steval calls; the first call dlopen()s libcurl's ABI-4 library and every
 * call goes on to the real function. Options and infos are passed on with
 * the type libcurl gives their number (CURLOPTTYPE_*: long, pointer,
 * function pointer, curl_off_t, blob), the way libcurl itself reads them.
 *
 * A binary or test that links libcurl as well still works: these
 * definitions win and call libcurl's own through dlsym().
 *
 * Not having libcurl is fatal at the first call, like running out of
 * memory (the binary used to refuse to start without it). STEVAL_LIBCURL
 * names another file to load (tests).
 */
#include "lib/common.h"

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>

#ifndef STEVAL_LIBCURL_SONAME
#define STEVAL_LIBCURL_SONAME "libcurl.so.4"
#endif

#define CURL_FNS(X) \
	X(CURLcode, curl_global_init, (long)) \
	X(void, curl_global_cleanup, (void)) \
	X(CURL *, curl_easy_init, (void)) \
	X(void, curl_easy_cleanup, (CURL *)) \
	X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...)) \
	X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...)) \
	X(const char *, curl_easy_strerror, (CURLcode)) \
	X(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *)) \
	X(void, curl_slist_free_all, (struct curl_slist *)) \
	X(curl_version_info_data *, curl_version_info, (CURLversion)) \
	X(time_t, curl_getdate, (const char *, const time_t *)) \
	X(CURLM *, curl_multi_init, (void)) \
	X(CURLMcode, curl_multi_cleanup, (CURLM *)) \
	X(CURLMcode, curl_multi_setopt, (CURLM *, CURLMoption, ...)) \
	X(CURLMcode, curl_multi_add_handle, (CURLM *, CURL *)) \
	X(CURLMcode, curl_multi_remove_handle, (CURLM *, CURL *)) \
	X(CURLMcode, curl_multi_perform, (CURLM *, int *)) \
	X(CURLMcode, curl_multi_poll, (CURLM *, struct curl_waitfd *, unsigned int, int, int *)) \
	X(CURLMcode, curl_multi_socket_action, (CURLM *, curl_socket_t, int, int *)) \
	X(CURLMsg *, curl_multi_info_read, (CURLM *, int *)) \
	X(const char *, curl_multi_strerror, (CURLMcode))

static struct {
#define FIELD(ret, name, args) ret (*name) args;
	CURL_FNS(FIELD)
#undef FIELD
} real;

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void fatal(const char *what, const char *why)
{
	fprintf(stderr, "steval: cannot load libcurl (%s): %s\n", what, why ? why : "unknown error");
	exit(EXIT_FAILURE);
}

static void load(void)
{
	const char *path = getenv("STEVAL_LIBCURL");
	void *h, *f;

	if (!path || !*path)
		path = STEVAL_LIBCURL_SONAME;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fatal(path, dlerror());
	/* dlsym() gives a data pointer; the copy makes it a function pointer */
#define LOOKUP(ret, name, args) \
	if (!(f = dlsym(h, #name))) \
		fatal(#name, dlerror()); \
	memcpy(&real.name, &f, sizeof(f));
	CURL_FNS(LOOKUP)
#undef LOOKUP
}

#define NEED() pthread_once(&once, load)

CURLcode curl_global_init(long flags)
{
	NEED();
	return real.curl_global_init(flags);
}

void curl_global_cleanup(void)
{
	NEED();
	real.curl_global_cleanup();
}

CURL *curl_easy_init(void)
{
	NEED();
	return real.curl_easy_init();
}

void curl_easy_cleanup(CURL *h)
{
	NEED();
	real.curl_easy_cleanup(h);
}

/* The argument's type from the option's number (curl.h CURLOPTTYPE_*;
 * multi options number theirs the same way). */
enum argtype { ARG_LONG, ARG_PTR, ARG_OFF };

static enum argtype curl_arg_type(long option)
{
	switch (option / 10000 * 10000) {
	case CURLOPTTYPE_LONG:
		return ARG_LONG;
	case CURLOPTTYPE_OFF_T:
		return ARG_OFF;
	default:   /* object, string, list, function pointer, blob */
		return ARG_PTR;
	}
}

CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	NEED();
	va_start(ap, option);
	switch (curl_arg_type((long)option)) {
	case ARG_LONG:
		rc = real.curl_easy_setopt(h, option, va_arg(ap, long));
		break;
	case ARG_OFF:
		rc = real.curl_easy_setopt(h, option, va_arg(ap, curl_off_t));
		break;
	default:
		rc = real.curl_easy_setopt(h, option, va_arg(ap, void *));
		break;
	}
	va_end(ap);
	return rc;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	void *p;

	NEED();
	va_start(ap, info);
	p = va_arg(ap, void *);   /* every info is written through a pointer */
	va_end(ap);
	return real.curl_easy_getinfo(h, info, p);
}

const char *curl_easy_strerror(CURLcode c)
{
	NEED();
	return real.curl_easy_strerror(c);
}

struct curl_slist *curl_slist_append(struct curl_slist *l, const char *s)
{
	NEED();
	return real.curl_slist_append(l, s);
}

void curl_slist_free_all(struct curl_slist *l)
{
	NEED();
	real.curl_slist_free_all(l);
}

curl_version_info_data *curl_version_info(CURLversion v)
{
	NEED();
	return real.curl_version_info(v);
}

time_t curl_getdate(const char *p, const time_t *unused)
{
	NEED();
	return real.curl_getdate(p, unused);
}

CURLM *curl_multi_init(void)
{
	NEED();
	return real.curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	NEED();
	return real.curl_multi_cleanup(m);
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
	va_list ap;
	CURLMcode rc;

	NEED();
	va_start(ap, option);
	switch (curl_arg_type((long)option)) {
	case ARG_LONG:
		rc = real.curl_multi_setopt(m, option, va_arg(ap, long));
		break;
	case ARG_OFF:
		rc = real.curl_multi_setopt(m, option, va_arg(ap, curl_off_t));
		break;
	default:
		rc = real.curl_multi_setopt(m, option, va_arg(ap, void *));
		break;
	}
	va_end(ap);
	return rc;
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	NEED();
	return real.curl_multi_add_handle(m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	NEED();
	return real.curl_multi_remove_handle(m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	NEED();
	return real.curl_multi_perform(m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned int nextra, int timeout_ms, int *ret)
{
	NEED();
	return real.curl_multi_poll(m, extra, nextra, timeout_ms, ret);
}

CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev_bitmask, int *running)
{
	NEED();
	return real.curl_multi_socket_action(m, s, ev_bitmask, running);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	NEED();
	return real.curl_multi_info_read(m, left);
}

const char *curl_multi_strerror(CURLMcode c)
{
	NEED();
	return real.curl_multi_strerror(c);
}
