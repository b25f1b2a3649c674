package store

import (
	"errors"
	"net/url"
	"strconv"
)

// defaultPostgresConns caps one process's connections to PostgreSQL, so that
// an API and a few workers stay well inside the server's default of 100
// connections beside a Temporal cluster; a burst of requests queues for a
// connection instead of failing with "too many clients".
const defaultPostgresConns = 10

// poolParam is the URL parameter that sets the cap, named as pgxpool names it.
const poolParam = "pool_max_conns"

// postgresPool takes pool_max_conns off a PostgreSQL URL (pgx would pass an
// unknown parameter on to the server, which refuses it) and returns the URL
// without it and the pool size. Errors never repeat the URL.
func postgresPool(databaseURL string) (string, int, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", 0, errors.New("parsing postgres database URL: malformed URL")
	}
	q := u.Query()
	raw := q.Get(poolParam)
	if raw == "" {
		return databaseURL, defaultPostgresConns, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 {
		return "", 0, errors.New("postgres database URL: pool_max_conns must be a positive whole number")
	}
	q.Del(poolParam)
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}
