package engine

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewRunID returns a run id for flow flowID: the flow id, a dash and a
// random part, so that the workflow id follows from the run id alone.
func NewRunID(flowID string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return flowID + "-" + idEncoding.EncodeToString(b)
}

// DeterministicRunID returns the run id for flowID started by a trigger
// with the given key (an event id or webhook id): the same key always gives
// the same run, which is what makes repeats start nothing new.
func DeterministicRunID(flowID, key string) string {
	sum := sha256.Sum256([]byte(flowID + "\x00" + key))
	return flowID + "-" + idEncoding.EncodeToString(sum[:8])
}

// WorkflowID is the Temporal workflow id of a run: readable, with the flow
// id and the run id in it.
func WorkflowID(runID string) string { return "flow-" + runID }

// FlowIDOfRun returns the flow id part of a run id.
func FlowIDOfRun(runID string) (string, error) {
	i := strings.LastIndexByte(runID, '-')
	if i <= 0 || i == len(runID)-1 {
		return "", fmt.Errorf("parsing run id %q: not of the form <flow id>-<suffix>", runID)
	}
	return runID[:i], nil
}
