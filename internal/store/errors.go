package store

import "errors"

// ErrNotFound is returned (wrapped) when a flow, version or credential does
// not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (wrapped) when a write collides with existing data,
// such as a credential name that is already taken.
var ErrConflict = errors.New("conflict")

// ErrNotPublished is returned (wrapped) when a flow without a published
// version is enabled. It matches ErrConflict, so callers that map
// ErrConflict need nothing more.
var ErrNotPublished error = &kindError{msg: "flow has no published version", kind: ErrConflict}

// ErrNameTaken is returned (wrapped) when a credential name is already in
// use. It matches ErrConflict.
var ErrNameTaken error = &kindError{msg: "name already in use", kind: ErrConflict}

// ErrAlreadyDeclared is returned (wrapped) when an event type name is
// already declared. It matches ErrConflict.
var ErrAlreadyDeclared error = &kindError{msg: "already declared", kind: ErrConflict}

// ErrKeyReused is returned (wrapped) when an event idempotency key comes
// back with a different request body. It matches ErrConflict.
var ErrKeyReused error = &kindError{msg: "idempotency key already used with a different request body", kind: ErrConflict}

// ErrStale is returned (wrapped) when a compare-and-swap write finds the
// row changed since the caller read it; reading again and retrying is
// safe. It matches ErrConflict.
var ErrStale error = &kindError{msg: "changed since it was read", kind: ErrConflict}

// kindError is a sentinel that states one precise fact in its own words and
// also matches a broader sentinel with errors.Is, so that a message reads
// "creating credential "pw": name already in use" and not "…: conflict"
// after it.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }

// Is reports whether target is the broader sentinel e belongs to.
func (e *kindError) Is(target error) bool { return target == e.kind }
