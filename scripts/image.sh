#!/usr/bin/env bash
# `npm run image [-- extra build arguments]`: builds the operator image from the Dockerfile with
# whichever builder is here (docker with a running daemon, podman, or buildah), reproducibly: every
# timestamp in the image is the last commit's time (SOURCE_DATE_EPOCH), dependencies come from the
# lockfile, and the base is NODE_IMAGE (pin it by digest for a bit-for-bit rebuild).
#   IMAGE=registry.example.com/stow TAG=0.1.0 npm run image
#   NODE_IMAGE=node:24-bookworm-slim@sha256:<digest> npm run image
# See docs/image.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' package.json | head -n1)"
image="${IMAGE:-ghcr.io/stow-dev/stow}:${TAG:-$version}"
node_image="${NODE_IMAGE:-node:24-bookworm-slim}"
epoch="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"
args=(--build-arg "NODE_IMAGE=$node_image" --build-arg "SOURCE_DATE_EPOCH=$epoch" -t "$image")

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  if docker buildx version >/dev/null 2>&1; then
    # BuildKit: SOURCE_DATE_EPOCH sets the image's dates, rewrite-timestamp the files' in its layers.
    SOURCE_DATE_EPOCH="$epoch" docker buildx build "${args[@]}" \
      --output "type=docker,name=$image,rewrite-timestamp=true" "$@" .
  else
    DOCKER_BUILDKIT=1 SOURCE_DATE_EPOCH="$epoch" docker build "${args[@]}" "$@" .
  fi
  builder=docker
elif command -v podman >/dev/null 2>&1; then
  podman build --timestamp "$epoch" "${args[@]}" "$@" .
  builder=podman
elif command -v buildah >/dev/null 2>&1; then
  buildah build --timestamp "$epoch" "${args[@]}" "$@" .
  builder=buildah
else
  cat >&2 <<EOF
npm run image: no container builder on this machine.
Install one of
  - docker, with a running daemon (\`docker info\` must work; a docker client alone is not enough),
  - podman (apt-get install podman),
  - buildah (apt-get install buildah),
then run \`npm run image\` again. What the image holds without building it: docs/image.md.
EOF
  exit 1
fi

size="$("$builder" image inspect --format '{{.Size}}' "$image" 2>/dev/null || true)"
echo "built $image with $builder${size:+ ($((size / 1000000)) MB)}; SOURCE_DATE_EPOCH=$epoch, base $node_image"
