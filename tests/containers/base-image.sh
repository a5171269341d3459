#!/usr/bin/env bash
# Makes the Debian base images locally, since no container registry is reachable here:
#   docker.io/library/debian:trixie        debootstrap --variant=minbase trixie (Debian 13)
#   docker.io/library/debian:trixie-slim   the same, without docs, man pages and locales
# so that `FROM debian:trixie(-slim)` in the Dockerfiles resolves without a pull. Like the
# official images they clean apt's caches after every install and have a deb822 sources file for
# trixie, trixie-updates and trixie-security.
#
# The root file systems are cached as tarballs in $FIB_CONTAINERS_CACHE (default
# /var/cache/fib-containers); an image already in podman's storage is kept. Without a cache
# everything is made from scratch (about a minute). Usage: base-image.sh [--force]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

MIRROR=http://deb.debian.org/debian
# Bump when the recipe below changes: cached tarballs and images of another version are remade.
RECIPE=3
force=0
[[ ${1:-} == --force ]] && force=1

fc_podman_env

# True if the image exists and was made by this recipe.
image_current() {
    podman image exists "$1" 2>/dev/null || return 1
    [[ $(podman image inspect --format '{{index .Config.Labels "org.fib.base-recipe"}}' "$1" 2>/dev/null) == "$RECIPE" ]]
}

# The official images' apt settings (debuerreotype): no package cache, no translations.
write_apt_config() {
    local root=$1
    rm -f -- "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $FC_RELEASE $FC_RELEASE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $FC_RELEASE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    printf 'Apt::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    # Package scripts must not start daemons during image builds (with host networking they
    # would bind the host's ports).
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
}

# Removes what a fresh container does not need: apt lists and caches, logs, device nodes.
clean_rootfs() {
    local root=${1:?}
    rm -rf -- "${root:?}"/var/lib/apt/lists/* "${root:?}"/var/cache/apt/*.bin "${root:?}"/var/cache/apt/archives/*.deb \
        "${root:?}"/var/log/*.log "${root:?}"/var/log/apt/* "${root:?}"/dev/* "${root:?}"/tmp/* "${root:?}"/run/*
    : >"$root/etc/machine-id"
}

# What the official slim variant leaves out, now and in later installs.
make_slim() {
    local root=$1
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EOF
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf -- "$root"/usr/share/{groff,info,linda,lintian,locale,man}/*
}

# Both root file systems as tarballs in the cache, from one debootstrap run.
make_tarballs() {
    local full=$FC_CACHE/rootfs-$FC_RELEASE-r$RECIPE.tar slim=$FC_CACHE/rootfs-$FC_RELEASE-slim-r$RECIPE.tar
    if ((force == 0)) && [[ -s $full && -s $slim ]]; then
        fc_say "using cached $full and $slim"
        return 0
    fi
    local work
    work=$(mktemp -d /var/tmp/fib-rootfs.XXXXXX)
    # shellcheck disable=SC2064 # expand now: the trap must remove this run's directory
    trap "rm -rf -- '$work'" EXIT
    fc_say "debootstrap --variant=minbase $FC_RELEASE $MIRROR"
    if ! debootstrap --variant=minbase "$FC_RELEASE" "$work/root" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
        tail -n 30 "$work/debootstrap.log" >&2
        fc_die "debootstrap failed"
    fi
    write_apt_config "$work/root"
    clean_rootfs "$work/root"
    tar --numeric-owner --xattrs -C "$work/root" -cf "$full.tmp" .
    make_slim "$work/root"
    tar --numeric-owner --xattrs -C "$work/root" -cf "$slim.tmp" .
    mv -f -- "$full.tmp" "$full"
    mv -f -- "$slim.tmp" "$slim"
    # Tarballs of older recipes are no longer used.
    find "$FC_CACHE" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-*-r$RECIPE.tar" -delete
    rm -rf -- "$work"
    trap - EXIT
    fc_say "wrote $full ($(du -h "$full" | cut -f1)) and $slim ($(du -h "$slim" | cut -f1))"
}

import_image() {
    local name=$1 ref=docker.io/library/debian:$1
    if ((force == 0)) && image_current "$ref"; then
        fc_say "$ref already in podman's storage"
        return 0
    fi
    make_tarballs
    podman import -q --change 'CMD ["bash"]' --change "LABEL org.fib.base-recipe=$RECIPE" \
        "$FC_CACHE/rootfs-$name-r$RECIPE.tar" "$ref" >/dev/null
    fc_say "imported $ref"
}

mkdir -p -- "$FC_CACHE"
import_image "$FC_RELEASE"
import_image "$FC_RELEASE-slim"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' docker.io/library/debian
