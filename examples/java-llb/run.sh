#!/usr/bin/env bash
# Runs BuildWithJava.java against the built kiln-cli: run.sh STATE_DIR|unix://SOCKET TAG (as root).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
exec "$java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow \
  -cp "$root/kiln-cli/target/lib/*" "$root/examples/java-llb/BuildWithJava.java" "$@"
