// Package sqlite stands in for github.com/glebarez/go-sqlite.
//
// The embedded Temporal server links modernc.org/sqlite, which registers the
// database/sql driver "sqlite"; glebarez/go-sqlite (a fork of it, imported by
// the gorm dialector github.com/glebarez/sqlite) registers the same name, and
// the two together panic at start-up. go.mod replaces the fork with this
// package so that one pure-Go SQLite driver serves both the flow store and
// Temporal.
package sqlite

import msqlite "modernc.org/sqlite"

// Error is the SQLite driver's error type, which the gorm dialector inspects
// to translate constraint violations.
type Error = msqlite.Error
