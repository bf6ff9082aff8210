/*
 * The registrable domain of a name (public suffix + one label) from the
 * Public Suffix List through libpsl: "mx1.bigmail.co.uk" -> "bigmail.co.uk",
 * where "the last two labels" would give "co.uk" and lump every .co.uk
 * domain into one operator. Used for provider attribution (report) and for
 * the operator of an MX (plan): everywhere "registrable domain" is meant.
 */
#ifndef SD_UTIL_REGISTRABLE_H
#define SD_UTIL_REGISTRABLE_H

#include <stddef.h>

/*
 * Writes the registrable domain of name (lower-case, no trailing dot) into
 * out. A name that is itself a public suffix (or that the list cannot place)
 * is its own registrable domain. The list is the newest of the system's
 * (Debian package publicsuffix) and libpsl's built-in one, loaded once.
 * Returns out, or NULL when name is empty or does not fit.
 */
char *sd_registrable_domain(const char *name, char *out, size_t out_len);

#endif
