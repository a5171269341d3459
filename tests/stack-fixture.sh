#!/usr/bin/env bash
# ctest fixture: a throwaway native stack for the integration tests.
#   stack-fixture.sh start|stop STATE_DIR BUILD_DIR [TLS]
# start: real PostgreSQL, Redis, fib-server and nginx on free loopback ports (no worker:
# tests start their own); TLS is scripts/stack's FIB_STACK_TLS (default none).
# stop: stops every process by pid and deletes the state.
set -euo pipefail
action=${1:?start|stop} state=${2:?state dir} build=${3:?build dir}
repo=$(cd "$(dirname "$0")/.." && pwd)
# The caller's settings (a developer's FIB_HTTP_PORT, PGPORT, REDIS_HOST, ...) are not the test
# stack's: it is configured here and nowhere else.
while read -r var; do
    case $var in FIB_* | REDIS_* | PG*) unset "$var" ;; esac
done < <(compgen -e)
export FIB_STACK_DIR="$state" FIB_BUILD_DIR="$build" FIB_WORKERS=0 FIB_STACK_TLS=${4:-none}
# 127.0.0.3 plays a load balancer in hostile_test (realIpComesFromTrustedProxiesOnly).
export FIB_TRUSTED_PROXIES=127.0.0.3/32
# api_test fills the live-event cap (liveEventSubscribersAreCapped).
export FIB_MAX_SUBSCRIBERS=5
export FIB_HTTP_PORT=0 FIB_API_PORT=0 FIB_PG_PORT=0 FIB_REDIS_PORT=0 FIB_EVENTS_PORT=0
case "$action" in
  start)
    "$repo/scripts/stack" down >/dev/null 2>&1 || true
    "$repo/scripts/stack" destroy >/dev/null 2>&1 || rm -rf "$state"
    "$repo/scripts/stack" up
    ;;
  stop)
    "$repo/scripts/stack" down
    "$repo/scripts/stack" destroy >/dev/null 2>&1 || rm -rf "$state"
    ;;
  *) echo "usage: $0 start|stop STATE_DIR BUILD_DIR [TLS]" >&2; exit 2 ;;
esac
