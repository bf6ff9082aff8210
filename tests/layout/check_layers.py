#!/usr/bin/env python3
"""Checks that the folders of src/ form the layering of tests/layout/layers.txt.

The folder graph is derived from the #include "..." lines of every .c, .h
and .def file under src/ and include/. It fails (exit 1, one line per
problem) on:
  - an include of a folder in a higher layer than the includer's,
  - a cycle between folders (also between folders of one layer),
  - a folder with sources that layers.txt does not place.
On success it prints one summary line and the folder graph.

  check_layers.py [--root DIR] [--layers FILE]
  check_layers.py --self-test   # shows that each rule fails on a bad tree
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
SOURCE_SUFFIXES = ('.c', '.h', '.def')


def read_layers(path):
    """[(layer name, [folders])], lowest first; dies on a malformed line."""
    layers = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            name, sep, folders = line.partition(':')
            if not sep or not folders.split():
                sys.exit(f'{path}:{lineno}: expected "layer: folder ...", got {line!r}')
            layers.append((name.strip(), folders.split()))
    return layers


def source_folders(root):
    """{folder name: directory} for every directory with sources under src/
    (named relative to src/) and include/ (named relative to include/)."""
    folders = {}
    for top in ('src', 'include'):
        base = os.path.join(root, top)
        for d, _, files in os.walk(base):
            if any(f.endswith(SOURCE_SUFFIXES) for f in files):
                folders[os.path.relpath(d, base)] = d
    return folders


def folder_of(include, includer_dir, root, folders):
    """The folder an include names, or None for one outside the tree."""
    if os.path.exists(os.path.join(includer_dir, include)):
        target = os.path.join(includer_dir, include)
    else:
        target = None
        for top in ('src', 'include'):
            if os.path.exists(os.path.join(root, top, include)):
                target = os.path.join(root, top, include)
                break
        if target is None:
            return None
    d = os.path.dirname(os.path.abspath(target))
    for name, path in folders.items():
        if os.path.abspath(path) == d:
            return name
    return None


def include_edges(root, folders):
    """[(from folder, to folder, 'file:line', include)] across folders."""
    edges = []
    for name, d in sorted(folders.items()):
        for f in sorted(os.listdir(d)):
            if not f.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(d, f)
            with open(path, errors='replace') as fh:
                text = fh.read()
            for m in INCLUDE.finditer(text):
                to = folder_of(m.group(1), d, root, folders)
                if to is not None and to != name:
                    line = text.count('\n', 0, m.start()) + 1
                    edges.append((name, to, f'{os.path.relpath(path, root)}:{line}', m.group(1)))
    return edges


def cycles(graph):
    """One cycle (a list of folders, first == last) for every group of folders
    that include each other (strongly connected component), so each tangle is
    reported, not only the first."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []

    def strongconnect(v):  # Tarjan; the graph has a few dozen nodes
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            strongconnect(v)
    found = []
    for group in groups:
        start = min(group)
        path, seen = [start], {start}
        while True:  # walk inside the group until a folder repeats
            nxt = sorted(w for w in graph[path[-1]] if w in group)
            step = next((w for w in nxt if w == start), None) or next((w for w in nxt if w not in seen), nxt[0])
            path.append(step)
            if step in seen:
                found.append(path[path.index(step):])
                break
            seen.add(step)
    return sorted(found)


def check(root, layers_path):
    """(problems, summary lines)."""
    layers = read_layers(layers_path)
    shown = os.path.relpath(layers_path, root)
    level = {}
    problems = []
    for i, (name, members) in enumerate(layers):
        for folder in members:
            if folder in level:
                problems.append(f'{shown}: {folder} is in two layers')
            level[folder] = (i, name)
    folders = source_folders(root)
    for folder in sorted(set(folders) - set(level)):
        problems.append(f'{folder}: a folder with sources that {shown} does not place: '
                        'add it to the layer it belongs to')
    edges = include_edges(root, folders)
    graph = {}
    for a, b, where, include in edges:
        graph.setdefault(a, set()).add(b)
        if a in level and b in level and level[b][0] > level[a][0]:
            problems.append(f'{where}: {a} (layer {level[a][1]}) includes "{include}" of {b} '
                            f'(layer {level[b][1]}, higher): move the shared part down or the '
                            f'caller up ({shown})')
    found = cycles(graph)
    for cycle in found:
        problems.append('folder cycle: ' + ' -> '.join(cycle) + ' (each folder includes the next)')
    summary = [f'layout: {len(folders)} folders in {len(layers)} layers, '
               f'{sum(len(v) for v in graph.values())} folder dependencies, '
               f'{len(found)} cycles, '
               f'{sum(1 for p in problems if "higher" in p)} upward includes']
    for a in sorted(graph, key=lambda f: (level.get(f, (99,))[0], f)):
        summary.append(f'  {a} -> {" ".join(sorted(graph[a]))}')
    return problems, summary


def self_test(root, layers_path):
    """Copies the tree, breaks each rule once, and expects the check to fail
    with the matching message; the unbroken copy must pass."""
    me = os.path.abspath(__file__)

    def run(tree):
        p = subprocess.run([sys.executable, me, '--root', tree, '--layers', layers_path],
                           capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    def add_include(tree, rel, include):
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), 'a') as f:
            f.write(f'\n#include "{include}"\n')

    lowest = read_layers(layers_path)[0][1][0]
    breakages = {
        'upward include': (lambda t: add_include(t, f'src/{lowest}/self_test.h', 'core/engine.h'),
                           'higher'),
        'cycle within a layer': (lambda t: (add_include(t, 'src/dns/self_test.h', 'mtasts/fetch.h'),
                                            add_include(t, 'src/mtasts/self_test.h', 'dns/dns.h')),
                                 'folder cycle'),
        'unplaced folder': (lambda t: add_include(t, 'src/newfolder/x.c', 'util/str.h'),
                            'does not place'),
    }
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, (breakit, expected) in [('unbroken', (None, None))] + list(breakages.items()):
            tree = os.path.join(tmp, name.replace(' ', '_'))
            for top in ('src', 'include'):
                shutil.copytree(os.path.join(root, top), os.path.join(tree, top),
                                ignore=shutil.ignore_patterns('*.o', 'build'))
            if breakit:
                breakit(tree)
            rc, out = run(tree)
            ok = rc == 0 if expected is None else (rc == 1 and expected in out)
            print(f'self-test {name}: {"ok" if ok else "WRONG"} (exit {rc})')
            if not ok:
                print(out)
                failures += 1
    return 1 if failures else 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--root', default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument('--layers', default=os.path.join(here, 'layers.txt'))
    ap.add_argument('--self-test', action='store_true')
    args = ap.parse_args()
    if args.self_test:
        return self_test(args.root, args.layers)
    problems, summary = check(args.root, args.layers)
    for p in problems:
        print(p)
    print('\n'.join(summary))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
