#include "dns/ub_context.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <unbound.h>

/* One "name: value" setting; name includes the colon, as libunbound wants. */
typedef struct ub_setting {
  char name[64];
  char value[1024];
} ub_setting;

/* Splits "name: value" (value trimmed). 0 on success. */
static int split_setting(const char *text, ub_setting *s) {
  const char *colon = strchr(text, ':');
  if (!colon || colon == text || (size_t)(colon - text) + 2 > sizeof(s->name)) return -1;
  size_t n = (size_t)(colon - text) + 1;
  memcpy(s->name, text, n);
  s->name[n] = '\0';
  const char *value = colon + 1 + strspn(colon + 1, " \t");
  int len = snprintf(s->value, sizeof(s->value), "%s", value);
  if (len < 0 || (size_t)len >= sizeof(s->value)) return -1;
  while (len > 0 && (s->value[len - 1] == ' ' || s->value[len - 1] == '\t')) s->value[--len] = '\0';
  return 0;
}

/* ub_ctx_set_option keeps quotes as part of a local-zone's name and files
 * "NAME nodefault" whole in its nodefault list, where it never matches a
 * zone (unbound 1.17). "NAME transparent" has the effect nodefault is used
 * for: a configured zone keeps libunbound from adding its built-in content
 * for NAME (e.g. the RFC 6761 name test.), and without data it resolves
 * normally. Other values pass unchanged. */
static void rewrite_local_zone(ub_setting *s) {
  char zone[256], type[32], extra[2];
  if (strcmp(s->name, "local-zone:") != 0 || sscanf(s->value, "%255s %31s %1s", zone, type, extra) != 2) return;
  size_t n = strlen(zone);
  const char *name = zone;
  if (n >= 3 && zone[0] == '"' && zone[n - 1] == '"') {
    zone[n - 1] = '\0';
    name = zone + 1;
  }
  snprintf(s->value, sizeof(s->value), "%s %s", name, strcmp(type, "nodefault") == 0 ? "transparent" : type);
}

static int set_option(struct ub_ctx *ctx, const char *name, const char *value, char *err, size_t err_len) {
  int rc = ub_ctx_set_option(ctx, name, value);
  if (rc != 0) {
    snprintf(err, err_len, "libunbound refused the option '%s %s': %s", name, value, ub_strerror(rc));
    return -1;
  }
  return 0;
}

/* Settings stsdane chooses; the caller's --unbound-option values come after
 * them and win. */
static int set_defaults(struct ub_ctx *ctx, const sd_dns_options *o, char *err, size_t err_len) {
  char in_flight[16], ports[16];
  snprintf(in_flight, sizeof(in_flight), "%d", SD_UB_MAX_IN_FLIGHT);
  snprintf(ports, sizeof(ports), "%d", SD_UB_OUTGOING_PORTS);
  const char *settings[][2] = {
      {"module-config:", "validator iterator"},
      {"num-queries-per-thread:", in_flight},
      /* libunbound's library default is 16 queries on the wire at once
       * (config_create_forlib): a scan with hundreds of domains in flight
       * then waits in libunbound's queue. Each in use holds one socket. */
      {"outgoing-range:", ports},
      {"outgoing-num-tcp:", "64"},
      /* RFC 8145 key-tag queries would tell the resolver (and anyone on
       * the path) which trust anchor a measurement uses: not its business. */
      {"trust-anchor-signaling:", "no"},
      /* Off-path spoofing: random source ports (libunbound's default) and
       * random letter case in every query name, checked on the reply. */
      {"use-caps-for-id:", "yes"},
      /* A scan asks for most names once, and sd_dns keeps the answers it
       * asks for again itself (dns/cache.h): what libunbound's caches must
       * keep is the hot set, i.e. the keys and delegations of the parents
       * and of the shared MX hosts' zones, which least recently used
       * eviction keeps. Measured (docs/bench.md, "Where the memory goes"):
       * on 20,000 domains these sizes sent as many queries to the resolver
       * as 8m/16m/16m (155,417 and 165,335) with 24 MB less; the bigger
       * caches only fill up, the libunbound thread's heap then holding
       * 54 MB. --unbound-option raises them (e.g. for --recursive). */
      {"msg-cache-size:", SD_UB_MSG_CACHE},
      {"rrset-cache-size:", SD_UB_RRSET_CACHE},
      {"key-cache-size:", SD_UB_KEY_CACHE},
      /* Denials synthesised from cached NSEC chains (RFC 8198) would answer
       * the resolver check's fresh names (core/resolver_health.h) without
       * asking anyone; a scan asks each name once, so it loses little. */
      {"aggressive-nsec:", "no"},
  };
  for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
    if (set_option(ctx, settings[i][0], settings[i][1], err, err_len) != 0) return -1;
  /* The stub resolver a user names is often local (127.0.0.1, 127.0.0.53);
   * in recursion, servers on loopback stay refused, as in Unbound. */
  if (!o->recursive && set_option(ctx, "do-not-query-localhost:", "no", err, err_len) != 0) return -1;
  return 0;
}

static int set_caller_options(struct ub_ctx *ctx, const sd_dns_options *o, char *err, size_t err_len) {
  for (size_t i = 0; i < o->unbound_option_count; i++) {
    ub_setting s;
    if (split_setting(o->unbound_options[i], &s) != 0) {
      snprintf(err, err_len, "libunbound option '%s' is not 'name: value' (e.g. 'local-zone: test. nodefault')",
               o->unbound_options[i]);
      return -1;
    }
    rewrite_local_zone(&s);
    if (set_option(ctx, s.name, s.value, err, err_len) != 0) return -1;
  }
  return 0;
}

static int readable(const char *path, const char *what, const char *hint, char *err, size_t err_len) {
  if (access(path, R_OK) == 0) return 0;
  snprintf(err, err_len, "cannot read the %s %s: %s%s", what, path, strerror(errno), hint);
  return -1;
}

static int set_trust_anchor(struct ub_ctx *ctx, const sd_dns_options *o, char *err, size_t err_len) {
  const char *path = o->trust_anchor_file ? o->trust_anchor_file : SD_UB_DEFAULT_TRUST_ANCHOR;
  const char *hint = o->trust_anchor_file ? "" : " (install the package dns-root-data, or pass --trust-anchor)";
  if (readable(path, "DNSSEC trust anchor", hint, err, err_len) != 0) return -1;
  int rc = ub_ctx_add_ta_file(ctx, path);
  if (rc != 0) {
    snprintf(err, err_len, "DNSSEC trust anchor %s rejected: %s (want DS or DNSKEY records in zone-file format)",
             path, ub_strerror(rc));
    return -1;
  }
  return 0;
}

/* Stub mode: every query goes to the one resolver (or those of
 * /etc/resolv.conf), which is trusted for nothing: libunbound asks it with
 * DO and, after a failure, with CD, and validates what comes back. */
static int set_upstream(struct ub_ctx *ctx, const sd_dns_options *o, char *err, size_t err_len) {
  int rc = o->resolver ? ub_ctx_set_fwd(ctx, o->resolver) : ub_ctx_resolvconf(ctx, NULL);
  if (rc != 0) {
    if (o->resolver)
      snprintf(err, err_len, "cannot use the resolver '%s': %s (want an IPv4 or IPv6 address, optionally @port)",
               o->resolver, ub_strerror(rc));
    else
      snprintf(err, err_len, "cannot read the resolvers of /etc/resolv.conf: %s (pass --resolver)", ub_strerror(rc));
    return -1;
  }
  return 0;
}

static int set_root_hints(struct ub_ctx *ctx, const sd_dns_options *o, char *err, size_t err_len) {
  if (!o->root_hints_file) return 0; /* libunbound's built-in hints */
  if (readable(o->root_hints_file, "root hints", "", err, err_len) != 0) return -1;
  return set_option(ctx, "root-hints:", o->root_hints_file, err, err_len);
}

struct ub_ctx *sd_ub_context_new(const sd_dns_options *o, char *err, size_t err_len) {
  struct ub_ctx *ctx = ub_ctx_create();
  if (!ctx) {
    snprintf(err, err_len, "cannot create a libunbound context (out of memory?)");
    return NULL;
  }
  int rc = ub_ctx_async(ctx, 1); /* a thread, not a forked process */
  if (rc != 0) {
    snprintf(err, err_len, "libunbound cannot resolve on a thread: %s", ub_strerror(rc));
    ub_ctx_delete(ctx);
    return NULL;
  }
  if (set_defaults(ctx, o, err, err_len) != 0 || set_trust_anchor(ctx, o, err, err_len) != 0 ||
      (o->recursive ? set_root_hints(ctx, o, err, err_len) : set_upstream(ctx, o, err, err_len)) != 0 ||
      set_caller_options(ctx, o, err, err_len) != 0) {
    ub_ctx_delete(ctx);
    return NULL;
  }
  return ctx;
}
