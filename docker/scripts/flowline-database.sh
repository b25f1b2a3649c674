#!/bin/sh
# Run once by the postgres image on an empty data directory
# (/docker-entrypoint-initdb.d): a role and a database for Flowline's flow
# store, apart from Temporal's.
set -eu

: "${FLOWLINE_DB_PASSWORD:?FLOWLINE_DB_PASSWORD is required}"
db="${FLOWLINE_DB:-flowline}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v db="$db" -v pw="$FLOWLINE_DB_PASSWORD" <<'SQL'
CREATE ROLE :"db" LOGIN PASSWORD :'pw';
CREATE DATABASE :"db" OWNER :"db";
SQL
