package devserver

import (
	"time"

	"go.temporal.io/server/common/dynamicconfig"
)

// visibilityWorkers is how many visibility tasks (a run's start, upsert
// and close records) the history service writes at once. Temporal's
// default, 512, suits a cluster of database connections; here every write
// goes through the visibility file's one SQLite connection, so 512
// concurrent writes only queue for it, and under load they queued past the
// 3 s each task is given: thousands of "context deadline exceeded" errors,
// and the work of each timed-out write done again. A few workers keep the
// connection busy; the rest wait in the queue, without a deadline.
const visibilityWorkers = 4

// timerShift is how far ahead of now the history service reads its timer
// queue. Temporal's default of 1 s guards against clock skew between
// history hosts; the embedded server is one host, and a timer due sooner
// than the shift fires only after it: a workflow's 1 ms timer (a retry's
// backoff, a batch window's end) fired about a second late.
const timerShift = 50 * time.Millisecond

// xdcCacheBytes bounds the history service's cache of serialized history
// events kept for replication to other clusters (Temporal's default 8 MiB).
// The embedded server is one cluster and never replicates, yet every
// history write still fills the cache; Temporal's floor is 64 KiB.
const xdcCacheBytes = 64 << 10

// defaultDynamicConfig is the embedded server's dynamic config: one host,
// two SQLite files, a couple of cores.
func defaultDynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 200,
		dynamicconfig.HistoryCacheHostLevelMaxSize.Key():                 8192,
		// One process, one matching host: partitions only add forwarding
		// hops between pollers and tasks.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():      1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key():     1,
		dynamicconfig.VisibilityProcessorSchedulerWorkerCount.Key(): visibilityWorkers,
		dynamicconfig.TimerProcessorMaxTimeShift.Key():              timerShift,
		dynamicconfig.XDCCacheMaxSizeBytes.Key():                    xdcCacheBytes,
	}
}
