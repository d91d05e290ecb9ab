#!/usr/bin/env bash
# Renders artifacts/krew/ml.yaml.tmpl into a krew manifest on stdout:
#
#   hack/render-krew-manifest.sh RELEASE_DIR VERSION BASE_URL
#
# RELEASE_DIR holds kubectl-ml_<os>_<arch>.tar.gz archives (made by
# hack/release-plugin.sh); every platform of the template must have one.
# VERSION replaces {{VERSION}}, BASE_URL {{BASE_URL}}, and each
# {{SHA256 <os>_<arch>}} becomes the sha256 of that archive.
set -o errexit
set -o nounset
set -o pipefail

if (($# != 3)); then
  echo "usage: $0 RELEASE_DIR VERSION BASE_URL" >&2
  exit 2
fi
release_dir=$1 version=$2 base_url=$3
template=${TEMPLATE:-$(dirname "${BASH_SOURCE[0]}")/../artifacts/krew/ml.yaml.tmpl}

while IFS= read -r line; do
  if [[ ${line} =~ \{\{SHA256\ ([a-z0-9]+_[a-z0-9]+)\}\} ]]; then
    archive="${release_dir}/kubectl-ml_${BASH_REMATCH[1]}.tar.gz"
    if [[ ! -f ${archive} ]]; then
      echo "no archive ${archive} for the manifest" >&2
      exit 1
    fi
    sum=$(sha256sum "${archive}" | cut -d' ' -f1)
    line=${line//"${BASH_REMATCH[0]}"/${sum}}
  fi
  line=${line//\{\{VERSION\}\}/${version}}
  line=${line//\{\{BASE_URL\}\}/${base_url}}
  printf '%s\n' "${line}"
done <"${template}"
