package httpconn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"

	"github.com/flowline/flowline/connectors"
)

// authConfig is the auth union, decoded by its type.
type authConfig struct {
	Type       string
	Username   string
	Credential string
	In         string
	Name       string
	Grant      string
	TokenURL   string
	ClientID   string
	Scopes     []string
}

// UnmarshalJSON implements json.Unmarshaler: it reads type, then decodes the
// variant strictly so that fields of other variants are refused.
func (a *authConfig) UnmarshalJSON(data []byte) error {
	typ, err := unionType(data, "auth")
	if err != nil {
		return err
	}
	*a = authConfig{Type: typ}
	switch typ {
	case "none":
		var v struct {
			Type string `json:"type"`
		}
		err = decodeStrict(data, &v)
	case "basic", "digest":
		var v struct {
			Type       string `json:"type"`
			Username   string `json:"username"`
			Credential string `json:"credential"`
		}
		if err = decodeStrict(data, &v); err == nil {
			a.Username, a.Credential = v.Username, v.Credential
			err = needCredential(a.Credential)
		}
	case "bearer", "webhook_signature":
		var v struct {
			Type       string `json:"type"`
			Credential string `json:"credential"`
		}
		if err = decodeStrict(data, &v); err == nil {
			a.Credential = v.Credential
			err = needCredential(a.Credential)
		}
	case "api_key":
		var v struct {
			Type       string `json:"type"`
			In         string `json:"in"`
			Name       string `json:"name"`
			Credential string `json:"credential"`
		}
		if err = decodeStrict(data, &v); err == nil {
			a.In, a.Name, a.Credential = v.In, v.Name, v.Credential
			switch {
			case v.In != "header" && v.In != "query":
				err = fmt.Errorf("in must be header or query, not %q", v.In)
			case v.Name == "":
				err = errors.New("name is required")
			case v.In == "header" && !isToken(v.Name):
				err = fmt.Errorf("name %q is not a valid header name", v.Name)
			default:
				err = needCredential(a.Credential)
			}
		}
	case "oauth2":
		var v struct {
			Type       string   `json:"type"`
			Grant      string   `json:"grant"`
			TokenURL   string   `json:"token_url"`
			ClientID   string   `json:"client_id"`
			Credential string   `json:"credential"`
			Scopes     []string `json:"scopes"`
		}
		if err = decodeStrict(data, &v); err == nil {
			a.Grant, a.TokenURL, a.ClientID, a.Credential, a.Scopes = v.Grant, v.TokenURL, v.ClientID, v.Credential, v.Scopes
			err = needCredential(a.Credential)
		}
	case "":
		err = errors.New("type is required")
	default:
		err = fmt.Errorf("unknown type %q (want none, basic, bearer, api_key, digest, oauth2 or webhook_signature)", typ)
	}
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

func needCredential(ref string) error {
	if ref == "" {
		return errors.New("credential is required")
	}
	return nil
}

// preparedAuth is an auth config with its secret resolved.
type preparedAuth struct {
	cfg    *authConfig
	secret string
}

// resolveAuth fetches the secret the auth config names and registers it
// with the redactor.
func (c *Connector) resolveAuth(ctx context.Context, a *authConfig, red *redactor) (preparedAuth, error) {
	p := preparedAuth{cfg: a}
	if a.Type == "none" {
		return p, nil
	}
	if a.Type == "oauth2" {
		return c.resolveOAuth2(ctx, a, red)
	}
	s, err := c.secret(ctx, a.Credential)
	if err != nil {
		return p, err
	}
	p.secret = s
	red.addSecret(s)
	switch a.Type {
	case "basic":
		token := base64.StdEncoding.EncodeToString([]byte(a.Username + ":" + s))
		red.addSecret(token)
	case "api_key":
		if a.In == "header" {
			red.addHeader(a.Name)
		} else {
			red.addQuery(a.Name)
		}
	case "webhook_signature":
		key, err := webhookKey(s)
		if err != nil {
			return p, connectors.NewPermanent(fmt.Errorf("auth: credential %q: %w", a.Credential, err))
		}
		red.addSecret(base64.StdEncoding.EncodeToString(key))
	}
	return p, nil
}

// secret returns the secret of credential ref: one given inline to this
// call (connectors.WithInlineSecrets) first, else the stored one.
func (c *Connector) secret(ctx context.Context, ref string) (string, error) {
	if s, ok := connectors.InlineSecret(ctx, ref); ok {
		return s, nil
	}
	if c.secrets == nil {
		return "", connectors.Permanentf("resolving credential %q: no credential store is configured", ref)
	}
	s, err := c.secrets.Secret(ctx, ref)
	if err != nil {
		return "", fmt.Errorf("auth: %w", err) // the resolver's error names the credential
	}
	return s, nil
}

// applyHeaders sets the headers the auth sends with every request. Digest
// answers challenges in send instead; webhook signatures need the body.
func (p preparedAuth) applyHeaders(h http.Header, pr *preparedRequest, c *Connector) {
	switch p.cfg.Type {
	case "basic":
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(p.cfg.Username+":"+p.secret)))
	case "bearer", "oauth2":
		h.Set("Authorization", "Bearer "+p.secret)
	case "api_key":
		if p.cfg.In == "header" {
			h.Set(p.cfg.Name, p.secret)
		}
	case "webhook_signature":
		c.signWebhook(h, pr, p.secret)
	}
}

// resolveOAuth2 asks the OAuth2Tokens provider for an access token.
func (c *Connector) resolveOAuth2(ctx context.Context, a *authConfig, red *redactor) (preparedAuth, error) {
	p := preparedAuth{cfg: a}
	if c.oauth2 == nil {
		return p, connectors.Permanentf("auth: oauth2 is not configured in this worker")
	}
	tok, err := c.oauth2.AccessToken(ctx, OAuth2Config{
		Grant: a.Grant, TokenURL: a.TokenURL, ClientID: a.ClientID, Credential: a.Credential, Scopes: a.Scopes,
	})
	if err != nil {
		return p, fmt.Errorf("auth: getting an oauth2 token: %w", err) // the provider's error names the credential
	}
	p.secret = tok
	red.addSecret(tok)
	return p, nil
}
