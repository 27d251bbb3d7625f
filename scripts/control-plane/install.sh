#!/usr/bin/env bash
# Provides a real kube-apiserver, kube-controller-manager and etcd for tests.
#
# Order of preference:
#   1. $KUBEBUILDER_ASSETS (envtest layout: etcd, kube-apiserver, kubectl) — used as is.
#   2. A cached build in ${STOW_CACHE_DIR:-~/.cache/stow}/k8s-<version>/bin.
#   3. Build from Debian's `kubernetes` source package (the only route on machines
#      that cannot download Kubernetes release binaries), then cache it.
#
# Prints the folder holding the binaries on its last line of stdout. Safe to run concurrently:
# a lock makes parallel callers wait for one build.
set -euo pipefail

log() { echo "[control-plane] $*" >&2; }

if [[ -n "${KUBEBUILDER_ASSETS:-}" ]]; then
  for bin in etcd kube-apiserver; do
    [[ -x "$KUBEBUILDER_ASSETS/$bin" ]] || { log "KUBEBUILDER_ASSETS=$KUBEBUILDER_ASSETS has no executable $bin"; exit 1; }
  done
  echo "$KUBEBUILDER_ASSETS"
  exit 0
fi

cache_root="${STOW_CACHE_DIR:-$HOME/.cache/stow}"
k8s_version="1.20.2"
# Bump when the build changes, so cached binaries from an older recipe are rebuilt.
# 2: vendored modern-go/reflect2 1.0.1 replaced by 1.0.2 (1.0.1 crashes under Go >= 1.18).
recipe="2"
build_root="$cache_root/k8s-$k8s_version"
bin_dir="$build_root/bin"

sudo_if_needed() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

ensure_apt_packages() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if ((${#missing[@]})); then
    log "installing Debian packages: ${missing[*]}"
    sudo_if_needed apt-get update -qq >&2
    # Through env: sudo drops the caller's environment.
    sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  fi
}

# Only rewrites a link that is missing or wrong, so concurrent runs do not race on it.
link() {
  local target=$1 name=$2
  [[ "$(readlink "$bin_dir/$name" 2>/dev/null)" == "$target" ]] || ln -sfn "$target" "$bin_dir/$name"
}

link_etcd_and_kubectl() {
  ensure_apt_packages etcd-server
  link "$(command -v etcd || echo /usr/bin/etcd)" etcd
  if command -v kubectl >/dev/null; then link "$(command -v kubectl)" kubectl; fi
}

is_built() {
  [[ -x "$bin_dir/kube-apiserver" && -x "$bin_dir/kube-controller-manager" ]] &&
    [[ "$(cat "$bin_dir/RECIPE" 2>/dev/null)" == "$recipe" ]]
}

mkdir -p "$build_root"
exec 9>"$build_root/.lock"
flock 9

if is_built; then
  link_etcd_and_kubectl
  echo "$bin_dir"
  exit 0
fi

ensure_apt_packages golang-go etcd-server rsync jq make dpkg-dev golang-github-modern-go-reflect2-dev
# Only active entries in files apt reads: commented-out deb-src lines are common.
has_deb_src() {
  grep -qsE '^[[:space:]]*deb-src[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list ||
    grep -qsE '^[[:space:]]*Types:.*deb-src' /etc/apt/sources.list.d/*.sources
}
if ! has_deb_src; then
  log "adding a deb-src entry for bookworm main"
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | sudo_if_needed tee /etc/apt/sources.list.d/stow-deb-src.sources >/dev/null
  sudo_if_needed apt-get update -qq >&2
fi

work="$build_root/src"
mkdir -p "$work"
cd "$work"
# The marker tells a complete unpack from one an interrupted run left behind.
if [[ ! -e .unpacked ]]; then
  log "downloading Debian's kubernetes source package"
  rm -rf kubernetes-*/
  apt-get source -qq kubernetes >&2
  touch .unpacked
fi
tree=$(ls -d kubernetes-*/ | head -n1)
cd "$tree"
rsync -a --delete --exclude go.mod /usr/share/gocode/src/github.com/modern-go/reflect2/ vendor/github.com/modern-go/reflect2/
mkdir -p .go/src/k8s.io
[[ -e .go/src/k8s.io/kubernetes ]] || ln -s ../../.. .go/src/k8s.io/kubernetes
log "building kube-apiserver and kube-controller-manager (about 5 minutes on 2 cores)"
GOPATH=$PWD/.go CGO_ENABLED=0 make WHAT="cmd/kube-apiserver cmd/kube-controller-manager" >&2
mkdir -p "$bin_dir"
rm -f "$bin_dir/RECIPE"
for bin in kube-apiserver kube-controller-manager; do
  # Copy, then rename: running control planes may be executing the old file.
  cp "_output/local/bin/linux/amd64/$bin" "$bin_dir/.$bin.new"
  mv -f "$bin_dir/.$bin.new" "$bin_dir/$bin"
done
echo "$recipe" >"$bin_dir/RECIPE"
link_etcd_and_kubectl
# The source tree is large; the binaries are all the tests need.
cd "$build_root" && rm -rf src
echo "$bin_dir"
