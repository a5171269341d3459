#!/usr/bin/env bash
# ctest: `scripts/stack up` with a worker returns once live events work (the relay has published
# to nginx, which refuses subscribers with 403 before that). Starts a throwaway stack with one
# worker on free loopback ports, subscribes at once, and destroys the stack (by pid) afterwards.
#   stack-live-events.sh STATE_DIR BUILD_DIR
set -euo pipefail
state=${1:?state dir} build=${2:?build dir}
repo=$(cd "$(dirname "$0")/.." && pwd)
while read -r var; do
    case $var in FIB_* | REDIS_* | PG*) unset "$var" ;; esac
done < <(compgen -e)
export FIB_STACK_DIR="$state" FIB_BUILD_DIR="$build" FIB_WORKERS=1
export FIB_HTTP_PORT=0 FIB_API_PORT=0 FIB_PG_PORT=0 FIB_REDIS_PORT=0 FIB_EVENTS_PORT=0
cleanup() {
    "$repo/scripts/stack" down >/dev/null 2>&1 || true
    "$repo/scripts/stack" destroy >/dev/null 2>&1 || rm -rf "$state"
}
trap cleanup EXIT
cleanup
"$repo/scripts/stack" up >"$state.up.log" 2>&1 || { cat "$state.up.log"; exit 1; }
rm -f "$state.up.log"
port=$(sed -n 's/^FIB_HTTP_PORT=//p' "$state/ports.env")
# The stream stays open: curl stops after 2 s (exit 28), with what it has read by then.
out=$(curl -sS --noproxy '*' -N -m 2 -H 'Accept: text/event-stream' -w '\nstatus=%{http_code}\n' \
    "http://127.0.0.1:$port/api/events" 2>/dev/null || true)
if [[ $out != *$'\nstatus=200'* ]]; then
    echo "FAIL: right after 'scripts/stack up', GET /api/events did not open (nginx answers 403 until the relay has published):"
    printf '%s\n' "$out"
    exit 1
fi
echo "PASS: live events open right after 'scripts/stack up' (status 200)"
