package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
)

// startNodeRED starts the Node-RED baseline from dir (bench/nodered, after
// `npm ci` there): node runs Node-RED itself, not through npx, so that the
// process measured is Node-RED's. Its flows.json is copied into a fresh user
// dir; the flow posts to receiverURL.
func startNodeRED(ctx context.Context, dir, receiverURL string) (*server, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("locating %s: %w", dir, err)
	}
	red := filepath.Join(dir, "node_modules", "node-red", "red.js")
	if _, err := os.Stat(red); err != nil {
		return nil, fmt.Errorf("node-red is not installed (run `npm ci` in %s): %w", dir, err)
	}
	flows, err := os.ReadFile(filepath.Join(dir, "flows.json"))
	if err != nil {
		return nil, fmt.Errorf("reading the node-red flows: %w", err)
	}
	userDir, err := os.MkdirTemp("", "flowline-bench-nodered-")
	if err != nil {
		return nil, fmt.Errorf("creating node-red user dir: %w", err)
	}
	if err := os.WriteFile(filepath.Join(userDir, "flows.json"), flows, 0o600); err != nil {
		return nil, fmt.Errorf("writing the node-red flows: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.CommandContext(ctx, "node", red, "--settings", filepath.Join(dir, "settings.js"),
		"--userDir", userDir, "--port", port, "flows.json")
	cmd.Env = append(os.Environ(), "RECEIVER_URL="+receiverURL+"/deliver")
	return startProcess(cmd, "http://"+addr, userDir)
}
