/*
 * Interposes libunbound's ub_resolve_event to hide a packet getdns 1.6.0
 * would take for an answer.
 *
 * When a recursive lookup fails (SERVFAIL: unreachable or lame servers, no
 * usable root hints, ...), libunbound still hands its event callback a
 * packet: its shared network buffer, which holds whatever it last sent or
 * received, typically its own outgoing query (". NS" for the root priming
 * query, "ns.<zone> AAAA" for a server address). getdns 1.6.0's callback
 * (getdns_apply_network_result) copies any non-NULL packet as the reply and
 * looks at the rcode only when there is none, so the application receives
 * that stray query as "the answer": qr=0, no records, NOERROR, DNSSEC status
 * insecure. A failed TLSA lookup would then pass for "no TLSA records,
 * insecure", silently disabling DANE.
 *
 * The wrapper passes getdns's callback no packet when libunbound reports an
 * error rcode. getdns then reports the lookup as failed
 * (GETDNS_CALLBACK_ERROR), which is what it is. Everything else, DNSSEC
 * status included, goes through untouched.
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "dns/unbound_event.h"

struct ub_ctx;

#define SD_UB_INITFAIL (-7) /* unbound.h: UB_INITFAIL */

/* libunbound >= 1.8 (Debian 12 ships 1.17): unbound-event.h's callback type. */
typedef void (*sd_ub_event_cb)(void *mydata, int rcode, void *packet, int packet_len, int sec,
                               char *why_bogus, int was_ratelimited);

int ub_resolve_event(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass, void *mydata,
                     sd_ub_event_cb callback, int *async_id);

/* getdns passes one and the same static function with every query, and only
 * mydata (its network request) varies; remembering that one function lets
 * the wrapper forward mydata untouched, with nothing to allocate per query
 * and nothing to leak when getdns cancels a query. Any other caller's
 * callback is passed through unwrapped. */
static _Atomic(sd_ub_event_cb) wrapped_callback;

static void without_packet_on_error(void *mydata, int rcode, void *packet, int packet_len, int sec,
                                    char *why_bogus, int was_ratelimited) {
  sd_ub_event_cb callback = atomic_load(&wrapped_callback);
  if (rcode != 0) { /* an error: the packet is not an answer to this query */
    packet = NULL;
    packet_len = 0;
  }
  callback(mydata, rcode, packet, packet_len, sec, why_bogus, was_ratelimited);
}

int ub_resolve_event(struct ub_ctx *ctx, const char *name, int rrtype, int rrclass, void *mydata,
                     sd_ub_event_cb callback, int *async_id) {
  int (*real)(struct ub_ctx *, const char *, int, int, void *, sd_ub_event_cb, int *) = NULL;
  *(void **)&real = dlsym(RTLD_NEXT, "ub_resolve_event"); /* POSIX's way to get a function pointer */
  if (!real) return SD_UB_INITFAIL; /* cannot happen: getdns links libunbound */
  sd_ub_event_cb expected = NULL;
  if (callback && (atomic_compare_exchange_strong(&wrapped_callback, &expected, callback) ||
                   expected == callback))
    callback = without_packet_on_error;
  return real(ctx, name, rrtype, rrclass, mydata, callback, async_id);
}

int sd_unbound_event_interposed(void) {
  void *resolved = dlsym(RTLD_DEFAULT, "ub_resolve_event");
  int (*ours)(struct ub_ctx *, const char *, int, int, void *, sd_ub_event_cb, int *) = ub_resolve_event;
  void *wrapper = NULL;
  memcpy(&wrapper, &ours, sizeof(wrapper)); /* function to object pointer, as dlsym does */
  return resolved != NULL && resolved == wrapper;
}
