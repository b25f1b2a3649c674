package httpconn

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"time"
)

// errTooManyRedirects stops a redirect chain longer than maxRedirects.
var errTooManyRedirects = errors.New("stopped after 10 redirects")

// maxResponseHeaderBytes caps a response's headers; a response with more
// fails its step (see sendError).
const maxResponseHeaderBytes = 64 << 10

// newTransport returns the connection pool shared by all steps (one for
// verified TLS, one for allow_insecure_tls). Proxies from the environment
// are not used: the egress check must see the real destination.
func (c *Connector) newTransport(insecure bool) *http.Transport {
	guarded := &net.Dialer{Timeout: c.dialTimeout, KeepAlive: 30 * time.Second, Control: c.egress.control}
	open := &net.Dialer{Timeout: c.dialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           c.egress.dialContext(guarded, open),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          512,
		MaxIdleConnsPerHost:   c.maxIdlePerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// A response's headers are recorded with the step: keep them small.
		MaxResponseHeaderBytes: maxResponseHeaderBytes,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: insecure, //nolint:gosec // only when the step asks for it
		},
	}
}

// client returns an http.Client over the shared transport with the step's
// redirect policy.
func (c *Connector) client(cfg *config) *http.Client {
	t := c.transport
	if cfg.AllowInsecureTLS {
		t = c.insecureTransport
	}
	hc := &http.Client{Transport: t}
	if !cfg.follow {
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		return hc
	}
	hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return errTooManyRedirects
		}
		if req.URL.Host != via[0].URL.Host {
			for _, h := range credentialHeaders(cfg) {
				req.Header.Del(h)
			}
		}
		return nil
	}
	return hc
}

// credentialHeaders are dropped when a redirect changes the host.
func credentialHeaders(cfg *config) []string {
	hs := []string{"Authorization", "Proxy-Authorization", "Cookie"}
	if a := cfg.Auth; a.Type == "api_key" && a.In == "header" {
		hs = append(hs, a.Name)
	}
	return hs
}
