#!/usr/bin/env bash
# Fetches the Amazon RDS CA bundle into deploy/aws/ca/, which server/Dockerfile and
# worker/Dockerfile copy into the images (/usr/local/share/fib/ca/rds-global-bundle.pem), so that
# the services can verify RDS's certificate with PGSSLMODE=verify-full.
#
#   deploy/aws/fetch-rds-ca.sh [URL]
#
# URL defaults to AWS's global bundle (every commercial region); GovCloud and China regions have
# bundles of their own (see "Using SSL/TLS to encrypt a connection to a DB instance" in the RDS
# User Guide). The file is written only if it holds at least one certificate that OpenSSL reads.
set -euo pipefail
url=${1:-https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem}
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/ca
out=$dir/rds-global-bundle.pem
tmp=$(mktemp "$dir/.rds-bundle.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT

curl --fail --silent --show-error --location --proto '=https' --tlsv1.2 --max-time 60 -o "$tmp" -- "$url"
count=$(grep -c -- '-----BEGIN CERTIFICATE-----' "$tmp" || true)
if ((count == 0)) || ! openssl x509 -in "$tmp" -noout 2>/dev/null; then
    echo "fetch-rds-ca: $url did not give a PEM certificate bundle" >&2
    exit 1
fi
chmod 644 "$tmp"
mv -f -- "$tmp" "$out"
trap - EXIT
echo "fetch-rds-ca: wrote $out ($count certificates)"
