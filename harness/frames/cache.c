/*
 * cache.c: the frame cache on disk (layout and guarantees in cache.h).
 */
#include "lib/common.h"
#include "harness/frames/cache.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define FCACHE_SUBDIR "frames-v1"
#define FCACHE_TAG "steval-frames/1"
#define INDEX_MAX ((size_t)64 << 20)
#define IMAGE_MAX ((size_t)512 << 20)

char *fcache_default_dir(void)
{
	const char *e = getenv("STEVAL_CACHE_DIR");

	if (e && *e)
		return xstrdup(e);
	e = getenv("XDG_CACHE_HOME");
	if (e && *e == '/')
		return xasprintf("%s/steval", e);
	e = getenv("HOME");
	if (e && *e)
		return xasprintf("%s/.cache/steval", e);
	return NULL;
}

void fcache_init(struct fcache *c, const char *dir, int disabled)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	if (disabled)
		return;
	c->dir = dir && *dir ? xstrdup(dir) : fcache_default_dir();
	if (c->dir)
		c->root = xasprintf("%s/" FCACHE_SUBDIR, c->dir);
}

void fcache_release(struct fcache *c)
{
	size_t i;

	for (i = 0; i < c->nmemo; i++)
		free(c->memo[i].stat_key);
	free(c->memo);
	free(c->dir);
	free(c->root);
	pthread_mutex_destroy(&c->lock);
	memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ helpers */

/* Whole file into a malloc'ed buffer, without printing. */
static int slurp(const char *path, size_t max, unsigned char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	unsigned char *p;
	size_t n = 0;

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		close(fd);
		errno = EFBIG;
		return -1;
	}
	p = xmalloc((size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, p + n, (size_t)st.st_size - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		free(p);
		errno = EIO;
		return -1;
	}
	p[n] = '\0';
	*data = p;
	*len = n;
	return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_new(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), rc;

	if (fd < 0)
		return -1;
	rc = write_all(fd, data, len);
	if (close(fd) < 0)
		rc = -1;
	return rc;
}

/* rm -rf below a directory we own; never follows symbolic links. */
static int rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char *sub;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", path, e->d_name);
		if (rm_tree(sub) < 0)
			rc = -1;
		free(sub);
	}
	closedir(d);
	if (rmdir(path) < 0)
		rc = -1;
	return rc;
}

/* ------------------------------------------------------------ ids */

static int memo_find(struct fcache *c, const char *key, char hex[65])
{
	size_t i;
	int found = 0;

	pthread_mutex_lock(&c->lock);
	for (i = 0; i < c->nmemo; i++)
		if (!strcmp(c->memo[i].stat_key, key)) {
			memcpy(hex, c->memo[i].sha256, 65);
			found = 1;
			break;
		}
	pthread_mutex_unlock(&c->lock);
	return found;
}

static void memo_add(struct fcache *c, const char *key, const char hex[65])
{
	char tmp[65];

	if (memo_find(c, key, tmp))
		return;
	pthread_mutex_lock(&c->lock);
	ALLOC_GROW(c->memo, c->nmemo + 1, c->amemo);
	c->memo[c->nmemo].stat_key = xstrdup(key);
	memcpy(c->memo[c->nmemo].sha256, hex, 65);
	c->nmemo++;
	pthread_mutex_unlock(&c->lock);
}

static int is_hex64(const char *s)
{
	return sha256_hex_valid(s) && (s[64] == '\0' || s[64] == '\n');
}

static unsigned long tmp_counter;

/* A unique name for a temporary file or directory next to `path`. */
static char *tmp_name(const char *path)
{
	unsigned long n = __atomic_add_fetch(&tmp_counter, 1, __ATOMIC_RELAXED);
	const char *base = path_base(path);
	char *dir = path_dir(path), *t;

	t = xasprintf("%s/.tmp-%s-%ld-%lu", dir, base, (long)getpid(), n);
	free(dir);
	return t;
}

static int hash_file(const char *path, char hex[65])
{
	enum { CHUNK = 1 << 20 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;
	unsigned char *tmp;
	struct sha256 h;
	ssize_t n;

	if (fd < 0)
		return -1;
	tmp = xmalloc(CHUNK);
	sha256_init(&h);
	for (;;) {
		n = read(fd, tmp, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		sha256_update(&h, tmp, (size_t)n);
	}
	e = errno;
	sha256_final(&h, hex);
	free(tmp);
	close(fd);
	errno = e;
	return n < 0 ? -1 : 0;
}

int fcache_video_id_e(struct fcache *c, const char *path, char hex[65], struct buf *err)
{
	struct stat st;
	char key[128];
	char *memo = NULL;
	unsigned char *data;
	size_t len;

	if (stat(path, &st) < 0) {
		buf_addf(err, "'%s': cannot open: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_addf(err, "'%s': not a regular file", path);
		return -1;
	}
	snprintf(key, sizeof(key), "%llx-%llx-%llx-%lld.%09ld", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino, (unsigned long long)st.st_size,
		 (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec);
	if (memo_find(c, key, hex))
		return 0;
	if (c->root) {
		memo = xasprintf("%s/ids/%s", c->root, key);
		if (slurp(memo, 1024, &data, &len) == 0) {
			int ok = len >= 64 && is_hex64((char *)data);
			if (ok) {
				memcpy(hex, data, 64);
				hex[64] = '\0';
			}
			free(data);
			if (ok) {
				memo_add(c, key, hex);
				free(memo);
				return 0;
			}
		}
	}
	if (hash_file(path, hex) < 0) {
		buf_addf(err, "'%s': cannot read: %s", path, strerror(errno));
		free(memo);
		return -1;
	}
	memo_add(c, key, hex);
	if (memo) {
		char *dir = xasprintf("%s/ids", c->root), *t = tmp_name(memo), line[66];

		memcpy(line, hex, 64);
		line[64] = '\n';
		if ((dir_exists(dir) || mkdir_p(dir) == 0) && write_new(t, line, 65) == 0)
			rename(t, memo);
		unlink(t);
		free(t);
		free(dir);
		free(memo);
	}
	return 0;
}

void fcache_key(const char *video_sha256, const struct frame_plan *p,
		const struct frame_window *w, char hex[65])
{
	struct buf b = BUF_INIT;
	struct jw j;

	buf_addf(&b, FCACHE_TAG "\n%s\n", video_sha256);
	frame_plan_canonical(p, &b);
	buf_addch(&b, '\n');
	if (p->window && w && w->has) {
		jw_init(&j, &b, 0);
		jw_arr(&j);
		jw_num(&j, w->t_start);
		jw_num(&j, w->t_end);
		jw_end(&j);
	} else {
		buf_adds(&b, "none");
	}
	sha256_hex(buf_cstr(&b), b.len, hex);
	buf_release(&b);
}

static char *entry_dir(const struct fcache *c, const char *key)
{
	return xasprintf("%s/sets/%.2s/%s", c->root, key, key);
}

/* ------------------------------------------------------------ load */

static double num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = json_get(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

static int parse_index(struct frameset *fs, const cJSON *root, const char *dir, struct buf *err)
{
	const cJSON *meta = json_get(root, "meta"), *stats = json_get(root, "stats");
	const cJSON *frames = json_get(root, "frames"), *f, *win = json_get(root, "window");
	const char *s;
	size_t n, i;

	s = json_get_str(root, "video_sha256");
	if (!s || strlen(s) != 64 || !cJSON_IsObject(meta) || !cJSON_IsArray(frames)) {
		buf_addf(err, "'%s/index.json': not a frame set index", dir);
		return -1;
	}
	memcpy(fs->video_sha256, s, 65);
	{
		const cJSON *plan = json_get(root, "plan");
		char *t = plan ? cJSON_PrintUnformatted(plan) : NULL;
		fs->plan = t ? xstrdup(t) : NULL;
		cJSON_free(t);
	}
	if (cJSON_IsArray(win) && cJSON_GetArraySize(win) == 2) {
		fs->window.has = 1;
		fs->window.t_start = cJSON_GetArrayItem(win, 0)->valuedouble;
		fs->window.t_end = cJSON_GetArrayItem(win, 1)->valuedouble;
	}
	fs->meta.width = (int)num(meta, "width", 0);
	fs->meta.height = (int)num(meta, "height", 0);
	fs->meta.rotation = (int)num(meta, "rotation", 0);
	fs->meta.frame_count = (long)num(meta, "frame_count", 0);
	fs->meta.duration = num(meta, "duration", 0);
	fs->meta.fps = num(meta, "fps", 0);
	fs->meta.cv_fps = num(meta, "cv_fps", 0);
	fs->meta.cv_frame_count = (long)num(meta, "cv_frame_count", 0);
	fs->meta.cv_duration = num(meta, "cv_duration", 0);
	fs->meta.sample_fps = num(meta, "sample_fps", 0);
	fs->meta.interval = (int)num(meta, "interval", 0);
	s = json_get_str(meta, "codec");
	snprintf(fs->meta.codec, sizeof(fs->meta.codec), "%s", s ? s : "");
	s = json_get_str(meta, "timing");
	fs->meta.timing = s && !strcmp(s, "container");
	if (cJSON_IsObject(stats)) {
		fs->stats.packets = (long)num(stats, "packets", 0);
		fs->stats.decoded = (long)num(stats, "decoded", 0);
		fs->stats.skipped = (long)num(stats, "skipped", 0);
		fs->stats.seeks = (int)num(stats, "seeks", 0);
		fs->stats.corrupt = (long)num(stats, "corrupt", 0);
		fs->stats.damaged = (long)num(stats, "damaged", 0);
		fs->stats.substituted = (int)num(stats, "substituted", 0);
		fs->stats.seconds = num(stats, "seconds", 0);
		fs->stats.index_seconds = num(stats, "index_seconds", 0);
	}
	n = (size_t)cJSON_GetArraySize(frames);
	fs->frames = xcalloc(n ? n : 1, sizeof(*fs->frames));
	fs->nframes = n;
	i = 0;
	cJSON_ArrayForEach(f, frames) {
		const cJSON *img = json_get(f, "image");
		const char *sha = json_get_str(f, "sha256"), *pix = json_get_str(f, "pixels");
		double im = cJSON_IsNumber(img) ? img->valuedouble : -1;

		if (!cJSON_IsObject(f) || im < 0 || im > 1e6 || !sha || strlen(sha) != 64) {
			buf_addf(err, "'%s/index.json': frame %zu is malformed", dir, i);
			return -1;
		}
		fs->frames[i].index = (long long)num(f, "index", -1);
		fs->frames[i].pts = num(f, "pts", -1);
		fs->frames[i].image = (int)im;
		if ((size_t)im >= fs->nimages) {
			size_t old = fs->nimages, want = (size_t)im + 1;
			fs->images = xrealloc(fs->images, want * sizeof(*fs->images));
			memset(fs->images + old, 0, (want - old) * sizeof(*fs->images));
			fs->nimages = want;
		}
		{
			struct frame_image *m = &fs->images[(size_t)im];
			if (!m->sha256[0]) {
				memcpy(m->sha256, sha, 65);
				snprintf(m->pixels, sizeof(m->pixels), "%s", pix ? pix : "");
				m->width = (int)num(f, "width", 0);
				m->height = (int)num(f, "height", 0);
				m->index = fs->frames[i].index;
				m->pts = fs->frames[i].pts;
			} else if (strcmp(m->sha256, sha)) {
				buf_addf(err, "'%s/index.json': image %d has two hashes", dir, (int)im);
				return -1;
			}
		}
		i++;
	}
	return 0;
}

static int load_images(struct frameset *fs, const char *dir, struct buf *err)
{
	size_t i;

	for (i = 0; i < fs->nimages; i++) {
		struct frame_image *m = &fs->images[i];
		char want[65], *path;
		const char *mime;
		unsigned char *data;
		size_t len;
		struct buf name = BUF_INIT;

		if (!m->sha256[0]) {
			buf_addf(err, "'%s/index.json': image %zu is not used by any frame", dir, i);
			return -1;
		}
		memcpy(want, m->sha256, 65);
		/* the file name depends on the format: try both */
		buf_addf(&name, "frame_%03zu.jpg", i);
		path = xasprintf("%s/%s", dir, buf_cstr(&name));
		if (slurp(path, IMAGE_MAX, &data, &len) < 0) {
			free(path);
			buf_reset(&name);
			buf_addf(&name, "frame_%03zu.png", i);
			path = xasprintf("%s/%s", dir, buf_cstr(&name));
			if (slurp(path, IMAGE_MAX, &data, &len) < 0) {
				buf_addf(err, "'%s': missing image %zu", dir, i);
				free(path);
				buf_release(&name);
				return -1;
			}
		}
		free(path);
		buf_release(&name);
		mime = frame_mime_of(data, len);
		if (!mime) {
			free(data);
			buf_addf(err, "'%s': image %zu is not an image", dir, i);
			return -1;
		}
		frame_image_set(m, data, len, mime);
		if (strcmp(m->sha256, want)) {
			buf_addf(err, "'%s': image %zu does not match its hash", dir, i);
			return -1;
		}
	}
	return 0;
}

int fcache_load_e(struct fcache *c, const char *key, struct frameset **out, struct buf *err)
{
	char *dir, *ipath;
	unsigned char *text;
	size_t len;
	cJSON *root;
	struct frameset *fs;
	struct buf why = BUF_INIT;

	*out = NULL;
	if (!c->root)
		return 0;
	dir = entry_dir(c, key);
	ipath = xasprintf("%s/index.json", dir);
	if (slurp(ipath, INDEX_MAX, &text, &len) < 0) {
		free(ipath);
		free(dir);
		return 0;
	}
	free(ipath);
	root = cJSON_ParseWithLength((const char *)text, len);
	free(text);
	fs = frameset_new();
	if (!root || parse_index(fs, root, dir, &why) < 0 || load_images(fs, dir, &why) < 0) {
		/* a damaged entry: drop it, count a miss */
		warnf("frame cache: %s; removing the entry", why.len ? buf_cstr(&why) : "unreadable index");
		rm_tree(dir);
		cJSON_Delete(root);
		frameset_unref(fs);
		buf_release(&why);
		free(dir);
		return 0;
	}
	(void)err;
	cJSON_Delete(root);
	buf_release(&why);
	free(dir);
	*out = fs;
	return 1;
}

/* ------------------------------------------------------------ store */

int fcache_store_e(struct fcache *c, const char *key, const struct frameset *fs, struct buf *err)
{
	char *dir, *parent, *tmp;
	struct buf b = BUF_INIT;
	struct jw w;
	size_t i;
	int rc = -1;

	if (!c->root)
		return 0;
	dir = entry_dir(c, key);
	parent = path_dir(dir);
	tmp = tmp_name(dir);
	if ((!dir_exists(parent) && mkdir_p(parent) < 0) || mkdir(tmp, 0777) < 0) {
		buf_addf(err, "frame cache: cannot create '%s': %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < fs->nimages; i++) {
		struct buf name = BUF_INIT;
		char *p;
		int ok;

		frames_image_name(fs, (int)i, &name);
		p = xasprintf("%s/%s", tmp, buf_cstr(&name));
		ok = write_new(p, fs->images[i].data, fs->images[i].size) == 0;
		if (!ok)
			buf_addf(err, "frame cache: cannot write '%s': %s", p, strerror(errno));
		free(p);
		buf_release(&name);
		if (!ok)
			goto out;
	}
	jw_init(&w, &b, 1);
	frameset_write_index(&w, fs, 1);
	buf_addch(&b, '\n');
	{
		char *p = xasprintf("%s/index.json", tmp);
		int ok = write_new(p, b.data, b.len) == 0;
		if (!ok)
			buf_addf(err, "frame cache: cannot write '%s': %s", p, strerror(errno));
		free(p);
		if (!ok)
			goto out;
	}
	if (rename(tmp, dir) < 0) {
		if (errno != ENOTEMPTY && errno != EEXIST) {
			buf_addf(err, "frame cache: cannot rename '%s': %s", tmp, strerror(errno));
			goto out;
		}
		/* another writer won the race: its entry stands */
	}
	rc = 0;
out:
	rm_tree(tmp);     /* gone after a successful rename; else clean up */
	buf_release(&b);
	free(tmp);
	free(parent);
	free(dir);
	return rc;
}

/* ------------------------------------------------------------ get */

int fcache_get_e(struct fcache *c, const char *path, const struct frame_plan *p,
		 const struct frame_window *w, const struct frame_opts *o,
		 struct frameset **out, enum fcache_source *source, struct buf *err)
{
	char vid[65], key[65];
	struct frameset *fs = NULL;
	struct buf serr = BUF_INIT;
	int rc;

	*out = NULL;
	if (fcache_video_id_e(c, path, vid, err) < 0)
		return -1;
	fcache_key(vid, p, w, key);
	rc = fcache_load_e(c, key, &fs, err);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		if (source)
			*source = FCACHE_DISK;
		*out = fs;
		return 0;
	}
	if (frames_extract_e(path, p, w, o, &fs, err) < 0)
		return -1;
	memcpy(fs->video_sha256, vid, 65);
	if (fcache_store_e(c, key, fs, &serr) < 0)
		warnf("%s", buf_cstr(&serr));
	buf_release(&serr);
	if (source)
		*source = FCACHE_DECODED;
	*out = fs;
	return 0;
}

int fcache_get(struct fcache *c, const char *path, const struct frame_plan *p,
	       const struct frame_window *w, const struct frame_opts *o,
	       struct frameset **out, enum fcache_source *source)
{
	struct buf err = BUF_INIT;
	int rc = fcache_get_e(c, path, p, w, o, out, source, &err);

	if (rc < 0)
		error("%s", buf_cstr(&err));
	buf_release(&err);
	return rc;
}

/* ------------------------------------------------------------ stats */

static void count_tree(const char *path, int depth, struct fcache_stats *s)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;
		char *sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = xasprintf("%s/%s", path, e->d_name);
		if (lstat(sub, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				if (!strncmp(e->d_name, ".tmp-", 5))
					s->partial++;
				else if (depth == 1)
					s->sets++;
				count_tree(sub, depth + 1, s);
			} else if (S_ISREG(st.st_mode)) {
				s->bytes += st.st_size;
				if (depth == 2 && !strncmp(e->d_name, "frame_", 6))
					s->images++;
			}
		}
		free(sub);
	}
	closedir(d);
}

int fcache_stats(struct fcache *c, struct fcache_stats *s)
{
	char *p;
	DIR *d;
	struct dirent *e;

	memset(s, 0, sizeof(*s));
	if (!c->root)
		return 0;
	p = xasprintf("%s/sets", c->root);
	d = opendir(p);
	if (d) {
		while ((e = readdir(d))) {
			char *sub;
			if (e->d_name[0] == '.')
				continue;
			sub = xasprintf("%s/%s", p, e->d_name);
			count_tree(sub, 1, s);
			free(sub);
		}
		closedir(d);
	}
	free(p);
	p = xasprintf("%s/ids", c->root);
	d = opendir(p);
	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				s->ids++;
		closedir(d);
	}
	free(p);
	return 0;
}

int fcache_clear(struct fcache *c, long *removed)
{
	struct fcache_stats s;

	*removed = 0;
	if (!c->root)
		return 0;
	fcache_stats(c, &s);
	if (rm_tree(c->root) < 0)
		return error("cannot remove '%s': %s", c->root, strerror(errno));
	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < c->nmemo; i++)
		free(c->memo[i].stat_key);
	c->nmemo = 0;
	pthread_mutex_unlock(&c->lock);
	*removed = s.sets;
	return 0;
}
