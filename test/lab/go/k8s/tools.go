//go:build tools

// Package tools pins the commands the lab builds, all in this one module so that they share compiled packages.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
	_ "k8s.io/kube-state-metrics/v2"
	_ "sigs.k8s.io/metrics-server/cmd/metrics-server"
)
