#!/bin/sh
# docker-compose.yml's NATS entrypoint: nats.conf takes each service's password from the
# environment, so read them from the files the `secrets` service wrote, then become nats-server.
set -eu
dir=${SECRETS_DIR:-/run/secrets/tessera}
for service in auth orders profile; do
  file="$dir/nats_${service}_password"
  if [ ! -s "$file" ]; then
    echo "nats: $file is missing or empty (did the secrets service run?)" >&2
    exit 1
  fi
done
NATS_AUTH_PASSWORD=$(cat "$dir/nats_auth_password")
NATS_ORDERS_PASSWORD=$(cat "$dir/nats_orders_password")
NATS_PROFILE_PASSWORD=$(cat "$dir/nats_profile_password")
export NATS_AUTH_PASSWORD NATS_ORDERS_PASSWORD NATS_PROFILE_PASSWORD
exec nats-server "$@"
