package docker

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

// secrets are the variables compose.yaml requires, set as an operator would.
var secrets = map[string]string{
	"FLOWLINE_SECRET_KEY":  "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
	"POSTGRES_PASSWORD":    "pg-secret",
	"FLOWLINE_DB_PASSWORD": "flowline-secret",
	"FLOWLINE_API_TOKEN":   "api-token",
}

func TestProductionComposeLoads(t *testing.T) {
	p, err := LoadCompose(context.Background(), "compose.yaml", secrets)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
		"flowline-migrate", "flowline-api", "flowline-worker"} {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("service %s: %v", name, err)
		}
	}
	worker, _ := p.GetService("flowline-worker")
	if worker.Deploy == nil || worker.Deploy.Replicas == nil || *worker.Deploy.Replicas != 2 || worker.ContainerName != "" {
		t.Errorf("flowline-worker must default to 2 replicas and have no container_name (so --scale works): %+v", worker.Deploy)
	}
	api, _ := p.GetService("flowline-api")
	if got := api.Environment["FLOWLINE_SECRET_KEY"]; got == nil || *got != secrets["FLOWLINE_SECRET_KEY"] {
		t.Errorf("flowline-api gets FLOWLINE_SECRET_KEY %v", got)
	}
	if got := api.Environment["FLOWLINE_API_TOKEN"]; got == nil || *got != secrets["FLOWLINE_API_TOKEN"] {
		t.Errorf("flowline-api gets FLOWLINE_API_TOKEN %v", got)
	}
	if api.Environment["FLOWLINE_PUBLIC_URL"] == nil || len(api.Ports) != 1 {
		t.Errorf("flowline-api needs FLOWLINE_PUBLIC_URL and a published port: %+v", api.Ports)
	}
	// The api and the workers share the volume holding webhook files.
	if !slices.ContainsFunc(api.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Source == "flowline-files" }) ||
		!slices.ContainsFunc(worker.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Source == "flowline-files" }) {
		t.Errorf("flowline-api and flowline-worker must share the flowline-files volume")
	}
	temporal, _ := p.GetService("temporal")
	if dep, ok := temporal.DependsOn["temporal-schema"]; !ok || dep.Condition != "service_completed_successfully" {
		t.Errorf("temporal must wait for its schema setup: %+v", temporal.DependsOn)
	}
	if !strings.HasSuffix(temporal.Image, ":1.32.2") {
		t.Errorf("temporal image %s is not the server version Flowline embeds (1.32.2)", temporal.Image)
	}
}

func TestProductionComposeRequiresSecrets(t *testing.T) {
	for name := range secrets {
		env := map[string]string{}
		for k, v := range secrets {
			if k != name {
				env[k] = v
			}
		}
		_, err := LoadCompose(context.Background(), "compose.yaml", env)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: %v", name, err)
		}
	}
}

func TestEmbeddedComposeLoads(t *testing.T) {
	p, err := LoadCompose(context.Background(), "compose.embedded.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Services) != 1 || len(p.Volumes) != 1 {
		t.Errorf("want one service and one volume, got %d and %d", len(p.Services), len(p.Volumes))
	}
	// Without a token, the API and the Temporal UI are this host's only.
	s, _ := p.GetService("flowline")
	if len(s.Ports) != 2 {
		t.Fatalf("ports %+v", s.Ports)
	}
	for _, port := range s.Ports {
		if port.HostIP != "127.0.0.1" {
			t.Errorf("port %d is published on %q, want 127.0.0.1", port.Target, port.HostIP)
		}
	}
}

// TestUnguardedExposureIsRejected: the checks refuse a compose file that
// publishes the API beyond loopback without a token, or the Temporal UI
// or frontend beyond loopback at all; loopback or a token passes.
func TestUnguardedExposureIsRejected(t *testing.T) {
	const api = "services:\n  a:\n    image: flowline\n    environment:\n      FLOWLINE_HTTP_ADDR: 0.0.0.0:8080\n      FLOWLINE_TEMPORAL_UI_ADDR: 0.0.0.0:8233\n"
	for name, tc := range map[string]struct {
		body   string
		reject string
	}{
		"api on every interface, no token":    {api + "    ports: [\"8080:8080\"]\n", "port 8080 on every interface: the API without FLOWLINE_API_TOKEN"},
		"api on a public IP, empty token":     {api + "      FLOWLINE_API_TOKEN: ${FLOWLINE_API_TOKEN:-}\n    ports: [\"192.0.2.1:80:8080\"]\n", "port 8080 on 192.0.2.1"},
		"embedded temporal ui on every iface": {api + "      FLOWLINE_API_TOKEN: t\n    ports: [\"8233:8233\"]\n", "port 8233 on every interface: the Temporal UI"},
		"temporal ui service":                 {"services:\n  ui:\n    image: temporalio/ui:2\n    ports: [\"0.0.0.0:8233:8080\"]\n", "service ui publishes port 8080 on 0.0.0.0"},
		"api on loopback, no token":           {api + "    ports: [\"127.0.0.1:8080:8080\", \"127.0.0.1:8233:8233\"]\n", ""},
		"api with a token":                    {api + "      FLOWLINE_API_TOKEN: t\n    ports: [\"8080:8080\"]\n", ""},
		"another service":                     {"services:\n  web:\n    image: nginx\n    ports: [\"80:80\"]\n", ""},
	} {
		path := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCompose(context.Background(), path, nil)
		switch {
		case tc.reject == "" && err != nil:
			t.Errorf("%s: %v", name, err)
		case tc.reject != "" && (err == nil || !strings.Contains(err.Error(), tc.reject)):
			t.Errorf("%s: %v, want an error saying %q", name, err, tc.reject)
		}
	}
}

func TestBrokenComposeIsRejected(t *testing.T) {
	for name, body := range map[string]string{
		"unknown key":             "services:\n  a:\n    image: x\n    restrat: always\n",
		"unknown dependency":      "services:\n  a:\n    image: x\n    depends_on: [b]\n",
		"undeclared volume":       "services:\n  a:\n    image: x\n    volumes: [\"data:/data\"]\n",
		"wrong type":              "services:\n  a:\n    image: x\n    ports: 8080\n",
		"required variable unset": "services:\n  a:\n    image: x\n    environment:\n      K: ${NOPE:?set NOPE}\n",
	} {
		path := filepath.Join(t.TempDir(), "compose.yaml")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadCompose(context.Background(), path, nil); err == nil {
			t.Errorf("%s: loaded without error", name)
		}
	}
}

func TestDockerfileLint(t *testing.T) {
	problems, err := LintDockerfile(context.Background(), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

func TestBrokenDockerfileIsRejected(t *testing.T) {
	for name, body := range map[string]string{
		"unknown instruction": "FROM scratch\nCOPYY a /a\n",
		"lint warning":        "FROM golang:1 as build\nFROM scratch\nCOPY --from=build /a /a\n",
		"shell-form command":  "FROM scratch\nENTRYPOINT /bin/app serve\n",
		"undefined variable":  "FROM scratch\nENV A=$NOT_DEFINED\n",
	} {
		path := filepath.Join(t.TempDir(), "Dockerfile")
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		problems, err := LintDockerfile(context.Background(), path)
		if err == nil && len(problems) == 0 {
			t.Errorf("%s: no problem found", name)
		}
	}
}

func TestShellScripts(t *testing.T) {
	scripts, err := filepath.Glob("scripts/*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts found: %v", err)
	}
	if err := Shellcheck(scripts...); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(t.TempDir(), "bad.sh")
	if err := os.WriteFile(bad, []byte("#!/bin/sh\nrm -rf $1/*\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Shellcheck(bad); err == nil {
		t.Error("shellcheck passed an unquoted expansion")
	}
}
