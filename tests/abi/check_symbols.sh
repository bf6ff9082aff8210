#!/bin/sh
# tests/abi/check_symbols.sh LIBRARY
# The ABI of libstsdane: the dynamic symbols it defines must be exactly those
# listed in tests/abi/exported-symbols.txt (the public header's STSDANE_API
# functions). A new export, or a lost one, fails until the list (and the
# soname, when something was removed or changed) is updated on purpose.
set -eu
lib="$1"
expected="$(dirname "$0")/exported-symbols.txt"
actual="$(mktemp)"
trap 'rm -f "$actual"' EXIT
nm -D --defined-only "$lib" | awk '{print $3}' | sort -u > "$actual"
if ! diff -u "$expected" "$actual"; then
  echo "abi: $lib exports other symbols than $expected (lines with + are new, - are missing)" >&2
  exit 1
fi
echo "abi: $(wc -l < "$actual") symbols, as listed"
