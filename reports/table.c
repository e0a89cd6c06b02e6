#include "lib/common.h"
#include "reports/table.h"
#include "reports/report.h"
#include "lib/buf.h"
#include "lib/util.h"
#include "lib/xalloc.h"

#include <math.h>

static void add_row(struct tbl_row **rows, size_t *n, size_t *alloc, const char *kind,
		    const char *name, const cJSON *g, int indent)
{
	const char *label = json_get_str(g, "label");

	ALLOC_GROW(*rows, *n + 1, *alloc);
	(*rows)[*n].kind = kind;
	(*rows)[*n].name = name;
	(*rows)[*n].label = label ? label : name;
	(*rows)[*n].g = g;
	(*rows)[*n].indent = indent;
	(*n)++;
}

static int is_member(const cJSON *cats, const char *name)
{
	const cJSON *c, *m;

	if (!cJSON_IsObject(cats))
		return 0;
	cJSON_ArrayForEach(c, cats)
		cJSON_ArrayForEach(m, json_get(c, "members"))
			if (cJSON_IsString(m) && !strcmp(m->valuestring, name))
				return 1;
	return 0;
}

size_t tbl_rows(const cJSON *res, struct tbl_row **rows)
{
	const cJSON *cats = json_get(res, "categories"), *order = json_get(res, "category_order");
	const cJSON *c, *m, *g;
	size_t n = 0, alloc = 0;

	*rows = NULL;
	add_row(rows, &n, &alloc, "overall", "overall", json_get(res, "overall"), 0);
	if (cJSON_IsArray(order)) {
		cJSON_ArrayForEach(c, order) {
			if (!cJSON_IsString(c) || !(g = json_get(cats, c->valuestring)))
				continue;
			if (is_member(cats, c->valuestring))
				continue;   /* shown under its merged category */
			add_row(rows, &n, &alloc, "category", c->valuestring, g, 0);
			cJSON_ArrayForEach(m, json_get(g, "members")) {
				const cJSON *mg;
				if (cJSON_IsString(m) && (mg = json_get(cats, m->valuestring)))
					add_row(rows, &n, &alloc, "category", m->valuestring, mg, 1);
			}
		}
	} else if (cJSON_IsObject(cats)) {
		cJSON_ArrayForEach(g, cats)
			add_row(rows, &n, &alloc, "category", g->string, g, 0);
	}
	if (cJSON_IsObject(json_get(res, "splits")))
		cJSON_ArrayForEach(g, json_get(res, "splits"))
			add_row(rows, &n, &alloc, "split", g->string, g, 0);
	return n;
}

void tbl_num(struct buf *out, double v, const char *missing)
{
	if (isnan(v) || isinf(v))
		buf_adds(out, missing);
	else
		buf_addf(out, "%.2f", v);
}

long tbl_count(const cJSON *g, const char *key)
{
	const cJSON *v = json_get(g, key);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
}

void tbl_json(struct buf *out, const cJSON *v)
{
	struct jw w;

	jw_init(&w, out, 0);
	jw_value(&w, v);
}

double tbl_level(const cJSON *res)
{
	double l = report_num(json_get(res, "bootstrap"), "level");
	return isnan(l) ? 0 : l;
}

/* 'sha256-BASE64' of a text, as a CSP source expression. */
void tbl_csp_hash(struct buf *out, const char *text)
{
	char hex[65];
	unsigned char raw[32];
	size_t i;

	sha256_hex(text, strlen(text), hex);
	for (i = 0; i < 32; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		raw[i] = (unsigned char)v;
	}
	buf_adds(out, "'sha256-");
	b64_encode(raw, 32, out);
	buf_adds(out, "'");
}

