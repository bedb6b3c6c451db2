#!/usr/bin/env bash
# Regenerates go.mod, go.sum and tools.go of the wrapper module that builds a real kube-apiserver and etcd from
# Go modules. Run once per Kubernetes version bump and commit the result: bash gen-gomod.sh v1.32.13
# `go install k8s.io/kubernetes/cmd/kube-apiserver@V` fails on kubernetes' staging `replace` lines; this module
# requires k8s.io/kubernetes and replaces every k8s.io/* v0.0.0 staging requirement with its published v0.MINOR.
set -euo pipefail
cd "$(dirname "$0")"
V=${1:?k8s version like v1.32.13}
MINOR=${V#v1.}
export GOTOOLCHAIN=local GOFLAGS=-mod=mod
MODFILE=$(go mod download -json "k8s.io/kubernetes@$V" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
{
  printf 'module ferry.local/k8s-testenv\n\ngo 1.23.0\n\ngodebug default=go1.23\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' "$V"
  grep -E '^\s+k8s.io/\S+ v0.0.0$' "$MODFILE" | awk -v m="v0.$MINOR" '{printf "\t%s => %s %s\n", $1, $1, m}'
  printf ')\n'
} > go.mod
cat > tools.go <<'GO'
//go:build tools

// Package tools pins the two binaries the Kubernetes test environment builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
GO
go mod tidy
