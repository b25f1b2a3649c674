package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
)

// inputFits reports whether Temporal can take the run's input; when it
// cannot, it answers 413 with the size and the limit, before anything is
// stored or started. current, when set, is asked first whether what the
// input was decided from is still current: when it is not, inputFits
// answers nothing and reports stale.
func inputFits(c *gin.Context, in engine.RunInput, current func() bool) (fits, stale bool) {
	n, err := engine.InputSize(in)
	if err != nil {
		internalError(c, "starting the run", err)
		return false, false
	}
	if n > engine.MaxRunInputBytes {
		if current != nil && !current() {
			return false, true
		}
		problemf(c, http.StatusRequestEntityTooLarge,
			"the run's input (payload, flow document and trigger) is %d bytes encoded; the limit is %d", n, engine.MaxRunInputBytes)
		return false, false
	}
	return true, false
}
