// Package oauth2tokens supplies OAuth2 access tokens to the HTTP connector:
// client_credentials tokens are fetched with the credential's client secret
// and cached in memory; authorization_code and refresh_token credentials
// keep their tokens sealed on the credential, connected through the API's
// authorize and callback calls, and are refreshed (and the refreshed token
// sealed again) when they near expiry. Errors name the credential, never a
// token or a secret.
package oauth2tokens

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// Grant types of the oauth2 auth block.
const (
	GrantClientCredentials = "client_credentials"
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
)

const (
	// maxEarly is the most a token is renewed before it expires; shorter
	// lifetimes are renewed a tenth of their lifetime early.
	maxEarly = 30 * time.Second
	// noExpiryTTL is how long a client_credentials token without
	// expires_in is reused before a new one is fetched.
	noExpiryTTL = time.Hour
	// fetchTimeout bounds one token request, which runs detached from the
	// caller that started it because other callers wait for it too.
	fetchTimeout = 30 * time.Second
	// refreshAttempts bounds how often a refresh reads its credential
	// again because it changed meanwhile (another process refreshed it, or
	// it was updated).
	refreshAttempts = 5
)

// refusalRechecks are the waits between reading a credential again after
// the token endpoint refused its refresh, before the refusal is taken as
// final: another process may have refreshed with the same refresh token
// just before and not yet saved what it got (about 1.5s in all).
var refusalRechecks = []time.Duration{0, 50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}

// Options configures a Provider.
type Options struct {
	// Store holds the credentials. Required.
	Store *store.Store
	// Sealer opens and seals them. Required.
	Sealer *secrets.Sealer
	// HTTPClient makes the token requests [httpconn.NewOutboundClient with
	// the default egress policy].
	HTTPClient *http.Client
	// StateTTL is how long an authorize state stays usable [10m].
	StateTTL time.Duration
	// Now replaces time.Now in tests.
	Now func() time.Time
}

// Provider implements httpconn.OAuth2Tokens. It is safe for concurrent use.
type Provider struct {
	store    *store.Store
	sealer   *secrets.Sealer
	client   *http.Client
	now      func() time.Time
	stateTTL time.Duration
	rechecks []time.Duration // refusalRechecks; tests shorten it
	// beforeSave, when set (by a test), runs before each compare-and-swap
	// of a refreshed token onto credential id.
	beforeSave func(id string)
	// unchanged, when set (by a test), runs each time credential id, read
	// again after its refresh was refused, is found as it was.
	unchanged func(id string)

	// group lets one token request or refresh run per key at a time;
	// everyone else asking meanwhile waits for its answer.
	group singleflight.Group

	mu     sync.Mutex
	cache  map[string]cachedToken
	states map[string]pendingState
	// configs and ccConfigs keep one token endpoint client per endpoint,
	// client, secret and scopes (see endpointKey): golang.org/x/oauth2
	// remembers in each how the endpoint takes the client's credentials
	// (header or body), and a fresh one would try both at every refusal.
	configs   map[string]*oauth2.Config
	ccConfigs map[string]*clientcredentials.Config
}

type cachedToken struct {
	access  string
	renewAt time.Time
}

var _ httpconn.OAuth2Tokens = (*Provider)(nil)

// New returns a Provider. It panics without Store or Sealer, a programmer
// error in the wiring.
func New(opts Options) *Provider {
	if opts.Store == nil || opts.Sealer == nil {
		panic("oauth2tokens.New: Store and Sealer are required")
	}
	p := &Provider{
		store: opts.Store, sealer: opts.Sealer, client: opts.HTTPClient, now: opts.Now, stateTTL: opts.StateTTL,
		rechecks: refusalRechecks, cache: map[string]cachedToken{}, states: map[string]pendingState{},
		configs: map[string]*oauth2.Config{}, ccConfigs: map[string]*clientcredentials.Config{},
	}
	if p.client == nil {
		p.client = httpconn.NewOutboundClient(nil, fetchTimeout)
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.stateTTL <= 0 {
		p.stateTTL = 10 * time.Minute
	}
	return p
}

// AccessToken implements httpconn.OAuth2Tokens.
func (p *Provider) AccessToken(ctx context.Context, cfg httpconn.OAuth2Config) (string, error) {
	switch cfg.Grant {
	case GrantClientCredentials:
		return p.clientCredentials(ctx, cfg)
	case GrantAuthorizationCode, GrantRefreshToken:
		return p.stored(ctx, cfg)
	default:
		return "", connectors.Permanentf("unknown oauth2 grant %q (want client_credentials, authorization_code or refresh_token)", cfg.Grant)
	}
}

// credential is a stored credential with its secret opened.
type credential struct {
	row    *store.Credential
	secret string
	oauth  *secrets.OAuth2Secret // nil for a plain credential
}

// load reads and opens the credential ref.
func (p *Provider) load(ctx context.Context, ref string) (*credential, error) {
	row, err := p.store.GetCredential(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		return nil, connectors.NewPermanent(fmt.Errorf("credential %q %w", ref, store.ErrNotFound))
	}
	if err != nil {
		return nil, err // the store's error names the credential
	}
	c := &credential{row: row}
	if row.Kind == secrets.KindOAuth2 {
		c.oauth, err = p.sealer.OpenOAuth2(row.Sealed)
		if err == nil {
			c.secret = c.oauth.ClientSecret
		}
	} else {
		var plain []byte
		plain, err = p.sealer.Open(row.Sealed)
		c.secret = string(plain)
	}
	if err != nil {
		return nil, connectors.NewPermanent(fmt.Errorf("credential %q: %w", ref, err))
	}
	return c, nil
}

// settings merges the step's oauth2 block over the credential's settings:
// what the step names wins.
func (c *credential) settings(cfg httpconn.OAuth2Config) secrets.OAuth2Settings {
	var s secrets.OAuth2Settings
	if c.oauth != nil {
		s = c.oauth.Settings
	}
	if cfg.TokenURL != "" {
		s.TokenURL = cfg.TokenURL
	}
	if cfg.ClientID != "" {
		s.ClientID = cfg.ClientID
	}
	if len(cfg.Scopes) > 0 {
		s.Scopes = cfg.Scopes
	}
	return s
}

// clientCredentials returns a cached token or fetches one, once per key
// however many callers ask at the same time.
func (p *Provider) clientCredentials(ctx context.Context, cfg httpconn.OAuth2Config) (string, error) {
	if secret, ok := connectors.InlineSecret(ctx, cfg.Credential); ok {
		// POST /actions/test with an inline client secret: fetch once for
		// this call, cache nothing.
		c := &credential{row: &store.Credential{ID: cfg.Credential, Name: "inline secret"}, secret: secret}
		s := c.settings(cfg)
		if s.TokenURL == "" || s.ClientID == "" {
			return "", connectors.Permanentf("client_credentials needs token_url and client_id in the step")
		}
		return p.fetchClientCredentials(ctx, s, secret, "the inline secret")
	}
	c, err := p.load(ctx, cfg.Credential)
	if err != nil {
		return "", err
	}
	s := c.settings(cfg)
	if s.TokenURL == "" || s.ClientID == "" {
		return "", connectors.Permanentf("credential %q: client_credentials needs token_url and client_id, in the step or in the credential's oauth2 settings", cfg.Credential)
	}
	// The sealed value is part of the key so that a rotated secret gets a
	// token of its own at once.
	sum := sha256.Sum256(c.row.Sealed)
	key := strings.Join([]string{"cc", c.row.ID, hex.EncodeToString(sum[:8]), s.TokenURL, s.ClientID, strings.Join(s.Scopes, " ")}, "\x00")
	if tok, ok := p.cached(key); ok {
		return tok, nil
	}
	return p.once(ctx, key, func(ctx context.Context) (string, error) {
		if tok, ok := p.cached(key); ok {
			return tok, nil
		}
		t, err := p.clientCredentialsToken(ctx, s, c.secret, fmt.Sprintf("credential %q", cfg.Credential))
		if err != nil {
			return "", err
		}
		now := p.now()
		renew := renewAt(now, p.expiry(t))
		if t.Expiry.IsZero() {
			renew = now.Add(noExpiryTTL)
		}
		p.mu.Lock()
		p.cache[key] = cachedToken{access: t.AccessToken, renewAt: renew}
		p.mu.Unlock()
		return t.AccessToken, nil
	})
}

// clientCredentialsToken asks the token endpoint of s for a token; who
// names the secret's owner in errors.
func (p *Provider) clientCredentialsToken(ctx context.Context, s secrets.OAuth2Settings, secret, who string) (*oauth2.Token, error) {
	conf := kept(p, p.ccConfigs, s, secret, func() *clientcredentials.Config {
		return &clientcredentials.Config{ClientID: s.ClientID, ClientSecret: secret, TokenURL: s.TokenURL, Scopes: s.Scopes}
	})
	t, err := conf.Token(p.clientContext(ctx))
	if err != nil {
		return nil, classify("fetching a client_credentials token for "+who, err)
	}
	return t, nil
}

// fetchClientCredentials fetches a token without caching it.
func (p *Provider) fetchClientCredentials(ctx context.Context, s secrets.OAuth2Settings, secret, who string) (string, error) {
	t, err := p.clientCredentialsToken(ctx, s, secret, who)
	if err != nil {
		return "", err
	}
	return t.AccessToken, nil
}

// cached returns the cached token under key while it is fresh.
func (p *Provider) cached(key string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t, ok := p.cache[key]
	if !ok {
		return "", false
	}
	if !p.now().Before(t.renewAt) {
		delete(p.cache, key)
		return "", false
	}
	return t.access, true
}

// once runs fetch for key unless a run for key is under way, in which case
// it waits for that run's answer. fetch runs detached from ctx (bounded by
// fetchTimeout) so that one caller giving up does not fail the others.
func (p *Provider) once(ctx context.Context, key string, fetch func(context.Context) (string, error)) (string, error) {
	ch := p.group.DoChan(key, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		return fetch(fctx)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", fmt.Errorf("waiting for an oauth2 token: %w", ctx.Err())
	}
}

// clientContext carries the token HTTP client to golang.org/x/oauth2.
func (p *Provider) clientContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, p.client)
}

// renewAt is when a token obtained at obtained and expiring at expiry
// should be replaced: a tenth of its lifetime, at most maxEarly, before it
// expires. A zero expiry never expires.
func renewAt(obtained, expiry time.Time) time.Time {
	if expiry.IsZero() {
		return time.Time{}
	}
	early := maxEarly
	if life := expiry.Sub(obtained); life > 0 && life/10 < early {
		early = life / 10
	}
	return expiry.Add(-early)
}

// usable reports whether a stored token's access token can be sent now.
func (p *Provider) usable(t *secrets.OAuth2Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	r := renewAt(t.ObtainedAt, t.Expiry)
	return r.IsZero() || p.now().Before(r)
}

// stored returns the access token kept on a connected credential,
// refreshing it first when it is near expiry.
func (p *Provider) stored(ctx context.Context, cfg httpconn.OAuth2Config) (string, error) {
	c, err := p.load(ctx, cfg.Credential)
	if err != nil {
		return "", err
	}
	if tok, err := p.held(cfg.Credential, c); tok != "" || err != nil {
		return tok, err
	}
	id := c.row.ID
	return p.once(ctx, "refresh\x00"+id, func(ctx context.Context) (string, error) {
		return p.refresh(ctx, id, cfg)
	})
}

// refreshConfig is the client that refreshes tokens at s's endpoint with
// secret, kept (configs) so that it remembers how the endpoint takes the
// client's credentials.
func (p *Provider) refreshConfig(s secrets.OAuth2Settings, secret string) *oauth2.Config {
	return kept(p, p.configs, s, secret, func() *oauth2.Config {
		return &oauth2.Config{ClientID: s.ClientID, ClientSecret: secret, Endpoint: oauth2.Endpoint{TokenURL: s.TokenURL}, Scopes: s.Scopes}
	})
}

// kept returns the client in clients for s's endpoint and secret
// (endpointKey), made by newClient the first time, under p.mu.
func kept[C any](p *Provider, clients map[string]*C, s secrets.OAuth2Settings, secret string, newClient func() *C) *C {
	key := endpointKey(s, secret)
	p.mu.Lock()
	defer p.mu.Unlock()
	c := clients[key]
	if c == nil {
		c = newClient()
		clients[key] = c
	}
	return c
}

// endpointKey names a token endpoint client: the endpoint, the client id,
// a digest of the secret (a replaced secret gets a client of its own) and
// the scopes.
func endpointKey(s secrets.OAuth2Settings, secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return strings.Join([]string{s.TokenURL, s.ClientID, hex.EncodeToString(sum[:8]), strings.Join(s.Scopes, " ")}, "\x00")
}

// held is the access token credential c (named ref) holds when it is
// usable; "" when it must be refreshed; a permanent error when it is not
// connected, or expired without a refresh token.
func (p *Provider) held(ref string, c *credential) (string, error) {
	if err := notConnected(ref, c); err != nil {
		return "", err
	}
	if p.usable(c.oauth.Token) {
		return c.oauth.Token.AccessToken, nil
	}
	if c.oauth.Token.RefreshToken == "" {
		return "", connectors.Permanentf("the access token of credential %q expired and there is no refresh token: connect it again: open GET /api/v1/credentials/%s/oauth2/authorize", ref, ref)
	}
	return "", nil
}

// notConnected is the permanent error for a credential that holds no token.
func notConnected(ref string, c *credential) error {
	if c.oauth == nil {
		return connectors.Permanentf("credential %q has no oauth2 settings: create it with an oauth2 object, then connect it: open GET /api/v1/credentials/%s/oauth2/authorize", ref, ref)
	}
	if !c.oauth.Connected() {
		return connectors.Permanentf("credential %q is not connected: open GET /api/v1/credentials/%s/oauth2/authorize", ref, ref)
	}
	return nil
}

// refresh renews the token of credential id with its refresh token and
// seals the new token onto the credential. Other processes on the same
// store may refresh the same credential at the same time, so the stored
// value is never trusted to be the one read: the save is a compare-and-swap
// (see keep), and a refusal is checked against the stored value first (see
// changed). Each time the credential turns out to have changed, it is read
// again, up to refreshAttempts times: a token another process stored is
// used when it is usable, and refreshed otherwise.
func (p *Provider) refresh(ctx context.Context, id string, cfg httpconn.OAuth2Config) (string, error) {
	for range refreshAttempts {
		// Read again: the caller before us, here or in another process,
		// may have refreshed it already.
		c, err := p.load(ctx, id)
		if err != nil {
			return "", err
		}
		if tok, err := p.held(cfg.Credential, c); tok != "" || err != nil {
			return tok, err
		}
		s := c.settings(cfg)
		if s.TokenURL == "" {
			return "", connectors.Permanentf("credential %q has no token_url to refresh its token at", cfg.Credential)
		}
		conf := p.refreshConfig(s, c.secret)
		// A token with only the refresh token is invalid, so the source
		// refreshes at once rather than trusting its own expiry margin.
		t, err := conf.TokenSource(p.clientContext(ctx), &oauth2.Token{RefreshToken: c.oauth.Token.RefreshToken}).Token()
		if err != nil {
			err = classify(fmt.Sprintf("refreshing the token of credential %q", cfg.Credential), err)
			if !isPermanent(err) {
				return "", err
			}
			// With rotating refresh tokens, a refresh that another process
			// made with the same refresh token a moment before is refused
			// here; its new tokens are the ones to use.
			moved, cerr := p.changed(ctx, c)
			if cerr != nil {
				// Whether it was refreshed elsewhere is unknown: the
				// refusal is not final, the error may be retried.
				return "", fmt.Errorf("%s; reading credential %q again: %w", err, cfg.Credential, cerr)
			}
			if moved {
				continue
			}
			return "", fmt.Errorf("%w; connect it again: open GET /api/v1/credentials/%s/oauth2/authorize", err, cfg.Credential)
		}
		tok := p.fromOAuth2(t, c.oauth.Token.RefreshToken)
		saved, err := p.keep(ctx, c, tok)
		if err != nil {
			return "", fmt.Errorf("saving the refreshed token of credential %q: %w", cfg.Credential, err)
		}
		if saved {
			return tok.AccessToken, nil
		}
		// A newer token is stored: read it on the next round.
	}
	return "", connectors.NewRetryable(fmt.Errorf("refreshing the token of credential %q: it was changed %d times meanwhile: %w", cfg.Credential, refreshAttempts, store.ErrStale), 0)
}

// keep seals tok, refreshed from the token of c, onto the credential. The
// write is a compare-and-swap on the sealed value c was read with, as for
// PUT /credentials/{id} (store.ReplaceCredential). When the credential
// changed in between but still holds the token tok was refreshed from (its
// client secret was replaced, say), tok is put on the new value and the
// write tried again. When it holds another token (another process
// refreshed it, or it was connected again), that token is newer: nothing
// is written and keep reports false.
func (p *Provider) keep(ctx context.Context, c *credential, tok *secrets.OAuth2Token) (bool, error) {
	from := c.oauth.Token
	for range refreshAttempts {
		next := *c.oauth
		next.Token = tok
		sealed, err := p.sealer.SealOAuth2(&next)
		if err != nil {
			return false, err
		}
		if p.beforeSave != nil {
			p.beforeSave(c.row.ID)
		}
		_, err = p.store.ReplaceCredential(ctx, c.row.ID, c.row.Kind, sealed, c.row.Sealed)
		if !errors.Is(err, store.ErrStale) {
			return err == nil, err
		}
		if c, err = p.load(ctx, c.row.ID); err != nil {
			return false, err
		}
		if c.oauth == nil || !sameToken(c.oauth.Token, from) {
			return false, nil
		}
	}
	return false, fmt.Errorf("it was changed %d times meanwhile: %w", refreshAttempts, store.ErrStale)
}

// changed reports whether credential c was written since it was read. It
// reads the credential again at once and then after each wait in
// p.rechecks: a process whose refresh went first may not have saved its
// tokens yet when ours is refused.
func (p *Provider) changed(ctx context.Context, c *credential) (bool, error) {
	for _, wait := range p.rechecks {
		if wait > 0 {
			timer := time.NewTimer(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				return false, ctx.Err()
			}
		}
		row, err := p.store.GetCredential(ctx, c.row.ID)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(row.Sealed, c.row.Sealed) {
			return true, nil
		}
		if p.unchanged != nil {
			p.unchanged(c.row.ID)
		}
	}
	return false, nil
}

// sameToken reports whether a and b hold the same tokens.
func sameToken(a, b *secrets.OAuth2Token) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.AccessToken == b.AccessToken && a.RefreshToken == b.RefreshToken
}

// expiry is when t expires on the provider's clock: golang.org/x/oauth2
// stamps Expiry from the wall clock, and the provider may run on another
// (tests shift it). Zero stays zero: no expiry given.
func (p *Provider) expiry(t *oauth2.Token) time.Time {
	if t.Expiry.IsZero() {
		return time.Time{}
	}
	return p.now().Add(time.Until(t.Expiry)).UTC()
}

// fromOAuth2 converts a token from golang.org/x/oauth2, keeping the old
// refresh token when the endpoint did not rotate it.
func (p *Provider) fromOAuth2(t *oauth2.Token, oldRefresh string) *secrets.OAuth2Token {
	out := &secrets.OAuth2Token{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, TokenType: t.TokenType,
		Expiry: p.expiry(t), ObtainedAt: p.now().UTC(),
	}
	if out.RefreshToken == "" {
		out.RefreshToken = oldRefresh
	}
	return out
}

// save seals v onto the credential id, whatever it holds now: it is for
// Connect, whose tokens replace any others. A refresh saves with keep.
func (p *Provider) save(ctx context.Context, id string, v *secrets.OAuth2Secret) error {
	sealed, err := p.sealer.SealOAuth2(v)
	if err != nil {
		return err
	}
	return p.store.UpdateCredentialSecret(ctx, id, sealed)
}

// classify turns a token endpoint failure into a connector error. The
// endpoint's answer is summed up by its status and RFC 6749 error code
// only: its body is left out, as it may echo what was sent. A refusal
// (4xx, or an invalid_client / invalid_grant style code) is permanent;
// network errors and 5xx may be retried.
func classify(action string, err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("%s: %w", action, err)
	}
	status := 0
	if re.Response != nil {
		status = re.Response.StatusCode
	}
	msg := fmt.Sprintf("%s: the token endpoint answered %d", action, status)
	if code := safeCode(re.ErrorCode); code != "" {
		msg += " " + code
	}
	e := errors.New(msg)
	switch {
	case status >= 400 && status < 500 && status != http.StatusRequestTimeout && status != http.StatusTooManyRequests:
		return connectors.NewPermanent(e)
	case status < 400 && re.ErrorCode != "":
		return connectors.NewPermanent(e)
	default:
		return connectors.NewRetryable(e, 0)
	}
}

// safeCode returns an RFC 6749 error code if it looks like one, so that a
// misbehaving endpoint cannot put arbitrary text into our errors.
func safeCode(code string) string {
	if code == "" || len(code) > 64 {
		return ""
	}
	for _, r := range code {
		if (r < 'a' || r > 'z') && r != '_' {
			return ""
		}
	}
	return code
}
