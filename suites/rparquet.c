#include "lib/common.h"
#include "suites/reader.h"
#include "suites/parquet/parquet.h"

/* Parquet sources: rows streamed one row group at a time
 * (suites/parquet/parquet.h); embedded images go to img. */
int reader_parquet(const char *path, record_fn cb, image_fn img, void *ctx)
{
	return pq_for_each_row_images(path, cb, img, ctx);
}
