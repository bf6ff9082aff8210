/*
 * The TLSRPT record at _smtp._tls.<domain> (RFC 8460 §3).
 *
 * Decisions:
 * - Records start with "v=TLSRPTv1" *WSP ";" (field-delim is *WSP ";" *WSP);
 *   blanks before the ';' are accepted with the warning
 *   tlsrpt-version-blank, because §3 also says records that do not begin
 *   with "v=TLSRPTv1;" are discarded.
 * - Only records starting so count. One that starts
 *   with "v=TLSRPT" in any case but not exactly so ("v=tlsrptv1;",
 *   "v=TLSRPTv1" alone) is reported as tlsrpt-syntax when no proper record
 *   exists: senders ignore it, so reports would silently never arrive.
 * - "rua=" is case-sensitive (%s in the ABNF); a second rua field is
 *   tlsrpt-syntax, because which list a sender would use is unspecified.
 * - Each URI must be mailto: with a local part "@" and a domain, or https:
 *   with "//" and a non-empty host; the scheme is case-insensitive
 *   (RFC 3986 §3.1). Anything else is tlsrpt-bad-rua.
 * - A URI must not contain a raw '!' (RFC 8460 §3: ',' and '!' MUST be
 *   encoded; ',' already separates URIs). The DMARC size suffix "!10m" is
 *   the usual cause: tlsrpt-bad-rua.
 * - Empty URIs in rua (",,") are one finding, however many there are.
 * - Extensions are ignored when they follow the grammar, tlsrpt-syntax if not.
 */
#include "mtasts/tlsrpt.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mtasts/record.h"
#include "util/escape.h"

#define WHERE "tlsrpt"
#define MAX_FINDINGS_PER_RECORD 16
/* URIs kept in rua[]; all are still checked. */
#define MAX_RUA 256

typedef struct tlsrpt_parser {
  sd_findings *findings;
  sd_tlsrpt_record *out;
  size_t reported;
  int errors;
  int rua_seen;
} tlsrpt_parser;

static int is_wsp(char c) { return c == ' ' || c == '\t'; }

__attribute__((format(printf, 3, 4))) static sd_finding *
report(tlsrpt_parser *tp, sd_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_finding *f = sd_findings_add_boundedv(tp->findings, &tp->errors, &tp->reported,
                                           MAX_FINDINGS_PER_RECORD, code, WHERE, fmt, ap);
  va_end(ap);
  return f;
}

static size_t version_prefix(const char *txt, size_t len, int *blanks) {
  return sd_txt_version_prefix(txt, len, "v=TLSRPTv1", blanks);
}

static int has_prefix_ci(const char *s, size_t len, const char *prefix) {
  size_t n = strlen(prefix);
  return len >= n && strncasecmp(s, prefix, n) == 0;
}

/* URI characters we accept: printable ASCII without space (RFC 3986 has no
 * raw space, control or non-ASCII bytes; "," would end the URI). */
static int uri_chars_ok(const char *uri, size_t len) {
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)uri[i];
    if (c < 0x21 || c > 0x7e) return 0;
  }
  return 1;
}

/* NULL when uri is an acceptable rua URI, else why not. */
static const char *rua_problem(const char *uri, size_t len) {
  if (len == 0) return "is empty";
  if (!uri_chars_ok(uri, len)) return "contains blanks, control or non-ASCII bytes";
  if (memchr(uri, '!', len))
    return "contains a raw '!' (RFC 8460 §3: '!' and ',' in a URI must be percent-encoded; TLSRPT has no "
           "DMARC-style !size suffix)";
  if (has_prefix_ci(uri, len, "mailto:")) {
    const char *addr = uri + 7, *end = uri + len;
    const char *stop = memchr(addr, '?', (size_t)(end - addr)); /* mailto headers */
    if (stop) end = stop;
    const char *at = memchr(addr, '@', (size_t)(end - addr));
    if (!at || at == addr || at + 1 == end) return "is a mailto: URI without a full local@domain address";
    return NULL;
  }
  if (has_prefix_ci(uri, len, "https:")) {
    const char *p = uri + 6, *end = uri + len;
    if (end - p < 2 || p[0] != '/' || p[1] != '/') return "is an https: URI without //host";
    p += 2;
    const char *host = p;
    while (p < end && *p != '/' && *p != '?' && *p != '#') {
      if (*p == '@') host = p + 1; /* skip userinfo */
      p++;
    }
    if (p == host || *host == ':') return "is an https: URI without a host";
    return NULL;
  }
  return "is neither a mailto: nor an https: URI";
}

static void add_rua(tlsrpt_parser *tp, const char *uri, size_t len) {
  sd_tlsrpt_record *out = tp->out;
  if (out->rua_count >= MAX_RUA) return;
  char **grown = realloc(out->rua, (out->rua_count + 1) * sizeof(*grown));
  if (!grown) return;
  out->rua = grown;
  char *copy = sd_quote_dup(uri, len);
  if (copy) out->rua[out->rua_count++] = copy;
}

static void parse_rua(tlsrpt_parser *tp, const char *value, size_t len) {
  const char *p = value, *end = value + len;
  size_t empty = 0, uris = 0;
  for (;;) {
    while (p < end && is_wsp(*p)) p++;
    const char *start = p;
    while (p < end && *p != ',') p++;
    const char *stop = p;
    while (stop > start && is_wsp(stop[-1])) stop--;
    size_t uri_len = (size_t)(stop - start);
    uris++;
    if (uri_len == 0) {
      empty++;
      if (p >= end) break;
      p++;
      continue;
    }
    add_rua(tp, start, uri_len);
    const char *why = rua_problem(start, uri_len);
    if (why) {
      char q[SD_QUOTE_SIZE];
      sd_finding *f = report(tp, SD_C_TLSRPT_BAD_RUA, "rua URI \"%s\" %s",
                             sd_quote_detail(q, start, uri_len), why);
      sd_finding_set_remedy(f, "use rua=mailto:<address> or rua=https://<host>/<path>, "
                               "several separated by commas (RFC 8460 §3)");
    }
    if (p >= end) break;
    p++; /* the comma */
  }
  if (empty) {
    char q[SD_QUOTE_SIZE];
    sd_finding *f = empty == uris
                        ? report(tp, SD_C_TLSRPT_BAD_RUA, "rua \"%s\" names no URI", sd_quote_detail(q, value, len))
                        : report(tp, SD_C_TLSRPT_BAD_RUA, "rua \"%s\" has %zu empty URI(s) between commas",
                                 sd_quote_detail(q, value, len), empty);
    sd_finding_set_remedy(f, "use rua=mailto:<address> or rua=https://<host>/<path>, several separated by single "
                             "commas (RFC 8460 §3)");
  }
}

static void parse_field(tlsrpt_parser *tp, const char *field, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (len == 0) {
    report(tp, SD_C_TLSRPT_SYNTAX, "empty field between two ';' separators");
    return;
  }
  const char *eq = memchr(field, '=', len);
  if (!eq || eq == field) {
    report(tp, SD_C_TLSRPT_SYNTAX, "field \"%s\" is not name=value", sd_quote_detail(q, field, len));
    return;
  }
  size_t key_len = (size_t)(eq - field);
  const char *value = eq + 1;
  size_t value_len = len - key_len - 1;
  if (is_wsp(eq[-1]) || (value_len > 0 && is_wsp(value[0]))) {
    report(tp, SD_C_TLSRPT_SYNTAX, "field \"%s\" has blanks around '='", sd_quote_detail(q, field, len));
    return;
  }
  if (key_len == 3 && memcmp(field, "rua", 3) == 0) {
    if (tp->rua_seen) {
      report(tp, SD_C_TLSRPT_SYNTAX, "second rua field \"%s\": senders may use either list",
             sd_quote_detail(q, field, len));
      return;
    }
    tp->rua_seen = 1;
    parse_rua(tp, value, value_len);
    return;
  }
  if (!sd_sts_ext_name_valid(field, key_len) || !sd_sts_ext_value_valid(value, value_len))
    report(tp, SD_C_TLSRPT_SYNTAX, "extension field \"%s\" is malformed", sd_quote_detail(q, field, len));
}

int sd_tlsrpt_parse(const char *txt, size_t len, sd_tlsrpt_record *out, sd_findings *findings) {
  tlsrpt_parser tp = {.findings = findings, .out = out};
  memset(out, 0, sizeof(*out));
  if (!txt) len = 0;
  out->status = SD_TLSRPT_INVALID;
  out->raw = sd_quote_dup(txt, len);
  int blanks;
  size_t prefix = version_prefix(txt, len, &blanks);
  if (prefix == 0) {
    char q[SD_QUOTE_SIZE];
    int quoted = len > 0 && (txt[0] == '"' || txt[0] == '\'');
    sd_finding *f = report(&tp, SD_C_TLSRPT_SYNTAX, "record \"%s\" does not start with exactly v=TLSRPTv1; so "
                                                     "senders ignore it%s",
                           sd_quote_detail(q, txt, len),
                           quoted ? ": it starts with a quote character (the quotes were published as part of "
                                    "the text)" : "");
    sd_finding_set_remedy(f, "publish v=TLSRPTv1; rua=mailto:<address>%s",
                          quoted ? " without quotes (in a zone file they only delimit the string)" : "");
    return -1;
  }
  if (blanks) {
    sd_finding *f = report(&tp, SD_C_TLSRPT_VERSION_BLANK,
                           "blanks between v=TLSRPTv1 and ';': the grammar allows them, but senders that look for "
                           "a record beginning with v=TLSRPTv1; (RFC 8460 §3) ignore this one");
    sd_finding_set_remedy(f, "write v=TLSRPTv1; without blanks before the ';'");
  }
  const char *cursor = txt + prefix - 1, *end = txt + len, *field;
  size_t field_len;
  while (sd_sts_next_field(&cursor, end, &field, &field_len)) parse_field(&tp, field, field_len);
  if (!tp.rua_seen) {
    sd_finding *f = report(&tp, SD_C_TLSRPT_NO_RUA, "the record has no rua field, so no reports can be sent");
    sd_finding_set_remedy(f, "add rua=mailto:<address> (RFC 8460 §3)");
  }
  if (tp.errors) return -1;
  out->status = SD_TLSRPT_VALID;
  return 0;
}

static int is_tlsrpt_record(const char *txt, size_t len) {
  int blanks;
  return version_prefix(txt, len, &blanks) > 0;
}

static int is_botched_tlsrpt_record(const char *txt, size_t len) {
  if (!txt || is_tlsrpt_record(txt, len)) return 0;
  size_t i = 0;
  while (i < len && (is_wsp(txt[i]) || txt[i] == '"' || txt[i] == '\'')) i++;
  return has_prefix_ci(txt + i, len - i, "v=tlsrpt");
}

void sd_tlsrpt_evaluate(const char *const *txts, const size_t *txt_lens, size_t count,
                        sd_tlsrpt_record *out, sd_findings *findings) {
  memset(out, 0, sizeof(*out));
  if (!txts || !txt_lens) count = 0;
  size_t strict = 0, first_strict = 0, second_strict = 0, botched = 0, first_botched = 0;
  for (size_t i = 0; i < count; i++) {
    if (is_tlsrpt_record(txts[i], txt_lens[i])) {
      if (strict == 0) first_strict = i;
      else if (strict == 1) second_strict = i;
      strict++;
    } else if (is_botched_tlsrpt_record(txts[i], txt_lens[i])) {
      if (botched++ == 0) first_botched = i;
    }
  }
  if (strict == 1) {
    sd_tlsrpt_parse(txts[first_strict], txt_lens[first_strict], out, findings);
  } else if (strict > 1) {
    tlsrpt_parser tp = {.findings = findings, .out = out};
    char q1[SD_QUOTE_SIZE], q2[SD_QUOTE_SIZE];
    out->status = SD_TLSRPT_INVALID;
    out->raw = sd_quote_dup(txts[first_strict], txt_lens[first_strict]);
    sd_finding *f = report(&tp, SD_C_TLSRPT_MULTIPLE,
                           "%zu TXT records start with v=TLSRPTv1; (\"%s\", \"%s\"%s): senders use none of them",
                           strict, sd_quote_detail(q1, txts[first_strict], txt_lens[first_strict]),
                           sd_quote_detail(q2, txts[second_strict], txt_lens[second_strict]),
                           strict > 2 ? ", ..." : "");
    sd_finding_set_remedy(f, "keep exactly one v=TLSRPTv1 record; list several URIs in its rua, separated by commas");
  } else if (botched > 0) {
    /* sd_tlsrpt_parse reports the version problem and marks it INVALID. */
    sd_tlsrpt_parse(txts[first_botched], txt_lens[first_botched], out, findings);
  } else {
    out->status = SD_TLSRPT_ABSENT;
  }
}

void sd_tlsrpt_record_free(sd_tlsrpt_record *record) {
  if (!record) return;
  for (size_t i = 0; i < record->rua_count; i++) free(record->rua[i]);
  free(record->rua);
  free(record->raw);
  memset(record, 0, sizeof(*record));
}
