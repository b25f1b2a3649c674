package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
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
// the start), then waits until the frontend accepts them.
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
	if len(missing) > 0 {
		if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace: namespace, SearchAttributes: missing,
		}); err != nil {
			return fmt.Errorf("adding search attributes to namespace %q: %w", namespace, err)
		}
	}
	// Another process may have added them a moment ago.
	return awaitSearchAttributes(ctx, c, namespace, SearchAttributes())
}

// awaitSearchAttributes waits until the frontend accepts a query naming
// every attribute in names. An attribute added to a namespace reaches
// each Temporal service with its namespace cache (refreshed every 2 s by
// default); until then a start naming it is refused. It gives up after
// a minute. Temporal's
// system.forceSearchAttributesCacheRefreshOnRead is not needed for this
// (with SQL visibility it re-reads cluster metadata on every use, and
// Temporal says not to turn it on in production).
func awaitSearchAttributes(ctx context.Context, c client.Client, namespace string, names map[string]enumspb.IndexedValueType) error {
	var terms []string
	for name, typ := range names {
		value := "'flowline-probe'"
		if typ == enumspb.INDEXED_VALUE_TYPE_INT {
			value = "0"
		}
		terms = append(terms, name+" = "+value)
	}
	query := strings.Join(terms, " AND ")
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		var invalid *serviceerror.InvalidArgument
		if err == nil || !errors.As(err, &invalid) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the search attributes added to namespace %q to take effect: %w", namespace, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}
