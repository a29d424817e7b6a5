#!/usr/bin/env bash
# Runs Liberterra.Command on this machine with the Liberterra II scenario loaded, and prints the URL.
#   LIBERTERRA_PORT   HTTP port (default 5080)
# Stop with Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${LIBERTERRA_PORT:-5080}"
url="http://127.0.0.1:${port}"
out="$root/.data/build"

echo "==> building"
dotnet build "$root/Liberterra.Command.sln" -c Release -v q -nologo -o "$out" >/dev/null

echo "==> starting the server (HTTP $url)"
dotnet "$out/Liberterra.Command.Server.dll" --urls "$url" --contentRoot "$root/src/Liberterra.Command.Server" &
server=$!
trap 'echo "==> stopping"; kill "$server" 2>/dev/null; wait "$server" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 120); do
  curl -fsS "$url/api/operations" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "the server exited during start-up" >&2; exit 1; }
  sleep 0.5
done

echo "==> loading the Liberterra II scenario"
dotnet "$out/liberterra.dll" --server "$url" scenario load "$root/deploy/scenarios/liberterra-ii.json"

cat <<MSG

Liberterra.Command is running: $url
  operation:  $url/api/operations/liberterra-ii
  API schema: $url/openapi/v1.json
Press Ctrl-C to stop.
MSG
wait "$server"
