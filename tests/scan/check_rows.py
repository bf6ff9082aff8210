#!/usr/bin/env python3
"""Checks on `stsdane scan` output for tests/scan/test_resume_shards.sh.

    check_rows.py expected LIST                  print how many rows LIST must give
    check_rows.py first-missing LIST OUT         print the first row line not in OUT
    check_rows.py exactly-once LIST OUT...       every row line exactly once over OUT...
    check_rows.py same-shard-per-domain OUT...   a domain never appears in two files
    check_rows.py dns-only OUT                   no SMTP probe, no policy fetch
    check_rows.py csv CSV OUT                    one row per data line, rank kept
    check_rows.py same-verdicts CHECK OUT        scan verdicts equal check --json ones

Exit status 0 when the check holds; otherwise 1 with the reason on stdout.
The reader rules mirrored here are those of docs/scan.md.
"""
import collections
import json
import sys

LINE_MAX = 4096


def input_lines(path):
    data = open(path, "rb").read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def expected_rows(path):
    """Line numbers that must give a row: not blank, not a comment, not a header."""
    rows = []
    for number, raw in enumerate(input_lines(path), 1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw[:-1] if raw.endswith(b"\r") else raw
        stripped = text.strip(b" \t")
        if len(text) <= LINE_MAX and (not stripped or stripped.startswith(b"#")):
            continue
        rows.append(number)
    return rows


def read_rows(path):
    """Every row of a JSON Lines file; each must be a complete JSON object."""
    rows = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if not raw.endswith(b"\n"):
                raise SystemExit(f"{path}:{n}: row without a final newline")
            row = json.loads(raw)
            if not isinstance(row.get("line"), int):
                raise SystemExit(f"{path}:{n}: row without an integer \"line\"")
            for key in ("domain", "verdict", "findings"):
                if key not in row:
                    raise SystemExit(f"{path}:{n}: row without {key!r}")
            rows.append(row)
    return rows


def fail(message):
    print(message)
    sys.exit(1)


def exactly_once(list_path, outs):
    want = expected_rows(list_path)
    counts = collections.Counter()
    where = collections.defaultdict(set)
    for out in outs:
        for row in read_rows(out):
            counts[row["line"]] += 1
            where[row["line"]].add(out)
    missing = [n for n in want if counts[n] == 0]
    dupes = sorted(n for n, c in counts.items() if c > 1)
    extra = sorted(set(counts) - set(want))
    cross = sorted(n for n, files in where.items() if len(files) > 1)
    problems = []
    if missing:
        problems.append(f"missing lines {missing[:10]} ({len(missing)} in all)")
    if dupes:
        problems.append(f"lines written more than once {dupes[:10]} ({len(dupes)} in all)")
    if cross:
        problems.append(f"lines in more than one output {cross[:10]}")
    if extra:
        problems.append(f"rows for lines that are not rows {extra[:10]}")
    if problems:
        fail("; ".join(problems))
    print(f"{len(want)} rows")


def invalid(row):
    return any(f["code"] == "invalid-domain" for f in row["findings"])


def same_shard(outs):
    home = {}
    for out in outs:
        for row in read_rows(out):
            if invalid(row):
                continue
            d = row["domain"]
            if home.setdefault(d, out) != out:
                fail(f"{d} is in {home[d]} and in {out}")
    print(f"{len(home)} domains")


def dns_only(out):
    for row in read_rows(out):
        if (row.get("mtasts") or {}).get("policy") is not None:
            fail(f"line {row['line']}: a policy was fetched despite --no-https")
        for mx in row.get("mx") or []:
            for a in mx.get("addresses") or []:
                if a.get("starttls") is not None:
                    fail(f"line {row['line']}: {mx['host']} was probed despite --no-smtp")


def csv_rows(csv_path, out):
    lines = input_lines(csv_path)
    rows = read_rows(out)
    by_line = {r["line"]: r for r in rows}
    if len(rows) != len(lines) - 1 or 1 in by_line:
        fail(f"{len(rows)} rows for {len(lines) - 1} data lines (header must give none)")
    for number, raw in enumerate(lines[1:], 2):
        rank, domain = raw.decode().split(",")
        row = by_line.get(number)
        if not row or row.get("rank") != int(rank) or row["domain"] != domain:
            fail(f"line {number}: expected rank {rank} and {domain}, got {row and (row.get('rank'), row['domain'])}")


def same_verdicts(check_out, scan_out):
    checked = {}
    for raw in open(check_out, "rb"):
        r = json.loads(raw)
        checked[r["domain"]] = r
    scanned = {r["domain"]: r for r in read_rows(scan_out)}
    if not checked:
        fail("check --json gave no rows")
    differ = []
    for d, c in checked.items():
        s = scanned.get(d)
        if s is None:
            differ.append(f"{d} missing from the scan")
            continue
        for key in (("verdict", "profiles"), ("verdict", "protected_by"), ("mtasts", "status"), ("dane", "status")):
            cv, sv = c[key[0]][key[1]], s[key[0]][key[1]]
            if cv != sv:
                differ.append(f"{d} {'.'.join(key)}: check {cv!r}, scan {sv!r}")
    if differ:
        fail("; ".join(differ[:10]))
    print(f"{len(checked)} domains")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "expected":
        print(len(expected_rows(args[0])))
    elif cmd == "first-missing":
        done = set()
        for raw in open(args[1], "rb"):  # complete rows only: the file may be torn
            if raw.endswith(b"\n"):
                done.add(json.loads(raw)["line"])
        print(next((n for n in expected_rows(args[0]) if n not in done), ""))
    elif cmd == "unknown-rows":
        # rows that measured nothing; every one must say protected_by unknown with a reason
        rows = read_rows(args[0])
        bad = [r["line"] for r in rows if all(v == "unknown" for v in r["verdict"]["profiles"].values())
               and r["verdict"]["protected_by"] != "unknown"]
        if bad:
            fail(f"rows that measured nothing but say protected_by {rows[0]['verdict']['protected_by']!r}: lines {bad[:10]}")
        print(sum(1 for r in rows if r["verdict"]["protected_by"] == "unknown"))
    elif cmd == "exactly-once":
        exactly_once(args[0], args[1:])
    elif cmd == "same-shard-per-domain":
        same_shard(args)
    elif cmd == "dns-only":
        dns_only(args[0])
    elif cmd == "csv":
        csv_rows(args[0], args[1])
    elif cmd == "same-verdicts":
        same_verdicts(args[0], args[1])
    else:
        fail(f"unknown check {cmd}")


if __name__ == "__main__":
    main()
