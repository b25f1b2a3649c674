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
type attemptMemo struct {
	mu       sync.Mutex
	ttl      time.Duration
	max      int
	maxBytes int
	bytes    int // the size of the outcomes kept
	entries  map[string]memoEntry
	order    []memoKey // insertion order, oldest first
	// now is the memo's clock (time.Now; tests move their own).
	now func() time.Time
}

type memoEntry struct {
	out  *StepOutcome
	err  error
	size int
}

type memoKey struct {
	key string
	at  time.Time
}

// newAttemptMemo keeps at most max outcomes of at most maxBytes in all,
// each for at most ttl.
func newAttemptMemo(ttl time.Duration, max, maxBytes int) *attemptMemo {
	return &attemptMemo{ttl: ttl, max: max, maxBytes: maxBytes, entries: map[string]memoEntry{}, now: time.Now}
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

// get returns the remembered outcome of the attempt named by key.
func (m *attemptMemo) get(key string) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(m.now())
	e, ok := m.entries[key]
	return e, ok
}

// put remembers the outcome of the attempt named by key.
func (m *attemptMemo) put(key string, out *StepOutcome, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if old, ok := m.entries[key]; ok {
		m.bytes -= old.size
	} else {
		m.order = append(m.order, memoKey{key: key, at: now})
	}
	e := memoEntry{out: out, err: err, size: entrySize(out, err)}
	m.entries[key] = e
	m.bytes += e.size
	m.expire(now)
}

// expire drops outcomes older than the ttl, and the oldest beyond max or
// beyond maxBytes.
func (m *attemptMemo) expire(now time.Time) {
	n := 0
	for n < len(m.order) && (len(m.order)-n > m.max || m.bytes > m.maxBytes || now.Sub(m.order[n].at) > m.ttl) {
		m.bytes -= m.entries[m.order[n].key].size
		delete(m.entries, m.order[n].key)
		n++
	}
	if n > 0 {
		m.order = append(m.order[:0:0], m.order[n:]...)
	}
}
