#!/usr/bin/env bash
# Makes the Elastic Beanstalk source bundle (a zip with Dockerrun.aws.json and .ebextensions/ at
# its root) for one build:
#
#   deploy/aws/bundle.sh IMAGE_PREFIX TAG OUTPUT.zip
#   e.g. deploy/aws/bundle.sh mydockerid 3f2c1e0... deploy.zip
#
# Dockerrun.aws.json names its images DOCKER_ID/fib-<name>:latest. In the bundle, DOCKER_ID
# becomes IMAGE_PREFIX (a Docker Hub user, or a registry and namespace such as
# ghcr.io/owner or <account>.dkr.ecr.<region>.amazonaws.com) and :latest becomes :TAG (the
# commit SHA that CI pushed), so each deployment runs exactly the images of its commit and an
# older application version redeploys its own images.
set -euo pipefail

die() {
    printf 'bundle.sh: %s\n' "$*" >&2
    exit 2
}
(($# == 3)) || die "usage: deploy/aws/bundle.sh IMAGE_PREFIX TAG OUTPUT.zip"
prefix=$1 tag=$2 out=$3
[[ $prefix =~ ^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$ && $prefix != DOCKER_ID ]] \
    || die "IMAGE_PREFIX '$prefix' is not a registry/namespace (lower case letters, digits, . _ - / :)"
[[ $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "TAG '$tag' is not a valid image tag"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
[[ $out == /* ]] || out=$PWD/$out
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT

cp -R -- "$here/.ebextensions" "$work/"
sed -E "s#\"image\": \"DOCKER_ID/([a-z0-9-]+):latest\"#\"image\": \"$prefix/\\1:$tag\"#" \
    "$here/Dockerrun.aws.json" >"$work/Dockerrun.aws.json"
if grep -q 'DOCKER_ID\|:latest"' "$work/Dockerrun.aws.json"; then
    die "an image in Dockerrun.aws.json is not of the form DOCKER_ID/<name>:latest"
fi

rm -f -- "$out"
if command -v zip >/dev/null 2>&1; then
    (cd "$work" && zip -q -r -X "$out" Dockerrun.aws.json .ebextensions)
else
    (cd "$work" && python3 -m zipfile -c "$out" Dockerrun.aws.json .ebextensions)
fi
printf 'bundle.sh: wrote %s with images:\n' "$out"
sed -n 's/^ *"image": "\(.*\)",*$/  \1/p' "$work/Dockerrun.aws.json"
