#!/bin/sh
# One-shot Temporal schema setup, run by compose.yaml in the admin-tools
# image: create Temporal's two databases if missing, then bring both
# schemas up to the version of the server image (safe to run again; it is
# also the upgrade step).
set -eu

: "${POSTGRES_HOST:?POSTGRES_HOST is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"
port="${POSTGRES_PORT:-5432}"
schemas="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_HOST" -p "$port" \
    -u "$POSTGRES_USER" --pw "$POSTGRES_PWD" "$@"
}

for pair in "${TEMPORAL_DB:-temporal}:temporal" "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}:visibility"; do
  db="${pair%%:*}"
  dir="${pair#*:}"
  echo "temporal schema: $db"
  sql --db "$db" create || true # exists already after the first run
  sql --db "$db" setup-schema -v 0.0
  sql --db "$db" update-schema -d "$schemas/$dir/versioned"
done
echo "temporal schema: up to date"
