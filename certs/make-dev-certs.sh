#!/usr/bin/env bash
# Makes a dev CA and a serving certificate for Stow's webhook server.
#
#   certs/make-dev-certs.sh OUTDIR [HOST...]
#
# Writes OUTDIR/tls.crt, tls.key and ca.crt (cert-manager's Secret layout) and ca.key.
# The serving certificate covers 127.0.0.1, localhost and every HOST (DNS name or IP address).
# An existing OUTDIR/ca.crt + ca.key is reused, so re-running renews the serving certificate
# while caBundle values made from ca.crt stay valid.
#
# Environment: DAYS (serving certificate validity, default 365), KEY_TYPE (ec | rsa, default ec).
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit $(($# < 1 ? 2 : 0))
fi
out=$1
shift
days=${DAYS:-365}
key_type=${KEY_TYPE:-ec}

new_key() {
  case $key_type in
    ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null ;;
    rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null ;;
    *) echo "KEY_TYPE must be ec or rsa, not $key_type" >&2; exit 2 ;;
  esac
  chmod 600 "$1"
}

mkdir -p "$out"
work=$(mktemp -d "$out/.make-dev-certs-XXXXXX")
trap 'rm -rf "$work"' EXIT

if [[ -s $out/ca.crt && -s $out/ca.key ]]; then
  echo "reusing the CA in $out" >&2
else
  new_key "$work/ca.key"
  openssl req -x509 -new -key "$work/ca.key" -sha256 -days 3650 -subj "/CN=stow-dev-ca-$(date +%s)" \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
    -out "$work/ca.crt"
  mv "$work/ca.key" "$out/ca.key"
  mv "$work/ca.crt" "$out/ca.crt"
fi

alt_names="IP:127.0.0.1,DNS:localhost"
for host in "$@"; do
  if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then alt_names+=",IP:$host"; else alt_names+=",DNS:$host"; fi
done
key_usage=digitalSignature
[[ $key_type == rsa ]] && key_usage+=",keyEncipherment"
cat >"$work/ext.cnf" <<CNF
basicConstraints = critical, CA:FALSE
keyUsage = critical, $key_usage
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = $alt_names
CNF

new_key "$work/tls.key"
openssl req -new -key "$work/tls.key" -subj /CN=localhost -out "$work/tls.csr"
openssl x509 -req -in "$work/tls.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial \
  -CAserial "$work/ca.srl" -sha256 -days "$days" -extfile "$work/ext.cnf" -out "$work/tls.crt" 2>/dev/null
# Key before certificate, each by rename, so a watcher reloading on tls.crt sees a matching pair.
mv "$work/tls.key" "$out/tls.key"
mv "$work/tls.crt" "$out/tls.crt"

echo "$out/ca.crt $out/tls.crt $out/tls.key ($alt_names, $days days)" >&2
