#include "lib/common.h"
#include "suites/reader.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#define SOURCE_MAX ((size_t)2 << 30)   /* 2 GiB */

const char *reader_format(const char *path)
{
	const char *dot = strrchr(path_base(path), '.');

	if (!dot)
		return NULL;
	if (!strcmp(dot, ".json"))
		return "json";
	if (!strcmp(dot, ".jsonl") || !strcmp(dot, ".ndjson"))
		return "jsonl";
	if (!strcmp(dot, ".tsv"))
		return "tsv";
	if (!strcmp(dot, ".csv"))
		return "csv";
	if (!strcmp(dot, ".parquet"))
		return "parquet";
	return NULL;
}

int reader_read(const char *path, const char *format, record_fn cb, void *ctx)
{
	return reader_read_images(path, format, cb, NULL, ctx);
}

int reader_read_images(const char *path, const char *format, record_fn cb, image_fn img,
		       void *ctx)
{
	if (!format)
		format = reader_format(path);
	if (!format)
		return error("'%s': cannot tell the format from the file name "
			     "(.json, .jsonl, .tsv, .csv, .parquet)", path);
	if (!strcmp(format, "json"))
		return reader_json(path, cb, ctx);
	if (!strcmp(format, "jsonl"))
		return reader_jsonl(path, cb, ctx);
	if (!strcmp(format, "tsv"))
		return reader_dsv(path, '\t', cb, ctx);
	if (!strcmp(format, "csv"))
		return reader_dsv(path, ',', cb, ctx);
	if (!strcmp(format, "parquet"))
		return reader_parquet(path, cb, img, ctx);
	return error("'%s': unknown format '%s'", path, format);
}

static int json_records(cJSON *root, const char *path, record_fn cb, void *ctx)
{
	cJSON *arr, *e;
	size_t i = 0;
	int rc = 0;

	if (!root)
		return -1;
	arr = root;
	if (cJSON_IsObject(root) && cJSON_IsArray(json_get(root, "data")))
		arr = (cJSON *)json_get(root, "data");
	if (!cJSON_IsArray(arr)) {
		cJSON_Delete(root);
		return error("'%s': expected a JSON array of records", path);
	}
	while ((e = arr->child)) {
		cJSON_DetachItemViaPointer(arr, e);
		if (!cJSON_IsObject(e)) {
			cJSON_Delete(e);
			rc = error("'%s': record %zu is not a JSON object", path, i);
			break;
		}
		rc = cb(e, i, ctx);
		if (rc < 0)
			break;
		i++;
	}
	cJSON_Delete(root);
	return rc < 0 ? rc : 0;
}

int reader_json_tree(cJSON *root, const char *path, record_fn cb, void *ctx)
{
	return json_records(root, path, cb, ctx);
}

int reader_json(const char *path, record_fn cb, void *ctx)
{
	return json_records(json_parse_file(path, SOURCE_MAX), path, cb, ctx);
}

static int jsonl_records(const char *data, size_t len, const char *path, record_fn cb, void *ctx)
{
	const char *p = data, *end = data + len, *nl;
	size_t line = 0;
	int rc = 0;

	for (; p < end; p = nl + 1) {
		const char *q;
		cJSON *rec;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		for (q = p; q < nl && (*q == ' ' || *q == '\t' || *q == '\r'); q++)
			;
		if (q == nl)
			continue;
		rec = json_parse(p, (size_t)(nl - p), path, line - 1);
		if (!rec) {
			rc = -1;
			break;
		}
		if (!cJSON_IsObject(rec)) {
			cJSON_Delete(rec);
			rc = error("'%s': line %zu: expected a JSON object", path, line);
			break;
		}
		rc = cb(rec, line, ctx);
		if (rc < 0)
			break;
	}
	return rc < 0 ? rc : 0;
}

int reader_jsonl(const char *path, record_fn cb, void *ctx)
{
	struct buf b = BUF_INIT_MAX(SOURCE_MAX);
	int rc;

	if (read_file(path, &b) < 0) {
		buf_release(&b);
		return -1;
	}
	rc = jsonl_records(buf_cstr(&b), b.len, path, cb, ctx);
	buf_release(&b);
	return rc;
}

int reader_read_mem(const char *name, const char *format, const char *data, size_t len,
		    record_fn cb, void *ctx)
{
	if (!format)
		format = reader_format(name);
	if (format && !strcmp(format, "json"))
		return json_records(json_parse(data, len, name, 0), name, cb, ctx);
	if (format && !strcmp(format, "jsonl"))
		return jsonl_records(data, len, name, cb, ctx);
	return error("'%s': a source inside a zip archive must be .json or .jsonl (not '%s')", name,
		     format ? format : "unknown");
}
