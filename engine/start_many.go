package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// intakeOf is the request a unit of arrivals came with (StartMany).
type intakeOf struct {
	key   *RequestKey
	basis int64 // see WithBasis
}

// errNoLedger refuses a request key when there is no ledger to record it.
var errNoLedger = errors.New("no run ledger to record the request key in")

// StartMany starts the runs of one request, ins, each as Start would,
// and records key (when not nil) with them. Batched runs are recorded
// together with the key in one ledger transaction: either the key and
// all of the runs are recorded, or none. Otherwise (runs with workflows
// of their own, or no runs at all) the key is recorded in a ledger
// transaction of its own before any run starts. A key recorded before
// with the same request hash is a repeat: runs started before start
// nothing and answer as Start's repeats do. With another hash it is an
// error matching ErrKeyReused, and nothing starts. When ctx names a basis
// (WithBasis) that is no longer the ledger's revision, the error matches
// ErrStale and nothing is recorded or started. Answer i is ins[i]'s run;
// on an error, runs already started stay started.
func (s *Service) StartMany(ctx context.Context, ins []RunInput, key *RequestKey) ([]*Run, error) {
	now := time.Now().UTC()
	batched := len(ins) > 0
	ins = slices.Clone(ins) // the start times are set on a copy, not the caller's slice
	for i := range ins {
		if ins[i].StartedAt.IsZero() {
			ins[i].StartedAt = now
		}
		batched = batched && s.batched(ins[i])
	}
	basis := BasisOf(ctx)
	if !batched {
		// Checked here, with the key or alone, not again for each run.
		var err error
		if key != nil {
			err = s.recordKey(ctx, *key, basis)
		} else {
			err = s.checkBasis(ctx)
		}
		if err != nil {
			return nil, err
		}
		ctx = WithBasis(ctx, 0)
	}
	out := make([]*Run, len(ins))
	if !batched {
		for i, in := range ins {
			run, err := s.Start(ctx, in)
			if err != nil {
				return nil, err
			}
			out[i] = run
		}
		return out, nil
	}
	unit := make([]*arrival, len(ins))
	req := &intakeOf{key: key, basis: basis}
	for i, in := range ins {
		unit[i] = &arrival{ctx: ctx, in: in, intake: req}
	}
	if err := s.accepts.join(ctx, "", unit...); err != nil {
		return nil, err // nothing recorded: the caller went away first
	}
	if len(unit) == 1 {
		run, err := s.handOver(ctx, unit[0])
		if err != nil {
			return nil, err
		}
		return []*Run{run}, nil
	}
	// Each run goes to its own batch execution, all at once.
	errs := make([]error, len(unit))
	var wg sync.WaitGroup
	for i, a := range unit {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = s.handOver(ctx, a)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // a refused key refuses each run alike
		}
	}
	return out, nil
}

// recordKey records a request key alone, in a ledger transaction of its
// own, if basis (when not zero) is still the ledger's revision.
func (s *Service) recordKey(ctx context.Context, key RequestKey, basis int64) error {
	if s.ledger == nil {
		return errNoLedger
	}
	got, err := s.ledger.AcceptIntakes(ctx, []Intake{{Key: &key, Basis: basis}})
	if err != nil {
		return err
	}
	if len(got) != 1 {
		return fmt.Errorf("recording a request key: the ledger answered %d requests of 1", len(got))
	}
	return got[0].Err
}
