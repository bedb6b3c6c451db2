//go:build tools

// Package tools pins the two binaries the Kubernetes test environment builds.
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
