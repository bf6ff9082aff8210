/*
 * Output files that are either complete or absent: written to a temporary
 * file in the same directory, synced, then renamed over the target. A full
 * disk or a crash never leaves a half-written report where a complete one
 * is expected (and never destroys the previous complete one).
 */
#ifndef SD_UTIL_ATOMIC_FILE_H
#define SD_UTIL_ATOMIC_FILE_H

#include <stdio.h>

typedef struct sd_atomic_file {
  FILE *fp;   /* write here */
  char *path; /* the target */
  char *tmp;  /* the temporary file, removed unless committed */
} sd_atomic_file;

/* Opens a temporary file beside path; NULL with a message in err. */
FILE *sd_atomic_open(sd_atomic_file *af, const char *path, char *err, size_t err_len);
/* Flushes, syncs and closes the temporary file and renames it to the
 * target; 0 on success. On any failure the temporary file is removed, the
 * target is untouched and err says what failed. */
int sd_atomic_commit(sd_atomic_file *af, char *err, size_t err_len);
/* Closes and removes the temporary file (e.g. after an error elsewhere). */
void sd_atomic_abort(sd_atomic_file *af);

#endif
