#!/usr/bin/env bash
# Try the whole stack on this machine, against the moto AWS emulator (nothing reaches AWS; no Docker needed).
#   scripts/deploy_local.sh          start moto in the background, synth, terraform init + apply, print the outputs
#   scripts/deploy_local.sh destroy  terraform destroy what it deployed, then stop moto
# The emulator is reached through environment variables only; the synthesized JSON never names it.
# See docs/deploy-local.md.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py="$root/.venv/bin/python"
tools="$root/.tools"
pid_file="$tools/moto.pid"
port_file="$tools/moto.port"
log_file="$tools/moto.log"
stacks_file="$tools/emulator-stacks"   # stacks whose state belongs to the emulator (safe to delete)
config_file="$tools/emulator.toml"     # the settings used when AURORA_WEB_CONFIG is unset

die() { echo "deploy_local: $*" >&2; exit 1; }

[ -x "$py" ] || die "no $py; run 'make setup' first"
command -v terraform >/dev/null || die "terraform is not on PATH"
mkdir -p "$tools"
# Offline provider installation (scripts/terraform_cli_config.sh), unless the caller names an existing CLI config.
if [ ! -f "${TF_CLI_CONFIG_FILE:-}" ] && [ -f "$tools/terraformrc" ]; then export TF_CLI_CONFIG_FILE="$tools/terraformrc"; fi
export CHECKPOINT_DISABLE=1

# No real credential, profile or endpoint of the caller may reach Terraform.
for name in $(compgen -e | grep '^AWS_' || true); do unset "$name"; done

emulator_up() {
  [ -f "$pid_file" ] && [ -f "$port_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null \
    && curl -fs -o /dev/null "http://127.0.0.1:$(cat "$port_file")/moto-api/"
}

start_emulator() {
  if emulator_up; then
    echo "deploy_local: moto already running on port $(cat "$port_file") (pid $(cat "$pid_file"))"
    return
  fi
  local port
  port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # moto loads AWS managed policies only when asked; the stack attaches two of them. The tests' server is moto's own
  # plus what it lacks for this stack (tests/support/moto_server.py): it reads the app artifact bucket's TLS-only
  # policy as S3 does for an HTTPS client (moto ignores policy conditions and would refuse the upload).
  MOTO_IAM_LOAD_MANAGED_POLICIES=true nohup "$py" -m tests.support.moto_server -H 127.0.0.1 -p "$port" \
    >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  echo "$port" >"$port_file"
  for _ in $(seq 1 120); do
    emulator_up && { echo "deploy_local: moto running on 127.0.0.1:$port (pid $(cat "$pid_file"), log $log_file)"; return; }
    kill -0 "$(cat "$pid_file")" 2>/dev/null || { tail -n 20 "$log_file" >&2; die "moto exited while starting"; }
    sleep 0.5
  done
  die "moto not ready after 60s (log: $log_file)"
}

stop_emulator() {
  if [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    local pid
    pid=$(cat "$pid_file")
    kill "$pid"
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    echo "deploy_local: moto stopped"
  fi
  rm -f "$pid_file" "$port_file"
}

use_emulator() {
  local port
  port=$(cat "$port_file")
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
  export AWS_REGION="${LOCAL_REGION:-us-east-1}" AWS_MAX_ATTEMPTS=3
}

synth() {
  if [ -z "${AURORA_WEB_CONFIG:-}" ]; then
    # The default dev stack under its own name (its state never mixes with a real aurora-web deployment),
    # minus what moto cannot do (docs/deploy-local.md).
    printf 'name_prefix = "aurora-web-local"\n\n[web]\ndetailed_monitoring = false\n' >"$config_file"
    export AURORA_WEB_CONFIG="$config_file"
  fi
  "$py" main.py >"$tools/emulator-synth.log"
  cat "$tools/emulator-synth.log" >&2
  sed -n "s/^aurora-web: synthesized stack '\(.*\)' into .*/\1/p" "$tools/emulator-synth.log"
}

deploy() {
  start_emulator
  use_emulator
  local stacks
  stacks=$(synth)
  for stack in $stacks; do
    if [ -e "terraform.$stack.tfstate" ] && ! grep -qx "$stack" "$stacks_file" 2>/dev/null; then
      die "terraform.$stack.tfstate exists and is not an emulator state: refusing to touch it (use another name_prefix)"
    fi
    grep -qx "$stack" "$stacks_file" 2>/dev/null || echo "$stack" >>"$stacks_file"
    echo "deploy_local: applying $stack (about 2 minutes: RDS waits are real even in moto)"
    (cd "cdktf.out/stacks/$stack" && terraform init -input=false >/dev/null && terraform apply -auto-approve -input=false)
  done
  echo "deploy_local: done. Inspect with AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL; tear down: scripts/deploy_local.sh destroy"
}

# What this script's `terraform init` and apply left of an emulator stack: its state at the project root and
# Terraform's working files in the stack directory. Without the latter, the next synth of other settings removes the
# directory quietly instead of keeping it ("kept ...: delete it yourself").
forget() {
  rm -f "terraform.$1.tfstate" "terraform.$1.tfstate.backup"
  rm -rf "cdktf.out/stacks/$1/.terraform" "cdktf.out/stacks/$1/.terraform.lock.hcl"
}

destroy() {
  if [ ! -s "$stacks_file" ]; then
    echo "deploy_local: nothing deployed to the emulator"
  elif ! emulator_up; then
    echo "deploy_local: moto is not running, so its resources are gone already; forgetting their state"
    while read -r stack; do forget "$stack"; done <"$stacks_file"
    rm -f "$stacks_file"
  else
    use_emulator
    while read -r stack; do
      [ -d "cdktf.out/stacks/$stack" ] || die "cdktf.out/stacks/$stack is gone; run the synth again (same AURORA_WEB_CONFIG), then destroy"
      echo "deploy_local: destroying $stack"
      (cd "cdktf.out/stacks/$stack" && terraform init -input=false >/dev/null && terraform destroy -auto-approve -input=false) </dev/null \
        || die "destroying $stack failed (above); a prod-profile stack needs deletion protection off first: docs/deploy-local.md"
      forget "$stack"
    done <"$stacks_file"
    rm -f "$stacks_file"
  fi
  stop_emulator
}

case "${1:-deploy}" in
  deploy) deploy ;;
  destroy) destroy ;;
  *) die "usage: scripts/deploy_local.sh [deploy|destroy]" ;;
esac
