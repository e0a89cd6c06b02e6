/*
 * util.h: files, paths, hashing and time.
 *
 * Functions that can fail report through error() and return -1. Strings
 * returned as char * are owned by the caller (free()).
 */
#ifndef STEVAL_UTIL_H
#define STEVAL_UTIL_H

#include "lib/common.h"

struct buf;

/* Open a regular file to read (close-on-exec); a FIFO, socket, device or
 * directory is refused at once, never blocking. -1 after error(). */
int open_regular(const char *path);
/* Append the whole file to out (its cap limits the size); regular files only. */
int read_file(const char *path, struct buf *out);
int read_file_quiet(const char *path, struct buf *out);   /* the same, no message */
/* Write data to path through a temporary file and rename(): readers see
 * the old file or the new one, never a partial one. */
int write_file_atomic(const char *path, const void *data, size_t len);
/* The same, reporting nothing: -1 with errno set. Thread-safe. */
int write_file_atomic_quiet(const char *path, const void *data, size_t len);
/* Standard base64 with padding, appended to out (-1: out's cap). */
int b64_encode(const void *data, size_t n, struct buf *out);
int mkdir_p(const char *path);            /* like mkdir -p, mode 0777 & ~umask */
int file_exists(const char *path);        /* a regular file */
int dir_exists(const char *path);
char *path_join(const char *a, const char *b);   /* b absolute: copy of b */
const char *path_base(const char *path);         /* borrowed: after the last '/' */
char *path_stem(const char *path);               /* base name without extension */
char *path_dir(const char *path);                /* "." when none */

/* SHA-256 (FIPS 180-4; lib/sha256.c). A context holds no allocation. */
struct sha256 {
	uint32_t state[8];
	uint64_t len;              /* bytes so far */
	unsigned char block[64];
	size_t fill;               /* bytes in block */
};
void sha256_init(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *p, size_t n);
void sha256_digest(struct sha256 *h, unsigned char out[32]);   /* then h is reset */
void sha256_final(struct sha256 *h, char hex[65]);             /* lower-case hex; h reset */
void sha256_hex(const void *p, size_t n, char hex[65]);
int sha256_file(const char *path, char hex[65]);
/* s[0..64) is a digest as sha256_final() spells it: 64 lower-case hex
 * digits (what follows is the caller's to check). */
int sha256_hex_valid(const char *s);

/* Time */
double mono_now(void);                       /* seconds, monotonic clock */
double wall_now(void);                       /* seconds since the epoch */
void utc_stamp(char out[32], double t);      /* 2026-11-22T10:04:05Z */
void utc_dirname(char out[32], double t);    /* 20261122T100405Z */

/* Threads for CPU-bound work (grading, the bootstrap): the online CPUs, or
 * $STEVAL_THREADS when it is a number from 1 (at most 64). Results never
 * depend on it. */
size_t cpu_threads(void);

/* Integers and doubles from text, whole string or fail. */
int parse_long(const char *s, long *out);
int parse_double(const char *s, double *out);

#endif
