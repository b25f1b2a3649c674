package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
)

// RenderResult is the answer of POST /render: the config with its
// templates filled from the sample context.
type RenderResult struct {
	Config json.RawMessage `json:"config"`
}

// renderConfig renders a step config against a sample run context without
// running anything: the builder's live preview of templates. It takes the
// body of POST /actions/test, {type, config, context}. Credentials are not
// resolved (a config names them, it never holds them), and a secret given
// inline is answered as [REDACTED].
func (s *server) renderConfig(c *gin.Context) {
	raw, err := s.readJSON(c, false)
	if err != nil {
		return
	}
	a, problems := decodeTestAction(raw)
	if len(problems) == 0 {
		if _, ok := s.registry.Get(a.typ); !ok {
			problems = append(problems, flows.Problem{Pointer: "/type", Message: fmt.Sprintf("no connector %q", a.typ)})
		}
	}
	if len(problems) > 0 {
		problem(c, http.StatusUnprocessableEntity, "the render request has problems", problems...)
		return
	}
	out, err := flows.Render(a.config, a.context)
	if err != nil {
		var te *flows.TemplateError
		if errors.As(err, &te) {
			problem(c, http.StatusUnprocessableEntity, "a template in the config is malformed",
				flows.Problem{Pointer: "/config", Message: te.Error()})
			return
		}
		problem(c, http.StatusUnprocessableEntity, err.Error(), flows.Problem{Pointer: "/config", Message: err.Error()})
		return
	}
	for ref := range a.secrets {
		quoted, _ := json.Marshal(ref)
		out = bytes.ReplaceAll(out, quoted, []byte(`"[REDACTED]"`))
	}
	respond(c, http.StatusOK, RenderResult{Config: out})
}
