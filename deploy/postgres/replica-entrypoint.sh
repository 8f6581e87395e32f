#!/bin/bash
# The replica: on first start, a copy of the primary made with pg_basebackup -R (which writes
# standby.signal and primary_conninfo), then Postgres as a hot standby streaming from it.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    until pg_isready -h postgres -p 5432 -q; do sleep 1; done
    mkdir -p "$PGDATA" && chmod 700 "$PGDATA"
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres -p 5432 -U replicator \
        -D "$PGDATA" -R -X stream -c fast
fi
exec postgres -D "$PGDATA" -c hot_standby=on -c "shared_buffers=${PG_SHARED_BUFFERS:-2GB}"
