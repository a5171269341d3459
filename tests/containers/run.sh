#!/usr/bin/env bash
# The container and deployment layer, checked for real on this machine (ctest label
# `containers`; run by scripts/test). As root, with apt reaching Debian's archive; no container
# registry and no Docker engine are needed: podman builds and runs the images.
#
#   1. apt: podman, buildah, runc, debootstrap, docker-compose, yamllint, jq, ...
#   2. docker-compose config -q on the compose files; yamllint on all YAML
#   3. Dockerrun.aws.json and .ebextensions (jq); the Beanstalk bundle (bundle.sh)
#   4. the CI definitions (.travis.yml, .github/workflows/ci.yml) have build, test, push by SHA
#      and deploy steps (check_ci.py)
#   5. Debian base images made locally (base-image.sh), then podman builds of fib-server,
#      fib-worker, fib-nginx, the test image and the development image
#   6. image settings: non-root user, HEALTHCHECK, STOPSIGNAL, exec-form ENTRYPOINT, no missing
#      shared library; the unit tests inside the test image
#   7. smoke test with host networking against a native PostgreSQL and Redis on free loopback
#      ports, both speaking only TLS with a CA made for the run (the services verify it:
#      PGSSLMODE=verify-full, REDIS_TLS=1): the three images run, their health checks pass, an
#      index POSTed through the nginx container is computed by the worker container and read
#      back, over encrypted connections only; nginx also serves port 80
#      unprivileged in a network namespace of its own; every container stops on its stop signal
#      within the timeout with exit status 0
#   8. the development variant: docker-compose.dev.yml's api command rebuilds fib-server from the
#      bind-mounted tree with ccache, serves, and a restart rebuilds incrementally
#
# Everything it starts (PostgreSQL, Redis, containers) is stopped by pid or name on exit, always.
# Images and the base-image tarballs stay in /var/cache/fib-containers (FIB_CONTAINERS_CACHE) to
# speed up the next run; deleting that directory is safe. Network: loopback only; apt inside
# `podman build --network=host` reaches Debian's archive.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$HERE/lib.sh"
REPO=$FC_REPO
# shellcheck source-path=SCRIPTDIR source=../../scripts/lib/tls.sh
source "$REPO/scripts/lib/tls.sh"

STOP_TIMEOUT=20      # seconds podman stop waits before SIGKILL
TAG=ci
RUN_ID=fibci-$$
TMP=""               # this run's directory: PostgreSQL and Redis data, lists of what to remove
LOGS=$FC_CACHE/logs
RUN_START=$(date +%s)

# ---------------------------------------------------------------------------------------------
# Cleanup: containers and volumes by the names listed in $TMP, PostgreSQL by its data directory,
# Redis by its pid file.

cleanup() {
    local rc=$? name pid
    set +e
    if [[ -n $TMP && -d $TMP ]]; then
        if [[ -s $TMP/containers ]]; then
            while read -r name; do podman rm -f -t 5 "$name" >/dev/null 2>&1; done <"$TMP/containers"
        fi
        if [[ -s $TMP/volumes ]]; then
            while read -r name; do podman volume rm -f "$name" >/dev/null 2>&1; done <"$TMP/volumes"
        fi
        if [[ -f $TMP/pg/postmaster.pid ]]; then
            runuser -u postgres -- "$(pg_bin)/pg_ctl" -D "$TMP/pg" -m fast -w -t 20 stop >/dev/null 2>&1
        fi
        if [[ -s $TMP/redis/redis.pid ]]; then
            pid=$(<"$TMP/redis/redis.pid")
            if [[ $pid =~ ^[0-9]+$ ]] && [[ $(ps -o comm= -p "$pid" 2>/dev/null) == redis-server ]]; then
                kill -TERM "$pid" 2>/dev/null
                for _ in {1..50}; do fc_pid_alive "$pid" || break; sleep 0.1; done
            fi
        fi
        rm -rf -- "$TMP"
    fi
    if ((rc != 0)); then
        fc_warn "FAILED after $(($(date +%s) - RUN_START))s; build logs are in $LOGS"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_bin() {
    local ctl
    ctl=$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -name pg_ctl -path '*/bin/*' 2>/dev/null | sort -V | tail -n 1)
    [[ -n $ctl ]] || return 1
    dirname "$ctl"
}

# podman without the systemd-timer noise it prints on machines without systemd. TMPDIR puts
# buildah's cache mounts (the ccache of the image builds) under the cache directory.
pm() {
    local rc=0
    mkdir -p "$FC_CACHE/tmp"
    TMPDIR=$FC_CACHE/tmp podman "$@" 2> >(grep -v 'systemd' >&2) || rc=$?
    return "$rc"
}

# ---------------------------------------------------------------------------------------------
# 2-4: static checks

check_compose() {
    cd "$REPO"
    docker-compose -f docker-compose.yml config -q
    docker-compose -f docker-compose.yml -f docker-compose.dev.yml config -q
    # What the stack must have, read from the resolved configuration.
    local json
    json=$(docker-compose -f docker-compose.yml config | /usr/bin/python3 -c 'import json,sys,yaml; print(json.dumps(yaml.safe_load(sys.stdin)))')
    jq -e '.services | keys == ["api","migrate","nginx","postgres","redis","worker"]' <<<"$json" >/dev/null \
        || { echo "services are not postgres, redis, migrate, api, worker, nginx"; return 1; }
    jq -e '.services.api.depends_on.migrate.condition == "service_completed_successfully"
           and .services.worker.depends_on.migrate.condition == "service_completed_successfully"
           and .services.migrate.environment.PGUSER == "fib_owner"
           and .services.api.environment.PGUSER == "fib_app" and .services.worker.environment.PGUSER == "fib_app"
           and (.services.postgres.volumes | map(tostring) | any(test("/docker-entrypoint-initdb.d/10-fib-roles.sh")))' \
        <<<"$json" >/dev/null || { echo "compose does not run the services as fib_app after a migration as fib_owner"; return 1; }
    jq -e '.services.api.hostname == "api"' <<<"$json" >/dev/null || { echo "api has no hostname api"; return 1; }
    jq -e '.services.nginx.ports | map(tostring) | any(test("3050.*80"))' <<<"$json" >/dev/null \
        || { echo "nginx does not publish 3050:80"; return 1; }
    jq -e '[.services.postgres, .services.redis, .services.api] | all(.healthcheck.test != null)' <<<"$json" >/dev/null \
        || { echo "postgres, redis and api need health checks"; return 1; }
    jq -e '.services.nginx.depends_on.api.condition == "service_healthy"
           and .services.api.depends_on.postgres.condition == "service_healthy"
           and .services.api.depends_on.redis.condition == "service_healthy"
           and .services.worker.depends_on.redis.condition == "service_healthy"' <<<"$json" >/dev/null \
        || { echo "start-up is not gated on service_healthy"; return 1; }
    jq -e '[.services[] | .restart // empty] | length == 0' <<<"$json" >/dev/null \
        || { echo "a restart policy is back (health-gated start replaces nginx's restart: always)"; return 1; }
    jq -e '(.services.redis.command | tostring | test("appendonly.*yes")) and (.services.redis.volumes | length > 0)' \
        <<<"$json" >/dev/null || { echo "redis needs AOF on a volume"; return 1; }
    # Segmented networks: nginx reaches api only; Redis and PostgreSQL are on the internal back
    # network, which nginx is not on; the worker's relay reaches nginx's internal port on the
    # internal events network; nginx's port 80 is the only one published.
    jq -e '(.services.nginx.networks | keys) == ["events","front"]
           and (.services.api.networks | keys) == ["back","front"]
           and (.services.worker.networks | keys) == ["back","events"]
           and ([.services.redis, .services.postgres, .services.migrate] | all((.networks | keys) == ["back"]))
           and .networks.back.internal == true and .networks.events.internal == true
           and .services.worker.environment.FIB_EVENTS_PUBLISH_URL == "http://nginx:8081/publish/computed"
           and ([.services | to_entries[] | select(.value.ports != null) | .key] == ["nginx"])' <<<"$json" >/dev/null \
        || { echo "networks are not front (nginx, api), internal back (api, worker, migrate, redis, postgres) and internal events (worker, nginx), or a port other than nginx's is published"; return 1; }
    # Redis: an ACL file with no passwordless user; the services log in.
    jq -e '(.services.redis.command | tostring | test("users-acl.sh.*--aclfile"))' <<<"$json" >/dev/null \
        || { echo "redis does not run with the ACL file of deploy/redis/users-acl.sh"; return 1; }
    local var
    for var in REDIS_HOST REDIS_PORT REDIS_USERNAME REDIS_PASSWORD PGUSER PGHOST PGDATABASE PGPASSWORD PGPORT; do
        jq -e --arg v "$var" '.services.api.environment[$v] != null and .services.worker.environment[$v] != null' \
            <<<"$json" >/dev/null || { echo "api and worker need $var"; return 1; }
    done
    echo "compose: config valid; services, health gating, AOF volume, Redis ACL, networks and environment names as required"
}

check_yaml() {
    cd "$REPO"
    local -a files=()
    mapfile -t files < <(find . \( -path ./build -o -path ./.git -o -path ./.stack -o -path '*/node_modules' \) -prune \
        -o -type f \( -name '*.yml' -o -name '*.yaml' -o -name .yamllint -o -path './deploy/aws/.ebextensions/*.config' \) \
        -print | sort)
    ((${#files[@]} >= 5)) || { echo "expected at least 5 YAML files, found: ${files[*]}"; return 1; }
    yamllint --strict -c .yamllint "${files[@]}"
    echo "yamllint: ${#files[@]} files clean: ${files[*]}"
}

check_dockerrun() {
    local f=$REPO/deploy/aws/Dockerrun.aws.json
    jq -e . "$f" >/dev/null || { echo "$f is not JSON"; return 1; }
    local -a checks=(
        '.AWSEBDockerrunVersion == 2'
        '[.containerDefinitions[].name] | sort == ["nginx","server","worker"]'
        'all(.containerDefinitions[]; (.memory | type == "number") and .memory >= 64)'
        'all(.containerDefinitions[]; .image | test("^DOCKER_ID/fib-(server|worker|nginx):latest$"))'
        '.containerDefinitions[] | select(.name == "nginx") | .essential == true'
        '.containerDefinitions[] | select(.name == "nginx") | .image == "DOCKER_ID/fib-nginx:latest"'
        '.containerDefinitions[] | select(.name == "nginx") | .portMappings == [{"hostPort": 80, "containerPort": 80}]'
        '.containerDefinitions[] | select(.name == "nginx") | .links | any(. == "server" or startswith("server:"))'
        '.containerDefinitions[] | select(.name == "server") | .hostname == "api"'
        # The worker's live-event relay posts to its instance's nginx (a link: no cycle, nginx
        # links the server).
        '.containerDefinitions[] | select(.name == "worker") | .links | any(. == "nginx:nginx")'
        '.containerDefinitions[] | select(.name == "worker") | [.environment[]? | select(.name == "FIB_EVENTS_PUBLISH_URL")] == [{"name": "FIB_EVENTS_PUBLISH_URL", "value": "http://nginx:8081/publish/computed"}]'
        '.containerDefinitions[] | select(.name == "nginx") | [.environment[]? | select(.name == "FIB_API_UPSTREAM")] == [{"name": "FIB_API_UPSTREAM", "value": "api:5000"}]'
        # No Redis or PostgreSQL containers: ElastiCache and RDS come from environment properties.
        'all(.containerDefinitions[]; (.image + .name) | test("postgres|redis|mysql"; "i") | not)'
        # No secrets and no endpoints in the file: only FIB_* settings.
        'all(.containerDefinitions[]; all(.environment[]?; .name | test("^FIB_[A-Z_]+$")))'
        '[.. | strings | select(test("PASSWORD|SECRET|AKIA|amazonaws\\.com"; "i"))] | length == 0'
    )
    local expr
    for expr in "${checks[@]}"; do
        jq -e "$expr" "$f" >/dev/null || { echo "Dockerrun.aws.json: check failed: $expr"; return 1; }
    done
    local conf=$REPO/deploy/aws/.ebextensions/01-health.config
    /usr/bin/python3 - "$conf" <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
url = doc["option_settings"]["aws:elasticbeanstalk:application"]["Application Healthcheck URL"]
assert url == "/api/readyz", url
EOF
    echo "Dockerrun.aws.json: ${#checks[@]} checks passed; .ebextensions health check URL is /api/readyz"
}

check_bundle() {
    local out=$TMP/deploy.zip listing
    "$REPO/deploy/aws/bundle.sh" example/registry 0123456789abcdef0123456789abcdef01234567 "$out"
    listing=$(/usr/bin/python3 -m zipfile -l "$out")
    if ! grep -q '^Dockerrun.aws.json ' <<<"$listing" || ! grep -q '^.ebextensions/01-health.config ' <<<"$listing"; then
        echo "bundle does not have Dockerrun.aws.json and .ebextensions/ at its root: $listing"
        return 1
    fi
    /usr/bin/python3 - "$out" <<'EOF'
import json, sys, zipfile
run = json.loads(zipfile.ZipFile(sys.argv[1]).read("Dockerrun.aws.json"))
images = sorted(c["image"] for c in run["containerDefinitions"])
want = sorted(f"example/registry/fib-{n}:0123456789abcdef0123456789abcdef01234567" for n in ("server", "worker", "nginx"))
assert images == want, images
EOF
    if "$REPO/deploy/aws/bundle.sh" DOCKER_ID latest "$TMP/bad.zip" 2>/dev/null; then
        echo "bundle.sh accepted the placeholder DOCKER_ID as a prefix"
        return 1
    fi
    echo "bundle: images pinned to the SHA tag"
}

# ---------------------------------------------------------------------------------------------
# 5-6: images

check_podman() {
    ((EUID == 0)) || { echo "these checks run podman as root (as CI does); run them as root"; return 1; }
    fc_podman_env
    if ! pm info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >"$TMP/podman-info" 2>&1; then
        cat "$TMP/podman-info"
        echo "podman does not work on this machine (see above): the container checks cannot run"
        return 1
    fi
    echo "podman $(podman version --format '{{.Client.Version}}'): $(cat "$TMP/podman-info")"
}

check_podman_run() {
    fc_podman_env
    local out
    # shellcheck disable=SC2016 # expanded inside the container
    if ! out=$(pm run --rm --pull=never --network=none "docker.io/library/debian:$FC_RELEASE-slim" \
        bash -c 'echo "$(id -u) $(. /etc/os-release && echo "$VERSION_CODENAME")"' 2>&1); then
        echo "$out"
        echo "podman cannot run a container on this machine (see above): the container checks cannot run"
        return 1
    fi
    [[ $out == "0 $FC_RELEASE" ]] || { echo "unexpected output from a test container: $out"; return 1; }
    echo "a $FC_RELEASE container runs"
}

# build_image NAME DOCKERFILE [IGNOREFILE] [TARGET]
build_image() {
    local name=$1 dockerfile=$2 ignore=${3:-} target=${4:-} log=$LOGS/build-$1.log
    local -a args=(--network=host --format docker --layers -f "$REPO/$dockerfile" -t "localhost/$name:$TAG")
    [[ -n $ignore ]] && args+=(--ignorefile "$REPO/$ignore")
    [[ -n $target ]] && args+=(--target "$target")
    if ! pm build "${args[@]}" "$REPO" >"$log" 2>&1; then
        tail -n 40 "$log"
        echo "podman build of $name failed (log: $log)"
        return 1
    fi
    echo "built localhost/$name:$TAG ($(image_mb "localhost/$name:$TAG") MB; $(grep -c -- '--> Using cache' "$log") cached steps)"
}

image_mb() {
    local bytes
    bytes=$(podman image inspect --format '{{.Size}}' "$1")
    echo $(((bytes + 500000) / 1000000))
}

# check_image NAME BINARY: settings of a production image.
check_image() {
    local name=$1 binary=$2 ref=localhost/$1:$TAG img
    img=$(podman image inspect "$ref" | jq '.[0]')
    jq -e '.Config.User as $u | $u != "" and $u != "root" and ($u | test("^0(:|$)") | not)' <<<"$img" >/dev/null \
        || { echo "$name: runs as root (User='$(jq -r .Config.User <<<"$img")')"; return 1; }
    jq -e '.Healthcheck.Test | length > 1' <<<"$img" >/dev/null || { echo "$name: no HEALTHCHECK"; return 1; }
    jq -e '.Config.StopSignal == "SIGTERM" or .Config.StopSignal == "SIGQUIT"' <<<"$img" >/dev/null \
        || { echo "$name: no STOPSIGNAL"; return 1; }
    # Exec form: the entrypoint is an argument vector, not a string for /bin/sh -c.
    jq -e '.Config.Entrypoint | type == "array" and length >= 1 and (.[0:2] != ["/bin/sh", "-c"])' <<<"$img" >/dev/null \
        || { echo "$name: ENTRYPOINT is not in exec form"; return 1; }
    local missing
    missing=$(pm run --rm --pull=never --network=none --entrypoint ldd "$ref" "$binary" 2>&1 | grep 'not found' || true)
    [[ -z $missing ]] || { echo "$name: missing shared libraries: $missing"; return 1; }
    pm run --rm --pull=never --network=none --entrypoint id "$ref" -u | grep -qv '^0$' || { echo "$name: uid 0"; return 1; }
    echo "$name: user $(jq -r .Config.User <<<"$img"), stop signal $(jq -r .Config.StopSignal <<<"$img"), healthcheck, exec-form entrypoint, all libraries found"
}

check_images() {
    check_image fib-server /usr/local/bin/fib-server
    check_image fib-worker /usr/local/bin/fib-worker
    check_image fib-nginx /usr/sbin/nginx
    local v
    v=$(pm run --rm --pull=never --network=none "localhost/fib-server:$TAG" --version)
    [[ $v == "fib-server "* ]] || { echo "fib-server --version printed '$v'"; return 1; }
    v=$(pm run --rm --pull=never --network=none "localhost/fib-worker:$TAG" --version)
    [[ $v == "fib-worker "* ]] || { echo "fib-worker --version printed '$v'"; return 1; }
    # The nginx entrypoint rejects a bad setting with a message instead of starting.
    local rc=0
    pm run --rm --pull=never --network=none -e FIB_HTTP_PORT=80x "localhost/fib-nginx:$TAG" >"$TMP/bad-port" 2>&1 || rc=$?
    if ((rc != 2)) || ! grep -q 'FIB_HTTP_PORT' "$TMP/bad-port"; then
        echo "nginx entrypoint accepted FIB_HTTP_PORT=80x (exit $rc)"
        cat "$TMP/bad-port"
        return 1
    fi
    pm run --rm --pull=never --network=none -e FIB_API_UPSTREAM=api:5000 -e FIB_UPSTREAM_WAIT=0 \
        "localhost/fib-nginx:$TAG" nginx -t -e stderr -c /run/fib-nginx/nginx.conf >"$TMP/nginx-t" 2>&1 || true
    # An unresolvable upstream must be reported by nginx -t, proving the rendered file is the one used.
    grep -q 'host not found in upstream "api:5000"' "$TMP/nginx-t" \
        || { echo "nginx -t on the rendered configuration did not behave as expected:"; cat "$TMP/nginx-t"; return 1; }
    # The trust store that REDIS_TLS=1 uses without REDIS_TLS_CA, and the image's CA directory.
    for image in fib-server fib-worker; do
        pm run --rm --pull=never --network=none --entrypoint bash "localhost/$image:$TAG" -c \
            'test -s /etc/ssl/certs/ca-certificates.crt && test -s /usr/local/share/fib/ca/README.md' \
            || { echo "$image: no /etc/ssl/certs/ca-certificates.crt or /usr/local/share/fib/ca/"; return 1; }
    done
    echo "--version works in both service images; both carry Debian's trust store and the CA directory; nginx entrypoint validates its settings"
}

unit_tests_in_test_image() {
    local log=$LOGS/test-image-ctest.log rc=0
    echo "$RUN_ID-unit" >>"$TMP/containers"
    pm run --rm --pull=never --network=host --name "$RUN_ID-unit" "localhost/fib-test:$TAG" >"$log" 2>&1 || rc=$?
    grep -E '^[0-9]+% tests passed' "$log" || true
    if ((rc != 0)); then
        grep -E 'FAIL|Failed|\*\*\*' "$log" | head -n 40
        echo "unit tests failed inside the test image (exit $rc; log: $log)"
        return 1
    fi
    grep -q '100% tests passed' "$log" || { echo "no ctest summary in $log"; return 1; }
}

# ---------------------------------------------------------------------------------------------
# 7: smoke test

start_services() {
    local bin
    bin=$(pg_bin) || { echo "no PostgreSQL server binaries"; return 1; }
    mkdir -p "$TMP/pg" "$TMP/pgsock" "$TMP/redis"
    chown postgres:postgres "$TMP/pg" "$TMP/pgsock"
    chmod 700 "$TMP/pg"
    # Both servers speak only TLS to the containers, with a CA made for this run: the containers
    # find it where the images keep their CA files (deploy/aws/ca/, as RDS's bundle on AWS).
    fib_make_test_certificates "$TMP/tls" >"$TMP/tls.log" 2>&1 || { cat "$TMP/tls.log"; return 1; }
    local PG_DATA=$TMP/pg
    runuser -u postgres -- "$bin/initdb" -D "$PG_DATA" -U postgres --auth=trust --no-sync -E UTF8 --no-locale \
        >"$TMP/initdb.log" 2>&1 || { cat "$TMP/initdb.log"; return 1; }
    install -m 600 -o postgres -g postgres "$TMP/tls/server.key" "$TMP/tls/server.crt" "$PG_DATA/"
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DATA" -l "$TMP/pgsock/postgres.log" -w -t 60 \
        -o "-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$TMP/pgsock -c fsync=off -c synchronous_commit=off -c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key" \
        start >"$TMP/pg_ctl.log" 2>&1 || { cat "$TMP/pg_ctl.log" "$TMP/pgsock/postgres.log"; return 1; }
    local REDIS_PIDFILE=$TMP/redis/redis.pid
    redis-server --port 0 --tls-port "$REDIS_PORT" --tls-cert-file "$TMP/tls/server.crt" \
        --tls-key-file "$TMP/tls/server.key" --tls-ca-cert-file "$TMP/tls/ca.crt" --tls-auth-clients no \
        --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP/redis" \
        --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$TMP/redis/redis.log" >/dev/null
    local i
    for ((i = 0; i < 100; i++)); do
        [[ $(redis_cli ping 2>/dev/null) == PONG ]] && break
        sleep 0.1
    done
    ((i < 100)) || { cat "$TMP/redis/redis.log"; return 1; }
    echo "PostgreSQL (ssl=on) on 127.0.0.1:$PG_PORT, Redis (TLS only) on 127.0.0.1:$REDIS_PORT (pids $(head -n 1 "$PG_DATA/postmaster.pid"), $(<"$REDIS_PIDFILE"))"
}

redis_cli() { redis-cli --tls --cacert "$TMP/tls/ca.crt" -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

# What the service containers get: the data stores' addresses, TLS verified against this run's CA
# (mounted beside the image's own CA files), the least-privilege PostgreSQL role.
CA_IN_IMAGE=/usr/local/share/fib/ca/fib-test-ca.pem
service_env() {
    SERVICE_ENV=(-e REDIS_HOST=127.0.0.1 -e "REDIS_PORT=$REDIS_PORT" -e PGHOST=127.0.0.1 -e "PGPORT=$PG_PORT"
        -e PGUSER=fib_app -e PGDATABASE=postgres
        -v "$TMP/tls/ca.crt:$CA_IN_IMAGE:ro" -e REDIS_TLS=1 -e "REDIS_TLS_CA=$CA_IN_IMAGE"
        -e PGSSLMODE=verify-full -e "PGSSLROOTCERT=$CA_IN_IMAGE")
}

# wait_healthy NAME SECONDS: runs the image's health check until it passes.
wait_healthy() {
    local name=$1 seconds=$2 i
    for ((i = 0; i < seconds * 2; i++)); do
        if [[ $(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null) != true ]]; then
            echo "$name is not running:"
            pm logs --tail 30 "$name" 2>&1
            return 1
        fi
        pm healthcheck run "$name" >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "$name: health check did not pass within ${seconds}s"
    pm logs --tail 30 "$name" 2>&1
    return 1
}

# start_container NAME [podman run options...] IMAGE [args...]
start_container() {
    local name=$1
    shift
    echo "$name" >>"$TMP/containers"
    pm run -d --pull=never --name "$name" --health-interval=disable "$@" >/dev/null
}

run_containers() {
    service_env
    # The least-privilege roles, and the schema made by its owner with the image's `--migrate`,
    # as the README tells for RDS; the services then log in as fib_app.
    # compose's initdb hook, run here against the native PostgreSQL: the roles get passwords.
    PGHOST=127.0.0.1 PGPORT=$PG_PORT POSTGRES_USER=postgres FIB_PG_OWNER_PASSWORD=smoke-owner \
        FIB_PG_APP_PASSWORD=smoke-app FIB_ROLES_SQL=$REPO/deploy/postgres/roles.sql \
        bash "$REPO/deploy/postgres/initdb-roles.sh" || { echo "deploy/postgres/initdb-roles.sh failed"; return 1; }
    [[ $(psql -X -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c \
        "SELECT count(*) FROM pg_authid WHERE rolname IN ('fib_owner', 'fib_app') AND rolpassword LIKE 'SCRAM-SHA-256\$%'") == 2 ]] \
        || { echo "fib_owner and fib_app have no SCRAM passwords after initdb-roles.sh"; return 1; }
    pm run --rm --pull=never --network=host "${SERVICE_ENV[@]}" -e PGUSER=fib_owner \
        "localhost/fib-server:$TAG" --migrate || { echo "fib-server --migrate in the container failed"; return 1; }
    start_container "$RUN_ID-server" --network=host "${SERVICE_ENV[@]}" \
        -e FIB_API_HOST=127.0.0.1 -e "FIB_API_PORT=$API_PORT" "localhost/fib-server:$TAG"
    start_container "$RUN_ID-worker" --network=host "${SERVICE_ENV[@]}" \
        -e FIB_WORKER_NAME=container-smoke \
        -e "FIB_EVENTS_PUBLISH_URL=http://127.0.0.1:$EVENTS_PORT/publish/computed" "localhost/fib-worker:$TAG"
    start_container "$RUN_ID-nginx" --network=host \
        -e "FIB_HTTP_PORT=$HTTP_PORT" -e "FIB_API_UPSTREAM=127.0.0.1:$API_PORT" \
        -e "FIB_EVENTS_LISTEN=127.0.0.1:$EVENTS_PORT" "localhost/fib-nginx:$TAG"
    wait_healthy "$RUN_ID-server" 30
    wait_healthy "$RUN_ID-worker" 30
    wait_healthy "$RUN_ID-nginx" 30
    echo "server (127.0.0.1:$API_PORT), worker and nginx (:$HTTP_PORT) containers run, health checks pass"
}

http() { curl -sS --noproxy '*' -m 10 "$@"; }

api_roundtrip() {
    local base=http://127.0.0.1:$HTTP_PORT body i
    body=$(http -f "$base/api/readyz") || { echo "readyz through nginx failed"; return 1; }
    echo "GET /api/readyz -> $body"
    # A live-event subscriber of the nginx container (Nchan), fed by the worker container's relay,
    # once the relay's first message has created nginx's channel (before, subscribers get 403).
    for ((i = 0; i < 300; i++)); do
        http "http://127.0.0.1:$EVENTS_PORT/metrics" 2>/dev/null | grep -Eq '^fib_nginx_events_stored [1-9]' && break
        sleep 0.1
    done
    curl -sS --noproxy '*' -N -m 60 -H 'Accept: text/event-stream' "$base/api/events" >"$TMP/events" 2>&1 &
    local events_pid=$!
    for ((i = 0; i < 100; i++)); do
        [[ -s $TMP/events ]] && break
        sleep 0.1
    done
    body=$(http -f -X POST -H 'Content-Type: application/json' -d '{"index": 93}' "$base/api/values")
    echo "POST /api/values {\"index\": 93} -> $body"
    [[ $body == '{"working":true}' ]] || return 1
    for ((i = 0; i < 100; i++)); do
        body=$(http "$base/api/values/93" || true)
        [[ $body == *'"status":"done"'* ]] && break
        sleep 0.2
    done
    echo "GET /api/values/93 -> $body"
    [[ $body == *'"value":"12200160415121876738"'* ]] || { echo "F(93) not computed through the containers"; return 1; }
    for ((i = 0; i < 100; i++)); do
        grep -q '"index":93' "$TMP/events" && break
        sleep 0.1
    done
    kill "$events_pid" 2>/dev/null || true
    wait "$events_pid" 2>/dev/null || true
    echo "live event from the nginx container: $(grep '"index":93' "$TMP/events" || true)"
    grep -q '"value":"12200160415121876738"' "$TMP/events" || { echo "no live event for F(93) through nginx (Nchan)"; cat "$TMP/events"; return 1; }
    body=$(http -f "$base/api/values/current")
    echo "GET /api/values/current -> $body"
    [[ $body == *'"93":"12200160415121876738"'* ]] || return 1
    body=$(http -f "$base/api/values/all")
    echo "GET /api/values/all -> $body"
    [[ $body == *'{"number":93}'* ]] || return 1
    body=$(http -o /dev/null -w '%{http_code}' "$base/nope")
    [[ $body == 404 ]] || { echo "GET /nope -> $body, not 404"; return 1; }
    # The worker container's log shows the job.
    log_has "$RUN_ID-worker" '"msg":"computed"' || { echo "worker log has no 'computed'"; return 1; }
    # Every PostgreSQL connection of the services is encrypted (Redis has no plain port at all).
    body=$(psql -X -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c \
        "SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'fib_app'")
    echo "fib_app's PostgreSQL connections, with TLS and in all: $body"
    [[ $body =~ ^([1-9][0-9]*)\ ([0-9]+)$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] \
        || { echo "the services' PostgreSQL connections are not all encrypted"; return 1; }
}

# nginx's default port 80 as www-data, in a network namespace of its own (nothing on the host).
nginx_port_80() {
    local name=$RUN_ID-nginx80 out uid
    start_container "$name" --network=none -e FIB_API_UPSTREAM=127.0.0.1:9 "localhost/fib-nginx:$TAG"
    wait_healthy "$name" 20
    uid=$(pm exec "$name" stat -c %u /proc/1)
    out=$(pm exec "$name" bash -c 'exec 3<>/dev/tcp/127.0.0.1/80; printf "GET /api/values HTTP/1.0\r\n\r\n" >&3; head -n 1 <&3')
    [[ $uid == 33 ]] || { echo "nginx master runs as uid $uid, not www-data (33)"; return 1; }
    [[ $out == *' 502 '* ]] || { echo "expected 502 from an absent upstream, got: $out"; return 1; }
    stop_one "$name"
    echo "nginx listens on port 80 as uid 33 (file capability), answers problem+json 502 without an upstream"
}

# log_has NAME PATTERN: the container's log has a line matching PATTERN (grep -E), waiting up to
# 30 s for it: podman may store the last lines a moment after the container has exited. The log is
# read whole before grep sees it (a `podman logs | grep -q` pipeline fails under pipefail when grep
# stops reading early).
log_has() {
    local name=$1 pattern=$2 logs i
    for ((i = 0; i < 150; i++)); do
        logs=$(pm logs "$name" 2>&1 || true)
        grep -qE -- "$pattern" <<<"$logs" && return 0
        sleep 0.2
    done
    return 1
}

# stop_one NAME: podman stop with the image's stop signal; must exit 0 within the timeout.
stop_one() {
    local name=$1 start took code oom signal
    signal=$(podman inspect --format '{{.Config.StopSignal}}' "$name")
    [[ $signal =~ ^[0-9]+$ ]] && signal="SIG$(kill -l "$signal")"
    start=$(date +%s%N)
    pm stop -t "$STOP_TIMEOUT" "$name" >/dev/null
    took=$((($(date +%s%N) - start) / 1000000))
    code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
    oom=$(podman inspect --format '{{.State.OOMKilled}}' "$name")
    echo "$name: stop signal $signal, exited with $code after ${took} ms"
    if [[ $code != 0 || $oom != false ]] || ((took >= STOP_TIMEOUT * 1000)); then
        echo "$name did not stop cleanly (exit $code, ${took} ms, OOM $oom):"
        pm logs --tail 20 "$name" 2>&1
        return 1
    fi
}

stop_containers() {
    stop_one "$RUN_ID-worker"
    stop_one "$RUN_ID-server"
    stop_one "$RUN_ID-nginx"
    log_has "$RUN_ID-server" '"msg":"stopping".*"signal":15' \
        || { echo "fib-server did not log its SIGTERM stop"; return 1; }
    log_has "$RUN_ID-worker" '"msg":"stopping after the current job".*"signal":15' \
        || { echo "fib-worker did not log its SIGTERM stop"; return 1; }
    echo "all three containers stopped on their stop signal with exit status 0"
}

# ---------------------------------------------------------------------------------------------
# 8: development variant

dev_variant() {
    local cmd name
    # The api service's command as docker-compose resolves it (with $$ unescaped).
    cmd=$(cd "$REPO" && docker-compose -f docker-compose.yml -f docker-compose.dev.yml config \
        | /usr/bin/python3 -c 'import sys,yaml; c=yaml.safe_load(sys.stdin)["services"]["api"]["command"]; assert c[:2]==["bash","-c"], c; print(c[2].replace("$$","$"))')
    local ccache=fib-ci-ccache build=$RUN_ID-api-build
    echo "$build" >>"$TMP/volumes"
    podman volume exists "$ccache" || pm volume create "$ccache" >/dev/null
    pm volume create "$build" >/dev/null
    service_env
    # first: everything compiles into an empty build volume (and fills the compiler cache);
    # restart: the same volume, nothing changed, nothing compiles; fresh: a new build volume, as
    # after `docker compose down -v` or in the worker's container: the compiler cache serves it.
    local round start fresh=$RUN_ID-api-build2 hits
    echo "$fresh" >>"$TMP/volumes"
    pm volume create "$fresh" >/dev/null
    for round in first restart fresh; do
        name=$RUN_ID-dev-$round
        [[ $round == fresh ]] && build=$fresh
        pm run --rm --pull=never --network=none -v "$ccache:/ccache" "localhost/fib-dev:$TAG" ccache -z >/dev/null
        start=$(date +%s)
        start_container "$name" --network=host "${SERVICE_ENV[@]}" -e FIB_API_HOST=127.0.0.1 -e "FIB_API_PORT=$DEV_PORT" \
            -v "$REPO:/src:ro" -v "$ccache:/ccache" -v "$build:/build" "localhost/fib-dev:$TAG" bash -c "$cmd"
        local i
        for ((i = 0; i < 900; i++)); do
            curl -fsS --noproxy '*' -m 2 -o /dev/null "http://127.0.0.1:$DEV_PORT/readyz" 2>/dev/null && break
            if [[ $(podman inspect --format '{{.State.Running}}' "$name") != true ]]; then
                pm logs --tail 40 "$name" 2>&1
                echo "the dev container exited before serving"
                return 1
            fi
            sleep 1
        done
        ((i < 900)) || { pm logs --tail 40 "$name" 2>&1; echo "dev container not ready"; return 1; }
        hits=$(pm run --rm --pull=never --network=none -v "$ccache:/ccache" "localhost/fib-dev:$TAG" ccache -s \
            | sed -n 's/^ *Hits: *\([0-9]*\) \/ *\([0-9]*\).*/\1 of \2/p' | head -n 1)
        echo "dev api, $round start: ready in $(($(date +%s) - start))s; $(pm logs "$name" 2>&1 | grep -c 'Building CXX') files compiled; ccache hits: ${hits:-none}"
        stop_one "$name"
        case $round in
        restart) grep -q 'Building CXX' <<<"$(pm logs "$name" 2>&1 || true)" && { echo "the restart recompiled unchanged files"; return 1; } ;;
        fresh)
            if ! [[ ${hits%% *} =~ ^[1-9][0-9]*$ ]]; then
                echo "no ccache hits with a fresh build tree"
                return 1
            fi
            ;;
        esac
    done
}

# ---------------------------------------------------------------------------------------------

main() {
    umask 022
    mkdir -p "$FC_CACHE"
    chmod 700 "$FC_CACHE"
    # One run at a time per machine: they share the image store and the cache.
    exec 8>>"$FC_CACHE/.lock"
    flock -w 1800 8 || fc_die "another container check holds $FC_CACHE/.lock"
    mkdir -p "$LOGS"
    # podman's configuration for every step (steps run in subshells: set it here).
    fc_podman_env
    TMP=$(mktemp -d /tmp/fib-containers.XXXXXX)
    chmod 755 "$TMP"
    PG_PORT=$(fc_free_port)
    REDIS_PORT=$(fc_free_port)
    API_PORT=$(fc_free_port)
    HTTP_PORT=$(fc_free_port)
    EVENTS_PORT=$(fc_free_port)
    DEV_PORT=$(fc_free_port)

    fc_step "install the tools (apt)" fc_install_tools
    fc_step "compose files" check_compose
    fc_step "yamllint" check_yaml
    fc_step "Dockerrun.aws.json" check_dockerrun
    fc_step "Beanstalk bundle" check_bundle
    fc_step "CI definitions" /usr/bin/python3 "$HERE/check_ci.py" "$REPO"
    fc_step "podman" check_podman
    fc_step "base images (debootstrap)" "$HERE/base-image.sh"
    fc_step "podman runs a container" check_podman_run
    fc_step "build fib-server" build_image fib-server server/Dockerfile server/Dockerfile.dockerignore
    fc_step "build fib-worker" build_image fib-worker worker/Dockerfile worker/Dockerfile.dockerignore
    fc_step "build fib-nginx" build_image fib-nginx deploy/nginx/Dockerfile deploy/nginx/Dockerfile.dockerignore
    fc_step "build the test image" build_image fib-test deploy/test.Dockerfile
    fc_step "build the dev image" build_image fib-dev server/Dockerfile server/Dockerfile.dockerignore dev
    fc_step "image settings" check_images
    fc_step "unit tests in the test image" unit_tests_in_test_image
    fc_step "PostgreSQL and Redis (native)" start_services
    fc_step "containers up and healthy" run_containers
    fc_step "API through the nginx container" api_roundtrip
    fc_step "nginx on port 80 unprivileged" nginx_port_80
    fc_step "stop signals" stop_containers
    fc_step "development variant (ccache)" dev_variant
    # Old layers that no tag uses any more (earlier runs' images) are removed; the cache of
    # this run's images stays.
    pm image prune -f >/dev/null 2>&1 || true

    fc_say "=== timings"
    printf '  %s\n' "${FC_TIMINGS[@]}"
    fc_say "=== image sizes (podman image inspect; base images made by debootstrap)"
    local image
    for image in fib-server fib-worker fib-nginx fib-test fib-dev; do
        printf '  %-12s %5s MB\n' "$image" "$(image_mb "localhost/$image:$TAG")"
    done
    printf '  %-12s %5s MB\n' "debian:$FC_RELEASE-slim" "$(image_mb "docker.io/library/debian:$FC_RELEASE-slim")" \
        "debian:$FC_RELEASE" "$(image_mb "docker.io/library/debian:$FC_RELEASE")"
    fc_say "all container checks passed in $(($(date +%s) - RUN_START))s"
}

main "$@"
