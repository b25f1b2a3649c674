package api

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// VariablesResult is the answer to GET /flows/{id}/variables: for each step
// of the draft, the template variables a builder can suggest there.
type VariablesResult struct {
	FlowID string                `json:"flow_id,omitempty"`
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
	s.answerVariables(c, f.ID, doc)
}

// documentVariables is flowVariables for a document not saved yet, as a
// builder holds it while the user edits: it need not be valid, only
// shaped like a flow document (unknown fields are ignored).
func (s *server) documentVariables(c *gin.Context) {
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	var doc flows.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		problem(c, http.StatusUnprocessableEntity, "the document is not shaped like a flow document: "+err.Error())
		return
	}
	s.answerVariables(c, "", &doc)
}

// answerVariables answers the variables of doc, with what the event
// catalog tells about its trigger's data.
func (s *server) answerVariables(c *gin.Context, flowID string, doc *flows.Document) {
	cat, err := s.catalog(c.Request.Context())
	if err != nil {
		internalError(c, "reading the event catalog", err)
		return
	}
	steps := flows.VariablesFor(doc, cat)
	if steps == nil {
		steps = []flows.StepVariables{}
	}
	respond(c, http.StatusOK, VariablesResult{FlowID: flowID, Steps: steps})
}
