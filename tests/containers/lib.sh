# shellcheck shell=bash
# Helpers shared by the container checks (tests/containers/*.sh). Source it.
#
# Podman runs with its own configuration and storage, never the machine's defaults:
#   $FIB_CONTAINERS_CACHE/conf/{containers,storage,registries}.conf   written here
#   $FIB_CONTAINERS_CACHE/storage                           images and layers (kept between runs)
#   /run/fib-containers/<hash of the cache path>            podman's run-time state
# The settings are those that work without systemd, with cgroup v1 hybrid and without
# CAP_SYS_RESOURCE: cgroupfs, the file events logger, runc, host networking.

FC_CACHE=${FIB_CONTAINERS_CACHE:-/var/cache/fib-containers}
# The Debian release of the images' FROM lines (base-image.sh makes debian:$FC_RELEASE and
# debian:$FC_RELEASE-slim).
# shellcheck disable=SC2034 # read by base-image.sh and run.sh, which source this file
FC_RELEASE=trixie
# Run-time state per cache directory (two caches must not share it).
FC_RUNROOT=/run/fib-containers/$(printf '%s' "$FC_CACHE" | md5sum | cut -c1-8)
FC_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)

fc_say() { printf 'containers: %s\n' "$*"; }
fc_warn() { printf 'containers: %s\n' "$*" >&2; }
fc_die() {
    printf 'containers: FAILED: %s\n' "$*" >&2
    exit 1
}

# fc_step NAME COMMAND...: runs a step, prints its duration, fails the run if it fails. The step
# runs in a subshell with `set -e` in force (a function called from `cmd || ...` would run with
# errexit ignored), so state that outlives a step must be kept in files or set beforehand.
fc_step() {
    local name=$1 start rc
    shift
    start=$(date +%s)
    fc_say "--- $name"
    set +e
    (
        set -e
        "$@"
    )
    rc=$?
    set -e
    local took=$(($(date +%s) - start))
    if ((rc != 0)); then
        fc_die "$name (exit $rc, after ${took}s)"
    fi
    fc_say "--- $name: ok (${took}s)"
    FC_TIMINGS+=("$(printf '%-34s %5ss' "$name" "$took")")
}
FC_TIMINGS=()

# Installs the tools these checks use (apt), through the project's deps library.
fc_install_tools() {
    # shellcheck source-path=SCRIPTDIR source=../../scripts/lib/deps.sh
    source "$FC_REPO/scripts/lib/deps.sh"
    fib_install_container_deps || fc_die "could not install the container tools with apt"
}

# Writes podman's configuration under the cache and exports the variables that select it.
fc_podman_env() {
    mkdir -p -- "$FC_CACHE/conf" "$FC_CACHE/storage" "$FC_RUNROOT"
    chmod 700 -- "$FC_CACHE"
    cat >"$FC_CACHE/conf/containers.conf" <<EOF
# Written by tests/containers/lib.sh.
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$FC_RUNROOT/events.log"
runtime = "runc"
tmp_dir = "$FC_RUNROOT/libpod"
# Locks in files under tmp_dir, one set per cache, not in podman's default shared-memory segment
# (/dev/shm/libpod_lock), which every podman on the machine shares whatever its storage: two
# container checks with different caches running at once left one of them blocked on a lock.
lock_type = "file"
EOF
    cat >"$FC_CACHE/conf/storage.conf" <<EOF
# Written by tests/containers/lib.sh.
[storage]
driver = "overlay"
graphroot = "$FC_CACHE/storage"
runroot = "$FC_RUNROOT/storage"
EOF
    # No registry is reachable, and none may be contacted: base images are made locally
    # (base-image.sh), short names resolve to docker.io only by alias, and pulls from docker.io
    # are refused before any network access.
    cat >"$FC_CACHE/conf/registries.conf" <<EOF
# Written by tests/containers/lib.sh.
unqualified-search-registries = []
short-name-mode = "enforcing"

[aliases]
"debian" = "docker.io/library/debian"

[[registry]]
location = "docker.io"
blocked = true
EOF
    export CONTAINERS_CONF=$FC_CACHE/conf/containers.conf
    export CONTAINERS_REGISTRIES_CONF=$FC_CACHE/conf/registries.conf
    export CONTAINERS_STORAGE_CONF=$FC_CACHE/conf/storage.conf
    export BUILDAH_FORMAT=docker # HEALTHCHECK exists only in the docker image format
    # Storage made with shared-memory locks (before lock_type was set here) gets its lock
    # numbers anew, once.
    if [[ $(cat -- "$FC_CACHE/conf/lock-type" 2>/dev/null) != file ]]; then
        podman system renumber >/dev/null 2>&1 || true
        echo file >"$FC_CACHE/conf/lock-type"
    fi
}

# Free TCP port on 127.0.0.1 (nothing bound, connected or in TIME_WAIT on it), below the
# kernel's ephemeral range so that no outgoing connection takes it before it is bound.
fc_free_port() {
    local port try low=32768 _
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    ((low > 11000)) || low=32768
    for ((try = 0; try < 200; try++)); do
        port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
        [[ " ${FC_PORTS_TAKEN:-} " == *" $port "* ]] && continue
        [[ -n $(ss -Htan "( sport = :$port )" 2>/dev/null) ]] && continue
        FC_PORTS_TAKEN="${FC_PORTS_TAKEN:-} $port"
        printf '%s\n' "$port"
        return 0
    done
    fc_die "no free port found in 10000-$((low - 1))"
}

# Alive and not a zombie (PID 1 here reaps orphans only every second or two).
fc_pid_alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    stat=${stat//[[:space:]]/}
    [[ -n $stat && $stat != Z* ]]
}
