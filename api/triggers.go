package api

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// triggerCache keeps what event and webhook triggers read from the store —
// the compiled event catalog, the enabled flows with their published
// versions parsed, and which of them each event type starts — so that a
// trigger costs no store read of its own instead of listing flows, reading
// their versions and parsing them every time.
//
// It is correct across API processes sharing one store: every write that
// changes any of this bumps the revision (store.TriggerRevision) in its
// own transaction. A trigger is decided from the snapshot held
// (heldTriggers) and its runs recorded only if the revision is still the
// snapshot's, checked in the ledger transaction that records them
// (engine.WithBasis); otherwise it is decided again from a fresh read. A
// refusal decided from the snapshot held is answered only once a read of
// the revision says it is current. So once a publish, disable, delete or
// catalog change has been answered, no trigger through any process acts
// on what it replaced.
type triggerCache struct {
	// cur is the newest snapshot; read without the lock.
	cur atomic.Pointer[triggerSnapshot]
	// mu lets one caller load at a time; the others wait for its result.
	mu sync.Mutex
}

// liveFlow is an enabled flow as triggers see it: its published version,
// parsed. Every request reading the snapshot shares it (and runs' inputs
// copy Doc shallowly): it is read only.
type liveFlow struct {
	ID      string
	Version int
	Doc     *flows.Document
}

// maxMemoTypes bounds how many event types a snapshot remembers the
// subscribers of: types are whatever clients post, so past this many the
// rest are matched each time.
const maxMemoTypes = 4096

// triggerSnapshot is the state of the store at one revision (or newer).
// It is never changed once published, except for its memo of subscribers.
type triggerSnapshot struct {
	// rev is the revision read before the data was: the data is at least
	// as new as it.
	rev     store.TriggerRevision
	catalog *flows.Catalog
	// enabled are the enabled flows, oldest first; byID indexes them.
	enabled []*liveFlow
	byID    map[string]*liveFlow
	// subs memoises subscribersOf: event type → []*liveFlow.
	subs  sync.Map
	nsubs atomic.Int64
}

// heldTriggers returns the snapshot this process holds, not checked
// against the store (verified false: whatever it decides must name its
// revision as its basis, engine.WithBasis), or when it holds none a fresh
// one as triggers does.
func (s *server) heldTriggers(ctx context.Context) (snap *triggerSnapshot, verified bool, err error) {
	if snap := s.triggerCache.cur.Load(); snap != nil {
		return snap, false, nil
	}
	snap, err = s.triggers(ctx)
	return snap, true, err
}

// current reports whether the store's revision is still basis (a
// snapshot's, Sum), by one read; a failed read counts as current, so the
// refusal it guards is answered as decided.
func (s *server) current(ctx context.Context, basis int64) bool {
	rev, err := s.store.TriggerRevision(ctx)
	return err != nil || rev.Sum() == basis
}

// triggers returns the snapshot of what triggers read, current as of a
// revision read made by this call: anything committed before the call
// began is in it.
func (s *server) triggers(ctx context.Context) (*triggerSnapshot, error) {
	rev, err := s.store.TriggerRevision(ctx)
	if err != nil {
		return nil, err
	}
	return s.triggersAt(ctx, rev)
}

// triggersAt returns a snapshot holding everything committed up to rev,
// the revision the caller read: the current one if it does, else a new
// load (one at a time; callers that waited reuse it when it covers theirs).
func (s *server) triggersAt(ctx context.Context, rev store.TriggerRevision) (*triggerSnapshot, error) {
	tc := &s.triggerCache
	if snap := tc.cur.Load(); snap.covers(rev) {
		return snap, nil
	}
	tc.mu.Lock()
	defer tc.mu.Unlock()
	prev := tc.cur.Load()
	if prev.covers(rev) {
		return prev, nil // loaded by the caller this one waited for
	}
	snap, err := s.loadTriggers(ctx, rev, prev)
	if err != nil {
		return nil, err
	}
	tc.cur.Store(snap)
	return snap, nil
}

// covers reports whether the snapshot holds everything committed up to
// rev: both of its revisions are at least rev's (a snapshot's data is
// always at least as new as its own revision). Each half is compared on
// its own: a snapshot that reused an older snapshot's flows or catalog
// is only as new as the revision it recorded for that half, however
// recently it was made. A nil snapshot covers nothing.
func (snap *triggerSnapshot) covers(rev store.TriggerRevision) bool {
	return snap != nil && snap.rev.Flows >= rev.Flows && snap.rev.Catalog.Revision >= rev.Catalog.Revision
}

// loadTriggers reads what changed since prev (nil: everything). The data
// is read after rev was, so it is at least as new as rev; a change
// committed in between makes the snapshot newer than its revision, and the
// next call reloads it once more, which is only wasted work.
func (s *server) loadTriggers(ctx context.Context, rev store.TriggerRevision, prev *triggerSnapshot) (*triggerSnapshot, error) {
	snap := &triggerSnapshot{rev: rev}
	if prev != nil && prev.rev.Catalog == rev.Catalog {
		snap.catalog = prev.catalog
	} else {
		cat, err := s.loadCatalog(ctx)
		if err != nil {
			return nil, err
		}
		snap.catalog = cat
	}
	if prev != nil && prev.rev.Flows == rev.Flows {
		snap.enabled, snap.byID = prev.enabled, prev.byID
		return snap, nil
	}
	versions, err := s.store.ListEnabledVersions(ctx)
	if err != nil {
		return nil, err
	}
	snap.enabled = make([]*liveFlow, 0, len(versions))
	snap.byID = make(map[string]*liveFlow, len(versions))
	for _, v := range versions {
		doc, err := flows.ParseDocument(v.Document)
		if err != nil {
			return nil, fmt.Errorf("reading the published version of flow %s: %w", v.FlowID, err)
		}
		f := &liveFlow{ID: v.FlowID, Version: v.Version, Doc: doc}
		snap.enabled = append(snap.enabled, f)
		snap.byID[f.ID] = f
	}
	return snap, nil
}

// loadCatalog reads and compiles the event catalog.
func (s *server) loadCatalog(ctx context.Context) (*flows.Catalog, error) {
	records, err := s.store.ListEventTypes(ctx, "")
	if err != nil {
		return nil, err
	}
	types := make([]flows.EventType, 0, len(records))
	for _, r := range records {
		et, err := r.EventType()
		if err != nil {
			return nil, err
		}
		types = append(types, et)
	}
	return flows.NewCatalog(types)
}

// subscribersOf returns the enabled flows whose published version
// subscribes to eventType, oldest first. The slice is shared: callers
// must not change it.
func (snap *triggerSnapshot) subscribersOf(eventType string) []*liveFlow {
	if got, ok := snap.subs.Load(eventType); ok {
		return got.([]*liveFlow)
	}
	var out []*liveFlow
	for _, f := range snap.enabled {
		if f.Doc.Subscribes(eventType) {
			out = append(out, f)
		}
	}
	if snap.nsubs.Load() < maxMemoTypes {
		if _, loaded := snap.subs.LoadOrStore(eventType, out); !loaded {
			snap.nsubs.Add(1)
		}
	}
	return out
}
