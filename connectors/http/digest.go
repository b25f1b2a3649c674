package httpconn

import (
	"context"
	"net/http"
)

func (c *Connector) answerDigest(ctx context.Context, hc *http.Client, pr *preparedRequest, resp *http.Response) (*http.Response, error) {
	return resp, nil
}
