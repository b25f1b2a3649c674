package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// HookPath is the webhook route: outside /api/v1 and never behind the API
// token, since callers authenticate by the trigger's own auth.
const HookPath = "/hooks/:flow_id"

// SecretResolver gives the secret of a stored credential by name or id.
// *secrets.Resolver implements it.
type SecretResolver interface {
	Secret(ctx context.Context, ref string) (string, error)
}

// hook starts a run of a flow whose trigger is a webhook. Answers: 404 for
// an unknown flow, one never published or one whose trigger is not a
// webhook; 409 for a disabled flow (it exists, but does not react to
// triggers now); 405 for a method the trigger does not list; 413 over the
// body limit; 401 when authentication fails; 400 for a body that does not
// parse. A webhook-id (or Idempotency-Key) header makes the run id
// deterministic, so a repeat answers the same run and starts nothing.
func (s *server) hook(c *gin.Context) {
	runs, ok := s.runService(c)
	if !ok {
		return
	}
	// The first attempt decides from the trigger snapshot this process
	// holds, unread; when that turns out stale (before a refusal, or at
	// the run's intake), the second decides from a fresh read.
	h := &hookRequest{}
	if !s.hookAttempt(c, runs, h, false) {
		s.hookAttempt(c, runs, h, true) // from a fresh read it always answers
	}
}

// hookRequest is what a webhook request's attempts share: its body, read
// once.
type hookRequest struct {
	body []byte
	read bool
}

// hookAttempt answers the webhook from the trigger snapshot held (fresh
// false) or a fresh one, and reports whether it answered: false when the
// snapshot held was stale, nothing answered or started.
func (s *server) hookAttempt(c *gin.Context, runs RunService, h *hookRequest, fresh bool) bool {
	ctx := c.Request.Context()
	flowID := c.Param("flow_id")
	flowVersion, doc, basis, ok := s.hookFlow(c, flowID, fresh)
	if !ok {
		return true
	}
	// refuse reports whether a refusal decided from doc may be answered:
	// false when doc came from a snapshot that is no longer current.
	refuse := func() bool { return basis == 0 || s.current(ctx, basis) }
	trig := doc.Trigger
	methods := trig.Methods
	if len(methods) == 0 {
		methods = []string{http.MethodPost}
	}
	if !slices.Contains(methods, c.Request.Method) {
		if !refuse() {
			return false
		}
		c.Header("Allow", strings.Join(methods, ", "))
		problemf(c, http.StatusMethodNotAllowed, "flow %s accepts webhooks by %s, not %s", flowID, strings.Join(methods, ", "), c.Request.Method)
		return true
	}
	if !h.read {
		body, err := s.readBody(c)
		if err != nil {
			return true
		}
		h.body, h.read = body, true
	}
	body := h.body
	auth, err := parseHookAuth(trig.Auth)
	if err != nil {
		if !refuse() {
			return false
		}
		internalError(c, "reading the webhook trigger", err)
		return true
	}
	stale := false
	if !s.authenticateHook(c, auth, body, func() bool { stale = !refuse(); return !stale }) {
		return !stale
	}
	payload, err := parseHookBody(c.GetHeader("Content-Type"), body)
	if err != nil {
		problem(c, http.StatusBadRequest, err.Error())
		return true
	}
	headers, err := hookHeaders(c.Request.Header, auth)
	if err != nil {
		internalError(c, "reading the webhook", err)
		return true
	}
	query, err := hookQuery(c.Request.URL.Query(), auth)
	if err != nil {
		internalError(c, "reading the webhook", err)
		return true
	}
	key, ok := idempotencyKey(c, headerWebhookID, "Idempotency-Key")
	if !ok {
		return true
	}
	runID := engine.NewRunID(flowID)
	if key != "" {
		runID = engine.DeterministicRunID(flowID, key)
	}
	// A sequential repeat with files is answered without storing them
	// again. Any other repeat, concurrent or not, is caught by Start,
	// which answers with the first run; asking first would cost every
	// new webhook a ledger read and a Temporal call for nothing.
	if key != "" && len(payload.uploads) > 0 {
		if d, err := runs.Get(ctx, runID); err == nil {
			s.answerHook(c, runs, doc, &d.Run)
			return true
		}
	}
	in := engine.NewRunInput(flowID, flowVersion, doc, runID, engine.TriggerInput{
		TriggerInfo: flows.TriggerInfo{Type: flows.TriggerWebhook, Body: payload.body, Headers: headers, Query: query},
		ID:          key, Data: payload.body,
	}, time.Now().UTC())
	if fits, stale := inputFits(c, in, refuse); !fits { // the files' references, added below, are small
		return !stale
	}
	var keys []string // the blobs this request stored
	if len(payload.uploads) > 0 {
		if s.blobs == nil {
			problem(c, http.StatusServiceUnavailable, "file uploads are not available: this server has no blob store")
			return true
		}
		files, stored, err := storeUploads(ctx, s.blobs, payload)
		keys = stored
		if err != nil {
			internalError(c, "storing uploaded files", err) // it kept none
			return true
		}
		in.Trigger.Files = files
	}
	sctx := ctx
	if basis != 0 {
		sctx = engine.WithBasis(ctx, basis)
	}
	run, err := runs.Start(sctx, in)
	if errors.Is(err, engine.ErrStale) && basis != 0 {
		deleteBlobs(s.blobs, keys)
		return false
	}
	if err != nil {
		internalError(c, "starting the run", err)
		deleteBlobs(s.blobs, keys)
		return true
	}
	if key != "" && len(keys) > 0 && !runHolds(ctx, runs, run.RunID, keys) {
		// A concurrent repeat: Start answered the first request's run,
		// which references its own files, not these.
		deleteBlobs(s.blobs, keys)
	}
	s.answerHook(c, runs, doc, run)
	if c.Writer.Status() >= http.StatusInternalServerError {
		deleteBlobs(s.blobs, keys)
	}
	return true
}

// runHolds reports whether the run's trigger references any of the blob
// keys; when the run cannot be read it assumes so (a blob kept for
// nothing is better than a run's file deleted).
func runHolds(ctx context.Context, runs interface {
	Get(ctx context.Context, runID string) (*engine.RunDetail, error)
}, runID string, keys []string) bool {
	d, err := runs.Get(ctx, runID)
	if err != nil {
		return true
	}
	files := string(d.Trigger.Files)
	for _, k := range keys {
		if strings.Contains(files, k) {
			return true
		}
	}
	return false
}

// hookFlow finds the published version of an enabled webhook flow in the
// trigger snapshot this process holds (fresh false: unread, and basis is
// then its revision, which the run's start must check; engine.WithBasis)
// or in a fresh one (basis 0), and returns it with its document parsed.
// Any other flow — unknown, never published, disabled, or triggered
// otherwise — is read from the store to answer why not, as hook
// describes; ok false means it was answered.
func (s *server) hookFlow(c *gin.Context, flowID string, fresh bool) (version int, doc *flows.Document, basis int64, ok bool) {
	ctx := c.Request.Context()
	var snap *triggerSnapshot
	var err error
	verified := true
	if fresh {
		snap, err = s.triggers(ctx)
	} else {
		snap, verified, err = s.heldTriggers(ctx)
	}
	if err != nil {
		internalError(c, "reading the flow", err)
		return 0, nil, 0, false
	}
	if f := snap.byID[flowID]; f != nil && f.Doc.Trigger.Type == flows.TriggerWebhook {
		if !verified {
			basis = snap.rev.Sum()
		}
		return f.Version, f.Doc, basis, true
	}
	fl, err := s.store.GetFlow(ctx, flowID)
	if errors.Is(err, store.ErrNotFound) {
		problemf(c, http.StatusNotFound, "no flow with id %q", flowID)
		return 0, nil, 0, false
	}
	if err != nil {
		internalError(c, "reading the flow", err)
		return 0, nil, 0, false
	}
	if fl.PublishedVersion == nil {
		problemf(c, http.StatusNotFound, "flow %s has no published version", flowID)
		return 0, nil, 0, false
	}
	v, err := s.store.LatestVersion(ctx, flowID)
	if err != nil {
		internalError(c, "reading the published version", err)
		return 0, nil, 0, false
	}
	doc, err = flows.ParseDocument(v.Document)
	if err != nil {
		internalError(c, "reading the published version", err)
		return 0, nil, 0, false
	}
	if doc.Trigger.Type != flows.TriggerWebhook {
		problemf(c, http.StatusNotFound, "flow %s is not triggered by webhooks", flowID)
		return 0, nil, 0, false
	}
	if !fl.Enabled {
		problemf(c, http.StatusConflict, "flow %s is disabled; enable it to accept webhooks", flowID)
		return 0, nil, 0, false
	}
	// Enabled since the snapshot was read: a run of it is as right as
	// the refusal the snapshot would have given.
	return v.Version, doc, 0, true
}

// authenticateHook checks the request against the trigger's auth and
// answers 401 (or 500 for a credential that cannot be used) when it fails.
// Before it answers, mayRefuse says whether it may (false: the trigger
// was read from a stale snapshot; it returns false having answered
// nothing).
func (s *server) authenticateHook(c *gin.Context, auth hookAuth, body []byte, mayRefuse func() bool) bool {
	var secret string
	if auth.Type != hookAuthNone {
		if s.secrets == nil {
			if mayRefuse() {
				problem(c, http.StatusServiceUnavailable, "webhook authentication is not available: this server has no credential resolver")
			}
			return false
		}
		var err error
		secret, err = s.secrets.Secret(c.Request.Context(), auth.Credential)
		if err != nil {
			if !mayRefuse() {
				return false
			}
			if hookCredentialUnusable(c, err) {
				return false
			}
			// The detail stays vague: the caller may be anyone.
			logger(c).Error("reading a webhook credential", "flow_id", c.Param("flow_id"), "error", err)
			problem(c, http.StatusInternalServerError, "the webhook's credential cannot be read")
			return false
		}
	}
	err := verifyHook(auth, secret, c.Request.Header, c.Request.URL.Query(), body, time.Now())
	if err == nil {
		return true
	}
	if !mayRefuse() {
		return false
	}
	var authErr *hookAuthError
	if errors.As(err, &authErr) {
		switch auth.Type {
		case hookAuthBasic:
			c.Header("WWW-Authenticate", `Basic realm="flowline"`)
		case hookAuthBearer:
			c.Header("WWW-Authenticate", `Bearer realm="flowline"`)
		}
		problem(c, http.StatusUnauthorized, err.Error())
		return false
	}
	logger(c).Error("verifying a webhook", "flow_id", c.Param("flow_id"), "error", err)
	problem(c, http.StatusInternalServerError, err.Error())
	return false
}

// HookRun is what a webhook caller learns of its run: its id (to quote to
// the flow's owner) and status. The caller may be anyone, so the rest of
// the run (workflow id, flow version, the internal Temporal UI link) is for
// API clients only.
type HookRun struct {
	RunID  string `json:"run_id"`
	Status string `json:"status"`
}

// hookRun is run as a webhook caller may see it.
func hookRun(run *engine.Run) HookRun {
	return HookRun{RunID: run.RunID, Status: run.Status}
}

// hookCredentialUnusable answers 503 when the trigger's credential was
// deleted or cannot be opened with this server's key, and reports whether
// it did: the webhook cannot work until its owner mends the flow or the
// credential, which the caller can do nothing about. The detail names no
// credential, since the caller may be anyone; the log does.
func hookCredentialUnusable(c *gin.Context, err error) bool {
	var detail string
	switch {
	case errors.Is(err, store.ErrNotFound):
		detail = "the webhook's credential no longer exists; the flow's owner must create it again or change the flow"
	case errors.Is(err, secrets.ErrOpen):
		detail = "the webhook's credential cannot be opened with this server's secret key; the flow's owner must store it again"
	default:
		return false
	}
	logger(c).Warn("webhook credential unusable", "flow_id", c.Param("flow_id"), "error", err)
	problem(c, http.StatusServiceUnavailable, detail)
	return true
}

// answerHook answers 202 with the run, or for respond "sync" waits for it
// and answers the trigger's response.
func (s *server) answerHook(c *gin.Context, runs RunService, doc *flows.Document, run *engine.Run) {
	if doc.Trigger.Respond != "sync" {
		respond(c, http.StatusAccepted, hookRun(run))
		return
	}
	s.respondSync(c, runs, doc, run)
}
