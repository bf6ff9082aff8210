#include "scan/input.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan/shard.h"
#include "util/escape.h"
#include "util/utf8.h"

/* CSV fields looked at per line; later fields are ignored. */
#define CSV_MAX_FIELDS 256

/* ---- the line reader ------------------------------------------------------ */

int sd_line_reader_init(sd_line_reader *r, FILE *fp, size_t cap) {
  memset(r, 0, sizeof(*r));
  r->fp = fp;
  r->cap = cap;
  r->buf = malloc(cap + 1);
  if (!r->buf) return -1;
  r->buf[0] = '\0';
  return 0;
}

void sd_line_reader_free(sd_line_reader *r) {
  free(r->buf);
  r->buf = NULL;
}

int sd_line_reader_next(sd_line_reader *r) {
  r->len = 0;
  r->full_len = 0;
  r->truncated = 0;
  r->unterminated = 0;
  int c;
  int got_any = 0;
  while ((c = getc(r->fp)) != EOF) {
    got_any = 1;
    r->offset++;
    if (c == '\n') break;
    r->full_len++;
    if (r->len < r->cap) r->buf[r->len++] = (char)c;
    else r->truncated = 1;
  }
  if (c == EOF) {
    if (ferror(r->fp)) return -1;
    if (!got_any) return 0;
    r->unterminated = 1;
  } else {
    r->end_of_complete = r->offset;
  }
  /* CRLF line ends: the CR belongs to the line end, not to the text. */
  if (!r->truncated && r->len && r->buf[r->len - 1] == '\r') {
    r->len--;
    r->full_len--;
  }
  r->buf[r->len] = '\0';
  r->line_no++;
  return 1;
}

/* ---- text checks and safe representation ---------------------------------- */

static int is_control(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

int sd_scan_text_clean(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < len) {
    if (is_control(p[i])) return 0;
    size_t n = sd_utf8_sequence(p + i, len - i);
    if (n == 0) return 0;
    i += n;
  }
  return 1;
}

void sd_scan_represent(const char *raw, size_t len, uint64_t full_len, char *out, size_t out_len) {
  if (out_len == 0) return;
  /* Leave room for the suffix; the suffix always holds a space, which no
   * domain name can contain, so the representation is never mistaken for one. */
  size_t limit = out_len > 48 ? out_len - 48 : 0;
  if (limit > SD_SCAN_SHOWN_MAX) limit = SD_SCAN_SHOWN_MAX;
  out[0] = '\0';
  int cut = len > 0;
  if (limit >= 4) cut = sd_escape_terminal_into(out, limit + 1, raw, len);
  size_t o = strlen(out);
  if (cut && o >= 3) o -= 3; /* the suffix says "..." together with the length */
  if (cut || full_len > len)
    snprintf(out + o, out_len - o, "... (%llu bytes)", (unsigned long long)full_len);
}

/* ---- CSV ------------------------------------------------------------------ */

typedef struct csv_field {
  const char *text;
  size_t len;
} csv_field;

/* Splits line into fields (RFC 4180 quoting: "a,b" and "" inside quotes),
 * unquoting into scratch (at least len + 1 bytes). Returns the field count. */
static size_t csv_split(const char *line, size_t len, char *scratch, csv_field *fields, size_t max) {
  size_t count = 0, i = 0, o = 0;
  while (count < max) {
    size_t start = o;
    int quoted = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i < len && line[i] == '"') {
      quoted = 1;
      i++;
    }
    while (i < len) {
      char c = line[i];
      if (quoted && c == '"') {
        if (i + 1 < len && line[i + 1] == '"') {
          scratch[o++] = '"';
          i += 2;
          continue;
        }
        quoted = 0;
        i++;
        continue;
      }
      if (!quoted && c == ',') break;
      scratch[o++] = c;
      i++;
    }
    fields[count++] = (csv_field){scratch + start, o - start};
    scratch[o++] = '\0';
    if (i >= len) break;
    i++; /* the comma */
  }
  return count;
}

static void trim(const char **s, size_t *len) {
  while (*len && ((*s)[0] == ' ' || (*s)[0] == '\t')) (*s)++, (*len)--;
  while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t')) (*len)--;
}

static int field_is(const csv_field *f, const char *name) {
  const char *s = f->text;
  size_t len = f->len;
  trim(&s, &len);
  return len == strlen(name) && strncasecmp(s, name, len) == 0;
}

static int parse_rank(const csv_field *f, long long *rank) {
  const char *s = f->text;
  size_t len = f->len;
  trim(&s, &len);
  if (len == 0 || len > 18) return 0;
  long long v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return 0;
    v = v * 10 + (s[i] - '0');
  }
  *rank = v;
  return 1;
}

static int looks_like_domain(const csv_field *f) {
  char name[SD_DOMAIN_MAX + 1], err[256];
  return sd_domain_normalize(f->text, f->len, name, sizeof(name), err, sizeof(err)) == 0;
}

/* ---- rows ----------------------------------------------------------------- */

int sd_input_init(sd_input *in, FILE *fp) {
  memset(in, 0, sizeof(*in));
  in->domain_col = -1;
  in->rank_col = -1;
  return sd_line_reader_init(&in->reader, fp, SD_SCAN_LINE_MAX);
}

void sd_input_free(sd_input *in) { sd_line_reader_free(&in->reader); }

static void set_invalid(sd_scan_row *row, const char *raw, size_t len, uint64_t full_len, const char *reason) {
  row->kind = SD_ROW_INVALID;
  snprintf(row->reason, sizeof(row->reason), "%s", reason);
  row->shard_key = sd_shard_hash(raw, len);
  if (full_len == len && len <= SD_SCAN_SHOWN_MAX && sd_scan_text_clean(raw, len)) {
    /* Shown as written: the evaluator rejects exactly this text again. */
    memcpy(row->text, raw, len);
    row->text[len] = '\0';
  } else {
    sd_scan_represent(raw, len, full_len, row->text, sizeof(row->text));
  }
}

/* Classifies one field (the whole line, or the chosen CSV column). */
static void classify(sd_scan_row *row, const char *raw, size_t len, uint64_t full_len) {
  char err[256];
  if (full_len > len) {
    char reason[160];
    snprintf(reason, sizeof(reason), "line %llu is %llu bytes long (at most %d read); not a domain name",
             (unsigned long long)row->line, (unsigned long long)full_len, SD_SCAN_LINE_MAX);
    set_invalid(row, raw, len, full_len, reason);
    return;
  }
  if (memchr(raw, '\0', len)) {
    set_invalid(row, raw, len, full_len, "the line contains a NUL byte (binary data?)");
    return;
  }
  if (!sd_scan_text_clean(raw, len)) {
    set_invalid(row, raw, len, full_len, "the line is not valid UTF-8 text or holds control characters");
    return;
  }
  if (sd_domain_normalize(raw, len, row->domain, sizeof(row->domain), err, sizeof(err)) != 0) {
    set_invalid(row, raw, len, full_len, err);
    return;
  }
  row->kind = SD_ROW_DOMAIN;
  row->shard_key = sd_shard_hash(row->domain, strlen(row->domain));
  memcpy(row->text, raw, len);
  row->text[len] = '\0';
}

/* A header names its columns; "domain" is required to recognise it. */
static int take_header(sd_input *in, const csv_field *fields, size_t n) {
  int domain = -1, rank = -1;
  for (size_t i = 0; i < n; i++) {
    if (domain < 0 && field_is(&fields[i], "domain")) domain = (int)i;
    if (rank < 0 && field_is(&fields[i], "rank")) rank = (int)i;
  }
  if (domain < 0) return 0;
  in->domain_col = domain;
  in->rank_col = rank;
  return 1;
}

/* Returns 1 when the line produced a row, 0 when it was a header. */
static int csv_row(sd_input *in, sd_scan_row *row, const char *line, size_t len, int first) {
  char scratch[SD_SCAN_LINE_MAX + CSV_MAX_FIELDS + 1];
  csv_field fields[CSV_MAX_FIELDS];
  size_t n = csv_split(line, len, scratch, fields, CSV_MAX_FIELDS);
  if (first && take_header(in, fields, n)) return 0;
  int col = in->domain_col, rank_col = in->rank_col;
  if (col < 0) {
    /* No header: the last field that is a domain name, else the last one. */
    for (size_t i = n; i-- > 0;)
      if (looks_like_domain(&fields[i])) {
        col = (int)i;
        break;
      }
    if (col < 0) {
      char reason[160];
      snprintf(reason, sizeof(reason), "no field of this CSV line is a valid domain name");
      set_invalid(row, line, len, len, reason);
      return 1;
    }
    if (col != 0) rank_col = 0;
  }
  if ((size_t)col >= n) {
    char reason[160];
    snprintf(reason, sizeof(reason), "this CSV line has %zu fields; the domain column is number %d", n, col + 1);
    set_invalid(row, line, len, len, reason);
    return 1;
  }
  const char *s = fields[col].text;
  size_t flen = fields[col].len;
  trim(&s, &flen);
  classify(row, s, flen, flen);
  if (rank_col >= 0 && rank_col != col && (size_t)rank_col < n)
    row->has_rank = parse_rank(&fields[rank_col], &row->rank);
  return 1;
}

static int is_skippable(const char *s, size_t len) {
  size_t i = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
  return i == len || s[i] == '#';
}

int sd_input_next(sd_input *in, sd_scan_row *row) {
  for (;;) {
    int rc = sd_line_reader_next(&in->reader);
    if (rc <= 0) return rc;
    sd_line_reader *r = &in->reader;
    const char *line = r->buf;
    size_t len = r->len;
    /* A UTF-8 byte order mark at the start of the file is not text. */
    if (r->line_no == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) line += 3, len -= 3;
    if (!r->truncated && is_skippable(line, len)) {
      in->skipped++;
      continue;
    }
    /* Reset field by field: clearing the whole row (5 KiB) per line is waste. */
    row->kind = SD_ROW_INVALID;
    row->text[0] = row->domain[0] = row->reason[0] = '\0';
    row->shard_key = 0;
    row->has_rank = 0;
    row->rank = 0;
    row->line = r->line_no;
    int first = !in->seen_content;
    in->seen_content = 1;
    if (r->truncated) {
      classify(row, line, len, r->full_len);
      return 1;
    }
    const char *trimmed = line;
    size_t tlen = len;
    trim(&trimmed, &tlen);
    if (memchr(trimmed, ',', tlen)) {
      if (csv_row(in, row, trimmed, tlen, first)) return 1;
      in->skipped++;
      continue;
    }
    if (first && tlen == 6 && strncasecmp(trimmed, "domain", 6) == 0) {
      /* A one-column CSV with its header. */
      in->domain_col = 0;
      in->skipped++;
      continue;
    }
    classify(row, trimmed, tlen, tlen);
    return 1;
  }
}
