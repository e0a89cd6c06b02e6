#include "harness/common.h"
#include "suites/reader.h"
#include "harness/log.h"

/* Replaced by a call into suites/parquet.c when the Parquet reader lands. */
int reader_parquet(const char *path, record_fn cb, void *ctx)
{
	(void)cb;
	(void)ctx;
	return error("'%s': this build of steval cannot read Parquet yet; convert the file "
		     "to JSONL (one record per line) and point the suite at it", path);
}
