package httpconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flowline/flowline/connectors"
)

// maxRetryAfter bounds the delay a server may ask for.
const maxRetryAfter = 24 * time.Hour

// classifyStatus turns a response status into nil (a success code), a
// retryable error (5xx, 408, 425, 429, with Retry-After) or a permanent one.
func classifyStatus(cfg *config, pr *preparedRequest, resp *http.Response, now time.Time) error {
	for _, m := range cfg.success {
		if m.match(resp.StatusCode) {
			return nil
		}
	}
	err := fmt.Errorf("%s %s answered %s", pr.method, pr.red.text(location(pr.url)), statusText(resp))
	if retryableStatus(resp.StatusCode) {
		return connectors.NewRetryable(err, retryAfter(resp.Header, now))
	}
	return connectors.NewPermanent(err)
}

func statusText(resp *http.Response) string {
	if t := http.StatusText(resp.StatusCode); t != "" {
		return fmt.Sprintf("%d %s", resp.StatusCode, t)
	}
	return strconv.Itoa(resp.StatusCode)
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	}
	return code >= 500 && code <= 599
}

// retryAfter reads a Retry-After header given in seconds or as an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}

// sendError classifies a failure to get a response. The message names the
// method and the URL without its query, never a secret.
func sendError(ctx context.Context, cfg *config, pr *preparedRequest, err error) error {
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	var ee *egressError
	if errors.As(err, &ee) {
		return connectors.NewPermanent(fmt.Errorf("sending request: %w", ee))
	}
	where := fmt.Sprintf("sending %s request to %s", pr.method, pr.red.text(location(pr.url)))
	if errors.Is(err, errTooManyRedirects) {
		return connectors.NewPermanent(fmt.Errorf("%s: %w", where, errTooManyRedirects))
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return connectors.NewRetryable(fmt.Errorf("%s: timed out after %s: %w", where, cfg.timeout, context.DeadlineExceeded), 0)
	}
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err // url.Error repeats the full URL, query included
	}
	if strings.Contains(inner.Error(), "server response headers exceeded") {
		return connectors.Permanentf("%s: response headers are larger than the limit of %s", where, connectors.Size(maxResponseHeaderBytes))
	}
	if certificateError(inner) {
		return connectors.NewPermanent(fmt.Errorf("%s: %w", where, inner))
	}
	return connectors.NewRetryable(fmt.Errorf("%s: %w", where, inner), 0)
}

// readError classifies a failure while reading the response body.
func readError(ctx context.Context, cfg *config, pr *preparedRequest, err error) error {
	where := fmt.Sprintf("reading response of %s %s", pr.method, pr.red.text(location(pr.url)))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return connectors.NewRetryable(fmt.Errorf("%s: timed out after %s: %w", where, cfg.timeout, context.DeadlineExceeded), 0)
	}
	return connectors.NewRetryable(fmt.Errorf("%s: %w", where, err), 0)
}

// certificateError reports TLS verification failures, which retrying does
// not fix.
func certificateError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		ci  x509.CertificateInvalidError
	)
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}
