//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/flowline/flowline/internal/freeport"
)

// freeAddr returns a loopback address whose port was free a moment ago
// (see freeport.Ports).
func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := freeport.Addr("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return addr
}

// TestStartErrorsAreOneLine: a start-up error ends the process with exit
// 1 and one line on stderr naming the setting at fault (before, every one
// of them ended in a nil-pointer panic in Shutdown that hid the cause).
func TestStartErrorsAreOneLine(t *testing.T) {
	// An address another process listens on. The embedded Temporal
	// frontend and UI used to end the process from inside their libraries
	// (the UI with a JSON log line), naming no setting.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	busy := taken.Addr().String()
	for name, c := range map[string]struct {
		args  func(dir string) []string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		"short configured key": {
			args: func(string) []string { return []string{"--secret-key", "c2hvcnQ="} },
			want: []string{"FLOWLINE_SECRET_KEY (--secret-key) is invalid", "decodes to 5 bytes, want 32"},
		},
		"corrupt key file": {
			setup: func(t *testing.T, dir string) {
				if err := os.WriteFile(filepath.Join(dir, "secret.key"), []byte("garbage!\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"secret key file " + "{dir}/secret.key is invalid", "not valid base64"},
		},
		"unsupported database": {
			args: func(string) []string { return []string{"--database-url", "mysql://x"} },
			want: []string{"FLOWLINE_DATABASE_URL, --database-url", `unsupported database URL scheme "mysql"`},
		},
		"data dir in use": {
			setup: func(t *testing.T, dir string) {
				f, err := os.OpenFile(filepath.Join(dir, "flowline.lock"), os.O_RDWR|os.O_CREATE, 0o600)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = f.Close() })
				if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
					t.Fatal(err)
				}
				if _, err := f.WriteString("4242\n"); err != nil {
					t.Fatal(err)
				}
			},
			want: []string{"in use by another flowline process (pid 4242)", "{dir} (FLOWLINE_DATA_DIR, --data-dir)", "{dir}/flowline.lock"},
		},
		"API address taken": {
			args: func(string) []string { return []string{"--http-addr", busy} },
			want: []string{"FLOWLINE_HTTP_ADDR (--http-addr) " + busy + " cannot be listened on", "address already in use"},
		},
		"Temporal frontend address taken": {
			args: func(string) []string { return []string{"--temporal-dev-addr", busy} },
			want: []string{"FLOWLINE_TEMPORAL_DEV_ADDR (--temporal-dev-addr) " + busy + " cannot be listened on", "address already in use"},
		},
		"Temporal UI address taken": {
			args: func(string) []string { return []string{"--temporal-ui-addr", busy} },
			want: []string{"FLOWLINE_TEMPORAL_UI_ADDR (--temporal-ui-addr) " + busy + " cannot be listened on", "address already in use"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if c.setup != nil {
				c.setup(t, dir)
			}
			args := []string{"serve", "--data-dir", dir, "--http-addr", "127.0.0.1:0",
				"--temporal-dev-addr", freeAddr(t), "--temporal-ui-addr", "off"}
			if c.args != nil {
				args = append(args, c.args(dir)...)
			}
			var out, errOut bytes.Buffer
			code := run(args, &out, &errOut)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, errOut.String())
			}
			lines := strings.Split(strings.TrimRight(errOut.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "flowline: cannot start: ") {
				t.Fatalf("stderr is not one line starting with the cause:\n%s", errOut.String())
			}
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "{dir}", dir); !strings.Contains(lines[0], w) {
					t.Errorf("stderr lacks %q:\n%s", w, lines[0])
				}
			}
		})
	}
}
