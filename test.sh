#!/usr/bin/env bash
# Runs Kiln's whole test suite: unit tests (*Test) and integration tests (*IT, which use
# runc, overlayfs, skopeo, podman and a docker-registry they start themselves on 127.0.0.1).
# Needs root and the packages .ci/run installs. Extra arguments go to Maven.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
export JAVA_HOME="${KILN_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
exec mvn -B verify "$@"
