#!/usr/bin/env bash
# Runs the given command with DATABASE_URL and REDIS_URL set: the ones in the environment,
# or throwaway PostgreSQL and Redis servers started under /tmp and stopped afterwards.
set -euo pipefail

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

tmp=$(mktemp -d /tmp/awrach-test.XXXXXX)
chmod 755 "$tmp"
pg_bin=""
cleanup() {
  if [ -n "$pg_bin" ] && [ -f "$tmp/pg/postmaster.pid" ]; then
    if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$pg_bin/pg_ctl -D $tmp/pg -m immediate stop" >/dev/null 2>&1 || true
    else "$pg_bin/pg_ctl" -D "$tmp/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  fi
  [ -f "$tmp/redis.pid" ] && kill "$(cat "$tmp/redis.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  port=$(free_port)
  run_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
  mkdir "$tmp/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres "$tmp/pg"
  run_pg "$pg_bin/initdb -D $tmp/pg -U postgres -A trust -E UTF8 --no-sync" >/dev/null
  # The socket and lock files go in the data directory: the server's user owns it (as root the
  # server runs as `postgres`, which may not write into a directory root made).
  if ! run_pg "$pg_bin/pg_ctl -D $tmp/pg -l $tmp/pg/server.log -w -o '-p $port -k $tmp/pg -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off' start" >/dev/null; then
    echo "the throwaway PostgreSQL did not start:" >&2; cat "$tmp/pg/server.log" >&2; exit 1
  fi
  export DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  echo "throwaway PostgreSQL on 127.0.0.1:$port"
fi

if [ -z "${REDIS_URL:-}" ]; then
  port=$(free_port)
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
    --pidfile "$tmp/redis.pid" --dir "$tmp" --logfile "$tmp/redis.log"
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export REDIS_URL="redis://127.0.0.1:$port/0"
  echo "throwaway Redis on 127.0.0.1:$port"
fi

"$@"
