// Package schemas holds Flowline's embedded JSON Schemas and the compiled
// validator that checks documents against them.
package schemas

// Problem is one thing wrong with a document: where (a JSON Pointer, RFC
// 6901, "" for the whole document) and what.
type Problem struct {
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}
