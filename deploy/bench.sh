#!/usr/bin/env bash
# Benchmarks: a fresh PostgreSQL cluster and database, the server (Release) on it (or --silos N servers in one
# Orleans cluster), then the chosen benchmark of liberterra-bench (src/Liberterra.Command.Bench; the field CLI,
# liberterra, only migrates the database and issues the credential). Results in .data/bench/<name>.{md,json}.
#   bash deploy/bench.sh                      storage and wall, default settings
#   bash deploy/bench.sh e2e [options]        `liberterra-bench`: the whole path, N leads x M walls, floors, CPU, memory;
#                                             e.g. --rates 500,1000 --walls 20 --leads 50, --step, --scenario FILE, --teams 10000
#   bash deploy/bench.sh e2e --silos 3 --step the same over three silos (leads and walls spread over them)
#   bash deploy/bench.sh e2e --agencies 5 --prime 30   need-to-know: each rate with the walls in one view, then over 5
#                                             agencies' views; the CPU per report of the two compared
#   bash deploy/bench.sh storage [options]    e.g. --clients 1,8,32 --seconds 10
#   bash deploy/bench.sh wall [options]       e.g. --steps 100x1,1000x50 --seconds 10
#   bash deploy/bench.sh timeline [options]   e.g. --events 1000000 --queries 200
#   bash deploy/bench.sh scale [e2e options]  step mode on 1 silo, the same with Silo:Storage=Memory, and 3 silos, in
#                                             one invocation; the ratios (compare scale). Default options:
#                                             --step --rates 500 --walls 20 --leads 50 --seconds 5 --warmup 2 --prime 30
#   bash deploy/bench.sh failover [--events N] a 10,000-event and an N-event (default 1,000,000) operation's silo
#                                             SIGKILLed, 2 silos each time; time to reports again, survivor's memory
#   bash deploy/bench.sh tak [options]        TAK devices (one per team, enrolled, TLS with their client certificates)
#                                             report positions on the CoT endpoint while walls watch: position-to-wall
#                                             latency, server CPU per position; run with Tak:SampleSeconds=0 (every
#                                             position stored and pushed) and 30 (the default; the devices start over
#                                             30 s, as a fleet that connected over time), compared (compare tak);
#                                             e.g. --devices 500 --interval 2 --walls 20 --seconds 60
#                                             (LIBERTERRA_BENCH_TAK_PORT: the CoT port, default 8189)
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
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  pg_stop "$pg_data" || true; rm -rf "$pg_data"
}
trap cleanup EXIT
chmod 755 "$pg_data"
# Checkpoints by time, spread out, rather than forced by WAL volume in the middle of a step (docs/operations.md
# recommends the same for a deployment that takes thousands of reports a second).
export LIBERTERRA_PG_OPTIONS="${LIBERTERRA_PG_OPTIONS:--c max_wal_size=4GB -c checkpoint_timeout=15min -c checkpoint_completion_target=0.9}"
pg_start "$pg_data" "$pg_port"
db_pid="$(head -1 "$pg_data/postmaster.pid")"
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
# start_silos N [server args...]: N silos of one Orleans cluster (a new cluster id each time); sets servers, urls,
# server_pids, server_urls.
started=0
start_silos() {
  local count="$1"; shift
  started=$((started + 1))
  urls=()
  local first=${#servers[@]}
  for i in $(seq 0 $((count - 1))); do
    local port=$((http_port + i))
    dotnet "$build/Liberterra.Command.Server.dll" --urls "http://127.0.0.1:$port" --Logging:LogLevel:Default=Warning \
      --Silo:ClusterId="bench-$$-$started" --Silo:SiloPort=$((11300 + i)) --Silo:GatewayPort=$((30300 + i)) \
      --Auth:SigningKeyFile="$out/signing.key" --RateLimits:PermitsPerSecond=1000000 --RateLimits:Burst=1000000 "$@" ${LIBERTERRA_BENCH_SERVER_ARGS:-} >"$out/server-$i.log" 2>&1 &
    servers+=($!)
    urls+=("http://127.0.0.1:$port")
  done
  for u in "${urls[@]}"; do
    for _ in $(seq 1 120); do curl -fsS "$u/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
  done
  server="${servers[$first]}"
  server_pids="$(IFS=,; echo "${servers[*]:$first}")"
  server_urls="$(IFS=,; echo "${urls[*]}")"
}
stop_silos() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=()
}
if [ "$which" != scale ] && [ "$which" != failover ] && [ "$which" != tak ]; then start_silos "$silos"; fi

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
    --db-pid "$db_pid" --label "$silos silo(s)" --json "$out/e2e.json" --markdown "$out/e2e.md" "$@" || status=$?
fi
if [ "$which" = scale ]; then
  [ $# -gt 0 ] || set -- --step --rates 500 --walls 20 --leads 50 --seconds 5 --warmup 2 --prime 30
  for run in one memory three; do
    case $run in
      one) start_silos 1 ;;
      memory) start_silos 1 --Silo:Storage=Memory ;;
      three) start_silos 3 ;;
    esac
    echo "== scale: $run"
    dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" --servers "$server_urls" --server-pids "$server_pids" \
      --db-pid "$db_pid" --label "scale: $run" --json "$out/scale-$run.json" --markdown "$out/scale-$run.md" "$@" || status=$?
    stop_silos
  done
  dotnet "$build/liberterra-bench.dll" compare scale --one "$out/scale-one.json" --memory "$out/scale-memory.json" \
    --three "$out/scale-three.json" --markdown "$out/scale.md" || status=$?
fi
if [ "$which" = failover ]; then
  events=1000000
  if [ "${1:-}" = --events ]; then events="$2"; shift 2; fi
  for run in small large; do
    n=10000; [ $run = large ] && n=$events
    start_silos 2
    echo "== failover: $n events"
    dotnet "$build/liberterra-bench.dll" failover --servers "$server_urls" --server-pids "$server_pids" --events "$n" \
      --json "$out/failover-$run.json" "$@" || status=$?
    stop_silos
  done
  dotnet "$build/liberterra-bench.dll" compare failover --small "$out/failover-small.json" --large "$out/failover-large.json" \
    --markdown "$out/failover.md" || status=$?
fi
if [ "$which" = tak ]; then
  # Every device is a TLS connection to the server and one in the benchmark, beside the walls' and PostgreSQL's.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  tak_port="${LIBERTERRA_BENCH_TAK_PORT:-8189}"
  for run in every sampled; do
    sample=0; label="every position stored (Tak:SampleSeconds=0)"
    if [ $run = sampled ]; then sample=30; label="sampled (Tak:SampleSeconds=30, the default)"; fi
    start_silos 1 --Tak:Enabled=true --Tak:Port="$tak_port" --Tak:CaFile="$out/tak-ca.p12" --Tak:SampleSeconds=$sample
    echo "== tak: Tak:SampleSeconds=$sample"
    dotnet "$build/liberterra-bench.dll" --server "http://127.0.0.1:$http_port" tak --server-pid "$server" --db-pid "$db_pid" \
      --sample-seconds $sample --label "$label" --json "$out/tak-$run.json" --markdown "$out/tak-$run.md" "$@" || status=$?
    echo "server: $(grep -c 'different events waiting for it' "$out/server-0.log" || true) TAK device(s) disconnected as too slow"
    stop_silos
  done
  dotnet "$build/liberterra-bench.dll" compare tak --every "$out/tak-every.json" --sampled "$out/tak-sampled.json" \
    --markdown "$out/tak.md" || status=$?
fi
exit $status
