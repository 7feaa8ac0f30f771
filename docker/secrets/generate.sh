#!/bin/sh
# docker-compose.yml's one-shot `secrets` service: creates every secret of the local cluster on
# the first `docker compose up`, then hands each service only its own, read-only, in a volume of
# its own. Nothing secret is in the repository, in an image or in the environment of `compose`.
#
#   /state             the master copies (volume secrets-state; nothing else mounts it)
#   /out/<service>/    what that service gets (volume <service>-secrets, mounted at /run/secrets/tessera)
# (STATE_DIR and OUT_DIR move them, for scripts/check-compose's test of this script.)
#
# Existing secrets are kept: rerunning changes nothing. To bring your own, write the file under
# /state before the first start (docker compose run --rm secrets sh), or rotate one by deleting
# it there and restarting the stack (a new AUTH key-encryption key cannot decrypt the old keys).
set -eu
umask 077
state=${STATE_DIR:-/state}
out=${OUT_DIR:-/out}

hex() { od -An -tx1 -N "$1" /dev/urandom | tr -d ' \n'; }
b64() { head -c "$1" /dev/urandom | base64 | tr -d '\n'; }
# NATS passwords: a letter, then letters and digits (docker/nats/nats.conf, the apps' check).
nats_password() {
  printf p
  hex 32
}

# new <name> <generator...>: creates /state/<name> once.
new() {
  name=$1
  shift
  if [ ! -s "$state/$name" ]; then
    "$@" >"$state/$name.tmp"
    mv "$state/$name.tmp" "$state/$name"
    echo "secrets: created $name"
  fi
}

mkdir -p "$state"
new nats_auth_password nats_password
new nats_orders_password nats_password
new nats_profile_password nats_password
new postgres_password hex 32
new auth_key_encryption_key b64 32
new admin_password hex 16
new service_client_secret_orders hex 32
new service_client_secret_profile hex 32

# put <service> <uid> <file> <value>: the service's copy, readable by its user only.
put() {
  mkdir -p "$out/$1"
  printf '%s' "$4" >"$out/$1/$3.tmp"
  # Only root can give a file away (always so in the container; not in a test run as a user).
  if [ "$(id -u)" = 0 ]; then
    chown "$2" "$out/$1/$3.tmp"
  fi
  chmod 0400 "$out/$1/$3.tmp"
  mv -f "$out/$1/$3.tmp" "$out/$1/$3"
}
s() { cat "$state/$1"; }
pg=$(s postgres_password)

# nats and postgres read theirs as root at start; the apps run as the image's user node (1000).
put nats 0 nats_auth_password "$(s nats_auth_password)"
put nats 0 nats_orders_password "$(s nats_orders_password)"
put nats 0 nats_profile_password "$(s nats_profile_password)"
put postgres 0 postgres_password "$pg"
for app in auth orders profile; do
  put "$app" 1000 nats_password "$(s "nats_${app}_password")"
  put "$app" 1000 database_url "postgres://tessera:${pg}@postgres:5432/${app}"
done
put auth 1000 key_encryption_key "$(s auth_key_encryption_key)"
put auth 1000 admin_password "$(s admin_password)"
put auth 1000 service_client_secret_orders "$(s service_client_secret_orders)"
put auth 1000 service_client_secret_profile "$(s service_client_secret_profile)"
put orders 1000 service_client_secret "$(s service_client_secret_orders)"
put profile 1000 service_client_secret "$(s service_client_secret_profile)"
echo 'secrets: ready (the first admin password: docker compose exec auth cat /run/secrets/tessera/admin_password)'
