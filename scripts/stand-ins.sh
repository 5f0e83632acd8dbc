# Starts the local stand-ins for Azure Blob Storage (Azurite) and Cosmos DB
# (our launcher around cosmosdb-server) when nothing answers on their ports,
# and stops only the ones it started; checks the servers it does not start.
# Sourced by scripts/test.sh and scripts/run-services.sh.

STAND_IN_PIDS=()
STAND_IN_LOGS=$(mktemp -d -t polyglot-stand-ins-XXXXXX)

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

wait_for_port() {  # name port pid
  for _ in $(seq 1 100); do
    port_open "$2" && return 0
    kill -0 "$3" 2>/dev/null || break
    sleep 0.2
  done
  echo "$1 did not start on 127.0.0.1:$2; its log:" >&2
  cat "$STAND_IN_LOGS/$1.log" >&2
  return 1
}

start_stand_in() {  # name port command...
  local name=$1 port=$2
  shift 2
  if port_open "$port"; then
    echo "• $name already answers on 127.0.0.1:$port"
    return 0
  fi
  "$@" >"$STAND_IN_LOGS/$name.log" 2>&1 &
  local pid=$!
  STAND_IN_PIDS+=("$pid")
  wait_for_port "$name" "$port" "$pid" || return 1
  echo "• started $name on 127.0.0.1:$port (pid $pid)"
}

start_stand_ins() {
  start_stand_in azurite 10000 node node_modules/azurite/dist/src/blob/main.js \
    --blobHost 127.0.0.1 --blobPort 10000 --inMemoryPersistence \
    --skipApiVersionCheck --disableTelemetry --silent || return 1
  start_stand_in cosmosdb-server 8081 node scripts/cosmosdb-server.js --port 8081 || return 1
}

stop_stand_ins() {
  for pid in "${STAND_IN_PIDS[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  STAND_IN_PIDS=()
  rm -rf "$STAND_IN_LOGS"
}

check_servers() {  # PostgreSQL, Redis and RabbitMQ run on the machine; says which do not
  local status=0
  for service in PostgreSQL:5432 Redis:6379 RabbitMQ:5672; do
    if ! port_open "${service#*:}"; then
      echo "✗ ${service%:*} is not running on 127.0.0.1:${service#*:} (see the README for how to start it)" >&2
      status=1
    fi
  done
  return $status
}
