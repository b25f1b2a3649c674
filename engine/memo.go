package engine

import (
	"sync"
	"time"
)

// attemptMemo remembers, for a while, how each step attempt run as a local
// activity turned out. Local activity results reach Temporal only when the
// workflow task completes; when a task fails or times out instead, it is
// retried and its local activities run again. The memo answers those from
// memory, so a step whose request already went out is not sent a second
// time by the same worker. (After a crash nothing is remembered, and the
// step is sent again with the same Idempotency-Key.)
//
// Outcomes are kept per workflow execution, so that an execution known to
// need none of them again can drop its own at once (forget).
type attemptMemo struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int
	maxBytes int
	n        int // the outcomes kept
	bytes    int // their size
	// execs holds the outcomes by workflow execution (its run id), then
	// by attempt key.
	execs map[string]map[string]memoEntry
	// order is every put in insertion order, oldest first from head on;
	// keys whose outcome was forgotten, or put again later, stay until
	// expire passes them or compact drops them.
	order []memoKey
	head  int
	// now is the memo's clock (time.Now; tests move their own).
	now func() time.Time
}

type memoEntry struct {
	out  *StepOutcome
	err  error
	size int
	at   time.Time
}

type memoKey struct {
	exec, key string
	at        time.Time
}

// newAttemptMemo keeps at most max outcomes of at most maxBytes in all,
// each for at most ttl.
func newAttemptMemo(ttl time.Duration, max, maxBytes int) *attemptMemo {
	return &attemptMemo{ttl: ttl, max: max, maxBytes: maxBytes, execs: map[string]map[string]memoEntry{}, now: time.Now}
}

// entrySize is roughly what an outcome holds in memory.
func entrySize(out *StepOutcome, err error) int {
	n := 64
	if out != nil {
		n += outcomeSize(out)
	}
	if err != nil {
		n += 2 * len(err.Error())
	}
	return n
}

// get returns the remembered outcome of the attempt named by key in the
// workflow execution exec.
func (m *attemptMemo) get(exec, key string) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(m.now())
	e, ok := m.execs[exec][key]
	return e, ok
}

// put remembers the outcome of the attempt named by key in exec.
func (m *attemptMemo) put(exec, key string, out *StepOutcome, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	byKey := m.execs[exec]
	if byKey == nil {
		byKey = map[string]memoEntry{}
		m.execs[exec] = byKey
	}
	if old, ok := byKey[key]; ok {
		m.bytes -= old.size
		m.n--
	}
	e := memoEntry{out: out, err: err, size: entrySize(out, err), at: now}
	byKey[key] = e
	m.n++
	m.bytes += e.size
	m.order = append(m.order, memoKey{exec: exec, key: key, at: now})
	m.expire(now)
}

// forget drops every outcome of exec: its workflow execution will not run
// those attempts again.
func (m *attemptMemo) forget(exec string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range m.execs[exec] {
		m.n--
		m.bytes -= e.size
	}
	delete(m.execs, exec)
	m.compact()
}

// expire drops outcomes older than the ttl, and the oldest beyond max or
// beyond maxBytes.
func (m *attemptMemo) expire(now time.Time) {
	for m.head < len(m.order) {
		k := m.order[m.head]
		e, live := m.execs[k.exec][k.key]
		live = live && e.at.Equal(k.at)
		if live && m.n <= m.max && m.bytes <= m.maxBytes && now.Sub(k.at) <= m.ttl {
			break
		}
		if live {
			m.drop(k)
		}
		m.order[m.head] = memoKey{}
		m.head++
	}
	m.compact()
}

// drop removes the outcome k names.
func (m *attemptMemo) drop(k memoKey) {
	byKey := m.execs[k.exec]
	m.n--
	m.bytes -= byKey[k.key].size
	delete(byKey, k.key)
	if len(byKey) == 0 {
		delete(m.execs, k.exec)
	}
}

// compact keeps order from growing past twice the outcomes kept: once
// half of it is passed or stale, it is copied without those. Each put so
// costs a constant amount of copying on average, however long the memo.
func (m *attemptMemo) compact() {
	if len(m.order) < 64 || len(m.order) < 2*m.n {
		return
	}
	kept := make([]memoKey, 0, 2*m.n)
	for _, k := range m.order[m.head:] {
		if e, ok := m.execs[k.exec][k.key]; ok && e.at.Equal(k.at) {
			kept = append(kept, k)
		}
	}
	m.order, m.head = kept, 0
}
