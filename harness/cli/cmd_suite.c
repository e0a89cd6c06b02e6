/*
 * cmd_suite.c: `steval list` and `steval show`.
 */
#include "lib/common.h"
#include "harness/cli/commands.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "harness/cli/opt.h"
#include "lib/util.h"
#include "lib/xalloc.h"
#include "scorers/extract.h"
#include "scorers/metric.h"
#include "scorers/judge.h"
#include "suites/render.h"
#include "suites/suite.h"

static int list_suites(int protocols)
{
	size_t n, i, j;
	char **names = suite_list(&n);
	int rc = EXIT_OK;

	for (i = 0; i < n; i++) {
		struct suite s;
		if (suite_open(&s, names[i]) < 0) {
			rc = EXIT_USAGE;
		} else if (!protocols) {
			tprintf("%-16s %s (%zu protocol%s)\n", s.name, s.title, s.nprotocols,
			       s.nprotocols == 1 ? "" : "s");
		} else {
			const struct protocol *d = suite_protocol(&s, NULL);
			for (j = 0; j < s.nprotocols; j++) {
				const struct protocol *p = &s.protocols[j];
				tprintf("%-16s %-20s %s%s\n", s.name, p->name, p == d ? "(default) " : "",
				       p->description ? p->description : "");
			}
		}
		suite_release(&s);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int list_scorers(void)
{
	size_t n, i;
	const struct extract_def *x = extract_list(&n);
	const struct metric_def *m;

	tprintf("extractors:\n");
	for (i = 0; i < n; i++)
		tprintf("  %-20s %-9s %s\n", x[i].name, x[i].official ? "official" : "steval", x[i].summary);
	m = metric_list(&n);
	tprintf("metrics:\n");
	for (i = 0; i < n; i++)
		tprintf("  %-20s %s\n", m[i].name, m[i].summary);
	return EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
	static const struct opt opts[] = { OPT_END_MARK };
	static const struct opt_cmd cmd = {
		"list", "steval list [suites|protocols|scorers]",
		"List the suites steval finds (STEVAL_SUITES, ./suites, the installed specs),\n"
		"their protocols, or the answer extractors and metrics.",
		opts, 0, 1,
	};
	const char **pos;
	size_t npos;
	const char *what;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos);

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	what = npos ? pos[0] : "suites";
	free(pos);
	if (!strcmp(what, "suites"))
		return list_suites(0);
	if (!strcmp(what, "protocols"))
		return list_suites(1);
	if (!strcmp(what, "scorers"))
		return list_scorers();
	error("list: unknown kind '%s' (suites, protocols, scorers)", what);
	return EXIT_USAGE;
}

static const char *kind_name(enum answer_kind k)
{
	switch (k) {
	case ANS_LETTER: return "letter";
	case ANS_TEXT: return "option text";
	case ANS_VALUE: return "option value";
	case ANS_NUMBER: return "number";
	case ANS_INDEX: return "option index";
	}
	return "?";
}

static void show_summary(struct suite *s, const char *data, int loaded)
{
	const cJSON *src, *f, *notes;
	size_t i, j;

	tprintf("%s: %s\n", s->name, s->title);
	if (json_get_str(s->spec, "description"))
		tprintf("\n%s\n", json_get_str(s->spec, "description"));
	tprintf("\nspec: %s (sha256 %.12s)\n", s->spec_path, s->spec_sha256);
	tprintf("sources (the first file that exists wins):\n");
	cJSON_ArrayForEach(src, json_get(json_get(s->spec, "data"), "sources")) {
		tprintf("  %s:", json_get_str(src, "split") ? json_get_str(src, "split") : "-");
		cJSON_ArrayForEach(f, json_get(src, "files")) {
			if (cJSON_IsString(f))
				tprintf(" %s", f->valuestring);
			else if (json_get_str(f, "path"))
				tprintf(" %s", json_get_str(f, "path"));
		}
		tprintf("\n");
	}
	if (loaded) {
		tprintf("data: %s, %zu items\n", s->data_dir, s->nitems);
		for (i = 0; i < s->nfiles; i++)
			tprintf("  %s: %zu items, sha256 %.12s\n", s->files[i].path, s->files[i].items,
			       s->files[i].sha256);
	} else {
		tprintf("data: %s\n", data ? "not loaded" : "not found (give --data DIR or set STEVAL_DATA)");
	}
	tprintf("answer types:\n");
	for (i = 0; i < s->ntypes; i++)
		tprintf("  %-8s truth in '%s' (%s)\n", s->types[i].name, s->types[i].answer_field,
		       kind_name(s->types[i].kind));
	tprintf("protocols:\n");
	for (i = 0; i < s->nprotocols; i++) {
		const struct protocol *p = &s->protocols[i];
		tprintf("  %s%s\n", p->name, p == suite_protocol(s, NULL) ? " (default)" : "");
		if (p->description)
			tprintf("      %s\n", p->description);
		if (p->source)
			tprintf("      source: %s\n", p->source);
		{
			struct judge_proto jp;
			if (judge_proto_load(&jp, p) > 0) {
				tprintf("      official scorer: the LLM judge %s (model %s; --judge SPEC runs it)\n",
				       jp.name, jp.model ? jp.model : "?");
				judge_proto_release(&jp);
			}
		}
	}
	if (s->ncats) {
		tprintf("categories (%s%s):\n", s->overall,
		       !strcmp(s->overall, "category-mean") ? (s->over_leaves ? " over leaves" : " over top level") : "");
		for (i = 0; i < s->ncats; i++) {
			size_t n = 0;
			for (j = 0; loaded && j < s->nitems; j++)
				n += !strcmp(s->items[j].category, s->cats[i].name);
			tprintf("  %-34s %-20s", s->cats[i].name, s->cats[i].label);
			if (loaded && !s->cats[i].nmembers)
				tprintf(" %zu items", n);
			if (s->cats[i].nmembers)
				tprintf(" mean of %zu", s->cats[i].nmembers);
			tprintf("\n");
		}
	}
	if (loaded) {
		/* categories in the data that the spec does not list */
		for (j = 0; j < s->nitems; j++) {
			const char *c = s->items[j].category;
			size_t k, n = 0;
			int listed = suite_category(s, c) != NULL;
			for (k = 0; k < j && !listed; k++)
				if (!strcmp(s->items[k].category, c))
					listed = 1;
			if (listed)
				continue;
			for (k = j; k < s->nitems; k++)
				n += !strcmp(s->items[k].category, c);
			tprintf("  %-34s %-20s %zu items (not in the spec's list)\n", c, "", n);
		}
	}
	if (s->nsplits) {
		tprintf("splits:");
		for (i = 0; i < s->nsplits; i++)
			tprintf(" %s", s->splits[i].name);
		tprintf("\n");
	}
	if (cJSON_IsArray(json_get(s->spec, "reference")) && json_get(s->spec, "reference")->child) {
		/* published numbers, each with where it was published */
		printf("published numbers (steval leaderboard --reference):\n");
		cJSON_ArrayForEach(f, json_get(s->spec, "reference")) {
			const cJSON *ov = json_get(f, "overall"), *g, *k;
			const char *kinds[] = { "splits", "categories" };
			size_t m;
			printf("  %s", json_get_str(f, "model") ? json_get_str(f, "model") : "?");
			if (json_get_str(f, "protocol"))
				printf(" (%s)", json_get_str(f, "protocol"));
			if (cJSON_IsNumber(ov))
				printf(": overall %s", json_spelling(ov) ? json_spelling(ov) : "?");
			for (m = 0; m < 2; m++) {
				g = json_get(f, kinds[m]);
				cJSON_ArrayForEach(k, g)
					if (cJSON_IsNumber(k))
						printf(", %s %s", k->string, json_spelling(k) ? json_spelling(k) : "?");
			}
			printf("\n      source: %s\n", json_get_str(f, "source") ? json_get_str(f, "source") :
			       "not given");
		}
	}
	notes = json_get(s->spec, "notes");
	if (cJSON_IsArray(notes) && notes->child) {
		tprintf("notes:\n");
		cJSON_ArrayForEach(f, notes)
			if (cJSON_IsString(f))
				tprintf("  - %s\n", f->valuestring);
	}
}

static void show_item(const struct suite *s, const struct protocol *p, const struct item *it,
		      const char *prompt)
{
	const cJSON *e;
	size_t i;

	tprintf("# item %s (%s, category %s, answer type %s)\n", it->id, it->source_file,
	       it->category, it->type->name);
	tprintf("# protocol %s; truth '%s'", p->name, it->answer);
	if (it->type->multiple_choice)
		tprintf(" (letter%s %s)", strlen(it->accepted) > 1 ? "s" : "", *it->accepted ? it->accepted : "none!");
	tprintf("\n");
	if (it->video)
		tprintf("# video %s\n", it->video);
	for (i = 0; i < it->nimages; i++) {
		const struct blob *b = it->images[i].blob;
		if (b)
			tprintf("# image %zu: embedded, %s, <%zu bytes, sha256 %s>\n", i + 1, b->mime,
			       b->size, b->sha256);
		else
			tprintf("# image %zu: %s\n", i + 1, it->images[i].path);
	}
	tprintf("# layout:");
	if (p->layout) {
		cJSON_ArrayForEach(e, p->layout)
			tprintf(" %s", e->valuestring);
	} else {
		tprintf(" images frames text");
	}
	tprintf("\n");
	if (p->system)
		tprintf("----- system -----\n%s\n", p->system);
	tprintf("----- user text -----\n%s\n----- end -----\n", prompt);
}

static int dump_prompts(const struct suite *s, const struct protocol *p, const char *dir)
{
	struct buf b = BUF_INIT, index = BUF_INIT;
	size_t i;
	int rc = -1;

	if (mkdir_p(dir) < 0)
		return -1;
	for (i = 0; i < s->nitems; i++) {
		const struct item *it = &s->items[i];
		char name[32], *path;
		buf_reset(&b);
		if (render_prompt(p, it, NULL, 1, &b) < 0)
			goto out;
		snprintf(name, sizeof(name), "%05zu.txt", i + 1);
		path = path_join(dir, name);
		rc = write_file_atomic(path, buf_cstr(&b), b.len);
		free(path);
		if (rc < 0)
			goto out;
		rc = -1;
		buf_addf(&index, "%s\t%s\n", it->id, name);
	}
	if (p->system) {
		char *path = path_join(dir, "system.txt");
		int wrc = write_file_atomic(path, p->system, strlen(p->system));
		free(path);
		if (wrc < 0)
			goto out;
	}
	{
		char *path = path_join(dir, "index.tsv");
		rc = write_file_atomic(path, buf_cstr(&index), index.len);
		free(path);
	}
out:
	buf_release(&b);
	buf_release(&index);
	return rc;
}

int cmd_show(int argc, char **argv)
{
	const char *item = NULL, *protocol = NULL, *data = NULL, *dump = NULL;
	int raw = 0;
	const struct opt opts[] = {
		{ "item", 'i', OPT_STR, &item, "ID", "print the exact prompt of this item" },
		{ "protocol", 'p', OPT_STR, &protocol, "NAME", "protocol (default: the suite's default)" },
		{ "data", 'd', OPT_STR, &data, "DIR", "the suite's data directory (default: $STEVAL_DATA)" },
		{ "raw", 0, OPT_FLAG, &raw, NULL, "with --item: print only the prompt text, byte for byte" },
		{ "dump", 0, OPT_STR, &dump, "DIR",
		  "write every item's exact prompt to DIR (index.tsv: id, file; system.txt)" },
		OPT_END_MARK,
	};
	const struct opt_cmd cmd = {
		"show", "steval show SUITE [--item ID] [--protocol P] [--data DIR] [--raw] [--dump DIR]",
		"Describe a suite: sources, answer types, protocols, categories, splits.\n"
		"With --data, load that data (exit 2, naming the file and line or item, when\n"
		"it does not load) and count items per category.\n"
		"With --item, print the exact prompt an adapter would receive for that item.\n"
		"With --dump DIR, write every item's prompt to DIR/NNNNN.txt, with DIR/index.tsv\n"
		"(id, file) and DIR/system.txt when the protocol has a system prompt.\n"
		"Names that need the video (e.g. {video.sample_fps}) show as <video.NAME> here.",
		opts, 1, 1,
	};
	const char **pos;
	size_t npos;
	struct suite s;
	const struct protocol *p;
	int rc = opt_parse(&cmd, argc, argv, &pos, &npos), loaded = 0;

	if (rc)
		return rc < 0 ? EXIT_USAGE : EXIT_OK;
	rc = EXIT_USAGE;
	if (suite_open(&s, pos[0]) < 0)
		goto out;
	p = suite_protocol(&s, protocol);
	if (!p) {
		error("suite '%s' has no protocol '%s'", s.name, protocol);
		goto out;
	}
	if (item || dump || data || getenv("STEVAL_DATA") || json_get_str(json_get(s.spec, "data"), "default_dir")) {
		if (suite_load(&s, data) < 0) {
			/* data the user named (or an item) must load; data found
			 * on its own only fails to be described */
			if (item || dump || data)
				goto out;
		} else {
			loaded = 1;
		}
	}
	if (item) {
		const struct item *it = suite_item(&s, item);
		struct buf b = BUF_INIT;
		if (!it) {
			error("suite '%s' has no item '%s'", s.name, item);
			goto out;
		}
		if (render_prompt(p, it, NULL, 1, &b) < 0) {
			buf_release(&b);
			goto out;
		}
		if (raw)
			fwrite(buf_cstr(&b), 1, b.len, stdout);
		else
			show_item(&s, p, it, buf_cstr(&b));
		buf_release(&b);
	} else if (dump) {
		if (dump_prompts(&s, p, dump) < 0)
			goto out;
	} else {
		show_summary(&s, data, loaded);
	}
	rc = EXIT_OK;
out:
	suite_release(&s);
	free(pos);
	return rc;
}
