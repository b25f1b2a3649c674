package httpconn

import (
	"context"
	"errors"
)

// partConfig is one multipart part: {name, value} or {name, file}.
type partConfig struct {
	Name string `json:"name"`
}

func (c *Connector) buildMultipart(ctx context.Context, cfg *config) (builtBody, error) {
	return builtBody{}, errors.New("building multipart body: not implemented yet")
}
