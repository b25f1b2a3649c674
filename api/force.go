package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// forceQuery reads the ?force of a delete as strconv.ParseBool does (1, t,
// true, 0, f, false in any case); absent is false. Any other value is
// answered 400 and ok is false.
func forceQuery(c *gin.Context) (force, ok bool) {
	v, given := c.GetQuery("force")
	if !given {
		return false, true
	}
	force, err := strconv.ParseBool(v)
	if err != nil {
		problemf(c, http.StatusBadRequest, "force %q is not true or false", v)
		return false, false
	}
	return force, true
}
