#!/bin/sh
# One-shot namespace creation, run by compose.yaml in the admin-tools image
# once the Temporal server is healthy. Flowline adds its search attributes
# to the namespace itself when it starts.
set -eu

address="${TEMPORAL_ADDRESS:-temporal:7233}"
namespace="${TEMPORAL_NAMESPACE:-default}"
retention="${TEMPORAL_RETENTION:-72h}"
tries="${TEMPORAL_TRIES:-60}"

i=0
until temporal operator cluster health --address "$address" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge "$tries" ]; then
    echo "temporal at $address is not healthy after $tries tries" >&2
    exit 1
  fi
  sleep 2
done

if temporal operator namespace describe --address "$address" -n "$namespace" >/dev/null 2>&1; then
  echo "namespace $namespace exists"
  exit 0
fi
temporal operator namespace create --address "$address" -n "$namespace" --retention "$retention"
echo "namespace $namespace created"
