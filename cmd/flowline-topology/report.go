package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// meter takes the figures: time, CPU per process, and PostgreSQL's commits
// and row writes per database, from the start of the load to the moment
// every trigger was delivered.
type meter struct {
	ps  *procs
	pg  *postgres
	dbs []string

	start, stop        time.Time
	marks              []mark
	cpu0               map[*proc]time.Duration
	commits0, commits1 map[string]int64
	tables0, tables1   map[string]map[string]tableUse
}

type mark struct {
	name string
	at   time.Time
}

func newMeter(ps *procs, pg *postgres, dbs []string) *meter {
	return &meter{ps: ps, pg: pg, dbs: dbs, cpu0: map[*proc]time.Duration{}}
}

func (m *meter) snapshotDB(ctx context.Context) (map[string]int64, map[string]map[string]tableUse, error) {
	commits, err := m.pg.commits(ctx, m.dbs)
	if err != nil {
		return nil, nil, err
	}
	tables := map[string]map[string]tableUse{}
	for _, db := range m.dbs {
		if tables[db], err = m.pg.tableUses(ctx, db); err != nil {
			return nil, nil, err
		}
	}
	return commits, tables, nil
}

func (m *meter) begin(ctx context.Context) (err error) {
	m.commits0, m.tables0, err = m.snapshotDB(ctx)
	m.ps.mu.Lock()
	for _, p := range m.ps.all {
		if u, err := p.usage(); err == nil {
			m.cpu0[p] = u.cpu
		}
	}
	m.ps.mu.Unlock()
	m.start = time.Now()
	return err
}

func (m *meter) mark(name string) { m.marks = append(m.marks, mark{name, time.Now()}) }

func (m *meter) end(ctx context.Context) (err error) {
	m.stop = time.Now()
	m.commits1, m.tables1, err = m.snapshotDB(ctx)
	return err
}

// report prints the figures.
func (m *meter) report(triggers []*trigger, got map[string][]delivery, o options) {
	var all, steady []time.Duration
	var last time.Time
	steadyDone := 0
	firstFault := m.stop
	if len(m.marks) > 0 {
		firstFault = m.marks[0].at
	}
	delivered := 0
	for _, t := range triggers {
		ds := got[t.key]
		if !t.accepted || len(ds) == 0 {
			continue
		}
		delivered++
		first := ds[0]
		all = append(all, first.latency)
		if first.at.After(last) {
			last = first.at
		}
		if t.sent.Before(firstFault) {
			steady = append(steady, first.latency)
		}
		if first.at.Before(firstFault) {
			steadyDone++
		}
	}
	elapsed := last.Sub(m.start)
	perSec := float64(delivered) / elapsed.Seconds()
	steadyPerSec := float64(steadyDone) / firstFault.Sub(m.start).Seconds()

	fmt.Println()
	fmt.Printf("topology: 4 Temporal services + flowline api + 2 workers on PostgreSQL, batch lanes %d\n", o.lanes)
	fmt.Printf("delivered:          %d triggers in %.1f s: %.1f events/s through the faults; %.1f events/s before the first kill\n",
		delivered, elapsed.Seconds(), perSec, steadyPerSec)
	fmt.Printf("trigger → request:  before the first kill p50 %.0f ms, p99 %.0f ms; all p50 %.0f ms, p99 %.0f ms\n",
		pct(steady, 50), pct(steady, 99), pct(all, 50), pct(all, 99))
	for _, mk := range m.marks {
		fmt.Printf("fault:              %s at +%.1f s\n", mk.name, mk.at.Sub(m.start).Seconds())
	}

	// Commits and the tables written, per database.
	var commits int64
	for _, db := range m.dbs {
		commits += m.commits1[db] - m.commits0[db]
	}
	fmt.Printf("PostgreSQL commits: %.1f per event (%d over %d triggers, pg_stat_database)\n", float64(commits)/float64(delivered), commits, delivered)
	for _, db := range m.dbs {
		c := m.commits1[db] - m.commits0[db]
		writes := m.perTable(db, func(u tableUse) int64 { return u.writes })
		scans := m.perTable(db, func(u tableUse) int64 { return u.scans })
		fmt.Printf("  %-34s %5.1f commits/event; rows written per event: %s\n", db, float64(c)/float64(delivered), perEvent(writes, delivered))
		fmt.Printf("  %-34s       scans per event (statements reading a table): %s\n", "", perEvent(scans, delivered))
	}

	// CPU and memory per process.
	var cpu time.Duration
	fmt.Println("processes (CPU during the load, peak RSS):")
	m.ps.mu.Lock()
	all2 := append([]*proc(nil), m.ps.all...)
	m.ps.mu.Unlock()
	for _, p := range all2 {
		u, err := p.usage()
		if err != nil {
			continue
		}
		c := u.cpu - m.cpu0[p]
		cpu += c
		state := ""
		if p.exited() {
			state = " (killed)"
		}
		fmt.Printf("  %-28s CPU %6.1f s   RSS %4.0f MiB%s\n", p.name, c.Seconds(), float64(u.rss)/(1<<20), state)
	}
	pgCPU := time.Duration(0)
	pgNote := "not on this machine"
	if m.pg.local() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if backends, err := m.pg.backends(ctx, m.dbs); err == nil {
			n := 0
			for _, pids := range backends {
				for _, pid := range pids {
					if u, err := procUsage(pid); err == nil {
						pgCPU += u.cpu
						n++
					}
				}
			}
			pgNote = fmt.Sprintf("%d backends still connected, their whole lifetime", n)
		}
	}
	fmt.Printf("  %-28s CPU %6.1f s   (%s)\n", "postgresql backends", pgCPU.Seconds(), pgNote)
	perEvent := float64((cpu + pgCPU).Microseconds()) / 1000 / float64(delivered)
	fmt.Printf("CPU per event:      %.1f ms across all processes (%.1f ms without PostgreSQL)\n", perEvent,
		float64(cpu.Microseconds())/1000/float64(delivered))
	fmt.Printf("topology lanes=%d events_per_sec=%.1f steady_events_per_sec=%.1f p50_ms=%.0f p99_ms=%.0f commits_per_event=%.1f cpu_ms_per_event=%.1f\n",
		o.lanes, perSec, steadyPerSec, pct(steady, 50), pct(steady, 99), float64(commits)/float64(delivered), perEvent)
}

// pct returns the p-th percentile (0–100) of ds in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(float64(len(s)-1)*p/100)].Microseconds()) / 1000
}

// tableCount is one table's count during the load.
type tableCount struct {
	name string
	n    int64
}

// perTable returns the tables of db whose count grew during the load,
// largest first.
func (m *meter) perTable(db string, count func(tableUse) int64) []tableCount {
	var tables []tableCount
	for name, u := range m.tables1[db] {
		if d := count(u) - count(m.tables0[db][name]); d > 0 {
			tables = append(tables, tableCount{name, d})
		}
	}
	sort.Slice(tables, func(i, j int) bool { return tables[i].n > tables[j].n })
	return tables
}

// perEvent prints the first six counts per delivered trigger.
func perEvent(tables []tableCount, delivered int) string {
	if len(tables) > 6 {
		tables = tables[:6]
	}
	var parts []string
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("%s %.1f", t.name, float64(t.n)/float64(delivered)))
	}
	return strings.Join(parts, ", ")
}
