#!/usr/bin/env bash
# Starts/stops the local Twilio sandbox for `make local-up` / `make local-down`.
#   sandbox-ctl.sh start   start it (or reuse a running one); waits for its "sandbox ready" line
#   sandbox-ctl.sh stop    stop the process recorded in .sandbox/sandbox.pid
# State persists in .sandbox/sandbox.db; credentials and URL are written to .sandbox/env.
# SANDBOX_PORT (default 4010) and SANDBOX_DIR (default .sandbox) place it elsewhere.
# A start failure is the sandbox's own one line (e.g. the port is taken, by whom, and the fix).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${SANDBOX_DIR:-$repo/.sandbox}
pidfile=$dir/sandbox.pid
log=$dir/sandbox.log
port=${SANDBOX_PORT:-4010}
wait_seconds=${SANDBOX_WAIT_SECONDS:-60}

running_pid() {
    local pid
    pid=$(cat "$pidfile" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

# One line on stderr for a sandbox that exited before it was ready: its own one-line message when it
# printed one (it names the port, who holds it and the fix), else the last line of its log, with the port.
start_failure() {
    local text own last
    text=$(grep -v '^[[:space:]]*$' "$log" || true)
    if [ -n "$text" ] && [ "$(printf '%s\n' "$text" | wc -l)" -eq 1 ]; then
        printf '%s\n' "$text"
        return
    fi
    own=$(printf '%s\n' "$text" | grep -E '^(error|twilio-sandbox)[: ]' | tail -n1 || true)
    if [ -n "$own" ]; then
        printf '%s\n' "$own"
        return
    fi
    last=$(printf '%s\n' "$text" | tail -n1 | sed 's/^[[:space:]]*//')
    case $last in
        *"Address already in use"* | *"address already in use"*)
            echo "error: twilio-sandbox could not listen on port $port: it is taken (fix: SANDBOX_PORT=<another port> make local-up, or make local-down in the clone whose sandbox holds it)" ;;
        *) echo "error: twilio-sandbox exited before it was ready on port $port: ${last:-no output} (full log: $log)" ;;
    esac
}

start() {
    mkdir -p "$dir"
    if pid=$(running_pid) && [ -f "$dir/env" ]; then
        echo "sandbox already running (pid $pid, log $log)"
        return 0
    fi
    [ -x "$repo/.venv/bin/twilio-sandbox" ] || { echo "error: .venv/bin/twilio-sandbox is missing; run 'make setup'" >&2; exit 1; }
    rm -f "$dir/env"
    : >"$log"
    # setsid: the sandbox must outlive this make invocation; its pid is recorded so local-down stops exactly it.
    setsid "$repo/.venv/bin/twilio-sandbox" serve --port "$port" --seed flex-demo \
        --db "$dir/sandbox.db" --env-file "$dir/env" >>"$log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$pidfile"
    for _ in $(seq $((wait_seconds * 5))); do
        if grep -qx 'sandbox ready' "$log"; then
            url=$(sed -n 's/^TWILIO_SANDBOX_URL=//p' "$dir/env" 2>/dev/null)
            echo "sandbox ready at ${url:-port $port} (pid $pid, log $log)"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$pidfile"
            start_failure >&2
            exit 1
        fi
        sleep 0.2
    done
    echo "error: twilio-sandbox did not print 'sandbox ready' within ${wait_seconds}s (see $log)" >&2
    kill "$pid" 2>/dev/null || true
    rm -f "$pidfile"
    exit 1
}

stop() {
    if pid=$(running_pid); then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "sandbox stopped (pid $pid)"
    else
        echo "sandbox not running"
    fi
    rm -f "$pidfile"
}

case ${1:-} in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
