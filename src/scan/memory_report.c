#include "scan/memory_report.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/policy_cache.h"
#include "core/verify_memo.h"

uint64_t sd_memory_report_every(void) {
  const char *s = getenv("STSDANE_MEMORY_REPORT");
  if (!s || !*s) return 0;
  char *end;
  unsigned long long n = strtoull(s, &end, 10);
  return *end ? 0 : (uint64_t)n;
}

/* VmRSS and VmHWM of this process in kB (0 when /proc is not there). */
static void rss_kb(unsigned long *rss, unsigned long *hwm) {
  *rss = *hwm = 0;
  FILE *fp = fopen("/proc/self/status", "r");
  if (!fp) return;
  char line[256];
  while (fgets(line, sizeof(line), fp)) {
    if (strncmp(line, "VmRSS:", 6) == 0) *rss = strtoul(line + 6, NULL, 10);
    else if (strncmp(line, "VmHWM:", 6) == 0) *hwm = strtoul(line + 6, NULL, 10);
  }
  fclose(fp);
}

void sd_memory_report(const char *label, uint64_t rows, const sd_engine *engine, const sd_window *window) {
  unsigned long rss, hwm;
  rss_kb(&rss, &hwm);
  struct {
    size_t uordblks, fordblks, keepcost, hblkhd, arena;
  } mi = {0, 0, 0, 0, 0};
#ifdef __GLIBC__
  struct mallinfo2 m = mallinfo2();
  mi.uordblks = m.uordblks;
  mi.fordblks = m.fordblks;
  mi.keepcost = m.keepcost;
  mi.hblkhd = m.hblkhd;
  mi.arena = m.arena;
#endif
  sd_prober_stat ps;
  sd_prober_stats(engine ? engine->prober : NULL, &ps);
  fprintf(stderr,
          "stsdane scan: memory %s rows=%llu rss_kb=%lu hwm_kb=%lu heap_in_use_kb=%zu heap_free_kb=%zu "
          "heap_top_kb=%zu mmapped_kb=%zu arena_kb=%zu in_flight=%zu peak_in_flight=%zu stalled=%zu "
          "dns_pending=%zu probe_cached=%zu probe_cached_kb=%zu probe_indexed=%zu probe_unfinished=%zu probe_queued=%zu "
          "probe_retired=%zu probe_addresses=%zu probe_requests=%zu probe_cache_hits=%zu probe_joined=%zu "
          "probe_connections=%zu policies=%zu policy_fetches=%zu policy_hits=%zu verify_memo=%zu verify_memo_hits=%zu "
          "dns_lookups=%zu dns_cache_hits=%zu\n",
          label, (unsigned long long)rows, rss, hwm, mi.uordblks / 1024, mi.fordblks / 1024, mi.keepcost / 1024,
          mi.hblkhd / 1024, mi.arena / 1024, window->slots.count, window->peak_in_flight, window->stalled,
          engine ? sd_dns_lookups_pending(engine->dns) : 0, ps.cached, ps.cached_bytes / 1024, ps.indexed,
          ps.unfinished, ps.queued, ps.retired, ps.addresses, ps.requests, ps.answered_cached, ps.joined, ps.connections,
          engine ? sd_policy_cache_size(engine->policies) : 0, engine ? sd_policy_cache_fetches(engine->policies) : 0,
          engine ? sd_policy_cache_hits(engine->policies) : 0, engine ? sd_verify_memo_size(engine->verify_memo) : 0,
          engine ? sd_verify_memo_hits(engine->verify_memo) : 0, engine ? sd_dns_queries_sent(engine->dns) : 0,
          engine ? sd_dns_cache_hits(engine->dns) : 0);
  /* At the end, glibc's own account per arena (XML): the resolver's thread
   * allocates from an arena of its own. */
#ifdef __GLIBC__
  if (strcmp(label, "end") == 0) malloc_info(0, stderr);
#endif
}
