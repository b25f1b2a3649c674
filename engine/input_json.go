package engine

import "encoding/json"

// PackedRunInput is a RunInput as a run's own workflow is started with
// it: its trigger packed (PackTrigger), so that the workflow's history
// records the payload once rather than as the trigger's body, event
// envelope and data over again. It encodes as RunInput does, with the
// packed trigger's markers; RunInput's UnmarshalJSON reads it back.
type PackedRunInput struct {
	runInputFields
	Trigger PackedTrigger `json:"trigger"`
}

// runInputFields is RunInput without its JSON methods.
type runInputFields RunInput

// Packed is in as a run's own workflow is started with it.
func (in RunInput) Packed() PackedRunInput {
	return PackedRunInput{runInputFields: runInputFields(in), Trigger: PackTrigger(in.Trigger)}
}

// UnmarshalJSON decodes a run input, packed (PackedRunInput) or not,
// giving back the trigger byte for byte: inputs recorded before packing
// decode as they always did.
func (in *RunInput) UnmarshalJSON(data []byte) error {
	var v PackedRunInput
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	*in = RunInput(v.runInputFields)
	in.Trigger = v.Trigger.Unpack()
	return nil
}
