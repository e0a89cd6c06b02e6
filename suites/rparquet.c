#include "lib/common.h"
#include "suites/reader.h"
#include "suites/parquet/parquet.h"

/* Parquet sources: rows streamed one row group at a time (suites/parquet/parquet.h). */
int reader_parquet(const char *path, record_fn cb, void *ctx)
{
	return pq_for_each_row(path, cb, ctx);
}
