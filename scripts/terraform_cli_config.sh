#!/usr/bin/env bash
# Writes .tools/terraformrc so `terraform init` installs providers from a local filesystem mirror (offline).
# The mirror comes from $TF_PROVIDER_MIRROR; when that is unset, it is looked for on this machine:
# a directory holding registry.terraform.io/hashicorp/aws/<version>/. No machine path is stored in the repo.
set -euo pipefail
cd "$(dirname "$0")/.."
provider_version="${AWS_PROVIDER_VERSION:-5.100.0}"
mirror="${TF_PROVIDER_MIRROR:-}"
if [ -z "$mirror" ]; then
  # Shallow search of the usual roots; the first mirror holding our provider version wins.
  for root in /opt /usr/local/share /usr/share "$HOME" /srv /var/lib; do
    [ -d "$root" ] || continue
    found=$(find "$root" -maxdepth 6 -type d -path "*/registry.terraform.io/hashicorp/aws/$provider_version" 2>/dev/null | head -n 1 || true)
    if [ -n "$found" ]; then
      mirror="${found%/registry.terraform.io/hashicorp/aws/$provider_version}"
      break
    fi
  done
fi
mkdir -p .tools
if [ -z "$mirror" ]; then
  echo "terraform: no local provider mirror found (set TF_PROVIDER_MIRROR); terraform init will use the registry" >&2
  printf '# no local mirror found; registry installation\n' > .tools/terraformrc
  exit 0
fi
if [ ! -d "$mirror/registry.terraform.io/hashicorp/aws/$provider_version" ]; then
  echo "terraform: TF_PROVIDER_MIRROR=$mirror has no registry.terraform.io/hashicorp/aws/$provider_version" >&2
  exit 1
fi
cat > .tools/terraformrc <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
  direct {
    exclude = ["registry.terraform.io/*/*"]
  }
}
RC
echo "terraform: providers from the local mirror $mirror"
