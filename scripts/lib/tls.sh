# shellcheck shell=bash
# Test certificates for encrypted connections to PostgreSQL and Redis on loopback. Source it.
#
#   fib_make_test_certificates DIR
#
# writes, with openssl (EC P-256, valid 30 days):
#   DIR/ca.crt, DIR/ca.key           a CA made for this directory only
#   DIR/server.crt, DIR/server.key   a server certificate for localhost and 127.0.0.1, signed by it
# Keys are mode 600, certificates 644. openssl's output goes to stdout and stderr; the status is
# openssl's. Used by scripts/stack (FIB_STACK_TLS) and tests/containers/run.sh.

fib_make_test_certificates() {
    local dir=${1:?fib_make_test_certificates DIR}
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    mkdir -p -- "$dir" || return 1
    (
        set -e
        cd -- "$dir"
        umask 077
        openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.crt -days 30 -subj "/CN=fib test CA $(date +%s)"
        openssl req "${ec[@]}" -keyout server.key -out server.csr -subj /CN=localhost
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
            -extfile server.ext -out server.crt
        chmod 644 ca.crt server.crt
    )
}
