package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/flowline/flowline/internal/secrets"
)

const testSecret = "s3cr3t-token-do-not-leak"

// credEnv is an API with a Sealer; every response it answers is checked
// for the secret.
func credEnv(t *testing.T, changes ...func(*Options)) (*env, *secrets.Sealer) {
	t.Helper()
	key := make([]byte, secrets.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	t.Cleanup(func() {
		if strings.Contains(logs.String(), testSecret) {
			t.Errorf("the logs hold the secret:\n%s", logs.String())
		}
	})
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return newEnv(t, func(o *Options) {
		o.Sealer = sealer
		o.Logger = logger
		for _, change := range changes {
			change(o)
		}
	}), sealer
}

// noSecret fails when the response body or headers carry the secret.
func noSecret(t *testing.T, r response) response {
	t.Helper()
	if strings.Contains(r.Body.String(), testSecret) {
		t.Errorf("response body holds the secret: %s", r.Body.String())
	}
	for k, vs := range r.Header() {
		for _, v := range vs {
			if strings.Contains(v, testSecret) {
				t.Errorf("response header %s holds the secret", k)
			}
		}
	}
	return r
}

func TestCredentialsLifecycle(t *testing.T) {
	e, sealer := credEnv(t)
	var created CredentialInfo
	r := noSecret(t, e.do("POST", "/api/v1/credentials", map[string]string{"name": "chat-token", "secret": testSecret})).want(t, http.StatusCreated)
	r.decode(t, &created)
	if created.ID == "" || created.Name != "chat-token" || time.Since(created.CreatedAt) > time.Minute {
		t.Fatalf("created = %+v", created)
	}
	if loc := r.Header().Get("Location"); loc != "/api/v1/credentials/"+created.ID {
		t.Errorf("Location = %q", loc)
	}
	var fields map[string]any
	r.decode(t, &fields)
	if len(fields) != 6 || fields["secret_set"] != true || fields["updated_at"] == nil || fields["used_by"] == nil {
		t.Errorf("create answered fields %v, want id, name, created_at, updated_at, secret_set, used_by", fields)
	}

	// At rest the secret is sealed, and opens to the original.
	row, err := e.store.GetCredential(context.Background(), created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(row.Sealed, []byte(testSecret)) {
		t.Error("the stored row holds the secret in plaintext")
	}
	if plain, err := sealer.Open(row.Sealed); err != nil || string(plain) != testSecret {
		t.Errorf("opening the stored secret = %q, %v", plain, err)
	}

	var list struct {
		Credentials []CredentialInfo `json:"credentials"`
	}
	noSecret(t, e.do("GET", "/api/v1/credentials", nil)).want(t, http.StatusOK).decode(t, &list)
	if len(list.Credentials) != 1 || list.Credentials[0].ID != created.ID {
		t.Errorf("list = %+v", list)
	}
	for _, ref := range []string{created.ID, "chat-token"} {
		var got CredentialInfo
		noSecret(t, e.do("GET", "/api/v1/credentials/"+ref, nil)).want(t, http.StatusOK).decode(t, &got)
		if got.ID != created.ID || got.Name != "chat-token" {
			t.Errorf("GET %s = %+v", ref, got)
		}
	}

	noSecret(t, e.do("DELETE", "/api/v1/credentials/"+created.ID, nil)).want(t, http.StatusNoContent)
	e.do("GET", "/api/v1/credentials/"+created.ID, nil).want(t, http.StatusNotFound).problem(t)
	e.do("DELETE", "/api/v1/credentials/"+created.ID, nil).want(t, http.StatusNotFound).problem(t)
	noSecret(t, e.do("GET", "/api/v1/credentials", nil)).want(t, http.StatusOK).decode(t, &list)
	if len(list.Credentials) != 0 {
		t.Errorf("after delete list = %+v", list)
	}

	// Deleting by name works too.
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "other", "secret": testSecret}).want(t, http.StatusCreated)
	e.do("DELETE", "/api/v1/credentials/other", nil).want(t, http.StatusNoContent)
}

func TestCredentialDuplicateName(t *testing.T) {
	e, _ := credEnv(t)
	body := map[string]string{"name": "chat-token", "secret": testSecret}
	e.do("POST", "/api/v1/credentials", body).want(t, http.StatusCreated)
	p := noSecret(t, e.do("POST", "/api/v1/credentials", body)).want(t, http.StatusConflict).problem(t)
	if p.Detail != `creating credential "chat-token": name already in use` {
		t.Errorf("detail %q: one clause per fact", p.Detail)
	}
}

func TestCredentialInvalid(t *testing.T) {
	e, _ := credEnv(t)
	long := strings.Repeat("n", 201)
	for _, tc := range []struct {
		name, body, pointer string
		status              int
	}{
		{"missing secret", `{"name": "a"}`, "/secret", 422},
		{"empty secret", `{"name": "a", "secret": ""}`, "/secret", 422},
		{"secret not a string", `{"name": "a", "secret": 5}`, "/secret", 422},
		{"missing name", `{"secret": "` + testSecret + `"}`, "/name", 422},
		{"long name", `{"name": "` + long + `", "secret": "` + testSecret + `"}`, "/name", 422},
		{"unknown field", `{"name": "a", "secret": "` + testSecret + `", "kind": "x"}`, "/kind", 422},
		{"not an object", `["` + testSecret + `"]`, "", 422},
		{"malformed", `{"name": "a", "secret": "` + testSecret + `"`, "", 400},
		{"empty", ``, "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := noSecret(t, e.do("POST", "/api/v1/credentials", tc.body)).want(t, tc.status).problem(t)
			if tc.status == 422 {
				found := false
				for _, pr := range p.Errors {
					found = found || pr.Pointer == tc.pointer
				}
				if !found {
					t.Errorf("problems %+v lack pointer %q", p.Errors, tc.pointer)
				}
			}
		})
	}
	e.do("POST", "/api/v1/credentials", map[string]string{"name": strings.Repeat("e", 200), "secret": "x"}).want(t, http.StatusCreated)
}

// TestCredentialNamesAreURLSafe: a name is used in URLs as it stands, so
// one that is not URL-safe is refused with a message saying what is.
func TestCredentialNamesAreURLSafe(t *testing.T) {
	e, _ := credEnv(t)
	for _, name := range []string{"a/b", "..", "a..b", "../etc", "chat token", "-x", ".x", "café", "a?b", "a%2Fb"} {
		p := e.do("POST", "/api/v1/credentials", map[string]string{"name": name, "secret": "x"}).want(t, http.StatusUnprocessableEntity).problem(t)
		if len(p.Errors) != 1 || p.Errors[0].Pointer != "/name" || p.Errors[0].Message != credentialNameMessage {
			t.Errorf("name %q: %+v", name, p.Errors)
		}
	}
	for _, name := range []string{"chat-token", "A.b_c-9", "x"} {
		e.do("POST", "/api/v1/credentials", map[string]string{"name": name, "secret": "x"}).want(t, http.StatusCreated)
		e.do("GET", "/api/v1/credentials/"+name, nil).want(t, http.StatusOK)
	}
}

func TestCredentialsWithoutSealer(t *testing.T) {
	e := newEnv(t, nil)
	e.do("POST", "/api/v1/credentials", map[string]string{"name": "a", "secret": testSecret}).want(t, http.StatusServiceUnavailable).problem(t)
	e.do("GET", "/api/v1/credentials", nil).want(t, http.StatusServiceUnavailable).problem(t)
	e.do("GET", "/api/v1/credentials/a", nil).want(t, http.StatusServiceUnavailable).problem(t)
	e.do("DELETE", "/api/v1/credentials/a", nil).want(t, http.StatusServiceUnavailable).problem(t)
}

func TestCredentialsNeedToken(t *testing.T) {
	key := make([]byte, secrets.KeySize)
	sealer, _ := secrets.NewSealer(key)
	e := newEnv(t, func(o *Options) { o.Sealer = sealer; o.APIToken = "tok" })
	e.token = ""
	e.do("GET", "/api/v1/credentials", nil).want(t, http.StatusUnauthorized)
}
