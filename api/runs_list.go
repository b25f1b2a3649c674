package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
)

// errBadPageToken is a page_token that no listing handed out.
var errBadPageToken = errors.New("page_token is not one this server handed out")

// pageTokenSum is how many bytes of a SHA-256 checksum seal a page token.
const pageTokenSum = 8

// sealPageToken wraps a listing's own token (the run service's)
// with a checksum, so that a token that was cut, mistyped or made up is
// refused at once with 400 instead of reaching Temporal, which answers
// garbage with an error the client retries until its deadline.
func sealPageToken(inner string) string {
	sum := sha256.Sum256([]byte(inner))
	return base64.RawURLEncoding.EncodeToString(append([]byte(inner), sum[:pageTokenSum]...))
}

// openPageToken returns the token sealPageToken wrapped, or
// errBadPageToken.
func openPageToken(token string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) <= pageTokenSum {
		return "", errBadPageToken
	}
	inner, got := raw[:len(raw)-pageTokenSum], raw[len(raw)-pageTokenSum:]
	sum := sha256.Sum256(inner)
	if subtle.ConstantTimeCompare(got, sum[:pageTokenSum]) != 1 {
		return "", errBadPageToken
	}
	return string(inner), nil
}
