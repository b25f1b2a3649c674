package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// checkRedirectURL refuses an oauth2 redirect_url other than the callback
// URL: the callback is fixed (FLOWLINE_PUBLIC_URL + /oauth2/callback) and
// is the one to register with the provider.
func (s *server) checkRedirectURL(c *gin.Context, in *oauth2Input) []flows.Problem {
	if in == nil || in.settings.RedirectURL == "" {
		return nil
	}
	if want := s.redirectURL(c); in.settings.RedirectURL != want {
		return []flows.Problem{{Pointer: "/oauth2/redirect_url",
			Message: fmt.Sprintf("redirect_url must be this server's callback URL %s (or be left out); register that URL with the provider", want)}}
	}
	return nil
}

// replaceAttempts bounds how often PUT /credentials/{id} reads, merges and
// writes again when the credential changed in between (a token refresh).
const replaceAttempts = 5

// updateCredential answers PUT /credentials/{id}: the secret and, for an
// oauth2 credential, its client settings are replaced; the id and name
// stay. The body is {secret, oauth2} as for POST, each optional but not
// both absent; name may be given only unchanged. A plain credential needs
// a secret. OAuth2 tokens are kept while token_url and client_id stay the
// same (a refresh_token given replaces them); otherwise the credential
// must be connected again. The write is a compare-and-swap on the value
// read: when a token refresh lands in between, the credential is read and
// merged again, so the fresher token is kept.
func (s *server) updateCredential(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	ctx := c.Request.Context()
	cred, err := s.store.GetCredential(ctx, c.Param("id"))
	if err != nil {
		credentialError(c, "reading the credential", err)
		return
	}
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	name, secret, oauth, problems := decodeCredential(raw, true)
	problems = append(problems, s.checkRedirectURL(c, oauth)...)
	var updated *store.Credential
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			if cred, err = s.store.GetCredential(ctx, cred.ID); err != nil {
				credentialError(c, "reading the credential", err)
				return
			}
		}
		kind, sealed, all, err := s.mergeCredential(cred, name, secret, oauth, problems)
		if len(all) > 0 {
			unprocessable(c, "the credential", all)
			return
		}
		if err != nil {
			internalError(c, "sealing the secret", err)
			return
		}
		if s.beforeReplace != nil {
			s.beforeReplace(cred.ID)
		}
		updated, err = s.store.ReplaceCredential(ctx, cred.ID, kind, sealed, cred.Sealed)
		if errors.Is(err, store.ErrStale) && attempt < replaceAttempts {
			continue
		}
		if err != nil {
			credentialError(c, "updating the credential", err)
			return
		}
		break
	}
	users, err := s.credentialUsers(ctx)
	if err != nil {
		internalError(c, "finding the flows that use the credential", err)
		return
	}
	respond(c, http.StatusOK, s.credentialInfo(c, updated, users))
}

// mergeCredential checks the update against the stored credential cred
// and seals its new value. problems are those found in the body; the ones
// that depend on cred are added to them.
func (s *server) mergeCredential(cred *store.Credential, name, secret string, oauth *oauth2Input, problems []flows.Problem) (string, []byte, []flows.Problem, error) {
	problems = append([]flows.Problem(nil), problems...)
	if name != "" && name != cred.Name {
		problems = append(problems, flows.Problem{Pointer: "/name", Message: fmt.Sprintf("a credential's name cannot change (this one is %q); create a new credential instead", cred.Name)})
	}
	var prev *secrets.OAuth2Secret
	if cred.Kind == secrets.KindOAuth2 {
		var err error
		if prev, err = s.sealer.OpenOAuth2(cred.Sealed); err != nil {
			// Nothing of the old value can be kept: both are needed.
			if secret == "" {
				problems = append(problems, flows.Problem{Pointer: "/secret", Message: "the stored value cannot be opened with this server's key; give the secret again"})
			}
			if oauth == nil {
				problems = append(problems, flows.Problem{Pointer: "/oauth2", Message: "the stored value cannot be opened with this server's key; give the oauth2 settings again"})
			}
		}
	}
	if secret == "" && (oauth == nil || cred.Kind != secrets.KindOAuth2) && len(problems) == 0 {
		problems = append(problems, flows.Problem{Pointer: "/secret", Message: "secret is required (oauth2 credentials may give oauth2 settings alone)"})
	}
	if len(problems) > 0 {
		return "", nil, problems, nil
	}
	kind, sealed, err := s.sealUpdate(secret, oauth, prev)
	return kind, sealed, nil, err
}

// sealUpdate seals the new value of a credential: a plain secret, or an
// oauth2 value merged from the new input over the previous one (prev, nil
// when the credential was not oauth2 or cannot be opened).
func (s *server) sealUpdate(secret string, in *oauth2Input, prev *secrets.OAuth2Secret) (string, []byte, error) {
	if in == nil && prev == nil {
		sealed, err := s.sealer.Seal([]byte(secret))
		return "", sealed, err
	}
	next := &secrets.OAuth2Secret{}
	if prev != nil {
		*next = *prev
	}
	if secret != "" {
		next.ClientSecret = secret
	}
	if in != nil {
		sameClient := prev != nil && prev.Settings.TokenURL == in.settings.TokenURL && prev.Settings.ClientID == in.settings.ClientID
		next.Settings = in.settings
		if !sameClient {
			next.Token = nil
		}
		if in.refreshToken != "" {
			next.Token = &secrets.OAuth2Token{RefreshToken: in.refreshToken}
		}
	}
	sealed, err := s.sealer.SealOAuth2(next)
	return secrets.KindOAuth2, sealed, err
}
