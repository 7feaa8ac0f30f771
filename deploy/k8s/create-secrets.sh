#!/bin/sh
# Creates the Secrets that deploy/k8s reads, once, in the namespace given (tessera unless set):
#
#   AUTH_DATABASE_URL=postgres://auth:...@db.example.com:5432/auth \
#   ORDERS_DATABASE_URL=postgres://orders:...@db.example.com:5432/orders \
#   PROFILE_DATABASE_URL=postgres://profile:...@db.example.com:5432/profile \
#   SMTP_URL=smtps://user:...@smtp.example.com:465 \
#   deploy/k8s/create-secrets.sh [namespace]
#
# PostgreSQL is yours (outside the cluster): one database per app, the URLs given above. Every
# other secret is generated here by docker/secrets/generate.sh, the generator of docker-compose,
# so the file names (the Secrets' keys) and the pairs that must match are the same: each app's
# nats_password is the NATS server's nats_<app>_password, orders' and profile's
# service_client_secret is auth's service_client_secret_<app>. Each app gets only its own.
#
#   nats-secrets     nats_auth_password nats_orders_password nats_profile_password nats_route_password
#   auth-secrets     database_url smtp_url key_encryption_key admin_password nats_password
#                    service_client_secret_orders service_client_secret_profile
#   orders-secrets   database_url nats_password service_client_secret
#   profile-secrets  database_url nats_password service_client_secret
#
# The values pass through a private temporary directory, removed on exit, never through the
# command line or this script's output. An existing Secret is never replaced (a new key-encryption
# key could not decrypt auth's stored keys, a new NATS password would lock the apps out): the
# script stops before creating anything. KUBECTL names another kubectl.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
ns=${1:-tessera}
kubectl=${KUBECTL:-kubectl}

missing=
for name in AUTH_DATABASE_URL ORDERS_DATABASE_URL PROFILE_DATABASE_URL; do
  eval "value=\${$name:-}"
  case $value in
    postgres://* | postgresql://*) ;;
    *) missing="$missing $name" ;;
  esac
done
if [ -n "$missing" ]; then
  echo "create-secrets: set$missing to postgres://<user>:<password>@<host>:5432/<database> (one database per app)" >&2
  exit 2
fi
case ${SMTP_URL:-} in
  smtp://* | smtps://*) ;;
  *)
    echo "create-secrets: set SMTP_URL to smtp(s)://<user>:<password>@<relay>:<port> (auth's mail relay)" >&2
    exit 2
    ;;
esac

secrets='nats-secrets auth-secrets orders-secrets profile-secrets'
for secret in $secrets; do
  if "$kubectl" -n "$ns" get secret "$secret" >/dev/null 2>&1; then
    echo "create-secrets: the Secret $secret exists in $ns already; nothing created (delete all of $secrets to start over)" >&2
    exit 1
  fi
done

umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
STATE_DIR="$tmp/state" OUT_DIR="$tmp/out" sh "$here/../../docker/secrets/generate.sh" >/dev/null
out="$tmp/out"

# write <dir> <name> <value>: replaces what the generator wrote (its files are read-only).
write() {
  rm -f "$out/$1/$2"
  printf '%s' "$3" >"$out/$1/$2"
}
write auth database_url "$AUTH_DATABASE_URL"
write orders database_url "$ORDERS_DATABASE_URL"
write profile database_url "$PROFILE_DATABASE_URL"
# The NATS nodes' own route password: a letter, then hex digits (nats.conf reads it as a variable).
write nats nats_route_password "p$(od -An -tx1 -N 32 /dev/urandom | tr -d ' \n')"
write auth smtp_url "$SMTP_URL"

if ! "$kubectl" get namespace "$ns" >/dev/null 2>&1; then
  "$kubectl" create namespace "$ns" >/dev/null
fi
for app in nats auth orders profile; do
  # A directory: each file becomes one key of the Secret.
  "$kubectl" -n "$ns" create secret generic "$app-secrets" --from-file="$out/$app" >/dev/null
  echo "create-secrets: created $app-secrets in $ns"
done
echo "create-secrets: the first admin's password: kubectl -n $ns get secret auth-secrets -o jsonpath='{.data.admin_password}' | base64 -d"
