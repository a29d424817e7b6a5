#!/usr/bin/env bash
# Benchmarks: a fresh PostgreSQL cluster and database, the server (Release) on it (or --silos N servers in one
# Orleans cluster), then the chosen benchmark of liberterra-bench (src/Liberterra.Command.Bench; the field CLI,
# liberterra, only migrates the database and issues the credential). Results in .data/bench/<name>.{md,json}.
#   bash deploy/bench.sh                      storage and wall, default settings
#   bash deploy/bench.sh e2e [options]        `liberterra-bench`: the whole path, N leads x M walls, floors, CPU, memory;
#                                             e.g. --rates 500,1000 --walls 20 --leads 50, --step, --scenario FILE, --teams 10000
#   bash deploy/bench.sh e2e --silos 3 --step the same over three silos (leads and walls spread over them)
#   bash deploy/bench.sh storage [options]    e.g. --clients 1,8,32 --seconds 10
#   bash deploy/bench.sh wall [options]       e.g. --steps 100x1,1000x50 --seconds 10
#   bash deploy/bench.sh timeline [options]   e.g. --events 1000000 --queries 200
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/deploy/pg.sh"
out="$root/.data/bench"
build="$root/.data/bench-build"
pg_data="$(mktemp -d /tmp/liberterra-bench-pg.XXXXXX)"
pg_port="${LIBERTERRA_BENCH_PG_PORT:-55434}"
http_port="${LIBERTERRA_BENCH_PORT:-5099}"
mkdir -p "$out"

which="${1:-all}"; [ $# -gt 0 ] && shift
silos=1
if [ "${1:-}" = --silos ]; then silos="$2"; shift 2; fi

servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
  pg_stop "$pg_data" || true; rm -rf "$pg_data"
}
trap cleanup EXIT
chmod 755 "$pg_data"
pg_start "$pg_data" "$pg_port"
pg_createdb "$pg_port" bench
export ConnectionStrings__Liberterra="$(pg_url "" "$pg_port" bench)"

# LIBERTERRA_BENCH_SERVER_ARGS adds server settings (e.g. "--Silo:Dashboard=false") for an A/B comparison.
# LIBERTERRA_BENCH_NO_BUILD=1 reuses the last build (several runs of one version, while the tree changes).
if [ "${LIBERTERRA_BENCH_NO_BUILD:-0}" != 1 ]; then
  for project in Server Cli Bench; do
    dotnet build "$root/src/Liberterra.Command.$project/Liberterra.Command.$project.csproj" -c Release -v q -nologo -o "$build" >/dev/null
  done
fi
dotnet "$build/liberterra.dll" db migrate >/dev/null
# One admin credential drives the whole load, so the per-principal rate limit is lifted for this run.
export LIBERTERRA_TOKEN="$(dotnet "$build/liberterra.dll" token issue --role admin --subject bench --ttl 2h --key-file "$out/signing.key")"
urls=()
for i in $(seq 0 $((silos - 1))); do
  port=$((http_port + i))
  dotnet "$build/Liberterra.Command.Server.dll" --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
    --Silo:ClusterId="bench-$$" --Silo:SiloPort=$((11300 + i)) --Silo:GatewayPort=$((30300 + i)) \
    --Auth:SigningKeyFile="$out/signing.key" --RateLimits:PermitsPerSecond=1000000 --RateLimits:Burst=1000000 ${LIBERTERRA_BENCH_SERVER_ARGS:-} >"$out/server-$i.log" 2>&1 &
  servers+=($!)
  urls+=("http://127.0.0.1:$port")
  for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
done
server="${servers[0]}"
server_pids="$(IFS=,; echo "${servers[*]}")"
server_urls="$(IFS=,; echo "${urls[*]}")"

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, PostgreSQL $("$(pg_bin)/postgres" --version | awk '{print $3}'), .NET $(dotnet --version)"
status=0
# The same server with its storage in memory, beside the real one, for the storage and wall benchmarks: what the
# request path costs with no database at all (the durable path cannot beat it). Started for one benchmark, then stopped.
memory_port=$((http_port + 50))
memory_url="http://127.0.0.1:$memory_port"
start_memory_server() {
  dotnet "$build/Liberterra.Command.Server.dll" --urls "$memory_url" --Logging:LogLevel:Default=Warning \
    --Silo:Storage=Memory --Silo:ClusterId="bench-memory-$$" --Silo:SiloPort=11350 --Silo:GatewayPort=30350 \
    --Auth:SigningKeyFile="$out/signing.key" --RateLimits:PermitsPerSecond=1000000 --RateLimits:Burst=1000000 ${LIBERTERRA_BENCH_SERVER_ARGS:-} >"$out/server-memory.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 1 120); do curl -fsS "$memory_url/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
}
stop_memory_server() {
  kill "${servers[-1]}" 2>/dev/null; wait "${servers[-1]}" 2>/dev/null || true; unset 'servers[-1]'
}
if [ "$which" = all ] || [ "$which" = storage ]; then
  start_memory_server
  dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" storage --memory-server "$memory_url" \
    --json "$out/storage.json" --markdown "$out/storage.md" "$@" || status=$?
  stop_memory_server
fi
if [ "$which" = all ] || [ "$which" = wall ]; then
  start_memory_server
  dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" wall --server-pid "$server" --memory-server "$memory_url" \
    --json "$out/wall.json" --markdown "$out/wall.md" "$@" || status=$?
  stop_memory_server
fi
if [ "$which" = all ] || [ "$which" = timeline ]; then
  dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" timeline \
    --json "$out/timeline.json" --markdown "$out/timeline.md" "$@" || status=$?
fi
if [ "$which" = e2e ]; then
  dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" --servers "$server_urls" --server-pids "$server_pids" \
    --label "$silos silo(s)" --json "$out/e2e.json" --markdown "$out/e2e.md" "$@" || status=$?
fi
exit $status
