#!/usr/bin/env bash
# Runs promtool (Prometheus' rule and config checker) from Debian's `prometheus` package, without
# installing the package: the .deb is downloaded with `apt-get download` and only usr/bin/promtool is
# extracted, once, into ${STOW_CACHE_DIR:-~/.cache/stow}/promtool/<package version>/promtool.
#   scripts/promtool.sh check rules rules.yaml
# `scripts/promtool.sh --path` prints the binary's path instead of running it.
set -euo pipefail

cache_root="${STOW_CACHE_DIR:-${HOME:-/tmp}/.cache/stow}/promtool"
sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
candidate() { apt-cache policy prometheus 2>/dev/null | sed -n 's/^  Candidate: //p'; }

cached="$(ls -d "$cache_root"/*/promtool 2>/dev/null | head -n1 || true)"
if [[ -z "$cached" ]]; then
  version="$(candidate)"
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    sudo_if_needed apt-get update -qq >&2
    version="$(candidate)"
  fi
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    echo "scripts/promtool.sh: apt knows no 'prometheus' package; promtool cannot be had" >&2
    exit 127
  fi
  dir="$cache_root/${version//[^A-Za-z0-9.+~-]/_}"
  mkdir -p "$dir"
  tmp="$(mktemp -d "$dir/.extract.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && apt-get download -qq "prometheus=$version" >&2)
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp" ./usr/bin/promtool
  # rename(2) is atomic: test files extracting at the same time each install a whole binary.
  mv -f "$tmp/usr/bin/promtool" "$dir/promtool"
  rm -rf "$tmp"
  trap - EXIT
  cached="$dir/promtool"
fi

if [[ "${1:-}" == "--path" ]]; then
  echo "$cached"
  exit 0
fi
exec "$cached" "$@"
