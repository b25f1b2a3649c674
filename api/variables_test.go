package api

import (
	"net/http"
	"testing"
)

func TestFlowVariables(t *testing.T) {
	e := newEnv(t, nil)
	created := e.createFlow()
	var got VariablesResult
	e.do("GET", "/api/v1/flows/"+created.ID+"/variables", nil).want(t, http.StatusOK).decode(t, &got)
	if got.FlowID != created.ID || len(got.Steps) == 0 {
		t.Fatalf("variables %+v", got)
	}
	found := false
	for _, v := range got.Steps[0].Variables {
		if v.Path == "flow_name" && v.Template == "{{ flow_name }}" {
			found = true
		}
	}
	if !found {
		t.Errorf("first step does not offer flow_name: %+v", got.Steps[0])
	}
	e.do("GET", "/api/v1/flows/nosuch/variables", nil).want(t, http.StatusNotFound).problem(t)
}
