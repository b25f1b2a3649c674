package httpconn

import (
	"context"
	_ "embed"
	"io"
	"net/http"
	"time"

	"github.com/flowline/flowline/connectors"
)

//go:embed schema.json
var schema []byte

// SecretResolver returns the secret of a stored credential. ref is the
// credential's name or id as written in the flow. An unknown ref should be
// reported as a connectors.NewPermanent error; other errors are retried.
// Errors name the credential: the connector adds only where it was used.
type SecretResolver interface {
	Secret(ctx context.Context, ref string) (string, error)
}

// FileResolver opens files that triggers received.
type FileResolver interface {
	Open(ctx context.Context, ref connectors.FileRef) (io.ReadCloser, error)
}

// OAuth2Config is the oauth2 auth block of a step, as given to an
// OAuth2Tokens provider.
type OAuth2Config struct {
	Grant      string
	TokenURL   string
	ClientID   string
	Credential string
	Scopes     []string
}

// OAuth2Tokens supplies access tokens for oauth2 auth: fetching, caching and
// refreshing them is the provider's job. The token is sent as
// Authorization: Bearer and redacted from records.
type OAuth2Tokens interface {
	AccessToken(ctx context.Context, cfg OAuth2Config) (string, error)
}

// Options configures a Connector. The zero value works: no credentials, no
// files, the default egress policy.
type Options struct {
	// Version is sent as User-Agent: flowline/<Version> ["dev"].
	Version string
	// Secrets resolves auth credentials; without it, auth that needs a
	// credential fails permanently.
	Secrets SecretResolver
	// Files opens trigger files used in multipart bodies.
	Files FileResolver
	// OAuth2 supplies tokens for oauth2 auth; without it, oauth2 auth
	// fails permanently.
	OAuth2 OAuth2Tokens
	// EgressAllow lists CIDRs ("10.0.0.0/8"), addresses and host names
	// ("localhost", ".internal.example" for a domain and its subdomains)
	// that may be reached although they are private, loopback or
	// link-local (FLOWLINE_EGRESS_ALLOW).
	EgressAllow []string
	// DialTimeout bounds connecting to one address [10s].
	DialTimeout time.Duration
	// MaxIdleConnsPerHost is the idle connections kept per host [64].
	MaxIdleConnsPerHost int
	// MaxUploadBytes caps each file read into a multipart body [32 MiB].
	MaxUploadBytes int64
}

// Connector is the "http" connector. It is safe for concurrent use and keeps
// one connection pool for all steps.
type Connector struct {
	version        string
	secrets        SecretResolver
	files          FileResolver
	oauth2         OAuth2Tokens
	egress         *egressPolicy
	maxUploadBytes int64

	transport         *http.Transport
	insecureTransport *http.Transport // for allow_insecure_tls
	dialTimeout       time.Duration
	maxIdlePerHost    int

	// now is replaced in tests.
	now func() time.Time
}

var _ connectors.Connector = (*Connector)(nil)

// New returns an HTTP connector configured by opts.
func New(opts Options) *Connector {
	c := &Connector{
		version:        opts.Version,
		secrets:        opts.Secrets,
		files:          opts.Files,
		oauth2:         opts.OAuth2,
		egress:         newEgressPolicy(opts.EgressAllow),
		maxUploadBytes: opts.MaxUploadBytes,
		dialTimeout:    opts.DialTimeout,
		maxIdlePerHost: opts.MaxIdleConnsPerHost,
		now:            time.Now,
	}
	if c.version == "" {
		c.version = "dev"
	}
	if c.maxUploadBytes <= 0 {
		c.maxUploadBytes = 32 << 20
	}
	if c.dialTimeout <= 0 {
		c.dialTimeout = 10 * time.Second
	}
	if c.maxIdlePerHost <= 0 {
		c.maxIdlePerHost = 64
	}
	// Transports open no connection until used, so both are made now.
	c.transport = c.newTransport(false)
	c.insecureTransport = c.newTransport(true)
	return c
}

// Type implements connectors.Connector.
func (c *Connector) Type() string { return "http" }

// Description implements connectors.Connector.
func (c *Connector) Description() string {
	return "Sends an HTTP request and returns the response status, headers and body."
}

// ConfigSchema implements connectors.Connector.
func (c *Connector) ConfigSchema() []byte { return schema }

// Close releases idle connections.
func (c *Connector) Close() {
	c.transport.CloseIdleConnections()
	c.insecureTransport.CloseIdleConnections()
}
