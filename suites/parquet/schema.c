/*
 * schema.c: from the footer's flat list of SchemaElements to a tree
 * of fields, the leaves (columns) with their value kinds, and the JSON
 * shape of every top-level column (structs, lists in their 3-level, 2-level
 * and legacy forms, maps).
 *
 * List rules (the backward-compatibility rules of the Parquet format's
 * LogicalTypes.md): a LIST-annotated group holds one repeated field R. R is
 * the element itself when it is a primitive, a group of several fields, or
 * a one-field group named "array" or "<list>_tuple"; otherwise R's only
 * field is the element. A repeated field outside a LIST or MAP group is a
 * list of required elements. A MAP (or MAP_KEY_VALUE) group holds one
 * repeated group of key and value; without a value field it reads as a
 * list of keys.
 */
#include "lib/common.h"
#include "suites/parquet/parquet_int.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/xalloc.h"

#define PQ_MAX_JSON_DEPTH 60   /* struct jw nests up to 64 */

struct builder {
	const struct pq_schema_elem *e;
	size_t n, pos;
	const char *name;
	int ncols;
};

static void logical_from_converted(const struct pq_schema_elem *e, struct pq_logical *lt)
{
	memset(lt, 0, sizeof(*lt));
	switch (e->converted) {
	case PQ_CT_UTF8: lt->kind = PQ_LT_STRING; break;
	case PQ_CT_MAP: lt->kind = PQ_LT_MAP; break;
	case PQ_CT_MAP_KEY_VALUE: lt->kind = PQ_LT_MAP_KEY_VALUE; break;
	case PQ_CT_LIST: lt->kind = PQ_LT_LIST; break;
	case PQ_CT_ENUM: lt->kind = PQ_LT_ENUM; break;
	case PQ_CT_DECIMAL:
		lt->kind = PQ_LT_DECIMAL;
		lt->scale = e->scale < 0 ? 0 : e->scale;
		lt->precision = e->precision;
		break;
	case PQ_CT_DATE: lt->kind = PQ_LT_DATE; break;
	case PQ_CT_TIME_MILLIS:
	case PQ_CT_TIME_MICROS:
		lt->kind = PQ_LT_TIME;
		lt->unit = e->converted == PQ_CT_TIME_MILLIS ? PQ_MILLIS : PQ_MICROS;
		lt->utc = 1;
		break;
	case PQ_CT_TIMESTAMP_MILLIS:
	case PQ_CT_TIMESTAMP_MICROS:
		lt->kind = PQ_LT_TIMESTAMP;
		lt->unit = e->converted == PQ_CT_TIMESTAMP_MILLIS ? PQ_MILLIS : PQ_MICROS;
		lt->utc = 1;
		break;
	case PQ_CT_UINT_8: case PQ_CT_UINT_16: case PQ_CT_UINT_32: case PQ_CT_UINT_64:
		lt->kind = PQ_LT_INTEGER;
		lt->bit_width = 8 << (e->converted - PQ_CT_UINT_8);
		lt->is_signed = 0;
		break;
	case PQ_CT_INT_8: case PQ_CT_INT_16: case PQ_CT_INT_32: case PQ_CT_INT_64:
		lt->kind = PQ_LT_INTEGER;
		lt->bit_width = 8 << (e->converted - PQ_CT_INT_8);
		lt->is_signed = 1;
		break;
	case PQ_CT_JSON: lt->kind = PQ_LT_JSON; break;
	case PQ_CT_BSON: lt->kind = PQ_LT_BSON; break;
	case PQ_CT_INTERVAL: lt->kind = PQ_LT_INTERVAL; break;
	default: lt->kind = PQ_LT_NONE;
	}
}

static int build_field(struct builder *b, struct pq_field *f, struct pq_field *parent, int depth)
{
	const struct pq_schema_elem *e;
	size_t i;

	if (b->pos >= b->n)
		return error("'%s': footer: the schema lists fewer elements than its groups "
			     "claim", b->name);
	if (depth > PQ_MAX_DEPTH)
		return error("'%s': footer: the schema nests deeper than %d levels", b->name,
			     PQ_MAX_DEPTH);
	e = &b->e[b->pos++];
	f->name = xstrdup(e->name);
	f->parent = parent;
	f->repetition = parent ? (e->repetition < 0 ? PQ_OPTIONAL : e->repetition) : PQ_REQUIRED;
	f->converted = e->converted;
	f->type_length = e->type_length;
	f->column = -1;
	if (e->has_logical && e->logical.kind != PQ_LT_OTHER)
		f->logical = e->logical;
	else
		logical_from_converted(e, &f->logical);
	if (e->has_logical && e->logical.kind == PQ_LT_OTHER && f->logical.kind == PQ_LT_NONE)
		f->logical.kind = PQ_LT_OTHER;
	if (parent) {
		f->max_def = parent->max_def + (f->repetition != PQ_REQUIRED);
		f->max_rep = parent->max_rep + (f->repetition == PQ_REPEATED);
	}
	if (parent && e->num_children <= 0) {
		/* a leaf */
		if (e->type < 0)
			return error("'%s': footer: schema element '%s' has neither a type nor "
				     "fields", b->name, f->name);
		f->physical = e->type;
		if (f->physical == PQ_FIXED_LEN_BYTE_ARRAY &&
		    (f->type_length < 0 || f->type_length > (1 << 24)))
			return error("'%s': footer: column '%s' has a bad fixed length %d",
				     b->name, f->name, (int)f->type_length);
		if (f->physical == PQ_INT96)
			f->type_length = 12;
		if (b->ncols >= PQ_MAX_COLUMNS)
			return error("'%s': footer: more than %d columns (the reader's limit)",
				     b->name, PQ_MAX_COLUMNS);
		f->column = b->ncols++;
		return 0;
	}
	f->physical = PQ_GROUP;
	if (e->num_children <= 0)
		return 0;   /* the root of a file without columns */
	if ((size_t)e->num_children > b->n - b->pos)
		return error("'%s': footer: group '%s' claims %d fields but the schema has "
			     "only %zu more elements", b->name, f->name, (int)e->num_children,
			     b->n - b->pos);
	f->children = xcalloc((size_t)e->num_children, sizeof(*f->children));
	f->nchildren = (size_t)e->num_children;
	for (i = 0; i < f->nchildren; i++)
		if (build_field(b, &f->children[i], f, depth + 1) < 0)
			return -1;
	return 0;
}

static void field_release(struct pq_field *f)
{
	size_t i;

	for (i = 0; i < f->nchildren; i++)
		field_release(&f->children[i]);
	free(f->children);
	free(f->name);
}

static void shape_release(struct pq_shape *s)
{
	size_t i;

	for (i = 0; i < s->nchildren; i++)
		shape_release(&s->children[i]);
	free(s->children);
}

static int is_list(const struct pq_field *f)
{
	return f->physical == PQ_GROUP && f->logical.kind == PQ_LT_LIST && f->nchildren == 1 &&
	       f->children[0].repetition == PQ_REPEATED;
}

static int is_map(const struct pq_field *f)
{
	const struct pq_field *kv;

	if (f->physical != PQ_GROUP || f->nchildren != 1 ||
	    (f->logical.kind != PQ_LT_MAP && f->logical.kind != PQ_LT_MAP_KEY_VALUE))
		return 0;
	kv = &f->children[0];
	return kv->repetition == PQ_REPEATED && kv->physical == PQ_GROUP &&
	       (kv->nchildren == 1 || kv->nchildren == 2);
}

struct shaper {
	const char *name;
};

static int shape_field(struct shaper *sp, struct pq_shape *s, const struct pq_field *f,
		       int consumed, int jdepth);

static void shape_span(struct pq_shape *s)
{
	s->leaf_lo = s->children[0].leaf_lo;
	s->leaf_hi = s->children[s->nchildren - 1].leaf_hi;
}

/* f as a value: its repetition already accounted for when consumed. */
static int shape_value(struct shaper *sp, struct pq_shape *s, const struct pq_field *f,
		       int jdepth)
{
	size_t i;

	if (jdepth > PQ_MAX_JSON_DEPTH)
		return error("'%s': footer: column '%s' nests deeper than %d levels", sp->name,
			     f->name, PQ_MAX_JSON_DEPTH);
	if (f->physical != PQ_GROUP) {
		s->kind = PQ_SH_LEAF;
		s->column = f->column;
		s->leaf_lo = f->column;
		s->leaf_hi = f->column + 1;
		return 0;
	}
	if (is_list(f)) {
		const struct pq_field *r = &f->children[0];
		int elem_is_r;
		s->kind = PQ_SH_LIST;
		s->elem_def = r->max_def;
		s->rep = r->max_rep;
		s->children = xcalloc(1, sizeof(*s->children));
		s->nchildren = 1;
		elem_is_r = r->physical != PQ_GROUP || r->nchildren != 1 ||
			    !strcmp(r->name, "array");
		if (!elem_is_r) {
			size_t fl = strlen(f->name);
			elem_is_r = strlen(r->name) == fl + 6 && !strncmp(r->name, f->name, fl) &&
				    !strcmp(r->name + fl, "_tuple");
		}
		if (elem_is_r) {
			if (shape_field(sp, &s->children[0], r, 1, jdepth + 1) < 0)
				return -1;
		} else {
			if (shape_field(sp, &s->children[0], &r->children[0], 0, jdepth + 1) < 0)
				return -1;
		}
		shape_span(s);
		return 0;
	}
	if (is_map(f)) {
		const struct pq_field *kv = &f->children[0];
		s->elem_def = kv->max_def;
		s->rep = kv->max_rep;
		s->kind = kv->nchildren == 2 ? PQ_SH_MAP : PQ_SH_LIST;
		s->nchildren = kv->nchildren;
		s->children = xcalloc(s->nchildren, sizeof(*s->children));
		for (i = 0; i < s->nchildren; i++)
			if (shape_field(sp, &s->children[i], &kv->children[i], 0, jdepth + 1) < 0)
				return -1;
		shape_span(s);
		return 0;
	}
	s->kind = PQ_SH_STRUCT;
	s->nchildren = f->nchildren;
	s->children = xcalloc(s->nchildren, sizeof(*s->children));
	for (i = 0; i < s->nchildren; i++)
		if (shape_field(sp, &s->children[i], &f->children[i], 0, jdepth + 1) < 0)
			return -1;
	shape_span(s);
	return 0;
}

static int shape_field(struct shaper *sp, struct pq_shape *s, const struct pq_field *f,
		       int consumed, int jdepth)
{
	s->name = f->name;
	s->column = -1;
	if (!consumed && f->repetition == PQ_REPEATED) {
		/* a repeated field on its own: a list that is never null */
		s->kind = PQ_SH_LIST;
		s->nullable = 0;
		s->def = f->max_def - 1;
		s->elem_def = f->max_def;
		s->rep = f->max_rep;
		s->children = xcalloc(1, sizeof(*s->children));
		s->nchildren = 1;
		if (jdepth > PQ_MAX_JSON_DEPTH)
			return error("'%s': footer: column '%s' nests deeper than %d levels",
				     sp->name, f->name, PQ_MAX_JSON_DEPTH);
		if (shape_field(sp, &s->children[0], f, 1, jdepth + 1) < 0)
			return -1;
		shape_span(s);
		return 0;
	}
	s->nullable = !consumed && f->repetition == PQ_OPTIONAL;
	s->def = f->max_def;
	return shape_value(sp, s, f, jdepth);
}

static int vkind_of(const struct pq_field *f, struct pq_leaf *l)
{
	const struct pq_logical *lt = &f->logical;
	int t = f->physical;

	switch (lt->kind) {
	case PQ_LT_STRING:
	case PQ_LT_ENUM:
	case PQ_LT_JSON:
		if (t == PQ_BYTE_ARRAY || t == PQ_FIXED_LEN_BYTE_ARRAY)
			return PQ_VK_TEXT;
		break;
	case PQ_LT_DECIMAL:
		if ((t == PQ_INT32 || t == PQ_INT64 || t == PQ_BYTE_ARRAY ||
		     t == PQ_FIXED_LEN_BYTE_ARRAY) && lt->scale >= -1000 && lt->scale <= 1000) {
			l->scale = lt->scale;
			return PQ_VK_DECIMAL;
		}
		break;
	case PQ_LT_DATE:
		if (t == PQ_INT32)
			return PQ_VK_DATE;
		break;
	case PQ_LT_TIME:
		if ((t == PQ_INT32 && lt->unit == PQ_MILLIS) ||
		    (t == PQ_INT64 && lt->unit != PQ_MILLIS)) {
			l->unit = lt->unit;
			l->utc = lt->utc;
			return PQ_VK_TIME;
		}
		break;
	case PQ_LT_TIMESTAMP:
		if (t == PQ_INT64) {
			l->unit = lt->unit;
			l->utc = lt->utc;
			return PQ_VK_TIMESTAMP;
		}
		break;
	case PQ_LT_INTEGER:
		if (t == PQ_INT32)
			return lt->is_signed ? PQ_VK_INT : PQ_VK_UINT32;
		if (t == PQ_INT64)
			return lt->is_signed ? PQ_VK_INT : PQ_VK_UINT64;
		break;
	case PQ_LT_UNKNOWN:
		return PQ_VK_NULL;
	case PQ_LT_UUID:
		if (t == PQ_FIXED_LEN_BYTE_ARRAY && f->type_length == 16)
			return PQ_VK_UUID;
		break;
	case PQ_LT_FLOAT16:
		if (t == PQ_FIXED_LEN_BYTE_ARRAY && f->type_length == 2)
			return PQ_VK_FLOAT16;
		break;
	case PQ_LT_INTERVAL:
		if (t == PQ_FIXED_LEN_BYTE_ARRAY && f->type_length == 12)
			return PQ_VK_INTERVAL;
		break;
	default:
		break;
	}
	switch (t) {
	case PQ_BOOLEAN: return PQ_VK_BOOL;
	case PQ_INT32:
	case PQ_INT64: return PQ_VK_INT;
	case PQ_INT96: return PQ_VK_INT96;
	case PQ_FLOAT: return PQ_VK_FLOAT;
	case PQ_DOUBLE: return PQ_VK_DOUBLE;
	default: return PQ_VK_BYTES;
	}
}

/* The field "bytes" of a struct that also has a field "path": the
 * Hugging Face datasets Image feature (docs/parquet.md, "Images"). */
static int is_image_struct(const struct pq_field *f)
{
	const struct pq_field *g = f->parent;
	size_t i;

	if (strcmp(f->name, "bytes") || !g || !g->parent || g->physical != PQ_GROUP ||
	    g->logical.kind == PQ_LT_LIST || g->logical.kind == PQ_LT_MAP ||
	    g->logical.kind == PQ_LT_MAP_KEY_VALUE)
		return 0;
	for (i = 0; i < g->nchildren; i++)
		if (!strcmp(g->children[i].name, "path"))
			return 1;
	return 0;
}

static void collect_leaves(struct pq_schema *s, const struct pq_field *f)
{
	size_t i;

	if (f->physical != PQ_GROUP) {
		struct pq_leaf *l = &s->leaves[f->column];
		struct buf path = BUF_INIT;
		const struct pq_field *a;
		const struct pq_field *chain[PQ_MAX_DEPTH + 2];
		int n = 0;

		for (a = f; a && a->parent; a = a->parent)
			chain[n++] = a;
		while (n-- > 0) {
			buf_adds(&path, chain[n]->name);
			if (n)
				buf_addch(&path, '.');
		}
		l->field = f;
		l->path = buf_detach(&path, NULL);
		l->physical = f->physical;
		l->type_length = f->type_length;
		l->max_def = f->max_def;
		l->max_rep = f->max_rep;
		l->vkind = vkind_of(f, l);
		l->image_bytes = l->vkind == PQ_VK_BYTES && is_image_struct(f);
		return;
	}
	for (i = 0; i < f->nchildren; i++)
		collect_leaves(s, &f->children[i]);
}

int pq_schema_build(struct pq_schema *s, const struct pq_meta *m, const char *name)
{
	struct builder b = { m->schema, m->nschema, 0, name, 0 };
	struct shaper sp = { name };
	size_t i;

	memset(s, 0, sizeof(*s));
	if (m->nschema == 0)
		return error("'%s': footer: the schema is empty", name);
	if (build_field(&b, &s->root, NULL, 0) < 0)
		return -1;
	if (b.pos != b.n)
		return error("'%s': footer: the schema has %zu elements after its root group "
			     "ends", name, b.n - b.pos);
	s->nleaves = (size_t)b.ncols;
	s->leaves = xcalloc(s->nleaves ? s->nleaves : 1, sizeof(*s->leaves));
	collect_leaves(s, &s->root);
	s->nshapes = s->root.nchildren;
	s->shapes = xcalloc(s->nshapes ? s->nshapes : 1, sizeof(*s->shapes));
	for (i = 0; i < s->nshapes; i++)
		if (shape_field(&sp, &s->shapes[i], &s->root.children[i], 0, 1) < 0)
			return -1;
	return 0;
}

void pq_schema_release(struct pq_schema *s)
{
	size_t i;

	for (i = 0; i < s->nshapes; i++)
		shape_release(&s->shapes[i]);
	free(s->shapes);
	for (i = 0; i < s->nleaves; i++)
		free(s->leaves[i].path);
	free(s->leaves);
	field_release(&s->root);
	memset(s, 0, sizeof(*s));
}

/* ---- printing ---- */

const char *pq_physical_name(int physical)
{
	static const char *const names[] = {
		"boolean", "int32", "int64", "int96", "float", "double", "binary",
		"fixed_len_byte_array",
	};
	if (physical == PQ_GROUP)
		return "group";
	return physical >= 0 && (size_t)physical < ARRAY_SIZE(names) ? names[physical] : "unknown";
}

void pq_logical_name(const struct pq_logical *lt, struct buf *out)
{
	static const char *const units[] = { "MILLIS", "MICROS", "NANOS" };
	const char *unit = lt->unit >= 0 && lt->unit <= 2 ? units[lt->unit] : "?";

	switch (lt->kind) {
	case PQ_LT_NONE: break;
	case PQ_LT_STRING: buf_adds(out, "STRING"); break;
	case PQ_LT_MAP: buf_adds(out, "MAP"); break;
	case PQ_LT_LIST: buf_adds(out, "LIST"); break;
	case PQ_LT_ENUM: buf_adds(out, "ENUM"); break;
	case PQ_LT_DECIMAL:
		buf_addf(out, "DECIMAL(%d,%d)", (int)lt->precision, (int)lt->scale);
		break;
	case PQ_LT_DATE: buf_adds(out, "DATE"); break;
	case PQ_LT_TIME:
		buf_addf(out, "TIME(%s,%s)", unit, lt->utc ? "true" : "false");
		break;
	case PQ_LT_TIMESTAMP:
		buf_addf(out, "TIMESTAMP(%s,%s)", unit, lt->utc ? "true" : "false");
		break;
	case PQ_LT_INTEGER:
		buf_addf(out, "INTEGER(%d,%s)", lt->bit_width, lt->is_signed ? "true" : "false");
		break;
	case PQ_LT_UNKNOWN: buf_adds(out, "UNKNOWN"); break;
	case PQ_LT_JSON: buf_adds(out, "JSON"); break;
	case PQ_LT_BSON: buf_adds(out, "BSON"); break;
	case PQ_LT_UUID: buf_adds(out, "UUID"); break;
	case PQ_LT_FLOAT16: buf_adds(out, "FLOAT16"); break;
	case PQ_LT_VARIANT: buf_adds(out, "VARIANT"); break;
	case PQ_LT_GEOMETRY: buf_adds(out, "GEOMETRY"); break;
	case PQ_LT_GEOGRAPHY: buf_adds(out, "GEOGRAPHY"); break;
	case PQ_LT_INTERVAL: buf_adds(out, "INTERVAL"); break;
	case PQ_LT_MAP_KEY_VALUE: buf_adds(out, "MAP_KEY_VALUE"); break;
	default: buf_adds(out, "UNKNOWN_LOGICAL_TYPE"); break;
	}
}

static void print_field(const struct pq_field *f, int depth, struct buf *out)
{
	static const char *const reps[] = { "required", "optional", "repeated" };
	size_t i;
	int d;

	for (d = 0; d < depth; d++)
		buf_adds(out, "  ");
	buf_addf(out, "%s %s", reps[f->repetition], pq_physical_name(f->physical));
	if (f->physical == PQ_FIXED_LEN_BYTE_ARRAY)
		buf_addf(out, "(%d)", (int)f->type_length);
	buf_addch(out, ' ');
	buf_adds(out, f->name);
	if (f->logical.kind != PQ_LT_NONE) {
		buf_adds(out, " (");
		pq_logical_name(&f->logical, out);
		buf_addch(out, ')');
	}
	if (f->physical != PQ_GROUP) {
		buf_addf(out, ";  # column %d, levels d%d r%d\n", f->column, f->max_def, f->max_rep);
		return;
	}
	buf_adds(out, " {\n");
	for (i = 0; i < f->nchildren; i++)
		print_field(&f->children[i], depth + 1, out);
	for (d = 0; d < depth; d++)
		buf_adds(out, "  ");
	buf_adds(out, "}\n");
}

void pq_schema_print_root(const struct pq_field *root, struct buf *out)
{
	size_t i;

	buf_addf(out, "message %s {\n", root->name);
	for (i = 0; i < root->nchildren; i++)
		print_field(&root->children[i], 1, out);
	buf_adds(out, "}\n");
}
