#!/usr/bin/env bash
# The postgres image runs this once, on an empty data volume (docker-compose.yml mounts it into
# /docker-entrypoint-initdb.d): the least-privilege roles of deploy/postgres/roles.sql, with the
# passwords from FIB_PG_OWNER_PASSWORD and FIB_PG_APP_PASSWORD. FIB_ROLES_SQL names the script
# (default /fib/roles.sql, where docker-compose.yml mounts it).
set -euo pipefail
: "${FIB_PG_OWNER_PASSWORD:?set FIB_PG_OWNER_PASSWORD (the password of role fib_owner)}"
: "${FIB_PG_APP_PASSWORD:?set FIB_PG_APP_PASSWORD (the password of role fib_app)}"
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "${POSTGRES_DB:-$POSTGRES_USER}" \
    -v owner_password="$FIB_PG_OWNER_PASSWORD" -v app_password="$FIB_PG_APP_PASSWORD" -f "${FIB_ROLES_SQL:-/fib/roles.sql}"
