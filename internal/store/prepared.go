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
