package oauth2tokens

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/internal/oauth2tokens/oauth2test"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

const accessExp = 2 * time.Second

type fixture struct {
	p      *Provider
	st     *store.Store
	sealer *secrets.Sealer
	srv    *oauth2test.Server
	skew   atomic.Int64 // added to the provider's clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "f.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	key := make([]byte, secrets.KeySize)
	_, _ = rand.Read(key)
	sealer, err := secrets.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, sealer: sealer, srv: oauth2test.Start(t, accessExp)}
	f.p = New(Options{
		Store: st, Sealer: sealer, HTTPClient: httpconn.NewOutboundClient([]string{"127.0.0.1"}, 5*time.Second),
		Now: func() time.Time { return time.Now().Add(time.Duration(f.skew.Load())) },
	})
	return f
}

// advance moves the provider's clock past the tokens' lifetime.
func (f *fixture) advance() { f.skew.Add(int64(accessExp)) }

func (f *fixture) plain(t *testing.T, name, secret string) {
	t.Helper()
	sealed, err := f.sealer.Seal([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.CreateCredential(context.Background(), name, "", sealed); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) oauth(t *testing.T, name, secret string) *store.Credential {
	t.Helper()
	sealed, err := f.sealer.SealOAuth2(&secrets.OAuth2Secret{ClientSecret: secret, Settings: secrets.OAuth2Settings{
		AuthURL: f.srv.AuthURL, TokenURL: f.srv.TokenURL, ClientID: oauth2test.ClientID, Scopes: []string{"read"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.st.CreateCredential(context.Background(), name, secrets.KindOAuth2, sealed)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) stored(t *testing.T, id string) *secrets.OAuth2Secret {
	t.Helper()
	c, err := f.st.GetCredential(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.sealer.OpenOAuth2(c.Sealed)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func ccConfig(f *fixture, cred string) httpconn.OAuth2Config {
	return httpconn.OAuth2Config{Grant: GrantClientCredentials, TokenURL: f.srv.TokenURL, ClientID: oauth2test.ClientID, Credential: cred, Scopes: []string{"read"}}
}

func TestClientCredentialsCachedUntilExpiry(t *testing.T) {
	f := newFixture(t)
	f.plain(t, "cc", oauth2test.ClientSecret)
	ctx := context.Background()
	first, err := f.p.AccessToken(ctx, ccConfig(f, "cc"))
	if err != nil {
		t.Fatal(err)
	}
	if !f.srv.Valid(first) {
		t.Fatal("the server does not know the token")
	}
	again, err := f.p.AccessToken(ctx, ccConfig(f, "cc"))
	if err != nil || again != first {
		t.Fatalf("second call: %v (same token: %v)", err, again == first)
	}
	if n := f.srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests = %d, want 1 (cached)", n)
	}
	f.advance()
	renewed, err := f.p.AccessToken(ctx, ccConfig(f, "cc"))
	if err != nil {
		t.Fatal(err)
	}
	if renewed == first || f.srv.TokenRequests() != 2 {
		t.Fatalf("after expiry: same token %v, requests %d; want a new token from a 2nd request", renewed == first, f.srv.TokenRequests())
	}
	// Real time too: the cached token is renewed a little before expiry
	// (the clock keeps its shift; only real time passes).
	time.Sleep(accessExp)
	if _, err := f.p.AccessToken(ctx, ccConfig(f, "cc")); err != nil {
		t.Fatal(err)
	}
	if n := f.srv.TokenRequests(); n != 3 {
		t.Fatalf("token requests = %d after real expiry, want 3", n)
	}
}

func TestClientCredentialsOneFetchForConcurrentCalls(t *testing.T) {
	f := newFixture(t)
	f.plain(t, "cc", oauth2test.ClientSecret)
	f.srv.Delay.Store(int64(200 * time.Millisecond))
	var wg sync.WaitGroup
	tokens := make([]string, 20)
	errs := make([]error, 20)
	for i := range tokens {
		wg.Go(func() { tokens[i], errs[i] = f.p.AccessToken(context.Background(), ccConfig(f, "cc")) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Fatalf("call %d: %v (same token: %v)", i, errs[i], tokens[i] == tokens[0])
		}
	}
	if n := f.srv.TokenRequests(); n != 1 {
		t.Fatalf("token requests = %d, want exactly 1", n)
	}
}

func TestClientCredentialsErrors(t *testing.T) {
	f := newFixture(t)
	const wrong = "wrong-secret-do-not-leak-77"
	f.plain(t, "bad", wrong)
	f.plain(t, "good", oauth2test.ClientSecret)
	_, err := f.p.AccessToken(context.Background(), ccConfig(f, "bad"))
	if err == nil {
		t.Fatal("a wrong client secret got a token")
	}
	if kind, _ := connectors.Classify(err); kind != connectors.Permanent {
		t.Errorf("wrong secret: %v is not permanent", err)
	}
	if !strings.Contains(err.Error(), `"bad"`) || strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), oauth2test.ClientSecret) {
		t.Errorf("error %q must name the credential and hold no secret", err)
	}

	f.srv.Fail.Store(http.StatusServiceUnavailable)
	_, err = f.p.AccessToken(context.Background(), ccConfig(f, "good"))
	if kind, _ := connectors.Classify(err); err == nil || kind != connectors.Retryable {
		t.Errorf("503 from the token endpoint: %v, want a retryable error", err)
	}

	_, err = f.p.AccessToken(context.Background(), ccConfig(f, "missing"))
	if kind, _ := connectors.Classify(err); err == nil || kind != connectors.Permanent {
		t.Errorf("unknown credential: %v, want permanent", err)
	}
}

// connect runs the authorization_code flow against the server the way a
// browser would, without the API.
func (f *fixture) connect(t *testing.T, ref string) {
	t.Helper()
	f.connectVia(t, f.p, ref)
}

// connectVia is connect through the provider p (another process).
func (f *fixture) connectVia(t *testing.T, p *Provider, ref string) {
	t.Helper()
	ctx := context.Background()
	u, err := p.AuthorizeURL(ctx, ref, "http://127.0.0.1:1/oauth2/callback")
	if err != nil {
		t.Fatal(err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize answered %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, err := p.Connect(ctx, loc.Query().Get("state"), loc.Query().Get("code")); err != nil {
		t.Fatal(err)
	}
}

func TestRefreshPersistsSealedToken(t *testing.T) {
	f := newFixture(t)
	cred := f.oauth(t, "app", oauth2test.ClientSecret)
	cfg := httpconn.OAuth2Config{Grant: GrantAuthorizationCode, Credential: "app"}
	ctx := context.Background()

	_, err := f.p.AccessToken(ctx, cfg)
	if err == nil || !strings.Contains(err.Error(), `credential "app" is not connected: open GET /api/v1/credentials/app/oauth2/authorize`) {
		t.Fatalf("before connecting: %v", err)
	}
	if kind, _ := connectors.Classify(err); kind != connectors.Permanent {
		t.Error("not connected must be permanent")
	}

	f.connect(t, "app")
	before := f.stored(t, cred.ID).Token
	if before == nil || before.AccessToken == "" || before.RefreshToken == "" {
		t.Fatalf("connecting stored %+v", before != nil)
	}
	got, err := f.p.AccessToken(ctx, cfg)
	if err != nil || got != before.AccessToken {
		t.Fatalf("connected token: %v (stored one: %v)", err, got == before.AccessToken)
	}
	requests := f.srv.TokenRequests()

	f.advance()
	cfg.Grant = GrantRefreshToken
	var wg sync.WaitGroup
	tokens := make([]string, 10)
	errs := make([]error, 10)
	for i := range tokens {
		wg.Go(func() { tokens[i], errs[i] = f.p.AccessToken(ctx, cfg) })
	}
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] {
			t.Fatalf("refresh %d: %v", i, errs[i])
		}
	}
	if n := f.srv.TokenRequests() - requests; n != 1 {
		t.Fatalf("refresh requests = %d, want 1", n)
	}
	after := f.stored(t, cred.ID).Token
	if after.AccessToken != tokens[0] || after.AccessToken == before.AccessToken || after.RefreshToken == "" {
		t.Fatal("the refreshed token is not the one persisted on the credential")
	}
	if !f.srv.Valid(after.AccessToken) {
		t.Fatal("the server does not accept the refreshed token")
	}
	// The resolver still gives the connector the client secret.
	r := &secrets.Resolver{Store: f.st, Sealer: f.sealer}
	if s, err := r.Secret(ctx, "app"); err != nil || s != oauth2test.ClientSecret {
		t.Fatalf("resolver: %v", err)
	}
}

func TestConnectBadState(t *testing.T) {
	f := newFixture(t)
	f.oauth(t, "app", oauth2test.ClientSecret)
	if _, err := f.p.Connect(context.Background(), "nope", "code"); !errors.Is(err, ErrState) {
		t.Fatalf("unknown state: %v", err)
	}
}

func TestClientCredentialsWithInlineSecret(t *testing.T) {
	f := newFixture(t)
	ref := "inline-secret:0123456789abcdef"
	ctx := connectors.WithInlineSecrets(context.Background(), map[string]string{ref: oauth2test.ClientSecret})
	cfg := ccConfig(f, ref)
	tok, err := f.p.AccessToken(ctx, cfg)
	if err != nil || !f.srv.Valid(tok) {
		t.Fatalf("inline secret: %v", err)
	}
	if _, err := f.p.AccessToken(ctx, cfg); err != nil || f.srv.TokenRequests() != 2 {
		t.Fatalf("an inline-secret token was cached: %d requests, %v", f.srv.TokenRequests(), err)
	}
	bad := connectors.WithInlineSecrets(context.Background(), map[string]string{ref: "wrong-secret-value"})
	_, err = f.p.AccessToken(bad, cfg)
	if err == nil || strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("wrong inline secret: %v", err)
	}
}
