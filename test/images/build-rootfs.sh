#!/usr/bin/env bash
# Builds the Debian bookworm root filesystem the test images start from (what
# node:20-bookworm-slim is made of: debootstrap minbase), trimmed of docs, man pages and
# apt lists, and caches it: only the first run on a machine pays the ~30 s download.
#
#   test/images/build-rootfs.sh          # prints the rootfs directory on its last line
#   IRONLB_IMAGE_CACHE=/somewhere ...    # cache root (default ~/.cache/ironlb/images)
set -euo pipefail

suite=bookworm
mirror=${IRONLB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache_root=${IRONLB_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ironlb/images}
# Bump the revision when the trimming below changes.
dir="$cache_root/rootfs-$suite-minbase-r1"

if [ -f "$dir.complete" ]; then
  echo "rootfs cached: $dir" >&2
  echo "$dir"
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "build-rootfs: must run as root (debootstrap)" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "build-rootfs: debootstrap is missing (bash .ci/setup installs it)" >&2; exit 1; }

start=$(date +%s)
rm -rf "$dir.partial" "$dir.complete"
mkdir -p "$dir.partial"
echo "build-rootfs: debootstrap --variant=minbase $suite from $mirror (~30 s)..." >&2
debootstrap --variant=minbase "$suite" "$dir.partial" "$mirror" >&2
# What a container never needs: package caches and lists, docs, man pages, locales.
rm -rf "$dir.partial"/var/cache/apt/* "$dir.partial"/var/lib/apt/lists/* \
  "$dir.partial"/usr/share/doc/* "$dir.partial"/usr/share/man/* "$dir.partial"/usr/share/info/* \
  "$dir.partial"/usr/share/locale/* "$dir.partial"/var/log/* "$dir.partial"/dev/*
rm -rf "$dir"
mv "$dir.partial" "$dir"
# The marker lives beside the tree, so it never ends up in an image.
touch "$dir.complete"
echo "build-rootfs: done in $(( $(date +%s) - start ))s ($(du -sh "$dir" | cut -f1))" >&2
echo "$dir"
