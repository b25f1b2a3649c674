// Package api is Flowline's REST API: a Gin router whose handlers author,
// validate and publish flows in the store, start and inspect runs through the
// engine, and answer every error as application/problem+json (RFC 9457).
package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/flowline/flowline/connectors"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/blob"
	"github.com/flowline/flowline/internal/oauth2tokens"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
	"github.com/flowline/flowline/ui"
)

// DefaultMaxBodyBytes is the largest request body accepted when
// Options.MaxBodyBytes is zero.
const DefaultMaxBodyBytes int64 = 1 << 20

// BasePath prefixes every API route but the probes and /metrics.
const BasePath = "/api/v1"

// RunService starts and inspects runs, however each is carried.
// *engine.Service implements it; tests substitute a fake.
type RunService interface {
	// Start starts a run and returns it once it is durably recorded.
	Start(ctx context.Context, in engine.RunInput) (*engine.Run, error)
	// StartMany starts the runs of one request and records its key (when
	// not nil) with them, so that the key and the runs are recorded
	// together or not at all; a key that comes back with another request
	// hash is an error matching engine.ErrKeyReused and starts nothing.
	StartMany(ctx context.Context, ins []engine.RunInput, key *engine.RequestKey) ([]*engine.Run, error)
	// Get describes one run; an unknown id is engine.ErrRunNotFound.
	Get(ctx context.Context, runID string) (*engine.RunDetail, error)
	// List lists runs, newest first, with a token for the next page.
	List(ctx context.Context, f engine.RunFilter) ([]engine.Run, string, error)
	// Cancel asks a run to stop and returns its status from now; a run
	// that has ended is an *engine.FinishedError.
	Cancel(ctx context.Context, runID string) (string, error)
	// Retry starts a new run with the same input as runID.
	Retry(ctx context.Context, runID string) (*engine.Run, error)
	// AwaitEnd waits, without polling, until a run with a workflow of
	// its own has ended (its answer is then read with Get); for a run
	// without one it returns at once.
	AwaitEnd(ctx context.Context, runID string) error
}

var _ RunService = (*engine.Service)(nil)

// Options are the API's dependencies and limits.
type Options struct {
	// Store keeps flows and their versions. Required.
	Store *store.Store
	// Validator checks flow documents. Required.
	Validator *flows.Validator
	// Registry lists the connectors for GET /connectors. Required.
	Registry *connectors.Registry
	// Runs starts and inspects runs; when nil, run calls answer 503.
	Runs RunService
	// Sealer seals credential secrets before they reach the store; when
	// nil, credential calls answer 503.
	Sealer *secrets.Sealer
	// Schedules keeps Temporal Schedules in step with flows whose trigger
	// is a schedule; nil leaves schedules alone.
	Schedules ScheduleService
	// APIToken, when set, is required as "Authorization: Bearer <token>"
	// on every /api/v1 call.
	APIToken string
	// MaxBodyBytes caps request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Ready reports whether the store and Temporal answer, for /readyz;
	// nil means always ready. An error wrapping a *NotReadyError names the
	// part that is not ready in the answer; the error itself is only
	// logged.
	Ready func(context.Context) error
	// Logger receives request logs (at debug level) and failures; nil
	// discards them.
	Logger *slog.Logger
	// Secrets resolves the credentials webhook triggers authenticate
	// callers with; when nil, webhooks with auth answer 503.
	Secrets SecretResolver
	// Blobs keeps files uploaded to webhooks; when nil, uploads with
	// files answer 503.
	Blobs blob.Store
	// Metrics is the registry /metrics serves and the API registers its
	// collectors in. Nil means a fresh registry per New, so that several
	// handlers (tests) never collide.
	Metrics *prometheus.Registry
	// PublicURL (FLOWLINE_PUBLIC_URL) is the base of the OAuth2 callback
	// URL; empty means the scheme and host of the authorize request.
	PublicURL string
	// OAuth2 connects oauth2 credentials; nil means a provider over Store
	// and Sealer with the default egress policy.
	OAuth2 *oauth2tokens.Provider
	// EventsStrict (FLOWLINE_EVENTS_STRICT) refuses events whose type is
	// not in the catalog, and flows subscribing to patterns that match no
	// declared type.
	EventsStrict bool

	// beforeReplace, when set (by a test), runs between the read of a
	// credential and its compare-and-swap write, to force the race with a
	// token refresh deterministically.
	beforeReplace func(id string)
}

// server holds the options the handlers read.
type server struct {
	store     *store.Store
	validator *flows.Validator
	registry  *connectors.Registry
	runs      RunService
	schedules ScheduleService
	sealer    *secrets.Sealer
	token     string
	maxBody   int64
	ready     func(context.Context) error
	log       *slog.Logger
	metrics   *prometheus.Registry
	publicURL string
	oauth     *oauth2tokens.Provider
	secrets   SecretResolver
	blobs     blob.Store
	// syncTimeout bounds respond "sync" webhooks (HookSyncTimeout).
	syncTimeout time.Duration
	// eventsStrict refuses what the event catalog does not declare.
	eventsStrict bool
	// triggerCache keeps what event and webhook triggers read.
	triggerCache triggerCache
	// builder serves the visual builder at "/".
	builder *ui.Handler
	// writeProbe is /readyz's cached flow store write check.
	writeProbe *writeProbe
	// beforeReplace is Options.beforeReplace.
	beforeReplace func(id string)
}

const loggerKey = "flowline.logger"

// New returns the API's HTTP handler: /api/v1 routes, /healthz, /readyz and
// /metrics. It panics when a required option is missing, which is a
// programmer error in the wiring.
func New(opts Options) http.Handler {
	if opts.Store == nil || opts.Validator == nil || opts.Registry == nil {
		panic("api.New: Store, Validator and Registry are required")
	}
	s := &server{
		store:     opts.Store,
		validator: opts.Validator,
		registry:  opts.Registry,
		runs:      opts.Runs,
		schedules: opts.Schedules,
		sealer:    opts.Sealer,
		token:     opts.APIToken,
		maxBody:   opts.MaxBodyBytes,
		ready:     opts.Ready,
		log:       opts.Logger,
		metrics:   opts.Metrics,
		publicURL: opts.PublicURL,
		oauth:     opts.OAuth2,
		secrets:   opts.Secrets,
		blobs:     opts.Blobs,

		syncTimeout:  HookSyncTimeout,
		eventsStrict: opts.EventsStrict,
		builder:      ui.New(),

		beforeReplace: opts.beforeReplace,
	}
	s.writeProbe = &writeProbe{check: s.store.CheckWrite, now: time.Now}
	if s.oauth == nil && s.sealer != nil {
		s.oauth = oauth2tokens.New(oauth2tokens.Options{Store: s.store, Sealer: s.sealer})
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metrics == nil {
		s.metrics = prometheus.NewRegistry()
	}
	m := newHTTPMetrics(s.metrics)

	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// An API answers 404 and 405 as problems rather than redirecting
	// clients to a path with or without a trailing slash.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	r.Use(s.observe(m), s.recoverPanics, s.limitHeaders)
	r.NoRoute(s.noRoute)
	r.NoMethod(s.noMethod)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metricsHandler())
	r.GET(OpenAPIPath, s.openAPI)
	r.GET(CallbackPath, s.oauth2Callback)
	r.Any(HookPath, s.hook)
	// The visual builder: its page at "/" and its versioned assets. Other
	// paths a browser navigates to get the page too (see noRoute).
	builder := gin.WrapH(s.builder)
	r.GET("/", builder)
	r.HEAD("/", builder)
	r.GET(ui.AssetPrefix+"*path", builder)
	r.HEAD(ui.AssetPrefix+"*path", builder)

	v1 := r.Group(BasePath, s.auth)
	v1.POST("/flows", s.createFlow)
	v1.GET("/flows", s.listFlows)
	v1.POST("/flows/validate", s.validateFlow)
	v1.GET("/flows/:id", s.getFlow)
	v1.PUT("/flows/:id", s.updateFlow)
	v1.DELETE("/flows/:id", s.deleteFlow)
	v1.POST("/flows/:id/publish", s.publishFlow)
	v1.POST("/flows/:id/enable", s.enableFlow)
	v1.POST("/flows/:id/disable", s.disableFlow)
	v1.GET("/flows/:id/versions", s.listVersions)
	v1.GET("/flows/:id/variables", s.flowVariables)
	v1.POST("/flows/variables", s.documentVariables)
	v1.GET("/flows/:id/versions/:n", s.getVersion)
	v1.POST("/flows/:id/runs", s.startRun)
	v1.POST("/flows/:id/steps/:step_id/test", s.testStep)
	v1.POST("/events", s.postEvent)
	v1.POST("/event-types", s.createEventType)
	v1.GET("/event-types", s.listEventTypes)
	v1.GET("/event-types/:name", s.getEventType)
	v1.PUT("/event-types/:name", s.replaceEventType)
	v1.DELETE("/event-types/:name", s.deleteEventType)
	v1.GET("/runs", s.listRuns)
	v1.GET("/runs/:run_id", s.getRun)
	v1.POST("/runs/:run_id/cancel", s.cancelRun)
	v1.POST("/runs/:run_id/retry", s.retryRun)
	v1.POST("/credentials", s.createCredential)
	v1.GET("/credentials", s.listCredentials)
	v1.GET("/credentials/:id", s.getCredential)
	v1.PUT("/credentials/:id", s.updateCredential)
	v1.DELETE("/credentials/:id", s.deleteCredential)
	v1.POST("/actions/test", s.testAction)
	v1.GET("/credentials/:id/oauth2/authorize", s.authorizeCredential)
	v1.GET("/connectors", s.listConnectors)
	v1.GET("/schemas/flow", s.flowSchema)
	v1.POST("/render", s.renderConfig)
	return r
}

// logger returns the request's logger.
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		if l, ok := l.(*slog.Logger); ok {
			return l
		}
	}
	return slog.New(slog.DiscardHandler)
}

// observe logs each request at debug level and records it in the metrics,
// labelled by route template so that ids never become label values.
func (s *server) observe(m *httpMetrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Set(loggerKey, s.log)
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		elapsed := time.Since(start)
		m.observe(c.Request.Method, route, status, elapsed)
		s.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "http request",
			slog.String("method", c.Request.Method),
			slog.String("route", route),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
		)
	}
}

// recoverPanics turns a handler panic into a logged 500 problem.
func (s *server) recoverPanics(c *gin.Context) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler {
			panic(v)
		}
		s.log.Error("handler panicked", "route", c.FullPath(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		if !c.Writer.Written() {
			problem(c, http.StatusInternalServerError, "the server failed to handle the request")
		}
		c.Abort()
	}()
	c.Next()
}

func (s *server) noRoute(c *gin.Context) {
	// Unknown paths under /api/v1 are behind the token too, so that the
	// answer tells a caller without it nothing about which routes exist.
	if strings.HasPrefix(c.Request.URL.Path, BasePath+"/") && !s.authorized(c) {
		return
	}
	// A browser navigating to a screen of the builder (/flows/abc) gets
	// its page, whose router shows the screen; API clients get a problem.
	if p := c.Request.URL.Path; !strings.HasPrefix(p, BasePath+"/") && !strings.HasPrefix(p, "/hooks/") && ui.Navigation(c.Request) {
		s.builder.ServeHTTP(c.Writer, c.Request)
		return
	}
	problemf(c, http.StatusNotFound, "no route %s %s", c.Request.Method, c.Request.URL.Path)
}

func (s *server) noMethod(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, BasePath+"/") && !s.authorized(c) {
		return
	}
	problemf(c, http.StatusMethodNotAllowed, "method %s is not allowed on %s", c.Request.Method, c.Request.URL.Path)
}

// errBodyAnswered reports that readBody already answered the request.
var errBodyAnswered = errors.New("request body rejected")

// readBody reads the request body, at most MaxBodyBytes of it. Over the
// limit it answers 413 and returns errBodyAnswered.
func (s *server) readBody(c *gin.Context) ([]byte, error) {
	if c.Request.ContentLength > s.maxBody {
		// The rest of the body is never read, so the connection cannot
		// carry another request.
		c.Header("Connection", "close")
		problemf(c, http.StatusRequestEntityTooLarge, "the request body is %d bytes; the limit is %d", c.Request.ContentLength, s.maxBody)
		return nil, errBodyAnswered
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			c.Header("Connection", "close")
			problemf(c, http.StatusRequestEntityTooLarge, "the request body exceeds the limit of %d bytes", tooLarge.Limit)
			return nil, errBodyAnswered
		}
		problemf(c, http.StatusBadRequest, "reading the request body: %v", err)
		return nil, errBodyAnswered
	}
	return body, nil
}
