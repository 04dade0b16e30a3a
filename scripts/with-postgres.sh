#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server and removes the server afterwards.
#   scripts/with-postgres.sh CMD [ARGS...]
# The server is initialised in a temporary directory, listens on 127.0.0.1 on a free port (its
# unix socket stays in that directory), keeps fsync on, and holds one database owned by one
# role. The command runs with LAPIS_TEST_POSTGRES_URL=postgresql://USER:PASS@127.0.0.1:PORT/DB;
# its exit status is the script's. The server is stopped and the directory removed in any case.
# PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user.
#   LAPIS_PG_BIN=DIR   where initdb and pg_ctl are (default: the newest /usr/lib/postgresql/*/bin)
#   LAPIS_PG_SETTINGS="-c NAME=VALUE ..."   more server settings (e.g. to load pg_stat_statements)
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: with-postgres.sh CMD [ARGS...]" >&2
  exit 2
fi

bin="${LAPIS_PG_BIN:-}"
if [ -z "$bin" ]; then
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    [ -x "$d/initdb" ] && bin="$d"
  done
fi
if [ -z "$bin" ] && command -v initdb >/dev/null 2>&1; then bin="$(dirname "$(command -v initdb)")"; fi
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "with-postgres.sh: initdb and pg_ctl not found (install the Debian package postgresql)" >&2
  exit 1
fi

# As root, the server's files and processes belong to the postgres system user.
as_server() { "$@"; }
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres.sh: running as root needs the postgres system user" >&2
    exit 1
  fi
  as_server() { runuser -u postgres -- "$@"; }
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/lapis-pg.XXXXXX")"
data="$tmp/data"
sock="$tmp/socket"
started=0
cleanup() {
  if [ "$started" = 1 ]; then
    as_server "$bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      as_server "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chmod 700 "$tmp"
mkdir -p "$sock"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$tmp"

secret() { od -An -N16 -tx1 /dev/urandom | tr -d ' \n'; }
user=lapis
password="$(secret)"
db=lapis

# The C.UTF-8 locale lower-cases every letter for full-text search; C only ASCII.
locale=C
locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$' && locale=C.UTF-8
pwfile="$tmp/superuser-password"
secret >"$pwfile"
[ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
if ! as_server "$bin/initdb" -D "$data" -U postgres --pwfile="$pwfile" --auth-local=scram-sha-256 \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale="$locale" >"$tmp/initdb.log" 2>&1; then
  cat "$tmp/initdb.log" >&2
  exit 1
fi

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
port=""
for attempt in 1 2 3 4 5; do
  p="$(free_port)"
  if as_server "$bin/pg_ctl" -D "$data" -l "$tmp/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $p -c unix_socket_directories=$sock -c fsync=on ${LAPIS_PG_SETTINGS:-}" \
      start >/dev/null 2>&1; then
    port="$p"
    started=1
    break
  fi
  # Another program took the port in between, or the server is slow: make sure it is down.
  as_server "$bin/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
done
if [ -z "$port" ]; then
  echo "with-postgres.sh: the PostgreSQL server did not start:" >&2
  tail -n 20 "$tmp/server.log" >&2 || true
  exit 1
fi

# Names and secrets are generated here (hex, fixed words), so they are safe inside SQL text.
psql_bin="$bin/psql"
[ -x "$psql_bin" ] || psql_bin=psql
PGPASSWORD="$(cat "$pwfile")" "$psql_bin" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres \
  -d postgres -c "CREATE ROLE $user LOGIN PASSWORD '$password'" \
  -c "CREATE DATABASE $db OWNER $user ENCODING 'UTF8'" >/dev/null

export LAPIS_TEST_POSTGRES_DATA="$data"
export LAPIS_TEST_POSTGRES_URL="postgresql://$user:$password@127.0.0.1:$port/$db"
# In the background, so that a signal to this script stops the command and the server at once.
"$@" <&0 &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
set +e
wait "$child"
status=$?
set -e
exit "$status"
