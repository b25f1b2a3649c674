package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/store"
)

// credentialRef is a stored credential a flow document names, and the JSON
// Pointer where it names it.
type credentialRef struct {
	ref     string
	pointer string
}

// authCredential is the part of an auth block (step or webhook trigger)
// that names a credential.
type authCredential struct {
	Auth *struct {
		Credential string `json:"credential"`
	} `json:"auth"`
}

// credentialRefs lists the credentials doc names: each step's
// config.auth.credential and the webhook trigger's auth.credential. A ref
// holding a template is chosen at run time and left out.
func credentialRefs(doc *flows.Document) []credentialRef {
	var out []credentialRef
	add := func(ref, pointer string) {
		if ref != "" && !strings.Contains(ref, "{{") {
			out = append(out, credentialRef{ref: ref, pointer: pointer})
		}
	}
	if len(doc.Trigger.Auth) > 0 {
		var a struct {
			Credential string `json:"credential"`
		}
		if json.Unmarshal(doc.Trigger.Auth, &a) == nil {
			add(a.Credential, "/trigger/auth/credential")
		}
	}
	for i, st := range doc.Steps {
		var cfg authCredential
		if json.Unmarshal(st.Config, &cfg) == nil && cfg.Auth != nil {
			add(cfg.Auth.Credential, "/steps/"+strconv.Itoa(i)+"/config/auth/credential")
		}
	}
	return out
}

// missingCredentials answers 422 with a problem at each credential doc
// names that does not exist, and reports whether it did; nothing is
// published then.
func (s *server) missingCredentials(c *gin.Context, doc *flows.Document) bool {
	var problems []flows.Problem
	for _, r := range credentialRefs(doc) {
		_, err := s.store.GetCredential(c.Request.Context(), r.ref)
		if errors.Is(err, store.ErrNotFound) {
			problems = append(problems, flows.Problem{Pointer: r.pointer,
				Message: fmt.Sprintf("credential %q does not exist; create it (POST /api/v1/credentials) or name another", r.ref)})
			continue
		}
		if err != nil {
			internalError(c, "reading the flow's credentials", err)
			return true
		}
	}
	if len(problems) == 0 {
		return false
	}
	detail := "the flow names 1 credential that does not exist"
	if len(problems) != 1 {
		detail = fmt.Sprintf("the flow names %d credentials that do not exist", len(problems))
	}
	problem(c, http.StatusUnprocessableEntity, detail, problems...)
	return true
}

// FlowRef names a flow that uses a credential.
type FlowRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// order is the flow's place in the store's listing.
	order int
}

// credentialUsers maps each credential ref (id or name) to the flows whose
// draft or newest published version names it, in flow order.
func (s *server) credentialUsers(ctx context.Context) (map[string][]FlowRef, error) {
	fs, err := s.store.ListFlows(ctx)
	if err != nil {
		return nil, err
	}
	users := map[string][]FlowRef{}
	for i, f := range fs {
		docs := [][]byte{f.Draft}
		if f.PublishedVersion != nil {
			v, err := s.store.LatestVersion(ctx, f.ID)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			if v != nil {
				docs = append(docs, v.Document)
			}
		}
		seen := map[string]bool{}
		for _, raw := range docs {
			doc, err := flows.ParseDocument(raw)
			if err != nil {
				continue // a draft the validator would refuse names nothing usable
			}
			for _, r := range credentialRefs(doc) {
				if !seen[r.ref] {
					seen[r.ref] = true
					users[r.ref] = append(users[r.ref], FlowRef{ID: f.ID, Name: f.Name, order: i})
				}
			}
		}
	}
	return users, nil
}

// usersOf returns the flows that use cred, by its id or its name, once
// each, oldest first.
func usersOf(users map[string][]FlowRef, cred *store.Credential) []FlowRef {
	out := []FlowRef{}
	seen := map[string]bool{}
	for _, ref := range []string{cred.ID, cred.Name} {
		for _, f := range users[ref] {
			if !seen[f.ID] {
				seen[f.ID] = true
				out = append(out, f)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out
}

// credentialInUse is the 409 problem of deleting a credential that flows
// use: the problem document with the flows listed.
type credentialInUse struct {
	ProblemDetails
	UsedBy []FlowRef `json:"used_by"`
}
