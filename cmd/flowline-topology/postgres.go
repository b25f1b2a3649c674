package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// postgres is the server the topology's databases are made in.
type postgres struct {
	base     *url.URL
	admin    *sql.DB
	host     string
	port     string
	user     string
	password string
	made     []string
}

func openPostgres(ctx context.Context, raw string) (*postgres, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return nil, errors.New("postgres URL: want postgres://user@host:port/db")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil {
		host, port = u.Host, "5432"
	}
	pw, _ := u.User.Password()
	admin, err := sql.Open("pgx", raw)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := admin.PingContext(pctx); err != nil {
		_ = admin.Close()
		return nil, fmt.Errorf("connecting to PostgreSQL at %s: %w", u.Redacted(), err)
	}
	return &postgres{base: u, admin: admin, host: host, port: port, user: u.User.Username(), password: pw}, nil
}

// url is the URL of database db on the same server.
func (p *postgres) url(db string) string {
	u := *p.base
	u.Path = "/" + db
	return u.String()
}

// remember notes a database to drop at the end, before it is created.
func (p *postgres) remember(db string) { p.made = append(p.made, db) }

func (p *postgres) create(ctx context.Context, db string) error {
	p.remember(db)
	if _, err := p.admin.ExecContext(ctx, "CREATE DATABASE "+db); err != nil {
		return fmt.Errorf("creating database %s: %w", db, err)
	}
	return nil
}

// dropAll drops every database made, closing their connections first.
func (p *postgres) dropAll() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var errs []error
	for _, db := range p.made {
		if _, err := p.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
			errs = append(errs, fmt.Errorf("dropping database %s: %w", db, err))
		}
	}
	_ = p.admin.Close()
	return errors.Join(errs...)
}

// commits returns pg_stat_database's committed transactions per database.
func (p *postgres) commits(ctx context.Context, dbs []string) (map[string]int64, error) {
	rows, err := p.admin.QueryContext(ctx, "SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)", dbs)
	if err != nil {
		return nil, fmt.Errorf("reading pg_stat_database: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, fmt.Errorf("reading pg_stat_database: %w", err)
		}
		out[name] = n
	}
	return out, rows.Err()
}

// tableUse is what pg_stat_user_tables counts for one table.
type tableUse struct {
	writes int64 // rows inserted, updated and deleted
	scans  int64 // sequential and index scans: the statements that read it
}

// tableUses returns, per table of db, the rows written and the scans.
func (p *postgres) tableUses(ctx context.Context, db string) (map[string]tableUse, error) {
	conn, err := sql.Open("pgx", p.url(db))
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", db, err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del, seq_scan + COALESCE(idx_scan, 0) FROM pg_stat_user_tables")
	if err != nil {
		return nil, fmt.Errorf("reading pg_stat_user_tables of %s: %w", db, err)
	}
	defer rows.Close()
	out := map[string]tableUse{}
	for rows.Next() {
		var name string
		var u tableUse
		if err := rows.Scan(&name, &u.writes, &u.scans); err != nil {
			return nil, fmt.Errorf("reading pg_stat_user_tables of %s: %w", db, err)
		}
		out[name] = u
	}
	return out, rows.Err()
}

// backends returns the server processes connected to dbs now, by database.
func (p *postgres) backends(ctx context.Context, dbs []string) (map[string][]int, error) {
	rows, err := p.admin.QueryContext(ctx, "SELECT datname, pid FROM pg_stat_activity WHERE datname = ANY($1)", dbs)
	if err != nil {
		return nil, fmt.Errorf("reading pg_stat_activity: %w", err)
	}
	defer rows.Close()
	out := map[string][]int{}
	for rows.Next() {
		var name string
		var pid int
		if err := rows.Scan(&name, &pid); err != nil {
			return nil, fmt.Errorf("reading pg_stat_activity: %w", err)
		}
		out[name] = append(out[name], pid)
	}
	return out, rows.Err()
}

// local reports whether the server runs on this machine, so that its
// backends' CPU can be read from /proc.
func (p *postgres) local() bool {
	return p.host == "127.0.0.1" || p.host == "localhost" || strings.HasPrefix(p.host, "/")
}
