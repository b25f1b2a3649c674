package flows

// Warning is something about a valid flow document that is probably a
// mistake, at a JSON Pointer into it: answered beside "valid": true and
// with saved or published flows, never refusing them.
type Warning struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}
