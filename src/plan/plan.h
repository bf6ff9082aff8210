/*
 * stsdane plan: for one mail domain as it is today, whether MTA-STS, DANE or
 * both can work, what is missing, and exactly what to publish in which order.
 *
 *   measure.c    the live measurement: the normal evaluation plus a look at
 *                the policy host mta-sts.<domain> even when no MTA-STS record
 *                exists yet (is the name free, does it serve HTTPS?)
 *   prereq.c     the prerequisites, read from the measurement
 *   publish.c    the records and files to publish, shared by the plans
 *   protocols.c  one plan per protocol and for both: status, missing,
 *                steps in the safe order, duties, what each protects against
 *   render_json.c, render_text.c   the two outputs (docs/plan.md)
 */
#ifndef SD_PLAN_PLAN_H
#define SD_PLAN_PLAN_H

#include <stdio.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "core/engine.h"
#include "result/result.h"

/* ---- measurement ---------------------------------------------------------- */

typedef struct sd_plan_measurement {
  sd_domain_result *r;           /* the evaluation, as check sees it (owned) */
  /* The policy host mta-sts.<domain>: from the evaluation when it fetched
   * the policy, else from the plan's own lookup and fetch. */
  int policy_host_looked_up;
  sd_lookup policy_host_lookup;  /* combined A/AAAA */
  char *policy_host_error;       /* the failed lookup's text */
  int policy_host_fetched;
  sd_fetch_result policy_host_fetch;
} sd_plan_measurement;

typedef void (*sd_plan_measured_cb)(sd_plan_measurement *m, void *arg);

/* Starts measuring domain on engine; cb gets a measurement it owns (free
 * with sd_plan_measurement_free). 0 on success. */
int sd_plan_measure(sd_engine *engine, const char *domain, sd_plan_measured_cb cb, void *arg);
void sd_plan_measurement_free(sd_plan_measurement *m);

/* ---- prerequisites ------------------------------------------------------- */

typedef enum sd_plan_mail {
  SD_PLAN_MAIL_UNKNOWN = 0, SD_PLAN_MAIL_MX, SD_PLAN_MAIL_IMPLICIT, SD_PLAN_MAIL_NULL_MX,
  SD_PLAN_MAIL_NO_DOMAIN, SD_PLAN_MAIL_INVALID,
} sd_plan_mail;

/* DNSSEC of the zone a name's answers come from, as a sender sees it. */
typedef enum sd_zone_state {
  SD_ZONE_UNKNOWN = 0, SD_ZONE_SIGNED, SD_ZONE_SIGNED_NO_DS, SD_ZONE_UNSIGNED, SD_ZONE_BOGUS,
} sd_zone_state;

typedef enum sd_policy_host_state {
  SD_PHOST_UNKNOWN = 0,   /* the lookup failed, or was not made */
  SD_PHOST_FREE,          /* no such name, or no address */
  SD_PHOST_NO_HTTPS,      /* has an address; nothing answers HTTPS there */
  SD_PHOST_CERT_INVALID,  /* HTTPS, but the certificate is not valid for the name */
  SD_PHOST_HTTPS,         /* HTTPS with a valid certificate, no policy served */
  SD_PHOST_POLICY,        /* serves a policy at the well-known URL (HTTP 200) */
} sd_policy_host_state;

typedef struct sd_plan_mx {
  const char *host;       /* borrowed from the result */
  int preference;
  const char *cname;      /* borrowed: where a CNAME MX leads, or NULL */
  int ip_literal;         /* the MX "host" is an address: nothing can authenticate it */
  char *operator_domain;  /* registrable domain of the host (or of its CNAME target) */
  int third_party;        /* run by another registrable domain than the mail domain's */
  sd_zone_state zone;     /* of the host's address records */
  int probed;             /* at least one address answered a probe */
  int starttls;           /* 1 every probed address completed TLS, 0 one did not, -1 unknown */
  const char *tls_problem; /* borrowed: the first probe failure, or NULL */
  int webpki;             /* 1 valid for the host name everywhere, 0 not, -1 unknown */
  const char *webpki_problem; /* borrowed */
  const char *cert_names; /* borrowed: DNS names of the leaf */
  char **keys;            /* distinct "3 1 1 <hex>" of the keys served */
  int *key_published;     /* per key: already in the MX host's TLSA RRset */
  size_t key_count;
  int policy_covers;      /* today's MTA-STS policy lists this MX: 1, 0, -1 no policy */
  sd_mx_dane dane;        /* DANE today */
  size_t tlsa_count;
} sd_plan_mx;

typedef struct sd_plan_prereq {
  const sd_plan_measurement *m; /* borrowed */
  const char *domain;
  char *operator_domain;  /* registrable domain of the mail domain */
  sd_plan_mail mail;
  sd_zone_state zone;
  sd_plan_mx *mx;
  size_t mx_count;
  char *policy_host;      /* "mta-sts.<domain>" */
  sd_policy_host_state policy_host_state;
  const char *policy_host_detail; /* borrowed: why not usable */
  int sts_record;         /* 1 valid record, 0 none, -1 invalid */
  const char *sts_mode;   /* policy mode today, or NULL */
  int tlsrpt;             /* 1 valid record, 0 none, -1 invalid */
  const char *tlsrpt_record; /* borrowed */
} sd_plan_prereq;

int sd_plan_prereq_derive(const sd_plan_measurement *m, sd_plan_prereq *p);
void sd_plan_prereq_free(sd_plan_prereq *p);
const char *sd_zone_state_name(sd_zone_state z);
const char *sd_policy_host_state_name(sd_policy_host_state s);
const char *sd_plan_mail_name(sd_plan_mail m);

/* ---- what to publish --------------------------------------------------------- */

typedef struct sd_plan_record {
  char *name;             /* owner name, no trailing dot */
  const char *type;       /* "TLSA", "TXT" */
  char *value;            /* rdata in presentation form (TXT: the text, unquoted) */
  const char *host;       /* TLSA: the MX host (borrowed) */
  const char *published_by; /* TLSA: the MX operator when it is not you (borrowed), else NULL */
  int published;          /* TLSA: already in DNS today */
} sd_plan_record;

#define SD_PLAN_TESTING_MAX_AGE 86400L     /* one day: a mistake in testing ages out fast */
#define SD_PLAN_ENFORCE_MAX_AGE 604800L    /* one week at first; raise when it works */
#define SD_PLAN_FINAL_MAX_AGE 31557600L    /* the RFC 8461 maximum, once stable */
#define SD_PLAN_TESTING_DAYS 14            /* days of TLSRPT reports before enforcing */

typedef struct sd_plan_publish {
  sd_plan_record *tlsa;
  size_t tlsa_count;
  sd_plan_record sts_testing;  /* _mta-sts TXT with the id for the testing policy */
  sd_plan_record sts_enforce;  /* ... and the new id when switching to enforce */
  char *policy_url;
  char **policy_mx;            /* the real MX set */
  size_t policy_mx_count;
  char *policy_testing;        /* policy file bodies, CRLF line endings */
  char *policy_enforce;
  char *policy_host_cert_name; /* the name the policy host's certificate must carry */
  sd_plan_record tlsrpt;       /* value NULL when a valid record exists */
} sd_plan_publish;

int sd_plan_publish_build(const sd_plan_prereq *p, time_t now, sd_plan_publish *out);
void sd_plan_publish_free(sd_plan_publish *pub);

/* ---- the plans ----------------------------------------------------------------- */

typedef enum sd_plan_status {
  SD_PLAN_IN_PLACE = 0,   /* protects mail today */
  SD_PLAN_READY,          /* every prerequisite is met: only publishing is left */
  SD_PLAN_NEEDS_WORK,     /* possible, after the operator fixes what is missing */
  SD_PLAN_UNKNOWN,        /* a measurement failed: cannot tell */
  SD_PLAN_BLOCKED,        /* needs a third party (the MX provider) to act */
  SD_PLAN_NO_MAIL,        /* the domain receives no mail (null MX, no such domain) */
} sd_plan_status;

typedef struct sd_plan_list {
  char **items;
  size_t count;
} sd_plan_list;

typedef enum sd_plan_protocol_id { SD_PLAN_MTASTS = 0, SD_PLAN_DANE, SD_PLAN_BOTH, SD_PLAN__COUNT } sd_plan_protocol_id;

typedef struct sd_plan_protocol {
  sd_plan_status status;
  char *summary;
  sd_plan_list missing;   /* prerequisites not met, with what to do */
  sd_plan_list unknown;   /* what could not be measured */
  sd_plan_list steps;     /* in the safe order */
  sd_plan_list duties;    /* once it runs */
  sd_plan_list protects;  /* what it protects against that the other does not */
} sd_plan_protocol;

typedef struct sd_plan {
  sd_plan_prereq prereq;
  sd_plan_publish publish;
  sd_plan_protocol protocols[SD_PLAN__COUNT];
  time_t planned_at;
} sd_plan;

/* Builds the whole plan from a measurement (borrowed until sd_plan_free). */
int sd_plan_build(const sd_plan_measurement *m, time_t now, sd_plan *plan);
void sd_plan_free(sd_plan *plan);
const char *sd_plan_status_name(sd_plan_status s);
const char *sd_plan_protocol_name(sd_plan_protocol_id id);

/* Plan lists (protocols.c): append a formatted item; ignored when out of memory. */
void sd_plan_list_add(sd_plan_list *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sd_plan_list_free(sd_plan_list *l);

cJSON *sd_plan_to_json(const sd_plan *plan);
void sd_plan_render_text(FILE *out, const sd_plan *plan, int color);

#endif
