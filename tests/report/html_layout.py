#!/usr/bin/env python3
"""No text of the HTML report overflows its box, as Chromium lays it out.

    html_layout.py STSDANE [SHOT_DIR]

Makes the single-scan page (tests/report/fixtures/report.jsonl: the
catalogue plus hostile strings) and the over-time page (the two snapshot
fixtures), then for each: a copy without the Content-Security-Policy gets a
measuring script appended (the report itself has no script and forbids
any), every <details> is opened, and headless Chromium (--dump-dom) runs
the script, which writes what it found into the page:
  * every SVG <text> must lie inside its chart's viewBox (a clipped label,
    e.g. a long change name cut on the left, fails);
  * no table cell, heading, paragraph, list item or summary may be wider
    than its box (scrollWidth > clientWidth);
  * the page must not be wider than the window (1280 px).
With SHOT_DIR, screenshots of both pages are saved there to be looked at.
Exit 77 (skipped) without Chromium. Prints "N passed, M failed".
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")

MEASURE = r"""
<script>
(function () {
  var bad = [], texts = 0, boxes = 0;
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  document.querySelectorAll('svg text').forEach(function (t) {
    texts++;
    var svg = t.ownerSVGElement, vb = svg.viewBox.baseVal, b = t.getBBox();
    if (b.x < vb.x - 0.5 || b.y < vb.y - 0.5 || b.x + b.width > vb.x + vb.width + 0.5 ||
        b.y + b.height > vb.y + vb.height + 0.5)
      bad.push('svg text outside its chart: "' + t.textContent.slice(0, 80) + '" box ' +
               [b.x, b.y, b.width, b.height].map(Math.round).join(',') + ' viewBox ' +
               [vb.x, vb.y, vb.width, vb.height].join(','));
  });
  document.querySelectorAll('td, th, h1, h2, h3, p, li, summary, pre').forEach(function (e) {
    boxes++;
    if (e.scrollWidth > e.clientWidth + 1)
      bad.push(e.tagName.toLowerCase() + ' wider than its box (' + e.scrollWidth + ' > ' + e.clientWidth + '): "' +
               e.textContent.slice(0, 80) + '"');
  });
  var pageW = document.documentElement.scrollWidth;
  if (pageW > window.innerWidth + 1) bad.push('page wider than the window: ' + pageW + ' > ' + window.innerWidth);
  var out = document.createElement('pre');
  out.id = 'layout-result';
  out.textContent = JSON.stringify({texts: texts, boxes: boxes, bad: bad});
  document.body.appendChild(out);
})();
</script>
"""


def chromium():
    for c in ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"):
        if os.access(c, os.X_OK):
            return c
    return None


def run_chromium(exe, profile, *args):
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           "--user-data-dir=" + profile, "--window-size=1280,2000", *args],
                          capture_output=True, text=True, timeout=180)


def main():
    stsdane = sys.argv[1]
    shots = sys.argv[2] if len(sys.argv) > 2 else None
    exe = chromium()
    if not exe:
        print("SKIP: Chromium not installed")
        sys.exit(77)
    ok = bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        pages = {
            "report": [stsdane, "report", "--quiet", "--html", os.path.join(tmp, "report.html"),
                       os.path.join(FIX, "report.jsonl")],
            "over-time": [stsdane, "report", "--over-time", "--quiet", "--html", os.path.join(tmp, "over-time.html"),
                          os.path.join(FIX, "snapshot-1.jsonl"), os.path.join(FIX, "snapshot-2.jsonl")],
        }
        for name, cmd in pages.items():
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
            page = os.path.join(tmp, name + ".html")
            html = open(page, encoding="utf-8").read()
            measured = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
            measured = measured.replace("</body>", MEASURE + "</body>")
            mpath = os.path.join(tmp, name + "-measure.html")
            open(mpath, "w", encoding="utf-8").write(measured)
            out = run_chromium(exe, os.path.join(tmp, "profile"), "--dump-dom", "file://" + mpath)
            m = re.search(r'<pre id="layout-result">(.*?)</pre>', out.stdout, re.S)
            if not m:
                print(f"FAIL {name}: Chromium gave no measurement ({out.returncode}): {out.stderr[-300:]}")
                bad += 1
                continue
            res = json.loads(m.group(1).replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
                             .replace("&amp;", "&"))
            if res["bad"]:
                bad += 1
                print(f"FAIL {name}: {len(res['bad'])} overflow(s):")
                for b in res["bad"][:20]:
                    print("   ", b)
            else:
                ok += 1
                print(f"ok   {name}: {res['texts']} chart labels and {res['boxes']} boxes, none overflows")
            ok_charts = res["texts"] > 50
            ok += ok_charts
            bad += not ok_charts
            if not ok_charts:
                print(f"FAIL {name}: only {res['texts']} chart labels measured")
            if shots:
                os.makedirs(shots, exist_ok=True)
                run_chromium(exe, os.path.join(tmp, "profile"), "--screenshot=" + os.path.join(shots, name + ".png"),
                             "file://" + page)
    print(f"{ok} passed, {bad} failed")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
