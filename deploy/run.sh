#!/usr/bin/env bash
# Runs Liberterra.Command on this machine: PostgreSQL (installed where missing, a project-local cluster in
# .data/pg), the schema migrations, the server, and the Liberterra II scenario; then prints the URL.
#   LIBERTERRA_PORT      HTTP port (default 5080)
#   LIBERTERRA_PG_PORT   PostgreSQL port (default 55432)
#   LIBERTERRA_SIMULATE=1  also load an exercise copy of Liberterra II whose six-day window starts now, on a clock
#                          LIBERTERRA_SIM_SPEED times real time (default 600: about 14 minutes), and play its six days
#                          through the API while it runs (liberterra simulate), so a wall shows a week as it would look
#   ConnectionStrings__Liberterra   use an existing PostgreSQL server instead of the local cluster
#   LIBERTERRA_DATA      the folder for the local cluster, the build, the signing key and credentials (default .data)
#   LIBERTERRA_BIN       a folder with Liberterra.Command.Server.dll already built (skips the build; tests use it)
#   LIBERTERRA_CLI       the liberterra.dll to use (default: the one in the build folder)
# Stop with Ctrl-C: the server and the local PostgreSQL stop cleanly; the data stays in .data/pg.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/deploy/pg.sh"
source "$root/deploy/prereq.sh"
source "$root/deploy/tokens.sh"
need npm nodejs npm   # the build fetches the pages' pinned libraries from npm
port="${LIBERTERRA_PORT:-5080}"
url="http://127.0.0.1:${port}"
data="${LIBERTERRA_DATA:-$root/.data}"
out="${LIBERTERRA_BIN:-$data/build}"
cli="${LIBERTERRA_CLI:-$out/liberterra.dll}"

local_pg=""
if [ -z "${ConnectionStrings__Liberterra:-}" ]; then
  pg_port="${LIBERTERRA_PG_PORT:-55432}"
  pg_start "$data/pg" "$pg_port"
  local_pg="$data/pg"
  pg_createdb "$pg_port" liberterra
  export ConnectionStrings__Liberterra="$(pg_url "" "$pg_port" liberterra)"
fi

server=""
sim=""
# Stops whatever this script started, in whatever state it finds it: a server that already died (its kill fails) must
# not end the trap under set -e before PostgreSQL is stopped.
stop() {
  trap - EXIT INT TERM
  set +e
  if [ -n "$sim" ]; then kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null; fi
  if [ -n "$server" ]; then
    if kill -0 "$server" 2>/dev/null; then echo "==> stopping the server"; kill "$server" 2>/dev/null; else echo "==> the server has stopped"; fi
    wait "$server" 2>/dev/null
  fi
  if [ -n "$local_pg" ]; then pg_stop "$local_pg"; fi
}
# On Ctrl-C or TERM: stop, then end (bash would otherwise go on with the next command, set -e off).
trap stop EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM

if [ -z "${LIBERTERRA_BIN:-}" ]; then
  echo "==> building"
  for project in Server Cli; do
    dotnet build "$root/src/Liberterra.Command.$project/Liberterra.Command.$project.csproj" -c Release -v q -nologo -o "$out" >/dev/null
  done
fi

echo "==> applying database migrations"
dotnet "$cli" db migrate

key_file="$data/signing.key"   # created on first run; never committed (.data is git-ignored)
tak_port="${LIBERTERRA_TAK_PORT:-8089}"
echo "==> starting the server (HTTP $url; TAK CoT over TLS on port $tak_port)"
dotnet "$out/Liberterra.Command.Server.dll" --urls "$url" --contentRoot "$root/src/Liberterra.Command.Server" \
  --Auth:SigningKeyFile="$key_file" --Tak:Enabled=true --Tak:Port="$tak_port" --Tak:CaFile="$data/tak-ca.p12" &
server=$!
echo "==> server process $server"

for _ in $(seq 1 120); do
  curl -fsS "$url/openapi/v1.json" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server exited during start-up" >&2; exit 1; }
  sleep 0.5
done

tokens="$data/tokens.env"
demo_tokens "$cli" "$key_file" "$tokens"

echo "==> loading the Liberterra II scenario"
LIBERTERRA_TOKEN="$(grep '^ADMIN_TOKEN=' "$tokens" | cut -d= -f2-)" \
  dotnet "$cli" --server "$url" scenario load "$root/deploy/scenarios/liberterra-ii.json"

exercise=""
if [ "${LIBERTERRA_SIMULATE:-0}" = 1 ]; then
  sim_speed="${LIBERTERRA_SIM_SPEED:-600}"
  if ! awk -v s="$sim_speed" 'BEGIN { exit !(s + 0 >= 1 && s + 0 <= 3600) }'; then
    echo "LIBERTERRA_SIM_SPEED must be from 1 to 3600 (times real time; 600 plays six days in 14 minutes), not '$sim_speed'" >&2
    exit 2
  fi
  exercise="liberterra-ii-exercise-$(date -u +%Y%m%d-%H%M%S)"
  echo "==> loading an exercise copy of Liberterra II: $exercise, its window starting now, its clock ${sim_speed}x real time"
  LIBERTERRA_TOKEN="$(grep '^ADMIN_TOKEN=' "$tokens" | cut -d= -f2-)" \
    dotnet "$cli" --server "$url" scenario load "$root/deploy/scenarios/liberterra-ii.json" --exercise --clock-speed "$sim_speed" --id "$exercise"
fi

# The CLI as the README spells it: a wrapper that runs this build against this server and, for `db` and
# `audit verify`, this database (a variable already set wins), with the admin credential unless one is given.
# Values are shell-quoted (%q): a connection string may hold a password with any character; only its owner may read it.
mkdir -p "$data/bin"
{
  echo '#!/usr/bin/env bash'
  echo '# Written by deploy/run.sh: the liberterra CLI of this checkout, pointed at the server and database it started.'
  printf '[ -n "${LIBERTERRA_SERVER:-}" ] || export LIBERTERRA_SERVER=%q\n' "$url"
  printf '[ -n "${ConnectionStrings__Liberterra:-}" ] || export ConnectionStrings__Liberterra=%q\n' "$ConnectionStrings__Liberterra"
  printf '[ -n "${Auth__SigningKeyFile:-}" ] || export Auth__SigningKeyFile=%q\n' "$key_file"
  printf '[ -n "${LIBERTERRA_TOKEN:-}" ] || export LIBERTERRA_TOKEN="$(grep "^ADMIN_TOKEN=" %q | cut -d= -f2-)"\n' "$tokens"
  printf 'exec dotnet %q "$@"\n' "$cli"
} > "$data/bin/liberterra"
chmod 700 "$data/bin/liberterra"

cat <<MSG

Liberterra.Command is running: $url
  the wall:    $url/wall/liberterra-ii#token=$(grep '^WALL_TOKEN=' "$tokens" | cut -d= -f2-)
               (the credential after # stays in the browser; or open $url and paste one)
  in Arabic:   $url/wall/liberterra-ii?lang=ar#token=$(grep '^WALL_TOKEN=' "$tokens" | cut -d= -f2-)
               (every page: en fr es ar pt vi, from ?lang=, its menu or the browser's languages)
  by agency:   INTERPOL's coordination centre (every team in full):
               $url/wall/liberterra-ii#token=$(grep '^WALL_CCC_TOKEN=' "$tokens" | cut -d= -f2-)
               Argentina's Policía Federal (its teams in full, the others as they share them):
               $url/wall/liberterra-ii?lang=es#token=$(grep '^WALL_NP_AR_TOKEN=' "$tokens" | cut -d= -f2-)
  command:     $url/command/liberterra-ii#token=$(grep '^COMMANDER_TOKEN=' "$tokens" | cut -d= -f2-)
               (orders to the field, taking distress calls)
  a phone:     $url/field/liberterra-ii#token=$(grep '^LEAD_AR_RAID_01_TOKEN=' "$tokens" | cut -d= -f2-)
  TAK devices: CoT over TLS on port $tak_port (client certificates); a device's data package for ATAK/WinTAK/iTAK:
               liberterra tak enroll --operation liberterra-ii --team AR-RAID-01 --device "ATAK phone 1"
  operation:   $url/api/operations/liberterra-ii   (needs a credential)
  API schema:  $url/openapi/v1.json
  credentials: $tokens  (admin, commander, wall, debriefer, team lead of AR-RAID-01; 12 h)
  the CLI:     export PATH="$data/bin:\$PATH"   then, as the README and docs/cli.md write it:
               liberterra status --operation liberterra-ii        (the admin credential unless LIBERTERRA_TOKEN is set)
               liberterra token issue --role team-lead --team MK-RAID-01
               liberterra db status ; liberterra audit verify     (this database)
  storage:     PostgreSQL (${local_pg:-external server})
Press Ctrl-C to stop.
MSG
if [ -n "$exercise" ]; then
  echo "==> simulating the six days in the exercise $exercise (liberterra simulate; its log: $data/simulate.log)"
  echo "    its wall:  $url/wall/$exercise#token=$(grep '^WALL_TOKEN=' "$tokens" | cut -d= -f2-)"
  LIBERTERRA_TOKEN="$(grep '^ADMIN_TOKEN=' "$tokens" | cut -d= -f2-)" \
    dotnet "$cli" --server "$url" simulate --operation "$exercise" > "$data/simulate.log" 2>&1 &
  sim=$!
fi
wait "$server"
