// Package oauth2test runs a real OAuth2 authorization server
// (github.com/go-oauth2/oauth2/v4) on httptest for tests: one client,
// short-lived access tokens, refresh tokens rotated on every refresh (a
// used one is refused with invalid_grant), an authorize endpoint that
// approves a fixed user at once, and a log of token requests.
package oauth2test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-oauth2/oauth2/v4"
	"github.com/go-oauth2/oauth2/v4/manage"
	"github.com/go-oauth2/oauth2/v4/models"
	"github.com/go-oauth2/oauth2/v4/server"
)

// Client credentials of the server's one client.
const (
	ClientID     = "flowline-test-client"
	ClientSecret = "client-secret-do-not-leak-4c1d"
)

// Server is a running authorization server.
type Server struct {
	// URL is the server's base URL; TokenURL and AuthURL its endpoints.
	URL, TokenURL, AuthURL string
	// Manager is the library's token manager, to check issued tokens.
	Manager *manage.Manager
	// Delay, when set, holds every token request that long first, so that
	// concurrent callers overlap.
	Delay atomic.Int64
	// Fail, when set, answers token requests with this status instead.
	Fail atomic.Int32

	tokenRequests atomic.Int64
	tokens        *tokenStore

	// handle lets one token request be handled (and its answer logged) at
	// a time, so that a refresh token is used once however many requests
	// race with it, as at a provider that rotates refresh tokens, and
	// Answers lists them in the order they were handled.
	handle sync.Mutex

	mu      sync.Mutex
	onToken func(grant string)
	answers []Answer
}

// Answer is a token request's grant_type and the status it was answered
// with.
type Answer struct {
	Grant  string
	Status int
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Start starts a server whose access tokens live for accessExp and closes
// it when the test ends.
func Start(t testing.TB, accessExp time.Duration) *Server {
	t.Helper()
	m := manage.NewDefaultManager()
	// The library's store package (buntdb) does not build against the
	// btree version this module uses, so maps stand in for its client and
	// token stores; the server, manager and token logic are the library's.
	tokens := &tokenStore{}
	m.MapTokenStorage(tokens)
	m.MapClientStorage(clientStore{ClientID: &models.Client{ID: ClientID, Secret: ClientSecret, Domain: "http://localhost"}})
	// Any redirect URI: the test servers listen on random ports.
	m.SetValidateURIHandler(func(string, string) error { return nil })
	m.SetClientTokenCfg(&manage.Config{AccessTokenExp: accessExp})
	m.SetAuthorizeCodeTokenCfg(&manage.Config{AccessTokenExp: accessExp, RefreshTokenExp: time.Hour, IsGenerateRefresh: true})
	m.SetRefreshTokenCfg(&manage.RefreshingConfig{AccessTokenExp: accessExp, RefreshTokenExp: time.Hour, IsGenerateRefresh: true, IsRemoveAccess: true, IsRemoveRefreshing: true})

	srv := server.NewDefaultServer(m)
	srv.SetUserAuthorizationHandler(func(http.ResponseWriter, *http.Request) (string, error) { return "user-1", nil })

	s := &Server{Manager: m, tokens: tokens}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		s.tokenRequests.Add(1)
		grant := r.PostFormValue("grant_type")
		s.mu.Lock()
		hook := s.onToken
		s.mu.Unlock()
		if hook != nil {
			hook(grant)
		}
		if d := time.Duration(s.Delay.Load()); d > 0 {
			time.Sleep(d)
		}
		rec := &statusRecorder{ResponseWriter: w}
		// One request at a time, its answer logged before the next is
		// handled, so that the log's order is the order of handling.
		s.handle.Lock()
		defer s.handle.Unlock()
		if code := int(s.Fail.Load()); code != 0 {
			http.Error(rec, `{"error":"temporarily_unavailable"}`, code)
		} else {
			_ = srv.HandleTokenRequest(rec, r)
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.mu.Lock()
		s.answers = append(s.answers, Answer{Grant: grant, Status: rec.status})
		s.mu.Unlock()
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		if err := srv.HandleAuthorizeRequest(w, r); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
		}
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL, s.TokenURL, s.AuthURL = hs.URL, hs.URL+"/token", hs.URL+"/authorize"
	return s
}

// TokenRequests is how many requests reached the token endpoint.
func (s *Server) TokenRequests() int64 { return s.tokenRequests.Load() }

// Valid reports whether the server issued access and still accepts it.
func (s *Server) Valid(access string) bool {
	ti, err := s.Manager.LoadAccessToken(context.Background(), access)
	return err == nil && ti != nil
}

// ValidRefresh reports whether the server issued the refresh token
// refresh and still accepts it (it has not been used or revoked).
func (s *Server) ValidRefresh(refresh string) bool {
	ti, err := s.Manager.LoadRefreshToken(context.Background(), refresh)
	return err == nil && ti != nil
}

// LastRefreshToken is the refresh token the server issued last.
func (s *Server) LastRefreshToken() string {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	return s.tokens.last
}

// OnToken sets a function called with the grant_type of every token
// request before it is handled (nil for none). A test may block in it to
// make requests overlap in the order it needs.
func (s *Server) OnToken(fn func(grant string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onToken = fn
}

// Answers lists the token requests answered so far, in order.
func (s *Server) Answers() []Answer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Answer(nil), s.answers...)
}

// tokenStore is an in-memory oauth2.TokenStore.
type tokenStore struct {
	mu                    sync.Mutex
	code, access, refresh map[string]oauth2.TokenInfo
	last                  string // the refresh token created last
}

var _ oauth2.TokenStore = (*tokenStore)(nil)

func (ts *tokenStore) Create(_ context.Context, info oauth2.TokenInfo) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.code == nil {
		ts.code, ts.access, ts.refresh = map[string]oauth2.TokenInfo{}, map[string]oauth2.TokenInfo{}, map[string]oauth2.TokenInfo{}
	}
	if c := info.GetCode(); c != "" {
		ts.code[c] = info
		return nil
	}
	if a := info.GetAccess(); a != "" {
		ts.access[a] = info
	}
	if r := info.GetRefresh(); r != "" {
		ts.refresh[r] = info
		ts.last = r
	}
	return nil
}

func (ts *tokenStore) remove(m map[string]oauth2.TokenInfo, k string) error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	delete(m, k)
	return nil
}

func (ts *tokenStore) get(m func() map[string]oauth2.TokenInfo, k string) (oauth2.TokenInfo, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ti, ok := m()[k]; ok {
		return ti, nil
	}
	return nil, nil
}

func (ts *tokenStore) RemoveByCode(_ context.Context, code string) error {
	return ts.remove(ts.code, code)
}

func (ts *tokenStore) RemoveByAccess(_ context.Context, access string) error {
	return ts.remove(ts.access, access)
}

func (ts *tokenStore) RemoveByRefresh(_ context.Context, refresh string) error {
	return ts.remove(ts.refresh, refresh)
}

func (ts *tokenStore) GetByCode(_ context.Context, code string) (oauth2.TokenInfo, error) {
	return ts.get(func() map[string]oauth2.TokenInfo { return ts.code }, code)
}

func (ts *tokenStore) GetByAccess(_ context.Context, access string) (oauth2.TokenInfo, error) {
	return ts.get(func() map[string]oauth2.TokenInfo { return ts.access }, access)
}

func (ts *tokenStore) GetByRefresh(_ context.Context, refresh string) (oauth2.TokenInfo, error) {
	return ts.get(func() map[string]oauth2.TokenInfo { return ts.refresh }, refresh)
}

// clientStore is an oauth2.ClientStore over a fixed map.
type clientStore map[string]*models.Client

func (cs clientStore) GetByID(_ context.Context, id string) (oauth2.ClientInfo, error) {
	if c, ok := cs[id]; ok {
		return c, nil
	}
	return nil, errors.New("unknown client")
}
