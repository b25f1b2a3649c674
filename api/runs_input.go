package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
)

// inputFits reports whether Temporal can take the run's input; when it
// cannot, it answers 413 with the size and the limit, before anything is
// stored or started.
func inputFits(c *gin.Context, in engine.RunInput) bool {
	n, err := engine.InputSize(in)
	if err != nil {
		internalError(c, "starting the run", err)
		return false
	}
	if n > engine.MaxRunInputBytes {
		problemf(c, http.StatusRequestEntityTooLarge,
			"the run's input (payload, flow document and trigger) is %d bytes encoded; the limit is %d", n, engine.MaxRunInputBytes)
		return false
	}
	return true
}
