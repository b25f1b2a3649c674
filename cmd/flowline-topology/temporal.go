package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"text/template"
	"time"

	"github.com/flowline/flowline/internal/freeport"
)

// services are Temporal's four services, in the order they start: history
// first, so the others find it in the membership ring.
var services = []string{"history", "matching", "frontend", "worker"}

// poolSizes are each service's connections to the history store and to
// visibility. With the flowline processes' 3 × 10 they stay well under
// PostgreSQL's default max_connections of 100.
var poolSizes = map[string][2]int{
	"history": {12, 2}, "matching": {6, 2}, "frontend": {5, 3}, "worker": {3, 2},
}

// cluster is a Temporal cluster of separate service processes.
type cluster struct {
	bin      string
	dir      string
	ps       *procs
	ports    map[string][3]int // service → gRPC, membership, HTTP (frontend)
	services map[string]*proc
	restarts int
}

// frontend is the frontend's gRPC address.
func (c *cluster) frontend() string {
	return fmt.Sprintf("127.0.0.1:%d", c.ports["frontend"][0])
}

// frontendHTTP is the base URL of the frontend's HTTP API.
func (c *cluster) frontendHTTP() string {
	return fmt.Sprintf("http://127.0.0.1:%d", c.ports["frontend"][2])
}

// lowPorts finds n free ports below 32768: Temporal keeps membership ports
// in a SMALLINT column, and the kernel's ephemeral ports lie above it.
func lowPorts(n int) ([]int, error) {
	return freeport.Ports("127.0.0.1", n)
}

// setupSchemas applies Temporal's PostgreSQL schemas with its SQL tool, as
// an operator would: create the database, set up the version table, then
// apply every versioned change.
func setupSchemas(ctx context.Context, tool, schemaDir string, pg *postgres, mainDB, visDB string) error {
	for db, dir := range map[string]string{mainDB: "temporal", visDB: "visibility"} {
		pg.remember(db)
		base := []string{"--plugin", "postgres12", "--ep", pg.host, "-p", pg.port, "-u", pg.user, "--db", db}
		if pg.password != "" {
			base = append(base, "--pw", pg.password)
		}
		for _, args := range [][]string{
			{"create"},
			{"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", filepath.Join(schemaDir, dir, "versioned")},
		} {
			cmd := exec.CommandContext(ctx, tool, append(append([]string{}, base...), args...)...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("temporal-sql-tool %s on %s: %w\n%s", args[0], db, err, out)
			}
		}
	}
	return nil
}

var configTemplate = template.Must(template.New("config").Parse(`log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: {{.MainDB}}
        connectAddr: "{{.Addr}}"
        connectProtocol: tcp
        user: "{{.User}}"
        password: "{{.Password}}"
        maxConns: {{.MainConns}}
        maxIdleConns: {{.MainConns}}
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: {{.VisDB}}
        connectAddr: "{{.Addr}}"
        connectProtocol: tcp
        user: "{{.User}}"
        password: "{{.Password}}"
        maxConns: {{.VisConns}}
        maxIdleConns: {{.VisConns}}
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
{{- range $name, $p := .Ports}}
  {{$name}}:
    rpc:
      grpcPort: {{index $p 0}}
      membershipPort: {{index $p 1}}
      bindOnLocalHost: true
{{- if index $p 2}}
      httpPort: {{index $p 2}}
{{- end}}
{{- end}}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:{{index (index .Ports "frontend") 0}}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "{{.DynamicConfig}}"
  pollInterval: 10s
`))

// dynamicConfig is the cluster's dynamic config, empty as in
// docker/dynamicconfig/production.yaml: Flowline waits for the search
// attributes it adds to take effect, so the test-only
// system.forceSearchAttributesCacheRefreshOnRead is not set.
const dynamicConfig = "{}\n"

// newCluster writes one config file per service (they differ only in pool
// sizes) for the databases given.
func newCluster(dir, bin string, ps *procs, pg *postgres, mainDB, visDB string) (*cluster, error) {
	ports, err := lowPorts(9)
	if err != nil {
		return nil, err
	}
	c := &cluster{bin: bin, dir: dir, ps: ps, services: map[string]*proc{}, ports: map[string][3]int{
		"history":  {ports[0], ports[1], 0},
		"matching": {ports[2], ports[3], 0},
		"frontend": {ports[4], ports[5], ports[6]},
		"worker":   {ports[7], ports[8], 0},
	}}
	dc := filepath.Join(dir, "dynamicconfig.yaml")
	if err := os.WriteFile(dc, []byte(dynamicConfig), 0o600); err != nil {
		return nil, fmt.Errorf("writing dynamic config: %w", err)
	}
	for _, svc := range services {
		var buf bytes.Buffer
		err := configTemplate.Execute(&buf, map[string]any{
			"MainDB": mainDB, "VisDB": visDB, "Addr": net.JoinHostPort(pg.host, pg.port),
			"User": pg.user, "Password": pg.password, "Ports": c.ports, "DynamicConfig": dc,
			"MainConns": poolSizes[svc][0], "VisConns": poolSizes[svc][1],
		})
		if err != nil {
			return nil, fmt.Errorf("rendering temporal config: %w", err)
		}
		if err := os.WriteFile(c.configFile(svc), buf.Bytes(), 0o600); err != nil {
			return nil, fmt.Errorf("writing temporal config: %w", err)
		}
	}
	return c, nil
}

func (c *cluster) configFile(svc string) string {
	return filepath.Join(c.dir, "temporal-"+svc+".yaml")
}

// start starts one service and waits until its gRPC port accepts
// connections.
func (c *cluster) start(ctx context.Context, svc string) error {
	name := "temporal-" + svc
	if c.services[svc] != nil {
		c.restarts++
		name += "-restart" + strconv.Itoa(c.restarts)
	}
	p, err := c.ps.start(name, c.bin, []string{"--config-file", c.configFile(svc), "--allow-no-auth", "start", "--service", svc}, nil)
	if err != nil {
		return err
	}
	c.services[svc] = p
	addr := fmt.Sprintf("127.0.0.1:%d", c.ports[svc][0])
	return waitFor(ctx, time.Minute, name+" listening on "+addr, p, func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		_ = conn.Close()
		return true
	})
}

// registerNamespace registers ns over the frontend's HTTP API, retrying
// while the cluster comes up, and waits until it can be described.
func (c *cluster) registerNamespace(ctx context.Context, ns string) error {
	body := fmt.Sprintf(`{"namespace": %q, "workflowExecutionRetentionPeriod": "86400s"}`, ns)
	var last string
	err := waitFor(ctx, time.Minute, "namespace "+ns+" registered", c.services["frontend"], func() bool {
		resp, err := http.Post(c.frontendHTTP()+"/api/v1/namespaces", "application/json", bytes.NewBufferString(body))
		if err != nil {
			last = err.Error()
			return false
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		last = fmt.Sprintf("%d %s", resp.StatusCode, out)
		return resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusConflict
	})
	if err != nil {
		return fmt.Errorf("%w (last answer: %s)", err, last)
	}
	return waitFor(ctx, time.Minute, "namespace "+ns+" described", c.services["frontend"], func() bool {
		resp, err := http.Get(c.frontendHTTP() + "/api/v1/namespaces/" + ns)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// waitFor polls ok until it holds, p exits (a failure), or timeout passes.
func waitFor(ctx context.Context, timeout time.Duration, what string, p *proc, ok func() bool) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		if p != nil && p.exited() {
			return fmt.Errorf("waiting for %s: %s exited:\n%s", what, p.name, p.tail(30))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not after %s", what, timeout)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}
