#!/usr/bin/env bash
# Registers (or updates) the three JDBC sink connectors on a Connect worker: PUT
# /connectors/<name>/config creates a connector or replaces its config, so running this again
# changes nothing. The connector files are the ones in this folder; the environment may change
# what differs per site:
#   CONNECT_URL                 the worker's REST API (default http://connect:8083)
#   JDBC_URL, JDBC_USER         connection.url, connection.username
#   REGISTRY_V2_URL             the Apicurio v2 API the converter reads (…/apis/registry/v2)
#   DLQ_REPLICATION_FACTOR      of dead-letter-connect when the worker creates it (1 on one broker)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
connect="${CONNECT_URL:-http://connect:8083}"

for f in training-log agent-performance weight-snapshots; do
  name="$(jq -r .name "$here/$f.json")"
  config="$(jq '.config
    | if env.JDBC_URL then .["connection.url"] = env.JDBC_URL else . end
    | if env.JDBC_USER then .["connection.username"] = env.JDBC_USER else . end
    | if env.REGISTRY_V2_URL then .["value.converter.apicurio.registry.url"] = env.REGISTRY_V2_URL else . end
    | if env.DLQ_REPLICATION_FACTOR then .["errors.deadletterqueue.topic.replication.factor"] = env.DLQ_REPLICATION_FACTOR else . end' \
    "$here/$f.json")"
  status="$(curl -sS -o /tmp/register.out -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "$config" "$connect/connectors/$name/config")"
  case "$status" in
    200|201) echo "$name: registered ($status)";;
    *) echo "$name: the worker answered $status: $(cat /tmp/register.out)" >&2; exit 1;;
  esac
done
