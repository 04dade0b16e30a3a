#!/usr/bin/env bash
# Runs every test of Lapis on Debian 12: installs what is needed (apt-get, npm), builds, then runs
# the unit tests, the tests on real corpora, the web application's tests in headless Chromium,
# the sanitizer run over every corpus and a short fuzzing pass. Safe to run again. Exit status 0 only when everything passed.
#   LAPIS_FUZZ_SECONDS=N   seconds per fuzz target (default 30; 0 skips fuzzing)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh"
echo "== unit and corpus tests"
ctest --test-dir "$ROOT/build" -j 2 --output-on-failure
echo "== sanitizers (ASan + UBSan) over every corpus"
"$ROOT/scripts/sanitize.sh"
if [ "${LAPIS_FUZZ_SECONDS:-30}" != 0 ]; then
  echo "== fuzzing"
  "$ROOT/scripts/fuzz.sh" "${LAPIS_FUZZ_SECONDS:-30}"
fi
echo "== all tests passed"
