/* stsdane diff OLD NEW: per-domain changes between two scans. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "report/agg_internal.h"
#include "report/change_rank.h"
#include "report/history.h"
#include "util/escape.h"
#include "util/str.h"

enum { SD_DIFF_CHANGED = 1 };

static void print_help(void) {
  printf("usage: stsdane diff [--json] [--only TOPIC] OLD.jsonl NEW.jsonl\n\n"
         "Lists, per domain, what changed between two scans: statuses and outcomes,\n"
         "conflicts, policy content vs policy id, mode, MX set (and MX moves the policy\n"
         "did not follow), certificate and TLSA rollovers and whether they broke DANE.\n"
         "Domains only in OLD are listed as removed, only in NEW as added.\n"
         "Most important first: protection lost (a sender profile's outcome got worse,\n"
         "a protocol lost, a rollover that broke DANE), problems appearing (conflicts,\n"
         "a policy that no longer follows the MX), other verdict changes, configuration\n"
         "changes, and last rotations that kept the verdict.\n\n"
         "Options:\n"
         "  --only TOPIC  protection (only changes that moved a sender profile's outcome\n"
         "                or protected_by), verdict, dane, mta-sts, or all (default)\n"
         "  --json        one JSON document: {\"domains\": [...], \"summary\": {...}}\n"
         "  -h, --help    this help\n\n"
         "Exit status: 0 no differences shown, 1 differences, 3 usage error or unreadable input.\n");
}

/* One domain to report, kept until all are known so they can be sorted. */
typedef struct diff_entry {
  char *domain;
  const char *status; /* "changed", "added", "removed" */
  cJSON *changes;     /* sorted by importance; NULL for added/removed */
  int rank, loss;     /* the most important change, the largest outcome loss */
} diff_entry;

typedef struct diff_run {
  int json;
  unsigned topics; /* SD_TOPIC_* shown */
  sd_strmap old;   /* domain -> ext sd_snap */
  sd_strmap seen;
  long long compared, changed, added, removed, malformed;
  diff_entry *entries;
  size_t count, cap;
  int failed;
  long long file_lines, file_rows; /* of the file being read */
} diff_run;

static void snap_ext_free(void *p) { sd_snap_free(p); }

/* One scan line as a snapshot entry; NULL (and counted) when malformed. */
static sd_snap *parse_line(diff_run *d, const char *line, size_t len) {
  cJSON *j = cJSON_ParseWithLength(line, len);
  sd_snap *s = sd_snap_from_json(j);
  cJSON_Delete(j);
  d->file_lines++;
  if (s) d->file_rows++;
  else d->malformed++;
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
    fprintf(stdout, "  [%s] ", sd_change_rank_names[sd_change_rank_of(c)]);
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

static void keep(diff_run *d, const char *domain, const char *status, cJSON *changes, int rank, int loss) {
  if (d->count == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    diff_entry *e = realloc(d->entries, cap * sizeof(*e));
    if (!e) {
      d->failed = 1;
      cJSON_Delete(changes);
      return;
    }
    d->entries = e;
    d->cap = cap;
  }
  d->entries[d->count++] = (diff_entry){sd_strdup(domain), status, changes, rank, loss};
}

/* The changes shown (topic filter), most important first; the order of
 * sd_snap_compare is kept among equals. */
static cJSON *shown_changes(const diff_run *d, cJSON *details, int *rank, int *loss) {
  cJSON *out = cJSON_CreateArray();
  *rank = SD_RANK__COUNT;
  *loss = 0;
  for (int r = 0; out && r < SD_RANK__COUNT; r++) {
    const cJSON *c;
    cJSON_ArrayForEach(c, details) {
      if ((int)sd_change_rank_of(c) != r || !(sd_change_topics(c) & d->topics)) continue;
      cJSON_AddItemToArray(out, cJSON_Duplicate(c, 1));
      if (r < *rank) *rank = r;
      if (sd_change_loss(c) > *loss) *loss = sd_change_loss(c);
    }
  }
  return out;
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
    if (d->topics == SD_TOPIC_ALL) {
      d->added++;
      keep(d, s->domain, "added", NULL, SD_RANK_CONFIGURATION, 0);
    }
  } else {
    unsigned char changed[SD_CHG__COUNT];
    cJSON *details = cJSON_CreateArray();
    sd_snap_compare(old->ext, s, changed, details);
    d->compared++;
    int rank, loss;
    cJSON *shown = shown_changes(d, details, &rank, &loss);
    cJSON_Delete(details);
    if (cJSON_GetArraySize(shown) > 0) {
      d->changed++;
      keep(d, s->domain, "changed", shown, rank, loss);
    } else {
      cJSON_Delete(shown);
    }
  }
  sd_snap_free(s);
  return 0;
}

/* Most important first; among equals the larger outcome loss, then by name. */
static int cmp_entry(const void *a, const void *b) {
  const diff_entry *x = a, *y = b;
  if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
  if (x->loss != y->loss) return x->loss > y->loss ? -1 : 1;
  return strcmp(x->domain ? x->domain : "", y->domain ? y->domain : "");
}

static int read_file(const char *path, sd_agg_line_fn cb, diff_run *d) {
  FILE *f = strcmp(path, "-") == 0 ? stdin : sd_cli_fopen_input(path, "r");
  if (!f) {
    fprintf(stderr, "stsdane diff: cannot read %s: %s\n", path, strerror(errno));
    return -1;
  }
  long long lines = 0;
  d->file_lines = d->file_rows = 0;
  int rc = sd_agg_read_lines(f, SD_AGG_MAX_LINE, cb, d, &lines, &d->malformed);
  if (f != stdin) fclose(f);
  if (rc != 0) fprintf(stderr, "stsdane diff: read error in %s\n", path);
  if (rc == 0 && sd_cli_scan_input_verdict("diff", path, d->file_lines + lines, d->file_rows) < 0) rc = -1;
  return rc;
}

static void list_removed(diff_run *d) {
  if (d->topics != SD_TOPIC_ALL) return; /* a removed domain has no change of a topic */
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(&d->old, &n, NULL);
  for (size_t i = 0; i < n; i++) {
    if (sd_strmap_find(&d->seen, sorted[i]->key)) continue;
    d->removed++;
    keep(d, sorted[i]->key, "removed", NULL, SD_RANK_CONFIGURATION, 0);
  }
  free(sorted);
}

static void print_text(diff_run *d) {
  int heading = -1;
  for (size_t i = 0; i < d->count; i++) {
    const diff_entry *e = &d->entries[i];
    if (e->rank != heading) {
      heading = e->rank;
      printf("%s== %s ==\n", i ? "\n" : "", sd_change_rank_names[heading]);
    }
    if (e->changes) {
      print_changes(e->domain, e->changes);
    } else {
      fputs(strcmp(e->status, "added") == 0 ? "+ " : "- ", stdout);
      put_term(e->domain);
      printf(" (%s)\n", e->status);
    }
  }
  printf("%lld domain(s) in both scans, %lld changed, %lld added, %lld removed", d->compared, d->changed, d->added,
         d->removed);
  if (d->malformed) printf(", %lld malformed line(s) skipped", d->malformed);
  printf("\n");
}

static void print_json(diff_run *d) {
  cJSON *root = cJSON_CreateObject();
  cJSON *domains = cJSON_AddArrayToObject(root, "domains");
  for (size_t i = 0; i < d->count; i++) {
    diff_entry *e = &d->entries[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "domain", e->domain ? e->domain : "");
    cJSON_AddStringToObject(o, "status", e->status);
    cJSON_AddStringToObject(o, "importance", sd_change_rank_names[e->rank < SD_RANK__COUNT ? e->rank : 0]);
    const cJSON *c;
    cJSON_ArrayForEach(c, e->changes) {
      cJSON_AddStringToObject((cJSON *)c, "importance", sd_change_rank_names[sd_change_rank_of(c)]);
    }
    cJSON_AddItemToObject(o, "changes", e->changes ? e->changes : cJSON_CreateArray());
    e->changes = NULL;
    cJSON_AddItemToArray(domains, o);
  }
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
}

static void free_entries(diff_run *d) {
  for (size_t i = 0; i < d->count; i++) {
    free(d->entries[i].domain);
    cJSON_Delete(d->entries[i].changes);
  }
  free(d->entries);
}

int sd_cmd_diff(int argc, char **argv) {
  static const struct option longopts[] = {{"json", no_argument, NULL, 'j'},
                                           {"only", required_argument, NULL, 'o'},
                                           {"help", no_argument, NULL, 'h'},
                                           {0, 0, 0, 0}};
  diff_run d = {.topics = SD_TOPIC_ALL};
  int opt;
  optind = 1;
  opterr = 0; /* one line of our own instead of getopt's message */
  while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      print_help();
      return SD_EXIT_OK;
    }
    if (opt == 'j') {
      d.json = 1;
    } else if (opt == 'o') {
      d.topics = sd_change_topic_parse(optarg);
      if (!d.topics) {
        fprintf(stderr, "stsdane diff: --only takes protection, verdict, dane, mta-sts or all, not '%s'\n", optarg);
        return SD_EXIT_USAGE;
      }
    } else {
      sd_cli_option_error("diff", opt, argc, argv);
      return SD_EXIT_USAGE;
    }
  }
  if (argc - optind != 2) {
    fprintf(stderr, "stsdane diff: name two scan results, e.g. 'stsdane diff old.jsonl new.jsonl'\n");
    return SD_EXIT_USAGE;
  }
  d.old.ext_free = snap_ext_free;
  int status = SD_EXIT_USAGE;
  if (read_file(argv[optind], load_old, &d) == 0 && read_file(argv[optind + 1], compare_new, &d) == 0) {
    list_removed(&d);
    if (d.count > 1) qsort(d.entries, d.count, sizeof(*d.entries), cmp_entry);
    if (d.json) print_json(&d);
    else print_text(&d);
    if (d.failed) fprintf(stderr, "stsdane diff: out of memory; some domains are missing from the list\n");
    status = d.count ? SD_DIFF_CHANGED : SD_EXIT_OK;
  }
  free_entries(&d);
  sd_strmap_free(&d.old);
  sd_strmap_free(&d.seen);
  return status;
}
