#!/usr/bin/env bash
# ctest `openapi_lint`: server/api/openapi.json through Redocly CLI's recommended rules, pinned in
# scripts/lib/deps.sh (FIB_REDOCLY_VERSION); any error fails, warnings are shown.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/lib/deps.sh
source "$repo/scripts/lib/deps.sh"
bin=$(fib_install_openapi_linter)
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec "$bin" lint --format=stylish "$repo/server/api/openapi.json"
