package engine

import (
	"context"
	"errors"
	"fmt"
)

// A trigger decides which runs to start from what it read of the flow
// store (which flows are enabled, their published versions, the event
// catalog). Reading the store's revision at every trigger, to know that
// what it holds is current, costs a store transaction per trigger. A
// caller may instead decide from what it held already and name the
// revision that was at (WithBasis): the ledger then records the runs only
// if the revision is still that, in the transaction that records them, and
// otherwise records nothing and answers ErrStale, so the caller decides
// again from a fresh read. Runs the ledger does not record (those with a
// workflow of their own, or none at all) have the revision read once.

// ErrStale refuses runs decided from a flow store revision that has since
// changed (WithBasis): nothing was recorded or started.
var ErrStale = errors.New("the flows or the event catalog changed since the runs were decided")

type basisKey struct{}

// WithBasis returns ctx naming revision (non-zero) as the basis of the runs
// started with it: Start and StartMany record them only while the
// ledger's revision is still revision, and answer ErrStale otherwise.
func WithBasis(ctx context.Context, revision int64) context.Context {
	return context.WithValue(ctx, basisKey{}, revision)
}

// basisOf is the revision ctx names as its runs' basis, zero for none.
func BasisOf(ctx context.Context) int64 {
	b, _ := ctx.Value(basisKey{}).(int64)
	return b
}

// checkBasis reads the ledger's revision and answers ErrStale when it is
// no longer ctx's basis (nothing to check when ctx names none).
func (s *Service) checkBasis(ctx context.Context) error {
	basis := BasisOf(ctx)
	if basis == 0 {
		return nil
	}
	if s.ledger == nil {
		return errors.New("checking what the runs were decided from: there is no run ledger to read the revision from")
	}
	rev, err := s.ledger.Revision(ctx)
	if err != nil {
		return err
	}
	if rev != basis {
		return fmt.Errorf("revision %d, decided at %d: %w", rev, basis, ErrStale)
	}
	return nil
}
