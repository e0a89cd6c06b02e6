/*
 * fuzz_readers.c: libFuzzer target for the record readers that suite data
 * and prediction files (steval score) go through: JSON (an array, or an
 * object of records), JSON Lines, TSV and CSV with their Python-literal
 * cells, and json_parse() itself (NUL handling, number spellings).
 *
 * Input: byte 0 picks the format (low 2 bits: json, jsonl, tsv, csv); the
 * rest is the file. The file is written to a private temporary directory
 * (the readers take paths). Invariants abort.
 */
// fuzz-sources: suites/rjson.c suites/rtsv.c suites/rparquet.c suites/parquet/*.c lib/image.c lib/buf.c lib/json.c lib/log.c lib/pystr.c lib/pycase.c lib/util.c lib/sha256.c lib/xalloc.c
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "suites/reader.h"

#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "check failed: %s\n", #c); abort(); } } while (0)

static struct buf sink = BUF_INIT;
static char dir[64];

static int on_rec(cJSON *rec, size_t where, void *ctx)
{
	struct buf b = BUF_INIT;
	struct jw w;
	cJSON *again;

	CHECK(rec != NULL);
	(void)where;
	/* what a reader gives can always be written and read back */
	jw_init(&w, &b, 0);
	jw_value(&w, rec);
	again = json_parse(buf_cstr(&b), b.len, "again", 0);
	CHECK(again != NULL);
	cJSON_Delete(again);
	buf_release(&b);
	cJSON_Delete(rec);
	(*(size_t *)ctx)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[4] = { "json", "jsonl", "tsv", "csv" };
	char path[96];
	const char *fmt;
	size_t n = 0;
	FILE *f;
	cJSON *j;

	if (!size)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/steval-fuzz-readers-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	fmt = fmts[data[0] & 3];
	snprintf(path, sizeof(path), "%s/in.%s", dir, fmt);
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	log_capture(&sink);
	(void)reader_read(path, fmt, on_rec, &n);
	j = json_parse((const char *)data + 1, size - 1, "direct", 0);
	cJSON_Delete(j);
	log_capture(NULL);
	buf_reset(&sink);
	unlink(path);
	return 0;
}
