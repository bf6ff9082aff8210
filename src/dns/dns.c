#include "dns/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <getdns/getdns.h>
#include <getdns/getdns_extra.h>

#include "dns/answer.h"
#include "dns/answer_log.h"
#include "dns/cache.h"
#include "dns/eventloop.h"
#include "dns/fastpath.h"
#include "dns/stub.h"
#include "dns/unbound_event.h"
#include "dns/unbound_options.h"
#include "dns/zonekeys.h"
#include "util/str.h"

struct sd_dns {
  struct event_base *base;
  getdns_context *context;
  sd_getdns_loop loop; /* outlives context: see eventloop.h */
  getdns_dict *extensions;      /* full validation by getdns */
  sd_stub *stub;                /* stub fast path (fastpath.h); NULL = off: every query takes getdns's path */
  sd_sigcheck *sigcheck;        /* the fast path's signature checks and their cache */
  sd_wire_msg reply;            /* the fast-path reply being judged */
  struct fast_wait *waits;      /* replies (or leftovers) waiting for the signature worker */
  struct fast_wait *spare_wait; /* the waiter the next judgement may take */
  /* Answers already known (cache hits), delivered at the next turn of the
   * loop: one event for all of them instead of one event each. */
  sd_dns_waiter *ready_head, *ready_tail;
  struct event *ready_ev;
  sd_zone_table zones;
  sd_dns_cache cache;
  FILE *query_log;
  FILE *answer_log; /* every answer delivered, with its DNSSEC status (answer_log.h) */
  size_t queries_sent;
  size_t cache_hits;
  int closing; /* sd_dns_free is cancelling lookups: deliver nothing */
};

const char *sd_dnssec_name(sd_dnssec s) {
  switch (s) {
  case SD_DNSSEC_SECURE: return "secure";
  case SD_DNSSEC_INSECURE: return "insecure";
  case SD_DNSSEC_BOGUS: return "bogus";
  default: return "indeterminate";
  }
}

const char *sd_lookup_name(sd_lookup s) {
  switch (s) {
  case SD_LOOKUP_OK: return "ok";
  case SD_LOOKUP_NXDOMAIN: return "nxdomain";
  case SD_LOOKUP_NODATA: return "nodata";
  default: return "error";
  }
}

const char *sd_rr_type_name(uint16_t type) {
  switch (type) {
  case SD_RR_A: return "A";
  case SD_RR_NS: return "NS";
  case SD_RR_CNAME: return "CNAME";
  case SD_RR_SOA: return "SOA";
  case SD_RR_MX: return "MX";
  case SD_RR_TXT: return "TXT";
  case SD_RR_AAAA: return "AAAA";
  case SD_RR_DS: return "DS";
  case SD_RR_RRSIG: return "RRSIG";
  case SD_RR_DNSKEY: return "DNSKEY";
  case SD_RR_TLSA: return "TLSA";
  default: return "TYPE?";
  }
}

/* ---- context setup ----------------------------------------------------- */

static int address_dict(const char *text, getdns_dict **out) {
  uint8_t raw[16];
  getdns_bindata type = {4, (uint8_t *)"IPv4"};
  getdns_bindata data = {4, raw};
  if (inet_pton(AF_INET, text, raw) != 1) {
    if (inet_pton(AF_INET6, text, raw) != 1) return -1;
    type = (getdns_bindata){4, (uint8_t *)"IPv6"};
    data.size = 16;
  }
  getdns_dict *d = getdns_dict_create();
  if (!d) return -1;
  getdns_dict_set_bindata(d, "address_type", &type);
  getdns_dict_set_bindata(d, "address_data", &data);
  *out = d;
  return 0;
}

static int set_upstream(getdns_context *ctx, const char *resolver, char *err, size_t err_len) {
  getdns_dict *addr = NULL;
  if (address_dict(resolver, &addr) != 0) {
    snprintf(err, err_len, "resolver '%s' is not an IPv4 or IPv6 address", resolver);
    return -1;
  }
  getdns_list *list = getdns_list_create();
  getdns_list_set_dict(list, 0, addr);
  getdns_return_t rc = getdns_context_set_upstream_recursive_servers(ctx, list);
  getdns_list_destroy(list);
  getdns_dict_destroy(addr);
  if (rc != GETDNS_RETURN_GOOD) {
    snprintf(err, err_len, "cannot use resolver %s: %s", resolver, getdns_get_errorstr_by_id(rc));
    return -1;
  }
  return 0;
}

/* Reads resource records in zone-file format, one per line. getdns 1.6.0's
 * getdns_fp2rr_list fails on most calls (seen here: 200 of 200 in one
 * process), so each line goes through getdns_str2rr_dict instead. */
static getdns_list *read_rr_file(const char *path, char *err, size_t err_len) {
  FILE *fp = fopen(path, "r");
  if (!fp) {
    snprintf(err, err_len, "cannot open %s: %s", path, strerror(errno));
    return NULL;
  }
  getdns_list *rrs = getdns_list_create();
  char line[8192];
  size_t n = 0;
  while (rrs && fgets(line, sizeof(line), fp)) {
    char *p = line + strspn(line, " \t");
    if (*p == ';' || *p == '\n' || *p == '\0' || *p == '$') continue;
    getdns_dict *rr = NULL;
    if (getdns_str2rr_dict(p, &rr, ".", 3600) == GETDNS_RETURN_GOOD && rr) {
      getdns_list_set_dict(rrs, n++, rr);
      getdns_dict_destroy(rr);
    }
  }
  fclose(fp);
  if (n == 0) {
    snprintf(err, err_len, "%s holds no resource records in zone-file format", path);
    getdns_list_destroy(rrs);
    return NULL;
  }
  return rrs;
}

static int set_trust_anchor(getdns_context *ctx, const char *path, char *err, size_t err_len) {
  getdns_list *rrs = read_rr_file(path, err, err_len);
  if (!rrs) return -1;
  getdns_return_t rc = getdns_context_set_dnssec_trust_anchors(ctx, rrs);
  getdns_list_destroy(rrs);
  if (rc != GETDNS_RETURN_GOOD) {
    snprintf(err, err_len, "trust anchor %s rejected: %s", path, getdns_get_errorstr_by_id(rc));
    return -1;
  }
  return 0;
}

/* Root hints go straight to libunbound ("root-hints:" on the context getdns
 * creates): getdns 1.6.0's getdns_context_set_dns_root_servers refuses them
 * ("Did not update the context"). Registered before the context exists. */
static int set_root_hints(const char *path, char *err, size_t err_len) {
  FILE *fp = fopen(path, "r");
  if (!fp) {
    snprintf(err, err_len, "cannot open root hints %s: %s", path, strerror(errno));
    return -1;
  }
  fclose(fp);
  char option[4200];
  snprintf(option, sizeof(option), "root-hints: %s", path);
  if (sd_unbound_option_add(option) != 0) {
    snprintf(err, err_len, "root hints %s: too many resolver options", path);
    return -1;
  }
  return 0;
}

static int configure_context(sd_dns *dns, const sd_dns_options *o, char *err, size_t err_len) {
  getdns_context *ctx = dns->context;
  getdns_context_set_resolution_type(ctx, o->recursive ? GETDNS_RESOLUTION_RECURSING : GETDNS_RESOLUTION_STUB);
  /* The configured timeout is split over the attempts (see SD_DNS_ATTEMPTS),
   * so a lost query costs half of it, not all of it. */
  int total_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
  getdns_context_set_timeout(ctx, (uint64_t)(total_ms / 2 > 1000 ? total_ms / 2 : 1000));
  /* No search list: every name we ask for is fully qualified. */
  getdns_context_set_append_name(ctx, GETDNS_APPEND_NAME_NEVER);
  if (!o->recursive && o->resolver && set_upstream(ctx, o->resolver, err, err_len) != 0) return -1;
  if (o->trust_anchor_file && set_trust_anchor(ctx, o->trust_anchor_file, err, err_len) != 0) return -1;
  sd_getdns_loop_init(&dns->loop, dns->base);
  if (getdns_context_set_eventloop(ctx, &dns->loop.loop) != GETDNS_RETURN_GOOD) {
    snprintf(err, err_len, "getdns cannot attach to the libevent loop");
    return -1;
  }
  return 0;
}

/* Answers kept by default. Shared answers (MX hosts' addresses and TLSA)
 * are a few per MX host; the bulk are per-domain answers nobody asks for
 * twice. 16384 keeps every shared answer of a busy scan while memory stays
 * flat from ten thousand to millions of domains (bench/scan: at 65536 the
 * cache was still filling at 100,000 domains, +32% peak RSS over 10,000). */
#define SD_DNS_CACHE_DEFAULT 16384

/* Zones whose validated keys (or proven insecurity) are kept: beyond this the
 * oldest are forgotten and, if needed again, looked up again. */
#define SD_DNS_ZONES_KEPT 16384

static void on_signatures_checked(void *ctx, void *waiter, int valid);
static void on_cached_answers(evutil_socket_t fd, short what, void *arg);

/* The stub fast path (fastpath.h): own sockets, own validation with zone
 * keys getdns validated. Without it (recursive mode, or it could not start)
 * every query takes getdns's path, which is slower but equally correct. */
static void start_fast_path(sd_dns *dns, const sd_dns_options *o) {
  char err[256];
  int total_ms = o->timeout_ms > 0 ? o->timeout_ms : 5000;
  dns->sigcheck = sd_sigcheck_new(0);
  dns->stub = dns->sigcheck ? sd_stub_new(dns->base, o->resolver, total_ms / 2 > 1000 ? total_ms / 2 : 1000, err,
                                          sizeof(err))
                            : NULL;
  if (!dns->stub) {
    sd_sigcheck_free(dns->sigcheck);
    dns->sigcheck = NULL;
    return;
  }
  /* Without the worker, signatures are checked on the loop: slower, same results. */
  sd_sigcheck_use_worker(dns->sigcheck, dns->base, on_signatures_checked, dns);
}

sd_dns *sd_dns_new(struct event_base *base, const sd_dns_options *o, char *err, size_t err_len) {
  sd_dns *dns = calloc(1, sizeof(*dns));
  if (!dns) {
    snprintf(err, err_len, "out of memory");
    return NULL;
  }
  dns->base = base;
  dns->query_log = o->query_log;
  dns->answer_log = o->answer_log;
  if (o->recursive && !sd_unbound_event_interposed()) {
    snprintf(err, err_len, "recursive mode unavailable: getdns would not call stsdane's ub_resolve_event "
                           "wrapper (is the binary linked with -rdynamic/-Bsymbolic or statically?); use a resolver");
    free(dns);
    return NULL;
  }
  if (o->recursive && o->root_hints_file && set_root_hints(o->root_hints_file, err, err_len) != 0) {
    free(dns);
    return NULL;
  }
  /* set_from_os reads /etc/resolv.conf, the default upstream. */
  if (getdns_context_create(&dns->context, 1) != GETDNS_RETURN_GOOD) {
    snprintf(err, err_len, "cannot create a getdns context (is /etc/resolv.conf readable?)");
    free(dns);
    return NULL;
  }
  dns->extensions = getdns_dict_create();
  /* Validate ourselves (getdns then sets CD on stub queries) and keep bogus
   * answers with their data instead of dropping them. */
  getdns_dict_set_int(dns->extensions, "dnssec_return_all_statuses", GETDNS_EXTENSION_TRUE);
  dns->ready_ev = event_new(base, -1, 0, on_cached_answers, dns);
  if (!dns->ready_ev || configure_context(dns, o, err, err_len) != 0 ||
      sd_dns_cache_init(&dns->cache, o->cache_entries ? o->cache_entries : SD_DNS_CACHE_DEFAULT) != 0 ||
      sd_zone_table_init(&dns->zones, SD_DNS_ZONES_KEPT) != 0) {
    sd_dns_free(dns);
    return NULL;
  }
  if (!o->recursive && !getenv("STSDANE_DNS_NO_FAST_PATH")) start_fast_path(dns, o);
  return dns;
}

/* ---- parsing a getdns response ------------------------------------------ */

static char *dname_text(getdns_bindata *wire) {
  char *fqdn = NULL;
  if (!wire || getdns_convert_dns_name_to_fqdn(wire, &fqdn) != GETDNS_RETURN_GOOD || !fqdn)
    return sd_strdup("");
  size_t n = strlen(fqdn);
  if (n > 0 && fqdn[n - 1] == '.') fqdn[n - 1] = '\0';
  sd_str_lower(fqdn);
  return fqdn;
}

static void parse_txt(getdns_dict *rdata, sd_dns_record *rec) {
  getdns_list *strings = NULL;
  sd_buf buf = {0};
  size_t n = 0;
  if (getdns_dict_get_list(rdata, "txt_strings", &strings) == GETDNS_RETURN_GOOD)
    getdns_list_get_length(strings, &n);
  for (size_t i = 0; i < n; i++) {
    getdns_bindata *s = NULL;
    if (getdns_list_get_bindata(strings, i, &s) == GETDNS_RETURN_GOOD)
      sd_buf_append(&buf, s->data, s->size);
  }
  rec->text_len = buf.len;
  rec->text = sd_buf_take(&buf);
}

static void parse_rdata(getdns_dict *rr, sd_dns_record *rec) {
  getdns_dict *rdata = NULL;
  if (getdns_dict_get_dict(rr, "rdata", &rdata) != GETDNS_RETURN_GOOD) return;
  getdns_bindata *b = NULL;
  if (getdns_dict_get_bindata(rdata, "rdata_raw", &b) == GETDNS_RETURN_GOOD && b->size) {
    rec->rdata = malloc(b->size);
    if (rec->rdata) {
      memcpy(rec->rdata, b->data, b->size);
      rec->rdata_len = b->size;
    }
  }
  uint32_t pref = 0;
  switch (rec->type) {
  case SD_RR_MX:
    if (getdns_dict_get_int(rdata, "preference", &pref) == GETDNS_RETURN_GOOD) rec->preference = (int)pref;
    if (getdns_dict_get_bindata(rdata, "exchange", &b) == GETDNS_RETURN_GOOD) rec->target = dname_text(b);
    break;
  case SD_RR_CNAME:
    if (getdns_dict_get_bindata(rdata, "cname", &b) == GETDNS_RETURN_GOOD) rec->target = dname_text(b);
    break;
  case SD_RR_TXT:
    parse_txt(rdata, rec);
    break;
  case SD_RR_A:
  case SD_RR_AAAA:
    if (getdns_dict_get_bindata(rdata, rec->type == SD_RR_A ? "ipv4_address" : "ipv6_address", &b) ==
        GETDNS_RETURN_GOOD) {
      char *ip = getdns_display_ip_address(b);
      if (ip) snprintf(rec->ip, sizeof(rec->ip), "%s", ip);
      free(ip);
    }
    break;
  default:
    break;
  }
}

/* RRSIG expiration uses serial number arithmetic (RFC 4034 §3.1.5). */
static int rrsig_is_expired(getdns_dict *rr, time_t now) {
  uint32_t expiration = 0;
  if (getdns_dict_get_int(rr, "/rdata/signature_expiration", &expiration) != GETDNS_RETURN_GOOD) return 0;
  return (int32_t)(expiration - (uint32_t)now) < 0;
}

static int append_record(sd_dns_answer *a, getdns_dict *rr, uint16_t type) {
  sd_dns_record *recs = realloc(a->records, (a->count + 1) * sizeof(*recs));
  if (!recs) return -1;
  a->records = recs;
  sd_dns_record *rec = &recs[a->count++];
  memset(rec, 0, sizeof(*rec));
  rec->type = type;
  getdns_dict_get_int(rr, "ttl", &rec->ttl);
  getdns_bindata *owner = NULL;
  getdns_dict_get_bindata(rr, "name", &owner);
  rec->owner = dname_text(owner);
  parse_rdata(rr, rec);
  return 0;
}

static void append_cname(sd_dns_answer *a, getdns_dict *rr) {
  getdns_bindata *b = NULL;
  if (getdns_dict_get_bindata(rr, "/rdata/cname", &b) != GETDNS_RETURN_GOOD) return;
  char **c = realloc(a->cnames, (a->cname_count + 1) * sizeof(*c));
  if (!c) return;
  a->cnames = c;
  c[a->cname_count++] = dname_text(b);
}

static void parse_answer_section(sd_dns_answer *a, getdns_list *answer) {
  size_t n = 0;
  time_t now = time(NULL);
  getdns_list_get_length(answer, &n);
  for (size_t i = 0; i < n; i++) {
    getdns_dict *rr = NULL;
    uint32_t type = 0;
    if (getdns_list_get_dict(answer, i, &rr) != GETDNS_RETURN_GOOD) continue;
    getdns_dict_get_int(rr, "type", &type);
    if (type == SD_RR_RRSIG) {
      if (rrsig_is_expired(rr, now)) a->rrsig_expired = 1;
    } else if (type == SD_RR_CNAME && a->qtype != SD_RR_CNAME) {
      if (a->cname_count < SD_DNS_MAX_CNAMES) append_cname(a, rr);
    } else if (type == a->qtype && a->count < SD_DNS_MAX_RECORDS) {
      append_record(a, rr, (uint16_t)type);
    }
  }
}

static sd_dnssec map_dnssec(uint32_t status) {
  switch (status) {
  case GETDNS_DNSSEC_SECURE: return SD_DNSSEC_SECURE;
  case GETDNS_DNSSEC_INSECURE: return SD_DNSSEC_INSECURE;
  case GETDNS_DNSSEC_BOGUS: return SD_DNSSEC_BOGUS;
  default: return SD_DNSSEC_INDETERMINATE;
  }
}

static void parse_response(sd_dns_answer *a, getdns_callback_type_t type, getdns_dict *response) {
  if (type == GETDNS_CALLBACK_TIMEOUT) {
    sd_dns_answer_set_error(a, "timed out");
    return;
  }
  if (type != GETDNS_CALLBACK_COMPLETE || !response) {
    /* GETDNS_CALLBACK_ERROR is how a failed recursive lookup (SERVFAIL from
     * libunbound: unreachable or lame servers) arrives, see unbound_event.c. */
    sd_dns_answer_set_error(a, type == GETDNS_CALLBACK_CANCEL ? "cancelled" : "resolution failed (SERVFAIL or no server reachable)");
    return;
  }
  uint32_t status = 0, rcode = 0, dnssec = GETDNS_DNSSEC_INDETERMINATE;
  getdns_dict_get_int(response, "status", &status);
  getdns_dict *reply = NULL;
  if (status == GETDNS_RESPSTATUS_ALL_TIMEOUT ||
      getdns_dict_get_dict(response, "/replies_tree/0", &reply) != GETDNS_RETURN_GOOD) {
    sd_dns_answer_set_error(a, "no answer from the resolver (timeout)");
    return;
  }
  /* A reply without QR is a query, not an answer: getdns 1.6.0 has been seen
   * passing one on when libunbound failed (see unbound_event.c). Never read
   * it as "no data". */
  uint32_t qr = 0;
  if (getdns_dict_get_int(reply, "/header/qr", &qr) != GETDNS_RETURN_GOOD || qr != 1) {
    sd_dns_answer_set_error(a, "resolution failed (the resolver returned no response)");
    return;
  }
  getdns_dict_get_int(reply, "/header/rcode", &rcode);
  getdns_dict_get_int(reply, "dnssec_status", &dnssec);
  a->rcode = (int)rcode;
  if (rcode != 0 && rcode != 3) {
    sd_dns_answer_set_rcode_error(a, (int)rcode);
    return;
  }
  a->dnssec = map_dnssec(dnssec);
  getdns_list *answer = NULL;
  if (getdns_dict_get_list(reply, "answer", &answer) == GETDNS_RETURN_GOOD) parse_answer_section(a, answer);
  if (rcode == 3)
    a->lookup = SD_LOOKUP_NXDOMAIN;
  else
    a->lookup = a->count ? SD_LOOKUP_OK : SD_LOOKUP_NODATA;
}

/* ---- queries, cache and callbacks ---------------------------------------- */

/* The one place answers reach callers, fresh or cached. */
static void deliver(sd_dns *dns, const sd_dns_answer *answer, const sd_dns_waiter *w) {
  sd_dns_answer_log_write(dns->answer_log, answer);
  w->cb(answer, w->arg);
}

static void deliver_waiters(sd_dns *dns, sd_dns_cache_entry *e) {
  sd_dns_waiter *w = e->waiters;
  e->waiters = NULL;
  while (w) {
    sd_dns_waiter *next = w->next;
    deliver(dns, &e->answer, w);
    free(w);
    w = next;
  }
}

/* Attempts per lookup. getdns 1.6.0 in stub mode loses a few of many
 * simultaneous queries (seen in the testbed: ~1 in 4 runs of 53 domains
 * started at once timed out a dozen first-level lookups while the resolver
 * answered at once); a timed-out lookup is therefore sent again. */
#define SD_DNS_ATTEMPTS 3

static int is_timeout(getdns_callback_type_t type, getdns_dict *response) {
  uint32_t status = 0;
  if (type == GETDNS_CALLBACK_TIMEOUT) return 1;
  return type == GETDNS_CALLBACK_COMPLETE && response &&
         getdns_dict_get_int(response, "status", &status) == GETDNS_RETURN_GOOD &&
         status == GETDNS_RESPSTATUS_ALL_TIMEOUT;
}

static int start_lookup(sd_dns *dns, sd_dns_cache_entry *e, int full);

/* The entry's answer is filled: cache it, deliver it. */
static void finish_entry(sd_dns *dns, sd_dns_cache_entry *e) {
  e->pending = 0;
  if (dns->closing) return; /* the cache and its waiters are freed next */
  sd_dns_cache_completed(&dns->cache, e);
  sd_dns_cache_hold(e); /* a waiter may query again; keep e out of any trim */
  deliver_waiters(dns, e);
  sd_dns_cache_release(e);
  sd_dns_cache_trim(&dns->cache);
}

/* The entry's getdns lookup is over: parse, cache, deliver. */
static void complete_entry(sd_dns *dns, sd_dns_cache_entry *e, getdns_callback_type_t type, getdns_dict *response) {
  parse_response(&e->answer, type, response);
  if (response) getdns_dict_destroy(response);
  finish_entry(dns, e);
}

/* A timed-out full lookup is sent again while attempts remain. */
static int resent_after_timeout(sd_dns *dns, sd_dns_cache_entry *e, getdns_callback_type_t type,
                                getdns_dict *response) {
  if (dns->closing || !is_timeout(type, response) || e->attempts >= SD_DNS_ATTEMPTS) return 0;
  if (start_lookup(dns, e, 1) != 0) return 0;
  if (response) getdns_dict_destroy(response);
  return 1;
}

static void on_getdns_answer(getdns_context *ctx, getdns_callback_type_t type, getdns_dict *response,
                             void *userarg, getdns_transaction_t tid) {
  sd_dns_cache_entry *e = userarg;
  sd_dns *dns = e->owner;
  if (resent_after_timeout(dns, e, type, response)) return;
  if (!dns->closing && is_timeout(type, response)) {
    if (response) getdns_dict_destroy(response);
    response = NULL; /* could not resend: report the timeout */
    type = GETDNS_CALLBACK_TIMEOUT;
  }
  complete_entry(dns, e, type, response);
}

/* ---- stub fast path (fastpath.h) ------------------------------------------ */

/* getdns's full validation decides. After a good fast reply the full lookup
 * gets every attempt; after a lost one, only those left. */
static void fall_back(sd_dns *dns, sd_dns_cache_entry *e) {
  e->attempts = 0;
  if (start_lookup(dns, e, 1) != 0) complete_entry(dns, e, GETDNS_CALLBACK_ERROR, NULL);
}

static void on_zone_answer(getdns_context *ctx, getdns_callback_type_t type, getdns_dict *response,
                           void *userarg, getdns_transaction_t tid);

static int start_zone_lookup(sd_dns *dns, sd_zone *z) {
  getdns_transaction_t tid = 0;
  const char *name = z->name[0] ? z->name : ".";
  if (dns->query_log) fprintf(dns->query_log, "%s DNSKEY\n", name);
  dns->queries_sent++;
  return getdns_general(dns->context, name, SD_RR_DNSKEY, dns->extensions, z, &tid, on_zone_answer) ==
                 GETDNS_RETURN_GOOD ? 0 : -1;
}

/* A reply kept while it waits (the transport's buffer is reused). */
static uint8_t *copy_reply(const uint8_t *reply, size_t len) {
  uint8_t *copy = malloc(len ? len : 1);
  if (copy) memcpy(copy, reply, len);
  return copy;
}

/* The reply waits for its zone's keys; the first waiter starts the lookup. */
static void park(sd_dns *dns, sd_dns_cache_entry *e, const uint8_t *reply, size_t len, int parks, const char *zone) {
  int created = 0;
  sd_zone *z = sd_zone_table_get(&dns->zones, zone, &created);
  sd_zone_parked *p = z ? calloc(1, sizeof(*p)) : NULL;
  if (p && !(p->reply = copy_reply(reply, len))) {
    free(p);
    p = NULL;
  }
  if (!p) {
    fall_back(dns, e);
    return;
  }
  p->reply_len = len;
  p->parks = parks;
  p->entry = e;
  p->next = z->parked;
  z->parked = p;
  if (!created) return;
  z->owner = dns;
  if (start_zone_lookup(dns, z) != 0) on_zone_answer(dns->context, GETDNS_CALLBACK_ERROR, NULL, z, 0);
}

/* A reply may wait for zones one after the other (unsigned answers learn
 * their ancestors top down, fastpath.c); each wait learns a new zone, and
 * this bounds them. */
#define SD_DNS_MAX_PARKS 8
/* Rounds of waiting for the signature worker per reply: one is the rule; a
 * second comes when the first signature tried was bad and another is tried. */
#define SD_DNS_MAX_SIGNATURE_ROUNDS 8

/* A judgement that handed signatures to the worker (sigcheck.h). It lives
 * until every callback has come, even when the reply no longer needs them
 * (judged otherwise meanwhile: entry is then NULL). */
typedef struct fast_wait {
  sd_dns *dns;
  sd_dns_cache_entry *entry; /* the lookup to judge again; NULL: nobody */
  uint8_t *reply;
  size_t reply_len;
  int parks, rounds;
  size_t outstanding;        /* callbacks still to come */
  int all_valid;             /* every signature back so far verified */
  struct fast_wait *prev, *next;
} fast_wait;

/* The waiter a judgement may hand to sigcheck. Most judgements need none,
 * so one spare is kept and reused; only a judgement that does wait takes it
 * (keep_wait), and the next one gets a new spare. */
static fast_wait *spare_wait(sd_dns *dns) {
  if (!dns->spare_wait && (dns->spare_wait = calloc(1, sizeof(*dns->spare_wait)))) {
    dns->spare_wait->dns = dns;
    dns->spare_wait->all_valid = 1;
  }
  return dns->spare_wait;
}

/* The spare is waited on: it lives in the list until its callbacks are in. */
static void keep_wait(sd_dns *dns, fast_wait *w, size_t outstanding) {
  dns->spare_wait = NULL;
  w->outstanding = outstanding;
  w->next = dns->waits;
  if (w->next) w->next->prev = w;
  dns->waits = w;
}

static void free_wait(sd_dns *dns, fast_wait *w) {
  if (w->prev)
    w->prev->next = w->next;
  else
    dns->waits = w->next;
  if (w->next) w->next->prev = w->prev;
  free(w->reply);
  free(w);
}

static void handle_wire_reply_round(sd_dns *dns, sd_dns_cache_entry *e, const uint8_t *reply, size_t len, int parks,
                                    int rounds);

/* The reply waits for the worker; NULL reply copy: fall back. */
static void wait_for_signatures(sd_dns *dns, fast_wait *w, sd_dns_cache_entry *e, const uint8_t *reply, size_t len,
                                int parks, int rounds) {
  if (rounds >= SD_DNS_MAX_SIGNATURE_ROUNDS || !(w->reply = copy_reply(reply, len))) {
    fall_back(dns, e);
    return;
  }
  w->reply_len = len;
  w->entry = e;
  w->parks = parks;
  w->rounds = rounds + 1;
}

/* The judgement said: secure if every signature verifies. They did. */
static void finish_secure(sd_dns *dns, sd_dns_cache_entry *e, const uint8_t *reply, size_t len) {
  sd_wire_msg *m = &dns->reply;
  if (sd_wire_parse(m, reply, len) != 0) { /* parsed before: cannot happen */
    fall_back(dns, e);
    return;
  }
  sd_dns_answer_from_wire(&e->answer, m, SD_DNSSEC_SECURE);
  finish_entry(dns, e);
}

static void on_signatures_checked(void *ctx, void *waiter, int valid) {
  sd_dns *dns = ctx;
  fast_wait *w = waiter;
  w->all_valid &= valid;
  if (--w->outstanding > 0) return;
  sd_dns_cache_entry *e = w->entry;
  if (e && !dns->closing) {
    if (w->all_valid)
      finish_secure(dns, e, w->reply, w->reply_len);
    else /* another signature may still do: the results are cached now */
      handle_wire_reply_round(dns, e, w->reply, w->reply_len, w->parks, w->rounds);
  }
  free_wait(dns, w);
}

/* parks: how many zone lookups this reply has already waited for; rounds:
 * how many times it has waited for the signature worker. */
static void handle_wire_reply_round(sd_dns *dns, sd_dns_cache_entry *e, const uint8_t *reply, size_t len, int parks,
                                    int rounds) {
  sd_wire_msg *m = &dns->reply; /* large: kept in dns, never used by two replies at once */
  if (sd_wire_parse(m, reply, len) != 0 || (m->flags & SD_WIRE_FLAG_TC)) {
    fall_back(dns, e); /* malformed, too big for us, or truncated: getdns (with TCP) */
    return;
  }
  char zone[4 * SD_WIRE_NAME_MAX + 1];
  size_t waits = 0;
  fast_wait *w = spare_wait(dns);
  sd_fast_verdict verdict = w ? sd_fast_judge(&dns->zones, dns->sigcheck, m, (uint32_t)time(NULL), w, &waits, zone,
                                              sizeof(zone))
                              : SD_FAST_FALLBACK;
  if (w && waits > 0) keep_wait(dns, w, waits); /* callbacks will come, wanted or not */
  switch (verdict) {
  case SD_FAST_AS_IS:
  case SD_FAST_SECURE:
  case SD_FAST_INSECURE:
    sd_dns_answer_from_wire(&e->answer, m, verdict == SD_FAST_SECURE     ? SD_DNSSEC_SECURE
                                            : verdict == SD_FAST_INSECURE ? SD_DNSSEC_INSECURE
                                                                          : SD_DNSSEC_INDETERMINATE);
    finish_entry(dns, e);
    return;
  case SD_FAST_WAIT:
    wait_for_signatures(dns, w, e, reply, len, parks, rounds);
    return;
  case SD_FAST_NEED_ZONE:
    if (parks < SD_DNS_MAX_PARKS)
      park(dns, e, reply, len, parks + 1, zone);
    else
      fall_back(dns, e);
    return;
  case SD_FAST_FALLBACK:
  default:
    fall_back(dns, e);
    return;
  }
}

static void handle_wire_reply(sd_dns *dns, sd_dns_cache_entry *e, const uint8_t *reply, size_t len, int parks) {
  handle_wire_reply_round(dns, e, reply, len, parks, 0);
}

static void on_stub_reply(void *arg, const uint8_t *reply, size_t len) {
  sd_dns_cache_entry *e = arg;
  sd_dns *dns = e->owner;
  if (!reply) {
    /* Lost: the full path retries with the attempts left. */
    if (e->attempts < SD_DNS_ATTEMPTS && start_lookup(dns, e, 1) == 0) return;
    complete_entry(dns, e, GETDNS_CALLBACK_TIMEOUT, NULL);
    return;
  }
  handle_wire_reply(dns, e, reply, len, 0);
}

static void on_zone_answer(getdns_context *ctx, getdns_callback_type_t type, getdns_dict *response,
                           void *userarg, getdns_transaction_t tid) {
  sd_zone *z = userarg;
  sd_dns *dns = z->owner;
  if (dns->closing) { /* the zone table (and parked answers) are freed next */
    if (response) getdns_dict_destroy(response);
    return;
  }
  int failed = type != GETDNS_CALLBACK_COMPLETE || !response || is_timeout(type, response);
  sd_zone_learn(z, failed ? NULL : response);
  if (response) getdns_dict_destroy(response);
  sd_zone_parked *p = z->parked;
  z->parked = NULL;
  /* A failed lookup teaches nothing: forget the zone so a later answer asks
   * again; its parked answers take the full path now. */
  if (failed) sd_zone_table_forget(&dns->zones, z);
  else sd_zone_table_settled(&dns->zones, z);
  while (p) {
    sd_zone_parked *next = p->next;
    if (failed) fall_back(dns, p->entry);
    else handle_wire_reply(dns, p->entry, p->reply, p->reply_len, p->parks);
    free(p->reply);
    free(p);
    p = next;
  }
}

/* Cache hits must still be delivered from the loop, never re-entrantly:
 * those queued until now go; callbacks that query again queue for the next
 * turn. */
static void on_cached_answers(evutil_socket_t fd, short what, void *arg) {
  sd_dns *dns = arg;
  sd_dns_waiter *w = dns->ready_head;
  dns->ready_head = dns->ready_tail = NULL;
  while (w) {
    sd_dns_waiter *next = w->next;
    deliver(dns, &w->entry->answer, w);
    sd_dns_cache_release(w->entry);
    free(w);
    w = next;
  }
}

static int queue_cached_answer(sd_dns *dns, sd_dns_waiter *w) {
  if (!dns->ready_head) {
    const struct timeval now = {0, 0};
    if (event_add(dns->ready_ev, &now) != 0) return -1;
  }
  w->next = NULL;
  if (dns->ready_tail)
    dns->ready_tail->next = w;
  else
    dns->ready_head = w;
  dns->ready_tail = w;
  return 0;
}

static int start_stub_lookup(sd_dns *dns, sd_dns_cache_entry *e) {
  sd_wire_name qname;
  return sd_wire_name_from_text(e->answer.qname, &qname) == 0 &&
                 sd_stub_query(dns->stub, &qname, e->answer.qtype, on_stub_reply, e) == 0
             ? 0
             : -1;
}

/* full: getdns validates (fetching the chain); else the fast path, when on. */
static int start_lookup(sd_dns *dns, sd_dns_cache_entry *e, int full) {
  getdns_transaction_t tid = 0;
  e->attempts++;
  if (dns->query_log) fprintf(dns->query_log, "%s %s\n", e->answer.qname, sd_rr_type_name(e->answer.qtype));
  dns->queries_sent++;
  /* A name the fast path cannot send (escapes) or no room in flight: getdns. */
  if (!full && dns->stub && start_stub_lookup(dns, e) == 0) return 0;
  getdns_return_t rc = getdns_general(dns->context, e->answer.qname, e->answer.qtype, dns->extensions, e, &tid,
                                      on_getdns_answer);
  if (rc != GETDNS_RETURN_GOOD) {
    sd_dns_answer_set_error(&e->answer, getdns_get_errorstr_by_id(rc));
    e->pending = 0;
    return -1;
  }
  return 0;
}

/* Longest name in presentation form, without the trailing dot. */
#define SD_DNS_NAME_MAX 253

int sd_dns_query(sd_dns *dns, const char *name, uint16_t type, sd_dns_cb cb, void *arg) {
  sd_dns_waiter *w = calloc(1, sizeof(*w));
  if (!w) return -1;
  w->cb = cb;
  w->arg = arg;
  int created = 0;
  sd_dns_cache_entry *e = sd_dns_cache_get(&dns->cache, name, type, &created);
  if (!e) {
    free(w);
    return -1;
  }
  e->owner = dns;
  if (e->pending) { /* join the lookup in flight */
    w->next = e->waiters;
    e->waiters = w;
    return 0;
  }
  if (created && strlen(e->answer.qname) > SD_DNS_NAME_MAX) {
    /* No such name can exist (RFC 1035 §2.3.4): answered at once, never sent.
     * Callers build names like _mta-sts.<d> or _25._tcp.<host> from input
     * near that limit; a failed lookup would make their outcome "unknown". */
    e->answer.lookup = SD_LOOKUP_NXDOMAIN;
    e->answer.dnssec = SD_DNSSEC_INDETERMINATE;
    e->answer.rcode = 3;
    sd_dns_cache_completed(&dns->cache, e);
  } else if (created) {
    e->pending = 1;
    w->next = e->waiters;
    e->waiters = w;
    if (start_lookup(dns, e, 0) == 0) return 0;
    /* getdns refused the query: answer the waiter with the error from the loop. */
    e->waiters = NULL;
    sd_dns_cache_completed(&dns->cache, e);
  } else {
    dns->cache_hits++;
  }
  w->entry = e;
  sd_dns_cache_hold(e);
  if (queue_cached_answer(dns, w) != 0) {
    sd_dns_cache_release(e);
    free(w);
    return -1;
  }
  return 0;
}

size_t sd_dns_queries_sent(const sd_dns *dns) { return dns->queries_sent; }
size_t sd_dns_cache_hits(const sd_dns *dns) { return dns->cache_hits; }

void sd_dns_free(sd_dns *dns) {
  if (!dns) return;
  /* Destroying the context cancels lookups in flight; their callbacks then
   * see the cache entries, which go last. */
  dns->closing = 1;
  sd_stub_free(dns->stub); /* drops fast queries in flight, without callbacks */
  if (dns->context) getdns_context_destroy(dns->context);
  if (dns->loop.loop.vmt) sd_getdns_loop_release(&dns->loop);
  if (dns->extensions) getdns_dict_destroy(dns->extensions);
  sd_sigcheck_free(dns->sigcheck); /* joins the worker; no callbacks after this */
  while (dns->waits) free_wait(dns, dns->waits);
  free(dns->spare_wait);
  for (sd_dns_waiter *w = dns->ready_head, *next; w; w = next) { /* never delivered */
    next = w->next;
    sd_dns_cache_release(w->entry);
    free(w);
  }
  if (dns->ready_ev) event_free(dns->ready_ev);
  sd_zone_table_destroy(&dns->zones);
  sd_dns_cache_destroy(&dns->cache);
  free(dns);
}
