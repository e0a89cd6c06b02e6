/*
 * json_floor: the floor of tests/bench/score.sh, reading and parsing JSON.
 *
 *   json_floor [-l] FILE...
 *
 * Reads every file and parses it with the parser steval uses (lib/json.h):
 * a whole JSON document per file, or with -l one document per line (JSON
 * Lines). Prints "files=N bytes=B seconds=S" (in-process time, without the
 * process start).
 */
#include "lib/common.h"
#include "lib/buf.h"
#include "lib/json.h"
#include "lib/util.h"

#include <stdio.h>

int main(int argc, char **argv)
{
	int i = 1, lines = 0;
	size_t bytes = 0, nfiles = 0;
	double t0;

	if (argc > 1 && !strcmp(argv[1], "-l"))
		lines = 1, i++;
	if (i >= argc) {
		fprintf(stderr, "usage: json_floor [-l] FILE...\n");
		return 2;
	}
	t0 = mono_now();
	for (; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		struct buf b = BUF_INIT;
		char chunk[65536];
		size_t n, p, q;
		if (!f) {
			perror(argv[i]);
			return 2;
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_add(&b, chunk, n);
		fclose(f);
		bytes += b.len;
		nfiles++;
		for (p = 0; p < b.len; p = q + 1) {
			cJSON *t;
			q = lines ? p : b.len;
			while (lines && q < b.len && b.data[q] != '\n')
				q++;
			if (q == p)
				continue;
			t = json_parse(b.data + p, q - p, argv[i], 0);
			if (!t) {
				buf_release(&b);
				return 1;
			}
			cJSON_Delete(t);
		}
		buf_release(&b);
	}
	printf("files=%zu bytes=%zu seconds=%.4f\n", nfiles, bytes, mono_now() - t0);
	return 0;
}
