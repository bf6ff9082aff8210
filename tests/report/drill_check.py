#!/usr/bin/env python3
"""Follow the links of the HTML report as an auditor would.

    drill_check.py STSDANE [--scan SCAN.jsonl | --live] [--catalogue catalogue.json]

Makes `STSDANE report --html` of a catalogue scan (default: the saved scan
tests/report/fixtures/catalogue-scan.jsonl; with --live the catalogue is
scanned now, inside the testbed: tests/testbed/run python3
tests/report/drill_check.py STSDANE --live), parses the page and follows the
link behind "domains with any conflict" (its measured column):
the list it leads to must name exactly the catalogue's domains with an
expected conflict (derived from the catalogue's "expect.conflicts", not
written here). Then every other link of every table must lead to a list
whose length (shown, plus the "N more" note) equals the count that links to
it, every domain link must lead to that domain's section, and the section
must show what `stsdane check` prints for the domain (its conflicts and
findings). Prints "N passed, M failed".
"""
import argparse
import html.parser
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import shared_contract  # noqa: E402  (the shared catalogues, or one line saying where)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCAN = os.path.join(HERE, "fixtures", "catalogue-scan.jsonl")


class Page(html.parser.HTMLParser):
    """Ids, the text under each id, table rows with their links, list items."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids = {}          # id -> {"tag", "items": [li texts], "text": str}
        self.stack = []        # open elements: (tag, id or None)
        self.tables = {}       # section id -> [(cells: [(text, href)])]
        self.section = None
        self.row = None
        self.cell = None
        self.li = None
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ("br", "meta", "rect", "line", "img", "input", "hr"):
            self.stack.append((tag, a.get("id")))
        if a.get("id"):
            self.ids[a["id"]] = {"tag": tag, "items": [], "text": ""}
        if tag == "section":
            self.section = a.get("id")
            self.tables.setdefault(self.section, [])
        if tag == "tr" and self.section:
            self.row = []
        if tag in ("td", "th") and self.row is not None:
            self.cell = ["", None]
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
            if self.cell is not None:
                self.cell[1] = a["href"][1:]
        if tag == "li":
            self.li = ""

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append((self.cell[0].strip(), self.cell[1]))
            self.cell = None
        if tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        if tag == "section":
            self.section = None
        if tag == "li" and self.li is not None:
            for t, i in reversed(self.stack):
                if i:
                    self.ids[i]["items"].append(self.li.strip())
                    break
            self.li = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell[0] += data
        if self.li is not None:
            self.li += data
        for t, i in self.stack:
            if i:
                self.ids[i]["text"] += data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stsdane")
    ap.add_argument("--scan", default=DEFAULT_SCAN)
    ap.add_argument("--live", action="store_true", help="scan the catalogue now (inside the testbed)")
    ap.add_argument("--catalogue", default=shared_contract.default_catalogues()[0])
    args = ap.parse_args()
    shared_contract.catalogues("report-drilldown", args.catalogue)
    catalogue = json.load(open(args.catalogue, encoding="utf-8"))["scenarios"]
    live_dir = tempfile.TemporaryDirectory() if args.live else None
    if live_dir:
        args.scan = os.path.join(live_dir.name, "catalogue.jsonl")
        subprocess.run([sys.executable, os.path.join(HERE, "..", "catalogue", "conformance.py"), args.stsdane,
                        "--catalogue", args.catalogue, "--save", args.scan], check=False, timeout=1200,
                       stdout=subprocess.DEVNULL)
    expected = {s["domain"] for s in catalogue if s.get("expect", {}).get("conflicts")}
    rows = {}
    for line in open(args.scan, encoding="utf-8"):
        try:
            r = json.loads(line)
            rows[r["domain"]] = r
        except (ValueError, KeyError, TypeError):
            pass
    ok = bad = 0

    def check(cond, what):
        nonlocal ok, bad
        if cond:
            ok += 1
        else:
            bad += 1
            print("FAIL:", what)

    with tempfile.TemporaryDirectory() as tmp:
        page_path = os.path.join(tmp, "report.html")
        out = subprocess.run([args.stsdane, "report", "--quiet", "--html", page_path, args.scan],
                             capture_output=True, text=True, timeout=300)
        if out.returncode != 0:
            sys.exit(f"report failed ({out.returncode}): {out.stderr[:500]}")
        page = Page()
        page.feed(open(page_path, encoding="utf-8").read())
        check(os.path.exists(page_path + ".domains.csv"), "the full lists are written beside the page")

    # 1. The link behind "domains with any conflict".
    row = [r for trs in page.tables.values() for r in trs if r and r[0][0] == "domains with any conflict"]
    check(len(row) == 1, "the page has one 'domains with any conflict' row")
    if row:
        count, href = row[0][1]
        check(href is not None, "'domains with any conflict' links to a list")
        listed = set(page.ids.get(href, {}).get("items", [])) if href else set()
        check(listed == expected, f"the list behind 'domains with any conflict' is the catalogue's conflict domains: "
                                  f"missing {sorted(expected - listed)}, extra {sorted(listed - expected)}")
        check(int(count.split()[0]) == len(expected), f"the count {count} is the catalogue's {len(expected)}")

    # 2. Every link of every table leads to a list as long as the count.
    links = 0
    for sec, trs in page.tables.items():
        for tr in trs:
            for text, href in tr[1:]:
                if not href:
                    continue
                links += 1
                target = page.ids.get(href)
                if not target:
                    check(False, f"{sec}: link #{href} leads nowhere")
                    continue
                n = int(text.split()[0])
                more = re.search(r"(\d+) more not shown", target["text"])
                shown = len(target["items"]) + (int(more.group(1)) if more else 0)
                if shown != n:
                    check(False, f"{sec} / {tr[0][0]}: count {n}, list {shown}")
    check(links > 50, f"the tables link their counts to lists ({links} links)")

    # 3. Domain links lead to the domain as check prints it.
    domain_links = {h for h in page.links if h.startswith("d-")}
    check(len(domain_links) >= len(expected), "the domains on the lists link to their sections")
    for d in sorted(expected):
        sec = page.ids.get("d-" + d)
        check(sec is not None, f"{d} has a section")
        if not sec:
            continue
        r = rows.get(d, {})
        for c in r.get("verdict", {}).get("conflicts", []):
            check(f"Conflict {c['code']}:" in sec["text"], f"{d}: its section shows conflict {c['code']}")
        for f in r.get("findings", []):
            check(f["code"] in sec["text"], f"{d}: its section shows finding {f['code']}")
            if f.get("remedy"):
                first = f["remedy"].split("\n")[0].strip()
                check(first[:40] in sec["text"], f"{d}: its section shows the remedy of {f['code']}")
        check("MTA-STS senders" in sec["text"], f"{d}: its section has the outcome per sender profile")

    print(f"{ok} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
