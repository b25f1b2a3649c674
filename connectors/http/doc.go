// Package httpconn is the "http" connector: each attempt of a step sends one
// HTTP request built from the step's rendered config and records the request
// (secrets redacted) and the response (size-capped).
//
// A Result holds:
//
//   - Request: {method, url, headers, body, body_truncated, body_size}, the
//     request as first sent; body is text cut at 64 KiB ("[binary data]"
//     when it is not UTF-8).
//   - Response: {status, headers, body, body_truncated, size}; body is text
//     cut at 64 KiB, body_truncated is also set when max_response_bytes cut
//     the body, size is the bytes read (or the announced Content-Length when
//     cut).
//   - Output: {status, headers, body}, what later steps read as
//     steps.<id>: body is the parsed JSON value when the response is JSON
//     (application/json, text/json or +json) and valid, else the text, up to
//     max_response_bytes.
//
// Header names in records and output are lower case; repeated values are
// joined with ", ". Credentials are redacted by header and parameter name
// (Authorization, Cookie, api keys, tokens …) and by value wherever a
// resolved secret, or a value derived from one, appears, including in
// response bodies that echo the request.
//
// Outbound connections are checked after DNS resolution, in the dialer, so
// every redirect and every spelling of an address is held to the same egress
// policy. Proxies from the environment are not used.
package httpconn
