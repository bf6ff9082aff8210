/*
 * The MTA-STS policy body (RFC 8461 §3.2).
 *
 * Decisions (see rfc-checklist A3):
 * - Lines end in CRLF or LF; the last line may lack a terminator. Blank
 *   lines (empty or only blanks) anywhere are sts-policy-syntax: the §3.2
 *   grammar has none, and senders such as mox reject the whole policy (real
 *   policies have them: Jekyll front matter, trailing blank lines). One
 *   finding names the first and counts them. A CR not followed by LF is
 *   sts-policy-syntax.
 * - An indented line ("  mode: enforce") is sts-policy-syntax (the key
 *   must start the line) and is then read without its indent, so one
 *   finding says what is wrong instead of "no mode line" as well.
 * - Keys are case-sensitive (%s in the ABNF). "key:" must be followed by the
 *   value after optional blanks; trailing blanks are dropped.
 * - Unknown keys that follow the extension-name grammar are ignored. A key
 *   that is a known key (version, mode, max_age, mx) but for case, '-' for
 *   '_', one inserted or deleted character or two swapped neighbours, or
 *   (for the long keys version and max_age) within edit distance 2, is
 *   reported as sts-policy-near-miss-key (warning) and ignored. One changed
 *   letter of a short key is not a near miss: "more" is a word of its own,
 *   not a misspelt "mode". Other keys outside the grammar: sts-policy-syntax.
 * - An extension value must have at least one character (grammar:
 *   sts-policy-ext-value = sts-policy-vchar ...): "ext:" is
 *   sts-policy-syntax. Otherwise values of extensions are not checked
 *   (beyond the body-wide text check).
 * - max_age above 31557600 or with more than 10 digits makes the policy
 *   invalid. The short-max-age warning is not given for mode none, where a
 *   short max_age is the right way to retire MTA-STS.
 * - At most SD_STS_MAX_MX_LINES mx lines are read; more is sts-policy-syntax.
 */
#include "mtasts/policy.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mtasts/match.h"
#include "mtasts/record.h"
#include "util/domain.h"
#include "util/escape.h"
#include "util/str.h"
#include "util/utf8.h"

#define WHERE "policy"
#define SD_STS_MAX_MX_LINES 1000
#define MAX_LINE_FINDINGS 24
#define ONE_DAY 86400L
#define ONE_WEEK 604800L
#define MAX_AGE_DIGITS 10

typedef struct policy_parser {
  sd_findings *findings;
  sd_sts_policy *out;
  size_t line_findings;
  int errors;
  size_t line_no;
  int have_version, have_mode, have_max_age;
  size_t mx_lines;
  size_t blank_lines, first_blank; /* blank lines seen, and the first one's number */
} policy_parser;

static int is_wsp(char c) { return c == ' ' || c == '\t'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }

__attribute__((format(printf, 4, 0))) static sd_finding *
reportv(policy_parser *pp, int per_line, sd_code code, const char *fmt, va_list ap) {
  /* A hostile body can have thousands of bad lines: report the first few;
   * findings about the policy as a whole are always kept. */
  return sd_findings_add_boundedv(pp->findings, &pp->errors, per_line ? &pp->line_findings : NULL,
                                  MAX_LINE_FINDINGS, code, WHERE, fmt, ap);
}

__attribute__((format(printf, 3, 4))) static sd_finding *
report_line(policy_parser *pp, sd_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_finding *f = reportv(pp, 1, code, fmt, ap);
  va_end(ap);
  return f;
}

__attribute__((format(printf, 3, 4))) static sd_finding *
report_policy(policy_parser *pp, sd_code code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  sd_finding *f = reportv(pp, 0, code, fmt, ap);
  va_end(ap);
  return f;
}

static int is_bad_control(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* One finding for the first byte that makes the body not text. */
static void check_text(policy_parser *pp, const char *body, size_t len) {
  const unsigned char *s = (const unsigned char *)body;
  size_t line = 1;
  for (size_t i = 0; i < len;) {
    size_t n = is_bad_control(s[i]) ? 0 : sd_utf8_sequence(s + i, len - i);
    if (n == 0) {
      sd_finding *f = report_policy(pp, SD_C_STS_POLICY_NOT_TEXT,
                                    "byte 0x%02x at offset %zu (line %zu) is %s", s[i], i, line,
                                    s[i] < 0x80 ? "a NUL or control character" : "not valid UTF-8");
      sd_finding_set_remedy(f, "serve the policy as plain UTF-8 text with lines ending in CRLF or LF");
      return;
    }
    if (s[i] == '\n') line++;
    i += n;
  }
}

/* NULL when pattern[0..len) is a valid mx pattern, else why not. */
static const char *mx_pattern_problem(const char *pattern, size_t len) {
  if (len == 0) return "is empty";
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)pattern[i] >= 0x80)
      return "contains non-ASCII characters (write internationalized names as xn-- A-labels)";
  if (memchr(pattern, '@', len)) return "is an email address, not a host name";
  if (pattern[0] == '[' || memchr(pattern, ':', len)) return "is an IP address, not a host name";
  const char *name = pattern;
  size_t name_len = len;
  if (len >= 2 && pattern[0] == '*' && pattern[1] == '.') {
    name += 2;
    name_len -= 2;
  }
  if (memchr(name, '*', name_len)) return "uses '*' other than as the whole left-most label \"*.\"";
  if (name_len == 0) return "has no domain after \"*.\"";
  if (name[name_len - 1] == '.') return "ends with a dot (write the name without the final dot)";
  if (len > SD_DOMAIN_MAX) return "is longer than 253 characters";
  const char *problem = sd_hostname_problem(name, name_len, NULL);
  if (problem) return problem;
  const char *end = name + name_len, *last = end;
  while (last > name && last[-1] != '.') last--;
  while (last < end && is_digit(*last)) last++;
  if (last == end) return "ends in a numeric label: an IP address, not a host name";
  return NULL;
}

int sd_sts_mx_pattern_valid(const char *pattern) {
  return pattern && mx_pattern_problem(pattern, strlen(pattern)) == NULL;
}

const char *sd_sts_mode_name(sd_sts_mode mode) {
  switch (mode) {
  case SD_STS_MODE_ENFORCE: return "enforce";
  case SD_STS_MODE_TESTING: return "testing";
  case SD_STS_MODE_NONE: return "none";
  case SD_STS_MODE_UNSET: break;
  }
  return "unset";
}

static int value_is(const char *value, size_t len, const char *want) {
  return len == strlen(want) && memcmp(value, want, len) == 0;
}

/* Returns 1 when this key was already seen (and reports it). */
static int duplicate_key(policy_parser *pp, int *seen, const char *key) {
  if (!*seen) {
    *seen = 1;
    return 0;
  }
  report_line(pp, SD_C_STS_POLICY_DUPLICATE_KEY, "line %zu: %s appears again; the first one is used",
              pp->line_no, key);
  return 1;
}

static void parse_version(policy_parser *pp, const char *value, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (duplicate_key(pp, &pp->have_version, "version") || value_is(value, len, "STSv1")) return;
  sd_finding *f = report_line(pp, SD_C_STS_POLICY_VERSION, "line %zu: version is \"%s\", not STSv1",
                              pp->line_no, sd_quote_detail(q, value, len));
  sd_finding_set_remedy(f, "write version: STSv1");
}

static void parse_mode(policy_parser *pp, const char *value, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (duplicate_key(pp, &pp->have_mode, "mode")) return;
  if (value_is(value, len, "enforce")) pp->out->mode = SD_STS_MODE_ENFORCE;
  else if (value_is(value, len, "testing")) pp->out->mode = SD_STS_MODE_TESTING;
  else if (value_is(value, len, "none")) pp->out->mode = SD_STS_MODE_NONE;
  else {
    sd_finding *f = report_line(pp, SD_C_STS_POLICY_MODE,
                                "line %zu: mode is \"%s\", not enforce, testing or none (lower case)",
                                pp->line_no, sd_quote_detail(q, value, len));
    sd_finding_set_remedy(f, "write mode: enforce, mode: testing or mode: none");
  }
}

static void parse_max_age(policy_parser *pp, const char *value, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (duplicate_key(pp, &pp->have_max_age, "max_age")) return;
  const char *why = NULL;
  uint64_t n = 0;
  if (len == 0) why = "is empty";
  else if (len > MAX_AGE_DIGITS) why = "has more than 10 characters";
  for (size_t i = 0; !why && i < len; i++) {
    if (!is_digit(value[i])) why = "is not a plain decimal number";
    else n = n * 10 + (uint64_t)(value[i] - '0');
  }
  if (!why && n > (uint64_t)SD_STS_MAX_AGE_LIMIT) why = "is above the limit 31557600 (one year)";
  if (!why) {
    pp->out->max_age = (long)n;
    return;
  }
  sd_finding *f = report_line(pp, SD_C_STS_POLICY_MAX_AGE, "line %zu: max_age \"%s\" %s", pp->line_no,
                              sd_quote_detail(q, value, len), why);
  sd_finding_set_remedy(f, "write max_age as seconds from 0 to 31557600, e.g. max_age: 604800");
}

static void add_mx(policy_parser *pp, const char *value, size_t len) {
  sd_sts_policy *out = pp->out;
  char **grown = realloc(out->mx, (out->mx_count + 1) * sizeof(*grown));
  if (!grown) return;
  out->mx = grown;
  char *copy = sd_strndup(value, len);
  if (!copy) return;
  sd_str_lower(copy);
  out->mx[out->mx_count++] = copy;
}

static void parse_mx(policy_parser *pp, const char *value, size_t len) {
  char q[SD_QUOTE_SIZE];
  if (++pp->mx_lines > SD_STS_MAX_MX_LINES) {
    if (pp->mx_lines == SD_STS_MAX_MX_LINES + 1)
      report_line(pp, SD_C_STS_POLICY_SYNTAX, "line %zu: more than %d mx lines; the rest are ignored",
                  pp->line_no, SD_STS_MAX_MX_LINES);
    return;
  }
  const char *why = mx_pattern_problem(value, len);
  if (!why) {
    add_mx(pp, value, len);
    return;
  }
  sd_finding *f = report_line(pp, SD_C_STS_POLICY_BAD_MX_PATTERN, "line %zu: mx \"%s\" %s", pp->line_no,
                              sd_quote_detail(q, value, len), why);
  sd_finding_set_remedy(f, "list each MX host name (or *.<parent>) on its own mx: line, e.g. mx: mail.example.com");
}

/* 1 when a and b differ by one inserted or deleted character, or by two
 * swapped neighbours. */
static int one_slip(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la == lb) {
    size_t i = 0;
    while (i < la && a[i] == b[i]) i++;
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && strcmp(a + i + 2, b + i + 2) == 0;
  }
  if (la + 1 == lb) return one_slip(b, a);
  if (la != lb + 1) return 0;
  size_t i = 0;
  while (i < lb && a[i] == b[i]) i++;
  return strcmp(a + i + 1, b + i) == 0;
}

/* The known key an unknown key is probably meant to be, or NULL (see the
 * decisions at the top). */
static const char *near_miss_of(const char *key, size_t len) {
  static const char *const known[] = {"version", "mode", "max_age", "mx"};
  char lower[16];
  if (len >= sizeof(lower)) return NULL; /* too long to be within 2 of any */
  memcpy(lower, key, len);
  lower[len] = '\0';
  if (strlen(lower) != len) return NULL; /* a NUL inside the key */
  sd_str_lower(lower);
  for (char *p = lower; *p; p++)
    if (*p == '-') *p = '_';
  for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
    if (strcmp(lower, known[i]) == 0 || one_slip(lower, known[i])) return known[i];
    if (strlen(known[i]) >= 7 && sd_edit_distance(lower, known[i], 2) <= 2) return known[i];
  }
  return NULL;
}

static void parse_unknown_key(policy_parser *pp, const char *key, size_t len, size_t value_len) {
  char q[SD_QUOTE_SIZE];
  const char *meant = near_miss_of(key, len);
  if (meant) {
    sd_finding *f = report_line(pp, SD_C_STS_POLICY_NEAR_MISS_KEY,
                                "line %zu: key \"%s\" is not a policy key and is ignored; \"%s\" was probably meant",
                                pp->line_no, sd_quote_detail(q, key, len), meant);
    sd_finding_set_remedy(f, "write the key exactly as \"%s:\" (lower case, no blanks before the colon)", meant);
    return;
  }
  if (!sd_sts_ext_name_valid(key, len)) {
    report_line(pp, SD_C_STS_POLICY_SYNTAX, "line %zu: key \"%s\" is not a valid field name", pp->line_no,
                sd_quote_detail(q, key, len));
  } else if (value_len == 0) {
    sd_finding *f = report_line(pp, SD_C_STS_POLICY_SYNTAX,
                                "line %zu: extension \"%s\" has an empty value (RFC 8461 §3.2: at least one "
                                "character)", pp->line_no, sd_quote_detail(q, key, len));
    sd_finding_set_remedy(f, "give the extension a value or remove the line");
  }
}

static void parse_line(policy_parser *pp, const char *line, size_t len) {
  char q[SD_QUOTE_SIZE];
  size_t blank = 0;
  while (blank < len && is_wsp(line[blank])) blank++;
  if (blank == len) {
    if (pp->blank_lines++ == 0) pp->first_blank = pp->line_no;
    return;
  }
  if (memchr(line, '\r', len)) {
    report_line(pp, SD_C_STS_POLICY_SYNTAX, "line %zu \"%s\" contains a CR that does not end the line",
                pp->line_no, sd_quote_detail(q, line, len));
    return;
  }
  const char *colon = memchr(line, ':', len);
  if (!colon) {
    sd_finding *f = report_line(pp, SD_C_STS_POLICY_SYNTAX, "line %zu \"%s\" is not key: value", pp->line_no,
                                sd_quote_detail(q, line, len));
    sd_finding_set_remedy(f, "write each line as key: value (version, mode, max_age, mx)");
    return;
  }
  if (blank > 0) {
    sd_finding *f = report_line(pp, SD_C_STS_POLICY_SYNTAX,
                                "line %zu \"%s\" is indented: a key must start at the beginning of the line",
                                pp->line_no, sd_quote_detail(q, line, len));
    sd_finding_set_remedy(f, "remove the blanks before the key");
    line += blank; /* read the rest as meant, so nothing else is misreported */
    len -= blank;
  }
  size_t key_len = (size_t)(colon - line);
  const char *value = colon + 1, *end = line + len;
  while (value < end && is_wsp(*value)) value++;
  while (end > value && is_wsp(end[-1])) end--;
  size_t value_len = (size_t)(end - value);
  if (value_is(line, key_len, "version")) parse_version(pp, value, value_len);
  else if (value_is(line, key_len, "mode")) parse_mode(pp, value, value_len);
  else if (value_is(line, key_len, "max_age")) parse_max_age(pp, value, value_len);
  else if (value_is(line, key_len, "mx")) parse_mx(pp, value, value_len);
  else parse_unknown_key(pp, line, key_len, value_len);
}

static void check_required(policy_parser *pp) {
  sd_sts_policy *out = pp->out;
  sd_finding *f;
  if (!pp->have_version) {
    f = report_policy(pp, SD_C_STS_POLICY_VERSION, "the policy has no version line");
    sd_finding_set_remedy(f, "add the line version: STSv1");
  }
  if (!pp->have_mode) {
    f = report_policy(pp, SD_C_STS_POLICY_MODE, "the policy has no mode line");
    sd_finding_set_remedy(f, "add mode: enforce, mode: testing or mode: none");
  }
  if (!pp->have_max_age) {
    f = report_policy(pp, SD_C_STS_POLICY_MAX_AGE, "the policy has no max_age line");
    sd_finding_set_remedy(f, "add max_age: 604800 (one week) or longer");
  }
  if ((out->mode == SD_STS_MODE_ENFORCE || out->mode == SD_STS_MODE_TESTING) && pp->mx_lines == 0) {
    f = report_policy(pp, SD_C_STS_POLICY_NO_MX, "mode is %s but the policy has no mx line",
                      sd_sts_mode_name(out->mode));
    sd_finding_set_remedy(f, "add one mx: line per MX host, e.g. mx: mail.example.com");
  }
}

static void check_advice(policy_parser *pp) {
  sd_sts_policy *out = pp->out;
  if (out->max_age < 0 || out->mode == SD_STS_MODE_UNSET) return;
  if (out->mode == SD_STS_MODE_NONE && out->max_age > ONE_WEEK) {
    report_policy(pp, SD_C_STS_POLICY_NONE_LONG_MAX_AGE,
                  "mode none with max_age %ld (more than a week): senders keep this policy that long",
                  out->max_age);
  } else if (out->mode != SD_STS_MODE_NONE && out->max_age < ONE_DAY) {
    sd_finding *f = report_policy(pp, SD_C_STS_POLICY_SHORT_MAX_AGE,
                                  "max_age %ld is below one day: an attacker only has to wait that long", out->max_age);
    sd_finding_set_remedy(f, "use max_age: 604800 (one week) or more once the policy works");
  }
}

int sd_sts_policy_parse(const char *body, size_t len, sd_sts_policy *out, sd_findings *findings) {
  policy_parser pp = {.findings = findings, .out = out};
  memset(out, 0, sizeof(*out));
  out->max_age = -1;
  if (!body) len = 0;
  check_text(&pp, body, len);
  for (size_t pos = 0; pos < len;) {
    const char *nl = memchr(body + pos, '\n', len - pos);
    size_t line_end = nl ? (size_t)(nl - body) : len;
    size_t line_len = line_end - pos;
    if (line_len > 0 && body[pos + line_len - 1] == '\r') line_len--;
    pp.line_no++;
    parse_line(&pp, body + pos, line_len);
    pos = line_end + 1;
  }
  if (pp.blank_lines) {
    sd_finding *f = report_policy(&pp, SD_C_STS_POLICY_SYNTAX,
                                  "%zu blank line(s), the first is line %zu: the RFC 8461 §3.2 grammar has no blank "
                                  "lines and some senders (e.g. mox) reject the whole policy",
                                  pp.blank_lines, pp.first_blank);
    sd_finding_set_remedy(f, "remove every blank line, including leading and trailing ones (one line break after "
                             "the last line is fine)");
  }
  check_required(&pp);
  check_advice(&pp);
  out->valid = pp.errors == 0;
  return out->valid ? 0 : -1;
}

void sd_sts_policy_free(sd_sts_policy *policy) {
  if (!policy) return;
  for (size_t i = 0; i < policy->mx_count; i++) free(policy->mx[i]);
  free(policy->mx);
  memset(policy, 0, sizeof(*policy));
  policy->max_age = -1;
}
