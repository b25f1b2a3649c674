package oauth2tokens

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/internal/oauth2tokens/oauth2test"
)

// These tests run several Providers on one store, each standing for a
// Flowline process scaled out on the same flow store. The test server
// rotates refresh tokens and refuses a used one, as most providers do.

// process returns another Provider on the fixture's store, sealer and
// clock; client makes its token requests (nil for a plain one).
func (f *fixture) process(client *http.Client) *Provider {
	if client == nil {
		client = httpconn.NewOutboundClient([]string{"127.0.0.1"}, 5*time.Second)
	}
	return New(Options{Store: f.st, Sealer: f.sealer, HTTPClient: client, Now: f.p.now})
}

// holdRefreshes makes the token endpoint hold refresh requests until n of
// them have arrived; the server then handles them one at a time.
func holdRefreshes(t *testing.T, srv *oauth2test.Server, n int) {
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv.OnToken(func(grant string) {
		if grant != "refresh_token" {
			return
		}
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
		case <-t.Context().Done(): // the test ended without them
		}
	})
}

// refreshAnswers are the statuses of the refresh requests answered after
// the first skip answers.
func refreshAnswers(srv *oauth2test.Server, skip int) []int {
	var out []int
	for _, a := range srv.Answers()[skip:] {
		if a.Grant == "refresh_token" {
			out = append(out, a.Status)
		}
	}
	return out
}

// Two processes find the token expired at the same time and both refresh
// with the same refresh token: the endpoint takes the first and refuses
// the second, and the process refused has read the credential again, and
// found it unchanged, before the other has saved the new tokens. Both end
// up with the new access token, and the stored refresh token is the one
// the endpoint issued last.
func TestRefreshByTwoProcessesAtOnce(t *testing.T) {
	f := newFixture(t)
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	f.connect(t, "app")
	connected := f.stored(t, cred.ID).Token
	procs := []*Provider{f.process(nil), f.process(nil)}
	var once sync.Once
	reread := make(chan struct{})
	for _, p := range procs {
		p.unchanged = func(string) { once.Do(func() { close(reread) }) }
		// The refresh that went through saves only once the refused one
		// has found nothing saved yet.
		p.beforeSave = func(string) {
			select {
			case <-reread:
			case <-time.After(10 * time.Second):
				t.Error("the refused refresh never read the credential again")
			}
		}
	}
	holdRefreshes(t, f.srv, 2)
	answered := len(f.srv.Answers())
	f.advance()

	ctx := context.Background()
	cfg := httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"}
	tokens, errs := make([]string, len(procs)), make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { tokens[i], errs[i] = p.AccessToken(ctx, cfg) })
	}
	wg.Wait()
	for i := range procs {
		if errs[i] != nil {
			t.Fatalf("process %d: %v", i, errs[i])
		}
	}
	if tokens[0] != tokens[1] || tokens[0] == connected.AccessToken || !f.srv.Valid(tokens[0]) {
		t.Fatalf("same token in both: %v, a new one: %v, valid: %v", tokens[0] == tokens[1], tokens[0] != connected.AccessToken, f.srv.Valid(tokens[0]))
	}
	got := refreshAnswers(f.srv, answered)
	if len(got) < 2 || got[0] != http.StatusOK || !refused(got[1:]) {
		t.Fatalf("refresh answers %v, want 200 then refusals", got)
	}
	stored := f.stored(t, cred.ID).Token
	if stored.AccessToken != tokens[0] || stored.RefreshToken == connected.RefreshToken ||
		stored.RefreshToken != f.srv.LastRefreshToken() || !f.srv.ValidRefresh(stored.RefreshToken) {
		t.Fatal("the stored tokens are not the ones the endpoint issued last")
	}

	// The credential still works: the next refresh, in either process,
	// goes through.
	f.advance()
	next, err := procs[1].AccessToken(ctx, cfg)
	if err != nil || next == tokens[0] || !f.srv.Valid(next) {
		t.Fatalf("the next refresh: %v (a new valid token: %v)", err, next != tokens[0] && f.srv.Valid(next))
	}
}

// refused reports whether every status is a 4xx.
func refused(statuses []int) bool {
	for _, s := range statuses {
		if s < 400 || s >= 500 {
			return false
		}
	}
	return true
}

type tokenResult struct {
	tok string
	err error
}

// refreshPaused starts a refresh through p and returns once it is about
// to save what the endpoint gave it; calling resume lets it save and
// returns its result.
func refreshPaused(t *testing.T, p *Provider, cfg httpconn.OAuth2Config) (resume func() tokenResult) {
	t.Helper()
	saving, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	p.beforeSave = func(string) {
		once.Do(func() {
			close(saving)
			<-proceed
		})
	}
	done := make(chan tokenResult, 1)
	go func() {
		tok, err := p.AccessToken(context.Background(), cfg)
		done <- tokenResult{tok, err}
	}()
	select {
	case <-saving:
	case r := <-done:
		t.Fatalf("the refresh ended before saving: %v", r.err)
	}
	return func() tokenResult {
		close(proceed)
		return <-done
	}
}

// A refresh whose save finds the credential connected again meanwhile (by
// another process) writes nothing: the newer tokens stay and are the ones
// it answers with.
func TestRefreshSaveKeepsNewerToken(t *testing.T) {
	f := newFixture(t)
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	f.connect(t, "app")
	f.advance()
	resume := refreshPaused(t, f.p, httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"})

	f.connectVia(t, f.process(nil), "app")
	newer := f.stored(t, cred.ID).Token

	r := resume()
	if r.err != nil {
		t.Fatal(r.err)
	}
	stored := f.stored(t, cred.ID).Token
	if stored.AccessToken != newer.AccessToken || stored.RefreshToken != newer.RefreshToken {
		t.Fatal("the refresh overwrote the newer tokens stored meanwhile")
	}
	if r.tok != newer.AccessToken || !f.srv.Valid(r.tok) {
		t.Fatalf("the refresh answered the stored token: %v, valid: %v", r.tok == newer.AccessToken, f.srv.Valid(r.tok))
	}
}

// A refresh whose save finds the credential changed meanwhile, but with
// the token it refreshed from (its client secret was replaced), puts the
// new tokens on the changed value: neither is lost.
func TestRefreshSaveKeepsConcurrentUpdate(t *testing.T) {
	f := newFixture(t)
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	f.connect(t, "app")
	f.advance()
	resume := refreshPaused(t, f.p, httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"})

	// What PUT /credentials/{id} with a new secret writes.
	ctx := context.Background()
	row, err := f.st.GetCredential(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := f.stored(t, cred.ID)
	v.ClientSecret = "client-secret-rotated"
	sealed, err := f.sealer.SealOAuth2(v)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.ReplaceCredential(ctx, cred.ID, row.Kind, sealed, row.Sealed); err != nil {
		t.Fatal(err)
	}

	r := resume()
	if r.err != nil {
		t.Fatal(r.err)
	}
	after := f.stored(t, cred.ID)
	if after.ClientSecret != "client-secret-rotated" {
		t.Error("the refresh put back the old client secret")
	}
	if after.Token.AccessToken != r.tok || after.Token.RefreshToken != f.srv.LastRefreshToken() || !f.srv.ValidRefresh(after.Token.RefreshToken) {
		t.Error("the refreshed tokens were not stored")
	}
}

// A refusal while the credential stays as it was read is final, as
// before: permanent, naming the credential and no token.
func TestRefreshRefusedWithNothingChanged(t *testing.T) {
	f := newFixture(t)
	f.p.rechecks = []time.Duration{0, time.Millisecond}
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	f.connect(t, "app")
	before := f.stored(t, cred.ID).Token
	if err := f.srv.Manager.RemoveRefreshToken(context.Background(), before.RefreshToken); err != nil {
		t.Fatal(err)
	}
	f.advance()
	answered := len(f.srv.Answers())
	_, err := f.p.AccessToken(context.Background(), httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"})
	if kind, _ := connectors.Classify(err); err == nil || kind != connectors.Permanent {
		t.Fatalf("a revoked refresh token: %v, want a permanent error", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, `credential "app"`) || !strings.Contains(msg, "connect it again") ||
		strings.Contains(msg, before.RefreshToken) || strings.Contains(msg, before.AccessToken) || strings.Contains(msg, oauth2test.ClientSecret) {
		t.Errorf("error %q must name the credential, say to connect it again and hold no token or secret", msg)
	}
	// One refresh: golang.org/x/oauth2 sends it with the client
	// credentials in the header, then again in the body.
	if got := refreshAnswers(f.srv, answered); len(got) == 0 || len(got) > 2 || !refused(got) {
		t.Errorf("refresh answers %v, want one refused refresh", got)
	}
	after := f.stored(t, cred.ID).Token
	if after.AccessToken != before.AccessToken || after.RefreshToken != before.RefreshToken {
		t.Error("a refused refresh changed the stored tokens")
	}
}

// TestRefusedRefreshSentOnce: the provider keeps its client of a token
// endpoint, so once a refresh taught it how the endpoint takes the
// client's credentials (golang.org/x/oauth2 tries the header, then the
// body), a later refused refresh is sent once, and its error is the
// endpoint's answer to it rather than to a second try.
func TestRefusedRefreshSentOnce(t *testing.T) {
	f := newFixture(t)
	f.p.rechecks = []time.Duration{0}
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	f.connect(t, "app")
	cfg := httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"}
	f.advance()
	if _, err := f.p.AccessToken(context.Background(), cfg); err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	if err := f.srv.Manager.RemoveRefreshToken(context.Background(), f.stored(t, cred.ID).Token.RefreshToken); err != nil {
		t.Fatal(err)
	}
	f.advance()
	answered := len(f.srv.Answers())
	if _, err := f.p.AccessToken(context.Background(), cfg); err == nil {
		t.Fatal("a revoked refresh token gave a token")
	}
	if got := refreshAnswers(f.srv, answered); len(got) != 1 || !refused(got) {
		t.Errorf("refresh answers %v, want one refused refresh", got)
	}
}
