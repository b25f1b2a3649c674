package devserver

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence"
	"go.temporal.io/server/common/persistence/serialization"
	psql "go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/common/searchattribute/sadefs"
)

// Temporal's SQLite visibility schema indexes executions_visibility 58
// times: by every system column, every pre-allocated custom search
// attribute slot (3 Bool, 3 Datetime, 3 Double, 3 Int, 10 Keyword) and
// every slot reserved for CHASM. Every visibility write (a run's start, a
// search-attribute upsert, its close) updates each of them: in the
// embedded server that was about 1.8 ms of CPU per write, most of a
// per-run workflow's visibility cost, and the reason its writes queued
// past their 3 s deadline under load. trimVisibilityIndexes keeps what
// listings need and drops the rest; a query on a column without an index
// still answers, by scanning.

// keptVisibilityIndexes serve Flowline's run listings (workflow type,
// status, FlowlineFlowId's slot), the Temporal UI's default listing and its
// workflow id, parent and status filters, and Temporal Schedules.
var keptVisibilityIndexes = map[string]bool{
	"default_idx":                      true,
	"by_workflow_id":                   true,
	"by_workflow_type":                 true,
	"by_status":                        true,
	"by_parent_workflow_id":            true,
	"by_temporal_namespace_division":   true,
	"by_temporal_scheduled_start_time": true,
	"by_temporal_scheduled_by_id":      true,
	"by_temporal_schedule_paused":      true,
}

// droppedVisibilityIndexes are the schema's indexes on system columns that
// no listing of Flowline, the UI or Schedules filters on. The custom and
// CHASM slots are handled apart (see slotIndexes).
var droppedVisibilityIndexes = []string{
	"by_execution_time", "by_history_length", "by_history_size_bytes", "by_execution_duration",
	"by_state_transition_count", "by_task_queue", "by_parent_run_id", "by_root_workflow_id",
	"by_root_run_id", "by_batcher_user", "by_temporal_pause_info",
	"by_temporal_worker_deployment_version", "by_temporal_workflow_versioning_behavior",
	"by_temporal_worker_deployment",
	"by_temporal_bool_01", "by_temporal_bool_02", "by_temporal_datetime_01", "by_temporal_datetime_02",
	"by_temporal_double_01", "by_temporal_double_02", "by_temporal_int_01", "by_temporal_int_02",
	"by_temporal_keyword_01", "by_temporal_keyword_02", "by_temporal_keyword_03", "by_temporal_keyword_04",
	"by_temporal_low_cardinality_keyword_01",
}

// indexedSlotTypes are the custom search attribute types whose slots have
// a B-tree index in the schema (Text and KeywordList slots go through FTS).
var indexedSlotTypes = map[enumspb.IndexedValueType]bool{
	enumspb.INDEXED_VALUE_TYPE_BOOL:     true,
	enumspb.INDEXED_VALUE_TYPE_DATETIME: true,
	enumspb.INDEXED_VALUE_TYPE_DOUBLE:   true,
	enumspb.INDEXED_VALUE_TYPE_INT:      true,
	enumspb.INDEXED_VALUE_TYPE_KEYWORD:  true,
}

// slotIndex is the schema's index on one custom search attribute slot.
type slotIndex struct {
	name   string // by_keyword_01
	column string // Keyword01
}

// slotIndexes lists the indexes of every pre-allocated custom search
// attribute slot, in name order.
func slotIndexes() []slotIndex {
	var out []slotIndex
	for column, typ := range sadefs.GetDBIndexSearchAttributes(nil).CustomSearchAttributes {
		if !indexedSlotTypes[typ] {
			continue
		}
		i := len(column) - 2 // the slot number's two digits
		out = append(out, slotIndex{name: "by_" + strings.ToLower(column[:i]) + "_" + column[i:], column: column})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out
}

// usedSlots reads which custom search attribute slots the namespaces in
// the main database map a search attribute to.
func usedSlots(ctx context.Context, main *config.SQL) (map[string]bool, error) {
	db, err := psql.NewSQLDB(sqlplugin.DbKindMain, main, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", main.DatabaseName, err)
	}
	defer func() { _ = db.Close() }()
	size := 1000
	rows, err := db.SelectFromNamespace(ctx, sqlplugin.NamespaceFilter{PageSize: &size})
	if err != nil {
		return nil, fmt.Errorf("reading namespaces: %w", err)
	}
	ser := serialization.NewSerializer()
	used := map[string]bool{}
	for _, r := range rows {
		detail, err := ser.NamespaceDetailFromBlob(persistence.NewDataBlob(r.Data, r.DataEncoding))
		if err != nil {
			return nil, fmt.Errorf("decoding namespace %s: %w", r.Name, err)
		}
		for column := range detail.GetConfig().GetCustomSearchAttributeAliases() {
			used[column] = true
		}
	}
	return used, nil
}

// trimVisibilityIndexes drops the visibility indexes no listing needs and
// those of custom search attribute slots no namespace uses, and creates
// the index of a slot that a namespace took since (a search attribute
// added later). It runs on every start, before the server opens the file,
// and only then: a search attribute added while the server runs (by
// Flowline's namespace setup or an operator) is listed unindexed, by a
// scan, until the next restart creates its index.
func trimVisibilityIndexes(ctx context.Context, main, visibility *config.SQL) error {
	used, err := usedSlots(ctx, main)
	if err != nil {
		return fmt.Errorf("trimming visibility indexes: %w", err)
	}
	db, err := sql.Open("sqlite", "file:"+visibility.DatabaseName+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("trimming visibility indexes: opening %s: %w", visibility.DatabaseName, err)
	}
	defer func() { _ = db.Close() }()
	stmts := make([]string, 0, len(droppedVisibilityIndexes)+len(used))
	for _, name := range droppedVisibilityIndexes {
		stmts = append(stmts, "DROP INDEX IF EXISTS "+name)
	}
	for _, ix := range slotIndexes() {
		if used[ix.column] {
			stmts = append(stmts, fmt.Sprintf("CREATE INDEX IF NOT EXISTS %s ON executions_visibility "+
				"(namespace_id, %s, (COALESCE(close_time, '9999-12-31 23:59:59+00:00')) DESC, start_time DESC, run_id)",
				ix.name, ix.column))
		} else {
			stmts = append(stmts, "DROP INDEX IF EXISTS "+ix.name)
		}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("trimming visibility indexes: %s: %w", s, err)
		}
	}
	return nil
}

// visibilityIndexes lists the indexes on executions_visibility in file, by
// name, for tests and diagnostics.
func visibilityIndexes(ctx context.Context, file string) ([]string, error) {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", file, err)
	}
	defer func() { _ = db.Close() }()
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type = 'index' AND tbl_name = 'executions_visibility' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing indexes of %s: %w", file, err)
	}
	defer func() { _ = rows.Close() }()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("listing indexes of %s: %w", file, err)
		}
		names = append(names, n)
	}
	return names, rows.Err()
}
