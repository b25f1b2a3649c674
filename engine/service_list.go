package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// mergedToken is the page token of a listing that reads both Temporal
// visibility (runs with a workflow of their own) and the run ledger
// (batched runs): where each source goes on, and which one is done.
type mergedToken struct {
	Vis        string     `json:"v,omitempty"`
	VisDone    bool       `json:"vd,omitempty"`
	Before     *time.Time `json:"b,omitempty"`
	BeforeID   string     `json:"bi,omitempty"`
	LedgerDone bool       `json:"ld,omitempty"`
}

// ledgerStatuses are the ledger statuses behind each status the API
// filters by.
var ledgerStatuses = map[string][]string{
	StatusRunning:   {StatusAccepted, StatusRunning},
	StatusSucceeded: {StatusSucceeded},
	StatusFailed:    {StatusFailed},
	StatusCanceled:  {StatusCanceled},
}

// List lists runs newest first, with a token for the next page (empty on
// the last). A bad token is ErrBadPageToken.
func (s *Service) List(ctx context.Context, f RunFilter) ([]Run, string, error) {
	if s.ledger == nil {
		return s.exec.List(ctx, f)
	}
	// One page from both sources: up to the page size from each, merged
	// newest first.
	var tok mergedToken
	if f.PageToken != "" {
		dec := json.NewDecoder(strings.NewReader(f.PageToken))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&tok); err != nil {
			return nil, "", fmt.Errorf("listing runs: %w", ErrBadPageToken)
		}
	}
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	var out []Run
	if !tok.VisDone {
		vf := f
		vf.PageToken = tok.Vis
		list, next, err := s.exec.List(ctx, vf)
		if err != nil {
			return nil, "", err
		}
		out = append(out, list...)
		tok.Vis, tok.VisDone = next, next == ""
	}
	statuses, known := ledgerStatuses[f.Status]
	if f.Status != "" && !known {
		tok.LedgerDone = true // terminated and timed_out runs all have workflows of their own
	}
	if !tok.LedgerDone {
		es, err := s.ledger.List(ctx, LedgerFilter{
			FlowID: f.FlowID, Statuses: statuses, Before: tok.Before, BeforeID: tok.BeforeID, Limit: size})
		if err != nil {
			return nil, "", err
		}
		for i := range es {
			out = append(out, s.entryRun(&es[i]))
		}
		if len(es) < size {
			tok.LedgerDone = true
		} else {
			last := es[len(es)-1]
			tok.Before, tok.BeforeID = &last.StartedAt, last.RunID
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartedAt.After(out[j].StartedAt) })
	if tok.VisDone && tok.LedgerDone {
		return out, "", nil
	}
	raw, err := json.Marshal(tok)
	if err != nil {
		return nil, "", fmt.Errorf("listing runs: encoding the page token: %w", err)
	}
	return out, string(raw), nil
}
