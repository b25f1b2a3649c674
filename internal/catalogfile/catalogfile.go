package catalogfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// Format is the syntax of a catalog file.
type Format string

// Catalog file formats.
const (
	JSON Format = "json"
	YAML Format = "yaml"
)

// FormatOf picks the format from a file name: YAML for .yaml and .yml,
// else JSON.
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML
	}
	return JSON
}

// File is a catalog file's content.
type File struct {
	EventTypes []json.RawMessage `json:"event_types"`
}

// exported is one type as written to a file: absent fields left out, so
// that the file imports again as it is.
type exported struct {
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	Category    string          `json:"category"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Example     json.RawMessage `json:"example,omitempty"`
	Messages    flows.Messages  `json:"messages,omitempty"`
}

// Decode reads a catalog file and checks every type in it as POST
// /api/v1/event-types would, and that no name repeats. Problems are at
// pointers into the file's JSON form (/event_types/2/schema); the types
// are returned only when there are none. The error is for a file that is
// not JSON or YAML at all.
func Decode(data []byte, format Format) ([]flows.EventType, []flows.Problem, error) {
	if format == YAML {
		var err error
		if data, err = yamlToJSON(data); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", flows.ErrMalformed, err)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("reading the catalog file: %w: %w", flows.ErrMalformed, err)
		}
		return nil, []flows.Problem{{Pointer: "", Message: `the file must be {"event_types": [{"name": …}, …]}: ` + err.Error()}}, nil
	}
	if f.EventTypes == nil {
		return nil, []flows.Problem{{Pointer: "/event_types", Message: `missing: the file must be {"event_types": [{"name": …}, …]}`}}, nil
	}
	var problems []flows.Problem
	types := make([]flows.EventType, 0, len(f.EventTypes))
	first := map[string]int{}
	for i, raw := range f.EventTypes {
		at := "/event_types/" + strconv.Itoa(i)
		et, ps, err := flows.ParseEventType(raw)
		if err != nil {
			problems = append(problems, flows.Problem{Pointer: at, Message: err.Error()})
			continue
		}
		for _, p := range ps {
			problems = append(problems, flows.Problem{Pointer: at + p.Pointer, Message: p.Message})
		}
		if et == nil {
			continue
		}
		if j, dup := first[et.Name]; dup {
			problems = append(problems, flows.Problem{Pointer: at + "/name", Message: fmt.Sprintf("%q is already declared by /event_types/%d", et.Name, j)})
			continue
		}
		first[et.Name] = i
		types = append(types, *et)
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	return types, nil, nil
}

// Encode writes types as a catalog file.
func Encode(types []flows.EventType, format Format) ([]byte, error) {
	out := struct {
		EventTypes []exported `json:"event_types"`
	}{EventTypes: make([]exported, 0, len(types))}
	for _, t := range types {
		out.EventTypes = append(out.EventTypes, exported{Name: t.Name, Title: t.Title, Description: t.Description,
			Category: t.Category, Schema: t.Schema, Example: t.Example, Messages: t.Messages})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the catalog: %w", err)
	}
	if format == YAML {
		return jsonToYAML(b)
	}
	return append(b, '\n'), nil
}

// Import reads the catalog file at path and declares its types in the
// store at databaseURL, in one transaction: a file with problems changes
// nothing and returns them. Types not in the file are left alone, so
// importing the same file again changes nothing.
func Import(ctx context.Context, databaseURL, path string) ([]store.ImportChange, []flows.Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("importing event types: %w", err)
	}
	types, problems, err := Decode(data, FormatOf(path))
	if err != nil || len(problems) > 0 {
		return nil, problems, err
	}
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("importing event types: %w", err)
	}
	defer func() { _ = st.Close() }()
	changes, err := st.ImportEventTypes(ctx, types)
	if err != nil {
		return nil, nil, err
	}
	return changes, nil, nil
}

// Export writes every type of the store at databaseURL as a catalog file.
func Export(ctx context.Context, databaseURL string, format Format) ([]byte, error) {
	st, err := store.Open(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("exporting event types: %w", err)
	}
	defer func() { _ = st.Close() }()
	records, err := st.ListEventTypes(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("exporting event types: %w", err)
	}
	types := make([]flows.EventType, 0, len(records))
	for _, r := range records {
		et, err := r.EventType()
		if err != nil {
			return nil, fmt.Errorf("exporting event types: %w", err)
		}
		types = append(types, et)
	}
	return Encode(types, format)
}
