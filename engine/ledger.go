package engine

import (
	"context"
	"errors"
	"time"

	"github.com/flowline/flowline/flows"
)

// BatchLedger is what a batch workflow does with the run ledger: claim the
// runs it was sent and record how they ended.
type BatchLedger interface {
	// Claim takes the accepted runs among req.RunIDs for one batch
	// execution and returns those it took; repeating a claim under the
	// same token takes the same runs again.
	Claim(ctx context.Context, req ClaimRequest) ([]string, error)
	// Finish records outcomes, each only while its run still runs under
	// the claim it names.
	Finish(ctx context.Context, done []FinishedRun) error
}

// Ledger is where runs carried by batches are recorded: the run service
// accepts them there (which dedupes repeated triggers), batch workflows
// claim and finish them, the sweeper releases and prunes them. The flow
// store implements it.
type Ledger interface {
	BatchLedger
	// Accept records e as accepted; when the run is recorded already,
	// it writes nothing and returns the existing entry with created false.
	Accept(ctx context.Context, e LedgerEntry) (entry *LedgerEntry, created bool, err error)
	// AcceptIntakes records intakes in one transaction: each intake's
	// entries each as Accept would (answer j of an intake is its
	// entries[j]'s; of entries repeating a run id, across all intakes,
	// the first is recorded and the others are answered with it, not
	// created), and its key (when set) with them, so
	// that an intake's key and runs are recorded together or not at all.
	// An intake whose key was recorded before (or earlier in intakes)
	// with another request hash records nothing: its answer's Err
	// matches ErrKeyReused. An intake with a Basis that is no longer the
	// store's Revision records nothing: its Err matches ErrStale. Answer
	// i is intakes[i]'s. An error records none.
	AcceptIntakes(ctx context.Context, intakes []Intake) ([]IntakeAnswer, error)
	// Revision reads the flow store's revision of what triggers read (it
	// only grows; see WithBasis).
	Revision(ctx context.Context) (int64, error)
	// Get returns a run's entry; an unknown run is ErrRunNotFound.
	Get(ctx context.Context, runID string) (*LedgerEntry, error)
	// CancelAccepted marks a run no batch has claimed as canceled, and
	// reports whether it did.
	CancelAccepted(ctx context.Context, runID string) (bool, error)
	// Release puts a run claimed under claimToken but never finished back
	// to accepted, and reports whether it did.
	Release(ctx context.Context, runID, claimToken string) (bool, error)
	// List lists entries, handed-off runs left out.
	List(ctx context.Context, f LedgerFilter) ([]LedgerEntry, error)
	// Prune deletes the entries of runs that started before cutoff and no
	// longer run (and whatever else dedupes their triggers), and returns
	// how many runs went.
	Prune(ctx context.Context, cutoff time.Time) (int64, error)
}

// Accepted answers one entry of an intake (IntakeAnswer): the run's entry, and
// whether this call recorded it.
type Accepted struct {
	Entry   *LedgerEntry
	Created bool
}

// RequestKey is a caller's idempotency key for one request that starts
// runs, with a hash of that request. The engine does not read it: the
// ledger records it with the request's runs and refuses it coming back
// with another hash.
type RequestKey struct {
	Key         string
	RequestHash string
}

// Intake is what one request starts, for Ledger.AcceptIntakes: its runs'
// entries (perhaps none) and its key (nil for none).
type Intake struct {
	Entries []LedgerEntry
	Key     *RequestKey
	// Basis, when not zero, is the revision the runs were decided from
	// (WithBasis).
	Basis int64
}

// IntakeAnswer answers one Intake: answer i of Accepted is Entries[i]'s,
// or Err (matching ErrKeyReused or ErrStale) refuses the whole intake.
type IntakeAnswer struct {
	Accepted []Accepted
	Err      error
}

// ErrKeyReused is returned (wrapped) when a request key comes back with
// a request hash other than the one it was recorded with.
var ErrKeyReused = errors.New("request key already used with a different request")

// Versions reads the published versions runs are pinned to: the run
// service rebuilds a recorded run's input from them. The flow store
// implements it.
type Versions interface {
	PinnedVersion(ctx context.Context, flowID string, version int) (*flows.Document, error)
}

// LedgerEntry is a run as the ledger records it.
type LedgerEntry struct {
	RunID       string
	FlowID      string
	FlowVersion int
	// Status is accepted, running, succeeded, failed, canceled or
	// handed_off.
	Status string
	// WorkflowID and TemporalRunID name the execution carrying the run:
	// its batch, or its own workflow once handed off.
	WorkflowID    string
	TemporalRunID string
	// ClaimToken names the claim the run was taken under.
	ClaimToken string
	Trigger    TriggerInput
	Steps      []StepResult
	Error      string
	StartedAt  time.Time
	ClosedAt   *time.Time
}

// LedgerFilter narrows Ledger.List. Before, when set, keeps runs that
// started strictly before it (or at it with a smaller run id than
// BeforeID), for paging newest first. Claimed, when set, keeps the runs
// still running under that batch execution; StartedBefore keeps runs that
// started before it.
type LedgerFilter struct {
	FlowID        string
	Statuses      []string
	Before        *time.Time
	BeforeID      string
	StartedBefore *time.Time
	Claimed       *BatchRef
	Limit         int
	// OldestFirst lists oldest first instead of newest first.
	OldestFirst bool
}

// BatchRef names one batch workflow execution.
type BatchRef struct {
	WorkflowID    string
	TemporalRunID string
}
