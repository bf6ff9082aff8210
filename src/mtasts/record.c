/*
 * The MTA-STS TXT record (RFC 8461 §3.1) and the small text helpers the
 * TLSRPT and policy parsers share.
 *
 * Decisions (see rfc-checklist A1):
 * - Only records starting with exactly "v=STSv1;" are MTA-STS records. A
 *   record that starts with "v=STS" in any case after optional blanks, but not
 *   exactly with "v=STSv1;" ("v=stsv1;", "v=STSv2;", "v=STSv1" alone,
 *   "v=STSv1 ;", " v=STSv1;") is a botched MTA-STS record: senders drop it, so
 *   when no proper record exists the status is INVALID with
 *   sts-record-bad-version (rather than ABSENT, which would hide the mistake).
 *   When exactly one proper record exists, botched ones are ignored like
 *   senders ignore them (a future "v=STSv2;" may legitimately sit beside it).
 * - "v=STSv1" *WSP ";" is the start the grammar allows (sts-sep is
 *   *WSP ";" *WSP); with blanks before the ';' it is accepted with the
 *   warning sts-record-version-blank, because §3.1 also says records that
 *   do not begin with "v=STSv1;" are discarded, and senders do just that.
 * - Field names are case-sensitive: the grammar writes %s"id=" (RFC 7405),
 *   so "ID=" is an extension field, not the id (and the record has no id).
 * - A record whose first field is not v=STSv1 but which has a v=STSv1
 *   field later, or which starts with a quote character (the zone-file
 *   quotes published as data), is a botched MTA-STS record too.
 * - Whitespace around "=" is not in the grammar: sts-record-syntax.
 * - An empty field (";;") is not in the grammar: sts-record-syntax.
 * - Duplicate fields: first wins, sts-record-duplicate-field (warning).
 */
#include "mtasts/record.h"
#include "util/escape.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


#define WHERE "record"
#define STS_ID_MAX 32
/* A hostile record may hold thousands of broken fields: report the first
 * few; the status reflects all of them. */
#define MAX_FINDINGS_PER_RECORD 16
/* Fields remembered for duplicate detection; bounds the quadratic check. */
#define MAX_TRACKED_FIELDS 64
#define MAX_REPORTED_BOTCHED 8

static int is_wsp(char c) { return c == ' ' || c == '\t'; }

static int is_alnum_ascii(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int sd_sts_ext_name_valid(const char *name, size_t len) {
  if (!name || len < 1 || len > 32 || !is_alnum_ascii(name[0])) return 0;
  for (size_t i = 1; i < len; i++)
    if (!is_alnum_ascii(name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.') return 0;
  return 1;
}

int sd_sts_ext_value_valid(const char *value, size_t len) {
  if (!value || len < 1) return 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)value[i];
    if (c < 0x21 || c > 0x7e || c == ';' || c == '=') return 0;
  }
  return 1;
}

int sd_sts_next_field(const char **cursor, const char *end, const char **field,
                      size_t *field_len) {
  const char *p = *cursor;
  if (p >= end) return 0;
  if (*p == ';') p++; /* the separator before this field */
  while (p < end && is_wsp(*p)) p++;
  if (p >= end) {
    *cursor = end; /* only a trailing separator was left */
    return 0;
  }
  const char *start = p;
  while (p < end && *p != ';') p++;
  const char *stop = p;
  while (stop > start && is_wsp(stop[-1])) stop--;
  *field = start;
  *field_len = (size_t)(stop - start);
  *cursor = p;
  return 1;
}

typedef struct record_parser {
  sd_findings *findings;
  size_t reported;
  int errors;
  int id_seen;
  int id_other_case; /* a field "ID=" or "Id=": not the id */
  char id[STS_ID_MAX + 1];
  const char *seen_keys[MAX_TRACKED_FIELDS];
  size_t seen_lens[MAX_TRACKED_FIELDS];
  size_t seen_count;
} record_parser;

__attribute__((format(printf, 3, 4))) static sd_finding *
report(record_parser *rp, sd_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_finding *f = sd_findings_add_boundedv(rp->findings, &rp->errors, &rp->reported,
                                           MAX_FINDINGS_PER_RECORD, code, WHERE, fmt, ap);
  va_end(ap);
  return f;
}

/* Field names are case-sensitive (%s in the grammar, RFC 7405). */
static int key_is(const char *key, size_t len, const char *name) {
  return len == strlen(name) && memcmp(key, name, len) == 0;
}

/* Remembers key; returns 1 when it was already seen (a duplicate). */
static int seen_before(record_parser *rp, const char *key, size_t len) {
  for (size_t i = 0; i < rp->seen_count; i++)
    if (rp->seen_lens[i] == len && memcmp(rp->seen_keys[i], key, len) == 0) return 1;
  if (rp->seen_count < MAX_TRACKED_FIELDS) {
    rp->seen_keys[rp->seen_count] = key;
    rp->seen_lens[rp->seen_count++] = len;
  }
  return 0;
}

/* A suggestion for a bad id: its letters and digits, or a date-like id. */
static void suggest_id(char out[STS_ID_MAX + 1], const char *value, size_t len) {
  size_t o = 0;
  for (size_t i = 0; i < len && o < STS_ID_MAX; i++)
    if (is_alnum_ascii(value[i])) out[o++] = value[i];
  out[o] = '\0';
  if (o == 0) strcpy(out, "20240101000000");
}

static void check_id(record_parser *rp, const char *value, size_t len) {
  char q[SD_QUOTE_SIZE];
  const char *why = NULL;
  if (len == 0) why = "is empty";
  else if (len > STS_ID_MAX) why = "is longer than 32 characters";
  else if (memchr(value, '"', len))
    why = "contains quote characters (quotes delimit text in a zone file; here they are part of the data)";
  for (size_t i = 0; !why && i < len; i++)
    if (!is_alnum_ascii(value[i])) why = "contains a character that is not a letter or digit";
  if (!why) {
    memcpy(rp->id, value, len);
    rp->id[len] = '\0';
    return;
  }
  sd_finding *f = report(rp, SD_C_STS_RECORD_BAD_ID, "id \"%s\" %s (RFC 8461 §3.1 allows 1 to 32 letters and digits)",
                         sd_quote_detail(q, value, len), why);
  char suggestion[STS_ID_MAX + 1];
  suggest_id(suggestion, value, len);
  sd_finding_set_remedy(f, "publish an id of letters and digits only, e.g. id=%s", suggestion);
}

static void check_extension(record_parser *rp, const char *field, size_t len, size_t key_len) {
  const char *value = field + key_len + 1;
  size_t value_len = len - key_len - 1;
  if (sd_sts_ext_name_valid(field, key_len) && sd_sts_ext_value_valid(value, value_len)) return;
  char q[SD_QUOTE_SIZE];
  const char *why = sd_sts_ext_name_valid(field, key_len)
                        ? "its value must be 1 or more printable characters without space, ';' or '='"
                        : "its name must be a letter or digit followed by up to 31 letters, digits, '_', '-' or '.'";
  sd_finding *f = report(rp, SD_C_STS_RECORD_BAD_EXTENSION, "extension field \"%s\" is malformed: %s",
                         sd_quote_detail(q, field, len), why);
  sd_finding_set_remedy(f, "remove the field or fix it to name=value as in RFC 8461 §3.1");
}

static void parse_field(record_parser *rp, const char *field, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (len == 0) {
    sd_finding *f = report(rp, SD_C_STS_RECORD_SYNTAX, "empty field between two ';' separators");
    sd_finding_set_remedy(f, "remove the extra ';'");
    return;
  }
  const char *eq = memchr(field, '=', len);
  if (!eq) {
    report(rp, SD_C_STS_RECORD_SYNTAX, "field \"%s\" has no '='", sd_quote_detail(q, field, len));
    return;
  }
  size_t key_len = (size_t)(eq - field);
  if (key_len == 0) {
    report(rp, SD_C_STS_RECORD_SYNTAX, "field \"%s\" has no name before '='", sd_quote_detail(q, field, len));
    return;
  }
  if (is_wsp(eq[-1]) || (eq + 1 < field + len && is_wsp(eq[1]))) {
    size_t trimmed = key_len;
    while (trimmed > 0 && is_wsp(field[trimmed - 1])) trimmed--;
    if (key_is(field, trimmed, "id")) rp->id_seen = 1; /* do not also claim "no id" */
    sd_finding *f = report(rp, SD_C_STS_RECORD_SYNTAX, "field \"%s\" has blanks around '='",
                           sd_quote_detail(q, field, len));
    sd_finding_set_remedy(f, "write fields as name=value without blanks");
    return;
  }
  if (seen_before(rp, field, key_len)) {
    report(rp, SD_C_STS_RECORD_DUPLICATE_FIELD, "field \"%s\" repeats an earlier field; the first one is used",
           sd_quote_detail(q, field, len));
    return;
  }
  if (key_is(field, key_len, "id")) {
    rp->id_seen = 1;
    check_id(rp, eq + 1, len - key_len - 1);
    return;
  }
  if (key_len == 2 && strncasecmp(field, "id", 2) == 0) rp->id_other_case = 1;
  check_extension(rp, field, len, key_len);
}

size_t sd_txt_version_prefix(const char *txt, size_t len, const char *version, int *blanks) {
  size_t n = strlen(version), i = n;
  *blanks = 0;
  if (!txt || len < n || memcmp(txt, version, n) != 0) return 0;
  while (i < len && is_wsp(txt[i])) i++;
  if (i >= len || txt[i] != ';') return 0;
  *blanks = i > n;
  return i + 1;
}

static size_t version_prefix(const char *txt, size_t len, int *blanks) {
  return sd_txt_version_prefix(txt, len, "v=STSv1", blanks);
}

/* A field exactly v=STSv1 somewhere after the first field. */
static int version_later(const char *txt, size_t len) {
  if (!txt) return 0;
  const char *cursor = txt, *end = txt + len, *field;
  size_t field_len, n = 0;
  while (sd_sts_next_field(&cursor, end, &field, &field_len))
    if (n++ > 0 && field_len == 7 && memcmp(field, "v=STSv1", 7) == 0) return 1;
  return 0;
}

static int starts_with_quote(const char *txt, size_t len) {
  size_t i = 0;
  if (!txt) return 0;
  while (i < len && is_wsp(txt[i])) i++;
  return i < len && (txt[i] == '"' || txt[i] == '\'');
}

static void report_bad_version(record_parser *rp, const char *txt, size_t len) {
  char q[SD_QUOTE_SIZE];
  sd_finding *f;
  sd_quote_detail(q, txt, len);
  if (starts_with_quote(txt, len)) {
    f = report(rp, SD_C_STS_RECORD_BAD_VERSION,
               "record \"%s\" starts with a quote character, so it does not start with v=STSv1; and senders "
               "ignore it: the quotes were published as part of the text", q);
    sd_finding_set_remedy(f, "publish the text without the quotes (in a zone file the quotes only delimit the "
                             "string; in a DNS provider's form, type the text without them): v=STSv1; id=...");
  } else if (version_later(txt, len)) {
    f = report(rp, SD_C_STS_RECORD_BAD_VERSION,
               "record \"%s\" has the field v=STSv1 but not first: senders discard TXT records that do not "
               "begin with v=STSv1; (RFC 8461 §3.1), so the domain has no MTA-STS policy", q);
    sd_finding_set_remedy(f, "put v=STSv1; first, e.g. v=STSv1; id=20240101000000");
  } else {
    f = report(rp, SD_C_STS_RECORD_BAD_VERSION, "record \"%s\" does not start with exactly v=STSv1; so senders ignore it",
               q);
    sd_finding_set_remedy(f, "start the record with v=STSv1; exactly (case-sensitive, no blanks), e.g. v=STSv1; id=20240101000000");
  }
}

int sd_sts_record_parse(const char *txt, size_t len, sd_sts_record *out, sd_findings *findings) {
  record_parser rp = {.findings = findings};
  memset(out, 0, sizeof(*out));
  if (!txt) len = 0;
  out->candidates = 1;
  out->status = SD_STS_RECORD_INVALID;
  out->raw = sd_quote_dup(txt, len);
  int blanks;
  size_t prefix = version_prefix(txt, len, &blanks);
  if (prefix == 0) {
    report_bad_version(&rp, txt, len);
    return -1;
  }
  if (blanks) {
    sd_finding *f = report(&rp, SD_C_STS_RECORD_VERSION_BLANK,
                           "blanks between v=STSv1 and ';': the grammar allows them, but senders that look for a "
                           "record beginning with v=STSv1; (RFC 8461 §3.1) ignore this one");
    sd_finding_set_remedy(f, "write v=STSv1; without blanks before the ';'");
  }
  seen_before(&rp, "v", 1); /* a second v= is a duplicate field */
  const char *cursor = txt + prefix - 1, *end = txt + len, *field;
  size_t field_len;
  while (sd_sts_next_field(&cursor, end, &field, &field_len)) parse_field(&rp, field, field_len);
  if (!rp.id_seen) {
    sd_finding *f = report(&rp, SD_C_STS_RECORD_NO_ID, "the record has no id field%s",
                           rp.id_other_case ? ": field names are case-sensitive and \"ID=\" is not \"id=\" "
                                              "(RFC 8461 §3.1)" : "");
    sd_finding_set_remedy(f, "add an id that changes with each policy update, e.g. v=STSv1; id=20240101000000");
  }
  if (rp.errors) return -1;
  memcpy(out->id, rp.id, sizeof(out->id));
  out->status = SD_STS_RECORD_VALID;
  return 0;
}

static int is_sts_record(const char *txt, size_t len) {
  int blanks;
  return version_prefix(txt, len, &blanks) > 0;
}

/* Starts with "v=STS" in any case after optional blanks, but is not a record
 * senders accept (see the decisions at the top). */
static int is_botched_sts_record(const char *txt, size_t len) {
  if (!txt || is_sts_record(txt, len)) return 0;
  size_t i = 0;
  while (i < len && (is_wsp(txt[i]) || txt[i] == '"' || txt[i] == '\'')) i++;
  return (len - i >= 5 && strncasecmp(txt + i, "v=sts", 5) == 0) || version_later(txt, len);
}

static void report_multiple(sd_sts_record *out, sd_findings *findings, const char *const *txts,
                            const size_t *lens, size_t count, size_t strict) {
  record_parser rp = {.findings = findings};
  char q1[SD_QUOTE_SIZE], q2[SD_QUOTE_SIZE];
  size_t shown = 0, idx[2] = {0, 0};
  for (size_t i = 0; i < count && shown < 2; i++)
    if (is_sts_record(txts[i], lens[i])) idx[shown++] = i;
  out->status = SD_STS_RECORD_INVALID;
  out->raw = sd_quote_dup(txts[idx[0]], lens[idx[0]]);
  sd_finding *f = report(&rp, SD_C_STS_RECORD_MULTIPLE,
                         "%zu TXT records start with v=STSv1; (\"%s\", \"%s\"%s): senders treat the domain as having no policy",
                         strict, sd_quote_detail(q1, txts[idx[0]], lens[idx[0]]),
                         sd_quote_detail(q2, txts[idx[1]], lens[idx[1]]), strict > 2 ? ", ..." : "");
  sd_finding_set_remedy(f, "keep exactly one v=STSv1 TXT record at _mta-sts");
}

void sd_sts_record_evaluate(const char *const *txts, const size_t *txt_lens, size_t count,
                            sd_sts_record *out, sd_findings *findings) {
  memset(out, 0, sizeof(*out));
  if (!txts || !txt_lens) count = 0;
  size_t strict = 0, botched = 0, first_strict = 0, first_botched = 0;
  for (size_t i = 0; i < count; i++) {
    if (is_sts_record(txts[i], txt_lens[i])) {
      if (strict++ == 0) first_strict = i;
    } else if (is_botched_sts_record(txts[i], txt_lens[i])) {
      if (botched++ == 0) first_botched = i;
    }
  }
  if (strict > 1) {
    report_multiple(out, findings, txts, txt_lens, count, strict);
  } else if (strict == 1) {
    sd_sts_record_parse(txts[first_strict], txt_lens[first_strict], out, findings);
  } else if (botched > 0) {
    record_parser rp = {.findings = findings};
    out->status = SD_STS_RECORD_INVALID;
    out->raw = sd_quote_dup(txts[first_botched], txt_lens[first_botched]);
    size_t reported = 0;
    for (size_t i = first_botched; i < count && reported < MAX_REPORTED_BOTCHED; i++) {
      if (!is_botched_sts_record(txts[i], txt_lens[i])) continue;
      report_bad_version(&rp, txts[i], txt_lens[i]);
      reported++;
    }
  } else {
    out->status = SD_STS_RECORD_ABSENT;
  }
  out->candidates = strict + botched;
}

void sd_sts_record_free(sd_sts_record *record) {
  if (!record) return;
  free(record->raw);
  memset(record, 0, sizeof(*record));
}
