#include "cli/exit_status.h"

#include "cli/options.h"

int sd_exit_status_for(const sd_domain_result *r) {
  int unknown = 0;
  for (int p = 0; p < SD_PROFILE__COUNT; p++) {
    if (r->profiles[p] == SD_OUTCOME_FAIL || r->profiles[p] == SD_OUTCOME_PARTIAL) return SD_EXIT_AT_RISK;
    if (r->profiles[p] == SD_OUTCOME_UNKNOWN) unknown = 1;
  }
  sd_severity worst = sd_findings_worst(&r->findings);
  if (worst == SD_SEV_ERROR && !unknown) return SD_EXIT_AT_RISK;
  if (unknown) return SD_EXIT_INCOMPLETE;
  return worst == SD_SEV_WARNING ? SD_EXIT_WARNINGS : SD_EXIT_OK;
}

/* Seriousness: at risk > incomplete > warnings > ok; usage errors never mix. */
static int rank(int status) {
  switch (status) {
  case SD_EXIT_AT_RISK: return 4;
  case SD_EXIT_INCOMPLETE: return 3;
  case SD_EXIT_WARNINGS: return 2;
  case SD_EXIT_USAGE: return 5;
  default: return 1;
  }
}

int sd_exit_status_combine(int a, int b) { return rank(a) >= rank(b) ? a : b; }
