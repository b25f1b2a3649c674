package app

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	sdkclient "go.temporal.io/sdk/client"

	"github.com/flowline/flowline/internal/config"
)

// checkNamespace makes sure the configured namespace exists, and says how
// to create it when it does not: an external cluster's namespaces are the
// operator's to make (the embedded server registers its own).
func checkNamespace(ctx context.Context, c sdkclient.Client, cfg *config.Config) error {
	ns := cfg.TemporalNamespace
	_, err := c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	var missing *serviceerror.NamespaceNotFound
	var notFound *serviceerror.NotFound
	if errors.As(err, &missing) || errors.As(err, &notFound) {
		return fmt.Errorf("temporal namespace %q (FLOWLINE_TEMPORAL_NAMESPACE, --temporal-namespace) does not exist at %s: "+
			"create it with `temporal operator namespace create --namespace %s --address %s`, or name an existing one",
			ns, cfg.TemporalFrontend(), ns, cfg.TemporalFrontend())
	}
	if err != nil {
		return fmt.Errorf("describing temporal namespace %q: %w", ns, err)
	}
	return nil
}
