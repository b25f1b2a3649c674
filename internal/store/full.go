package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"
)

// sqliteFull is SQLite's result code for a full database or disk.
const sqliteFull = 13

// pgDiskFull is PostgreSQL's SQLSTATE disk_full.
const pgDiskFull = "53100"

// fullMessages are how a full disk reads once only its text is left, as
// when Temporal's persistence relays it across gRPC.
var fullMessages = []string{"database or disk is full", "no space left on device", "could not extend file"}

// IsFull reports whether err says that a database or the disk under it ran
// out of space: SQLite's SQLITE_FULL (the disk, or max_page_count),
// PostgreSQL's disk_full, ENOSPC, or their messages relayed by another
// service. Writes fail like this until space is freed; a retry later may
// succeed.
func IsFull(err error) bool {
	if err == nil {
		return false
	}
	var coded interface{ Code() int }
	if errors.As(err, &coded) && coded.Code()&0xff == sqliteFull {
		return true
	}
	var pg interface{ SQLState() string } // *pgconn.PgError
	if errors.As(err, &pg) && pg.SQLState() == pgDiskFull {
		return true
	}
	if errors.Is(err, syscall.ENOSPC) {
		return true
	}
	msg := strings.ToLower(err.Error())
	for _, m := range fullMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// probeBytes is how much a write probe tries to add: a few pages, about
// what an accepted event or run record takes.
const probeBytes = 8 << 10

// errProbeDone rolls the write probe back.
var errProbeDone = errors.New("write probe done")

// CheckWrite reports whether the store accepts a write now: it inserts a
// ledger row of probeBytes in a transaction and rolls it back, so nothing
// is kept. A database that answers reads but cannot grow (a full disk, or
// SQLite's max_page_count reached) fails here, which a ping never shows.
func (s *Store) CheckWrite(ctx context.Context) error {
	filler := make([]byte, probeBytes/2)
	_, _ = rand.Read(filler) // random, so that PostgreSQL cannot compress it away
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rec := &RunRecord{
			RunID: "probe_" + NewID(), FlowID: "probe", Status: "probe",
			Error: hex.EncodeToString(filler), StartedAt: time.Now().UTC(),
		}
		if err := tx.Create(rec).Error; err != nil {
			return err
		}
		return errProbeDone
	})
	if errors.Is(err, errProbeDone) {
		return nil
	}
	if err == nil {
		return errors.New("checking that the flow store accepts writes: the probe was not rolled back")
	}
	if IsFull(err) {
		return fmt.Errorf("the flow store cannot write, its database or disk is full: %w", err)
	}
	return fmt.Errorf("checking that the flow store accepts writes: %w", err)
}
