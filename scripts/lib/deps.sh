# shellcheck shell=bash
# Installs the Debian packages this project needs. Source it, then call:
#
#   fib_install_deps            # build, service and test packages
#   fib_install_deps build      # compilers and libraries only
#   fib_install_deps services   # PostgreSQL, Redis, nginx and the tools scripts/stack uses
#   fib_install_deps test       # tools only the tests use (slowhttptest, node)
#
# Only missing packages are installed (`apt-get update` runs only then). As root apt-get runs
# directly, otherwise through sudo; without either it fails with the list of missing packages.
# The Debian packages' own daemons (PostgreSQL 5432, Redis 6379, nginx 80) are kept from starting
# while installing, and stopped if they started anyway: the project runs its own instances.

FIB_DEPS_BUILD=(cmake g++ make pkg-config git ca-certificates curl qt6-base-dev qt6-base-dev-tools libgl-dev libqt6svg6
    libcpp-httplib-dev libhiredis-dev libpqxx-dev nlohmann-json3-dev libgmp-dev libcli11-dev
    clang libclang-rt-dev)
# Debian 13 moved Qt's SVG plugins (the icon engine that draws the desktop app's icon) out of
# libqt6svg6 into qt6-svg-plugins, which Debian 12 does not have.
if [[ $(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") != bookworm ]]; then
    FIB_DEPS_BUILD+=(qt6-svg-plugins)
fi
# libnginx-mod-nchan: the live events (GET /api/events) are served by nginx with Nchan.
FIB_DEPS_SERVICES=(postgresql redis-server redis-tools nginx-light libnginx-mod-nchan iproute2 procps curl)
# What only the tests use: slowhttptest (the slow-client attacks of tests/slow_clients.sh),
# node with npm for the pinned OpenAPI linter (fib_install_openapi_linter), and clang-format and
# clang-tidy for scripts/lint.
FIB_DEPS_TEST=(slowhttptest nodejs clang-format clang-tidy)

# Prints the packages among "$@" that are not installed.
fib_missing_packages() {
    local name s1 s2 s3 pkg
    local -A installed=()
    while read -r name s1 s2 s3; do
        if [[ "$s1 $s2 $s3" == "install ok installed" ]]; then installed[$name]=1; fi
    done < <(dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null || true)
    for pkg in "$@"; do
        [[ -n ${installed[$pkg]:-} ]] || printf '%s\n' "$pkg"
    done
}

# Stops the daemons that Debian's postinst scripts may have started on the default ports.
# Only processes using the packages' default configuration are touched.
fib_stop_distro_daemons() {
    local stopped=0 pids
    # PostgreSQL: the cluster that postinst creates, /var/lib/postgresql/<ver>/main.
    if pids=$(pgrep -f -- '-D /var/lib/postgresql/[0-9]+/main|config_file=/etc/postgresql/' 2>/dev/null); then
        if command -v pg_ctlcluster >/dev/null; then
            local cluster ver
            for cluster in /etc/postgresql/*/main; do
                [[ -d $cluster ]] || continue
                ver=$(basename "$(dirname "$cluster")")
                pg_ctlcluster "$ver" main stop >/dev/null 2>&1 || true
            done
        fi
        # shellcheck disable=SC2086 # word splitting of the pid list is intended
        kill $pids 2>/dev/null || true
        stopped=1
    fi
    # Redis: the packaged one runs on 6379 (process title "redis-server 127.0.0.1:6379").
    if pids=$(pgrep -f '^/usr/bin/redis-server .*:6379( |$)' 2>/dev/null); then
        if [[ -x /etc/init.d/redis-server ]]; then
            /etc/init.d/redis-server stop >/dev/null 2>&1 || true
        fi
        # shellcheck disable=SC2086
        kill $pids 2>/dev/null || true
        stopped=1
    fi
    # nginx: the packaged one uses /etc/nginx/nginx.conf and /run/nginx.pid.
    if [[ -s /run/nginx.pid ]] && pids=$(cat /run/nginx.pid) && [[ $pids =~ ^[0-9]+$ ]] \
        && [[ $(ps -o comm= -p "$pids" 2>/dev/null) == nginx ]]; then
        kill -QUIT "$pids" 2>/dev/null || true
        stopped=1
    fi
    if ((stopped)); then
        echo "deps: stopped the Debian packages' own PostgreSQL/Redis/nginx daemons" >&2
    fi
    return 0
}

# Installs the given packages if any is missing.
fib_apt_ensure() {
    local -a missing sudo=()
    mapfile -t missing < <(fib_missing_packages "$@")
    ((${#missing[@]})) || return 0

    if ((EUID != 0)); then
        if command -v sudo >/dev/null 2>&1; then
            sudo=(sudo)
        else
            echo "deps: missing packages: ${missing[*]}" >&2
            echo "deps: not root and no sudo: install them with: apt-get install ${missing[*]}" >&2
            return 1
        fi
    fi

    echo "deps: installing: ${missing[*]}" >&2
    # Keep postinst scripts from starting daemons (the standard Debian policy-rc.d mechanism).
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ ! -e $policy ]]; then
        if printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null \
            && "${sudo[@]}" chmod 755 "$policy"; then
            added_policy=1
        fi
    fi
    local rc=0
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || rc=$?
    if ((rc == 0)); then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            || rc=$?
    fi
    if ((added_policy)); then
        "${sudo[@]}" rm -f "$policy"
    fi
    if ((rc != 0)); then
        echo "deps: apt-get failed (exit $rc) installing: ${missing[*]}" >&2
        return "$rc"
    fi

    local pkg
    for pkg in "${missing[@]}"; do
        case $pkg in
        postgresql* | redis-server | nginx*)
            if ((EUID == 0)); then
                fib_stop_distro_daemons
            else
                "${sudo[@]}" bash -c "$(declare -f fib_stop_distro_daemons); fib_stop_distro_daemons"
            fi
            break
            ;;
        esac
    done
}

# fib_install_deps [build|services|all]...
fib_install_deps() {
    local -a pkgs=()
    local group
    (($#)) || set -- all
    for group in "$@"; do
        case $group in
        build) pkgs+=("${FIB_DEPS_BUILD[@]}") ;;
        services) pkgs+=("${FIB_DEPS_SERVICES[@]}") ;;
        test) pkgs+=("${FIB_DEPS_TEST[@]}") ;;
        all) pkgs+=("${FIB_DEPS_BUILD[@]}" "${FIB_DEPS_SERVICES[@]}" "${FIB_DEPS_TEST[@]}") ;;
        *)
            echo "fib_install_deps: unknown group '$group' (build, services, test or all)" >&2
            return 2
            ;;
        esac
    done
    fib_apt_ensure "${pkgs[@]}"
}

# Container tooling for tests/containers (podman without a Docker engine, compose and YAML
# checks, the Beanstalk bundle). Not part of `all`: only the container checks install it.
FIB_DEPS_CONTAINERS=(podman buildah runc uidmap debootstrap docker-compose yamllint jq zip python3 python3-yaml
    iproute2 procps curl openssl postgresql redis-server redis-tools)

fib_install_container_deps() {
    fib_apt_ensure "${FIB_DEPS_CONTAINERS[@]}"
}

# The OpenAPI linter, pinned, from the npm registry into a cache directory (default
# /var/cache/fib-tools; FIB_TOOLS_CACHE); prints the path of its executable. Needs `test`'s node.
FIB_REDOCLY_VERSION=1.34.20
fib_install_openapi_linter() {
    local dir=${FIB_TOOLS_CACHE:-/var/cache/fib-tools}/redocly-$FIB_REDOCLY_VERSION
    local bin=$dir/node_modules/.bin/redocly
    if [[ ! -x $bin ]]; then
        # Debian's nodejs comes without npm; other builds of nodejs bundle it (and conflict with it).
        command -v npm >/dev/null 2>&1 || fib_apt_ensure npm || return 1
        mkdir -p -- "$dir" || return 1
        npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "@redocly/cli@$FIB_REDOCLY_VERSION" >&2 || return 1
    fi
    printf '%s\n' "$bin"
}
