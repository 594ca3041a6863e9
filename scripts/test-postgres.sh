#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the tests and print its URL on stdout.
#   eval "export SHAREDSKY_TEST_POSTGRES_URL=$(scripts/test-postgres.sh start)"
#   scripts/test-postgres.sh stop
# Installs Debian's postgresql when no server binaries are present (CI runs as root).
set -euo pipefail

DIR="${SHAREDSKY_PG_DIR:-/tmp/sharedsky-test-pg}"
PORT="${SHAREDSKY_PG_PORT:-55432}"

bindir() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    echo "$found"
}

as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

case "${1:-}" in
start)
    BIN=$(bindir)
    if [ -z "$BIN" ]; then
        echo "==> installing postgresql (apt-get)" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
        BIN=$(bindir)
    fi
    if [ -f "$DIR/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$DIR" -m immediate stop >&2 || true
    fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR"
    as_postgres "$BIN/initdb" -D "$DIR" -U sharedsky --auth=trust -E UTF8 >/dev/null
    as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=on" start >&2
    as_postgres "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U sharedsky sharedsky_test >&2
    echo "postgresql+psycopg://sharedsky@127.0.0.1:$PORT/sharedsky_test"
    ;;
stop)
    BIN=$(bindir)
    if [ -n "$BIN" ] && [ -f "$DIR/postmaster.pid" ]; then
        as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast stop >&2
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
