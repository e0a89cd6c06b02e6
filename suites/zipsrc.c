/*
 * zipsrc.c: entries of a zip archive through libzip (see zipsrc.h).
 */
#include "lib/common.h"
#include "suites/zipsrc.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#include <fnmatch.h>
#include <pthread.h>
#include <strings.h>
#include <zip.h>

struct zsrc {
	char *path;
	zip_t *za;
	pthread_mutex_t lock;
	char **names;           /* entry names, in archive order */
	size_t nnames;
};

int zsrc_is_zip(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n > 4 && !strcasecmp(path + n - 4, ".zip");
}

static const char *zerr(int code, char *msg, size_t cap)
{
	zip_error_t e;

	zip_error_init_with_code(&e, code);
	snprintf(msg, cap, "%s", zip_error_strerror(&e));
	zip_error_fini(&e);
	return msg;
}

struct zsrc *zsrc_open(const char *path)
{
	struct zsrc *z;
	zip_int64_t n, i;
	char msg[256];
	int code = 0;
	zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);

	if (!za) {
		error("'%s': not a readable zip archive: %s", path, zerr(code, msg, sizeof(msg)));
		return NULL;
	}
	n = zip_get_num_entries(za, 0);
	if (n < 0) {
		error("'%s': cannot list the zip archive: %s", path, zip_strerror(za));
		zip_discard(za);
		return NULL;
	}
	z = xcalloc(1, sizeof(*z));
	z->path = xstrdup(path);
	z->za = za;
	pthread_mutex_init(&z->lock, NULL);
	z->names = xcalloc((size_t)n + 1, sizeof(*z->names));
	for (i = 0; i < n; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_GUESS);
		if (!name) {
			error("'%s': entry %lld has no readable name: %s", path, (long long)i, zip_strerror(za));
			zsrc_free(z);
			return NULL;
		}
		z->names[z->nnames++] = xstrdup(name);
	}
	return z;
}

void zsrc_free(struct zsrc *z)
{
	size_t i;

	if (!z)
		return;
	if (z->za)
		zip_discard(z->za);
	for (i = 0; i < z->nnames; i++)
		free(z->names[i]);
	free(z->names);
	pthread_mutex_destroy(&z->lock);
	free(z->path);
	free(z);
}

const char *zsrc_path(const struct zsrc *z)
{
	return z->path;
}

const char *zsrc_find(struct zsrc *z, const char *const *patterns, size_t npatterns)
{
	size_t p, i;

	for (p = 0; p < npatterns; p++)
		for (i = 0; i < z->nnames; i++)
			if (!fnmatch(patterns[p], z->names[i], FNM_PATHNAME))
				return z->names[i];
	return NULL;
}

int zsrc_has(struct zsrc *z, const char *name)
{
	size_t i;

	for (i = 0; i < z->nnames; i++)
		if (!strcmp(z->names[i], name))
			return 1;
	return 0;
}

static int read_locked(struct zsrc *z, const char *name, struct buf *out)
{
	zip_stat_t st;
	zip_file_t *f;
	zip_int64_t got;
	zip_uint64_t total = 0;

	zip_stat_init(&st);
	if (zip_stat(z->za, name, 0, &st) < 0)
		return error("'%s': no entry '%s' in the zip archive", z->path, name);
	if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
		return error("'%s': entry '%s' is encrypted", z->path, name);
	if ((st.valid & ZIP_STAT_SIZE) && st.size > out->max - out->len)
		return error("'%s': entry '%s' is too large (%llu bytes)", z->path, name,
			     (unsigned long long)st.size);
	f = zip_fopen(z->za, name, 0);
	if (!f)
		return error("'%s': cannot open entry '%s': %s", z->path, name, zip_strerror(z->za));
	for (;;) {
		size_t chunk = out->max - out->len < 65536 ? out->max - out->len : 65536;
		if (!chunk || buf_grow(out, chunk) < 0) {
			zip_fclose(f);
			return error("'%s': entry '%s' is too large", z->path, name);
		}
		got = zip_fread(f, out->data + out->len, chunk);
		if (got < 0) {
			error("'%s': entry '%s' is damaged: %s", z->path, name, zip_file_strerror(f));
			zip_fclose(f);
			return -1;
		}
		if (!got)
			break;
		out->len += (size_t)got;
		total += (zip_uint64_t)got;
	}
	out->data[out->len] = '\0';
	if (zip_fclose(f) != 0)
		return error("'%s': entry '%s' is damaged (checksum or length)", z->path, name);
	if ((st.valid & ZIP_STAT_SIZE) && total != st.size)
		return error("'%s': entry '%s' is damaged: %llu of %llu bytes", z->path, name,
			     (unsigned long long)total, (unsigned long long)st.size);
	return 0;
}

int zsrc_read(struct zsrc *z, const char *name, struct buf *out)
{
	size_t before = out->len;
	int rc;

	pthread_mutex_lock(&z->lock);
	rc = read_locked(z, name, out);
	pthread_mutex_unlock(&z->lock);
	if (rc < 0)
		buf_truncate(out, before);
	return rc;
}
