#!/usr/bin/env bash
# Registers (or updates) the three JDBC sink connectors on a Connect worker: PUT
# /connectors/<name>/config creates a connector or replaces its config, so running this again
# changes nothing. The connector files are the ones in this folder; the environment may change
# what differs per site:
#   CONNECT_URL                 the worker's REST API (default http://connect:8083)
#   JDBC_URL, JDBC_USER         connection.url, connection.username
#   REGISTRY_URL                the Apicurio v3 API the converter reads (…/apis/registry/v3)
#   DLQ_REPLICATION_FACTOR      of dead-letter-connect when the worker creates it (1 on one broker)
# Needs bash, sed and curl only (Compose runs it in the Connect image): the files keep one
# "key": "value" per line, which is what lets sed read and set them. A value may not contain '|'.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
connect="${CONNECT_URL:-http://connect:8083}"

for f in training-log agent-performance weight-snapshots; do
  file="$here/$f.json"
  name="$(sed -n 's/^  "name": "\(.*\)",$/\1/p' "$file")"
  # the file's "config" object
  config="$(sed -n '/^  "config": {$/,/^  }$/p' "$file" | sed -e '1s/.*/{/' -e '$s/.*/}/')"
  # set KEY VALUE: replaces the key's value, or adds the key when the file has none
  set_key() {
    [ -n "$2" ] || return 0
    if printf '%s\n' "$config" | grep -q "^    \"$1\": "; then
      config="$(printf '%s\n' "$config" | sed "s|^\(    \"$1\": \)\"[^\"]*\"|\1\"$2\"|")"
    else
      config="$(printf '%s\n' "$config" | sed "1a\\    \"$1\": \"$2\",")"
    fi
  }
  set_key connection.url "${JDBC_URL:-}"
  set_key connection.username "${JDBC_USER:-}"
  set_key value.converter.apicurio.registry.url "${REGISTRY_URL:-}"
  set_key errors.deadletterqueue.topic.replication.factor "${DLQ_REPLICATION_FACTOR:-}"
  status="$(curl -sS -o /tmp/register.out -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
    --data "$config" "$connect/connectors/$name/config")"
  case "$status" in
    200|201) echo "$name: registered ($status)";;
    *) echo "$name: the worker answered $status: $(cat /tmp/register.out)" >&2; exit 1;;
  esac
done
