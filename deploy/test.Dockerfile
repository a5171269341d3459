# syntax=docker/dockerfile:1
# (Docker needs BuildKit for RUN --mount=type=cache; podman and buildah support it as is.)
#
# The CI test image (the original's "react-test" image): builds everything, the desktop app and
# the tests included, with the `release` preset, and runs the unit tests when started.
#
#   docker build -f deploy/test.Dockerfile -t fib-test .     (the build context is the repository root)
#   docker run --rm fib-test                                  (ctest -L unit; exit status = result)
#
# DEBIAN_RELEASE selects the Debian release it builds and tests on: trixie (Debian 13, the
# default, as the production images) or bookworm (Debian 12); the CI workflow runs both:
#
#   docker build -f deploy/test.Dockerfile --build-arg DEBIAN_RELEASE=bookworm -t fib-test:bookworm .
#
# It is never pushed. The integration tests need PostgreSQL, Redis and nginx processes and run
# on the CI machine itself (scripts/test). The `toolchain` stage is written as in
# server/Dockerfile, so its cached layer is shared.

ARG DEBIAN_RELEASE=trixie

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE} AS toolchain
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        cmake g++ make pkg-config libcpp-httplib-dev libhiredis-dev libpqxx-dev nlohmann-json3-dev \
        libgmp-dev libcli11-dev ccache \
    && rm -rf /var/lib/apt/lists/*
# Compilations go through ccache; its directory is a BuildKit/buildah cache mount in the build
# stages below (kept by the builder between builds, never part of an image) and a volume in
# docker-compose.dev.yml.
ENV CCACHE_DIR=/ccache

# ---------------------------------------------------------------------------------------------
FROM toolchain
# Qt 6 for the desktop app and for Qt Test, which every test uses; libqt6svg6 draws the app's
# SVG icon (from Debian 13 on, its icon engine is in qt6-svg-plugins).
RUN . /etc/os-release \
    && if [ "$VERSION_CODENAME" = bookworm ]; then svg=libqt6svg6; else svg="libqt6svg6 qt6-svg-plugins"; fi \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        qt6-base-dev qt6-base-dev-tools libgl-dev $svg \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/ccache,id=fib-ccache,sharing=locked \
    cmake --preset release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    && cmake --build build/release --parallel "$(nproc)"
# Qt Test without a display; a private runtime directory silences Qt's warning about it, and a
# UTF-8 locale Qt 6.8's (Debian 13) about the C locale, which would precede `--version`'s line.
ENV QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=/tmp/runtime-root LANG=C.UTF-8
RUN mkdir -m 700 /tmp/runtime-root
CMD ["ctest", "--test-dir", "build/release", "--label-regex", "^unit$", "--output-on-failure", "--no-label-summary"]
