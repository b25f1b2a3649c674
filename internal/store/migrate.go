package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	msqlite "modernc.org/sqlite"
)

// migrateLockClass is the first key of the PostgreSQL advisory lock taken
// while migrating ("flow" in ASCII); the second is a hash of the schema, so
// stores in different schemas of one database do not wait for each other.
const migrateLockClass = 0x666c6f77

// migrate creates or updates the tables. AutoMigrate only adds what is
// missing, so running it on every Open is safe; running it from several
// processes at once is made safe by doing it in one transaction that first
// takes a lock: on PostgreSQL a transaction-scoped advisory lock, on SQLite
// the write lock that BEGIN IMMEDIATE (_txlock=immediate) takes. Processes
// starting together on an empty database then migrate one after the other,
// and the later ones find nothing left to do.
func (s *Store) migrate(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.dialect == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(current_schema()))", migrateLockClass).Error; err != nil {
				return fmt.Errorf("taking the migration lock: %w", err)
			}
		}
		if err := tx.AutoMigrate(&Flow{}, &FlowVersion{}, &Credential{}, &RunRecord{}, &EventTypeRecord{}, &EventKey{}, &catalogRevision{}); err != nil {
			return err
		}
		return seedCatalogRevision(tx)
	})
	if err != nil {
		return fmt.Errorf("migrating %s store: %w", s.dialect, err)
	}
	return nil
}

// busyWait bounds how long Open retries a locked SQLite database: long
// enough for another process to create and migrate it.
const busyWait = 10 * time.Second

// sqliteBusy reports whether err is SQLite's SQLITE_BUSY (any extended code).
func sqliteBusy(err error) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code()&0xff == 5
}
