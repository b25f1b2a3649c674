package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flowline/flowline/flows"
)

// Executions is the Temporal side of the run service: runs with
// workflows of their own, and the batch workflows that carry the others.
// *Runs implements it; API tests substitute a fake.
type Executions interface {
	// Start starts a run's own workflow (or finds the one started
	// before) and returns once Temporal has recorded it.
	Start(ctx context.Context, in RunInput) (*Run, error)
	// Get describes a run that has a workflow of its own.
	Get(ctx context.Context, runID string) (*RunDetail, error)
	// List lists runs with workflows of their own, newest first.
	List(ctx context.Context, f RunFilter) ([]Run, string, error)
	// Cancel asks a run's own workflow to stop.
	Cancel(ctx context.Context, runID string) error
	// Input reads the input a run's own workflow started with.
	Input(ctx context.Context, runID string) (*RunInput, error)
	// Enqueue hands a run recorded in the ledger to a batch workflow.
	Enqueue(ctx context.Context, in RunInput, opts BatchOptions) (*Run, error)
	// EnqueueMany hands runs recorded in the ledger, of one flow and
	// window, to that window's batch execution on lane at once: answer i
	// is ins[i]'s run.
	EnqueueMany(ctx context.Context, ins []RunInput, opts BatchOptions, lane int) ([]*Run, error)
	// CancelBatched asks the batch execution carrying a run to cancel it.
	CancelBatched(ctx context.Context, runID string, batch BatchRef) error
	// BatchOpen reports whether a batch execution still runs.
	BatchOpen(ctx context.Context, batch BatchRef) (bool, error)
	// OwnRun reports whether a run has a workflow of its own, and its
	// Temporal run id.
	OwnRun(ctx context.Context, runID string) (string, bool, error)
	// AwaitOwn waits, without polling, until a run's own workflow has
	// ended, however it ended; it returns at once when the run has none.
	AwaitOwn(ctx context.Context, runID string) error
	// UIURL links an execution in the Temporal UI, or is empty.
	UIURL(workflowID, temporalRunID string) string
}

var _ Executions = (*Runs)(nil)

// ServiceOptions are what the run service is made of.
type ServiceOptions struct {
	// Executions is the Temporal side. Required.
	Executions Executions
	// Ledger records batched runs; nil gives every run a workflow of its
	// own.
	Ledger Ledger
	// Versions reads pinned versions; required with a Ledger.
	Versions Versions
	// Batch shapes batching; zero lanes turns it off.
	Batch BatchOptions
	// Flows tells schedule firings whether their flow may still start
	// runs (FlowLive); nil answers yes.
	Flows FlowStates
	// Logger records what goes wrong off any caller's path (a panic
	// while starting runs); nil discards it.
	Logger *slog.Logger
}

// Service is Flowline's one run service: every trigger starts runs
// through it, and runs are read, listed, canceled and retried through it.
// Whether a run is carried by a batch workflow (recorded in the ledger)
// or has a workflow of its own is its business: callers never branch on
// it.
type Service struct {
	exec     Executions
	ledger   Ledger
	versions Versions
	flows    FlowStates
	batch    BatchOptions
	// accepts records runs started together in one ledger transaction
	// and hands the new ones to each batch execution in one signal;
	// handovers hands over again runs recorded before (repeats).
	accepts   *committer
	handovers *committer
	// lanes picks the lane of each group handed over.
	lanes *laneFill
	log   *slog.Logger
	stats intakeCounters
}

// IntakeStats counts the intake's work since the service started: how
// many ledger transactions recorded batched runs (Commits), how many
// signals handed runs to batch executions (Signals), and how many runs
// those signals carried (Runs). Runs per signal is what a batch's work
// is shared by.
type IntakeStats struct {
	Commits, Signals, Runs int64
}

type intakeCounters struct {
	commits, signals, runs atomic.Int64
}

// IntakeStats reads the intake's counters.
func (s *Service) IntakeStats() IntakeStats {
	return IntakeStats{Commits: s.stats.commits.Load(), Signals: s.stats.signals.Load(), Runs: s.stats.runs.Load()}
}

// NewService returns the run service made of o.
func NewService(o ServiceOptions) *Service {
	s := &Service{exec: o.Executions, ledger: o.Ledger, versions: o.Versions, flows: o.Flows, batch: o.Batch, log: o.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.accepts, s.handovers = newCommitter(s.acceptGroup, o.Logger), newCommitter(s.handOverGroup, o.Logger)
	if s.ledger == nil || s.versions == nil {
		s.batch.Lanes = 0
	}
	s.lanes = newLaneFill(s.batch)
	return s
}

// FlowLive reports whether the flow may still start runs, as
// ServiceOptions.Flows says (yes without it).
func (s *Service) FlowLive(ctx context.Context, flowID string) (bool, error) {
	if s.flows == nil {
		return true, nil
	}
	return s.flows.FlowLive(ctx, flowID)
}

// Batching reports whether the service batches any runs.
func (s *Service) Batching() bool { return s.batch.Lanes > 0 }

// batched reports whether run in goes to a batch workflow, when batching
// is on: event runs, manual runs, schedule firings' runs (started by the
// FlowScheduleFiring workflow) and runs of webhooks answered at once.
// A webhook that answers with its run's outcome (respond "sync") keeps a
// workflow of its own: its caller waits for the run, which then never
// waits behind other runs' steps in a shared workflow task (not measured
// against a batch).
func (s *Service) batched(in RunInput) bool {
	if !s.Batching() {
		return false
	}
	switch in.Trigger.Type {
	case flows.TriggerEvent, flows.TriggerManual, flows.TriggerSchedule:
		return true
	case flows.TriggerWebhook:
		return in.Document.Trigger.Respond != "sync"
	}
	return false
}

// enqueueTimeout bounds recording a group of runs and handing it to its
// batch.
const enqueueTimeout = 30 * time.Second

// Start starts a run of in and returns it once it is durably recorded. A
// run id started before starts nothing and answers with that run.
func (s *Service) Start(ctx context.Context, in RunInput) (*Run, error) {
	if in.StartedAt.IsZero() {
		in.StartedAt = time.Now().UTC()
	}
	if !s.batched(in) {
		// A start the caller hangs up on still goes through (its repeat
		// finds the run), rather than being cut off half-way inside
		// Temporal's persistence, which logs every such cut as an error.
		if err := s.checkBasis(ctx); err != nil {
			return nil, err
		}
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
		defer cancel()
		return s.exec.Start(sctx, in)
	}
	// Recorded in the ledger first, then handed to a batch workflow; the
	// answer waits for both. Runs started at the same moment share both
	// (intake.go).
	a := &arrival{ctx: ctx, in: in, basis: BasisOf(ctx)}
	if err := s.accepts.join(ctx, "", a); err != nil {
		return nil, err // not recorded: the caller went away first
	}
	return s.handOver(ctx, a)
}

// handOver answers a batched run the ledger has answered (a.entry): a
// repeat of a run the ledger holds starts nothing. A run recorded but
// perhaps never handed over (its first request failed half-way) is
// handed over again: if the first signal did arrive, the batch's claim
// drops the second.
func (s *Service) handOver(ctx context.Context, a *arrival) (*Run, error) {
	if a.err != nil {
		return nil, a.err
	}
	if a.handed {
		return a.run, nil
	}
	e := a.entry
	if !a.created && e.Status != StatusAccepted {
		if e.Status == StatusHandedOff {
			d, err := s.exec.Get(ctx, a.in.RunID)
			if err != nil {
				return nil, err
			}
			return &d.Run, nil
		}
		run := s.entryRun(e)
		return &run, nil
	}
	if !a.created {
		// Hand over what was recorded first (its version, trigger and
		// time, hence the same batch), not this repeat.
		first, err := s.inputOf(ctx, e)
		if err != nil {
			return nil, err
		}
		a.in = *first
	}
	// The run is recorded: it is handed over even if the caller hangs up
	// now (the group's commits do not use its context's end).
	_ = s.handovers.join(context.Background(), handOverKey(a.in, s.batch), a) // never ends: no error
	return a.run, a.err
}

// acceptGroup records a group of arrivals in one ledger transaction (the
// runs of one request with its key), then hands the runs new to the
// ledger to their batch executions, one signal per execution. Both in one
// commit: the runs that arrive meanwhile make the next group, and a
// group's runs reach each execution together (handed over one by one
// after the commit, the first of them would lead a signal alone).
func (s *Service) acceptGroup(_ string, group []*arrival) {
	s.recordGroup(group)
	s.handOverNew(group)
}

// recordGroup records a group of arrivals in one ledger transaction and
// answers each with its entry (or err).
func (s *Service) recordGroup(group []*arrival) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), enqueueTimeout)
	defer cancel()
	var (
		intakes []Intake
		of      = make([]int, len(group)) // arrival → its intake
	)
	for i, a := range group {
		if i == 0 || a.intake == nil || a.intake != group[i-1].intake {
			in := Intake{Basis: a.basis}
			if a.intake != nil {
				in.Key, in.Basis = a.intake.key, a.intake.basis
			}
			intakes = append(intakes, in)
		}
		of[i] = len(intakes) - 1
		in := &intakes[of[i]]
		in.Entries = append(in.Entries, LedgerEntry{RunID: a.in.RunID, FlowID: a.in.FlowID, FlowVersion: a.in.Version,
			Trigger: a.in.Trigger, StartedAt: a.in.StartedAt})
	}
	got, err := s.ledger.AcceptIntakes(ctx, intakes)
	s.stats.commits.Add(1)
	if err == nil && len(got) != len(intakes) {
		err = fmt.Errorf("recording %d runs: the ledger answered %d of %d requests", len(group), len(got), len(intakes))
	}
	next := make([]int, len(intakes)) // intake → its next answer
	for i, a := range group {
		if err != nil {
			a.err = err
			continue
		}
		ans := got[of[i]]
		j := next[of[i]]
		next[of[i]]++
		switch {
		case ans.Err != nil:
			a.err = ans.Err
		case j >= len(ans.Accepted):
			a.err = fmt.Errorf("recording run %s: the ledger answered %d of its request's runs", a.in.RunID, len(ans.Accepted))
		default:
			a.entry, a.created = ans.Accepted[j].Entry, ans.Accepted[j].Created
		}
	}
}

// handOverNew hands the runs of group new to the ledger to batch
// executions: one signal per flow and window (to the lane of the first of
// its runs), the executions at once. Each run handed over is marked
// handed, with its run or err.
func (s *Service) handOverNew(group []*arrival) {
	var keys []string
	parts := map[string][]*arrival{}
	for _, a := range group {
		if a.err != nil || !a.created {
			continue // refused, or a repeat: handOver sees to it
		}
		k := handOverKey(a.in, s.batch)
		if parts[k] == nil {
			keys = append(keys, k)
		}
		parts[k] = append(parts[k], a)
		a.handed = true
	}
	if len(keys) == 1 {
		s.handOverGroup(keys[0], parts[keys[0]])
		return
	}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					s.log.Error("handing runs to a batch panicked", "runs", len(parts[k]), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					for _, a := range parts[k] {
						a.err = fmt.Errorf("handing %d runs to batch %s: %v", len(parts[k]), k, p)
					}
				}
			}()
			s.handOverGroup(k, parts[k])
		}()
	}
	wg.Wait()
}

// handOverKey names the group of runs handed over together with in: its
// flow's and window's.
func handOverKey(in RunInput, opts BatchOptions) string {
	return in.FlowID + " " + batchWindow(in, opts).Format(time.RFC3339)
}

// handOverGroup hands a group of recorded runs of one flow and window to
// one batch execution with one signal, on the lane s.lanes picks; key
// names the group in errors.
func (s *Service) handOverGroup(key string, group []*arrival) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), enqueueTimeout)
	defer cancel()
	ins := make([]RunInput, len(group))
	for i, a := range group {
		ins[i] = a.in
	}
	lane := s.lanes.pick(ins[0].FlowID, batchWindow(ins[0], s.batch), len(ins), ins[0].RunID)
	runs, err := s.exec.EnqueueMany(ctx, ins, s.batch, lane)
	s.stats.signals.Add(1)
	s.stats.runs.Add(int64(len(ins)))
	if err == nil && len(runs) != len(group) {
		err = fmt.Errorf("handing %d runs to batch %s: Temporal answered %d", len(group), key, len(runs))
	}
	for i, a := range group {
		if err != nil {
			a.err = err
		} else {
			a.run = runs[i]
		}
	}
}

// ledgerEntry returns a batched run's entry, or nil when the ledger does
// not hold it or it went on in a workflow of its own (then Temporal knows
// it).
func (s *Service) ledgerEntry(ctx context.Context, runID string) (*LedgerEntry, error) {
	if s.ledger == nil {
		return nil, nil
	}
	e, err := s.ledger.Get(ctx, runID)
	if errors.Is(err, ErrRunNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.Status == StatusHandedOff {
		return nil, nil
	}
	return e, nil
}

// Get describes one run with its trigger and step results; an unknown id
// is ErrRunNotFound.
func (s *Service) Get(ctx context.Context, runID string) (*RunDetail, error) {
	e, err := s.ledgerEntry(ctx, runID)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return s.exec.Get(ctx, runID)
	}
	d := &RunDetail{Run: s.entryRun(e), Trigger: e.Trigger, Steps: e.Steps, Error: e.Error}
	if d.Steps == nil {
		d.Steps = []StepResult{}
	}
	return d, nil
}

// Cancel asks a run to stop and returns its status from now: canceled
// when it had not started, else running until it has stopped. A run that
// has ended is a *FinishedError.
func (s *Service) Cancel(ctx context.Context, runID string) (string, error) {
	e, err := s.ledgerEntry(ctx, runID)
	if err != nil {
		return "", err
	}
	if e != nil && e.Status == StatusAccepted {
		canceled, err := s.ledger.CancelAccepted(ctx, runID)
		if err != nil {
			return "", err
		}
		if canceled {
			return StatusCanceled, nil
		}
		if e, err = s.ledgerEntry(ctx, runID); err != nil { // claimed meanwhile
			return "", err
		}
	}
	if e != nil {
		if e.Status != StatusRunning {
			return "", &FinishedError{RunID: runID, Status: apiStatus(e.Status)}
		}
		if e.WorkflowID == "" { // a claim records its batch with it: never so
			return "", fmt.Errorf("canceling run %s: no batch is recorded as carrying it", runID)
		}
		if err := s.exec.CancelBatched(ctx, runID, BatchRef{WorkflowID: e.WorkflowID, TemporalRunID: e.TemporalRunID}); err != nil {
			return "", err
		}
		return StatusRunning, nil
	}
	if err := s.exec.Cancel(ctx, runID); err != nil {
		return "", err
	}
	return StatusRunning, nil
}

// AwaitEnd waits, without polling, until runID's own workflow has ended;
// a batched run has none, and AwaitEnd returns at once for it.
func (s *Service) AwaitEnd(ctx context.Context, runID string) error {
	return s.exec.AwaitOwn(ctx, runID)
}

// Retry starts a new run with the input of runID: the same pinned version
// and trigger, a new id and start time, in a workflow of its own.
func (s *Service) Retry(ctx context.Context, runID string) (*Run, error) {
	e, err := s.ledgerEntry(ctx, runID)
	if err != nil {
		return nil, err
	}
	var in *RunInput
	if e != nil {
		in, err = s.inputOf(ctx, e)
	} else {
		in, err = s.exec.Input(ctx, runID)
	}
	if err != nil {
		return nil, err
	}
	in.RunID, in.StartedAt, in.Trigger.ID, in.Resume = NewRunID(in.FlowID), time.Now().UTC(), "", nil
	// A retry is someone looking closely at one run: it gets a workflow
	// of its own, whatever carried the first.
	return s.exec.Start(ctx, *in)
}

// inputOf rebuilds the input of a ledger entry's run: its pinned version,
// trigger and accept time.
func (s *Service) inputOf(ctx context.Context, e *LedgerEntry) (*RunInput, error) {
	return LedgerInput(ctx, s.versions, e)
}

// LedgerInput rebuilds the input of ledger entry e's run from its pinned
// version (read from versions), trigger and accept time.
func LedgerInput(ctx context.Context, versions Versions, e *LedgerEntry) (*RunInput, error) {
	doc, err := versions.PinnedVersion(ctx, e.FlowID, e.FlowVersion)
	if err != nil {
		return nil, fmt.Errorf("reading version %d of flow %s: %w", e.FlowVersion, e.FlowID, err)
	}
	in := NewRunInput(e.FlowID, e.FlowVersion, doc, e.RunID, e.Trigger, e.StartedAt.UTC())
	return &in, nil
}

// apiStatus is how the API reports a ledger status.
func apiStatus(ledger string) string {
	if ledger == StatusAccepted {
		return StatusRunning
	}
	return ledger
}

// entryRun is the run object of a ledger entry: its workflow is the batch
// workflow that carried it.
func (s *Service) entryRun(e *LedgerEntry) Run {
	run := Run{RunID: e.RunID, WorkflowID: e.WorkflowID, FlowID: e.FlowID, FlowVersion: e.FlowVersion,
		Status: apiStatus(e.Status), StartedAt: e.StartedAt.UTC()}
	if e.ClosedAt != nil {
		t := e.ClosedAt.UTC()
		run.ClosedAt = &t
	}
	if e.WorkflowID != "" && e.TemporalRunID != "" {
		run.TemporalUIURL = s.exec.UIURL(e.WorkflowID, e.TemporalRunID)
	}
	return run
}
