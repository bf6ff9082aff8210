/*
 * The default EHLO name: this machine's fully qualified name, as
 * posttls-finger and Postfix's myhostname use. Servers that check the EHLO
 * name (reject_unknown_helo_hostname, reject_non_fqdn_helo_hostname) refuse
 * a made-up name, which a scan would record as the domain's failure; a
 * research scan needs a name whose forward and reverse DNS match the
 * scanning address.
 */
#ifndef SD_SMTP_EHLO_NAME_H
#define SD_SMTP_EHLO_NAME_H

#include <stddef.h>

/* Used when the machine has no fully qualified name. */
#define SD_EHLO_FALLBACK_NAME "stsdane.invalid"

/*
 * Writes the machine's FQDN into out: gethostname() when it holds a dot,
 * else its canonical name (getaddrinfo AI_CANONNAME: /etc/hosts, then DNS)
 * when that holds a dot, else SD_EHLO_FALLBACK_NAME. Returns out.
 */
char *sd_ehlo_default_name(char *out, size_t out_len);

#endif
