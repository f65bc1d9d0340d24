#!/usr/bin/env bash
# Builds the example images with Kiln on a fresh machine (Debian 12, run as root):
#   1. installs what Kiln needs to run RUN steps (runc) and the offline base (busybox-static);
#   2. builds Kiln itself if it has not been built (the ./kiln launcher does that);
#   3. builds busybox:latest from Debian's busybox-static, then examples/hello on top of it.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
missing=()
command -v runc >/dev/null || missing+=(runc)
[[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v mvn >/dev/null || missing+=(maven)
if (( ${#missing[@]} )); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "examples/build.sh: please install: ${missing[*]} (apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "examples/build.sh: installing ${missing[*]} ..." >&2
  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
root_args=()
[[ -n "${KILN_ROOT:-}" ]] && root_args=(--root "$KILN_ROOT")
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp -a "$repo/examples/busybox/." "$ctx/"
cp /bin/busybox "$ctx/busybox"
"$repo/kiln" "${root_args[@]}" build -t busybox:latest "$ctx"
"$repo/kiln" "${root_args[@]}" build -t kiln-example/hello:latest "$repo/examples/hello"
"$repo/kiln" "${root_args[@]}" images
echo
echo "Built kiln-example/hello:latest. Export it with, for example:"
echo "  ./kiln build -t kiln-example/hello -o type=docker,dest=hello.tar examples/hello"
echo "  podman load -i hello.tar && podman run --rm kiln-example/hello"
