/* `stsdane report --html FILE`: one self-contained page. Inline CSS, inline
 * SVG charts drawn here, no script, no font, no external resource (a
 * Content-Security-Policy forbids loading any). Every string from the scan
 * results goes through sd_escape_html. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/report_render.h"
#include "util/escape.h"
#include "util/atomic_file.h"
#include "util/str.h"

enum { CHART_WIDTH = 760, BAR_LABEL_W = 330, BAR_AREA_W = 300, ROW_H = 22, STACK_LABEL_W = 130,
       STACK_AREA_W = 600, LABEL_MAX = 58 };

static const char *const palette[] = {"#2e7d32", "#9ccc65", "#bdbdbd", "#c62828", "#64b5f6", "#8e24aa",
                                      "#ff8f00", "#00838f"};

static const char style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:64em;"
    "color:#212121;padding:0 1em}"
    "h1{font-size:1.6em}h2{border-bottom:2px solid #1565c0;padding-bottom:.2em;margin-top:2em}"
    "h3{font-size:1.05em;margin:1.4em 0 .3em}"
    "p.den{color:#555;font-size:.9em;margin:.1em 0 .5em}"
    "table{border-collapse:collapse;font-size:.88em;margin:.4em 0 1em}"
    "th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}"
    "th:first-child,td:first-child{text-align:left}th{background:#f5f5f5}"
    "svg{display:block;margin:.4em 0 1em;max-width:100%}svg text{font-size:12px;fill:#212121}"
    "nav ul{columns:2}td a{color:#0d47a1}details{margin:.2em 0}details.list ul{columns:3;font-size:.88em}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.82em;background:#fafafa;padding:.5em}"
    "@media print{body{margin:0;max-width:none}nav{display:none}figure,table{break-inside:avoid}"
    "h2{break-before:auto}}";

static void put_html(FILE *out, const char *s) {
  char *e = sd_escape_html(s ? s : "");
  fputs(e ? e : "", out);
  free(e);
}

/* A label cut to LABEL_MAX bytes for a chart (the table shows it whole). */
static void put_label(FILE *out, const char *s) {
  char buf[LABEL_MAX + 4];
  size_t n = s ? strlen(s) : 0;
  if (n > LABEL_MAX) {
    size_t cut = LABEL_MAX;
    while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--; /* keep UTF-8 whole */
    memcpy(buf, s, cut);
    memcpy(buf + cut, "...", 4);
  } else {
    snprintf(buf, sizeof(buf), "%s", s ? s : "");
  }
  put_html(out, buf);
}

static double share(long long n, long long d) { return d > 0 ? (double)n / (double)d : 0; }

static const sd_cell *first_numeric(const sd_table *tb, size_t row) {
  for (size_t c = 1; c < tb->ncols; c++) {
    const sd_cell *cell = sd_table_cell(tb, row, c);
    if (cell && !cell->text) return cell;
  }
  return NULL;
}

static void bars_chart(FILE *out, const sd_table *tb) {
  size_t h = tb->nrows * ROW_H + 8;
  fprintf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" role=\"img\" "
               "viewBox=\"0 0 %d %zu\"><title>", CHART_WIDTH, h, CHART_WIDTH, h);
  put_html(out, tb->title);
  fputs("</title>\n", out);
  fprintf(out, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%zu\" stroke=\"#9e9e9e\"/>\n", BAR_LABEL_W, BAR_LABEL_W, h);
  for (size_t r = 0; r < tb->nrows; r++) {
    const sd_cell *label = sd_table_cell(tb, r, 0), *v = first_numeric(tb, r);
    if (!v) continue;
    double s = share(v->n, v->d);
    if (s > 1) s = 1;
    int w = (int)(s * BAR_AREA_W + 0.5);
    size_t y = r * ROW_H + 4;
    fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", BAR_LABEL_W - 6, y + 14);
    put_label(out, label && label->text ? label->text : "");
    fprintf(out, "</text><rect x=\"%d\" y=\"%zu\" width=\"%d\" height=\"%d\" fill=\"#1565c0\"/>", BAR_LABEL_W, y + 2, w,
            ROW_H - 6);
    char pct[32];
    fprintf(out, "<text x=\"%d\" y=\"%zu\">%lld (%s)</text>\n", BAR_LABEL_W + w + 6, y + 14, v->n,
            sd_percent(v->n, v->d, pct, sizeof(pct)));
  }
  fputs("</svg></figure>\n", out);
}

static void stacked_chart(FILE *out, const sd_table *tb) {
  size_t legend_h = 26, h = legend_h + tb->nrows * (ROW_H + 4) + 8;
  fprintf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%zu\" role=\"img\" "
               "viewBox=\"0 0 %d %zu\"><title>", CHART_WIDTH, h, CHART_WIDTH, h);
  put_html(out, tb->title);
  fputs("</title>\n", out);
  for (size_t c = 1; c < tb->ncols; c++) {
    int x = STACK_LABEL_W + (int)(c - 1) * 88; /* seven legend entries fit in CHART_WIDTH */
    fprintf(out, "<rect x=\"%d\" y=\"4\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"15\">", x,
            palette[(c - 1) % 8], x + 16);
    put_label(out, tb->cols[c]);
    fputs("</text>\n", out);
  }
  for (size_t r = 0; r < tb->nrows; r++) {
    const sd_cell *label = sd_table_cell(tb, r, 0);
    long long total = 0;
    for (size_t c = 1; c < tb->ncols; c++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      if (v && !v->text && v->n > 0) total += v->n;
    }
    size_t y = legend_h + r * (ROW_H + 4);
    fprintf(out, "<text x=\"%d\" y=\"%zu\" text-anchor=\"end\">", STACK_LABEL_W - 6, y + 15);
    put_label(out, label && label->text ? label->text : "");
    fputs("</text>", out);
    double x = STACK_LABEL_W;
    for (size_t c = 1; c < tb->ncols; c++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      if (!v || v->text || v->n <= 0 || total <= 0) continue;
      double w = share(v->n, total) * STACK_AREA_W;
      fprintf(out, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x, y + 2, w,
              ROW_H - 4, palette[(c - 1) % 8]);
      put_html(out, tb->cols[c]);
      fprintf(out, ": %lld</title></rect>", v->n);
      x += w;
    }
    fputs("\n", out);
  }
  fputs("</svg></figure>\n", out);
}

/* An id safe in a URL fragment: [a-z0-9.-] kept, anything else as _XX. */
static void put_id(FILE *out, const char *prefix, const char *s) {
  fputs(prefix, out);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-') fputc(*p, out);
    else fprintf(out, "_%02X", *p);
  }
}

/* The list behind a cell, when the page has one and it is not empty. */
static const sd_drill_list *cell_list(const sd_report_page *page, const sd_table *tb, size_t r, size_t c,
                                      long long *total) {
  *total = 0;
  if (!page || !page->drill || !sd_cell_counts_domains(tb, r, c)) return NULL;
  const sd_cell *label = sd_table_cell(tb, r, 0);
  const sd_drill_list *l =
      sd_drill_find(page->drill, tb->id, label && label->text ? label->text : "", tb->cols[c], total);
  return *total > 0 ? l : NULL;
}

static void list_anchor(FILE *out, const sd_table *tb, size_t r, size_t c) {
  fprintf(out, "l-%s-%zu-%zu", tb->id, r, c);
}

static void numeric_cell(FILE *out, const sd_cell *cell, const sd_table *tb, size_t r, size_t c,
                         const sd_report_page *page) {
  char pct[32];
  long long total;
  if (cell_list(page, tb, r, c, &total)) {
    fputs("<a href=\"#", out);
    list_anchor(out, tb, r, c);
    fprintf(out, "\">%lld</a>", cell->n);
  } else {
    fprintf(out, "%lld", cell->n);
  }
  if (cell->d > 0) fprintf(out, " <small>(%s)</small>", sd_percent(cell->n, cell->d, pct, sizeof(pct)));
}

static void html_table(FILE *out, const sd_table *tb, const sd_report_page *page) {
  fputs("<table><thead><tr>", out);
  for (size_t c = 0; c < tb->ncols; c++) {
    fputs("<th>", out);
    put_html(out, tb->cols[c]);
    fputs("</th>", out);
  }
  fputs("</tr></thead><tbody>\n", out);
  for (size_t r = 0; r < tb->nrows; r++) {
    fputs("<tr>", out);
    for (size_t c = 0; c < tb->ncols; c++) {
      const sd_cell *cell = sd_table_cell(tb, r, c);
      fputs("<td>", out);
      if (cell && cell->text) put_html(out, cell->text);
      else if (cell) numeric_cell(out, cell, tb, r, c, page);
      fputs("</td>", out);
    }
    fputs("</tr>\n", out);
  }
  if (tb->nrows == 0) fprintf(out, "<tr><td colspan=\"%zu\">(none)</td></tr>\n", tb->ncols);
  fputs("</tbody></table>\n", out);
}

static void section_anchor(char *out, size_t len, const char *section) {
  size_t j = 0;
  for (size_t i = 0; section[i] && j + 1 < len; i++) {
    char c = section[i];
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out[j++] = c;
    else if (c >= 'A' && c <= 'Z') out[j++] = (char)(c - 'A' + 'a');
    else if (j && out[j - 1] != '-') out[j++] = '-';
  }
  out[j] = '\0';
}

/* Every list behind a count: a closed <details> each (no script), the id on
 * its list so that following a link opens it. */
static void drill_lists(FILE *out, const sd_tables *t, const sd_report_page *page) {
  fputs("<h2 id=\"lists\">Domains behind the counts</h2>\n<p class=\"den\">Each count above links here. ", out);
  fprintf(out, "A list shows at most %zu domains", page->drill->cap);
  if (page->lists_csv) {
    fputs("; every list in full is in <code>", out);
    put_html(out, page->lists_csv);
    fputs("</code> (columns table, row, column, domain)", out);
  }
  fputs(".</p>\n", out);
  for (size_t i = 0; i < t->count; i++) {
    const sd_table *tb = &t->items[i];
    for (size_t r = 0; r < tb->nrows; r++)
      for (size_t c = 1; c < tb->ncols; c++) {
        long long total;
        const sd_drill_list *l = cell_list(page, tb, r, c, &total);
        if (!l) continue;
        const sd_cell *label = sd_table_cell(tb, r, 0);
        fputs("<details class=\"list\"><summary>", out);
        put_html(out, tb->title);
        fputs(": ", out);
        put_html(out, label && label->text ? label->text : "");
        fputs(" &mdash; ", out);
        put_html(out, tb->cols[c]);
        fprintf(out, " (%lld)</summary><ul id=\"", total);
        list_anchor(out, tb, r, c);
        fputs("\">", out);
        for (size_t k = 0; k < l->kept; k++) {
          const char *d = l->domains[k];
          int linked = page->details && sd_strmap_find(page->details, d);
          fputs("<li>", out);
          if (linked) {
            fputs("<a href=\"#", out);
            put_id(out, "d-", d);
            fputs("\">", out);
          }
          put_html(out, d);
          fputs(linked ? "</a></li>" : "</li>", out);
        }
        fputs("</ul>", out);
        if ((long long)l->kept < total) {
          fprintf(out, "<p class=\"den\">%lld more not shown", total - (long long)l->kept);
          if (page->lists_csv) {
            fputs(": see <code>", out);
            put_html(out, page->lists_csv);
            fputs("</code>", out);
          }
          fputs(".</p>", out);
        }
        fputs("</details>\n", out);
      }
  }
}

static int cmp_key(const void *a, const void *b) {
  return strcmp((*(const sd_strmap_entry *const *)a)->key, (*(const sd_strmap_entry *const *)b)->key);
}

/* Each listed domain as `stsdane check` prints it (the same renderer). */
static void domain_sections(FILE *out, const sd_report_page *page) {
  size_t n;
  const sd_strmap_entry **sorted = sd_strmap_sorted(page->details, &n, cmp_key);
  fprintf(out, "<h2 id=\"domains\">Domains</h2>\n<p class=\"den\">%zu domain(s) as <code>stsdane check</code> "
               "prints them: outcome per sender profile, protection, conflicts, findings and remedies",
          n);
  if (page->details_max) fprintf(out, " (at most %zu: the first domains that appear in a list)", page->details_max);
  fputs(".</p>\n", out);
  for (size_t i = 0; sorted && i < n; i++) {
    fputs("<details class=\"domain\"><summary>", out);
    put_html(out, sorted[i]->key);
    fputs("</summary><pre id=\"", out);
    put_id(out, "d-", sorted[i]->key);
    fputs("\">", out);
    put_html(out, sorted[i]->ext);
    fputs("</pre></details>\n", out);
  }
  free(sorted);
}

void sd_report_render_html(FILE *out, const sd_tables *t, const char *title) {
  sd_report_render_html_page(out, t, title, NULL);
}

void sd_report_render_html_page(FILE *out, const sd_tables *t, const char *title, const sd_report_page *page) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", out);
  put_html(out, title);
  fprintf(out, "</title>\n<style>%s</style></head><body>\n<h1>", style);
  put_html(out, title);
  fputs("</h1>\n<nav><ul>\n", out);
  const char *section = NULL;
  char anchor[96];
  for (size_t i = 0; i < t->count; i++) {
    if (section && strcmp(section, t->items[i].section) == 0) continue;
    section = t->items[i].section;
    section_anchor(anchor, sizeof(anchor), section);
    fprintf(out, "<li><a href=\"#%s\">", anchor);
    put_html(out, section);
    fputs("</a></li>\n", out);
  }
  if (page && page->drill) fputs("<li><a href=\"#lists\">Domains behind the counts</a></li>\n", out);
  if (page && page->details) fputs("<li><a href=\"#domains\">Domains</a></li>\n", out);
  fputs("</ul></nav>\n", out);
  section = NULL;
  for (size_t i = 0; i < t->count; i++) {
    const sd_table *tb = &t->items[i];
    if (!section || strcmp(section, tb->section) != 0) {
      section = tb->section;
      section_anchor(anchor, sizeof(anchor), section);
      fprintf(out, "<h2 id=\"%s\">", anchor);
      put_html(out, section);
      fputs("</h2>\n", out);
    }
    fprintf(out, "<section id=\"t-%s\"><h3>", tb->id);
    put_html(out, tb->title);
    fputs("</h3>\n", out);
    if (tb->denominator && *tb->denominator) {
      fputs("<p class=\"den\">Percentages: ", out);
      put_html(out, tb->denominator);
      fputs("</p>\n", out);
    }
    if (tb->chart == SD_CHART_BARS && tb->nrows) bars_chart(out, tb);
    if (tb->chart == SD_CHART_STACKED && tb->nrows) stacked_chart(out, tb);
    html_table(out, tb, page);
    fputs("</section>\n", out);
  }
  if (page && page->drill) drill_lists(out, t, page);
  if (page && page->details) domain_sections(out, page);
  fputs("<p class=\"den\">Generated by stsdane " STSDANE_VERSION ".</p>\n</body></html>\n", out);
}

int sd_report_write_html(const char *path, const sd_tables *t, const char *title, const sd_report_page *page) {
  sd_atomic_file af;
  char err[512];
  FILE *f = sd_atomic_open(&af, path, err, sizeof(err));
  if (!f) {
    fprintf(stderr, "stsdane report: cannot write the HTML report: %s\n", err);
    return -1;
  }
  sd_report_render_html_page(f, t, title, page);
  if (sd_atomic_commit(&af, err, sizeof(err)) != 0) {
    fprintf(stderr, "stsdane report: %s\n", err);
    return -1;
  }
  return 0;
}
