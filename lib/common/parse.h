/*
 * parse.h - strict parsing of numbers from command lines.
 */
#ifndef MVM_COMMON_PARSE_H
#define MVM_COMMON_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Parse a whole decimal number in [@min, @max]: digits only (no sign, no
 * white space, nothing after).  False on anything else, leaving *out alone.
 */
bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/*
 * Parse a size in bytes: a whole number, optionally followed by K, M, G or T
 * (powers of 1024, either case, optionally followed by "iB").  False on
 * anything else, on 0, and on overflow.
 */
bool parse_size(const char *s, uint64_t *out);

#endif
