/* stsdane diff OLD NEW: per-domain changes between two scans. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "compare/aggregate/agg_internal.h"
#include "compare/aggregate/history.h"
#include "util/escape.h"

enum { SD_DIFF_CHANGED = 1 };

static void print_help(void) {
  printf("usage: stsdane diff [--json] OLD.jsonl NEW.jsonl\n\n"
         "Lists, per domain, what changed between two scans: statuses and outcomes,\n"
         "policy content vs policy id, mode, MX set (and MX moves the policy did not\n"
         "follow), certificate and TLSA rollovers and whether they broke DANE.\n"
         "Domains only in OLD are listed as removed, only in NEW as added.\n\n"
         "Options:\n"
         "  --json      one JSON document: {\"domains\": [...], \"summary\": {...}}\n"
         "  -h, --help  this help\n\n"
         "Exit status: 0 no differences, 1 differences, 3 usage error or unreadable input.\n");
}

typedef struct diff_run {
  int json;
  sd_strmap old; /* domain -> ext sd_snap */
  sd_strmap seen;
  long long compared, changed, added, removed, malformed;
  cJSON *domains; /* --json output */
} diff_run;

static void snap_ext_free(void *p) { sd_snap_free(p); }

/* One scan line as a snapshot entry; NULL (and counted) when malformed. */
static sd_snap *parse_line(diff_run *d, const char *line, size_t len) {
  cJSON *j = cJSON_ParseWithLength(line, len);
  sd_snap *s = sd_snap_from_json(j);
  cJSON_Delete(j);
  if (!s) d->malformed++;
  return s;
}

static int load_old(void *ctx, const char *line, size_t len) {
  diff_run *d = ctx;
  sd_snap *s = parse_line(d, line, len);
  if (!s) return 0;
  sd_strmap_entry *e = sd_strmap_get(&d->old, s->domain);
  if (e && !e->ext) {
    e->ext = s;
    s = NULL;
  }
  sd_snap_free(s);
  return 0;
}

static void put_term(const char *s) {
  char *e = sd_escape_terminal(s ? s : "-", strlen(s ? s : "-"));
  fputs(e ? e : "?", stdout);
  free(e);
}

static void print_changes(const char *domain, const cJSON *details) {
  put_term(domain);
  fputs(":\n", stdout);
  const cJSON *c;
  cJSON_ArrayForEach(c, details) {
    fputs("  ", stdout);
    put_term(sd_agg_jstr(c, "text"));
    const char *where = sd_agg_jstr(c, "where");
    if (where) {
      fputs(" [", stdout);
      put_term(where);
      fputs("]", stdout);
    }
    fputs(": ", stdout);
    put_term(sd_agg_jstr(c, "old"));
    fputs(" -> ", stdout);
    put_term(sd_agg_jstr(c, "new"));
    fputs("\n", stdout);
  }
}

static void report_domain(diff_run *d, const char *domain, const char *status, cJSON *details) {
  if (d->json) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "domain", domain);
    cJSON_AddStringToObject(o, "status", status);
    cJSON_AddItemToObject(o, "changes", details ? details : cJSON_CreateArray());
    cJSON_AddItemToArray(d->domains, o);
    return;
  }
  if (details) {
    print_changes(domain, details);
    cJSON_Delete(details);
  } else {
    fputs(strcmp(status, "added") == 0 ? "+ " : "- ", stdout);
    put_term(domain);
    printf(" (%s)\n", status);
  }
}

static int compare_new(void *ctx, const char *line, size_t len) {
  diff_run *d = ctx;
  sd_snap *s = parse_line(d, line, len);
  if (!s) return 0;
  if (sd_strmap_find(&d->seen, s->domain)) { /* a repeated line: the first one counts */
    sd_snap_free(s);
    return 0;
  }
  sd_strmap_add(&d->seen, s->domain, 1);
  const sd_strmap_entry *old = sd_strmap_find(&d->old, s->domain);
  if (!old || !old->ext) {
    d->added++;
    report_domain(d, s->domain, "added", NULL);
  } else {
    unsigned char changed[SD_CHG__COUNT];
    cJSON *details = cJSON_CreateArray();
    sd_snap_compare(old->ext, s, changed, details);
    d->compared++;
    if (cJSON_GetArraySize(details) > 0) {
      d->changed++;
      report_domain(d, s->domain, "changed", details);
    } else {
      cJSON_Delete(details);
    }
  }
  sd_snap_free(s);
  return 0;
}

static int read_file(const char *path, sd_agg_line_fn cb, diff_run *d) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : sd_cli_fopen_input(path, "r");
  if (!f) {
    fprintf(stderr, "stsdane diff: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  long long lines = 0;
  int rc = sd_agg_read_lines(f, SD_AGG_MAX_LINE, cb, d, &lines, &d->malformed);
  if (f != stdin) fclose(f);
  if (rc != 0) fprintf(stderr, "stsdane diff: read error in %s\n", path);
  return rc;
}

static void list_removed(diff_run *d) {
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&d->old, &n, NULL);
  for (size_t i = 0; i < n; i++) {
    if (sd_strmap_find(&d->seen, sorted[i]->key)) continue;
    d->removed++;
    report_domain(d, sorted[i]->key, "removed", NULL);
  }
  free(sorted);
}

static void print_summary(diff_run *d) {
  if (d->json) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "domains", d->domains);
    d->domains = NULL;
    cJSON *s = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(s, "compared", (double)d->compared);
    cJSON_AddNumberToObject(s, "changed", (double)d->changed);
    cJSON_AddNumberToObject(s, "added", (double)d->added);
    cJSON_AddNumberToObject(s, "removed", (double)d->removed);
    cJSON_AddNumberToObject(s, "malformed_lines", (double)d->malformed);
    char *text = cJSON_Print(root);
    if (text) printf("%s\n", text);
    free(text);
    cJSON_Delete(root);
    return;
  }
  printf("%lld domain(s) in both scans, %lld changed, %lld added, %lld removed", d->compared, d->changed, d->added,
         d->removed);
  if (d->malformed) printf(", %lld malformed line(s) skipped", d->malformed);
  printf("\n");
}

int sd_cmd_diff(int argc, char **argv) {
  static const struct option longopts[] = {
      {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
  diff_run d = {0};
  int opt;
  optind = 1;
  opterr = 0; /* one line of our own instead of getopt's message */
  while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      print_help();
      return SD_EXIT_OK;
    }
    if (opt == 'j') d.json = 1;
    else {
      sd_cli_option_error("diff", opt, argc, argv);
      return SD_EXIT_USAGE;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "stsdane diff: name two scan results, e.g. 'stsdane diff old.jsonl new.jsonl'\n");
    return SD_EXIT_USAGE;
  }
  d.old.ext_free = snap_ext_free;
  if (d.json) d.domains = cJSON_CreateArray();
  int status = SD_EXIT_USAGE;
  if (read_file(argv[optind], load_old, &d) == 0 && read_file(argv[optind + 1], compare_new, &d) == 0) {
    list_removed(&d);
    print_summary(&d);
    status = d.changed || d.added || d.removed ? SD_DIFF_CHANGED : SD_EXIT_OK;
  }
  cJSON_Delete(d.domains);
  sd_strmap_free(&d.old);
  sd_strmap_free(&d.seen);
  return status;
}
