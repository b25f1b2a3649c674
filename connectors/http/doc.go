// Package httpconn is the "http" connector: each attempt of a step sends one
// HTTP request built from the step's rendered config and records the request
// (secrets redacted) and the response (size-capped).
//
// Outbound connections are checked after DNS resolution, in the dialer, so
// every redirect and every spelling of an address is held to the same egress
// policy.
package httpconn
