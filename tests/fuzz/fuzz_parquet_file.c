/*
 * libFuzzer target: a whole Parquet file in memory. Opens it (footer,
 * schema), prints schema and metadata, and reads up to 20000 rows, as cJSON
 * records and as written JSON alternately.
 *
 * fuzz-sources: suites/parquet/*.c lib/image.c lib/buf.c lib/json.c lib/log.c lib/pystr.c lib/pycase.c lib/util.c lib/sha256.c lib/xalloc.c
 * fuzz-seeds: ../shared/data/parquet .parquet
 */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "suites/parquet/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf log = BUF_INIT_MAX(1 << 16);
	struct buf out = BUF_INIT_MAX((size_t)64 << 20);
	struct pq_file *f;
	struct pq_rows *r;
	struct jw w;
	cJSON *row;
	int k, n = 0;

	buf_reset(&log);
	log_capture(&log);
	f = pq_open_mem(data, size, "fuzz.parquet");
	if (!f)
		return 0;
	pq_schema_print(f, &out);
	pq_meta_print(f, &out);
	r = pq_rows_open(f, NULL, 0);
	if (r) {
		do {
			if (n & 1) {
				buf_reset(&out);
				jw_init(&w, &out, 0);
				k = pq_rows_write(r, &w);
			} else {
				k = pq_rows_next(r, &row);
				if (k > 0)
					cJSON_Delete(row);
			}
		} while (k > 0 && ++n < 20000);
		pq_rows_close(r);
	}
	pq_close(f);
	buf_release(&out);
	return 0;
}
