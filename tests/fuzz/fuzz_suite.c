/*
 * fuzz_suite.c: libFuzzer target for suite specs and the loader: a spec
 * (suite_open: every field, protocols, categories, conditions, templates)
 * and a JSON Lines data file (suite_load: fields, options, answer types,
 * the checks that reject unscorable items), then every item's prompt
 * rendered with the default protocol.
 *
 * Input: the spec, then a line "\n----\n", then the data file (the spec
 * alone is loaded against an empty data file). Files are written to a
 * private temporary directory.
 */
// fuzz-sources: suites/*.c suites/parquet/*.c lib/image.c lib/buf.c lib/json.c lib/log.c lib/pystr.c lib/pycase.c lib/rx.c lib/util.c lib/sha256.c lib/xalloc.c lib/rng.c
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "suites/render.h"
#include "suites/suite.h"

#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static struct buf sink = BUF_INIT;
static char dir[64];

static void put(const char *name, const void *p, size_t n)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(p, 1, n, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *sep = NULL;
	char spec[128], ddir[128];
	struct suite s;
	size_t i, specn = size;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/steval-fuzz-suite-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(ddir, sizeof(ddir), "%s/data", dir);
		if (mkdir(ddir, 0700) < 0 && errno != EEXIST)
			abort();
	}
	for (i = 0; i + 6 <= size; i++)
		if (!memcmp(in + i, "\n----\n", 6)) {
			sep = in + i;
			break;
		}
	if (sep)
		specn = (size_t)(sep - in);
	put("s.json", in, specn);
	put("data/items.jsonl", sep ? sep + 6 : "", sep ? size - specn - 6 : 0);
	snprintf(spec, sizeof(spec), "%s/s.json", dir);
	snprintf(ddir, sizeof(ddir), "%s/data", dir);
	log_capture(&sink);
	memset(&s, 0, sizeof(s));
	if (suite_open(&s, spec) == 0 && suite_load(&s, ddir) == 0) {
		const struct protocol *p = suite_protocol(&s, NULL);
		CHECK(s.nitems > 0);
		for (i = 0; p && i < s.nitems && i < 64; i++) {
			struct buf out = BUF_INIT;
			(void)render_prompt(p, &s.items[i], NULL, 1, &out);
			buf_release(&out);
		}
	}
	suite_release(&s);
	log_capture(NULL);
	buf_reset(&sink);
	return 0;
}
