/*
 * merge.h: shards of one run put back together (steval merge).
 *
 * merge_execute() reads the manifests of the shard run directories
 * (steval run --shard I/N), checks that they are shards of one run (same
 * suite, item list fingerprint, protocol, model, generation settings,
 * seed, blind, frame plan, shard count and algorithm; each shard
 * index once), reloads the suite to recompute the partition, and writes
 * one ordinary run directory: samples.jsonl (the line that counts for
 * each item, in item order, copied byte for byte), manifest.json (the
 * shards' facts, counts summed, "merged" naming every shard), the frame
 * thumbnails, then results.json and every report through summary.h, so
 * the results are those the unsharded run would have.
 *
 * Missing shards (or shards missing items): refused with EXIT_INCOMPLETE
 * unless partial is set; then what is there is merged, and the manifest
 * and results.json carry "partial" (every report shows it).
 *
 * Returns a process exit status: EXIT_OK, EXIT_USAGE (not shards of one
 * run, a shard twice, bad input) or EXIT_INCOMPLETE (shards missing or
 * incomplete). Messages name the run directory and the field at fault.
 */
#ifndef STEVAL_MERGE_H
#define STEVAL_MERGE_H

#include "lib/common.h"

struct merge_opts {
	const char *out;          /* the merged run directory (created) */
	const char *const *dirs;  /* the shards' run directories */
	size_t ndirs;
	int partial;              /* merge what is there */
	const char *data;         /* the suite's data dir (NULL: the shards') */
	int argc;                 /* the command line, for the manifest */
	char **argv;
};

void merge_opts_init(struct merge_opts *o);
int merge_execute(const struct merge_opts *o);

#endif
