#include "scan/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "compare/verdict.h"

double sd_scan_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Tallies the first reason of an unknown row (its generic form). */
static void count_reason(sd_scan_counters *c, const char *reason) {
  char key[sizeof(c->unknown_reasons[0].text)];
  const char *text = reason && *reason ? reason : "no reason given";
  sd_unknown_reason_generic(text, strcspn(text, ";"), key, sizeof(key));
  for (int i = 0; i < SD_SCAN_REASONS; i++) {
    if (c->unknown_reasons[i].count && strcmp(c->unknown_reasons[i].text, key) == 0) {
      c->unknown_reasons[i].count++;
      return;
    }
    if (!c->unknown_reasons[i].count) {
      memcpy(c->unknown_reasons[i].text, key, sizeof(key));
      c->unknown_reasons[i].count = 1;
      return;
    }
  }
  c->unknown_other_reasons++;
}

void sd_scan_counters_add_result(sd_scan_counters *c, const sd_domain_result *r) {
  c->done++;
  if (r->invalid_domain) {
    c->invalid++;
    return;
  }
  if ((unsigned)r->protected_by < SD_PROTECTED__COUNT) c->protected_by[r->protected_by]++;
  if (r->protected_by == SD_PROTECTED_UNKNOWN) {
    c->unknown++;
    count_reason(c, r->unknown_reason);
    return;
  }
  for (int p = 0; p < SD_PROFILE__COUNT; p++)
    if (r->profiles[p] == SD_OUTCOME_UNKNOWN) {
      c->partly_unknown++;
      break;
    }
}

void sd_scan_format_count(uint64_t n, char *out, size_t len) {
  if (n < 10000) snprintf(out, len, "%llu", (unsigned long long)n);
  else if (n < 10000000) snprintf(out, len, "%.1fk", (double)n / 1e3);
  else snprintf(out, len, "%.1fM", (double)n / 1e6);
}

void sd_scan_format_duration(double s, char *out, size_t len) {
  if (s < 0 || s > 1e8) {
    snprintf(out, len, "?");
    return;
  }
  unsigned long long t = (unsigned long long)(s + 0.5);
  if (t >= 3600) snprintf(out, len, "%lluh%02llum", t / 3600, t % 3600 / 60);
  else if (t >= 60) snprintf(out, len, "%llum%02llus", t / 60, t % 60);
  else snprintf(out, len, "%llus", t);
}

/* Input lines whose fate is settled: a row finished and written, or the line
 * skipped (--resume, other shards, blank). Lines read but still in flight
 * are not: the share of the input done counts finished rows, not lines read. */
static uint64_t settled_lines(const sd_scan_counters *c) {
  return c->lines_read > c->in_flight ? c->lines_read - c->in_flight : 0;
}

double sd_scan_eta(const sd_scan_counters *c, double now) {
  if (!c->lines_total) return -1;
  /* Lines whose fate is settled; lines skipped by --resume took no time, so
   * they do not count towards the rate. */
  uint64_t settled = settled_lines(c);
  uint64_t worked = settled > c->skipped_resume ? settled - c->skipped_resume : 0;
  double elapsed = now - c->started_at;
  if (worked == 0 || elapsed <= 0) return -1;
  uint64_t left = c->lines_total > settled ? c->lines_total - settled : 0;
  return (double)left * elapsed / (double)worked;
}

void sd_scan_progress_line(const sd_scan_counters *c, double now, char *out, size_t len) {
  char done[16], total[16], settled[16], eta[16], skipped[48] = "";
  double elapsed = now - c->started_at;
  sd_scan_format_count(c->done, done, sizeof(done));
  sd_scan_format_count(c->lines_total, total, sizeof(total));
  sd_scan_format_count(settled_lines(c), settled, sizeof(settled));
  sd_scan_format_duration(sd_scan_eta(c, now), eta, sizeof(eta));
  if (c->skipped_resume || c->skipped_shard)
    snprintf(skipped, sizeof(skipped), " (%llu skipped)", (unsigned long long)(c->skipped_resume + c->skipped_shard));
  char where[96];
  if (c->lines_total)
    snprintf(where, sizeof(where), "%s of %s lines done%s, %.1f%%", settled, total, skipped,
             100.0 * (double)settled_lines(c) / (double)c->lines_total);
  else
    snprintf(where, sizeof(where), "%s lines done%s", settled, skipped);
  snprintf(out, len,
           "%s | rows %s, in flight %llu, %.1f rows/s, %s left | none %llu, mta-sts %llu, dane %llu, both %llu, "
           "unknown %llu, invalid %llu",
           where, done, (unsigned long long)c->in_flight, elapsed > 0 ? (double)c->done / elapsed : 0.0, eta,
           (unsigned long long)c->protected_by[0], (unsigned long long)c->protected_by[1],
           (unsigned long long)c->protected_by[2], (unsigned long long)c->protected_by[3],
           (unsigned long long)c->unknown, (unsigned long long)c->invalid);
}

uint64_t sd_scan_measured(const sd_scan_counters *c) {
  uint64_t settled = c->invalid + c->unknown;
  return c->done > settled ? c->done - settled : 0;
}

/* "; unknown (not measured, not counted above) 12: the MX lookup failed 10, ..." */
static int append_unknown(const sd_scan_counters *c, char *out, size_t len) {
  int n = snprintf(out, len, "; unknown (not measured, not counted above) %llu", (unsigned long long)c->unknown);
  for (int i = 0; i < SD_SCAN_REASONS && c->unknown_reasons[i].count && n >= 0 && (size_t)n < len; i++)
    n += snprintf(out + n, len - (size_t)n, "%s%s %llu", i ? ", " : ": ", c->unknown_reasons[i].text,
                  (unsigned long long)c->unknown_reasons[i].count);
  if (c->unknown_other_reasons && n >= 0 && (size_t)n < len)
    n += snprintf(out + n, len - (size_t)n, ", other reasons %llu", (unsigned long long)c->unknown_other_reasons);
  return n;
}

void sd_scan_summary_line(const sd_scan_counters *c, double now, size_t dns_queries, size_t smtp_connections,
                          char *out, size_t len) {
  double elapsed = now - c->started_at;
  int n = snprintf(out, len,
                   "scanned %llu domains in %.1f s (%.1f/s): measured %llu, protected by none %llu, mta-sts %llu, "
                   "dane %llu, both %llu",
                   (unsigned long long)c->done, elapsed, elapsed > 0 ? (double)c->done / elapsed : 0.0,
                   (unsigned long long)sd_scan_measured(c),
                   (unsigned long long)c->protected_by[0], (unsigned long long)c->protected_by[1],
                   (unsigned long long)c->protected_by[2], (unsigned long long)c->protected_by[3]);
  if (n < 0 || (size_t)n >= len) return;
  n += append_unknown(c, out + n, len - (size_t)n);
  if (n < 0 || (size_t)n >= len) return;
  n += snprintf(out + n, len - (size_t)n, "; some profile unknown %llu; invalid %llu; %zu DNS queries, %zu SMTP connections",
                (unsigned long long)c->partly_unknown, (unsigned long long)c->invalid, dns_queries, smtp_connections);
  if (n < 0 || (size_t)n >= len) return;
  if (c->skipped_resume)
    n += snprintf(out + n, len - (size_t)n, "; %llu already done (resume)", (unsigned long long)c->skipped_resume);
  if (n < 0 || (size_t)n >= len) return;
  if (c->skipped_shard)
    n += snprintf(out + n, len - (size_t)n, "; %llu in other shards", (unsigned long long)c->skipped_shard);
  if (n < 0 || (size_t)n >= len) return;
  if (c->start_failed)
    snprintf(out + n, len - (size_t)n, "; %llu could not be started", (unsigned long long)c->start_failed);
}
