#!/usr/bin/env python3
"""Every option a command's --help shows must be described in its manual page.

usage: man_options.py STSDANE MANDIR

Runs the built binary's `stsdane COMMAND --help` for each command that
`stsdane --help` lists, collects the options it shows (--long anywhere,
-x in option lists), and fails for each one the page stsdane-COMMAND.1 in
MANDIR does not mention. The top page stsdane.1 must name every command and
every option of `stsdane --help`. Pages must also format without warnings
(groff -man -ww)."""
import os
import re
import subprocess
import sys

LONG = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")
SHORT = re.compile(r"^\s+(-[a-zA-Z0-9])\b", re.M)


def help_text(stsdane, *args):
    p = subprocess.run([stsdane, *args, "--help"], capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise SystemExit("%s --help exited %d: %s" % (" ".join(args) or "stsdane", p.returncode, p.stderr))
    return p.stdout


def options_in_help(text):
    return set(LONG.findall(text)) | set(SHORT.findall(text))


def commands_in_help(text):
    block = text.split("Commands:", 1)[1].split("\n\n", 1)[0]
    return [m.group(1) for m in re.finditer(r"^\s+([a-z]+)\b", block, re.M)]


def page_words(path):
    """The page's text with roff escapes for '-' and font changes removed."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"\\f[BIRP]|\\f\[[A-Z]*\]|\\&", "", text)
    return text.replace("\\-", "-")


def mentions(page, option):
    return re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(option), page) is not None


def groff_warnings(path):
    p = subprocess.run(["groff", "-man", "-ww", "-z", path], capture_output=True, text=True, timeout=30)
    return p.stderr.strip()


def main():
    stsdane, mandir = sys.argv[1], sys.argv[2]
    failures, checked = [], 0
    top_help = help_text(stsdane)
    commands = commands_in_help(top_help)
    if not commands:
        failures.append("stsdane --help lists no commands")
    pages = {"stsdane": (top_help, os.path.join(mandir, "stsdane.1"))}
    for cmd in commands:
        pages["stsdane-" + cmd] = (help_text(stsdane, cmd), os.path.join(mandir, "stsdane-%s.1" % cmd))
    top = page_words(pages["stsdane"][1]) if os.path.exists(pages["stsdane"][1]) else ""
    for cmd in commands:
        if not re.search(r"^\.B[IR]? %s\b" % cmd, top, re.M) or not mentions(top, "stsdane-" + cmd):
            failures.append("stsdane.1: the command %s is not described (with a reference to stsdane-%s(1))"
                            % (cmd, cmd))
    for name, (text, path) in sorted(pages.items()):
        if not os.path.exists(path):
            failures.append("%s: missing (the command exists)" % path)
            continue
        page = page_words(path)
        for option in sorted(options_in_help(text)):
            checked += 1
            if not mentions(page, option):
                failures.append("%s: %s is in --help but not in the page" % (os.path.basename(path), option))
        warnings = groff_warnings(path)
        if warnings:
            failures.append("%s: groff warns: %s" % (os.path.basename(path), warnings))
    for f in failures:
        print("FAIL " + f)
    print("%d options checked in %d pages, %d failures" % (checked, len(pages), len(failures)))
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
