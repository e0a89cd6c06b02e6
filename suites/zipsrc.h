/*
 * zipsrc.h: a suite's files read straight from a published zip archive
 * (OmniSpatial-test.zip), without unpacking it, through libzip.
 *
 * An archive is opened read-only and checked (ZIP_CHECKCONS); its entry
 * names are listed once. zsrc_find() matches entry names with fnmatch(3)
 * patterns ('*' does not cross '/'); zsrc_read() inflates one entry into a
 * buffer and verifies its CRC (libzip does on the last read). Every error
 * names the archive and, where there is one, the entry, with libzip's
 * reason: a truncated or corrupt archive, a missing entry, an encrypted
 * entry, a CRC mismatch.
 *
 * An archive may be shared by readers on several threads: every call locks
 * the handle (libzip archives are not thread-safe).
 *
 * Ownership: struct zsrc owns the libzip handle and the name list;
 * zsrc_free() releases both. Names returned by zsrc_find() are borrowed
 * from the archive and live until zsrc_free().
 */
#ifndef STEVAL_ZIPSRC_H
#define STEVAL_ZIPSRC_H

#include "lib/common.h"

struct buf;
struct zsrc;

/* Is this path a zip archive by its name (".zip", any case)? */
int zsrc_is_zip(const char *path);

/* Open an archive; NULL (and an error naming the file) on failure. */
struct zsrc *zsrc_open(const char *path);
void zsrc_free(struct zsrc *z);
const char *zsrc_path(const struct zsrc *z);

/* The first entry whose name matches one of the patterns, tried in the
 * order given (a pattern matches in entry order); NULL when none does. */
const char *zsrc_find(struct zsrc *z, const char *const *patterns, size_t npatterns);
/* Does the archive hold this exact entry? */
int zsrc_has(struct zsrc *z, const char *name);
/* Append the entry's bytes to out (its cap limits the size). */
int zsrc_read(struct zsrc *z, const char *name, struct buf *out);

#endif
