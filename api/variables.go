package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// VariablesResult is the answer to GET /flows/{id}/variables: for each step
// of the draft, the template variables a builder can suggest there.
type VariablesResult struct {
	FlowID string                `json:"flow_id"`
	Steps  []flows.StepVariables `json:"steps"`
}

func (s *server) flowVariables(c *gin.Context) {
	f, err := s.store.GetFlow(c.Request.Context(), c.Param("id"))
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	doc, err := flows.ParseDocument(f.Draft)
	if err != nil {
		internalError(c, "reading the draft", err)
		return
	}
	respond(c, http.StatusOK, VariablesResult{FlowID: f.ID, Steps: flows.Variables(doc)})
}
