package engine

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Search attributes Flowline sets on every run, so operators can filter runs
// by flow, version and trigger in the Temporal UI.
var (
	SAFlowID      = temporal.NewSearchAttributeKeyKeyword("FlowlineFlowId")
	SAFlowVersion = temporal.NewSearchAttributeKeyInt64("FlowlineFlowVersion")
	SATrigger     = temporal.NewSearchAttributeKeyKeyword("FlowlineTrigger")
	SATriggerID   = temporal.NewSearchAttributeKeyKeyword("FlowlineTriggerId")
	// SARunIDs lists the run ids an execution carries: its own run, or
	// the runs a batch claimed (as many as fit; see runIDsBudget).
	SARunIDs = temporal.NewSearchAttributeKeyKeywordList("FlowlineRunIds")
	// SATriggerIDs lists the trigger ids (event ids, webhook ids) of the
	// runs an execution carries, likewise.
	SATriggerIDs = temporal.NewSearchAttributeKeyKeywordList("FlowlineTriggerIds")
)

// SearchAttributes lists Flowline's custom search attributes and their
// types, for registration.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SAFlowID.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SAFlowVersion.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
		SATrigger.GetName():     enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SATriggerID.GetName():   enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SARunIDs.GetName():      enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
		SATriggerIDs.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST,
	}
}

// EnsureSearchAttributes registers any of Flowline's search attributes the
// namespace lacks (on an external cluster; the embedded one has them from
// the start).
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	op := c.OperatorService()
	have, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("listing search attributes of namespace %q: %w", namespace, err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for name, typ := range SearchAttributes() {
		if _, ok := have.GetCustomAttributes()[name]; !ok {
			missing[name] = typ
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	}); err != nil {
		return fmt.Errorf("adding search attributes to namespace %q: %w", namespace, err)
	}
	return nil
}
