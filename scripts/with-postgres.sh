#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL 15 cluster.
#
#   scripts/with-postgres.sh <command> [args...]
#   scripts/with-postgres.sh cargo test
#   scripts/with-postgres.sh sh -c 'psql "$TEST_DATABASE_URL"'
#   scripts/with-postgres.sh psql -c 'select version()'   # PG* variables are set too
#
# Starts a private cluster in a temporary directory (127.0.0.1 on a free port,
# trust authentication, durability switched off for speed), exports
#   TEST_DATABASE_URL=postgres://<user>@127.0.0.1:<port>/postgres
# (plus PGHOST, PGPORT, PGUSER and PGDATABASE for libpq tools such as psql),
# runs the command, then always stops the cluster and deletes its directory
# (on success, failure, Ctrl-C or SIGTERM). Exits with the command's exit code.
#
# When run as root (typical in CI containers) the server runs as the OS user
# `postgres` (initdb refuses root) and the database user is `postgres`;
# otherwise both are the current user.
#
# Environment:
#   PG_BINDIR               folder holding initdb/pg_ctl/pg_isready (auto-detected)
#   WITH_POSTGRES_KEEP_LOG  if set to a path, copy the server log there on exit
set -euo pipefail

readonly PROG="with-postgres"
readonly WANT_MAJOR=15
readonly START_TIMEOUT=30

log() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

if [[ $# -eq 0 || "$1" == "-h" || "$1" == "--help" ]]; then
    sed -n '2,/^set -euo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
    [[ $# -eq 0 ]] && exit 2
    exit 0
fi

IS_ROOT=0
[[ "$(id -u)" -eq 0 ]] && IS_ROOT=1

# The caller's libpq environment must not redirect our own pg_ctl/pg_isready calls.
unset PGDATA PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGPASSWORD PGSSLMODE || true

# --------------------------------------------------------------------------
# Locate the server binaries.
# --------------------------------------------------------------------------
has_server_bins() { [[ -n "$1" && -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]; }

find_bindir() {
    local d
    if [[ -n "${PG_BINDIR:-}" ]]; then
        has_server_bins "$PG_BINDIR" && { echo "$PG_BINDIR"; return 0; }
        log "warning: PG_BINDIR=$PG_BINDIR has no initdb/pg_ctl/postgres; auto-detecting"
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null || true)"
        has_server_bins "$d" && { echo "$d"; return 0; }
    fi
    # Debian/Ubuntu layout; prefer the wanted major, then the newest.
    has_server_bins "/usr/lib/postgresql/$WANT_MAJOR/bin" && { echo "/usr/lib/postgresql/$WANT_MAJOR/bin"; return 0; }
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k4,4 -rn); do
        has_server_bins "$d" && { echo "$d"; return 0; }
    done
    # Anything on PATH (e.g. Homebrew, distro packages with binaries in /usr/bin).
    if command -v initdb >/dev/null 2>&1; then
        d="$(dirname "$(readlink -f "$(command -v initdb)")")"
        has_server_bins "$d" && { echo "$d"; return 0; }
    fi
    return 1
}

if ! BINDIR="$(find_bindir)"; then
    if [[ $IS_ROOT -eq 1 ]] && command -v apt-get >/dev/null 2>&1; then
        log "no PostgreSQL server binaries found; installing postgresql-$WANT_MAJOR with apt-get"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq </dev/null >&2 || die "apt-get update failed"
        apt-get install -y -qq --no-install-recommends "postgresql-$WANT_MAJOR" </dev/null >&2 ||
            die "apt-get install postgresql-$WANT_MAJOR failed"
        BINDIR="$(find_bindir)" || die "postgresql-$WANT_MAJOR installed but initdb still not found"
    else
        die "PostgreSQL server binaries (initdb, pg_ctl) not found.
  Install PostgreSQL $WANT_MAJOR (Debian/Ubuntu: sudo apt-get install postgresql-$WANT_MAJOR)
  or point PG_BINDIR at the folder that holds initdb and pg_ctl."
    fi
fi

PG_VERSION="$("$BINDIR/postgres" --version 2>/dev/null || echo unknown)"
if [[ "$PG_VERSION" != *" $WANT_MAJOR."* ]]; then
    log "warning: wanted PostgreSQL $WANT_MAJOR but found '$PG_VERSION' in $BINDIR"
fi
PG_ISREADY="$BINDIR/pg_isready"
[[ -x "$PG_ISREADY" ]] || PG_ISREADY="$(command -v pg_isready || true)"
[[ -n "$PG_ISREADY" ]] || die "pg_isready not found (looked in $BINDIR and on PATH)"

# --------------------------------------------------------------------------
# Who runs the server.
# --------------------------------------------------------------------------
if [[ $IS_ROOT -eq 1 ]]; then
    DB_USER=postgres
    if id -u postgres >/dev/null 2>&1; then
        OS_USER=postgres
    elif id -u nobody >/dev/null 2>&1; then
        OS_USER=nobody
        log "warning: no 'postgres' OS user; running the server as 'nobody'"
    else
        die "running as root, but neither a 'postgres' nor a 'nobody' user exists to run the server"
    fi
else
    OS_USER="$(id -un)"
    DB_USER="$OS_USER"
fi

# Run a command as the server's OS user, from inside the temp dir (the caller's
# working directory may be unreadable for that user).
as_pg() {
    if [[ $IS_ROOT -eq 1 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd "$TMP_DIR" && runuser -u "$OS_USER" -- "$@")
        else
            # shellcheck disable=SC2016 # expanded by the inner shell
            (cd "$TMP_DIR" && su "$OS_USER" -s /bin/sh -c 'exec "$0" "$@"' -- "$@")
        fi
    else
        (cd "$TMP_DIR" && "$@")
    fi
}

# --------------------------------------------------------------------------
# Cleanup: always stop the server and remove the directory.
# --------------------------------------------------------------------------
TMP_DIR=""
DATA_DIR=""
SERVER_LOG=""
CHILD_PID=""

postmaster_pid() {
    [[ -n "$DATA_DIR" && -f "$DATA_DIR/postmaster.pid" ]] || return 1
    local pid
    pid="$(head -n1 "$DATA_DIR/postmaster.pid" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    echo "$pid"
}

# Alive and not a zombie (the postmaster is re-parented to PID 1, which in
# some containers never reaps it).
is_running() {
    kill -0 "$1" 2>/dev/null || return 1
    [[ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]]
}

# shellcheck disable=SC2317 # invoked from a trap
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    set +e
    if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        kill -TERM "$CHILD_PID" 2>/dev/null
        wait "$CHILD_PID" 2>/dev/null
    fi
    if [[ -n "$TMP_DIR" && -d "$TMP_DIR" ]]; then
        local pid
        if pid="$(postmaster_pid)"; then
            # Throw-away cluster: no need for a clean checkpoint.
            if ! as_pg "$BINDIR/pg_ctl" stop -D "$DATA_DIR" -m immediate -w -t 15 >/dev/null 2>&1 &&
                is_running "$pid"; then
                log "server (pid $pid) did not stop; killing it"
                kill -KILL "$pid" 2>/dev/null
                for _ in $(seq 1 50); do
                    is_running "$pid" || break
                    sleep 0.1
                done
            fi
        fi
        if [[ -n "${WITH_POSTGRES_KEEP_LOG:-}" && -f "$SERVER_LOG" ]]; then
            cp "$SERVER_LOG" "$WITH_POSTGRES_KEEP_LOG"
        fi
        rm -rf "$TMP_DIR"
        [[ -d "$TMP_DIR" ]] && log "warning: could not remove $TMP_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

show_log_tail() {
    if [[ -n "$SERVER_LOG" && -s "$SERVER_LOG" ]]; then
        log "server log (last 30 lines; set WITH_POSTGRES_KEEP_LOG=<file> to keep it all):"
        tail -n 30 "$SERVER_LOG" | sed 's/^/    /' >&2
    fi
}

# --------------------------------------------------------------------------
# Create the cluster.
# --------------------------------------------------------------------------
make_tmp_dir() {
    local base="${TMPDIR:-/tmp}" dir
    dir="$(mktemp -d "$base/griot-pg.XXXXXX")"
    if [[ $IS_ROOT -eq 1 ]]; then
        chown "$OS_USER" "$dir"
        # TMPDIR may not be traversable by the server user (e.g. under /root).
        if ! (cd / && runuser -u "$OS_USER" -- test -w "$dir" -a -x "$dir") 2>/dev/null &&
            [[ "$base" != /tmp ]]; then
            rm -rf "$dir"
            dir="$(mktemp -d /tmp/griot-pg.XXXXXX)"
            chown "$OS_USER" "$dir"
        fi
    fi
    echo "$dir"
}
TMP_DIR="$(make_tmp_dir)"
DATA_DIR="$TMP_DIR/data"
SOCKET_DIR="$TMP_DIR"
SERVER_LOG="$TMP_DIR/server.log"
INITDB_LOG="$TMP_DIR/initdb.log"

run_initdb() {
    rm -rf "$DATA_DIR"
    as_pg "$BINDIR/initdb" -D "$DATA_DIR" -A trust -U "$DB_USER" --encoding=UTF8 "--locale=$1" \
        --no-sync >"$INITDB_LOG" 2>&1
}
if ! run_initdb C.UTF-8; then
    log "initdb with --locale=C.UTF-8 failed; retrying with --locale=C"
    if ! run_initdb C; then
        log "initdb output:"
        sed 's/^/    /' "$INITDB_LOG" >&2
        die "initdb failed (binaries: $BINDIR, OS user: $OS_USER)"
    fi
fi

{
    echo ""
    echo "# --- scripts/with-postgres.sh: throw-away test cluster ---"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$SOCKET_DIR'"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    echo "max_connections = 400"
    echo "shared_buffers = 128MB"
    echo "logging_collector = off"
} >>"$DATA_DIR/postgresql.conf"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null && return 0
    # No python3: pick a random high port; start-up retries cover collisions.
    echo $((20000 + RANDOM % 40000))
}

# --------------------------------------------------------------------------
# Start it (retrying on a port collision) and wait until it accepts connections.
# --------------------------------------------------------------------------
PORT=""
started=0
for attempt in 1 2 3 4 5; do
    PORT="$(free_port)"
    log "starting PostgreSQL ($PG_VERSION) on 127.0.0.1:$PORT, data dir $DATA_DIR, user $DB_USER"
    : >"$SERVER_LOG"
    [[ $IS_ROOT -eq 1 ]] && chown "$OS_USER" "$SERVER_LOG"
    if as_pg "$BINDIR/pg_ctl" start -D "$DATA_DIR" -l "$SERVER_LOG" -o "-p $PORT" \
        -w -t "$START_TIMEOUT" -s >/dev/null 2>"$TMP_DIR/pg_ctl.err"; then
        started=1
        break
    fi
    # pg_ctl may give up while the postmaster is still around: make sure it is gone.
    if pid="$(postmaster_pid)" && is_running "$pid"; then
        as_pg "$BINDIR/pg_ctl" stop -D "$DATA_DIR" -m immediate -w -t 10 >/dev/null 2>&1 || kill -KILL "$pid" 2>/dev/null || true
    fi
    if grep -qiE 'could not (bind|create listen)|address already in use' "$SERVER_LOG" && [[ $attempt -lt 5 ]]; then
        log "port $PORT is taken; trying another one"
        continue
    fi
    break
done
if [[ $started -ne 1 ]]; then
    sed 's/^/    /' "$TMP_DIR/pg_ctl.err" >&2 || true
    show_log_tail
    die "PostgreSQL failed to start (timeout ${START_TIMEOUT}s); binaries: $BINDIR"
fi

deadline=$((SECONDS + START_TIMEOUT))
until "$PG_ISREADY" -q -h 127.0.0.1 -p "$PORT" -U "$DB_USER" -d postgres -t 2; do
    if [[ $SECONDS -ge $deadline ]]; then
        show_log_tail
        die "PostgreSQL on 127.0.0.1:$PORT is not accepting connections after ${START_TIMEOUT}s"
    fi
    sleep 0.2
done

export TEST_DATABASE_URL="postgres://$DB_USER@127.0.0.1:$PORT/postgres"
export PGHOST=127.0.0.1 PGPORT="$PORT" PGUSER="$DB_USER" PGDATABASE=postgres
log "ready: TEST_DATABASE_URL=$TEST_DATABASE_URL"

# --------------------------------------------------------------------------
# Run the command. It runs in the background so that a signal sent to this
# script alone (CI cancellation, `kill`) is forwarded to it before cleanup.
# Two details of background jobs in a non-interactive shell are undone:
# stdin would be /dev/null (so pass it through), and SIGINT/SIGQUIT would be
# ignored, which the command and its children would inherit (so reset them).
# --------------------------------------------------------------------------
# shellcheck disable=SC2317 # invoked from a trap
forward() {
    local sig=$1 code=$2 crc
    if [[ -n "$CHILD_PID" ]] && kill -0 "$CHILD_PID" 2>/dev/null; then
        # Ctrl-C on a terminal already reached the command (same process
        # group); sending it twice would, e.g., quit an interactive psql.
        if [[ "$sig" != INT || ! -t 0 ]]; then
            kill -"$sig" "$CHILD_PID" 2>/dev/null || true
        fi
        crc=0
        wait "$CHILD_PID" 2>/dev/null || crc=$?
        # A command that handled the signal itself keeps its own exit code.
        [[ $crc -gt 128 ]] || code=$crc
    fi
    CHILD_PID=""
    exit "$code"
}

if env "--default-signal=INT,QUIT" -- true 2>/dev/null; then
    RESET_SIGNALS=(env "--default-signal=INT,QUIT" --)
elif command -v python3 >/dev/null 2>&1; then
    # shellcheck disable=SC2016
    RESET_SIGNALS=(python3 -c 'import os, signal, sys
for s in ("SIGINT", "SIGQUIT", "SIGPIPE", "SIGXFSZ"):
    signal.signal(getattr(signal, s), signal.SIG_DFL)
try:
    os.execvp(sys.argv[1], sys.argv[1:])
except OSError as e:
    sys.stderr.write("%s: %s\n" % (sys.argv[1], e.strerror))
    sys.exit(127)')
else
    RESET_SIGNALS=()
fi

if [[ ${#RESET_SIGNALS[@]} -eq 0 ]]; then
    # Cannot restore SIGINT for a background job: run in the foreground (a
    # signal to this script alone then takes effect when the command ends).
    rc=0
    "$@" || rc=$?
    exit "$rc"
fi

trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
trap 'forward HUP 129' HUP
"${RESET_SIGNALS[@]}" "$@" <&0 &
CHILD_PID=$!
rc=0
wait "$CHILD_PID" || rc=$?
CHILD_PID=""
exit "$rc"
