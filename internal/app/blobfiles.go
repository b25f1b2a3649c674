package app

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/internal/blob"
)

// blobFiles lets the HTTP connector read files that webhooks stored in the
// blob store, by their FileRef.Ref.
type blobFiles struct {
	store blob.Store
}

var _ httpconn.FileResolver = blobFiles{}

// Open opens the blob ref names. A missing blob is permanent: retrying
// cannot bring it back.
func (f blobFiles) Open(ctx context.Context, ref connectors.FileRef) (io.ReadCloser, error) {
	rc, err := f.store.Open(ctx, ref.Ref)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, connectors.NewPermanent(fmt.Errorf("file %q is not in the blob store: %w", ref.Ref, err))
	}
	return rc, err
}
