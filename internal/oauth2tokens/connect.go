package oauth2tokens

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/oauth2"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/internal/secrets"
)

// ErrState reports an authorize state that is unknown, already used or
// expired.
var ErrState = errors.New("unknown, used or expired oauth2 state")

// ErrNoSettings reports a credential without oauth2 settings, or without
// the auth_url the authorization_code grant needs.
var ErrNoSettings = errors.New("credential has no oauth2 authorization settings")

// pendingState is an authorize call waiting for its callback. States live
// in this process's memory: the callback must reach the process that
// answered the authorize call, within StateTTL, and only once.
type pendingState struct {
	credentialID string
	redirectURL  string
	verifier     string
	expires      int64 // unix nanoseconds
}

// AuthorizeURL starts connecting the credential ref: it returns the
// provider's authorization URL, with a fresh single-use state and a PKCE
// challenge, that a browser should open. defaultRedirect is used unless the
// credential names its own redirect_url.
func (p *Provider) AuthorizeURL(ctx context.Context, ref, defaultRedirect string) (string, error) {
	c, err := p.load(ctx, ref)
	if err != nil {
		return "", err
	}
	if c.oauth == nil || c.oauth.Settings.AuthURL == "" {
		return "", fmt.Errorf("connecting credential %q: it needs oauth2 settings with auth_url: %w", ref, ErrNoSettings)
	}
	redirect := c.oauth.Settings.RedirectURL
	if redirect == "" {
		redirect = defaultRedirect
	}
	state, err := randomToken()
	if err != nil {
		return "", fmt.Errorf("connecting credential %q: %w", ref, err)
	}
	verifier := oauth2.GenerateVerifier()
	now := p.now()
	p.mu.Lock()
	for k, v := range p.states {
		if v.expires <= now.UnixNano() {
			delete(p.states, k)
		}
	}
	p.states[state] = pendingState{credentialID: c.row.ID, redirectURL: redirect, verifier: verifier, expires: now.Add(p.stateTTL).UnixNano()}
	p.mu.Unlock()
	conf := p.authConfig(c.oauth, redirect)
	return conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier)), nil
}

// Connect completes an authorize call: it takes the state (single use),
// exchanges code at the token endpoint and seals the tokens onto the
// credential, whose name it returns. A bad state wraps ErrState; a refused
// code is a connectors permanent error.
func (p *Provider) Connect(ctx context.Context, state, code string) (string, error) {
	p.mu.Lock()
	ps, ok := p.states[state]
	delete(p.states, state)
	p.mu.Unlock()
	if !ok || ps.expires <= p.now().UnixNano() {
		return "", fmt.Errorf("completing oauth2 authorization: %w", ErrState)
	}
	c, err := p.load(ctx, ps.credentialID)
	if err != nil {
		return "", err
	}
	name := c.row.Name
	if c.oauth == nil {
		return name, fmt.Errorf("connecting credential %q: %w", name, ErrNoSettings)
	}
	conf := p.authConfig(c.oauth, ps.redirectURL)
	t, err := conf.Exchange(p.clientContext(ctx), code, oauth2.VerifierOption(ps.verifier))
	if err != nil {
		return name, classify(fmt.Sprintf("exchanging the authorization code of credential %q", name), err)
	}
	c.oauth.Token = p.fromOAuth2(t, "")
	if err := p.save(ctx, c.row.ID, c.oauth); err != nil {
		return name, fmt.Errorf("saving the tokens of credential %q: %w", name, err)
	}
	return name, nil
}

// Forget drops the state without connecting, for a callback that carries
// the provider's error instead of a code. It reports whether the state was
// known and unexpired.
func (p *Provider) Forget(state string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ps, ok := p.states[state]
	delete(p.states, state)
	return ok && ps.expires > p.now().UnixNano()
}

func (p *Provider) authConfig(v *secrets.OAuth2Secret, redirect string) *oauth2.Config {
	return &oauth2.Config{
		ClientID: v.Settings.ClientID, ClientSecret: v.ClientSecret, RedirectURL: redirect, Scopes: v.Settings.Scopes,
		Endpoint: oauth2.Endpoint{AuthURL: v.Settings.AuthURL, TokenURL: v.Settings.TokenURL},
	}
}

// randomToken returns 32 random bytes, URL-safe.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random state: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// isPermanent reports whether err is a permanent connector error.
func isPermanent(err error) bool {
	kind, _ := connectors.Classify(err)
	return err != nil && kind == connectors.Permanent
}
