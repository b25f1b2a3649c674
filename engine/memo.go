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
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]memoEntry
	order   []memoKey // insertion order, oldest first
}

type memoEntry struct {
	out *StepOutcome
	err error
}

type memoKey struct {
	key string
	at  time.Time
}

// newAttemptMemo keeps at most max outcomes, each for at most ttl.
func newAttemptMemo(ttl time.Duration, max int) *attemptMemo {
	return &attemptMemo{ttl: ttl, max: max, entries: map[string]memoEntry{}}
}

// get returns the remembered outcome of the attempt named by key.
func (m *attemptMemo) get(key string) (memoEntry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expire(time.Now())
	e, ok := m.entries[key]
	return e, ok
}

// put remembers the outcome of the attempt named by key.
func (m *attemptMemo) put(key string, out *StepOutcome, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	if _, ok := m.entries[key]; !ok {
		m.order = append(m.order, memoKey{key: key, at: now})
	}
	m.entries[key] = memoEntry{out: out, err: err}
	m.expire(now)
}

// expire drops outcomes older than the ttl and the oldest beyond max.
func (m *attemptMemo) expire(now time.Time) {
	n := 0
	for n < len(m.order) && (len(m.order)-n > m.max || now.Sub(m.order[n].at) > m.ttl) {
		delete(m.entries, m.order[n].key)
		n++
	}
	if n > 0 {
		m.order = append(m.order[:0:0], m.order[n:]...)
	}
}
