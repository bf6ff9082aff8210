/*
 * One plan per protocol (MTA-STS, DANE) and for both together: whether it
 * can work here, what is missing, the steps in the safe order (testing
 * before enforce; TLSA checked before anything relies on it; the DS at the
 * parent last), the duties once it runs, and what it protects against that
 * the other does not.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "util/str.h"

const char *sd_plan_status_name(sd_plan_status s) {
  static const char *const names[] = {"in-place", "ready", "needs-work", "unknown", "blocked", "no-mail"};
  return names[s];
}

const char *sd_plan_protocol_name(sd_plan_protocol_id id) {
  static const char *const names[] = {"mta-sts", "dane", "dane+mta-sts"};
  return names[id];
}

void sd_plan_list_add(sd_plan_list *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = NULL;
  int n = vasprintf(&text, fmt, ap);
  va_end(ap);
  char **items = n >= 0 ? realloc(l->items, (l->count + 1) * sizeof(*items)) : NULL;
  if (!items) {
    free(n >= 0 ? text : NULL);
    return;
  }
  l->items = items;
  l->items[l->count++] = text;
}

void sd_plan_list_free(sd_plan_list *l) {
  for (size_t i = 0; i < l->count; i++) free(l->items[i]);
  free(l->items);
  memset(l, 0, sizeof(*l));
}

static int list_has(const sd_plan_list *l, const char *item) {
  for (size_t i = 0; i < l->count; i++)
    if (strcmp(l->items[i], item) == 0) return 1;
  return 0;
}

/* dst += the items of src it does not have yet (both plans may name the
 * same broken MX). */
static void list_append(sd_plan_list *dst, const sd_plan_list *src) {
  for (size_t i = 0; i < src->count; i++)
    if (!list_has(dst, src->items[i])) sd_plan_list_add(dst, "%s", src->items[i]);
}

/* Who has to act for an MX host: you, or the operator that runs it. */
static const char *who(const sd_plan_mx *mx) { return mx->third_party ? mx->operator_domain : "you"; }

/* An MX without TLS fails both protocols alike: one sentence, so that the
 * combined plan names it once. */
static void add_no_tls(const sd_plan_mx *mx, sd_plan_list *missing) {
  sd_plan_list_add(missing, "MX %s completes no TLS session (%s): %s must offer STARTTLS (MTA-STS senders in "
                   "enforce mode and DANE senders refuse it).", mx->host, mx->tls_problem, who(mx));
}

/* An MX that is an address (RFC-invalid, yet published): neither a policy
 * pattern nor a TLSA base domain can name it. One sentence for both plans. */
static int add_ip_literal(const sd_plan_mx *mx, sd_plan_list *missing) {
  if (!mx->ip_literal) return 0;
  sd_plan_list_add(missing, "MX %s is an address, not a host name: no MTA-STS policy or TLSA record can name it; "
                   "publish an MX record with a host name instead.", mx->host);
  return 1;
}

/* ---- MTA-STS ------------------------------------------------------------------ */

static void mtasts_prerequisites(const sd_plan_prereq *p, sd_plan_protocol *out) {
  for (size_t i = 0; i < p->mx_count; i++) {
    const sd_plan_mx *mx = &p->mx[i];
    if (add_ip_literal(mx, &out->missing)) continue;
    if (mx->starttls == 0)
      add_no_tls(mx, &out->missing);
    else if (mx->webpki == 0)
      sd_plan_list_add(&out->missing, "MX %s serves a certificate that is not valid for WebPKI (%s): %s must get "
                       "a certificate for %s from a public CA (e.g. with ACME)", mx->host, mx->webpki_problem,
                       mx->third_party ? mx->operator_domain : "you", mx->host);
    if (mx->starttls == -1 || (mx->starttls == 1 && mx->webpki == -1))
      sd_plan_list_add(&out->unknown, "MX %s: its TLS certificate could not be measured%s", mx->host,
                       mx->probed ? " on every address" : " (no probe answered or --no-smtp)");
  }
  if (p->policy_host_state == SD_PHOST_CERT_INVALID)
    sd_plan_list_add(&out->missing, "%s answers HTTPS with a certificate not valid for the name (%s): get a "
                     "certificate for %s from a public CA", p->policy_host, p->policy_host_detail, p->policy_host);
  if (p->policy_host_state == SD_PHOST_UNKNOWN)
    sd_plan_list_add(&out->unknown, "could not tell whether %s is free or in use (%s)", p->policy_host,
                     p->policy_host_detail ? p->policy_host_detail : "not measured");
}

static void add_tlsrpt_step(const sd_plan *plan, sd_plan_list *steps) {
  const sd_plan_record *t = &plan->publish.tlsrpt;
  if (!t->value) return;
  sd_plan_list_add(steps, "Publish the TLSRPT record first, so that sending servers report TLS failures to you "
                   "(make sure the mailbox exists):\n  %s. IN TXT \"%s\"%s", t->name, t->value,
                   plan->prereq.tlsrpt == -1 ? "\n  (it replaces today's invalid record)" : "");
}

static void add_policy_host_step(const sd_plan_prereq *p, const char *cert_name, sd_plan_list *steps) {
  const char *h = p->policy_host;
  switch (p->policy_host_state) {
  case SD_PHOST_FREE:
    sd_plan_list_add(steps, "Create the policy host %s: an address record and an HTTPS server with a certificate "
                     "from a public CA whose names include %s.", h, cert_name);
    break;
  case SD_PHOST_NO_HTTPS:
    sd_plan_list_add(steps, "%s exists but answers no HTTPS: serve HTTPS there with a certificate from a public CA "
                     "whose names include %s.", h, cert_name);
    break;
  case SD_PHOST_CERT_INVALID:
    sd_plan_list_add(steps, "Replace the certificate of %s by one from a public CA whose names include %s.", h,
                     cert_name);
    break;
  case SD_PHOST_HTTPS:
    sd_plan_list_add(steps, "%s already answers HTTPS with a valid certificate (its names must keep including %s): "
                     "only the policy file is missing.", h, cert_name);
    break;
  case SD_PHOST_POLICY:
    sd_plan_list_add(steps, "%s already serves a policy (its certificate must keep including %s): replace it by "
                     "the one below.", h, cert_name);
    break;
  default:
    sd_plan_list_add(steps, "Make sure %s answers HTTPS with a certificate from a public CA whose names include %s.",
                     h, cert_name);
  }
}

/* Today's MTA-STS deployment, when it is one the plan can build on: a valid
 * record and a served, valid policy that lists every MX. */
static sd_sts_mode usable_policy_today(const sd_plan_prereq *p) {
  const sd_domain_result *r = p->m->r;
  if (p->sts_record != 1 || p->policy_host_state != SD_PHOST_POLICY || !r->policy.valid) return SD_STS_MODE_UNSET;
  for (size_t i = 0; i < p->mx_count; i++)
    if (p->mx[i].policy_covers != 1) return SD_STS_MODE_UNSET;
  return r->policy.mode;
}

static void add_enforce_steps(const sd_plan *plan, sd_plan_list *steps) {
  const sd_plan_publish *pub = &plan->publish;
  sd_plan_list_add(steps, "Wait at least %d days and read the TLSRPT reports: every sender should report "
                   "successful sessions to every MX.", SD_PLAN_TESTING_DAYS);
  sd_plan_list_add(steps, "Switch the policy to enforce:\n%sthen publish a new id, or senders keep the cached "
                   "testing policy:\n  %s. IN TXT \"%s\"", pub->policy_enforce, pub->sts_enforce.name,
                   pub->sts_enforce.value);
  sd_plan_list_add(steps, "Once enforce runs without reported failures, raise max_age to %ld (a year) and "
                   "publish a new id.", SD_PLAN_FINAL_MAX_AGE);
}

static void add_mtasts_steps(const sd_plan *plan, sd_plan_list *steps, int with_tlsrpt) {
  const sd_plan_prereq *p = &plan->prereq;
  const sd_plan_publish *pub = &plan->publish;
  if (with_tlsrpt) add_tlsrpt_step(plan, steps);
  for (size_t i = 0; i < p->mx_count; i++)
    if (p->mx[i].starttls == 0 || p->mx[i].webpki == 0) {
      sd_plan_list_add(steps, "Fix the MX certificates listed as missing before publishing anything: in enforce "
                       "mode senders refuse an MX without a valid certificate.");
      break;
    }
  sd_sts_mode today = usable_policy_today(p);
  if (today == SD_STS_MODE_ENFORCE) {
    sd_plan_list_add(steps, "Keep today's policy (mode enforce, id %s): it lists every MX, so MTA-STS protects "
                     "mail once what is missing is fixed (any change to it needs a new id).", p->m->r->sts_record.id);
    return;
  }
  if (today == SD_STS_MODE_TESTING) {
    sd_plan_list_add(steps, "Keep today's testing policy (id %s): it lists every MX.", p->m->r->sts_record.id);
    add_enforce_steps(plan, steps);
    return;
  }
  add_policy_host_step(p, pub->policy_host_cert_name, steps);
  sd_plan_list_add(steps, "Serve the policy at %s (Content-Type: text/plain, HTTP 200, no redirect), in testing "
                   "mode first (failures are reported, mail still flows):\n%s", pub->policy_url, pub->policy_testing);
  sd_plan_list_add(steps, "Then publish the record that tells senders to fetch it%s:\n  %s. IN TXT \"%s\"",
                   p->sts_record == 1 ? " (it replaces today's record: a new id makes senders fetch again)"
                   : p->sts_record == -1 ? " (it replaces today's invalid record)" : "",
                   pub->sts_testing.name, pub->sts_testing.value);
  add_enforce_steps(plan, steps);
}

static void mtasts_duties(const sd_plan_prereq *p, sd_plan_list *d) {
  sd_plan_list_add(d, "Renew the certificates of every MX and of %s before they expire (automate it): in enforce "
                   "mode an expired MX certificate stops mail from MTA-STS senders.", p->policy_host);
  sd_plan_list_add(d, "Every change of the policy file needs a new id in the _mta-sts record, or senders keep the "
                   "cached policy until max_age runs out.");
  sd_plan_list_add(d, "Changing MX hosts: add the new host to the policy (new id) before it appears in the MX "
                   "RRset, and remove an old one only after max_age has passed.");
  sd_plan_list_add(d, "Keep %s serving the policy: senders refresh it before max_age runs out.", p->policy_host);
}

static void mtasts_protects(sd_plan_list *l) {
  sd_plan_list_add(l, "Works without DNSSEC: for a zone that cannot be signed, or MX hosts at a provider whose "
                   "zone is not signed.");
  sd_plan_list_add(l, "Protects mail from senders that implement MTA-STS but do not validate DNSSEC.");
  sd_plan_list_add(l, "Limits: trust on first use (the first delivery, or one after the cached policy expired, "
                   "can be downgraded) and any public CA can issue a certificate for your MX.");
}

/* ---- DANE ---------------------------------------------------------------------- */

static void dane_domain_prerequisites(const sd_plan_prereq *p, sd_plan_protocol *out) {
  switch (p->zone) {
  case SD_ZONE_UNSIGNED:
    sd_plan_list_add(&out->missing, "The zone of %s is not signed: DANE needs DNSSEC for the MX RRset, the MX "
                     "addresses and the TLSA records.", p->domain);
    break;
  case SD_ZONE_SIGNED_NO_DS:
    sd_plan_list_add(&out->missing, "The zone of %s is signed but its parent has no DS record: validating senders "
                     "see it as unsigned (publish the DS last).", p->domain);
    break;
  case SD_ZONE_BOGUS:
    sd_plan_list_add(&out->missing, "DNSSEC of %s is broken (bogus): validating senders cannot even find your MX; "
                     "fix the signatures first.", p->domain);
    break;
  case SD_ZONE_UNKNOWN:
    sd_plan_list_add(&out->unknown, "the DNSSEC status of %s could not be measured", p->domain);
    break;
  default: break;
  }
}

static int zone_usable(sd_zone_state z) { return z == SD_ZONE_SIGNED; }

static void dane_mx_prerequisites(const sd_plan_prereq *p, const sd_plan_mx *mx, sd_plan_protocol *out,
                                  int *blocked) {
  if (add_ip_literal(mx, &out->missing)) return;
  int same_zone_as_domain = !mx->third_party && mx->zone == p->zone;
  if (!zone_usable(mx->zone) && mx->zone != SD_ZONE_UNKNOWN && !same_zone_as_domain) {
    if (mx->third_party) {
      *blocked = 1;
      sd_plan_list_add(&out->missing, "MX %s is run by %s, whose zone is %s: DANE needs %s to sign it and publish "
                       "TLSA records (or a provider that does).", mx->host, mx->operator_domain,
                       sd_zone_state_name(mx->zone), mx->operator_domain);
      return;
    }
    sd_plan_list_add(&out->missing, "The zone of MX %s is %s: sign it (with a DS at its parent).", mx->host,
                     sd_zone_state_name(mx->zone));
  }
  if (mx->zone == SD_ZONE_UNKNOWN)
    sd_plan_list_add(&out->unknown, "the DNSSEC status of MX %s could not be measured", mx->host);
  if (mx->third_party && mx->dane != SD_MX_DANE_AUTHENTICATED && zone_usable(mx->zone)) {
    *blocked = 1;
    sd_plan_list_add(&out->missing, "MX %s is run by %s: only %s can publish matching TLSA records at "
                     "_25._tcp.%s and keep them current.", mx->host, mx->operator_domain, mx->operator_domain,
                     mx->cname ? mx->cname : mx->host);
  }
  if (mx->dane == SD_MX_DANE_DNS_FAILED && zone_usable(mx->zone))
    sd_plan_list_add(&out->missing, "The TLSA lookup at _25._tcp.%s fails for validating senders (bogus signatures or "
                     "a failing server): %s must fix it, or DANE senders cannot deliver to MX %s at all.",
                     mx->cname ? mx->cname : mx->host, who(mx), mx->host);
  if (mx->starttls == 0)
    add_no_tls(mx, &out->missing);
  else if (mx->starttls == -1 || mx->key_count == 0)
    sd_plan_list_add(&out->unknown, "MX %s: the key it serves could not be measured", mx->host);
}

/* MX hosts whose TLSA records today do not authenticate them: the new
 * records replace those (a stale key, unusable parameters). */
static void add_stale_tlsa_note(const sd_plan_prereq *p, sd_plan_list *steps) {
  for (size_t i = 0; i < p->mx_count; i++) {
    const sd_plan_mx *mx = &p->mx[i];
    if (mx->tlsa_count && mx->dane != SD_MX_DANE_AUTHENTICATED)
      sd_plan_list_add(steps, "Remove the %zu TLSA record(s) published today for MX %s (DANE today: %s) once the "
                       "new one is in place: they do not authenticate the key it serves.", mx->tlsa_count, mx->host,
                       sd_mx_dane_name(mx->dane));
  }
}

static void add_dane_steps(const sd_plan *plan, sd_plan_list *steps, int with_tlsrpt) {
  const sd_plan_prereq *p = &plan->prereq;
  const sd_plan_publish *pub = &plan->publish;
  if (with_tlsrpt) add_tlsrpt_step(plan, steps);
  if (p->zone == SD_ZONE_UNSIGNED || p->zone == SD_ZONE_BOGUS)
    sd_plan_list_add(steps, "Sign the zone of %s (your DNS provider's DNSSEC setting, or inline signing in BIND, "
                     "Knot or PowerDNS) and check the signatures validate (e.g. delv %s MX), but do not publish "
                     "the DS yet: without it nothing relies on the signatures.", p->domain, p->domain);
  for (size_t i = 0; i < p->mx_count; i++)
    if (!p->mx[i].third_party && !zone_usable(p->mx[i].zone) && p->mx[i].zone != p->zone)
      sd_plan_list_add(steps, "Sign the zone of MX %s the same way, then publish its DS.", p->mx[i].host);
  if (pub->tlsa_count) {
    size_t cap = 1;
    for (size_t i = 0; i < pub->tlsa_count; i++) cap += strlen(pub->tlsa[i].name) + strlen(pub->tlsa[i].value) + 80;
    char *records = calloc(1, cap), *end = records;
    for (size_t i = 0; records && i < pub->tlsa_count; i++)
      end += sprintf(end, "\n  %s. IN TLSA %s%s%.64s%s", pub->tlsa[i].name, pub->tlsa[i].value,
                     pub->tlsa[i].published_by ? "   ; published by " : "",
                     pub->tlsa[i].published_by ? pub->tlsa[i].published_by : "",
                     pub->tlsa[i].published ? "   ; in DNS already" : "");
    sd_plan_list_add(steps, "Publish a TLSA record for each key each MX serves (DANE-EE, public key, SHA-256: it "
                     "pins the key, not the certificate, so a renewal that keeps the key needs no change):%s",
                     records ? records : "");
    add_stale_tlsa_note(p, steps);
    free(records);
  }
  sd_plan_list_add(steps, "Check every TLSA record against the key actually served before anything relies on it: "
                   "stsdane lint tlsa --cert CHAIN.pem --name MX 'RECORD' (or stsdane check %s).", p->domain);
  if (p->zone == SD_ZONE_UNSIGNED || p->zone == SD_ZONE_SIGNED_NO_DS || p->zone == SD_ZONE_BOGUS)
    sd_plan_list_add(steps, "Last, publish the DS record of %s at the parent zone (your registrar): from then on "
                     "DANE senders require the TLSA match for every delivery.", p->domain);
}

static void dane_duties(sd_plan_list *d) {
  sd_plan_list_add(d, "Key rollover: publish the TLSA 3 1 1 of the next key beside the current one (two records "
                   "during the rollover), wait at least twice the TLSA TTL, switch the server to the new key, then "
                   "remove the old record.");
  sd_plan_list_add(d, "Certificate renewal: keep the key (e.g. certbot --reuse-key) and nothing changes in DNS; a "
                   "new key needs the rollover above first.");
  sd_plan_list_add(d, "DNSSEC: signatures expire; re-sign automatically and monitor it, and roll the zone keys "
                   "with the DS at the parent in step. Expired signatures make the MX unreachable for validating "
                   "senders.");
}

static void dane_protects(sd_plan_list *l) {
  sd_plan_list_add(l, "No trust on first use: the very first delivery from a sender is already authenticated.");
  sd_plan_list_add(l, "No dependence on public CAs: a certificate mis-issued by any CA is refused; a self-signed "
                   "certificate works.");
  sd_plan_list_add(l, "Limits: needs DNSSEC in your zone and in the zones of your MX hosts, and senders that "
                   "validate DNSSEC.");
}

/* ---- status and assembly --------------------------------------------------------- */

static sd_plan_status status_from(int in_place, int blocked, const sd_plan_protocol *out) {
  if (in_place) return SD_PLAN_IN_PLACE;
  if (blocked) return SD_PLAN_BLOCKED;
  if (out->missing.count) return SD_PLAN_NEEDS_WORK;
  return out->unknown.count ? SD_PLAN_UNKNOWN : SD_PLAN_READY;
}

static char *summary_for(sd_plan_status s, const char *domain) {
  switch (s) {
  case SD_PLAN_IN_PLACE: return sd_asprintf("in place: it protects mail to %s today", domain);
  case SD_PLAN_READY: return sd_strdup("can work here: every prerequisite is met, only publishing is left");
  case SD_PLAN_NEEDS_WORK: return sd_strdup("can work here once what is missing is fixed");
  case SD_PLAN_BLOCKED: return sd_asprintf("depends on the MX provider: the operator of %s cannot do it alone", domain);
  case SD_PLAN_NO_MAIL: return sd_asprintf("does not apply: %s receives no mail", domain);
  default: return sd_strdup("cannot tell: some prerequisites could not be measured");
  }
}

/* A domain without mail, or whose MX could not be looked up, gets no plan. */
static int no_plan(const sd_plan_prereq *p, sd_plan_protocol *out) {
  if (p->mail == SD_PLAN_MAIL_MX || p->mail == SD_PLAN_MAIL_IMPLICIT) return 0;
  out->status = p->mail == SD_PLAN_MAIL_UNKNOWN ? SD_PLAN_UNKNOWN : SD_PLAN_NO_MAIL;
  if (p->mail == SD_PLAN_MAIL_UNKNOWN) sd_plan_list_add(&out->unknown, "the MX lookup of %s failed", p->domain);
  return 1;
}

static void plan_mtasts(const sd_plan *plan, sd_plan_protocol *out) {
  const sd_plan_prereq *p = &plan->prereq;
  mtasts_protects(&out->protects);
  if (!no_plan(p, out)) {
    mtasts_prerequisites(p, out);
    int in_place = p->m->r->profiles[SD_PROFILE_MTASTS] == SD_OUTCOME_PROTECTED;
    out->status = status_from(in_place, 0, out);
    if (!in_place) add_mtasts_steps(plan, &out->steps, 1);
    mtasts_duties(p, &out->duties);
  }
  out->summary = summary_for(out->status, p->domain);
}

static void plan_dane(const sd_plan *plan, sd_plan_protocol *out) {
  const sd_plan_prereq *p = &plan->prereq;
  dane_protects(&out->protects);
  if (!no_plan(p, out)) {
    int blocked = 0;
    dane_domain_prerequisites(p, out);
    for (size_t i = 0; i < p->mx_count; i++) dane_mx_prerequisites(p, &p->mx[i], out, &blocked);
    int in_place = p->m->r->profiles[SD_PROFILE_DANE] == SD_OUTCOME_PROTECTED;
    out->status = status_from(in_place, blocked, out);
    if (!in_place) add_dane_steps(plan, &out->steps, 1);
    dane_duties(&out->duties);
  }
  out->summary = summary_for(out->status, p->domain);
}

/* Both: DANE's work up to the DS, then MTA-STS's; the MX certificate must
 * satisfy both (WebPKI-valid, and its key pinned). */
static void plan_both(const sd_plan *plan, sd_plan_protocol *out) {
  const sd_plan_protocol *sts = &plan->protocols[SD_PLAN_MTASTS], *dane = &plan->protocols[SD_PLAN_DANE];
  const sd_plan_prereq *p = &plan->prereq;
  sd_plan_list_add(&out->protects, "Senders that implement either protocol are protected; a sender that "
                   "implements both uses DANE (RFC 8461 section 2), so DANE's protection of the first delivery "
                   "holds for them, and MTA-STS covers senders without DNSSEC.");
  if (!no_plan(p, out)) {
    list_append(&out->missing, &sts->missing);
    list_append(&out->missing, &dane->missing);
    list_append(&out->unknown, &sts->unknown);
    list_append(&out->unknown, &dane->unknown);
    int in_place = sts->status == SD_PLAN_IN_PLACE && dane->status == SD_PLAN_IN_PLACE;
    out->status = status_from(in_place, dane->status == SD_PLAN_BLOCKED, out);
    if (!in_place) {
      add_tlsrpt_step(plan, &out->steps);
      if (dane->status != SD_PLAN_IN_PLACE) add_dane_steps(plan, &out->steps, 0);
      if (sts->status != SD_PLAN_IN_PLACE) add_mtasts_steps(plan, &out->steps, 0);
    }
    list_append(&out->duties, &dane->duties);
    list_append(&out->duties, &sts->duties);
    sd_plan_list_add(&out->duties, "A new MX certificate must be valid for WebPKI (MTA-STS) and keep the key, "
                     "or have its TLSA record published before the switch (DANE).");
  }
  out->summary = summary_for(out->status, p->domain);
}

int sd_plan_build(const sd_plan_measurement *m, time_t now, sd_plan *plan) {
  memset(plan, 0, sizeof(*plan));
  plan->planned_at = now;
  if (sd_plan_prereq_derive(m, &plan->prereq) != 0) return -1;
  if (sd_plan_publish_build(&plan->prereq, now, &plan->publish) != 0) return -1;
  plan_mtasts(plan, &plan->protocols[SD_PLAN_MTASTS]);
  plan_dane(plan, &plan->protocols[SD_PLAN_DANE]);
  plan_both(plan, &plan->protocols[SD_PLAN_BOTH]);
  return 0;
}

void sd_plan_free(sd_plan *plan) {
  for (int i = 0; i < SD_PLAN__COUNT; i++) {
    sd_plan_protocol *pr = &plan->protocols[i];
    free(pr->summary);
    sd_plan_list_free(&pr->missing);
    sd_plan_list_free(&pr->unknown);
    sd_plan_list_free(&pr->steps);
    sd_plan_list_free(&pr->duties);
    sd_plan_list_free(&pr->protects);
  }
  sd_plan_publish_free(&plan->publish);
  sd_plan_prereq_free(&plan->prereq);
}
