package connectors

// FileRef is a file a trigger received, as templates see it under
// trigger.files and as a connector's config names it: a blob key and what
// the sender said about the file. The API writes it, connectors read it.
type FileRef struct {
	// Ref is the blob key the trigger stored the file under.
	Ref string `json:"ref"`
	// Filename and ContentType are what the sender declared.
	Filename    string `json:"filename,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	// Size is the file's length in bytes.
	Size int64 `json:"size"`
}
