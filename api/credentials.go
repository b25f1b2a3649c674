package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// maxCredentialName is the longest credential name accepted, in characters.
const maxCredentialName = 200

// credentialName is what a credential name may look like: it appears in
// URLs (/api/v1/credentials/{name}) and flows, so it is URL-safe as it
// stands. ".." is refused besides, so that no name reads as a path step.
var credentialName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// credentialNameMessage says what credentialName accepts.
const credentialNameMessage = `name may hold only letters, digits, ".", "_" and "-", must start with a letter or digit and must not contain "..", such as "chat-token"`

// CredentialInfo is what the API tells about a credential. The secret is
// sealed at rest and never part of any answer.
type CredentialInfo struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the credential was last written (created,
	// replaced by PUT, or given new OAuth2 tokens).
	UpdatedAt time.Time `json:"updated_at"`
	// SecretSet says a secret is stored, without showing it.
	SecretSet bool `json:"secret_set"`
	// UsedBy lists the flows whose draft or newest published version
	// names the credential, by id or name.
	UsedBy []FlowRef `json:"used_by"`
	// OAuth2 is set for a credential created with oauth2 settings.
	OAuth2 *OAuth2Info `json:"oauth2,omitempty"`
}

// OAuth2Info is the non-secret part of an oauth2 credential: its client
// settings and whether it holds tokens. Tokens are never shown.
type OAuth2Info struct {
	AuthURL     string   `json:"auth_url,omitempty"`
	TokenURL    string   `json:"token_url"`
	ClientID    string   `json:"client_id"`
	Scopes      []string `json:"scopes"`
	RedirectURL string   `json:"redirect_url,omitempty"`
	// CallbackURL is where the provider must send the browser back: fixed
	// by FLOWLINE_PUBLIC_URL, to be registered with the provider.
	CallbackURL string `json:"callback_url"`
	Connected   bool   `json:"connected"`
}

// credentialInfo describes cred, with the flows users (from
// credentialUsers; nil for none) says use it; for an oauth2 credential it
// opens the sealed value to tell its settings, and leaves them out if that
// fails.
func (s *server) credentialInfo(gc *gin.Context, cred *store.Credential, users map[string][]FlowRef) CredentialInfo {
	c := cred
	info := CredentialInfo{ID: c.ID, Name: c.Name, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
		SecretSet: len(c.Sealed) > 0, UsedBy: usersOf(users, c)}
	if c.Kind != secrets.KindOAuth2 {
		return info
	}
	v, err := s.sealer.OpenOAuth2(c.Sealed)
	if err != nil {
		s.log.Warn("credential cannot be opened", "credential", c.ID, "error", err)
		return info
	}
	scopes := v.Settings.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	info.OAuth2 = &OAuth2Info{
		AuthURL: v.Settings.AuthURL, TokenURL: v.Settings.TokenURL, ClientID: v.Settings.ClientID,
		Scopes: scopes, RedirectURL: v.Settings.RedirectURL, CallbackURL: s.redirectURL(gc), Connected: v.Connected(),
	}
	return info
}

// sealerReady answers 503 when the API was built without a Sealer: there is
// no way to keep a secret, nor any need to list them.
func (s *server) sealerReady(c *gin.Context) bool {
	if s.sealer == nil {
		problem(c, http.StatusServiceUnavailable, "credentials are not available: this process has no secret key configured")
		return false
	}
	return true
}

// credentialError answers the HTTP form of a store error about a credential.
func credentialError(c *gin.Context, action string, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		problemf(c, http.StatusNotFound, "no credential with id or name %q", c.Param("id"))
	case errors.Is(err, store.ErrConflict):
		problem(c, http.StatusConflict, err.Error())
	default:
		internalError(c, action, err)
	}
}

// decodeCredential checks a POST /credentials body: an object with the
// string fields name (1–200 characters) and secret (non-empty), and an
// optional oauth2 object. For PUT (update) name and secret may be left
// out. Every problem is reported at once; none of them repeats the secret.
func decodeCredential(raw []byte, update bool) (name, secret string, oauth *oauth2Input, problems []flows.Problem) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return "", "", nil, []flows.Problem{{Pointer: "", Message: "the body must be a JSON object with name and secret"}}
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "name" && k != "secret" && k != "oauth2" {
			problems = append(problems, flows.Problem{Pointer: "/" + pointerEscape(k), Message: fmt.Sprintf("unknown field %q; only name, secret and oauth2 are accepted", k)})
		}
	}
	str := func(key string) (string, bool) {
		v, ok := fields[key]
		if !ok {
			if !update {
				problems = append(problems, flows.Problem{Pointer: "/" + key, Message: key + " is required"})
			}
			return "", false
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			problems = append(problems, flows.Problem{Pointer: "/" + key, Message: key + " must be a string"})
			return "", false
		}
		if s == "" {
			problems = append(problems, flows.Problem{Pointer: "/" + key, Message: key + " must not be empty"})
			return "", false
		}
		return s, true
	}
	name, ok := str("name")
	switch {
	case !ok:
	case utf8.RuneCountInString(name) > maxCredentialName:
		problems = append(problems, flows.Problem{Pointer: "/name", Message: fmt.Sprintf("name is %d characters; at most %d are allowed", utf8.RuneCountInString(name), maxCredentialName)})
	case !credentialName.MatchString(name) || strings.Contains(name, ".."):
		problems = append(problems, flows.Problem{Pointer: "/name", Message: credentialNameMessage})
	}
	secret, _ = str("secret")
	if v, ok := fields["oauth2"]; ok {
		var ps []flows.Problem
		oauth, ps = decodeOAuth2Input(v)
		problems = append(problems, ps...)
	}
	return name, secret, oauth, problems
}

// pointerEscape escapes a key for a JSON Pointer (RFC 6901).
func pointerEscape(k string) string {
	out := make([]rune, 0, len(k))
	for _, r := range k {
		switch r {
		case '~':
			out = append(out, '~', '0')
		case '/':
			out = append(out, '~', '1')
		default:
			out = append(out, r)
		}
	}
	return string(out)
}

func (s *server) createCredential(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	name, secret, oauth, problems := decodeCredential(raw, false)
	problems = append(problems, s.checkRedirectURL(c, oauth)...)
	if len(problems) > 0 {
		unprocessable(c, "the credential", problems)
		return
	}
	kind := ""
	var sealed []byte
	if oauth != nil {
		kind = secrets.KindOAuth2
		sealed, err = s.sealer.SealOAuth2(oauth.secret(secret))
	} else {
		sealed, err = s.sealer.Seal([]byte(secret))
	}
	if err != nil {
		internalError(c, "sealing the secret", err)
		return
	}
	cred, err := s.store.CreateCredential(c.Request.Context(), name, kind, sealed)
	if err != nil {
		credentialError(c, "creating the credential", err)
		return
	}
	c.Header("Location", BasePath+"/credentials/"+cred.ID)
	respond(c, http.StatusCreated, s.credentialInfo(c, cred, nil))
}

func (s *server) listCredentials(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	creds, err := s.store.ListCredentials(c.Request.Context())
	if err != nil {
		credentialError(c, "listing credentials", err)
		return
	}
	users, err := s.credentialUsers(c.Request.Context())
	if err != nil {
		internalError(c, "finding the flows that use credentials", err)
		return
	}
	out := make([]CredentialInfo, 0, len(creds))
	for i := range creds {
		out = append(out, s.credentialInfo(c, &creds[i], users))
	}
	respond(c, http.StatusOK, gin.H{"credentials": out})
}

func (s *server) getCredential(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	cred, err := s.store.GetCredential(c.Request.Context(), c.Param("id"))
	if err != nil {
		credentialError(c, "reading the credential", err)
		return
	}
	users, err := s.credentialUsers(c.Request.Context())
	if err != nil {
		internalError(c, "finding the flows that use the credential", err)
		return
	}
	respond(c, http.StatusOK, s.credentialInfo(c, cred, users))
}

// deleteCredential removes a credential named by id or name. One that the
// draft or newest published version of a flow names is 409, listing the
// flows, unless ?force=true; flows that still refer to a forced-away
// credential fail at run time with a permanent error naming it.
func (s *server) deleteCredential(c *gin.Context) {
	if !s.sealerReady(c) {
		return
	}
	force, ok := forceQuery(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	cred, err := s.store.GetCredential(ctx, c.Param("id"))
	if err != nil {
		credentialError(c, "reading the credential", err)
		return
	}
	if !force {
		users, err := s.credentialUsers(ctx)
		if err != nil {
			internalError(c, "finding the flows that use the credential", err)
			return
		}
		if used := usersOf(users, cred); len(used) > 0 {
			names := make([]string, len(used))
			for i, f := range used {
				names[i] = fmt.Sprintf("%q (%s)", f.Name, f.ID)
			}
			detail := fmt.Sprintf("credential %q is used by %s; change them first, or delete with ?force=true", cred.Name, strings.Join(names, ", "))
			writeJSON(c, http.StatusConflict, ProblemContentType, credentialInUse{
				ProblemDetails: ProblemDetails{Type: "about:blank", Title: http.StatusText(http.StatusConflict), Status: http.StatusConflict, Detail: detail},
				UsedBy:         used,
			})
			c.Abort()
			return
		}
	}
	if err := s.store.DeleteCredential(ctx, cred.ID); err != nil {
		credentialError(c, "deleting the credential", err)
		return
	}
	c.Status(http.StatusNoContent)
	c.Writer.WriteHeaderNow()
}
