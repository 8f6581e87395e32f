#!/bin/bash
# Runs once, when the primary's data folder is created: the role the replica streams as, the extensions
# the product needs, and a pg_hba line letting the replica connect for replication.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
CREATE EXTENSION IF NOT EXISTS vector;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
