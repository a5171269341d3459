#!/bin/bash
# Writes Redis's ACL file for the Fibonacci stack, then (given more arguments) runs them:
#
#   users-acl.sh FILE [COMMAND...]      e.g. users-acl.sh /data/users.acl redis-server --aclfile /data/users.acl
#
# Users (passwords from the environment; the file holds only their SHA-256):
#   default            no password at all, so nobody can log in as it, and a client that has not
#                      logged in can run nothing (NOAUTH). Not `off`: Redis 7.0 replays the MULTI/EXEC
#                      blocks of the append-only file with the default user's rights, so that user
#                      keeps the services' rights, or their transactions would be dropped at restart
#                      (redis/redis#14541, fixed after 7.2)
#   $FIB_REDIS_APP_USER (fib)   fib-server and fib-worker, password FIB_REDIS_APP_PASSWORD: only the
#                      commands they send, only their keys (values, fib:*) and channels (fib:*);
#                      no FLUSHALL, CONFIG, KEYS, DEBUG, SHUTDOWN, ACL or anything else
#   $FIB_REDIS_ADMIN_USER (fib_admin)   operators and the test suites, password
#                      FIB_REDIS_ADMIN_PASSWORD: everything
# scripts/stack and docker-compose.yml both use it, so the services' rights are written once.
set -euo pipefail

prog=${0##*/}
die() {
    printf '%s: %s\n' "$prog" "$*" >&2
    exit 2
}

(($# >= 1)) || die "usage: $prog FILE [COMMAND...]"
file=$1
shift
app_user=${FIB_REDIS_APP_USER:-fib}
admin_user=${FIB_REDIS_ADMIN_USER:-fib_admin}
[[ -n ${FIB_REDIS_APP_PASSWORD:-} ]] || die "FIB_REDIS_APP_PASSWORD is empty"
[[ -n ${FIB_REDIS_ADMIN_PASSWORD:-} ]] || die "FIB_REDIS_ADMIN_PASSWORD is empty"
[[ $app_user =~ ^[A-Za-z0-9_-]+$ ]] || die "FIB_REDIS_APP_USER='$app_user' is not a plain name"
[[ $admin_user =~ ^[A-Za-z0-9_-]+$ ]] || die "FIB_REDIS_ADMIN_USER='$admin_user' is not a plain name"

hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# What fib-server and fib-worker send (common/src, server/src, worker/src), and nothing else.
# Commands inside the submit script (EVAL) are checked against the same list.
app_commands=(ping
    hget hmget hgetall hset hdel hlen hstrlen hincrby hincrbyfloat
    incr incrby
    zadd zscore zpopmin zrevrange
    info
    xadd xack xclaim xdel xlen xpending xrange xreadgroup xgroup\|create xinfo\|groups
    eval multi exec discard
    publish subscribe unsubscribe)

app_rights="resetkeys ~values ~fib:* resetchannels &fib:* nocommands$(printf ' +%s' "${app_commands[@]}")"

umask 077
{
    echo "user default on resetpass $app_rights"
    printf 'user %s on #%s %s\n' "$app_user" "$(hash "$FIB_REDIS_APP_PASSWORD")" "$app_rights"
    printf 'user %s on #%s ~* &* +@all\n' "$admin_user" "$(hash "$FIB_REDIS_ADMIN_PASSWORD")"
} >"$file.tmp"
mv -f -- "$file.tmp" "$file"

(($# == 0)) || exec "$@"
