package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/store"
)

// errBadPageToken is a page_token that no listing handed out.
var errBadPageToken = errors.New("page_token is not one this server handed out")

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

// ledgerStatuses are the ledger statuses behind each contract status: the
// inverse of ledgerStatus.
var ledgerStatuses = func() map[string][]string {
	m := map[string][]string{}
	for ledger, status := range ledgerStatus {
		m[status] = append(m[status], ledger)
	}
	return m
}()

// listMerged lists one page of runs from both sources: up to the page size
// from each, merged newest first. The next token says where each source
// goes on; it is empty once both are done.
func (s *server) listMerged(ctx context.Context, runs RunService, f engine.RunFilter) ([]engine.Run, string, error) {
	var tok mergedToken
	if f.PageToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(f.PageToken)
		if err != nil || json.Unmarshal(raw, &tok) != nil {
			return nil, "", fmt.Errorf("listing runs: %w", errBadPageToken)
		}
	}
	size := f.PageSize
	if size <= 0 {
		size = 100
	}
	var out []engine.Run
	if !tok.VisDone {
		vf := f
		vf.PageToken = tok.Vis
		list, next, err := runs.List(ctx, vf)
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
		recs, err := s.store.ListRunRecords(ctx, store.RunRecordFilter{
			FlowID: f.FlowID, Statuses: statuses, Before: tok.Before, BeforeID: tok.BeforeID, Limit: size})
		if err != nil {
			return nil, "", err
		}
		for i := range recs {
			out = append(out, s.runFromRecord(&recs[i]))
		}
		if len(recs) < size {
			tok.LedgerDone = true
		} else {
			last := recs[len(recs)-1]
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
	return out, base64.RawURLEncoding.EncodeToString(raw), nil
}
