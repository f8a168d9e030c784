#!/usr/bin/env bash
# Makes a local stand-in for docker.io/library/node:20-bookworm-slim when no registry is reachable:
# a Debian bookworm minbase root file system (debootstrap, from Debian's package mirror) plus this machine's
# Node 20 binary at /usr/local/bin/node, imported into podman under the real image name, so a
# `FROM node:20-bookworm-slim` build needs no pull. Does nothing when the image already exists.
#
#   eval "$(scripts/podman-setup.sh)" && scripts/make-base-image.sh
#
# Environment: CONTAINERS_CONF / CONTAINERS_STORAGE_CONF as printed by podman-setup.sh;
# DEBIAN_MIRROR (default http://deb.debian.org/debian); BASE_IMAGE (default docker.io/library/node:20-bookworm-slim).
set -euo pipefail

image="${BASE_IMAGE:-docker.io/library/node:20-bookworm-slim}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
debootstrap="$(command -v debootstrap || echo /usr/sbin/debootstrap)"

command -v podman >/dev/null 2>&1 || { echo "make-base-image: podman is not installed (see scripts/podman-setup.sh)" >&2; exit 3; }
if podman image exists "$image"; then
  echo "make-base-image: $image already present" >&2
  exit 0
fi
node_bin="$(command -v node)"
case "$("$node_bin" --version)" in
  v20.*) ;;
  *) echo "make-base-image: $node_bin is not Node 20" >&2; exit 2 ;;
esac

rootfs="$(mktemp -d "${TMPDIR:-/tmp}/bento-rootfs.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
echo "make-base-image: debootstrap bookworm into $rootfs (about a minute)" >&2
"$debootstrap" --variant=minbase bookworm "$rootfs" "$mirror" >&2
# mktemp makes the folder 0700; as the image's "/" that would lock every non-root user out.
chmod 0755 "$rootfs"
mkdir -p "$rootfs/usr/local/bin"
# A self-contained Node build (libc, libstdc++ only), as the official image ships; Debian's own nodejs
# package would need its libnode too.
cp "$node_bin" "$rootfs/usr/local/bin/node"
# Drop apt's caches as the real slim image does.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$image" >&2
echo "make-base-image: imported $image" >&2
