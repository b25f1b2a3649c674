package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/internal/store"
)

// errBadPageToken is a page_token that no listing handed out.
var errBadPageToken = errors.New("page_token is not one this server handed out")

// pageTokenSum is how many bytes of a SHA-256 checksum seal a page token.
const pageTokenSum = 8

// sealPageToken wraps a listing's own token (Temporal's or the merged one)
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
		dec := json.NewDecoder(strings.NewReader(f.PageToken))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&tok); err != nil {
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
	return out, string(raw), nil
}
