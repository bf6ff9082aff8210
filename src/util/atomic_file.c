#include "util/atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"

FILE *sd_atomic_open(sd_atomic_file *af, const char *path, char *err, size_t err_len) {
  memset(af, 0, sizeof(*af));
  af->path = sd_strdup(path);
  af->tmp = sd_asprintf("%s.tmp.XXXXXX", path);
  int fd = af->path && af->tmp ? mkstemp(af->tmp) : -1;
  if (fd < 0) {
    snprintf(err, err_len, "cannot create a temporary file beside %s: %s", path, strerror(errno ? errno : ENOMEM));
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof(*af));
    return NULL;
  }
  /* mkstemp makes the file 0600; a report is as readable as any new file. */
  mode_t mask = umask(0);
  umask(mask);
  (void)fchmod(fd, 0666 & ~mask);
  af->fp = fdopen(fd, "w");
  if (!af->fp) {
    snprintf(err, err_len, "cannot write %s: %s", af->tmp, strerror(errno));
    close(fd);
    sd_atomic_abort(af);
    return NULL;
  }
  return af->fp;
}

static void release(sd_atomic_file *af) {
  free(af->path);
  free(af->tmp);
  memset(af, 0, sizeof(*af));
}

void sd_atomic_abort(sd_atomic_file *af) {
  if (af->fp) fclose(af->fp);
  if (af->tmp) unlink(af->tmp);
  release(af);
}

int sd_atomic_commit(sd_atomic_file *af, char *err, size_t err_len) {
  if (!af->fp) {
    snprintf(err, err_len, "nothing to write");
    return -1;
  }
  errno = 0;
  int failed = fflush(af->fp) != 0 || ferror(af->fp);
  int saved = errno;
  if (!failed && fsync(fileno(af->fp)) != 0) failed = 1, saved = errno;
  if (fclose(af->fp) != 0 && !failed) failed = 1, saved = errno;
  af->fp = NULL;
  if (!failed && rename(af->tmp, af->path) != 0) failed = 1, saved = errno;
  if (failed) {
    snprintf(err, err_len, "writing %s failed: %s; nothing was written there", af->path,
             saved ? strerror(saved) : "write error");
    unlink(af->tmp);
  }
  release(af);
  return failed ? -1 : 0;
}
