/*
 * Incremental, bounded parser for one SMTP reply (RFC 5321 §4.2):
 *
 *   250-first line\r\n
 *   250-more\r\n
 *   250 last line\r\n
 *
 * Bytes are fed as they arrive (any split, down to one byte at a time).
 * Every line must start with the same three-digit code; a line is the code
 * alone, or the code followed by '-' (more lines follow) or ' ' (last line).
 * CRLF and bare LF both end a line (real servers send both). Input is
 * untrusted: lines and the whole reply are bounded, NUL bytes are refused,
 * and the parser never reads past what it was given.
 */
#ifndef SD_SMTP_REPLY_H
#define SD_SMTP_REPLY_H

#include <stddef.h>

typedef enum sd_reply_state {
  SD_REPLY_NEED_MORE = 0, /* all input consumed, the reply is not finished */
  SD_REPLY_COMPLETE,      /* the last line was seen; *consumed tells where it ended */
  SD_REPLY_ERROR,         /* malformed or oversized; see sd_reply.error */
} sd_reply_state;

typedef struct sd_reply {
  size_t max_line;    /* bytes of one line without its line ending */
  size_t max_reply;   /* bytes of the whole reply including line endings */
  int code;           /* e.g. 250, from the first line; 0 before the first line */
  size_t lines;       /* complete lines seen */
  size_t total;       /* bytes consumed for this reply */
  char *text;         /* complete lines without line endings, joined with '\n' */
  size_t text_len;
  size_t text_cap;
  char *line;         /* the line being assembled (max_line + 1 bytes) */
  size_t line_len;
  int pending_cr;     /* the previous byte was CR, stripped if LF follows */
  sd_reply_state state;
  char error[160];    /* plain words, when state == SD_REPLY_ERROR */
} sd_reply;

/* 0 on success, -1 when out of memory. max_line/max_reply of 0 mean the
 * defaults (4096 and 65536). */
int sd_reply_init(sd_reply *r, size_t max_line, size_t max_reply);
/* Forgets the current reply so the next one can be parsed (keeps limits). */
void sd_reply_reset(sd_reply *r);
void sd_reply_free(sd_reply *r);

/* Consumes bytes up to the end of the reply; *consumed (may be NULL) says
 * how many. After COMPLETE or ERROR further calls return the same state
 * and consume nothing until sd_reply_reset. */
sd_reply_state sd_reply_feed(sd_reply *r, const char *data, size_t len, size_t *consumed);

/* The first line of the reply text (allocated, caller frees), or NULL. */
char *sd_reply_first_line(const sd_reply *r);

/* EHLO keyword check (RFC 5321 §4.1.1.1): true when a line after the first
 * (the first names the server) carries keyword, compared case-insensitively
 * and as a whole word ("STARTTLSX" is not "STARTTLS"). text is lines joined
 * with '\n' as in sd_reply.text, each starting with the reply code. */
int sd_ehlo_has_keyword(const char *text, const char *keyword);

#endif
