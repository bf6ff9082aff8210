"""Helpers shared by bench/scan and bench/internet: logging, building the
release binary, one timed scan under /usr/bin/time -v, medians."""

import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TESTBED = os.path.join(REPO, "tests", "testbed", "run")
NAME = "bench"   # prefix of log lines; each script sets its own

SUMMARY_RE = re.compile(r"scanned (\d+) domains in ([\d.]+) s \(([\d.]+)/s\).*?; (\d+) DNS queries, (\d+) SMTP connections")


def log(msg):
    print("%s: %s" % (NAME, msg), file=sys.stderr, flush=True)


def die(msg):
    log(msg)
    sys.exit(1)


def timed_scan(stsdane, domains, out, extra, err_path, timeout, ok_status=(0,)):
    """Runs one scan under /usr/bin/time -v (at most timeout seconds); returns its
    figures. An exit status outside ok_status, or no summary, ends the benchmark."""
    cmd = ["/usr/bin/time", "-v", stsdane, "scan", "--no-progress", "--force", domains, "-o", out] + extra
    t0 = time.monotonic()
    with open(err_path, "w") as err:
        rc = subprocess.run(cmd, stderr=err, stdout=subprocess.DEVNULL, timeout=timeout).returncode
    wall = time.monotonic() - t0
    text = open(err_path).read()
    m = SUMMARY_RE.search(text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if rc not in ok_status or not m or not rss:
        die("scan failed (exit %d), see %s:\n%s" % (rc, err_path, text[-2000:]))
    # The summary line itself: the scan may print other "stsdane scan:" notes after it.
    summary = [l for l in text.splitlines() if l.startswith("stsdane scan:") and SUMMARY_RE.search(l)]
    # The summary prints seconds and the rate with one decimal each: take
    # whichever is the larger number, so the more precise. domains / rate for
    # sub-second DNS-only runs (rate 20000.0/s), the seconds for a few slow
    # domains (8 domains in 14.0 s: a rate of 0.6/s would give 13.3 s).
    domains, printed_s, rate = int(m.group(1)), float(m.group(2)), float(m.group(3))
    seconds = domains / rate if rate > printed_s else printed_s
    return {"exit": rc, "domains": domains, "seconds": seconds, "dns_queries": int(m.group(4)),
            "smtp_connections": int(m.group(5)), "peak_rss_kb": int(rss.group(1)), "wall": wall,
            "summary": summary[-1] if summary else ""}


def ensure_stsdane(path):
    """The binary at path; built with meson (release) when it is missing."""
    if os.path.exists(path):
        return path
    build = os.path.dirname(path) or "build"
    log("%s missing: building it with meson in %s (release)" % (path, build))
    if not os.path.exists(os.path.join(build, "build.ninja")):
        subprocess.run(["meson", "setup", build, "--buildtype=release"], cwd=REPO, check=True)
    subprocess.run(["meson", "compile", "-C", build], cwd=REPO, check=True)
    if not os.path.exists(path):
        die("meson built no %s" % path)
    return path


def line_count(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def mb(kb):
    return kb / 1024.0


def median(values):
    v = sorted(values)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2.0
