#!/usr/bin/env bash
# Provides PostgreSQL's server binaries (initdb, postgres) for the RDS emulator's real servers.
#
# Uses the newest /usr/lib/postgresql/<major>/bin that has initdb; installs Debian's `postgresql`
# package when there is none. Quick and silent when it is installed already. Prints the folder
# holding the binaries on its last line of stdout. Safe to run concurrently: a lock makes parallel
# callers wait for one installation.
set -euo pipefail

log() { echo "[postgres] $*" >&2; }

newest_bin_dir() {
  local dir best="" best_major=-1 major
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" && -x "$dir/postgres" ]] || continue
    major=$(basename "$(dirname "$dir")")
    [[ "$major" =~ ^[0-9]+$ ]] || continue
    if ((major > best_major)); then best_major=$major best=$dir; fi
  done
  echo "$best"
}

found=$(newest_bin_dir)
if [[ -n "$found" ]]; then
  echo "$found"
  exit 0
fi

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

lock_dir="${STOW_CACHE_DIR:-$HOME/.cache/stow}"
mkdir -p "$lock_dir"
exec 9>"$lock_dir/.postgres-install.lock"
flock 9

found=$(newest_bin_dir)
if [[ -z "$found" ]]; then
  log "installing Debian's postgresql package"
  sudo_if_needed apt-get update -qq >&2
  # Through env: sudo drops the caller's environment.
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  found=$(newest_bin_dir)
fi
[[ -n "$found" ]] || { log "no initdb under /usr/lib/postgresql/*/bin after installing postgresql"; exit 1; }
echo "$found"
