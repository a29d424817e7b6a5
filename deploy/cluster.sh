#!/usr/bin/env bash
# A Liberterra.Command cluster on this machine: PostgreSQL, N silos clustered through it (Orleans ADO.NET
# membership), and nginx in front with WebSocket upgrade and cookie affinity (deploy/compose/nginx.conf, the same
# balancer configuration as the compose file, with this machine's ports).
#
#   bash deploy/cluster.sh start [N]     PostgreSQL, build, migrations, N silos (default 3), the balancer, the
#                                        Liberterra II scenario; returns
#   bash deploy/cluster.sh add           one more silo, joined to the cluster and to the balancer while it runs
#   bash deploy/cluster.sh kill I        SIGKILL silo I (a crash: for failover drills) and leave it dead
#   bash deploy/cluster.sh status        each silo's pid, ports and readiness
#   bash deploy/cluster.sh stop          the balancer, every silo (SIGTERM: they leave the cluster) and PostgreSQL
#
# Silo I (1-based) listens on HTTP ${LIBERTERRA_SILO_HTTP_BASE:-5180}+I, silo port 11110+I, gateway 30100+I.
#   LIBERTERRA_PORT       the balancer's port (default 5080): the URL to use
#   LIBERTERRA_PG_PORT    PostgreSQL port of the local cluster (default 55432; data in .data/pg)
#   ConnectionStrings__Liberterra   an existing PostgreSQL instead of the local one
#   LIBERTERRA_BIN        a folder with Liberterra.Command.Server.dll (and liberterra.dll) already built (skips the build)
#   LIBERTERRA_CLI        the liberterra.dll to use (default: the one in LIBERTERRA_BIN)
#   LIBERTERRA_CLUSTER_DIR  where pids, logs, demo credentials and the balancer's configuration go (default .data/cluster)
#   LIBERTERRA_SIGNING_KEY_FILE  the credentials' signing key shared by every silo (default .data/signing.key)
#   LIBERTERRA_MAX_SILOS  balancer slots (default 8): silos up to this number are added with no reload of nginx
#   LIBERTERRA_SILO_ARGS  extra server arguments for every silo (e.g. --Silo:CheckInInterval=00:00:30)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/deploy/pg.sh"
source "$root/deploy/prereq.sh"
source "$root/deploy/tokens.sh"
dir="${LIBERTERRA_CLUSTER_DIR:-$root/.data/cluster}"
port="${LIBERTERRA_PORT:-5080}"
http_base="${LIBERTERRA_SILO_HTTP_BASE:-5180}"
silo_base="${LIBERTERRA_SILO_PORT_BASE:-11110}"
gateway_base="${LIBERTERRA_GATEWAY_PORT_BASE:-30100}"
bin="${LIBERTERRA_BIN:-$root/.data/build}"
cli="${LIBERTERRA_CLI:-$bin/liberterra.dll}"
key_file="${LIBERTERRA_SIGNING_KEY_FILE:-$root/.data/signing.key}"
mkdir -p "$dir"

silo_ids() { ls "$dir" 2>/dev/null | sed -n 's/^silo-\([0-9]*\)\.pid$/\1/p' | sort -n; }
alive() { [ -f "$dir/silo-$1.pid" ] && kill -0 "$(cat "$dir/silo-$1.pid")" 2>/dev/null; }

environment() {
  if [ -f "$dir/env" ]; then source "$dir/env"; return; fi
  if [ -z "${ConnectionStrings__Liberterra:-}" ]; then
    local pg_port="${LIBERTERRA_PG_PORT:-55432}"
    pg_start "$root/.data/pg" "$pg_port" >&2
    pg_createdb "$pg_port" liberterra
    export ConnectionStrings__Liberterra="$(pg_url "" "$pg_port" liberterra)"
    echo "local_pg=$root/.data/pg" > "$dir/env"
  else
    echo "local_pg=" > "$dir/env"
  fi
  printf 'export ConnectionStrings__Liberterra=%q\n' "$ConnectionStrings__Liberterra" >> "$dir/env"
  printf 'cluster_id=%q\n' "local-$(date +%s)" >> "$dir/env"
  chmod 600 "$dir/env"
  source "$dir/env"
}

start_silo() {
  local i="$1" http=$((http_base + $1))
  # shellcheck disable=SC2086
  # The build folder is the content root: the silo reads its appsettings.json (log levels: no line per request) and
  # serves its pages from there, exactly as a deployment does.
  setsid dotnet "$bin/Liberterra.Command.Server.dll" --urls "http://127.0.0.1:$http" --contentRoot "$bin" \
    --Silo:ClusterId="$cluster_id" --Silo:SiloPort=$((silo_base + i)) --Silo:GatewayPort=$((gateway_base + i)) \
    --Auth:SigningKeyFile="$key_file" ${LIBERTERRA_SILO_ARGS:-} >"$dir/silo-$i.log" 2>&1 < /dev/null &
  echo $! > "$dir/silo-$i.pid"
}

wait_ready() {
  local i="$1"
  for _ in $(seq 1 240); do
    curl -fsS "http://127.0.0.1:$((http_base + i))/health/ready" >/dev/null 2>&1 && return 0
    alive "$i" || { echo "silo $i exited during start-up:" >&2; tail -20 "$dir/silo-$i.log" >&2; return 1; }
    sleep 0.5
  done
  echo "silo $i did not become ready" >&2; return 1
}

# The balancer's configuration: deploy/compose/nginx.conf with this machine's port and paths, and a slot for each of
# LIBERTERRA_MAX_SILOS silos (default 8) whether running or not: a slot with no silo refuses the connection and nginx
# passes the request to the next one, so a silo added later takes work with no reload of the balancer (a reload
# closes the clients' idle keep-alive connections, and a request racing that close fails).
balancer_config() {
  local servers="" i last
  last="$(silo_ids | tail -1)"
  for i in $(seq 1 $(( ${last:-0} > ${LIBERTERRA_MAX_SILOS:-8} ? ${last:-0} : ${LIBERTERRA_MAX_SILOS:-8} ))); do
    servers+="        server 127.0.0.1:$((http_base + i)) max_fails=1 fail_timeout=5s;\n"
  done
  awk -v servers="$servers" -v port="$port" -v dir="$dir" '
    /^ *upstream / { done = 0 }
    /^ *server silo[0-9]+:8080/ { if (!done) { printf "%s", servers; done = 1 } next }
    /^ *listen 8080;/ { sub(/8080/, "127.0.0.1:" port) }
    /^error_log / { print "error_log " dir "/nginx-error.log warn;"; next }
    /^ *access_log / { print "    access_log " dir "/nginx-access.log liberterra;"; next }
    /^worker_processes / { print "worker_processes 2;"; next }
    { print }
  ' "$root/deploy/compose/nginx.conf" > "$dir/nginx.conf"
  # Temporary files under the cluster's folder, so nginx needs nothing of the system's own configuration.
  sed -i "s|^http {|http {\n    client_body_temp_path $dir/nginx-tmp/body;\n    proxy_temp_path $dir/nginx-tmp/proxy;\n    fastcgi_temp_path $dir/nginx-tmp/fastcgi;\n    uwsgi_temp_path $dir/nginx-tmp/uwsgi;\n    scgi_temp_path $dir/nginx-tmp/scgi;|" "$dir/nginx.conf"
  mkdir -p "$dir/nginx-tmp"
}

nginx_globals() {
  local g="pid $dir/nginx.pid;"
  [ "$(id -u)" = 0 ] && g="user root; $g"
  echo "$g"
}

case "${1:-}" in
  start)
    count="${2:-3}"
    need nginx nginx
    if [ -n "$(silo_ids)" ]; then echo "a cluster is already running here ($dir): bash deploy/cluster.sh stop" >&2; exit 1; fi
    environment
    if [ -z "${LIBERTERRA_BIN:-}" ]; then
      need npm nodejs npm
      echo "==> building" >&2
      for project in Server Cli; do
        dotnet build "$root/src/Liberterra.Command.$project/Liberterra.Command.$project.csproj" -c Release -v q -nologo -o "$bin" >/dev/null
      done
    fi
    dotnet "$cli" db migrate >&2
    # The credentials first: that creates the signing key every silo then reads (.data/tokens.env).
    demo_tokens "$cli" "$key_file" "$dir/tokens.env"
    echo "==> starting $count silos" >&2
    for i in $(seq 1 "$count"); do start_silo "$i"; done
    for i in $(seq 1 "$count"); do wait_ready "$i"; done
    balancer_config
    nginx -t -q -c "$dir/nginx.conf" -g "$(nginx_globals)"
    nginx -c "$dir/nginx.conf" -g "$(nginx_globals)"
    for _ in $(seq 1 50); do curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.2; done
    LIBERTERRA_TOKEN="$(grep '^ADMIN_TOKEN=' "$dir/tokens.env" | cut -d= -f2-)" \
      dotnet "$cli" --server "http://127.0.0.1:$port" scenario load "$root/deploy/scenarios/liberterra-ii.json" >&2
    echo "==> cluster up: http://127.0.0.1:$port (balancer) in front of $count silos; logs in $dir" >&2
    echo "    the wall:    http://127.0.0.1:$port/wall/liberterra-ii#token=$(grep '^WALL_TOKEN=' "$dir/tokens.env" | cut -d= -f2-)" >&2
    echo "    credentials: $dir/tokens.env (12 h)" >&2
    ;;
  add)
    environment
    last="$(silo_ids | tail -1)"
    i=$(( ${last:-0} + 1 ))
    start_silo "$i"
    wait_ready "$i"
    if ! grep -q "127.0.0.1:$((http_base + i)) " "$dir/nginx.conf"; then
      # Beyond the balancer's slots: a new slot needs a reload.
      balancer_config
      nginx -t -q -c "$dir/nginx.conf" -g "$(nginx_globals)"
      nginx -s reload -c "$dir/nginx.conf" -g "$(nginx_globals)"
    fi
    echo "==> silo $i joined: http://127.0.0.1:$((http_base + i)); the balancer sends to it within seconds" >&2
    ;;
  kill)
    i="${2:?which silo}"
    alive "$i" || { echo "silo $i is not running" >&2; exit 1; }
    kill -KILL "$(cat "$dir/silo-$i.pid")"
    echo "==> silo $i killed (SIGKILL)" >&2
    ;;
  status)
    for i in $(silo_ids); do
      state=dead; alive "$i" && state="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((http_base + i))/health/ready" || true)"
      echo "silo $i  pid $(cat "$dir/silo-$i.pid")  http $((http_base + i))  silo $((silo_base + i))  gateway $((gateway_base + i))  ready: $state"
    done
    [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null && echo "balancer  http://127.0.0.1:$port  pid $(cat "$dir/nginx.pid")"
    ;;
  stop)
    if [ -f "$dir/nginx.pid" ] && kill -0 "$(cat "$dir/nginx.pid")" 2>/dev/null; then
      nginx -s quit -c "$dir/nginx.conf" -g "$(nginx_globals)" 2>/dev/null || kill "$(cat "$dir/nginx.pid")" || true
    fi
    for i in $(silo_ids); do
      if alive "$i"; then kill -TERM "$(cat "$dir/silo-$i.pid")"; fi
    done
    for i in $(silo_ids); do
      for _ in $(seq 1 60); do alive "$i" || break; sleep 0.5; done
      alive "$i" && kill -KILL "$(cat "$dir/silo-$i.pid")"
      rm -f "$dir/silo-$i.pid"
    done
    if [ -f "$dir/env" ]; then
      source "$dir/env"
      [ -n "$local_pg" ] && pg_stop "$local_pg"
      rm -f "$dir/env"
    fi
    echo "==> cluster stopped" >&2
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
