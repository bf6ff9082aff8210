/* Names of the DNS layer's enums and of the record types stsdane asks for. */
#include "dns/dns.h"

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
