package store

import (
	"context"
	"database/sql"

	"gorm.io/gorm"
)

// txStatements prepares the statements of one transaction, each once
// however often it runs, and closes them with close. Their placeholders
// are $1, $2, …, which SQLite and PostgreSQL both read.
type txStatements struct {
	ctx   context.Context
	tx    *gorm.DB
	stmts map[string]*sql.Stmt
}

// statementsIn returns the statements of tx, none prepared yet.
func statementsIn(ctx context.Context, tx *gorm.DB) *txStatements {
	return &txStatements{ctx: ctx, tx: tx, stmts: map[string]*sql.Stmt{}}
}

// exec runs query with args, preparing it on its first run.
func (s *txStatements) exec(query string, args ...any) (sql.Result, error) {
	st, ok := s.stmts[query]
	if !ok {
		var err error
		if st, err = s.tx.Statement.ConnPool.PrepareContext(s.ctx, query); err != nil {
			return nil, err
		}
		s.stmts[query] = st
	}
	return st.ExecContext(s.ctx, args...)
}

// close closes every statement prepared.
func (s *txStatements) close() {
	for _, st := range s.stmts {
		_ = st.Close()
	}
}

// execEach runs query, a statement on one row, for each of n rows (its
// arguments from row) in tx, prepared once, and returns how many rows it
// changed. One row per statement rather than all in one: SQLite writes a
// statement journal for a statement that inserts several rows inside a
// transaction, and builds a temporary index for "IN (…)", and their
// allocations cost more than the statements do.
func execEach(ctx context.Context, tx *gorm.DB, query string, n int, row func(i int) []any) (int, error) {
	st := statementsIn(ctx, tx)
	defer st.close()
	changed := 0
	for i := range n {
		res, err := st.exec(query, row(i)...)
		if err != nil {
			return changed, err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return changed, err
		}
		changed += int(k)
	}
	return changed, nil
}
