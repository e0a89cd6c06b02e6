/*
 * pycase.h: Python's str.lower() and str.upper() mappings, as tables
 * generated from CPython (lib/gen_pycase.py writes lib/pycase.c).
 */
#ifndef STEVAL_PYCASE_H
#define STEVAL_PYCASE_H

#include "lib/common.h"

struct pycase {
	uint32_t cp;
	uint32_t to[3];         /* the mapping; unused slots are 0 */
};

/* The mapping of cp, or NULL when it maps to itself. */
const struct pycase *pycase_lower(uint32_t cp);
const struct pycase *pycase_upper(uint32_t cp);
/* For U+03A3 in str.lower(): 1 cased, 2 case-ignorable (skipped when
 * looking for the letters around the sigma), 0 neither. */
int pycase_sigma_class(uint32_t cp);
/* The Unicode version the tables come from ("14.0.0"). */
const char *pycase_unicode_version(void);

#endif
