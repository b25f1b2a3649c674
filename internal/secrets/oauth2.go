package secrets

import (
	"encoding/json"
	"fmt"
	"time"
)

// KindOAuth2 is the store kind of a credential whose sealed value is an
// OAuth2Secret (JSON) rather than a plain secret.
const KindOAuth2 = "oauth2"

// OAuth2Settings are the non-secret OAuth2 client settings of a credential.
type OAuth2Settings struct {
	// AuthURL is the provider's authorization endpoint.
	AuthURL string `json:"auth_url,omitempty"`
	// TokenURL is the provider's token endpoint.
	TokenURL string `json:"token_url"`
	// ClientID is the OAuth client id.
	ClientID string `json:"client_id"`
	// Scopes are requested when connecting and fetching tokens.
	Scopes []string `json:"scopes,omitempty"`
	// RedirectURL overrides FLOWLINE_PUBLIC_URL + "/oauth2/callback".
	RedirectURL string `json:"redirect_url,omitempty"`
}

// OAuth2Token is a token set kept on a credential.
type OAuth2Token struct {
	AccessToken  string    `json:"access_token,omitempty"`
	RefreshToken string    `json:"refresh_token,omitempty"`
	TokenType    string    `json:"token_type,omitempty"`
	Expiry       time.Time `json:"expiry,omitzero"`
	// ObtainedAt is when the access token was issued to Flowline; with
	// Expiry it gives the token's lifetime, so that it can be renewed a
	// fraction of that lifetime early.
	ObtainedAt time.Time `json:"obtained_at,omitzero"`
}

// OAuth2Secret is the sealed value of a KindOAuth2 credential: the client
// secret, the client settings and, once connected, the tokens.
type OAuth2Secret struct {
	ClientSecret string         `json:"client_secret"`
	Settings     OAuth2Settings `json:"oauth2"`
	Token        *OAuth2Token   `json:"token,omitempty"`
}

// Connected reports whether the credential holds a token that can be used
// or renewed.
func (s *OAuth2Secret) Connected() bool {
	return s.Token != nil && (s.Token.AccessToken != "" || s.Token.RefreshToken != "")
}

// SealOAuth2 seals an OAuth2Secret for a KindOAuth2 credential.
func (s *Sealer) SealOAuth2(v *OAuth2Secret) ([]byte, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("sealing oauth2 credential: %w", err)
	}
	return s.Seal(plain)
}

// OpenOAuth2 opens the sealed value of a KindOAuth2 credential. Errors
// never carry any part of the value.
func (s *Sealer) OpenOAuth2(sealed []byte) (*OAuth2Secret, error) {
	plain, err := s.Open(sealed)
	if err != nil {
		return nil, err
	}
	var v OAuth2Secret
	if err := json.Unmarshal(plain, &v); err != nil {
		// The json error may quote the value: leave it out.
		return nil, fmt.Errorf("%w: not a valid oauth2 value", ErrOpen)
	}
	return &v, nil
}
