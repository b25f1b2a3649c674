package store

import (
	"crypto/rand"
	"encoding/base32"
)

// idEncoding is lowercase base32 without padding: URL-safe, case-insensitive
// and free of look-alike punctuation, so ids read well in webhook URLs.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// idLength is the number of base32 characters in an id (60 random bits).
const idLength = 12

// NewID returns a random, URL-safe identifier of 12 lowercase base32
// characters drawn from crypto/rand.
func NewID() string {
	var b [8]byte // 64 bits encode to 13 characters; the first 12 are kept
	// crypto/rand.Read never returns an error (it panics if the system
	// source fails), so the result is not checked.
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])[:idLength]
}
