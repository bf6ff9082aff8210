#include "core/exit_status.h"

#include "stsdane/stsdane.h"

int sd_exit_status_for(const sd_domain_result *r) {
  int unknown = 0;
  for (int p = 0; p < SD_PROFILE__COUNT; p++) {
    if (r->profiles[p] == SD_OUTCOME_FAIL || r->profiles[p] == SD_OUTCOME_PARTIAL) return STSDANE_AT_RISK;
    if (r->profiles[p] == SD_OUTCOME_UNKNOWN) unknown = 1;
  }
  sd_severity worst = sd_findings_worst(&r->findings);
  if (worst == SD_SEV_ERROR && !unknown) return STSDANE_AT_RISK;
  if (unknown) return STSDANE_INCOMPLETE;
  return worst == SD_SEV_WARNING ? STSDANE_WARNINGS : STSDANE_OK;
}

/* Seriousness: at risk > incomplete > warnings > ok; usage errors never mix. */
static int rank(int status) {
  switch (status) {
  case STSDANE_AT_RISK: return 4;
  case STSDANE_INCOMPLETE: return 3;
  case STSDANE_WARNINGS: return 2;
  case STSDANE_USAGE: return 5;
  default: return 1;
  }
}

int sd_exit_status_combine(int a, int b) { return rank(a) >= rank(b) ? a : b; }
