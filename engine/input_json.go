package engine

import (
	"encoding/json"
	"fmt"
)

// runInputJSON is RunInput as it is encoded: its trigger packed
// (PackTrigger), so that a run's own workflow records its payload once
// rather than as the trigger's body, event envelope and data over again.
type runInputJSON struct {
	runInputFields
	Trigger PackedTrigger `json:"trigger"`
}

// runInputFields is RunInput without its JSON methods.
type runInputFields RunInput

// MarshalJSON encodes in with its trigger packed. Decoding (UnmarshalJSON)
// gives back the same trigger byte for byte; inputs recorded before
// packing decode as they always did.
func (in RunInput) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(runInputJSON{runInputFields: runInputFields(in), Trigger: PackTrigger(in.Trigger)})
	if err != nil {
		return nil, fmt.Errorf("encoding the input of run %s: %w", in.RunID, err)
	}
	return b, nil
}

// UnmarshalJSON decodes a run input, packed or not.
func (in *RunInput) UnmarshalJSON(data []byte) error {
	var v runInputJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*in = RunInput(v.runInputFields)
	in.Trigger = v.Trigger.Unpack()
	return nil
}
