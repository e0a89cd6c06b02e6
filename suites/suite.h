/*
 * suite.h: the item model and the suite spec.
 *
 * A suite spec (suites/NAME.json, data, not code) names its source files,
 * maps their fields to items, sorts items into answer types, and carries
 * one or more protocols copied from the official evaluation code. The
 * format is documented in docs/suite-spec.md.
 *
 * Ownership: a struct suite owns its spec tree, its protocols and every
 * item (and each item owns its raw record). suite_free() releases all.
 * Pointers into a suite (items, protocols, types) stay valid until then.
 */
#ifndef STEVAL_SUITE_H
#define STEVAL_SUITE_H

#include "lib/common.h"
#include "lib/json.h"
#include "suites/blob.h"

struct buf;
struct cond;

/* How the ground truth of an answer type is given in the source. */
enum answer_kind {
	ANS_LETTER,   /* the option letter ("B"): STI Answer, VSI ground_truth */
	ANS_TEXT,     /* the option text ("left", 1): VLM4D answer */
	ANS_VALUE,    /* the option value of mixed type: R4D answer */
	ANS_NUMBER,   /* a number, scored with a numeric metric: VSI NA */
	ANS_INDEX,    /* the 0-based index of the right option: OmniSpatial answer */
};

struct option {
	char letter[8];   /* "A" */
	char *text;       /* str() of the option value, without any letter prefix */
	char *label;      /* the option as the source spells it ("A. chair"), or = text */
	const cJSON *value;  /* borrowed from the item's raw record; may be NULL */
};

/* One answer type: which items it covers, how their truth is read, how
 * they are scored under each protocol (see struct protocol). */
struct qtype {
	char *name;             /* "mc", "na" */
	struct cond *when;      /* condition (see cond.h); NULL: every item */
	char *answer_field;     /* source field holding the truth */
	enum answer_kind kind;
	int multiple_choice;    /* options are shown and letters are answers */
	int keep_unscorable;    /* keep items whose answer is no option (scored wrong) */
};

/*
 * One image an item shows the model, in the record's order: a file (path,
 * relative to the data dir or a video dir, resolved by suite_media_path())
 * or bytes embedded in the source (blob, owned by the suite's store:
 * suites/blob.h). Exactly one of the two is set. Protocols place an item's
 * images with "images" in their layout; the run sends each as an image part
 * (base64 of the bytes as stored, never re-encoded), records its sha256 in
 * the sample and writes its thumbnail (RUN_DIR/frames/SHA256.jpg).
 */
struct item_image {
	char *path;             /* owned, or NULL */
	const struct blob *blob;   /* borrowed from struct suite.blobs, or NULL */
};

struct item {
	char *id;               /* unique within the suite */
	char *source_id;        /* the id as the source spells it */
	char *category;
	char *split;            /* split named by the source file (VLM4D real/synthetic) */
	char *question;
	struct option *opts;
	size_t nopt;
	const struct qtype *type;
	char *answer;           /* str() of the truth as given */
	char accepted[8];       /* MC: letters whose option equals the truth ("CD"
				   when two options have the same text); "" if none */
	double answer_num;      /* ANS_NUMBER: float(answer), NAN if it is not a number */
	char *video;            /* path relative to the data dir, or NULL */
	char *t_start, *t_end;  /* str() of the time window, or NULL */
	struct item_image *images;   /* images (files or embedded), in order */
	size_t nimages;
	int rotation;           /* spec "circular": 0 the record's option order, k: rotated
				   left by k (such an item shares raw and derived with its
				   rotation 0, which owns them) */
	size_t row;             /* 0-based index of the record in its source file */
	cJSON *raw;             /* the source record, owned */
	cJSON *derived;         /* derived fields (spec "derive"), owned, may be NULL */
	char *stem;             /* stem of the source file name ("real_mc") */
	char *source_file;      /* which file it came from */
	size_t source_line;     /* 1-based line (JSONL/TSV) or record index (JSON/Parquet) */
};

/* A protocol: everything that decides what the model sees and how its
 * answer is scored, as in one piece of official code. */
struct protocol {
	char *name;
	char *description;
	char *source;           /* where it comes from: repo@commit:path */
	char *system;           /* system prompt, or NULL */
	const cJSON *templates; /* object: qtype name -> template string */
	char *option_format;    /* "{letter}: {text}" */
	char *option_join;      /* "\n" */
	const cJSON *layout;    /* array of "images" | "frames" | "text" */
	const cJSON *frames;    /* frame plan object (harness/frames/frames.h), or NULL */
	const cJSON *generation;/* object: max_tokens, temperature, top_p, ... */
	const cJSON *extractor; /* object: qtype name -> extractor name */
	const cJSON *metric;    /* object: qtype name -> metric name */
	const cJSON *fallback;  /* object: qtype name -> "random" | null */
	const cJSON *variants;  /* object: variant name -> overrides */
	char *null_option;      /* text for a null option value (default: Python's "None") */
	char *media;            /* "frames" (sampled images) or "clip" (the whole video) */
	long repeats;           /* "repeats": default times each item is asked (1) */
	const cJSON *json;      /* the whole (merged) protocol object */
};

struct split_rule {
	char *name;
	char *label;
	struct cond *where;
};

/* A derived field: the first rule that applies gives its value. */
struct derive_rule {
	struct cond *when;      /* NULL: always */
	char *from;             /* take this field's value when present and not empty */
	const cJSON *value;     /* or this constant */
};

struct derive {
	char *name;
	struct derive_rule *rules;
	size_t nrules;
};

struct category {
	char *name;
	char *label;            /* column title as the paper prints it */
	char **members;         /* a merged category: the categories it averages */
	size_t nmembers;
	int member_of;          /* index of the merged category it belongs to, or -1 */
};

/* A column of the paper's results table (spec "columns"). */
enum column_kind { COL_OVERALL, COL_CATEGORY, COL_SPLIT };

struct column {
	enum column_kind kind;
	char *name;             /* category or split name; "overall" */
	char *label;            /* NULL: the category's or split's own label */
};

struct suite {
	char *name;
	char *title;
	char *spec_path;
	char spec_sha256[65];
	cJSON *spec;            /* owned */
	char *data_dir;         /* where sources and media were found */
	int allow_outside_data;  /* media may leave data_dir (--allow-outside-data) */
	char **video_dirs;      /* media are looked up under these (relative to data_dir) */
	size_t nvideo_dirs;

	struct qtype *types;
	size_t ntypes;
	struct protocol *protocols;
	size_t nprotocols;
	struct category *cats;  /* paper order */
	size_t ncats;
	struct split_rule *splits;
	size_t nsplits;
	struct column *columns; /* spec "columns"; none: overall + top-level categories */
	size_t ncolumns;
	struct derive *derives;
	size_t nderives;
	const char *default_protocol;
	cJSON *merged;          /* owns the merged protocol objects */

	char *overall;          /* "item-mean" | "category-mean" */
	int over_leaves;        /* category-mean over leaf categories (not merged ones) */
	double scale;           /* 100 */
	int round_digits;       /* -1: no rounding */

	struct item *items;
	size_t nitems;
	struct blob_store blobs;    /* embedded images, once per content */
	struct zsrc *zip;           /* the zip archive the data came from (its media are in it), or NULL */
	char *zip_root;             /* the records' entry's folder inside it ("dataset/"), or "" */
	size_t *index;          /* hash index of items by id (open addressing) */
	size_t index_cap;
	struct source_file {
		char *path;
		char sha256[65];
		size_t items;
	} *files;
	size_t nfiles;
};

/*
 * Names a spec uses that a higher layer defines: extractors and metrics.
 * This layer cannot include that one, so the layer above registers its
 * look-ups here once at start, and suite_open() checks every protocol's
 * names through them. Unset (NULL members), names are not checked. Each
 * returns non-zero for a known name.
 */
struct suite_name_checks {
	int (*extractor)(const char *name);
	int (*metric)(const char *name);
};
/* Copies *c (NULL: no checks). Call once, before loading any spec. */
void suite_set_name_checks(const struct suite_name_checks *c);

/*
 * Find and parse a spec by name or path. Search order for a name: the
 * directory in $STEVAL_SUITES, ./suites, then the installed share dir.
 */
int suite_open(struct suite *s, const char *name_or_path);
/* Load items from data_dir (NULL: $STEVAL_DATA, then the spec's default). */
int suite_load(struct suite *s, const char *data_dir);
void suite_release(struct suite *s);

const struct protocol *suite_protocol(const struct suite *s, const char *name);  /* NULL: default */
const struct item *suite_item(const struct suite *s, const char *id);
const struct category *suite_category(const struct suite *s, const char *name);

/* A per-answer-type protocol setting: an object keyed by type name (with
 * "*" as the default), or one string for every type. NULL when unset. */
const char *protocol_for_type(const cJSON *setting, const char *type);

/* The path of an item's media file (a video or an extra image): the first
 * of data_dir/VIDEO_DIR/rel for each video dir, then data_dir/rel, that
 * exists; NULL (and an error naming every place tried) when none does.
 * Unless allow_outside_data, rel may be neither absolute nor hold a ".."
 * component, and the file found must resolve (realpath) inside data_dir or
 * a video dir: a symlink out of them is refused. Only regular files. */
char *suite_media_path(const struct suite *s, const char *rel);

/* Media of a suite read from a zip archive (data.sources "member") are
 * entries of that archive: rel is looked up under the records' folder in
 * it, then at its top. Returns 1 with the entry's bytes appended to out and
 * its name in *entry (caller frees); 0 when the suite has no archive (use
 * suite_media_path()); -1 with an error naming the archive and the entries
 * tried, or a damaged entry. Safe from several threads. */
int suite_media_zip(const struct suite *s, const char *rel, struct buf *out, char **entry);

/* A cross-suite reference table (suites/tables/NAME.json on the spec search
 * path, or a path ending in .json): its path (caller frees), or NULL. */
char *suite_find_table(const char *name);

/* List spec names found on the search path (caller frees each and the array). */
char **suite_list(size_t *n);

#endif
