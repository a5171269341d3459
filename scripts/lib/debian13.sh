# shellcheck shell=bash
# A Debian 13 (trixie) root for scripts/test's `debian13` tree, on a machine of another release.
# Source it, then call:
#
#   fib_debian13_root            # makes or refreshes the root; prints its path
#   fib_debian13_run REPO CMD…   # runs CMD inside the root, REPO mounted at /src, cwd /src
#
# The root is made once with `debootstrap --variant=minbase trixie` from the Debian mirror this
# machine's apt uses, and cached in $FIB_DEBIAN13_CACHE (default /var/cache/fib-debian13), like
# the container test's base images. It is refreshed (`apt-get update`, `apt-get dist-upgrade`)
# when it is more than a week old; the project's packages are installed in it by
# scripts/lib/deps.sh, run inside, which installs whatever is missing (so a change of deps.sh's
# lists reaches the root on the next run). Needs root (debootstrap, chroot, mounts).
#
# fib_debian13_run enters the root in new mount and PID namespaces (unshare): /proc, /sys, /dev,
# a fresh /tmp and the repository are mounted there for that run only, and every process left
# inside is killed when CMD ends, so nothing leaks to the host.

FIB_DEBIAN13_CACHE=${FIB_DEBIAN13_CACHE:-/var/cache/fib-debian13}
# Bump when the recipe below changes: a root of another recipe is made again.
FIB_DEBIAN13_RECIPE=1

# The first Debian archive URI of this machine's apt sources (deb822 or one-line form).
fib_debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
        | sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p' | grep -v -- '-security' | head -n 1)
    if [[ -z $uri ]]; then
        uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
            | sed -nE 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
            | grep -v -- '-security' | head -n 1)
    fi
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

# Runs CMD inside ROOT with the mounts a build and the test stack need (private to this call).
fib_debian13_chroot() {
    local root=$1 repo=$2
    shift 2
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --pid --fork --propagation private -- bash -euc '
        root=$1 repo=$2
        shift 2
        mount -t proc proc "$root/proc"
        mount --rbind /sys "$root/sys"
        mount --rbind /dev "$root/dev"
        # A /tmp of this run alone: two runs from two clones use the same test stack paths there.
        mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
        mkdir -p "$root/src"
        if [[ -n $repo ]]; then mount --bind "$repo" "$root/src"; fi
        cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
        exec chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" LANG=C.UTF-8 \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            FIB_DEBIAN13_INSIDE=1 "$@"
    ' fib-debian13 "$root" "$repo" "$@"
}

fib_debian13_root() {
    local cache=$FIB_DEBIAN13_CACHE root=$FIB_DEBIAN13_CACHE/root stamp
    stamp=$root/etc/fib-debian13-recipe
    if [[ ! -s $stamp || $(cat "$stamp") != "$FIB_DEBIAN13_RECIPE" ]]; then
        fib_apt_ensure debootstrap util-linux >&2 || return 1
        local mirror work
        mirror=$(fib_debian_mirror)
        mkdir -p -- "$cache" || return 1
        work=$(mktemp -d "$cache/new.XXXXXX") || return 1
        echo "debian13: debootstrap --variant=minbase trixie from $mirror (once; cached in $cache)" >&2
        if ! debootstrap --variant=minbase trixie "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1; then
            tail -n 30 "$work/debootstrap.log" >&2
            echo "debian13: debootstrap failed (log above)" >&2
            rm -rf -- "$work"
            return 1
        fi
        local security=${mirror%/debian}/debian-security
        [[ $security != "$mirror" ]] || security=http://deb.debian.org/debian-security
        rm -f -- "$work/root/etc/apt/sources.list"
        cat >"$work/root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: trixie trixie-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: trixie-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
        # Package scripts must not start daemons in the root (they would bind the host's ports).
        printf '#!/bin/sh\nexit 101\n' >"$work/root/usr/sbin/policy-rc.d"
        chmod 755 "$work/root/usr/sbin/policy-rc.d"
        rm -rf -- "$root"
        mv -- "$work/root" "$root"
        rm -rf -- "$work"
        printf '%s\n' "$FIB_DEBIAN13_RECIPE" >"$stamp"
        rm -f -- "$cache/refreshed"
    fi
    # A week-old root gets the archive's updates (security fixes, point releases).
    if [[ -z $(find "$cache/refreshed" -mtime -7 2>/dev/null) ]]; then
        echo "debian13: apt-get update and dist-upgrade in $root" >&2
        fib_debian13_chroot "$root" "" bash -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get dist-upgrade -y -q' >&2 \
            || return 1
        touch -- "$cache/refreshed"
    fi
    printf '%s\n' "$root"
}

fib_debian13_run() {
    local repo=$1 root
    shift
    root=$(fib_debian13_root) || return 1
    fib_debian13_chroot "$root" "$repo" bash -c 'cd /src && exec "$@"' fib-debian13 "$@"
}
