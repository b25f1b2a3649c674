// Package store keeps flows, their published versions and sealed credentials
// in SQLite or PostgreSQL through gorm.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Store is the flow store. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect string
	// revision reads the trigger revision: prepared once, since every
	// trigger runs it (see TriggerRevision).
	revision *sql.Stmt
}

// sqlitePragmas are applied by the modernc driver on every new connection.
// busy_timeout comes first so that the others wait for a busy database too.
//
// synchronous(NORMAL) with WAL syncs the log at checkpoints, not at every
// commit. A commit is in the log, in the operating system's cache, before
// it returns: a process that dies, even by kill -9, loses nothing, which is
// the promise a 202 makes. Only an operating-system crash or a power loss
// can drop the last commits. (SQLite's default, FULL, fsyncs every commit.)
// The embedded Temporal server's files use the same setting.
//
// temp_store(MEMORY) keeps statement journals in memory: the intake's
// multi-row insert inside its transaction wrote one to a temporary file,
// a write system call per page (1.6 % of the CPU of a flow). It holds
// nothing a crash needs: the WAL does.
var sqlitePragmas = []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(1)", "temp_store(MEMORY)"}

// Open connects to the database named by databaseURL and brings its schema
// up to date. Accepted forms are sqlite:///abs/path/file.db,
// sqlite://relative/file.db, file:path.db and postgres:// or postgresql://
// URLs as understood by pgx. For SQLite the parent directory is created.
//
// Processes may open one database at the same moment: migrations take a lock
// (see migrate), and on SQLite an attempt that meets "database is locked"
// while another process creates the file or migrates it is repeated.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	deadline := time.Now().Add(busyWait)
	for {
		s, err := open(ctx, databaseURL)
		if err == nil || !sqliteBusy(err) || time.Now().After(deadline) {
			return s, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func open(ctx context.Context, databaseURL string) (*Store, error) {
	dialector, dialect, err := dialectorFor(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("opening store: %w", err)
	}
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:               logger.Discard,
		TranslateError:       true,
		DisableAutomaticPing: true,
		// UTC with microsecond precision is what PostgreSQL keeps, so a
		// value returned by a write equals the value read back later.
		NowFunc: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	})
	if err != nil {
		return nil, fmt.Errorf("opening %s store: %w", dialect, err)
	}
	s := &Store{db: db, dialect: dialect}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("opening %s store: %w", dialect, err)
	}
	if dialect == "sqlite" {
		// SQLite has one writer; one connection turns lock contention
		// inside this process into queueing instead of SQLITE_BUSY.
		sqlDB.SetMaxOpenConns(1)
	} else {
		_, n, _ := postgresPool(databaseURL) // checked by dialectorFor
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
	}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("opening %s store: %w", dialect, err)
	}
	if err := s.migrate(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if s.revision, err = sqlDB.PrepareContext(ctx, revisionQuery); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("opening %s store: preparing the trigger revision read: %w", dialect, err)
	}
	return s, nil
}

// dialectorFor turns a database URL into a gorm dialector and the dialect
// name. Errors never repeat the URL, which may hold a password.
func dialectorFor(databaseURL string) (gorm.Dialector, string, error) {
	scheme, _, ok := strings.Cut(databaseURL, ":")
	if !ok {
		return nil, "", errors.New("database URL has no scheme: expected sqlite:///path/file.db or postgres://user@host:5432/db")
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		dsn, _, err := postgresPool(databaseURL)
		if err != nil {
			return nil, "", err
		}
		return postgres.Open(dsn), "postgres", nil
	case "sqlite", "sqlite3", "file":
		dsn, err := sqliteDSN(databaseURL)
		if err != nil {
			return nil, "", err
		}
		return sqlite.Open(dsn), "sqlite", nil
	default:
		return nil, "", fmt.Errorf("unsupported database URL scheme %q: expected sqlite:///path/file.db or postgres://user@host:5432/db", scheme)
	}
}

// sqliteDSN builds the modernc DSN for a sqlite: or file: URL and creates the
// database file's parent directory. Query parameters of the URL (for example
// more _pragma values) are passed on after the built-in ones.
func sqliteDSN(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", errors.New("parsing sqlite database URL: malformed URL")
	}
	var path string
	switch {
	case u.Opaque != "": // sqlite:rel.db, file:rel.db
		path = u.Opaque
	case u.Host != "": // sqlite://rel.db, sqlite://data/rel.db
		path = u.Host + u.Path
	default: // sqlite:///abs/file.db, file:///abs/file.db, file:/abs/file.db
		path = u.Path
	}
	if path == "" {
		return "", errors.New("sqlite database URL has no file path: expected sqlite:///path/file.db")
	}
	if strings.Contains(path, ":memory:") || strings.HasPrefix(path, "?") {
		return "", errors.New("sqlite database URL must name a file: in-memory databases are not supported")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return "", fmt.Errorf("creating sqlite directory %s: %w", dir, err)
		}
	}
	q := url.Values{}
	for _, p := range sqlitePragmas {
		q.Add("_pragma", p)
	}
	// BEGIN IMMEDIATE takes the write lock up front, so a transaction that
	// reads and then writes (Publish) never fails half-way on a lock
	// upgrade when another process holds the database.
	q.Set("_txlock", "immediate")
	for k, vs := range u.Query() {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	return path + "?" + q.Encode(), nil
}

// Dialect names the database in use: "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers, for readiness probes.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("pinging database: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("pinging database: %w", err)
	}
	return nil
}

// Close releases the database connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	_ = s.revision.Close() // closing the database closes it anyway
	if err := sqlDB.Close(); err != nil {
		return fmt.Errorf("closing store: %w", err)
	}
	return nil
}

// notFound turns gorm's record-not-found into ErrNotFound and leaves other
// errors alone.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// isDuplicate reports whether err is a unique or primary key violation.
func isDuplicate(err error) bool {
	return errors.Is(err, gorm.ErrDuplicatedKey)
}
