#include "scan/run.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dns/dns.h"
#include "dns/ub_context.h"
#include "scan/identity.h"
#include "scan/input.h"
#include "scan/memory_report.h"
#include "scan/output.h"
#include "scan/progress.h"
#include "scan/resume.h"
#include "scan/window.h"
#include "util/str.h"

typedef struct scan_run {
  const sd_scan_config *cfg;
  struct event_base *base;
  sd_engine *engine;
  FILE *in_fp;
  sd_input_identity input_id;
  int lock_fd;               /* holds the exclusive flock on the output file, or -1 */
  sd_input input;
  sd_scan_row *row;          /* scratch for the reader */
  sd_scan_output out;
  sd_done_set done;
  sd_scan_counters counters;
  sd_window window;          /* domains in flight: --concurrency active, more while some wait */
  int show_progress;
  int input_done;
  int refilling;
  int stopping;              /* no new domains: signal, write or read error */
  int signal_no;
  int aborted;               /* left the loop with domains still in flight */
  int resolver_down;         /* the resolver stopped answering: stop, exit 4 */
  uint64_t abandoned;        /* domains in flight when it did (not written) */
  int input_error;
  uint64_t memory_report_every; /* STSDANE_MEMORY_REPORT: rows between memory reports, 0: none */
  uint64_t rows_written;
  struct event *refill_ev, *flush_timer, *progress_timer, *drain_timer, *age_timer, *trim_timer, *sigint, *sigterm;
} scan_run;

/* One domain in flight: what its output row needs besides the result. */
typedef struct scan_item {
  sd_window_slot slot;       /* its place in the window, in start order */
  scan_run *run;
  uint64_t line;
  int has_rank;
  long long rank;
  char *reason;              /* invalid rows: the reader's reason */
} scan_item;

static void refill(scan_run *run);

static void finish_if_idle(scan_run *run) {
  if (run->counters.in_flight == 0 && (run->input_done || run->stopping)) event_base_loopexit(run->base, NULL);
}

/* The evaluator saw only a printable stand-in for an invalid line; the
 * reader knows the real reason (too long, NUL byte, not UTF-8, ...). */
static void set_invalid_reason(sd_domain_result *r, const char *reason) {
  if (!reason || !r->invalid_domain) return;
  for (size_t i = 0; i < r->findings.count; i++) {
    sd_finding *f = &r->findings.items[i];
    if (f->code != SD_C_INVALID_DOMAIN) continue;
    char *detail = sd_strdup(reason);
    if (!detail) return;
    free(f->detail);
    f->detail = detail;
    return;
  }
}

static void write_result(scan_run *run, scan_item *item, sd_domain_result *r) {
  set_invalid_reason(r, item->reason);
  char *row = sd_scan_row_json(r, item->line, item->has_rank, item->rank, &run->cfg->json);
  int rc = row ? sd_scan_output_write(&run->out, row) : -1;
  free(row);
  if (rc != 0 && !run->stopping) {
    if (!row && !run->out.failed) {
      run->out.failed = 1;
      run->out.errno_saved = ENOMEM;
    }
    fprintf(stderr, "stsdane scan: writing %s failed: %s; stopping\n", run->out.path,
            strerror(run->out.errno_saved));
    run->stopping = 1;
  }
}

static void on_refill(evutil_socket_t fd, short what, void *arg) { refill(arg); }

/* Results arrive from deep inside DNS, HTTPS and SMTP callbacks; new domains
 * are started from the loop's top level instead, so no module sees queries
 * started from within its own callback, and the stack stays flat. */
static void schedule_refill(scan_run *run) {
  if (run->refill_ev) {
    if (!event_pending(run->refill_ev, EV_TIMEOUT, NULL)) {
      const struct timeval now = {0, 0};
      evtimer_add(run->refill_ev, &now);
    }
  } else if (!run->refilling) {
    refill(run);
  }
}

static void on_result(sd_domain_result *r, void *arg) {
  scan_item *item = arg;
  scan_run *run = item->run;
  /* After the resolver went down a result measured nothing: it is not
   * written, and --resume scans its line again. */
  if (!run->resolver_down) {
    write_result(run, item, r);
    sd_scan_counters_add_result(&run->counters, r);
    run->rows_written++;
    if (run->memory_report_every && run->rows_written % run->memory_report_every == 0)
      sd_memory_report("rows", run->rows_written, run->engine, &run->window);
  }
  sd_domain_result_free(r);
  free(r);
  sd_window_leave(&run->window, &item->slot);
  free(item->reason);
  free(item);
  run->counters.in_flight--;
  schedule_refill(run);
}

static void start_row(scan_run *run, const sd_scan_row *row) {
  scan_item *item = calloc(1, sizeof(*item));
  char *reason = row->kind == SD_ROW_INVALID ? sd_strdup(row->reason) : NULL;
  if (!item || (row->kind == SD_ROW_INVALID && !reason)) {
    free(item);
    free(reason);
    run->counters.start_failed++;
    return;
  }
  *item = (scan_item){.run = run, .line = row->line, .has_rank = row->has_rank, .rank = row->rank, .reason = reason};
  sd_window_enter(&run->window, &item->slot, sd_scan_now());
  run->counters.in_flight++;
  run->counters.started++;
  if (sd_evaluate(run->engine, row->text, on_result, item) != 0) {
    sd_window_leave(&run->window, &item->slot);
    run->counters.in_flight--;
    run->counters.started--;
    run->counters.start_failed++;
    free(item->reason);
    free(item);
  }
}

/*
 * Whether one more domain may start: within --concurrency always; beyond
 * it (room made by domains that wait) only while the resolver keeps up
 * and the prober's queue is short. Domains slowed down by the resolver
 * itself count as waiting too, and starting more of them would only load
 * it further: a scan on a busy resolver then times its lookups out until
 * it looks dead (exit 4). Domains whose probes wait for a slot at an
 * address at its --per-address cap (a provider whose customers each have
 * their own MX name on a few shared addresses) wait on the scan's own
 * politeness, not on the network: more of them would not probe sooner,
 * they would only pile up in memory (thousands of domains of 5-10 KB
 * each, docs/bench.md "Where the memory goes") while the queue drains at
 * the same pace.
 */
static int may_start(scan_run *run) {
  const sd_window *w = &run->window;
  if (!sd_window_has_room(w)) return 0;
  if (w->slots.count < w->active_limit) return 1;
  return sd_dns_lookups_pending(run->engine->dns) < SD_SCAN_DNS_GATE * w->active_limit &&
         sd_prober_queued(run->engine->prober) < SD_SCAN_PROBE_GATE * w->active_limit;
}

/* Reads rows until the window is full or the input ends. */
static void refill(scan_run *run) {
  run->refilling = 1;
  sd_window_age(&run->window, sd_scan_now());
  while (!run->stopping && !run->input_done && may_start(run)) {
    int rc = sd_input_next(&run->input, run->row);
    run->counters.lines_read = run->input.reader.line_no;
    if (rc == 0) {
      run->input_done = 1;
      break;
    }
    if (rc < 0) {
      fprintf(stderr, "stsdane scan: reading %s failed at line %llu: %s\n", run->cfg->input_path,
              (unsigned long long)run->input.reader.line_no + 1, strerror(errno));
      run->input_error = 1;
      run->stopping = 1;
      break;
    }
    if (!sd_shard_owns(&run->cfg->shard, run->row->shard_key)) {
      run->counters.skipped_shard++;
      continue;
    }
    if (sd_done_set_has(&run->done, run->row->line)) {
      run->counters.skipped_resume++;
      continue;
    }
    start_row(run, run->row);
  }
  run->refilling = 0;
  finish_if_idle(run);
}

/* ---- timers and signals --------------------------------------------------- */

static void on_flush_timer(evutil_socket_t fd, short what, void *arg) {
  scan_run *run = arg;
  if (sd_scan_output_flush(&run->out) != 0 && !run->stopping) {
    fprintf(stderr, "stsdane scan: writing %s failed: %s; stopping\n", run->out.path,
            strerror(run->out.errno_saved));
    run->stopping = 1;
    finish_if_idle(run);
  }
}

static void draw_progress(scan_run *run) {
  char line[400];
  sd_scan_progress_line(&run->counters, sd_scan_now(), line, sizeof(line));
  /* \r and clear-to-end-of-line: the line is redrawn in place. */
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
}

static void on_progress_timer(evutil_socket_t fd, short what, void *arg) { draw_progress(arg); }

/* Domains that have waited long make room for others even when no result
 * arrives (all active ones may be waiting on timeouts). */
static void on_age_timer(evutil_socket_t fd, short what, void *arg) { schedule_refill(arg); }

/* glibc keeps the pages of freed memory inside its heaps (both threads':
 * the resolver's thread has an arena of its own); after a burst of
 * domains or lookups in flight they stay resident. Giving them back every
 * few seconds keeps the RSS near what is in use. */
static void on_trim_timer(evutil_socket_t fd, short what, void *arg) {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

/* The resolver stopped answering: take no new line, abandon the domains in
 * flight (their rows would say nothing about them), exit 4. */
static void on_resolver_down(void *arg) {
  scan_run *run = arg;
  run->resolver_down = 1;
  run->stopping = 1;
  run->abandoned = run->counters.in_flight;
  run->aborted = run->counters.in_flight > 0;
  event_base_loopbreak(run->base);
}

static void on_drain_timeout(evutil_socket_t fd, short what, void *arg) {
  scan_run *run = arg;
  run->aborted = 1;
  event_base_loopbreak(run->base);
}

static void on_signal(evutil_socket_t sig, short what, void *arg) {
  scan_run *run = arg;
  if (run->signal_no) {
    /* Second signal: stop now; the rows in flight are redone by --resume. */
    run->aborted = run->counters.in_flight > 0;
    event_base_loopbreak(run->base);
    return;
  }
  run->signal_no = (int)sig;
  run->stopping = 1;
  if (run->show_progress) fputc('\n', stderr);
  fprintf(stderr, "stsdane scan: %s: no new domains; finishing the %llu in flight (signal again to stop now)\n",
          sig == SIGINT ? "interrupted" : "terminated", (unsigned long long)run->counters.in_flight);
  double drain = run->cfg->drain_seconds > 0 ? run->cfg->drain_seconds : 10;
  struct timeval tv = {(time_t)drain, (suseconds_t)((drain - (double)(time_t)drain) * 1e6)};
  run->drain_timer = evtimer_new(run->base, on_drain_timeout, run);
  if (run->drain_timer) evtimer_add(run->drain_timer, &tv);
  finish_if_idle(run);
}

static struct event *add_timer(scan_run *run, double seconds, event_callback_fn cb) {
  struct event *ev = event_new(run->base, -1, EV_PERSIST, cb, run);
  struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6)};
  if (ev) event_add(ev, &tv);
  return ev;
}

static void add_events(scan_run *run) {
  run->refill_ev = evtimer_new(run->base, on_refill, run);
  run->flush_timer = add_timer(run, run->cfg->flush_seconds > 0 ? run->cfg->flush_seconds : 1.0, on_flush_timer);
  if (run->show_progress) run->progress_timer = add_timer(run, 0.25, on_progress_timer);
  run->age_timer = add_timer(run, SD_SCAN_STALL_SECONDS / 4, on_age_timer);
  run->trim_timer = add_timer(run, SD_SCAN_TRIM_SECONDS, on_trim_timer);
  run->sigint = evsignal_new(run->base, SIGINT, on_signal, run);
  run->sigterm = evsignal_new(run->base, SIGTERM, on_signal, run);
  if (run->sigint) event_add(run->sigint, NULL);
  if (run->sigterm) event_add(run->sigterm, NULL);
}

static void free_events(scan_run *run) {
  struct event *all[] = {run->refill_ev, run->flush_timer, run->progress_timer, run->drain_timer, run->age_timer,
                         run->trim_timer, run->sigint, run->sigterm};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (all[i]) event_free(all[i]);
}

/* ---- set-up ----------------------------------------------------------------- */

/* Each domain in flight holds a few sockets (DNS, HTTPS, SMTP): lift the
 * soft descriptor limit to the hard one rather than fail at 1024. Returns
 * the limit in force. */
static size_t raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 1024;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t want = rl.rlim_max;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
}

/*
 * Shares the descriptors out so that none runs out: libunbound's sockets
 * and a margin for files and the loop first, then half of the rest for
 * SMTP connections (the prober's slots: a probe waits for one) and half
 * for the domains in flight (each holds at most about one HTTPS
 * connection at a time). A domain never fails for want of a descriptor:
 * it waits for a slot, or is not started yet.
 */
static void share_descriptors(scan_run *run, size_t fd_limit, sd_engine_options *eo) {
  size_t reserve = SD_UB_OUTGOING_PORTS + 64 /* libunbound TCP */ + 128 /* files, loop, curl's own */;
  size_t spare = fd_limit > reserve ? fd_limit - reserve : 0;
  size_t share = spare / 2 > 16 ? spare / 2 : 16;
  if (eo->probe.max_connections <= 0) eo->probe.max_connections = share > INT32_MAX ? INT32_MAX : (int)share;
  size_t active = run->cfg->concurrency ? run->cfg->concurrency : SD_SCAN_DEFAULT_CONCURRENCY;
  size_t most = active * SD_SCAN_WAITING_FACTOR;
  sd_window_init(&run->window, active, most < share ? most : share, SD_SCAN_STALL_SECONDS);
}

static int is_std(const char *path) { return !path || strcmp(path, "-") == 0; }

static int same_file(const char *a, const char *b) {
  struct stat sa, sb;
  return !is_std(a) && !is_std(b) && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

static int open_input(scan_run *run) {
  const char *path = run->cfg->input_path;
  run->in_fp = is_std(path) ? stdin : fopen(path, "r");
  struct stat st;
  if (run->in_fp && run->in_fp != stdin && fstat(fileno(run->in_fp), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(run->in_fp); /* fopen accepts a directory; reading it would fail at "line 1" */
    run->in_fp = NULL;
    errno = EISDIR;
  }
  if (!run->in_fp) {
    fprintf(stderr, "stsdane scan: cannot read the domain list %s: %s\n", path, strerror(errno));
    return -1;
  }
  run->row = malloc(sizeof(*run->row));
  if (!run->row || sd_input_init(&run->input, run->in_fp) != 0) {
    fprintf(stderr, "stsdane scan: out of memory\n");
    return -1;
  }
  return 0;
}

static int load_resume(scan_run *run) {
  const char *path = run->cfg->output_path;
  sd_resume_stats stats;
  char err[512];
  int rc = sd_resume_load(path, &run->done, &stats, err, sizeof(err));
  if (rc < 0) {
    fprintf(stderr, "stsdane scan: %s\n", err);
    return -1;
  }
  if (rc == 1) return 0; /* nothing written yet: a fresh start */
  if (run->cfg->redo_unknown) {
    uint64_t dropped = 0;
    if (sd_resume_drop_unknown(path, &run->done, &run->lock_fd, &dropped, err, sizeof(err)) != 0) {
      fprintf(stderr, "stsdane scan: %s\n", err);
      return -1;
    }
    stats.rows -= dropped <= stats.rows ? dropped : stats.rows;
    if (dropped)
      fprintf(stderr, "stsdane scan: --redo-unknown: removed %llu rows whose protected_by was unknown; their lines "
              "are scanned again\n", (unsigned long long)dropped);
  }
  fprintf(stderr, "stsdane scan: resuming: %llu rows already in %s", (unsigned long long)stats.rows, path);
  if (stats.torn_bytes)
    fprintf(stderr, "; cut a torn last row (%llu bytes) left by the interrupted run",
            (unsigned long long)stats.torn_bytes);
  fputc('\n', stderr);
  if (stats.duplicates)
    fprintf(stderr, "stsdane scan: warning: %s holds %llu rows for lines already seen\n", path,
            (unsigned long long)stats.duplicates);
  if (stats.unrecognised)
    fprintf(stderr,
            "stsdane scan: warning: %llu lines of %s carry no \"line\" key (not written by stsdane scan?); "
            "they are kept\n", (unsigned long long)stats.unrecognised, path);
  return 0;
}

/*
 * One writer per output: an exclusive flock held for the whole run (the
 * lock goes with the process, so a killed scan never leaves it behind). A
 * second scan on the same file, e.g. a re-queued pod overlapping its
 * predecessor, is refused at once instead of interleaving rows.
 */
static int lock_output(scan_run *run) {
  const char *path = run->cfg->output_path;
  run->lock_fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (run->lock_fd < 0) {
    fprintf(stderr, "stsdane scan: cannot write %s: %s\n", path, strerror(errno));
    return SD_SCAN_EXIT_IO;
  }
  if (flock(run->lock_fd, LOCK_EX | LOCK_NB) == 0) return SD_SCAN_EXIT_OK;
  int e = errno;
  if (e == EWOULDBLOCK) {
    fprintf(stderr,
            "stsdane scan: %s is being written by another stsdane scan (it holds the file's lock); only one scan "
            "may write an output: wait for it to finish, or stop it, then rerun with --resume\n", path);
    return SD_SCAN_EXIT_USAGE;
  }
  fprintf(stderr, "stsdane scan: cannot lock %s: %s\n", path, strerror(e));
  return SD_SCAN_EXIT_IO;
}

/* One pass over a regular input file: its identity for --resume, and the
 * line count for the progress total. After the lock, so a second scan is
 * refused at once, not after reading a long list. */
static int identify_input(scan_run *run) {
  if (sd_input_identity_compute(run->in_fp, &run->input_id) != 0) {
    fprintf(stderr, "stsdane scan: cannot read the domain list %s: %s\n", run->cfg->input_path, strerror(errno));
    return SD_SCAN_EXIT_IO;
  }
  if (run->show_progress) run->counters.lines_total = run->input_id.lines;
  return SD_SCAN_EXIT_OK;
}

static int output_has_rows(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

/* --resume: the input must be the one the output was started with. */
static int check_identity(scan_run *run) {
  const sd_scan_config *cfg = run->cfg;
  char err[1024] = "", warn[512] = "";
  int rc = sd_identity_check(cfg->output_path, cfg->input_path, &run->input_id, &cfg->shard, err, sizeof(err), warn,
                             sizeof(warn));
  if (warn[0]) fprintf(stderr, "stsdane scan: warning: %s\n", warn);
  if (rc == -2 && cfg->other_input) {
    fprintf(stderr, "stsdane scan: warning (--other-input): %s\n", err);
    return SD_SCAN_EXIT_OK;
  }
  if (rc != 0) fprintf(stderr, "stsdane scan: %s\n", err);
  return rc == 0 ? SD_SCAN_EXIT_OK : rc == -2 ? SD_SCAN_EXIT_USAGE : SD_SCAN_EXIT_IO;
}

static int record_identity(scan_run *run) {
  char err[512];
  if (sd_identity_record(run->cfg->output_path, run->cfg->input_path, &run->input_id, &run->cfg->shard, err,
                         sizeof(err)) == 0)
    return SD_SCAN_EXIT_OK;
  fprintf(stderr, "stsdane scan: %s\n", err);
  return SD_SCAN_EXIT_IO;
}

static int check_config(const sd_scan_config *cfg) {
  if (cfg->resume && is_std(cfg->output_path)) {
    fprintf(stderr, "stsdane scan: --resume needs an output file (-o OUT.jsonl)\n");
    return -1;
  }
  if ((cfg->redo_unknown || cfg->other_input) && !cfg->resume) {
    fprintf(stderr, "stsdane scan: --%s goes with --resume\n", cfg->redo_unknown ? "redo-unknown" : "other-input");
    return -1;
  }
  if (same_file(cfg->input_path, cfg->output_path)) {
    fprintf(stderr, "stsdane scan: the output %s is the input list; choose another -o\n", cfg->output_path);
    return -1;
  }
  return 0;
}

static int setup(scan_run *run, const sd_engine_options *options) {
  sd_engine_options engine_options = *options, *eo = &engine_options;
  const sd_scan_config *cfg = run->cfg;
  if (check_config(cfg) != 0) return SD_SCAN_EXIT_USAGE;
  /* The input first: a mistyped list name must not leave an empty output. */
  if (open_input(run) != 0) return SD_SCAN_EXIT_IO;
  int to_file = !is_std(cfg->output_path), status;
  if (to_file) {
    if (!cfg->resume && !cfg->force && output_has_rows(cfg->output_path)) {
      fprintf(stderr, "stsdane scan: %s already holds results; rerun with --resume to finish that scan, or --force "
              "to start over (its rows are then lost)\n", cfg->output_path);
      return SD_SCAN_EXIT_USAGE;
    }
    if ((status = lock_output(run)) != SD_SCAN_EXIT_OK) return status;
  }
  if ((status = identify_input(run)) != SD_SCAN_EXIT_OK) return status;
  int resuming = cfg->resume && to_file && output_has_rows(cfg->output_path);
  if (resuming && (status = check_identity(run)) != SD_SCAN_EXIT_OK) return status;
  if (cfg->resume && load_resume(run) != 0) return SD_SCAN_EXIT_IO;
  char err[512] = "";
  sd_output_mode mode = cfg->resume ? SD_OUTPUT_APPEND : cfg->force ? SD_OUTPUT_FORCE : SD_OUTPUT_NEW;
  int opened = sd_scan_output_open(&run->out, cfg->output_path, mode, cfg->flush_lines, err, sizeof(err));
  if (opened != 0) {
    fprintf(stderr, "stsdane scan: %s\n", err);
    return opened == -2 ? SD_SCAN_EXIT_USAGE : SD_SCAN_EXIT_IO;
  }
  if (to_file && (!resuming || cfg->other_input) && (status = record_identity(run)) != SD_SCAN_EXIT_OK) return status;
  share_descriptors(run, raise_fd_limit(), eo);
  run->base = event_base_new();
  run->engine = run->base ? sd_engine_new(run->base, eo, err, sizeof(err)) : NULL;
  if (!run->engine) {
    fprintf(stderr, "stsdane scan: %s\n", err[0] ? err : "cannot create the event loop");
    return SD_SCAN_EXIT_USAGE;
  }
  run->engine->on_resolver_down = on_resolver_down;
  run->engine->on_resolver_down_arg = run;
  return SD_SCAN_EXIT_OK;
}

static void teardown(scan_run *run) {
  free_events(run);
  /* After an abort, evaluations are still pending inside the engine: freeing
   * it would run or cancel their callbacks against freed state. The process
   * is about to exit, so leave them to it. */
  if (!run->aborted) {
    sd_engine_free(run->engine);
    if (run->base) event_base_free(run->base);
  }
  if (run->row) sd_input_free(&run->input);
  free(run->row);
  if (run->in_fp && run->in_fp != stdin) fclose(run->in_fp);
  sd_done_set_free(&run->done);
  if (run->lock_fd >= 0) close(run->lock_fd); /* after the output is closed and synced */
}

static int final_status(scan_run *run, int close_failed) {
  if (run->resolver_down) {
    const sd_resolver_health *h = &run->engine->health;
    fprintf(stderr,
            "stsdane scan: the resolver stopped answering: %u lookups in a row failed (last: %s), and then %s; "
            "no new lines were read and the %llu domains in flight were abandoned, not written. %llu rows written "
            "before say protected_by \"unknown\". When the resolver answers again, rerun the same command with "
            "--resume to continue (add --redo-unknown to scan the unknown rows again)\n",
            h->errors_when_down, h->last_error,
            h->check_failure[0] ? h->check_failure : "it was not checked", (unsigned long long)run->abandoned,
            (unsigned long long)run->counters.unknown);
    return SD_SCAN_EXIT_RESOLVER;
  }
  const sd_resolver_health *health = &run->engine->health;
  if (health->checks_passed)
    fprintf(stderr,
            "stsdane scan: %u times %u lookups in a row failed while the resolver still resolved fresh names: the "
            "domains' own name servers failed, not the resolver; their rows say protected_by \"unknown\" (scan "
            "them again later with --resume --redo-unknown)\n",
            health->checks_passed, health->threshold);
  if (run->signal_no) {
    fprintf(stderr, "stsdane scan: stopped early; rerun the same command with --resume to finish the list\n");
    return 128 + run->signal_no;
  }
  if (close_failed || run->out.failed || run->input_error || run->counters.start_failed) {
    if (run->counters.start_failed)
      fprintf(stderr, "stsdane scan: %llu domains could not be started (out of memory?)\n",
              (unsigned long long)run->counters.start_failed);
    if (!is_std(run->cfg->output_path))
      fprintf(stderr, "stsdane scan: the scan is incomplete; fix the cause and rerun with --resume\n");
    return SD_SCAN_EXIT_IO;
  }
  return SD_SCAN_EXIT_OK;
}

static void print_summary(scan_run *run) {
  char line[1200];
  if (run->show_progress) fputs("\r\033[K", stderr);
  sd_scan_summary_line(&run->counters, sd_scan_now(), run->engine ? sd_dns_queries_sent(run->engine->dns) : 0,
                       run->engine ? sd_prober_connections(run->engine->prober) : 0, line, sizeof(line));
  fprintf(stderr, "stsdane scan: %s\n", line);
}

int sd_scan_run(const sd_scan_config *cfg, const sd_engine_options *eo) {
  scan_run run = {.cfg = cfg, .lock_fd = -1};
  sd_window_init(&run.window, cfg->concurrency ? cfg->concurrency : SD_SCAN_DEFAULT_CONCURRENCY, 0,
                 SD_SCAN_STALL_SECONDS); /* set again once the descriptor limit is known */
  run.show_progress = cfg->progress < 0 ? isatty(STDERR_FILENO) : cfg->progress;
  run.counters.started_at = sd_scan_now();
  run.memory_report_every = sd_memory_report_every();
  int status = setup(&run, eo);
  if (status != SD_SCAN_EXIT_OK) {
    if (run.out.fp) {
      char err[512];
      sd_scan_output_close(&run.out, err, sizeof(err));
    }
    teardown(&run);
    return status;
  }
  add_events(&run);
  refill(&run);
  event_base_dispatch(run.base);
  char err[512] = "";
  int close_failed = sd_scan_output_close(&run.out, err, sizeof(err)) != 0;
  if (close_failed) fprintf(stderr, "stsdane scan: %s\n", err);
  if (run.memory_report_every) sd_memory_report("end", run.rows_written, run.engine, &run.window);
  print_summary(&run);
  status = final_status(&run, close_failed);
  teardown(&run);
  return status;
}
