package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// testStep answers POST /flows/{id}/steps/{step_id}/test: the step of the
// saved draft runs once, now, as POST /actions/test runs a config, with
// the optional sample run context of the body ({"context": {…}}; empty
// for none). The step's credentials are the stored ones it names.
func (s *server) testStep(c *gin.Context) {
	id, stepID := c.Param("id"), c.Param("step_id")
	f, err := s.store.GetFlow(c.Request.Context(), id)
	if err != nil {
		storeError(c, "reading the flow", err)
		return
	}
	doc, err := flows.ParseDocument(f.Draft)
	if err != nil {
		internalError(c, "reading the flow's draft", err)
		return
	}
	var step *flows.Step
	ids := make([]string, 0, len(doc.Steps))
	for i := range doc.Steps {
		ids = append(ids, doc.Steps[i].ID)
		if doc.Steps[i].ID == stepID {
			step = &doc.Steps[i]
		}
	}
	if step == nil {
		steps := "it has no steps"
		if len(ids) > 0 {
			steps = "its steps are " + strings.Join(ids, ", ")
		}
		problemf(c, http.StatusNotFound, "flow %s has no step %q in its draft; %s", id, stepID, steps)
		return
	}
	raw, err := s.readJSON(c, true)
	if err != nil {
		return
	}
	var fields map[string]json.RawMessage
	if raw != nil {
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			unprocessable(c, "the test request",
				[]flows.Problem{{Pointer: "", Message: "the body must be a JSON object with an optional context"}})
			return
		}
	}
	var problems []flows.Problem
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "context" {
			problems = append(problems, flows.Problem{Pointer: "/" + pointerEscape(k), Message: fmt.Sprintf("unknown field %q; only context is accepted (the step's config comes from the saved draft)", k)})
		}
	}
	ctx, ps := decodeTestContext(fields["context"])
	problems = append(problems, ps...)
	if len(problems) > 0 {
		unprocessable(c, "the test request", problems)
		return
	}
	s.runTest(c, &testCall{typ: step.Type, config: step.Config, context: ctx})
}
