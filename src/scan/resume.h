/*
 * --resume bookkeeping: which input lines already have a row in the output.
 *
 * Rows start with {"line":N, so the line numbers are read back cheaply
 * without parsing the whole object. A run killed with kill -9 may leave a
 * torn last row (no final newline): it is cut off, and its line is scanned
 * again. Since every row is written whole, with its newline last, a row that
 * ends in a newline is complete.
 */
#ifndef SD_SCAN_RESUME_H
#define SD_SCAN_RESUME_H

#include <stddef.h>
#include <stdint.h>

/* Line numbers above this are refused (a hostile or corrupt file must not
 * make us allocate gigabytes): 2^36, far beyond any domain list. */
#define SD_DONE_LINE_MAX (UINT64_C(1) << 36)

/* A set of line numbers: a bitmap in 64 Ki-line chunks allocated on demand,
 * so memory is one bit per line of the list at most. */
typedef struct sd_done_set {
  uint64_t **chunks;
  size_t chunk_count;
  uint64_t count;
} sd_done_set;

/* 1 added, 0 already present, -1 out of range or out of memory. */
int sd_done_set_add(sd_done_set *set, uint64_t line);
int sd_done_set_has(const sd_done_set *set, uint64_t line);
void sd_done_set_remove(sd_done_set *set, uint64_t line);
void sd_done_set_free(sd_done_set *set);

typedef struct sd_resume_stats {
  uint64_t rows;          /* complete rows with a line number */
  uint64_t duplicates;    /* rows whose line was already seen */
  uint64_t unrecognised;  /* complete lines without a leading "line" key */
  uint64_t torn_bytes;    /* bytes of a torn last row that were cut off */
} sd_resume_stats;

/* Line number of a row, from its start; 0 on success, -1 when absent. */
int sd_resume_row_line(const char *text, size_t len, uint64_t *line);
/*
 * Reads the output at path into done and cuts a torn last row. Returns 0, 1
 * when the file does not exist (nothing to resume), -1 with err on failure.
 */
int sd_resume_load(const char *path, sd_done_set *done, sd_resume_stats *stats, char *err, size_t err_len);

/*
 * --redo-unknown: removes from the output at path every row whose
 * protected_by is "unknown" (the bytes "protected_by":"unknown" occur in a
 * row only as that key and value: JSON escapes quotes inside strings), and
 * takes their lines out of done so they are scanned again; a line that also
 * has a measured row stays done. The rows kept are copied to a temporary file
 * that is locked (flock) before it is renamed over path, so the output is
 * never unlocked; *lock_fd (the lock on the old file) is replaced by it.
 * Run after sd_resume_load (which cut a torn row). Returns 0 with *dropped
 * rows removed, or -1 with err.
 */
int sd_resume_drop_unknown(const char *path, sd_done_set *done, int *lock_fd, uint64_t *dropped, char *err,
                           size_t err_len);

#endif
