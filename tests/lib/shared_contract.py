#!/usr/bin/env python3
"""Where the tests find the shared contract, and the one line they print
when it is absent.

The public scenario catalogues (catalogue.json, dnssec-variety.json) are not
in this repository: they live in ../shared/scenarios next to the checkout,
or where STSDANE_CATALOGUE (FILE[:FILE...]) points. A test whose
expectations come from them FAILS when they are absent, with one line
naming the path and the way out: a conformance run without the contract is
not one, and a skip would let a wrong path go unnoticed for ever
(docs/testbed.md "The shared contract"). The testbed itself
(tests/testbed/lib/model.py) fails the same way.

From Python:  shared_contract.catalogues("who", given)  -> existing paths
From a shell: python3 tests/lib/shared_contract.py WHO [FILE...] || exit 1
              (prints the paths, one a line, or the one line on stderr)
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCENARIOS = os.path.normpath(os.path.join(ROOT, "..", "shared", "scenarios"))
CATALOGUE = os.path.join(SCENARIOS, "catalogue.json")
DNSSEC_VARIETY = os.path.join(SCENARIOS, "dnssec-variety.json")


def default_catalogues(both=False):
    """STSDANE_CATALOGUE's files, else catalogue.json (and dnssec-variety.json
    with both)."""
    env = [p for p in os.environ.get("STSDANE_CATALOGUE", "").split(":") if p]
    if env:
        return env
    return [CATALOGUE, DNSSEC_VARIETY] if both else [CATALOGUE]


def catalogues(who, given=None, both=False):
    """The catalogue files to read (given, else the defaults); exits 1 with
    one line on stderr when one is not there."""
    paths = [given] if isinstance(given, str) else list(given or default_catalogues(both))
    for path in paths:
        if not os.path.isfile(path):
            sys.exit(f"{who}: catalogue {path} not found: the shared contract lives in "
                     f"../shared/scenarios next to the checkout (or set STSDANE_CATALOGUE=FILE[:FILE])")
    return paths


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: shared_contract.py WHO [FILE...]")
    print("\n".join(catalogues(sys.argv[1], sys.argv[2:] or None)))
