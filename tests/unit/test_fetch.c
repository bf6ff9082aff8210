/*
 * Tests of the MTA-STS policy fetcher against real HTTPS servers on
 * 127.0.0.1: a small python3 helper (written into a temporary directory by
 * this test) makes a test CA and certificates (good, expired, wrong name,
 * CN only, self-signed, wildcard) with python3-cryptography and serves one
 * behaviour per host name (mta-sts.<behaviour>.x.test) on a few ports, one
 * per certificate. The fetcher reaches them through its test-only `port` and
 * `resolve` options. The helper stops by itself after two minutes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mtasts/fetch.h"

#define POLICY "version: STSv1\nmode: enforce\nmx: mail.x.test\nmax_age: 604800\n"

/* One string per line: ISO C bounds the length of a single literal. */
static const char *const server_py[] = {
    "import datetime, gzip, os, ssl, sys, threading, time\n",
    "from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer\n",
    "from cryptography import x509\n",
    "from cryptography.x509.oid import NameOID\n",
    "from cryptography.hazmat.primitives import hashes, serialization\n",
    "from cryptography.hazmat.primitives.asymmetric import ec\n",
    "D = sys.argv[1]\n",
    "POLICY = b'" "version: STSv1\\nmode: enforce\\nmx: mail.x.test\\nmax_age: 604800\\n" "'\n",
    "NOW = datetime.datetime.now(datetime.timezone.utc)\n",
    "DAY = datetime.timedelta(days=1)\n",
    "def name(cn):\n",
    "    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])\n",
    "def make(fname, cn, sans, issuer, start=NOW - DAY, end=NOW + 30 * DAY, ca=False):\n",
    "    key = ec.generate_private_key(ec.SECP256R1())\n",
    "    ikey, iname = (key, name(cn)) if issuer is None else (issuer[1], issuer[0].subject)\n",
    "    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(iname)\n",
    "         .public_key(key.public_key()).serial_number(x509.random_serial_number())\n",
    "         .not_valid_before(start).not_valid_after(end)\n",
    "         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)\n",
    "         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))\n",
    "    if issuer is not None:\n",
    "        b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ikey.public_key()), critical=False)\n",
    "    if ca:\n",
    "        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)\n",
    "    if sans:\n",
    "        b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)\n",
    "    cert = b.sign(ikey, hashes.SHA256())\n",
    "    with open(f'{D}/{fname}.pem', 'wb') as f:\n",
    "        f.write(cert.public_bytes(serialization.Encoding.PEM))\n",
    "    with open(f'{D}/{fname}.key', 'wb') as f:\n",
    "        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,\n",
    "                                  serialization.NoEncryption()))\n",
    "    return cert, key\n",
    "ca = make('ca', 'stsdane test CA', None, None, ca=True)\n",
    "GOOD = ['ok', 'echo', 'charset', 'latin', 'html', 'notfound', 'notfoundbig', 'moved', 'big',\n",
    "        'bigclose', 'gzip', 'slow', 'hugeheaders'] + ['many%d' % i for i in range(12)]\n",
    "make('good', 'mta-sts.ok.x.test', ['mta-sts.%s.x.test' % g for g in GOOD], ca)\n",
    "make('expired', 'mta-sts.expired.x.test', ['mta-sts.expired.x.test'], ca,\n",
    "     start=NOW - 400 * DAY, end=NOW - 10 * DAY)\n",
    "make('wrongname', 'mta-sts.other.test', ['mta-sts.other.test'], ca)\n",
    "make('cnonly', 'mta-sts.cnonly.x.test', None, ca)\n",
    "make('wild', '*.wild.x.test', ['*.wild.x.test', 'mta-*.partial.x.test'], ca)\n",
    "make('selfsigned', 'mta-sts.selfsigned.x.test', ['mta-sts.selfsigned.x.test'], None)\n",
    "class H(BaseHTTPRequestHandler):\n",
    "    protocol_version = 'HTTP/1.1'\n",
    "    def log_message(self, *a):\n",
    "        pass\n",
    "    def reply(self, status, ctype, body, extra=()):\n",
    "        self.send_response(status)\n",
    "        if ctype:\n",
    "            self.send_header('Content-Type', ctype)\n",
    "        for k, v in extra:\n",
    "            self.send_header(k, v)\n",
    "        self.send_header('Content-Length', str(len(body)))\n",
    "        self.end_headers()\n",
    "        self.wfile.write(body)\n",
    "    def stream(self, chunks, delay):\n",
    "        self.close_connection = True\n",
    "        for c in chunks:\n",
    "            self.wfile.write(c)\n",
    "            self.wfile.flush()\n",
    "            time.sleep(delay)\n",
    "    def do_GET(self):\n",
    "        try:\n",
    "            self.route()\n",
    "        except OSError:\n",
    "            self.close_connection = True\n",
    "    def route(self):\n",
    "        host = (self.headers.get('Host') or '').split(':')[0]\n",
    "        parts = host.split('.')\n",
    "        what = parts[1] if len(parts) > 2 else ''\n",
    "        if self.path != '/.well-known/mta-sts.txt':\n",
    "            return self.reply(404, 'text/plain', b'wrong path')\n",
    "        if what == 'echo':\n",
    "            return self.reply(200, 'text/plain', str(self.headers).encode())\n",
    "        if what == 'charset':\n",
    "            return self.reply(200, 'text/plain; charset=UTF-8', POLICY)\n",
    "        if what == 'latin':\n",
    "            return self.reply(200, 'text/plain; charset=iso-8859-1', POLICY)\n",
    "        if what == 'html':\n",
    "            return self.reply(200, 'text/html', POLICY)\n",
    "        if what == 'notfound':\n",
    "            return self.reply(404, 'text/html', b'<h1>not here</h1>')\n",
    "        if what == 'notfoundbig':\n",
    "            return self.reply(404, 'text/html', b'n' * 102400)\n",
    "        if what == 'moved':\n",
    "            return self.reply(301, 'text/html', b'moved', [('Location', 'https://www.x.test/policy.txt')])\n",
    "        if what == 'big':\n",
    "            return self.reply(200, 'text/plain', b'x' * 102400)\n",
    "        if what == 'gzip':\n",
    "            return self.reply(200, 'text/plain', gzip.compress(POLICY), [('Content-Encoding', 'gzip')])\n",
    "        if what == 'hugeheaders':\n",
    "            return self.reply(200, 'text/plain', POLICY, [('X-Pad-%d' % i, 'p' * 1000) for i in range(40)])\n",
    "        if what == 'bigclose':\n",
    "            self.send_response(200)\n",
    "            self.send_header('Content-Type', 'text/plain')\n",
    "            self.send_header('Connection', 'close')\n",
    "            self.end_headers()\n",
    "            return self.stream([b'y' * 1024] * 100, 0)\n",
    "        if what == 'slow':\n",
    "            self.send_response(200)\n",
    "            self.send_header('Content-Type', 'text/plain')\n",
    "            self.send_header('Content-Length', '100')\n",
    "            self.end_headers()\n",
    "            return self.stream([b's'] * 10, 1.0)\n",
    "        return self.reply(200, 'text/plain', POLICY)\n",
    "class S(ThreadingHTTPServer):\n",
    "    daemon_threads = True\n",
    "    def handle_error(self, request, client_address):\n",
    "        pass\n",
    "def serve(cert, reject_sni=False):\n",
    "    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n",
    "    ctx.load_cert_chain(f'{D}/{cert}.pem', f'{D}/{cert}.key')\n",
    "    if reject_sni:\n",
    "        ctx.sni_callback = lambda s, n, c: ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME\n",
    "    srv = S(('127.0.0.1', 0), H)\n",
    "    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)\n",
    "    threading.Thread(target=srv.serve_forever, daemon=True).start()\n",
    "    return srv.server_address[1]\n",
    "ports = {c: serve(c) for c in ['good', 'expired', 'wrongname', 'cnonly', 'wild', 'selfsigned']}\n",
    "ports['nosni'] = serve('good', reject_sni=True)\n",
    "with open(f'{D}/ports.tmp', 'w') as f:\n",
    "    for k, v in ports.items():\n",
    "        f.write(f'{k} {v}\\n')\n",
    "os.rename(f'{D}/ports.tmp', f'{D}/ports')\n",
    "time.sleep(120)\n",
    NULL,
};

enum { PORT_GOOD, PORT_EXPIRED, PORT_WRONGNAME, PORT_CNONLY, PORT_WILD, PORT_SELFSIGNED, PORT_NOSNI, PORT_COUNT };
static const char *const port_names[PORT_COUNT] = {"good", "expired", "wrongname", "cnonly",
                                                   "wild", "selfsigned", "nosni"};

typedef struct server {
  int available;
  char why[256]; /* why tests are skipped */
  char dir[64];
  char ca_file[128];
  pid_t pid;
  int ports[PORT_COUNT];
} server;

/* ------------------------------------------------------ server control */

static int write_lines(const char *path, const char *const *lines) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int ok = 1;
  for (size_t i = 0; lines[i]; i++) ok &= fputs(lines[i], f) >= 0;
  return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int read_ports(server *s) {
  char path[128];
  snprintf(path, sizeof(path), "%s/ports", s->dir);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char name[32];
  int port, found = 0;
  while (fscanf(f, "%31s %d", name, &port) == 2) {
    for (int i = 0; i < PORT_COUNT; i++)
      if (strcmp(name, port_names[i]) == 0) {
        s->ports[i] = port;
        found++;
      }
  }
  fclose(f);
  return found == PORT_COUNT ? 0 : -1;
}

static pid_t start_helper(const server *s, const char *script) {
  char log[128];
  snprintf(log, sizeof(log), "%s/server.log", s->dir);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  /* Debian's python3 is the one scripts/install-deps gives python3-cryptography;
   * a python3 earlier in PATH (pyenv, venv) may lack it. */
  execl("/usr/bin/python3", "python3", script, s->dir, (char *)NULL);
  execlp("python3", "python3", script, s->dir, (char *)NULL);
  _exit(127);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int group_setup(void **state) {
  server *s = calloc(1, sizeof(*s));
  if (!s) return -1;
  *state = s;
  snprintf(s->dir, sizeof(s->dir), "/tmp/sd-fetch-test-XXXXXX");
  if (!mkdtemp(s->dir)) {
    snprintf(s->why, sizeof(s->why), "cannot create a temporary directory: %s", strerror(errno));
    return 0;
  }
  char script[128];
  snprintf(script, sizeof(script), "%s/server.py", s->dir);
  snprintf(s->ca_file, sizeof(s->ca_file), "%s/ca.pem", s->dir);
  if (write_lines(script, server_py) != 0) {
    snprintf(s->why, sizeof(s->why), "cannot write %s", script);
    return 0;
  }
  s->pid = start_helper(s, script);
  for (int waited = 0; s->pid > 0 && waited < 20000; waited += 50) {
    if (read_ports(s) == 0) {
      s->available = 1;
      return 0;
    }
    int status;
    if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
      s->pid = 0;
      snprintf(s->why, sizeof(s->why),
               "the python3 HTTPS helper exited (is python3 with the cryptography module installed? "
               "see %s/server.log)", s->dir);
      return 0;
    }
    sleep_ms(50);
  }
  snprintf(s->why, sizeof(s->why), "the python3 HTTPS helper did not start within 20 s (see %s/server.log)",
           s->dir);
  return 0;
}

static int group_teardown(void **state) {
  server *s = *state;
  if (s->pid > 0) {
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
  }
  if (s->dir[0] && s->available) nftw(s->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  free(s);
  return 0;
}

static server *need_server(void **state) {
  server *s = *state;
  if (!s->available) {
    print_message("skipping: %s\n", s->why);
    skip();
  }
  return s;
}

/* ------------------------------------------------------- fetch helpers */

typedef struct outcome {
  int calls;
  sd_fetch_result result;
} outcome;

static void on_done(const sd_fetch_result *r, void *arg) {
  outcome *o = arg;
  if (o->calls++ == 0) sd_fetch_result_copy(&o->result, r);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Fetches mta-sts.<label>.x.test from the helper's port `which`; opts may
 * set limits (ca_file, port and resolve are filled in). */
static void fetch_label(const server *s, const char *label, int which, sd_fetch_options opts, outcome *o) {
  char domain[128], entry[192];
  snprintf(domain, sizeof(domain), "%s.x.test", label);
  snprintf(entry, sizeof(entry), "mta-sts.%s:%d:127.0.0.1", domain, s->ports[which]);
  const char *resolve[] = {entry, NULL};
  opts.port = s->ports[which];
  opts.resolve = resolve;
  if (!opts.ca_file) opts.ca_file = s->ca_file;
  struct event_base *base = event_base_new();
  assert_non_null(base);
  sd_fetcher *f = sd_fetcher_new(base, &opts);
  assert_non_null(f);
  memset(o, 0, sizeof(*o));
  assert_int_equal(sd_fetch_policy(f, domain, on_done, o), 0);
  assert_int_equal(o->calls, 0); /* never from inside sd_fetch_policy */
  event_base_dispatch(base);
  assert_int_equal(o->calls, 1);
  assert_int_equal(sd_fetcher_pending(f), 0);
  sd_fetcher_free(f);
  event_base_free(base);
}

static void fetch_default(const server *s, const char *label, int which, outcome *o) {
  sd_fetch_options opts = {.timeout_ms = 10000};
  fetch_label(s, label, which, opts, o);
}

static int count_code(const sd_findings *fs, sd_code code) {
  int n = 0;
  for (size_t i = 0; i < fs->count; i++) n += fs->items[i].code == code;
  return n;
}

/* The findings of the result: exactly one, with this code, where "policy",
 * detail containing `needle`. */
static void assert_single_finding(const sd_fetch_result *r, sd_code code, const char *needle) {
  sd_findings fs = {0};
  sd_fetch_result_findings(r, &fs);
  if (getenv("SD_TEST_VERBOSE")) print_message("%s: %s\n", sd_code_lookup(code)->name, r->detail);
  if (fs.count != 1 || fs.items[0].code != code)
    fail_msg("expected only %s, got %zu findings (first %s); detail: %s", sd_code_lookup(code)->name, fs.count,
             fs.count ? sd_code_lookup(fs.items[0].code)->name : "-", r->detail ? r->detail : "(null)");
  assert_string_equal(fs.items[0].where, "policy");
  if (needle && !strstr(fs.items[0].detail, needle))
    fail_msg("detail \"%s\" lacks \"%s\"", fs.items[0].detail, needle);
  sd_findings_clear(&fs);
}

static void assert_error(const outcome *o, sd_fetch_error want) {
  if (o->result.error != want)
    fail_msg("expected %s, got %s: %s", sd_fetch_error_name(want), sd_fetch_error_name(o->result.error),
             o->result.detail ? o->result.detail : "(no detail)");
}

/* ------------------------------------------------------ HTTP behaviour */

static void test_ok_text_plain(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "ok", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK);
  assert_int_equal(o.result.http_status, 200);
  assert_int_equal(o.result.body_len, strlen(POLICY));
  assert_memory_equal(o.result.body, POLICY, strlen(POLICY) + 1);
  assert_string_equal(o.result.content_type, "text/plain");
  assert_string_equal(o.result.primary_ip, "127.0.0.1");
  assert_null(o.result.location);
  assert_null(o.result.content_encoding);
  assert_non_null(strstr(o.result.headers, "HTTP/1.1 200"));
  assert_non_null(strstr(o.result.url, "https://mta-sts.ok.x.test:"));
  assert_non_null(strstr(o.result.url, "/.well-known/mta-sts.txt"));
  assert_true(o.result.elapsed_ms > 0.0);
  sd_findings fs = {0};
  sd_fetch_result_findings(&o.result, &fs);
  assert_int_equal(fs.count, 0);
  sd_fetch_result_free(&o.result);
}

static void test_domain_normalised(void **state) {
  server *s = need_server(state);
  char entry[96];
  snprintf(entry, sizeof(entry), "mta-sts.ok.x.test:%d:127.0.0.1", s->ports[PORT_GOOD]);
  const char *resolve[] = {entry, NULL};
  sd_fetch_options opts = {.ca_file = s->ca_file, .port = s->ports[PORT_GOOD], .resolve = resolve};
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, &opts);
  outcome o = {0};
  assert_int_equal(sd_fetch_policy(f, "OK.X.Test.", on_done, &o), 0);
  event_base_dispatch(base);
  assert_int_equal(o.calls, 1);
  assert_error(&o, SD_FETCH_OK);
  char want[128];
  snprintf(want, sizeof(want), "https://mta-sts.ok.x.test:%d/.well-known/mta-sts.txt", s->ports[PORT_GOOD]);
  assert_string_equal(o.result.url, want);
  sd_fetch_result_free(&o.result);
  sd_fetcher_free(f);
  event_base_free(base);
}

static void test_request_headers(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "echo", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK);
  assert_non_null(strstr(o.result.body, "User-Agent: stsdane/" STSDANE_VERSION));
  assert_non_null(strstr(o.result.body, "Cache-Control: no-cache"));
  assert_null(strstr(o.result.body, "Accept-Encoding")); /* no decoding asked for */
  sd_fetch_result_free(&o.result);
}

static void test_content_type_checks(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "charset", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK);
  sd_findings fs = {0};
  sd_fetch_result_findings(&o.result, &fs);
  assert_int_equal(fs.count, 0);
  sd_fetch_result_free(&o.result);

  fetch_default(s, "html", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK); /* still parsed */
  assert_memory_equal(o.result.body, POLICY, strlen(POLICY));
  assert_single_finding(&o.result, SD_C_STS_POLICY_CONTENT_TYPE, "text/html");
  sd_fetch_result_free(&o.result);

  fetch_default(s, "latin", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK);
  assert_single_finding(&o.result, SD_C_STS_POLICY_CONTENT_TYPE, "iso-8859-1");
  sd_fetch_result_free(&o.result);
}

static void test_not_found(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "notfound", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_HTTP_STATUS);
  assert_int_equal(o.result.http_status, 404);
  assert_single_finding(&o.result, SD_C_STS_POLICY_HTTP_STATUS, "404");
  sd_fetch_result_free(&o.result);

  /* A huge error page is still an HTTP status problem, not a size one. */
  fetch_default(s, "notfoundbig", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_HTTP_STATUS);
  assert_true(o.result.body_len <= 65536);
  sd_fetch_result_free(&o.result);
}

static void test_redirect_not_followed(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "moved", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_REDIRECT);
  assert_int_equal(o.result.http_status, 301);
  assert_string_equal(o.result.location, "https://www.x.test/policy.txt");
  assert_string_equal(o.result.body, "moved"); /* the 301's own body: not followed */
  assert_single_finding(&o.result, SD_C_STS_POLICY_REDIRECT, "https://www.x.test/policy.txt");
  sd_fetch_result_free(&o.result);
}

static void test_too_large(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "big", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_TOO_LARGE);
  assert_int_equal(o.result.body_len, 65536); /* what fits is kept, no more */
  assert_single_finding(&o.result, SD_C_STS_POLICY_TOO_LARGE, "65536");
  sd_fetch_result_free(&o.result);

  /* No Content-Length at all: the cap still holds. */
  fetch_default(s, "bigclose", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_TOO_LARGE);
  assert_int_equal(o.result.body_len, 65536);
  sd_fetch_result_free(&o.result);

  /* The cap is the configured one. */
  sd_fetch_options small = {.timeout_ms = 10000, .max_body = 20};
  fetch_label(s, "ok", PORT_GOOD, small, &o);
  assert_error(&o, SD_FETCH_TOO_LARGE);
  assert_int_equal(o.result.body_len, 20);
  sd_fetch_result_free(&o.result);
}

static void test_content_encoding_warning(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "gzip", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OK);
  assert_string_equal(o.result.content_encoding, "gzip");
  /* Not decoded: the gzip magic is still there. */
  assert_true(o.result.body_len >= 2);
  assert_int_equal((unsigned char)o.result.body[0], 0x1f);
  assert_int_equal((unsigned char)o.result.body[1], 0x8b);
  assert_single_finding(&o.result, SD_C_STS_POLICY_ENCODING, "gzip");
  sd_fetch_result_free(&o.result);
}

static void test_huge_headers(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "hugeheaders", PORT_GOOD, &o);
  assert_error(&o, SD_FETCH_OTHER);
  assert_true(o.result.headers == NULL || strlen(o.result.headers) <= 16384);
  assert_single_finding(&o.result, SD_C_STS_POLICY_FETCH_FAILED, "headers exceed");
  sd_fetch_result_free(&o.result);
}

static void test_slow_drip_times_out(void **state) {
  server *s = need_server(state);
  outcome o;
  sd_fetch_options opts = {.timeout_ms = 1500};
  double start = now_ms();
  fetch_label(s, "slow", PORT_GOOD, opts, &o);
  double took = now_ms() - start;
  assert_error(&o, SD_FETCH_TIMEOUT);
  assert_true(took < 2500.0);
  assert_true(o.result.body_len < 10);
  assert_single_finding(&o.result, SD_C_STS_POLICY_TIMEOUT, "timed out");
  sd_fetch_result_free(&o.result);
}

/* -------------------------------------------------------- TLS classes */

static void test_tls_expired(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "expired", PORT_EXPIRED, &o);
  assert_error(&o, SD_FETCH_TLS_EXPIRED);
  assert_int_equal(o.result.http_status, 0);
  assert_non_null(strstr(o.result.detail, "notAfter"));
  assert_single_finding(&o.result, SD_C_STS_POLICY_TLS_EXPIRED, "expired");
  sd_fetch_result_free(&o.result);
}

static void test_tls_wrong_name(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "wrongname", PORT_WRONGNAME, &o);
  assert_error(&o, SD_FETCH_TLS_NAME);
  assert_single_finding(&o.result, SD_C_STS_POLICY_TLS_NAME, "mta-sts.other.test");
  sd_fetch_result_free(&o.result);

  /* The CN alone does not count (no CN fallback). */
  fetch_default(s, "cnonly", PORT_CNONLY, &o);
  assert_error(&o, SD_FETCH_TLS_NAME);
  sd_fetch_result_free(&o.result);

  /* A partial wildcard (mta-*.partial.x.test) does not count either. */
  fetch_default(s, "partial", PORT_WILD, &o);
  assert_error(&o, SD_FETCH_TLS_NAME);
  sd_fetch_result_free(&o.result);

  /* A whole left-most label wildcard does. */
  fetch_default(s, "wild", PORT_WILD, &o);
  assert_error(&o, SD_FETCH_OK);
  sd_fetch_result_free(&o.result);
}

static void test_tls_untrusted(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "selfsigned", PORT_SELFSIGNED, &o);
  assert_error(&o, SD_FETCH_TLS_UNTRUSTED);
  assert_single_finding(&o.result, SD_C_STS_POLICY_TLS_UNTRUSTED, "self-signed");
  sd_fetch_result_free(&o.result);

  /* Without our CA file the system store is used, which does not know the
   * test CA. */
  sd_fetch_options system_store = {.timeout_ms = 10000};
  char entry[96];
  snprintf(entry, sizeof(entry), "mta-sts.ok.x.test:%d:127.0.0.1", s->ports[PORT_GOOD]);
  const char *resolve[] = {entry, NULL};
  system_store.port = s->ports[PORT_GOOD];
  system_store.resolve = resolve;
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, &system_store);
  memset(&o, 0, sizeof(o));
  assert_int_equal(sd_fetch_policy(f, "ok.x.test", on_done, &o), 0);
  event_base_dispatch(base);
  assert_int_equal(o.calls, 1);
  assert_error(&o, SD_FETCH_TLS_UNTRUSTED);
  sd_fetch_result_free(&o.result);
  sd_fetcher_free(f);
  event_base_free(base);
}

static void test_tls_handshake_alert(void **state) {
  server *s = need_server(state);
  outcome o;
  fetch_default(s, "ok", PORT_NOSNI, &o);
  assert_error(&o, SD_FETCH_TLS_HANDSHAKE);
  assert_single_finding(&o.result, SD_C_STS_POLICY_TLS_HANDSHAKE, "TLS handshake");
  sd_fetch_result_free(&o.result);
}

/* ---------------------------------------------------- network classes */

static int closed_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
  socklen_t len = sizeof(a);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
  close(fd); /* bound, never listened: connections are refused */
  return ntohs(a.sin_port);
}

static void test_tcp_refused(void **state) {
  server *s = need_server(state);
  outcome o;
  int saved = s->ports[PORT_GOOD];
  s->ports[PORT_GOOD] = closed_port();
  fetch_default(s, "ok", PORT_GOOD, &o);
  s->ports[PORT_GOOD] = saved;
  assert_error(&o, SD_FETCH_TCP);
  assert_int_equal(o.result.http_status, 0);
  assert_single_finding(&o.result, SD_C_STS_POLICY_TCP, "TCP connection");
  sd_fetch_result_free(&o.result);
}

/* Needs no helper: .invalid never resolves (RFC 6761). */
static void test_dns_failure(void **state) {
  (void)state;
  struct event_base *base = event_base_new();
  sd_fetch_options opts = {.timeout_ms = 8000};
  sd_fetcher *f = sd_fetcher_new(base, &opts);
  assert_non_null(f);
  outcome o = {0};
  assert_int_equal(sd_fetch_policy(f, "nx.invalid", on_done, &o), 0);
  event_base_dispatch(base);
  assert_int_equal(o.calls, 1);
  assert_error(&o, SD_FETCH_DNS);
  assert_single_finding(&o.result, SD_C_STS_POLICY_DNS, "mta-sts.nx.invalid");
  sd_findings fs = {0};
  sd_fetch_result_findings(&o.result, &fs);
  assert_non_null(fs.items[0].remedy);
  assert_non_null(strstr(fs.items[0].remedy, "mta-sts.nx.invalid"));
  sd_findings_clear(&fs);
  sd_fetch_result_free(&o.result);
  sd_fetcher_free(f);
  event_base_free(base);
}

/* The caller's addresses (sd_fetch_policy_at): the name is not resolved at
 * all: mta-sts.<label>.x.test exists nowhere, and no static resolve list is
 * configured, so only the given address can lead to the helper. */
static void fetch_at(const server *s, const char *domain, const char *const *addrs, size_t count, outcome *o) {
  sd_fetch_options opts = {.ca_file = s->ca_file, .port = s->ports[PORT_GOOD], .timeout_ms = 10000};
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, &opts);
  assert_non_null(f);
  memset(o, 0, sizeof(*o));
  assert_int_equal(sd_fetch_policy_at(f, domain, addrs, count, on_done, o), 0);
  assert_int_equal(o->calls, 0);
  event_base_dispatch(base);
  assert_int_equal(o->calls, 1);
  sd_fetcher_free(f);
  event_base_free(base);
}

static void test_fetch_at_given_address(void **state) {
  server *s = need_server(state);
  outcome o;
  const char *addrs[] = {"127.0.0.1"};
  fetch_at(s, "ok.x.test", addrs, 1, &o);
  assert_int_equal(o.result.error, SD_FETCH_OK);
  assert_int_equal(o.result.http_status, 200);
  assert_string_equal(o.result.primary_ip, "127.0.0.1");
  sd_fetch_result_free(&o.result);
}

/* Several addresses, the first refusing connections: libcurl moves on to
 * the next, as it would with addresses it resolved itself. */
static void test_fetch_at_tries_the_next_address(void **state) {
  server *s = need_server(state);
  outcome o;
  const char *addrs[] = {"::1", "127.0.0.1"};
  fetch_at(s, "ok.x.test", addrs, 2, &o);
  assert_int_equal(o.result.error, SD_FETCH_OK);
  assert_string_equal(o.result.primary_ip, "127.0.0.1");
  sd_fetch_result_free(&o.result);
}

static void test_fetch_at_refuses_non_addresses(void **state) {
  (void)state;
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, NULL);
  assert_non_null(f);
  outcome o = {0};
  const char *bad[] = {"127.0.0.1,10.0.0.1"}; /* would smuggle a second entry to libcurl */
  const char *name[] = {"example.org"};
  const char *good[] = {"127.0.0.1"};
  assert_int_equal(sd_fetch_policy_at(f, "x.test", bad, 1, on_done, &o), -1);
  assert_int_equal(sd_fetch_policy_at(f, "x.test", name, 1, on_done, &o), -1);
  assert_int_equal(sd_fetch_policy_at(f, "x.test", good, 0, on_done, &o), -1);
  assert_int_equal(sd_fetch_policy_at(f, "x.test/evil", good, 1, on_done, &o), -1);
  assert_int_equal(sd_fetcher_pending(f), 0);
  assert_int_equal(o.calls, 0);
  sd_fetcher_free(f);
  event_base_free(base);
}

/* A policy host without addresses is reported like libcurl's own failure
 * to resolve it: the same error class, finding and remedy. */
static void test_unresolved_result(void **state) {
  (void)state;
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, NULL);
  sd_fetch_result r;
  assert_int_equal(sd_fetch_result_unresolved(f, "Nx.Example.", "no such name", &r), 0);
  assert_int_equal(r.error, SD_FETCH_DNS);
  assert_string_equal(r.url, "https://mta-sts.nx.example/.well-known/mta-sts.txt");
  assert_non_null(strstr(r.detail, "cannot resolve mta-sts.nx.example (no such name)"));
  assert_single_finding(&r, SD_C_STS_POLICY_DNS, "mta-sts.nx.example");
  sd_fetch_result_free(&r);
  assert_int_equal(sd_fetch_result_unresolved(f, "bad/name", "x", &r), -1);
  sd_fetcher_free(f);
  event_base_free(base);
}

/* ------------------------------------------------ concurrency, lifetime */

typedef struct counter {
  int calls;
  sd_fetch_error error;
} counter;

static void on_count(const sd_fetch_result *r, void *arg) {
  counter *c = arg;
  c->calls++;
  c->error = r->error;
}

static sd_fetcher *fetcher_for_all_many(const server *s, struct event_base *base, char entries[][96],
                                        const char **resolve, int n) {
  for (int i = 0; i < n; i++) {
    snprintf(entries[i], 96, "mta-sts.many%d.x.test:%d:127.0.0.1", i, s->ports[PORT_GOOD]);
    resolve[i] = entries[i];
  }
  resolve[n] = NULL;
  sd_fetch_options opts = {.ca_file = s->ca_file, .port = s->ports[PORT_GOOD], .resolve = resolve,
                           .timeout_ms = 10000};
  return sd_fetcher_new(base, &opts);
}

static void test_many_in_flight(void **state) {
  server *s = need_server(state);
  enum { N = 12 };
  char entries[N][96];
  const char *resolve[N + 1];
  struct event_base *base = event_base_new();
  sd_fetcher *f = fetcher_for_all_many(s, base, entries, resolve, N);
  assert_non_null(f);
  counter c[N];
  memset(c, 0, sizeof(c));
  for (int i = 0; i < N; i++) {
    char domain[32];
    snprintf(domain, sizeof(domain), "many%d.x.test", i);
    assert_int_equal(sd_fetch_policy(f, domain, on_count, &c[i]), 0);
  }
  assert_int_equal(sd_fetcher_pending(f), N);
  event_base_dispatch(base);
  for (int i = 0; i < N; i++) {
    assert_int_equal(c[i].calls, 1);
    assert_int_equal(c[i].error, SD_FETCH_OK);
  }
  assert_int_equal(sd_fetcher_pending(f), 0);
  sd_fetcher_free(f);
  event_base_free(base);
}

static void test_free_with_transfers_in_flight(void **state) {
  server *s = need_server(state);
  enum { N = 4 };
  char entries[N][96];
  const char *resolve[N + 1];
  struct event_base *base = event_base_new();
  sd_fetcher *f = fetcher_for_all_many(s, base, entries, resolve, N);
  counter c[N];
  memset(c, 0, sizeof(c));
  for (int i = 0; i < N; i++) {
    char domain[32];
    snprintf(domain, sizeof(domain), "many%d.x.test", i);
    assert_int_equal(sd_fetch_policy(f, domain, on_count, &c[i]), 0);
  }
  /* Let the transfers get going (connect, handshake), then drop them. */
  struct timeval brief = {0, 20000};
  event_base_loopexit(base, &brief);
  event_base_dispatch(base);
  sd_fetcher_free(f);
  event_base_dispatch(base); /* nothing may be left to run */
  for (int i = 0; i < N; i++) assert_int_equal(c[i].calls, 0);
  event_base_free(base);
}

typedef struct freeing_ctx {
  sd_fetcher *fetcher;
  int calls;
} freeing_ctx;

static void on_done_free_fetcher(const sd_fetch_result *r, void *arg) {
  (void)r;
  freeing_ctx *ctx = arg;
  ctx->calls++;
  sd_fetcher_free(ctx->fetcher);
  ctx->fetcher = NULL;
}

static void test_free_inside_callback(void **state) {
  server *s = need_server(state);
  enum { N = 4 };
  char entries[N][96];
  const char *resolve[N + 1];
  struct event_base *base = event_base_new();
  freeing_ctx ctx = {0};
  ctx.fetcher = fetcher_for_all_many(s, base, entries, resolve, N);
  for (int i = 0; i < N; i++) {
    char domain[32];
    snprintf(domain, sizeof(domain), "many%d.x.test", i);
    assert_int_equal(sd_fetch_policy(ctx.fetcher, domain, on_done_free_fetcher, &ctx), 0);
  }
  event_base_dispatch(base);
  assert_int_equal(ctx.calls, 1); /* the first one freed the fetcher */
  assert_null(ctx.fetcher);
  event_base_free(base);
}

typedef struct chain_ctx {
  sd_fetcher *fetcher;
  int calls;
  sd_fetch_error errors[2];
} chain_ctx;

static void on_done_start_another(const sd_fetch_result *r, void *arg) {
  chain_ctx *ctx = arg;
  ctx->errors[ctx->calls++] = r->error;
  if (ctx->calls == 1) assert_int_equal(sd_fetch_policy(ctx->fetcher, "many1.x.test", on_done_start_another, ctx), 0);
}

static void test_fetch_from_callback(void **state) {
  server *s = need_server(state);
  char entries[2][96];
  const char *resolve[3];
  struct event_base *base = event_base_new();
  chain_ctx ctx = {0};
  ctx.fetcher = fetcher_for_all_many(s, base, entries, resolve, 2);
  assert_int_equal(sd_fetch_policy(ctx.fetcher, "many0.x.test", on_done_start_another, &ctx), 0);
  event_base_dispatch(base);
  assert_int_equal(ctx.calls, 2);
  assert_int_equal(ctx.errors[0], SD_FETCH_OK);
  assert_int_equal(ctx.errors[1], SD_FETCH_OK);
  sd_fetcher_free(ctx.fetcher);
  event_base_free(base);
}

/* --------------------------------------------------- no-network units */

static void test_rejects_hostile_domains(void **state) {
  (void)state;
  struct event_base *base = event_base_new();
  sd_fetcher *f = sd_fetcher_new(base, NULL);
  assert_non_null(f);
  counter c = {0};
  char long_label[80];
  memset(long_label, 'a', 64);
  strcpy(long_label + 64, ".com");
  char too_long[300];
  memset(too_long, 'a', sizeof(too_long));
  for (int i = 60; i < 299; i += 61) too_long[i] = '.';
  too_long[299] = '\0';
  const char *bad[] = {"",          ".",           "..",         "a..b",     "x.test/evil",   "x.test:8443",
                       "u@x.test",  "x.test#frag", "x test",     "x.test\n", "b\xc3\xbc.test", "x.test?q",
                       "-",         long_label,    too_long,     "a_b.test", NULL};
  for (size_t i = 0; bad[i]; i++) {
    if (sd_fetch_policy(f, bad[i], on_count, &c) != -1) fail_msg("accepted hostile domain #%zu", i);
  }
  assert_int_equal(sd_fetch_policy(f, NULL, on_count, &c), -1);
  assert_int_equal(sd_fetch_policy(f, "x.test", NULL, &c), -1);
  assert_int_equal(sd_fetch_policy(NULL, "x.test", on_count, &c), -1);
  assert_int_equal(sd_fetcher_pending(f), 0);
  event_base_dispatch(base);
  assert_int_equal(c.calls, 0);
  sd_fetcher_free(f);
  assert_null(sd_fetcher_new(NULL, NULL));
  event_base_free(base);
}

static void test_error_findings_map(void **state) {
  (void)state;
  static const struct {
    sd_fetch_error error;
    sd_code code;
    int has_remedy;
  } map[] = {
      {SD_FETCH_DNS, SD_C_STS_POLICY_DNS, 1},
      {SD_FETCH_TCP, SD_C_STS_POLICY_TCP, 1},
      {SD_FETCH_TLS_NAME, SD_C_STS_POLICY_TLS_NAME, 1},
      {SD_FETCH_TLS_UNTRUSTED, SD_C_STS_POLICY_TLS_UNTRUSTED, 1},
      {SD_FETCH_TLS_EXPIRED, SD_C_STS_POLICY_TLS_EXPIRED, 1},
      {SD_FETCH_TLS_HANDSHAKE, SD_C_STS_POLICY_TLS_HANDSHAKE, 1},
      {SD_FETCH_HTTP_STATUS, SD_C_STS_POLICY_HTTP_STATUS, 1},
      {SD_FETCH_REDIRECT, SD_C_STS_POLICY_REDIRECT, 1},
      {SD_FETCH_TOO_LARGE, SD_C_STS_POLICY_TOO_LARGE, 1},
      {SD_FETCH_TIMEOUT, SD_C_STS_POLICY_TIMEOUT, 1},
      {SD_FETCH_OTHER, SD_C_STS_POLICY_FETCH_FAILED, 0},
  };
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    sd_fetch_result r = {.error = map[i].error, .url = "https://mta-sts.example.com/.well-known/mta-sts.txt",
                         .http_status = 503};
    sd_findings fs = {0};
    sd_fetch_result_findings(&r, &fs);
    assert_int_equal(fs.count, 1);
    assert_int_equal(fs.items[0].code, map[i].code);
    assert_string_equal(fs.items[0].where, "policy");
    assert_non_null(strstr(fs.items[0].detail, "503")); /* fallback detail without r.detail */
    if (map[i].has_remedy) assert_non_null(strstr(fs.items[0].remedy, "mta-sts.example.com"));
    assert_int_equal(sd_code_lookup(fs.items[0].code)->severity, SD_SEV_ERROR);
    sd_findings_clear(&fs);
    assert_string_not_equal(sd_fetch_error_name(map[i].error), "unknown");
  }
  sd_fetch_result r = {.error = SD_FETCH_REDIRECT, .detail = "policy fetch x: HTTP status 302 redirect to y"};
  sd_findings fs = {0};
  sd_fetch_result_findings(&r, &fs);
  assert_string_equal(fs.items[0].detail, r.detail);
  assert_null(fs.items[0].remedy); /* no URL, no host to name */
  sd_findings_clear(&fs);
  assert_string_equal(sd_fetch_error_name(SD_FETCH_OK), "ok");
  assert_string_equal(sd_fetch_error_name((sd_fetch_error)99), "unknown");
  sd_fetch_result_findings(NULL, &fs);
  assert_int_equal(fs.count, 0);
}

static int content_type_warns(const char *content_type, const char *encoding) {
  sd_fetch_result r = {.error = SD_FETCH_OK, .url = "https://mta-sts.example.com/.well-known/mta-sts.txt",
                       .content_type = (char *)content_type, .content_encoding = (char *)encoding};
  sd_findings fs = {0};
  sd_fetch_result_findings(&r, &fs);
  int n = count_code(&fs, SD_C_STS_POLICY_CONTENT_TYPE) * 1 + count_code(&fs, SD_C_STS_POLICY_ENCODING) * 2;
  for (size_t i = 0; i < fs.count; i++) assert_int_equal(sd_code_lookup(fs.items[i].code)->severity, SD_SEV_WARNING);
  sd_findings_clear(&fs);
  return n;
}

static void test_content_type_rules(void **state) {
  (void)state;
  assert_int_equal(content_type_warns("text/plain", NULL), 0);
  assert_int_equal(content_type_warns("TEXT/Plain", NULL), 0);
  assert_int_equal(content_type_warns(" text/plain ; charset=utf-8", NULL), 0);
  assert_int_equal(content_type_warns("text/plain;charset=\"US-ASCII\"", NULL), 0);
  assert_int_equal(content_type_warns("text/plain; format=flowed", NULL), 0);
  assert_int_equal(content_type_warns("text/plain; charset=latin1", NULL), 1);
  assert_int_equal(content_type_warns("text/plainx", NULL), 1);
  assert_int_equal(content_type_warns("text/html", NULL), 1);
  assert_int_equal(content_type_warns("", NULL), 1);
  assert_int_equal(content_type_warns(NULL, NULL), 1);
  assert_int_equal(content_type_warns("text/\x01\xff", NULL), 1);
  assert_int_equal(content_type_warns("text/plain", "identity"), 0);
  assert_int_equal(content_type_warns("text/plain", "br"), 2);
  assert_int_equal(content_type_warns("application/octet-stream", "gzip"), 3);
}

static void test_result_copy(void **state) {
  (void)state;
  char body[] = {'a', '\0', 'b', '\0'};
  sd_fetch_result src = {.error = SD_FETCH_OK, .detail = "d", .url = "u", .http_status = 200, .headers = "h",
                         .content_type = "text/plain", .body = body, .body_len = 3, .primary_ip = "127.0.0.1",
                         .elapsed_ms = 12.5};
  sd_fetch_result dst;
  sd_fetch_result_copy(&dst, &src);
  assert_ptr_not_equal(dst.body, src.body);
  assert_int_equal(dst.body_len, 3);
  assert_memory_equal(dst.body, body, 4);
  assert_string_equal(dst.url, "u");
  assert_string_equal(dst.primary_ip, "127.0.0.1");
  assert_null(dst.location);
  assert_true(dst.elapsed_ms == 12.5);
  sd_fetch_result_free(&dst);
  assert_null(dst.body);
  sd_fetch_result_free(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rejects_hostile_domains),
      cmocka_unit_test(test_error_findings_map),
      cmocka_unit_test(test_content_type_rules),
      cmocka_unit_test(test_result_copy),
      cmocka_unit_test(test_ok_text_plain),
      cmocka_unit_test(test_domain_normalised),
      cmocka_unit_test(test_request_headers),
      cmocka_unit_test(test_content_type_checks),
      cmocka_unit_test(test_not_found),
      cmocka_unit_test(test_redirect_not_followed),
      cmocka_unit_test(test_too_large),
      cmocka_unit_test(test_content_encoding_warning),
      cmocka_unit_test(test_huge_headers),
      cmocka_unit_test(test_slow_drip_times_out),
      cmocka_unit_test(test_tls_expired),
      cmocka_unit_test(test_tls_wrong_name),
      cmocka_unit_test(test_tls_untrusted),
      cmocka_unit_test(test_tls_handshake_alert),
      cmocka_unit_test(test_tcp_refused),
      cmocka_unit_test(test_dns_failure),
      cmocka_unit_test(test_fetch_at_given_address),
      cmocka_unit_test(test_fetch_at_tries_the_next_address),
      cmocka_unit_test(test_fetch_at_refuses_non_addresses),
      cmocka_unit_test(test_unresolved_result),
      cmocka_unit_test(test_many_in_flight),
      cmocka_unit_test(test_free_with_transfers_in_flight),
      cmocka_unit_test(test_free_inside_callback),
      cmocka_unit_test(test_fetch_from_callback),
  };
  /* A test that fails mid-fetch must not be killed by a write to a closed
   * socket. */
  signal(SIGPIPE, SIG_IGN);
  return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
