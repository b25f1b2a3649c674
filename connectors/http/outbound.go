package httpconn

import (
	"net/http"
	"time"
)

// NewOutboundClient returns an http.Client for calls Flowline makes on a
// step's behalf outside the step's own request, such as OAuth2 token
// requests. It applies the same egress policy as steps (egressAllow is
// FLOWLINE_EGRESS_ALLOW), follows no redirects (a token endpoint that
// redirects would carry the client secret elsewhere) and gives up after
// timeout [30s].
func NewOutboundClient(egressAllow []string, timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	c := &Connector{egress: newEgressPolicy(egressAllow), dialTimeout: 10 * time.Second, maxIdlePerHost: 8}
	return &http.Client{
		Transport:     c.newTransport(false),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
