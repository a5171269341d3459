#!/bin/bash
# Entrypoint of the nginx image (deploy/nginx/Dockerfile). Renders the router configuration,
# deploy/nginx/fib.conf (the same file scripts/stack renders natively), from the environment:
#
#   FIB_HTTP_PORT       port nginx listens on                          default 80
#   FIB_API_UPSTREAM    host:port of fib-server                        default api:5000
#   FIB_UPSTREAM_WAIT   seconds to wait for the upstream host's name   default 30
#                       to resolve before nginx starts
#   FIB_NGINX_WORKERS   worker_processes                               default auto
#   FIB_EVENTS_LISTEN   [address:]port of the internal server: the     default 8081
#                       live-event publisher (the worker's relay posts
#                       there), /status and /metrics; never publish it
#   FIB_MAX_SUBSCRIBERS most live-event subscribers at once            default 20000
#
# then runs nginx in the foreground (or, given arguments, runs them instead, e.g. `nginx -T`).
# nginx resolves upstream names once, at start: the wait below covers a name that appears a
# little later (a linked container, a DNS record) instead of relying on restart loops.
set -euo pipefail

prog=fib-nginx
conf_dir=/run/fib-nginx
template=/etc/fib-nginx/fib.conf.in
html_root=/usr/share/fib-nginx/html

die() {
    printf '%s: %s\n' "$prog" "$*" >&2
    exit 2
}

port=${FIB_HTTP_PORT:-80}
upstream=${FIB_API_UPSTREAM:-api:5000}
wait_seconds=${FIB_UPSTREAM_WAIT:-30}
workers=${FIB_NGINX_WORKERS:-auto}
events_listen=${FIB_EVENTS_LISTEN:-8081}
max_subscribers=${FIB_MAX_SUBSCRIBERS:-20000}

if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
    die "FIB_HTTP_PORT='$port' is not a port number (1-65535)"
fi
port=$((10#$port))
# host:port or [ipv6]:port; the characters are also safe in the sed expression below.
[[ $upstream =~ ^([A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):([0-9]{1,5})$ ]] \
    || die "FIB_API_UPSTREAM='$upstream' is not host:port"
upstream_host=${BASH_REMATCH[1]}
[[ $wait_seconds =~ ^[0-9]+$ ]] || die "FIB_UPSTREAM_WAIT='$wait_seconds' is not a number of seconds"
[[ $workers == auto || $workers =~ ^[1-9][0-9]?$ ]] || die "FIB_NGINX_WORKERS='$workers' is not 'auto' or 1-99"
[[ $events_listen =~ ^(([0-9.]+|\[[0-9A-Fa-f:.]+\]):)?[0-9]{1,5}$ ]] \
    || die "FIB_EVENTS_LISTEN='$events_listen' is not [address:]port"
[[ $max_subscribers =~ ^[1-9][0-9]{0,5}$ ]] || die "FIB_MAX_SUBSCRIBERS='$max_subscribers' is not a number from 1 to 999999"

# FIB_TRUSTED_PROXIES (CIDRs separated by commas or spaces) as nginx set_real_ip_from directives.
trusted_proxy_directives() {
    local cidr out="" list=${FIB_TRUSTED_PROXIES:-}
    for cidr in ${list//,/ }; do
        [[ $cidr =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] || return 1
        out+="set_real_ip_from $cidr; "
    done
    printf '%s' "$out"
}
real_ip=$(trusted_proxy_directives) || die "FIB_TRUSTED_PROXIES='${FIB_TRUSTED_PROXIES:-}' is not a list of CIDRs"

mkdir -p "$conf_dir"/tmp/{client_body,proxy,fastcgi,uwsgi,scgi}
sed -e "s|@FIB_HTTP_PORT@|$port|g" \
    -e "s|@FIB_API_UPSTREAM@|$upstream|g" \
    -e "s|@FIB_HTML_ROOT@|$html_root|g" \
    -e "s|@FIB_SET_REAL_IP_FROM@|$real_ip|g" \
    -e "s|@FIB_EVENTS_LISTEN@|$events_listen|g" \
    -e "s|@FIB_MAX_SUBSCRIBERS@|$max_subscribers|g" \
    "$template" >"$conf_dir/fib.conf"

cat >"$conf_dir/nginx.conf" <<EOF
# Written by $0 at container start: do not edit.
# Nchan (libnginx-mod-nchan) serves the live events, GET /api/events.
load_module /usr/lib/nginx/modules/ngx_nchan_module.so;
daemon off;
worker_processes $workers;
# Sized for live-event subscribers (FIB_MAX_SUBSCRIBERS, a connection each) and 1,000 slow clients
# at once (a proxied request takes two connections).
worker_rlimit_nofile 20000;
# Long-lived live-event streams would otherwise hold a graceful stop (SIGQUIT) open.
worker_shutdown_timeout 3s;
pid $conf_dir/nginx.pid;
error_log stderr warn;

events {
    worker_connections 16384;
}

http {
    types {
        text/html html;
        application/json json;
    }
    default_type application/octet-stream;
    # fib.conf's maps and Nchan's variables outgrow the default (1024).
    variables_hash_max_size 2048;
    log_format fib '\$remote_addr [\$time_local] "\$request" \$status \$body_bytes_sent '
                   'rt=\$request_time upstream=\$upstream_addr us=\$upstream_status '
                   'urt=\$upstream_response_time rid=\$request_id';
    access_log /dev/stdout fib;
    client_body_temp_path $conf_dir/tmp/client_body;
    proxy_temp_path $conf_dir/tmp/proxy;
    fastcgi_temp_path $conf_dir/tmp/fastcgi;
    uwsgi_temp_path $conf_dir/tmp/uwsgi;
    scgi_temp_path $conf_dir/tmp/scgi;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;

    include $conf_dir/fib.conf;
}
EOF

# Wait for the upstream's name (an IP address needs no wait).
if [[ ! $upstream_host =~ ^[0-9.]+$ && $upstream_host != \[* ]]; then
    for ((i = 0; ; i++)); do
        getent hosts "$upstream_host" >/dev/null && break
        if ((i >= wait_seconds)); then
            printf '%s: upstream host %s does not resolve after %ss; starting anyway\n' \
                "$prog" "$upstream_host" "$wait_seconds" >&2
            break
        fi
        ((i % 5 == 0)) && printf '%s: waiting for upstream host %s to resolve\n' "$prog" "$upstream_host" >&2
        sleep 1
    done
fi

if (($# == 0)); then
    exec nginx -e stderr -c "$conf_dir/nginx.conf"
fi
exec "$@"
