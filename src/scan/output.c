#include "scan/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_stdout_path(const char *path) { return !path || strcmp(path, "-") == 0; }

int sd_scan_output_open(sd_scan_output *out, const char *path, sd_output_mode mode, size_t flush_lines,
                        char *err, size_t err_len) {
  memset(out, 0, sizeof(*out));
  out->flush_lines = flush_lines ? flush_lines : 1000;
  out->path = is_stdout_path(path) ? "standard output" : path;
  if (is_stdout_path(path)) {
    out->fp = stdout;
    out->is_stdout = 1;
    return 0;
  }
  struct stat st;
  if (mode == SD_OUTPUT_NEW && stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    snprintf(err, err_len,
             "%s already holds results; rerun with --resume to finish that scan, or --force to start over "
             "(its rows are then lost)", path);
    return -2;
  }
  int flags = O_WRONLY | O_CREAT | (mode == SD_OUTPUT_APPEND ? O_APPEND : O_TRUNC);
  int fd = open(path, flags | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  out->fp = fdopen(fd, mode == SD_OUTPUT_APPEND ? "a" : "w");
  if (!out->fp) {
    snprintf(err, err_len, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  /* A large buffer: rows reach the kernel in batches, not one by one. */
  setvbuf(out->fp, NULL, _IOFBF, 1 << 20);
  return 0;
}

char *sd_scan_row_json(const sd_domain_result *r, uint64_t line, int has_rank, long long rank,
                       const sd_json_options *jo) {
  /* "line" (and "rank") first, so --resume reads the line number from the
   * first bytes of a row without parsing it. */
  sd_jw w;
  sd_jw_init(&w, SD_RESULT_JSON_ROW_CAP);
  sd_jw_object_begin(&w);
  sd_jw_key(&w, "line");
  sd_jw_uint64(&w, line);
  if (has_rank) {
    sd_jw_key(&w, "rank");
    sd_jw_int64(&w, rank);
  }
  sd_result_json_members(&w, r, jo);
  sd_jw_object_end(&w);
  return sd_jw_finish(&w);
}

static void note_failure(sd_scan_output *out) {
  if (!out->failed) out->errno_saved = errno ? errno : EIO;
  out->failed = 1;
}

int sd_scan_output_write(sd_scan_output *out, const char *row) {
  if (out->failed) return -1;
  size_t len = strlen(row);
  errno = 0;
  if (fwrite(row, 1, len, out->fp) != len || putc('\n', out->fp) == EOF) {
    note_failure(out);
    return -1;
  }
  out->rows++;
  if (++out->unflushed >= out->flush_lines) return sd_scan_output_flush(out);
  return 0;
}

int sd_scan_output_flush(sd_scan_output *out) {
  if (out->failed) return -1;
  out->unflushed = 0;
  errno = 0;
  if (fflush(out->fp) != 0) {
    note_failure(out);
    return -1;
  }
  return 0;
}

int sd_scan_output_close(sd_scan_output *out, char *err, size_t err_len) {
  if (!out->fp) return 0;
  sd_scan_output_flush(out);
  /* fsync: a finished scan's rows survive a power loss, and --resume on
   * another machine sees them all. Pipes and terminals cannot be synced. */
  if (!out->failed && !out->is_stdout && fsync(fileno(out->fp)) != 0 && errno != EINVAL) note_failure(out);
  int closed = out->is_stdout ? 0 : fclose(out->fp);
  if (closed != 0) note_failure(out);
  out->fp = NULL;
  if (out->failed) {
    snprintf(err, err_len, "writing %s failed: %s", out->path, strerror(out->errno_saved));
    return -1;
  }
  return 0;
}
