#!/usr/bin/env bash
# Runs the whole of smsdesk locally: the Firestore and Pub/Sub emulators, every function on one
# port (with the example configuration loaded) and the carrier simulator. Ctrl-C stops it all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SMSDESK_ROOT"
require_tools

PORT="${SMSDESK_PORT:-8080}"
SIM_PORT="${SMSDESK_SIM_PORT:-8090}"
CONFIG="${SMSDESK_CONFIG:-config.example.json}"
PROJECT="${SMSDESK_PROJECT:-smsdesk-local}"
export SMSDESK_FIRESTORE_PORT="${SMSDESK_FIRESTORE_PORT:-8681}"
export SMSDESK_PUBSUB_PORT="${SMSDESK_PUBSUB_PORT:-8682}"
# Local credentials shared by the functions and the simulator (the simulator checks them).
export TWILIO_ACCOUNT_SID="${TWILIO_ACCOUNT_SID:-ACdededededededededededededededede}"
export TWILIO_AUTH_TOKEN="${TWILIO_AUTH_TOKEN:-devauthtoken0000}"
export TWILIO_API_URL="http://127.0.0.1:$SIM_PORT"

echo "building..."
mkdir -p bin .dev
go build -o bin/ ./scripts/devserver ./scripts/carriersim/cmd/carriersim

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_emulators
}
trap cleanup EXIT INT TERM
start_emulators .dev/logs

bin/carriersim serve -listen "127.0.0.1:$SIM_PORT" -webhook "http://127.0.0.1:$PORT/inbound" -fallback "http://127.0.0.1:$PORT/inboundfallback" -voice "http://127.0.0.1:$PORT/voice" >.dev/logs/carriersim.log 2>&1 &
pids+=("$!")
bin/devserver -port "$PORT" -project "$PROJECT" -config "$CONFIG" >.dev/logs/functions.log 2>&1 &
pids+=("$!")
wait_http "http://127.0.0.1:$SIM_PORT/sim/messages" 30
for _ in $(seq 1 120); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/agent/me" && break
  sleep 0.25
done

cat <<EOT

smsdesk is running locally (logs in .dev/logs/).
  functions        http://127.0.0.1:$PORT/{inbound,inboundfallback,status,agent,console,admin,outbound,expiry,sweeper,conversation,sender,bulk,crmsync}
  carrier          http://127.0.0.1:$SIM_PORT  (Twilio's Messages API and webhooks, simulated)

Open the agents' console and sign in as Ana (agent id ana, password ana-dev-password;
Luis: luis / luis-dev-password), set your status to available, then text in:
  console          http://127.0.0.1:$PORT/console/

Text in as a consumer, and watch what their phone receives (in another terminal):
  bin/carriersim text -sim http://127.0.0.1:$SIM_PORT -from +15551230001 -to +18005550100 "Hi, my order is late"
  bin/carriersim inbox -sim http://127.0.0.1:$SIM_PORT -to +15551230001 -follow

Or answer through the agent API as Ana (token ana-dev-token; see config.example.json):
  curl -s -X PUT  -H 'Authorization: Bearer ana-dev-token' -d '{"status":"available"}' http://127.0.0.1:$PORT/agent/status
  curl -s         -H 'Authorization: Bearer ana-dev-token' http://127.0.0.1:$PORT/agent/chats
  curl -s -X POST -H 'Authorization: Bearer ana-dev-token' -d '{"body":"Hi, Ana here!"}' http://127.0.0.1:$PORT/agent/chats/CHAT_ID/messages
  curl -s -X POST -H 'Authorization: Bearer ana-dev-token' http://127.0.0.1:$PORT/agent/chats/CHAT_ID/end

Text the consumer first, as the business's systems would (API key shop-dev-key):
  curl -s -X POST -H 'Authorization: Bearer shop-dev-key' -H 'Idempotency-Key: demo-1' \\
    -d '{"from":"+18005550100","to":"+15551230001","template":"order_shipped","variables":{"order":"A-17"},"consent":{"source":"checkout form"}}' \\
    http://127.0.0.1:$PORT/outbound/messages

Administer as Max (role admin, token max-dev-token):
  curl -s -H 'Authorization: Bearer max-dev-token' http://127.0.0.1:$PORT/admin/config
  curl -s -X PUT -H 'Authorization: Bearer max-dev-token' -d '{"defaultCapacity":4}' http://127.0.0.1:$PORT/admin/settings

Load a changed configuration file into this running stack (project $PROJECT; numbers and
queues take effect within 10 s, agents keep their live status):
  FIRESTORE_EMULATOR_HOST=$FIRESTORE_EMULATOR_HOST go run ./scripts/loadconfig -project $PROJECT -config my-config.json

See the ended chat in the built-in CRM (contact, events, transcript):
  curl -s -H 'Authorization: Bearer ana-dev-token' 'http://127.0.0.1:$PORT/agent/contacts?phone=%2B15551230001'
  curl -s -H 'Authorization: Bearer ana-dev-token' http://127.0.0.1:$PORT/agent/contacts/CONTACT_ID

Ctrl-C stops everything.
EOT
wait "${pids[@]}"
