#!/usr/bin/env bash
# Builds the release archives of the kubectl ml plugin and renders its krew
# manifest:
#
#   RELEASE_DIR/kubectl-ml_<os>_<arch>.tar.gz   one per platform of PLATFORMS
#   RELEASE_DIR/sha256sums.txt                  sha256sum -c compatible
#   RELEASE_DIR/ml.yaml                         the krew manifest, also copied
#                                               to artifacts/krew/ml.yaml
#
# The binaries are stamped with VERSION (default: git describe) through
# component-base's and client-go's version variables, which
# `kubectl ml version` prints. Builds are reproducible (-trimpath, no VCS
# stamp, build date and archive times from the commit), so the same commit
# and VERSION give the same sha256 sums.
set -o errexit
set -o nounset
set -o pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source hack/lib/version.sh
GO=${GO:-go}
RELEASE_DIR=${RELEASE_DIR:-_output/release}
VERSION=${VERSION:-$(version::default)}
PLATFORMS=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}
BASE_URL=${BASE_URL:-https://ml.example.io/ml-apiserver/releases/${VERSION}}

if [[ ! ${VERSION} =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
  echo "VERSION must be a semantic version vMAJOR.MINOR.PATCH[...], got ${VERSION}" >&2
  exit 1
fi
EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
LDFLAGS="-s -w $(version::ldflags "${VERSION}")"

rm -rf "${RELEASE_DIR}"
mkdir -p "${RELEASE_DIR}"
for platform in ${PLATFORMS}; do
  os=${platform%/*}
  arch=${platform#*/}
  exe=kubectl-ml
  [[ ${os} == windows ]] && exe=kubectl-ml.exe
  stage="${RELEASE_DIR}/stage_${os}_${arch}"
  mkdir -p "${stage}"
  CGO_ENABLED=0 GOOS=${os} GOARCH=${arch} "${GO}" build -trimpath -buildvcs=false \
    -ldflags "${LDFLAGS}" -o "${stage}/${exe}" ./cmd/kubectl-ml
  cp docs/kubectl-ml.md "${stage}/README.md"
  tar --sort=name --mtime="@${EPOCH}" --owner=0 --group=0 --numeric-owner \
    -C "${stage}" -cf - "${exe}" README.md | gzip -n -9 >"${RELEASE_DIR}/kubectl-ml_${os}_${arch}.tar.gz"
  rm -rf "${stage}"
  echo "built ${RELEASE_DIR}/kubectl-ml_${os}_${arch}.tar.gz"
done
(cd "${RELEASE_DIR}" && sha256sum kubectl-ml_*.tar.gz >sha256sums.txt)

hack/render-krew-manifest.sh "${RELEASE_DIR}" "${VERSION}" "${BASE_URL}" >"${RELEASE_DIR}/ml.yaml"
cp "${RELEASE_DIR}/ml.yaml" artifacts/krew/ml.yaml
echo "wrote ${RELEASE_DIR}/sha256sums.txt, ${RELEASE_DIR}/ml.yaml and artifacts/krew/ml.yaml"
