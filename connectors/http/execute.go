package httpconn

import (
	"context"
	"net/http"

	"github.com/flowline/flowline/connectors"
)

// Execute implements connectors.Connector: it sends one attempt of the step
// and classifies the outcome. The returned Result records the request and
// any response even when an error is returned.
func (c *Connector) Execute(ctx context.Context, req connectors.Request) (*connectors.Result, error) {
	res := &connectors.Result{}
	cfg, err := parseConfig(req.Config)
	if err != nil {
		return res, connectors.NewPermanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	pr, err := c.prepare(ctx, cfg, req)
	if err != nil {
		return res, err
	}
	res.Request = pr.record()

	resp, err := c.send(ctx, cfg, pr)
	if err != nil {
		return res, sendError(ctx, cfg, pr, err)
	}
	defer resp.Body.Close()
	res.Status = resp.StatusCode

	data, truncated, readErr := readCapped(resp.Body, cfg.maxBytes)
	res.Response, res.Output = responseRecords(resp, data, truncated, pr.red)
	if readErr != nil {
		return res, readError(ctx, cfg, pr, readErr)
	}
	return res, classifyStatus(cfg, pr, resp, c.now())
}

// send sends the request, answering a digest challenge when the auth asks
// for it.
func (c *Connector) send(ctx context.Context, cfg *config, pr *preparedRequest) (*http.Response, error) {
	hc := c.client(cfg)
	r, err := pr.newHTTPRequest(ctx, pr.method, pr.url, true)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(r)
	if err != nil || pr.auth.cfg.Type != "digest" {
		return resp, err
	}
	return c.answerDigest(ctx, hc, pr, resp)
}
