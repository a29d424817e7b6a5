#!/usr/bin/env bash
# Runs every test of Liberterra.Command against a real PostgreSQL and ends with one line: "N passed, N failed".
# Installs PostgreSQL, Chromium and npm where missing, starts a throwaway cluster for the run (each test fixture creates its own
# database in it; tests that stop and start PostgreSQL start clusters of their own) and removes it afterwards.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/deploy/pg.sh"
source "$root/deploy/prereq.sh"
need npm nodejs npm                 # the build fetches the pages' pinned libraries from npm
need /usr/bin/chromium chromium     # the browser tests drive Debian's Chromium
need nginx nginx                    # the cluster tests put Debian's nginx in front of the silos (deploy/cluster.sh)

pg_data="$(mktemp -d /tmp/liberterra-test-pg.XXXXXX)"
pg_port="${LIBERTERRA_TEST_PG_PORT:-55433}"
log="$(mktemp)"
cleanup() { pg_stop "$pg_data" || true; rm -rf "$pg_data" "$log"; }
trap cleanup EXIT
chmod 755 "$pg_data"
pg_start "$pg_data" "$pg_port"
export LIBERTERRA_TEST_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Timeout=5"

dotnet test "$root/Liberterra.Command.sln" -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 47, ..."
passed=$(grep -E '(Passed|Failed)! +- ' "$log" | sed -E 's/.*Passed: +([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
failed=$(grep -E '(Passed|Failed)! +- ' "$log" | sed -E 's/.*Failed: +([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
assemblies=$(grep -cE '(Passed|Failed)! +- ' "$log")
echo
echo "test assemblies: $assemblies"
echo "$passed passed, $failed failed"
if [ "$status" -eq 0 ] && [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit "$status"
