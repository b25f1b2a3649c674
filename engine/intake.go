package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
)

// Group commit at intake. Runs started at the same moment share their
// work: one ledger transaction records all of them, and one signal per
// batch execution hands over all of that execution's runs. There is no
// timer: a caller that finds nothing committing commits at once (alone,
// when idle), and whatever arrives while a commit runs waits for it and
// goes in the next one, together.

// arrival is one Service.Start call of a batched run on its way through
// intake.
type arrival struct {
	ctx context.Context
	in  RunInput
	// entry and created answer the ledger stage; run and err the signal
	// stage (err also the ledger's). handed says the ledger stage's commit
	// did the signal stage too (a run new to the ledger).
	entry   *LedgerEntry
	created bool
	handed  bool
	// intake, when set, is the request this run came with: the runs of
	// one request join as one unit and share it, and its key is recorded
	// with them.
	intake *intakeOf
	// basis is the revision a run started alone was decided from
	// (WithBasis), zero for none; a request's is its intake's.
	basis int64
	run   *Run
	err   error
	done  chan struct{}
}

// Bounds of one group: how many runs, and about how many bytes of their
// input (a signal's payload stays well below Temporal's 512 KB warning
// and its 2 MB limit; a larger run goes alone).
const (
	groupMaxRuns  = 256
	groupMaxBytes = 256 << 10
)

// weight is about how many bytes a's run adds to a group's signal, its
// pinned version's document aside (a signal carries that once per
// version: versionWeight).
func (a *arrival) weight() int {
	t := a.in.Trigger
	w := 256 + len(t.Body) + len(t.Headers) + len(t.Query) + len(t.Files) + len(t.Event) + len(t.Data) + len(t.Message)
	if a.in.Resume != nil { // a retry's steps so far; rare
		if b, err := json.Marshal(a.in.Resume); err == nil {
			w += len(b)
		}
	}
	return w
}

// versionKey names a pinned version within a group.
type versionKey struct {
	flowID  string
	version int
}

// versionWeight is about how many bytes the first run of its version
// adds to a group's signal besides its own: the document.
func (a *arrival) versionWeight() int {
	b, err := json.Marshal(&a.in.Document)
	if err != nil {
		return 0
	}
	return len(b)
}

// committer coalesces arrivals per key: at most one commit per key runs
// at a time, and each commit takes everything queued for its key (up to
// the group bounds). commit answers each arrival of its group (sets its
// results or err); the committer then releases their callers.
type committer struct {
	commit func(key string, group []*arrival)
	// log records a commit's panic, with its stack.
	log    *slog.Logger
	mu     sync.Mutex
	queues map[string]*queue
}

// queue is what waits for one key's commit: units of arrivals, each
// committed whole in one group.
type queue struct {
	pending [][]*arrival
	busy    bool // a commit of this key runs; false means pending is empty
}

func newCommitter(commit func(key string, group []*arrival), log *slog.Logger) *committer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &committer{commit: commit, log: log, queues: map[string]*queue{}}
}

// join queues unit (one or more arrivals, kept together in one group)
// under key and returns once its group is committed: the commit has
// answered each of them. If ctx ends while the unit still waits (no
// commit has taken it), the unit leaves the queue, nothing is committed
// for it, and each of its arrivals is answered ctx's error, which join
// returns; once a commit has taken it, join waits for that commit
// whatever ctx does. A context that never ends keeps the unit queued.
func (c *committer) join(ctx context.Context, key string, unit ...*arrival) error {
	if len(unit) == 0 {
		return nil
	}
	for _, a := range unit {
		a.done = make(chan struct{})
	}
	c.mu.Lock()
	q := c.queues[key]
	if q == nil {
		q = &queue{}
		c.queues[key] = q
	}
	q.pending = append(q.pending, unit)
	lead := !q.busy
	q.busy = true
	c.mu.Unlock()
	if lead {
		c.lead(key, q)
	}
	select {
	case <-unit[0].done:
	case <-ctx.Done():
		if c.drop(q, unit) {
			err := ctx.Err()
			for _, a := range unit {
				a.err = err
			}
			return err
		}
	}
	for _, a := range unit { // closed together, by the commit that took them
		<-a.done
	}
	return nil
}

// drop takes unit out of q's pending units, if no commit has taken it
// yet, and reports whether it did.
func (c *committer) drop(q *queue, unit []*arrival) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, u := range q.pending {
		if &u[0] == &unit[0] {
			q.pending = append(q.pending[:i:i], q.pending[i+1:]...)
			return true
		}
	}
	return false
}

// lead commits one group of q, then hands what queued meanwhile to a
// goroutine of its own, so the caller that led is answered now.
func (c *committer) lead(key string, q *queue) {
	c.mu.Lock()
	var group []*arrival
	n, bytes := 0, 0 // units taken, their bytes
	versions := map[versionKey]bool{}
	for n < len(q.pending) {
		unit, w := q.pending[n], 0
		var fresh []versionKey // versions the unit adds to the group
		for _, a := range unit {
			w += a.weight()
			if k := (versionKey{a.in.FlowID, a.in.Version}); !versions[k] && !slices.Contains(fresh, k) {
				fresh = append(fresh, k)
				w += a.versionWeight()
			}
		}
		if n > 0 && (len(group)+len(unit) > groupMaxRuns || bytes+w > groupMaxBytes) {
			break
		}
		for _, k := range fresh {
			versions[k] = true
		}
		group = append(group, unit...)
		n, bytes = n+1, bytes+w
	}
	if n == len(q.pending) {
		q.pending = nil
	} else {
		q.pending = append([][]*arrival(nil), q.pending[n:]...)
	}
	c.mu.Unlock()

	if len(group) > 0 { // empty when every unit waiting left (drop)
		c.commitGroup(key, group)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	if len(q.pending) > 0 {
		go c.lead(key, q)
		return
	}
	q.busy = false
	delete(c.queues, key)
}

// commitGroup commits group and releases its callers, also when the
// commit panics: they get an error, and the key's queue goes on. The
// panic is logged with its stack (the runs' ids count, not their
// triggers: a payload may hold secrets).
func (c *committer) commitGroup(key string, group []*arrival) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("starting runs panicked", "runs", len(group), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err := fmt.Errorf("starting %d runs: %v", len(group), p)
			for _, a := range group {
				a.err = err
			}
		}
		for _, a := range group {
			close(a.done)
		}
	}()
	c.commit(key, group)
}
