#!/usr/bin/env bash
# A project-local PostgreSQL 15 cluster, owned by the `postgres` user, data in a git-ignored folder.
#   bash deploy/pg.sh start [DATA_DIR] [PORT]   install PostgreSQL if missing, init the cluster if new, start it
#   bash deploy/pg.sh stop  [DATA_DIR]          stop it (fast: committed data is kept)
#   bash deploy/pg.sh url   [DATA_DIR] [PORT]   print the connection string
# Defaults: DATA_DIR=.data/pg, PORT=$LIBERTERRA_PG_PORT or 55432. Sourced, it defines the same as functions.
set -euo pipefail

pg_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

pg_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "==> installing PostgreSQL (Debian package postgresql)" >&2
    if [ "$(id -u)" -ne 0 ]; then echo "PostgreSQL is missing and this is not root: apt-get install -y postgresql" >&2; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$bin"
}

# initdb and postgres refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start() {
  local data="${1:-$pg_root/.data/pg}" port="${2:-${LIBERTERRA_PG_PORT:-55432}}" bin
  bin=$(pg_bin)
  mkdir -p "$data"
  data="$(cd "$data" && pwd)"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$data"
    # The postgres user must be able to reach the folder.
    if ! runuser -u postgres -- test -x "$data"; then
      echo "the postgres user cannot reach $data (a parent folder is not searchable); pass another DATA_DIR" >&2; exit 1
    fi
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    echo "==> creating a PostgreSQL cluster in $data" >&2
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "==> PostgreSQL already running ($data)" >&2
  else
    echo "==> starting PostgreSQL on 127.0.0.1:$port" >&2
    as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
      -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 ${LIBERTERRA_PG_OPTIONS:-}" start >/dev/null
  fi
}

pg_stop() {
  local data="${1:-$pg_root/.data/pg}" bin
  [ -f "$data/PG_VERSION" ] || return 0
  bin=$(pg_bin)
  if as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    echo "==> stopping PostgreSQL ($data)" >&2
    as_pg "$bin/pg_ctl" -D "$data" -w -t 60 -m fast stop >/dev/null
  fi
}

pg_url() {
  local port="${2:-${LIBERTERRA_PG_PORT:-55432}}" database="${3:-liberterra}"
  echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=$database"
}

# Creates the database if missing.
pg_createdb() {
  local port="$1" database="$2" bin
  bin=$(pg_bin)
  if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$database'" | grep -q 1; then
    "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres "$database"
  fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  case "${1:-}" in
    start) pg_start "${2:-}" "${3:-}" ;;
    stop) pg_stop "${2:-}" ;;
    url) pg_url "${2:-}" "${3:-}" ;;
    *) echo "usage: bash deploy/pg.sh start|stop|url [DATA_DIR] [PORT]" >&2; exit 2 ;;
  esac
fi
