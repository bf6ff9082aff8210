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

/* Chart geometry. Text is 12px; CHAR_W over-estimates the advance of a
 * character of the sans-serif fonts browsers pick, so a label column sized
 * from its longest line holds it (tests/report/html_layout.py checks every
 * label's box in Chromium). Labels wrap at LABEL_WRAP characters. */
enum { ROW_H = 22, LINE_H = 14, STACK_AREA_W = 600, BAR_AREA_W = 300, VALUE_W = 110, LABEL_WRAP = 44,
       LABEL_LINES = 3, CHAR_W10 = 75 /* tenths of a pixel */, LEGEND_W = 100 };

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
    /* input paths and SHA-256 digests have no break opportunity: a clone at
     * a longer path made the page wider than the window */
    "#t-inputs td{overflow-wrap:anywhere}"
    "@media print{body{margin:0;max-width:none}nav{display:none}figure,table{break-inside:avoid}"
    "h2{break-before:auto}}";

static void put_html(FILE *out, const char *s) {
  char *e = sd_escape_html(s ? s : "");
  fputs(e ? e : "", out);
  free(e);
}

/* A label split into at most LABEL_LINES lines of at most LABEL_WRAP bytes,
 * at spaces where it can (the table below a chart shows every label whole). */
typedef struct label_lines {
  char line[LABEL_LINES][LABEL_WRAP + 4];
  int count;
} label_lines;

static void wrap_label(const char *s, label_lines *out) {
  memset(out, 0, sizeof(*out));
  const char *p = s ? s : "";
  while (*p && out->count < LABEL_LINES) {
    size_t n = strlen(p);
    if (n > LABEL_WRAP) {
      n = LABEL_WRAP;
      size_t space = n;
      while (space > LABEL_WRAP / 2 && p[space] != ' ') space--;
      if (p[space] == ' ') n = space;
      while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80) n--; /* keep UTF-8 whole */
    }
    int last = out->count == LABEL_LINES - 1 && strlen(p) > n;
    snprintf(out->line[out->count], sizeof(out->line[0]), "%.*s%s", (int)n, p, last ? "..." : "");
    out->count++;
    p += n;
    while (*p == ' ') p++;
  }
  if (out->count == 0) out->count = 1;
}

/* Characters (not bytes) of a UTF-8 string. */
static size_t text_chars(const char *s) {
  size_t n = 0;
  for (; s && *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

static int text_width(const char *s) { return (int)(text_chars(s) * CHAR_W10 / 10) + 4; }

/* The width of the widest wrapped line of any row label (column 0). */
static int label_column_width(const sd_table *tb) {
  int w = 40;
  for (size_t r = 0; r < tb->nrows; r++) {
    const sd_cell *label = sd_table_cell(tb, r, 0);
    label_lines l;
    wrap_label(label && label->text ? label->text : "", &l);
    for (int i = 0; i < l.count; i++)
      if (text_width(l.line[i]) > w) w = text_width(l.line[i]);
  }
  return w + 8;
}

/* A wrapped label right-aligned at x, its lines centred on y_mid. */
static void put_label_text(FILE *out, int x, double y_mid, const char *s) {
  label_lines l;
  wrap_label(s, &l);
  double y = y_mid - (l.count - 1) * LINE_H / 2.0 + 4;
  fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">", x, y);
  for (int i = 0; i < l.count; i++) {
    fprintf(out, "<tspan x=\"%d\" dy=\"%d\">", x, i ? LINE_H : 0);
    put_html(out, l.line[i]);
    fputs("</tspan>", out);
  }
  fputs("</text>", out);
}

static int row_height(const sd_table *tb, size_t r) {
  const sd_cell *label = sd_table_cell(tb, r, 0);
  label_lines l;
  wrap_label(label && label->text ? label->text : "", &l);
  int h = l.count * LINE_H + 8;
  return h > ROW_H ? h : ROW_H;
}

static void svg_open(FILE *out, int w, int h, const char *title) {
  fprintf(out, "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
               "viewBox=\"0 0 %d %d\"><title>", w, h, w, h);
  put_html(out, title);
  fputs("</title>\n", out);
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
  int label_w = label_column_width(tb), h = 8;
  for (size_t r = 0; r < tb->nrows; r++) h += row_height(tb, r);
  svg_open(out, label_w + BAR_AREA_W + VALUE_W, h, tb->title);
  fprintf(out, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" stroke=\"#9e9e9e\"/>\n", label_w, label_w, h);
  int y = 4;
  for (size_t r = 0; r < tb->nrows; r++) {
    const sd_cell *label = sd_table_cell(tb, r, 0), *v = first_numeric(tb, r);
    int rh = row_height(tb, r);
    if (v) {
      double s = share(v->n, v->d);
      if (s > 1) s = 1;
      int w = (int)(s * BAR_AREA_W + 0.5);
      double mid = y + rh / 2.0;
      put_label_text(out, label_w - 6, mid, label && label->text ? label->text : "");
      fprintf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%d\" fill=\"#1565c0\"/>", label_w,
              mid - (ROW_H - 6) / 2.0, w, ROW_H - 6);
      char pct[32];
      fprintf(out, "<text x=\"%d\" y=\"%.1f\">%lld (%s)</text>\n", label_w + w + 6, mid + 4, v->n,
              sd_percent(v->n, v->d, pct, sizeof(pct)));
    }
    y += rh;
  }
  fputs("</svg></figure>\n", out);
}

/* A legend of the numeric columns: one entry per line at the right. */
static void legend(FILE *out, const sd_table *tb, int x, int y0, int first_col) {
  for (size_t c = (size_t)first_col; c < tb->ncols; c++) {
    int y = y0 + (int)(c - (size_t)first_col) * 18;
    fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">", x,
            y, palette[(c - (size_t)first_col) % 8], x + 16, y + 11);
    put_html(out, tb->cols[c]);
    fputs("</text>\n", out);
  }
}

static int legend_width(const sd_table *tb, int first_col) {
  int w = LEGEND_W;
  for (size_t c = (size_t)first_col; c < tb->ncols; c++)
    if (text_width(tb->cols[c]) + 24 > w) w = text_width(tb->cols[c]) + 24;
  return w;
}

static void stacked_chart(FILE *out, const sd_table *tb) {
  int label_w = label_column_width(tb), leg_w = legend_width(tb, 1), h = 8;
  for (size_t r = 0; r < tb->nrows; r++) h += row_height(tb, r) + 4;
  int leg_h = (int)(tb->ncols - 1) * 18 + 8;
  svg_open(out, label_w + STACK_AREA_W + 16 + leg_w, h > leg_h ? h : leg_h, tb->title);
  legend(out, tb, label_w + STACK_AREA_W + 16, 4, 1);
  int y = 4;
  for (size_t r = 0; r < tb->nrows; r++) {
    const sd_cell *label = sd_table_cell(tb, r, 0);
    int rh = row_height(tb, r);
    long long total = 0;
    for (size_t c = 1; c < tb->ncols; c++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      if (v && !v->text && v->n > 0) total += v->n;
    }
    double mid = y + rh / 2.0;
    put_label_text(out, label_w - 6, mid, label && label->text ? label->text : "");
    double x = label_w;
    for (size_t c = 1; c < tb->ncols; c++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      if (!v || v->text || v->n <= 0 || total <= 0) continue;
      double w = share(v->n, total) * STACK_AREA_W;
      fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>", x,
              mid - (ROW_H - 4) / 2.0, w, ROW_H - 4, palette[(c - 1) % 8]);
      put_html(out, tb->cols[c]);
      fprintf(out, ": %lld</title></rect>", v->n);
      x += w;
    }
    fputs("\n", out);
    y += rh + 4;
  }
  fputs("</svg></figure>\n", out);
}

/* One line per numeric column with a denominator, across the rows (the
 * snapshots, numbered on the x axis as in the table's first column order),
 * each point the share of its denominator; y from 0 to 100%. */
static void lines_chart(FILE *out, const sd_table *tb) {
  enum { PLOT_W = 520, PLOT_H = 220, AXIS_W = 44, TOP = 10, BOTTOM = 40 };
  int first = 1;
  while ((size_t)first < tb->ncols) { /* skip count-only columns (no denominator) */
    const sd_cell *c0 = sd_table_cell(tb, 0, (size_t)first);
    if (c0 && !c0->text && c0->d > 0) break;
    first++;
  }
  int leg_w = legend_width(tb, first), w = AXIS_W + PLOT_W + 24 + leg_w, h = TOP + PLOT_H + BOTTOM;
  svg_open(out, w, h, tb->title);
  for (int pct = 0; pct <= 100; pct += 25) {
    double y = TOP + PLOT_H - PLOT_H * pct / 100.0;
    fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e0e0e0\"/>"
                 "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d%%</text>\n",
            AXIS_W, y, AXIS_W + PLOT_W, y, AXIS_W - 6, y + 4, pct);
  }
  size_t n = tb->nrows;
  double step = n > 1 ? (double)(PLOT_W - 40) / (double)(n - 1) : 0;
  for (size_t r = 0; r < n; r++) {
    double x = AXIS_W + 20 + step * (double)r;
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%zu</text>\n", x, TOP + PLOT_H + 16, r + 1);
  }
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">snapshot (as numbered in the table)</text>\n",
          AXIS_W + PLOT_W / 2, TOP + PLOT_H + 34);
  for (size_t c = (size_t)first; c < tb->ncols; c++) {
    const char *color = palette[(c - (size_t)first) % 8];
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color);
    for (size_t r = 0; r < n; r++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      double s = v && !v->text ? share(v->n, v->d) : 0;
      fprintf(out, "%s%.1f,%.1f", r ? " " : "", AXIS_W + 20 + step * (double)r, TOP + PLOT_H - PLOT_H * (s > 1 ? 1 : s));
    }
    fputs("\"/>\n", out);
    for (size_t r = 0; r < n; r++) {
      const sd_cell *v = sd_table_cell(tb, r, c);
      double s = v && !v->text ? share(v->n, v->d) : 0;
      char pct[32];
      fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>", AXIS_W + 20 + step * (double)r,
              TOP + PLOT_H - PLOT_H * (s > 1 ? 1 : s), color);
      put_html(out, tb->cols[c]);
      fprintf(out, ", snapshot %zu: %lld (%s)</title></circle>", r + 1, v ? v->n : 0,
              sd_percent(v ? v->n : 0, v ? v->d : 0, pct, sizeof(pct)));
    }
  }
  legend(out, tb, AXIS_W + PLOT_W + 24, TOP, first);
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
    if (tb->chart == SD_CHART_LINES && tb->nrows) lines_chart(out, tb);
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
