#!/usr/bin/env bash
# Runs the node:test suites named as arguments (unit, integration) under tsx.
# Node 20's --test does not expand globs itself, so the file list is built here.
set -euo pipefail
cd "$(dirname "$0")/.."
files=()
for suite in "$@"; do
  while IFS= read -r f; do files+=("$f"); done < <(find "test/$suite" -name '*.test.ts' | sort)
done
if [ "${#files[@]}" -eq 0 ]; then
  echo "no test files found for: $*" >&2
  exit 1
fi
exec node --import tsx --test --test-concurrency="${TEST_CONCURRENCY:-4}" --test-reporter=spec "${files[@]}"
