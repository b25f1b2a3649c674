package engine

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flowline/flowline/flows"
)

// TestCommitterGroupsWhatArrivesMeanwhile: a caller that finds nothing
// committing commits alone and at once; the callers that arrive while it
// commits share the next commit, each answered by it; another key
// commits beside them.
func TestCommitterGroupsWhatArrivesMeanwhile(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var groups [][]string
	c := newCommitter(func(key string, group []*arrival) {
		if group[0].in.RunID == "first" {
			<-gate
		}
		ids := make([]string, len(group))
		for i, a := range group {
			ids[i] = a.in.RunID
			a.run = &Run{RunID: a.in.RunID, WorkflowID: key}
		}
		mu.Lock()
		groups = append(groups, ids)
		mu.Unlock()
	}, nil)
	join := func(key, id string) *arrival {
		a := &arrival{in: RunInput{RunID: id}}
		c.join(context.Background(), key, a)
		return a
	}
	queued := func(key string) int {
		c.mu.Lock()
		defer c.mu.Unlock()
		if q := c.queues[key]; q != nil {
			return len(q.pending)
		}
		return 0
	}

	var wg sync.WaitGroup
	answers := make(chan *arrival, 100)
	wg.Add(1)
	go func() { defer wg.Done(); answers <- join("k", "first") }()
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.queues["k"] != nil && c.queues["k"].pending == nil
	})
	const later = 50
	for i := range later {
		wg.Add(1)
		go func() { defer wg.Done(); answers <- join("k", fmt.Sprintf("r%d", i)) }()
	}
	waitFor(t, func() bool { return queued("k") == later })
	// Another batch is not held back by this one's commit.
	if a := join("other", "alone"); a.run == nil || a.run.WorkflowID != "other" {
		t.Fatalf("the other key's caller got %+v", a.run)
	}
	close(gate)
	wg.Wait()
	close(answers)
	for a := range answers {
		if a.run == nil || a.run.RunID != a.in.RunID || a.run.WorkflowID != "k" {
			t.Errorf("caller %s answered %+v", a.in.RunID, a.run)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(groups) != 3 || len(groups[0]) != 1 || len(groups[1]) != 1 || len(groups[2]) != later {
		sizes := []int{}
		for _, g := range groups {
			sizes = append(sizes, len(g))
		}
		t.Fatalf("commits of %v runs, want 1 (the other key), 1 (the first) and %d (the rest together)", sizes, later)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queues) != 0 {
		t.Errorf("idle keys left queues behind: %v", c.queues)
	}
}

// TestCommitterBoundsAGroup: a group takes at most groupMaxRuns runs and,
// past its first, about groupMaxBytes of input; the rest go in later
// commits.
func TestCommitterBoundsAGroup(t *testing.T) {
	gate := make(chan struct{})
	var sizes []int
	c := gatedCommitter(gate, &sizes)
	var wg sync.WaitGroup
	queued := 0
	// start queues one caller and waits until it has: they queue in order.
	start := func(id string, body int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.join(context.Background(), "k", &arrival{in: RunInput{RunID: id, Trigger: TriggerInput{Event: make([]byte, body)}}})
		}()
		if id != "first" {
			queued++
		}
		waitFor(t, func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.queues["k"] != nil && c.queues["k"].busy && len(c.queues["k"].pending) == queued
		})
	}
	start("first", 0)
	for i := range groupMaxRuns + 10 {
		start(fmt.Sprint(i), 0)
	}
	start("big", 2*groupMaxBytes)
	close(gate)
	wg.Wait()
	if fmt.Sprint(sizes) != fmt.Sprint([]int{1, groupMaxRuns, 10, 1}) {
		t.Errorf("groups of %v runs, want [1 %d 10 1]", sizes, groupMaxRuns)
	}
}

// waitFor waits until cond holds (it reads state other goroutines change).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached within 10s")
		}
	}
}

// TestCommitterSurvivesAPanickingCommit: the callers of a commit that
// panics get an error, the panic is logged with its stack, and the key
// takes later callers as before.
func TestCommitterSurvivesAPanickingCommit(t *testing.T) {
	c := newCommitter(func(_ string, group []*arrival) {
		if group[0].in.RunID == "bad" {
			panic("ledger gone")
		}
		group[0].run = &Run{RunID: group[0].in.RunID}
	}, nil)
	var logged bytes.Buffer
	c.log = slog.New(slog.NewTextHandler(&logged, nil))
	bad := &arrival{in: RunInput{RunID: "bad", Trigger: TriggerInput{TriggerInfo: flows.TriggerInfo{Body: []byte(`"secret-payload"`)}}}}
	c.join(context.Background(), "k", bad)
	if bad.err == nil || bad.run != nil {
		t.Fatalf("a panicking commit answered %+v, %v; want an error", bad.run, bad.err)
	}
	// The log has the panic and where it happened, not the trigger.
	if got := logged.String(); !strings.Contains(got, "ledger gone") || !strings.Contains(got, "TestCommitterSurvivesAPanickingCommit") ||
		strings.Contains(got, "secret-payload") {
		t.Errorf("the panic was logged as %q; want its value and stack, without the trigger", got)
	}
	good := &arrival{in: RunInput{RunID: "good"}}
	c.join(context.Background(), "k", good)
	if good.err != nil || good.run == nil {
		t.Fatalf("the next commit answered %+v, %v", good.run, good.err)
	}
}

// TestCommitterKeepsAUnitWhole: the arrivals joined together (the runs of
// one request) go in one group: a unit that would overflow a group waits
// for the next one, whole.
func TestCommitterKeepsAUnitWhole(t *testing.T) {
	gate := make(chan struct{})
	var groups [][]string
	c := newCommitter(func(_ string, group []*arrival) {
		if group[0].in.RunID == "first" {
			<-gate
		}
		var ids []string
		for _, a := range group {
			ids = append(ids, a.in.RunID)
		}
		groups = append(groups, ids) // one commit per key at a time
	}, nil)
	var wg sync.WaitGroup
	queued := 0
	start := func(ids ...string) {
		unit := make([]*arrival, len(ids))
		for i, id := range ids {
			unit[i] = &arrival{in: RunInput{RunID: id}}
		}
		wg.Add(1)
		go func() { defer wg.Done(); c.join(context.Background(), "k", unit...) }()
		if ids[0] != "first" {
			queued++
		}
		waitFor(t, func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.queues["k"] != nil && c.queues["k"].busy && len(c.queues["k"].pending) == queued
		})
	}
	start("first")
	for i := range groupMaxRuns - 2 {
		start(fmt.Sprint(i))
	}
	start("u1", "u2", "u3", "u4", "u5")
	start("last")
	close(gate)
	wg.Wait()
	if len(groups) != 3 || len(groups[1]) != groupMaxRuns-2 || fmt.Sprint(groups[2]) != "[u1 u2 u3 u4 u5 last]" {
		t.Errorf("groups %d, sizes %d/%d, last %v; want the unit whole in the third", len(groups), len(groups[0]), len(groups[1]), groups[len(groups)-1])
	}
}

// TestCommitterDropsAUnitWhoseCallerLeft: a caller whose context ends
// while its unit still waits behind a running commit is answered the
// context's error at once, and no commit ever sees its runs; the key goes
// on with the others.
func TestCommitterDropsAUnitWhoseCallerLeft(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var committed []string
	c := newCommitter(func(_ string, group []*arrival) {
		if group[0].in.RunID == "first" {
			<-gate
		}
		mu.Lock()
		defer mu.Unlock()
		for _, a := range group {
			committed = append(committed, a.in.RunID)
		}
	}, nil)
	queued := func(n int) func() bool {
		return func() bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.queues["k"] != nil && c.queues["k"].busy && len(c.queues["k"].pending) == n
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.join(context.Background(), "k", &arrival{in: RunInput{RunID: "first"}}) }()
	waitFor(t, queued(0))
	ctx, cancel := context.WithCancel(context.Background())
	left := []*arrival{{in: RunInput{RunID: "left1"}}, {in: RunInput{RunID: "left2"}}}
	errc := make(chan error, 1)
	go func() { errc <- c.join(ctx, "k", left...) }()
	waitFor(t, queued(1))
	go func() { defer wg.Done(); c.join(context.Background(), "k", &arrival{in: RunInput{RunID: "stayed"}}) }()
	waitFor(t, queued(2))
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("join answered %v, want context.Canceled", err)
	}
	for _, a := range left {
		if a.err != context.Canceled {
			t.Errorf("arrival %s answered %v, want context.Canceled", a.in.RunID, a.err)
		}
	}
	close(gate)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(committed) != "[first stayed]" {
		t.Errorf("committed %v, want [first stayed]: a unit whose caller left is never committed", committed)
	}
}

// TestCommitterDropsTheOnlyWaitingUnit: when every unit waiting leaves,
// the next commit has nothing to take; it commits nothing and the key's
// queue goes away.
func TestCommitterDropsTheOnlyWaitingUnit(t *testing.T) {
	gate := make(chan struct{})
	commits := 0
	c := newCommitter(func(_ string, group []*arrival) {
		commits++ // one commit per key at a time
		if group[0].in.RunID == "first" {
			<-gate
		}
	}, nil)
	done := make(chan struct{})
	go func() { defer close(done); c.join(context.Background(), "k", &arrival{in: RunInput{RunID: "first"}}) }()
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.queues["k"] != nil && c.queues["k"].busy
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- c.join(ctx, "k", &arrival{in: RunInput{RunID: "left"}}) }()
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.queues["k"].pending) == 1
	})
	cancel()
	if err := <-errc; err != context.Canceled {
		t.Fatalf("join answered %v, want context.Canceled", err)
	}
	close(gate)
	<-done
	waitFor(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return len(c.queues) == 0
	})
	if commits != 1 {
		t.Errorf("%d commits, want 1", commits)
	}
}

// TestCommitterCountsADocumentOncePerVersion: a group's signal carries
// each pinned version's document once, so runs of one version with a
// large document share a group, while as many runs of as many versions
// with documents that large do not fit in one.
func TestCommitterCountsADocumentOncePerVersion(t *testing.T) {
	big := flows.Document{Name: strings.Repeat("x", groupMaxBytes/3)}
	for _, tc := range []struct {
		name     string
		versions []int
		want     string
	}{
		{"one version", []int{1, 1, 1}, "[1 3]"},
		{"three versions", []int{1, 2, 3}, "[1 2 1]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			var sizes []int
			c := gatedCommitter(gate, &sizes)
			var wg sync.WaitGroup
			start := func(id string, version, queued int) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					c.join(context.Background(), "k", &arrival{in: RunInput{RunID: id, FlowID: "f", Version: version, Document: big}})
				}()
				waitFor(t, func() bool {
					c.mu.Lock()
					defer c.mu.Unlock()
					return c.queues["k"] != nil && c.queues["k"].busy && len(c.queues["k"].pending) == queued
				})
			}
			start("first", 9, 0)
			for i, v := range tc.versions {
				start(fmt.Sprint(i), v, i+1)
			}
			close(gate)
			wg.Wait()
			if fmt.Sprint(sizes) != tc.want {
				t.Errorf("groups of %v runs, want %s", sizes, tc.want)
			}
		})
	}
}

// gatedCommitter is a committer whose commit of a group led by the run
// "first" waits for gate, and which records each group's size in sizes
// (one commit per key runs at a time, so without a lock).
func gatedCommitter(gate <-chan struct{}, sizes *[]int) *committer {
	return newCommitter(func(_ string, group []*arrival) {
		if group[0].in.RunID == "first" {
			<-gate
		}
		*sizes = append(*sizes, len(group))
	}, nil)
}
