/* stsdane report RESULTS.jsonl...: the measurement tables of a scan (or of
 * its shards), or with --over-time the changes across snapshots. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/render_text.h"
#include "cli/report_render.h"
#include "report/provenance.h"
#include "result/result_from_json.h"
#include "util/atomic_file.h"
#include "util/str.h"
#include "report/aggregate.h"
#include "report/history.h"
#include "report/tables.h"

typedef struct report_options {
  int json, quiet, over_time;
  const char *csv_dir, *html_path;
  long threshold;
} report_options;

enum { OPT_R_JSON = 1, OPT_R_CSV, OPT_R_HTML, OPT_R_OVER_TIME, OPT_R_THRESHOLD, OPT_R_QUIET };

static void print_help(void) {
  printf("usage: stsdane report [OPTIONS] RESULTS.jsonl...\n"
         "       stsdane report --over-time [OPTIONS] SNAPSHOT.jsonl...\n\n"
         "Aggregates scan results (one JSON object per line, as written by\n"
         "'stsdane scan'; several files, e.g. shards, are combined; '-' is stdin)\n"
         "into the measurement tables: adoption, MTA-STS and DANE misconfiguration\n"
         "classes, third-party vs self-managed, outcomes per sender profile,\n"
         "conflicts and measurement quality. With --over-time, each file is one\n"
         "snapshot (ordered by scanned_at) and the report shows adoption per\n"
         "snapshot and the changes between consecutive snapshots.\n\n"
         "Options:\n"
         "  --json                 JSON report on stdout instead of text tables\n"
         "  --csv DIR              also write one CSV file per table into DIR\n"
         "  --html FILE            also write a self-contained HTML page with charts\n"
         "  --quiet                no report on stdout (with --csv or --html)\n"
         "  --provider-threshold N an operator serving >= N registrable domains is a\n"
         "                         third-party provider (default %d)\n"
         "  --over-time            treat the files as snapshots over time\n"
         "  -h, --help             this help\n\n"
         "Malformed input lines are skipped and counted in the quality table.\n"
         "Exit status: 0 done, 3 usage error or unreadable input.\n",
         SD_AGG_DEFAULT_PROVIDER_THRESHOLD);
}

static int parse_args(int argc, char **argv, report_options *o) {
  static const struct option longopts[] = {
      {"json", no_argument, NULL, OPT_R_JSON},          {"csv", required_argument, NULL, OPT_R_CSV},
      {"html", required_argument, NULL, OPT_R_HTML},    {"over-time", no_argument, NULL, OPT_R_OVER_TIME},
      {"provider-threshold", required_argument, NULL, OPT_R_THRESHOLD},
      {"quiet", no_argument, NULL, OPT_R_QUIET},        {"help", no_argument, NULL, 'h'},
      {0, 0, 0, 0}};
  int opt;
  double v;
  optind = 1;
  opterr = 0; /* one line of our own instead of getopt's message */
  while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'h': print_help(); exit(0);
    case OPT_R_JSON: o->json = 1; break;
    case OPT_R_CSV: o->csv_dir = optarg; break;
    case OPT_R_HTML: o->html_path = optarg; break;
    case OPT_R_OVER_TIME: o->over_time = 1; break;
    case OPT_R_QUIET: o->quiet = 1; break;
    case OPT_R_THRESHOLD:
      if (sd_parse_number("provider-threshold", optarg, 1, 1e9, &v) != 0) return -1;
      o->threshold = (long)v;
      break;
    default: sd_cli_option_error("report", opt, argc, argv); return -1;
    }
  }
  if (optind >= argc) {
    fprintf(stderr, "stsdane report: name at least one results file, e.g. 'stsdane report scan.jsonl'\n");
    return -1;
  }
  return optind;
}

static FILE *open_input(const char *path) {
  if (strcmp(path, "-") == 0) return stdin;
  FILE *f = sd_cli_fopen_input(path, "r");
  if (!f) fprintf(stderr, "stsdane report: cannot read %s: %s\n", path, strerror(errno));
  return f;
}

static void close_input(FILE *f) {
  if (f && f != stdin) fclose(f);
}

/* The inputs, each readable twice (aggregate, then digest and drill-down
 * lists): standard input is spooled to a temporary file first. */
typedef struct report_input {
  const char *name;
  FILE *f;
} report_input;

static FILE *spool_stdin(void) {
  FILE *t = tmpfile();
  if (!t) {
    fprintf(stderr, "stsdane report: cannot spool standard input to a temporary file: %s\n", strerror(errno));
    return NULL;
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
    if (fwrite(buf, 1, n, t) != n) {
      fprintf(stderr, "stsdane report: writing the spooled standard input failed\n");
      fclose(t);
      return NULL;
    }
  rewind(t);
  return t;
}

static int open_inputs(char **paths, int n, report_input *in) {
  for (int i = 0; i < n; i++) {
    in[i].name = paths[i];
    in[i].f = strcmp(paths[i], "-") == 0 ? spool_stdin() : open_input(paths[i]);
    if (!in[i].f) return -1;
  }
  return 0;
}

static void close_inputs(report_input *in, int n) {
  for (int i = 0; i < n; i++)
    if (in[i].f) fclose(in[i].f);
}

/* Each file is aggregated on its own and merged: the same path shards take. */
static int aggregate_files(report_input *in, int n, sd_agg *total, sd_provenance *prov) {
  for (int i = 0; i < n; i++) {
    sd_agg part;
    sd_agg_init(&part, total->provider_threshold);
    int rc = sd_agg_add_stream(&part, in[i].f);
    if (rc != 0) fprintf(stderr, "stsdane report: read error in %s; its results are incomplete\n", in[i].name);
    long long lines = part.c[SD_AGG_LINES], rows = lines - part.c[SD_AGG_MALFORMED];
    if (sd_cli_scan_input_verdict("report", in[i].name, lines, rows) < 0) {
      sd_agg_free(&part);
      return -1;
    }
    rewind(in[i].f);
    sd_provenance_add(prov, in[i].name, &part, in[i].f);
    rewind(in[i].f);
    sd_agg_merge(total, &part);
    sd_agg_free(&part);
  }
  return 0;
}

/* ---- drill-down: the domains behind the counts, each domain as check prints it */

enum { DETAILS_MAX = 1000 };

typedef struct details_ctx {
  sd_strmap map; /* domain -> ext char * */
  size_t max;
} details_ctx;

static void render_details(void *ctx, const cJSON *row, const char *domain, int listed) {
  details_ctx *d = ctx;
  if (!listed || d->map.len >= d->max || sd_strmap_find(&d->map, domain)) return;
  sd_domain_result r;
  if (sd_result_from_json(row, &r) != 0) return;
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  if (mem) {
    sd_render_text(mem, &r, 0);
    fclose(mem);
  }
  sd_domain_result_free(&r);
  sd_strmap_entry *e = text ? sd_strmap_get(&d->map, domain) : NULL;
  if (e && !e->ext) e->ext = text;
  else free(text);
}

/* The full lists go to DIR/domains.csv with --csv, else beside the page. */
static char *lists_path(const report_options *o) {
  if (o->csv_dir) return sd_asprintf("%s/domains.csv", o->csv_dir);
  return sd_asprintf("%s.domains.csv", o->html_path);
}

static int drill_down(report_input *in, int n, const sd_agg *total, const report_options *o, sd_drill *drill,
                      details_ctx *details, char **csv_path) {
  *csv_path = lists_path(o);
  if (o->csv_dir && mkdir(o->csv_dir, 0777) != 0 && errno != EEXIST) {
    fprintf(stderr, "stsdane report: cannot create CSV directory %s: %s\n", o->csv_dir, strerror(errno));
    return -1;
  }
  sd_atomic_file af;
  char err[512] = "out of memory";
  FILE *csv = *csv_path ? sd_atomic_open(&af, *csv_path, err, sizeof(err)) : NULL;
  if (!csv) {
    fprintf(stderr, "stsdane report: cannot write the domain lists: %s\n", err);
    return -1;
  }
  sd_drill_csv_header(csv);
  sd_drill_init(drill, total, SD_DRILL_DEFAULT_CAP, csv);
  drill->on_row = render_details;
  drill->ctx = details;
  for (int i = 0; i < n; i++) {
    if (sd_drill_add_stream(drill, in[i].f) != 0)
      fprintf(stderr, "stsdane report: read error in %s; its domain lists are incomplete\n", in[i].name);
    rewind(in[i].f);
  }
  drill->csv = NULL;
  if (drill->failed) {
    sd_atomic_abort(&af);
    fprintf(stderr, "stsdane report: memory ran out or a write failed while listing domains; %s was not written\n",
            *csv_path);
    return -1;
  }
  if (sd_atomic_commit(&af, err, sizeof(err)) != 0) {
    fprintf(stderr, "stsdane report: %s\n", err);
    return -1;
  }
  return 0;
}

static int emit(const report_options *o, cJSON *json, const sd_tables *tables, const char *title,
                const sd_report_page *page) {
  int rc = 0;
  if (o->csv_dir && sd_report_write_csv(o->csv_dir, tables) != 0) rc = -1;
  if (o->html_path && sd_report_write_html(o->html_path, tables, title, page) != 0) rc = -1;
  if (!o->quiet) {
    if (o->json) {
      char *text = cJSON_Print(json);
      if (text) printf("%s\n", text);
      free(text);
    } else {
      sd_report_render_text(stdout, tables, title);
    }
  }
  return rc;
}

static void warn_malformed(long long malformed, long long lines) {
  if (malformed)
    fprintf(stderr, "stsdane report: skipped %lld malformed line(s) of %lld (see the quality table)\n", malformed,
            lines);
}

static int report_single(char **paths, int n, const report_options *o) {
  report_input *in = calloc((size_t)n, sizeof(*in));
  sd_agg total;
  sd_agg_init(&total, o->threshold);
  sd_provenance prov = {0};
  if (!in || open_inputs(paths, n, in) != 0) {
    if (in) close_inputs(in, n);
    free(in);
    sd_agg_free(&total);
    return SD_EXIT_USAGE;
  }
  if (aggregate_files(in, n, &total, &prov) != 0) { /* not scan output: said on stderr */
    close_inputs(in, n);
    free(in);
    sd_provenance_free(&prov);
    sd_agg_free(&total);
    return SD_EXIT_USAGE;
  }
  warn_malformed(total.c[SD_AGG_MALFORMED], total.c[SD_AGG_LINES]);
  int rc = 0;
  sd_drill drill = {0};
  details_ctx details = {.map = {.ext_free = free}, .max = DETAILS_MAX};
  char *csv_path = NULL;
  sd_report_page page = {0};
  if (o->html_path || o->csv_dir) {
    rc = drill_down(in, n, &total, o, &drill, &details, &csv_path);
    page = (sd_report_page){.drill = &drill, .details = &details.map, .lists_csv = csv_path,
                            .details_max = DETAILS_MAX};
  }
  cJSON *json = sd_agg_to_json(&total);
  cJSON_AddItemToObject(json, "provenance", sd_provenance_json(&prov, &total));
  sd_tables tables = {0};
  sd_provenance_tables(&prov, &total, &tables);
  sd_report_tables(&total, &tables);
  if (emit(o, json, &tables, "stsdane report: MTA-STS and DANE measurement", &page) != 0) rc = -1;
  sd_tables_free(&tables);
  cJSON_Delete(json);
  sd_drill_free(&drill);
  sd_strmap_free(&details.map);
  free(csv_path);
  sd_provenance_free(&prov);
  sd_agg_free(&total);
  close_inputs(in, n);
  free(in);
  return rc == 0 ? SD_EXIT_OK : SD_EXIT_USAGE;
}

typedef struct snapshot_file {
  char *path;
  char *first;
} snapshot_file;

static int cmp_snapshot(const void *a, const void *b) {
  const snapshot_file *x = a, *y = b;
  if (!x->first || !y->first) return x->first ? -1 : y->first ? 1 : 0;
  return strcmp(x->first, y->first);
}

static int report_over_time(char **paths, int n, const report_options *o) {
  snapshot_file *files = calloc((size_t)n, sizeof(*files));
  if (!files) return SD_EXIT_USAGE;
  int rc = SD_EXIT_OK;
  for (int i = 0; i < n && rc == SD_EXIT_OK; i++) {
    if (strcmp(paths[i], "-") == 0) {
      fprintf(stderr, "stsdane report: --over-time needs files (each one snapshot), not stdin\n");
      rc = SD_EXIT_USAGE;
      break;
    }
    FILE *f = open_input(paths[i]);
    if (!f) {
      rc = SD_EXIT_USAGE;
      break;
    }
    files[i].path = paths[i];
    files[i].first = sd_history_first_scanned(f);
    close_input(f);
  }
  /* Stable order by the first scanned_at; ties keep the command-line order. */
  for (int i = 1; i < n && rc == SD_EXIT_OK; i++)
    for (int j = i; j > 0 && cmp_snapshot(&files[j - 1], &files[j]) > 0; j--) {
      snapshot_file t = files[j];
      files[j] = files[j - 1];
      files[j - 1] = t;
    }
  sd_history h;
  sd_history_init(&h, o->threshold > 0 ? o->threshold : SD_AGG_DEFAULT_PROVIDER_THRESHOLD);
  for (int i = 0; i < n && rc == SD_EXIT_OK; i++) {
    FILE *f = open_input(files[i].path);
    if (!f) {
      rc = SD_EXIT_USAGE;
      break;
    }
    if (sd_history_add(&h, f, files[i].first ? files[i].first : files[i].path) != 0)
      fprintf(stderr, "stsdane report: reading %s failed; its snapshot is incomplete\n", files[i].path);
    close_input(f);
    const long long *c = h.snapshots[h.count - 1].c;
    if (sd_cli_scan_input_verdict("report", files[i].path, c[SD_AGG_LINES], c[SD_AGG_LINES] - c[SD_AGG_MALFORMED]) < 0) {
      rc = SD_EXIT_USAGE;
      break;
    }
    warn_malformed(h.snapshots[h.count - 1].c[SD_AGG_MALFORMED], h.snapshots[h.count - 1].c[SD_AGG_LINES]);
  }
  if (rc == SD_EXIT_OK) {
    cJSON *json = sd_history_to_json(&h);
    sd_tables tables = {0};
    sd_history_tables(&h, &tables);
    if (emit(o, json, &tables, "stsdane report: MTA-STS and DANE over time", NULL) != 0) rc = SD_EXIT_USAGE;
    sd_tables_free(&tables);
    cJSON_Delete(json);
  }
  sd_history_free(&h);
  for (int i = 0; i < n; i++) free(files[i].first);
  free(files);
  return rc;
}

int sd_cmd_report(int argc, char **argv) {
  report_options o = {0};
  int first = parse_args(argc, argv, &o);
  if (first < 0) return SD_EXIT_USAGE;
  if (o.quiet && !o.csv_dir && !o.html_path) {
    fprintf(stderr, "stsdane report: --quiet without --csv or --html would produce nothing\n");
    return SD_EXIT_USAGE;
  }
  if (o.over_time) return report_over_time(argv + first, argc - first, &o);
  return report_single(argv + first, argc - first, &o);
}
