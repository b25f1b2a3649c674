// Package app wires Flowline's parts into a running process: the store, the
// embedded or external Temporal, the worker and the REST API. cmd/flowline
// only parses configuration and calls it; tests start it in-process.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	sdkclient "go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"

	"github.com/flowline/flowline/api"
	"github.com/flowline/flowline/connectors"
	httpconn "github.com/flowline/flowline/connectors/http"
	"github.com/flowline/flowline/engine"
	"github.com/flowline/flowline/engine/batch"
	"github.com/flowline/flowline/engine/devserver"
	"github.com/flowline/flowline/flows"
	"github.com/flowline/flowline/internal/blob"
	"github.com/flowline/flowline/internal/config"
	"github.com/flowline/flowline/internal/oauth2tokens"
	"github.com/flowline/flowline/internal/secrets"
	"github.com/flowline/flowline/internal/store"
)

// Version is the Flowline version, set at build time with -ldflags.
var Version = "dev"

// Mode selects which parts a process runs.
type Mode string

// Modes of the flowline subcommands.
const (
	ModeServe  Mode = "serve"
	ModeWorker Mode = "worker"
	ModeAPI    Mode = "api"
)

// App is a running Flowline process.
type App struct {
	cfg      *config.Config
	log      *slog.Logger
	store    *store.Store
	dev      *devserver.Server
	client   sdkclient.Client
	worker   worker.Worker
	http     *http.Server
	listener net.Listener
	// closeConns releases what the connectors hold.
	closeConns func()
	sealer     *secrets.Sealer
	tokens     *oauth2tokens.Provider
	blobs      blob.Store
	served     chan error
	pprof      *http.Server
	// stops stop the background loops (the run ledger's sweeper).
	stops []func()
	// sweeper keeps the run ledger moving; the API process owns it.
	sweeper *batch.Sweeper
	// runs is the run service, which the API and the worker's schedule
	// firings start runs through; exec is its Temporal side.
	runs *engine.Service
	exec *engine.Runs
	// lock holds the data dir while the embedded Temporal server runs.
	lock *os.File
}

// Start brings up the parts mode asks for and returns once they accept work.
func Start(ctx context.Context, cfg *config.Config, mode Mode, logger *slog.Logger) (_ *App, err error) {
	a := &App{cfg: cfg, log: logger, served: make(chan error, 1)}
	// A failed start stops what did start. The deferred call holds its own
	// reference: the named result is nil by the time it runs.
	defer func() {
		if err != nil {
			_ = a.Shutdown(context.Background())
		}
	}()
	if mode == ModeServe && cfg.Embedded() {
		if a.lock, err = lockDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	// Every mode runs the worker or the API, and both need the store and
	// the sealing key: the API to keep credentials, the worker to resolve
	// them for connectors. A bad key fails here, before anything starts.
	if err := a.openStore(ctx); err != nil {
		return nil, err
	}
	if mode == ModeServe && cfg.Embedded() {
		if err := checkServeAddrs(cfg); err != nil {
			return nil, err
		}
		start := time.Now()
		serverLevel := slog.LevelWarn
		if cfg.LogLevel <= slog.LevelDebug {
			serverLevel = slog.LevelDebug
		}
		a.dev, err = devserver.Start(devserver.Options{
			DataDir: cfg.DataDir, FrontendAddr: cfg.TemporalDevAddr, UIAddr: cfg.TemporalUIAddr,
			Namespace: cfg.TemporalNamespace, SearchAttributes: engine.SearchAttributes(),
			Logger: logger, LogLevel: serverLevel,
		})
		if err != nil {
			return nil, fmt.Errorf("starting embedded temporal: %w", err)
		}
		logger.Info("embedded temporal started", "frontend", cfg.TemporalDevAddr, "ui", cfg.TemporalUIURL(), "took", time.Since(start).Round(time.Millisecond))
	}
	a.client, err = dialTemporal(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	if err := checkNamespace(ctx, a.client, cfg); err != nil {
		return nil, err
	}
	if err := engine.EnsureSearchAttributes(ctx, a.client, cfg.TemporalNamespace); err != nil {
		return nil, err
	}
	a.tokens = oauth2tokens.New(oauth2tokens.Options{
		Store: a.store, Sealer: a.sealer, HTTPClient: httpconn.NewOutboundClient(cfg.EgressAllow, 0),
	})
	// Files uploaded to webhooks wait in the data dir until steps read
	// them; the API and the worker must share that directory.
	if a.blobs, err = blob.NewFS(filepath.Join(cfg.DataDir, "blobs")); err != nil {
		return nil, err
	}
	reg, closeConns := BuiltinConnectors(httpconn.Options{
		Version: Version, EgressAllow: cfg.EgressAllow,
		Secrets: &secrets.Resolver{Store: a.store, Sealer: a.sealer},
		OAuth2:  a.tokens,
		Files:   blobFiles{a.blobs},
	})
	a.closeConns = closeConns
	if cfg.PprofAddr != "" {
		if err := a.startPprof(cfg.PprofAddr); err != nil {
			return nil, err
		}
	}
	a.newRunService()
	if mode == ModeServe || mode == ModeWorker {
		a.worker = batch.NewWorker(a.client, cfg.TaskQueue, reg, a.store.Ledger(), a.runs)
		if err := a.worker.Start(); err != nil {
			return nil, fmt.Errorf("starting worker: %w", err)
		}
		a.upgradeSchedules(ctx)
	}
	if mode == ModeServe || mode == ModeAPI {
		if err := a.startAPI(ctx, reg); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// openStore opens the flow store and builds the credential sealer from the
// configured or generated key, checked against the stored credentials.
// Errors name the setting to fix.
func (a *App) openStore(ctx context.Context) error {
	var err error
	a.store, err = store.Open(ctx, a.cfg.DatabaseURL)
	if err != nil {
		return fmt.Errorf("flow store (FLOWLINE_DATABASE_URL, --database-url): %w", err)
	}
	a.sealer, err = secrets.LoadSealer(ctx, a.cfg.SecretKey, a.cfg.DataDir, a.store)
	if err != nil {
		return fmt.Errorf("loading the secret key: %w", err)
	}
	return nil
}

func (a *App) startAPI(ctx context.Context, reg *connectors.Registry) error {
	validator, err := flows.NewValidator(reg.Schemas())
	if err != nil {
		return fmt.Errorf("compiling schemas: %w", err)
	}
	a.sweeper = batch.NewSweeper(batch.SweeperOptions{Ledger: a.store.Ledger(), Versions: a.store, Executions: a.exec,
		Batch: a.batchOptions(), Client: a.client, Namespace: a.cfg.TemporalNamespace, Logger: a.log})
	a.background(a.sweeper.Run)
	handler := api.New(api.Options{
		Store: a.store, Validator: validator, Registry: reg, Runs: a.runs, Sealer: a.sealer,
		Schedules: &engine.Schedules{Client: a.client, TaskQueue: a.cfg.TaskQueue},
		APIToken:  a.cfg.APIToken, MaxBodyBytes: a.cfg.MaxBodyBytes, Ready: a.ready, Logger: a.log,
		PublicURL: a.cfg.PublicURL, OAuth2: a.tokens,
		Secrets: &secrets.Resolver{Store: a.store, Sealer: a.sealer}, Blobs: a.blobs,
		EventsStrict: a.cfg.EventsStrict, Metrics: intakeMetrics(a.runs),
	})
	a.listener, err = net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return listenError(a.cfg.HTTPAddr, httpAddrSetting, err)
	}
	a.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: api.ServerMaxHeaderBytes}
	go func() { a.served <- a.http.Serve(a.listener) }()
	a.log.Info("flowline API listening", "addr", "http://"+a.listener.Addr().String())
	return nil
}

// newRunService builds the run service that the API and the worker's
// schedule firings start runs through.
func (a *App) newRunService() {
	a.exec = &engine.Runs{Client: a.client, Namespace: a.cfg.TemporalNamespace, TaskQueue: a.cfg.TaskQueue,
		UIBaseURL: a.cfg.TemporalUIURL()}
	a.runs = engine.NewService(engine.ServiceOptions{Executions: a.exec, Ledger: a.store.Ledger(), Versions: a.store,
		Batch: a.batchOptions(), Flows: a.store, Logger: a.log})
}

// batchOptions shape the batch workflows as configured.
func (a *App) batchOptions() engine.BatchOptions {
	return engine.BatchOptions{Lanes: a.cfg.BatchLanes, Window: a.cfg.BatchWindow, Grace: a.cfg.BatchGrace}
}

// ready answers /readyz: the store and Temporal both answer.
func (a *App) ready(ctx context.Context) error {
	if err := a.store.Ping(ctx); err != nil {
		return &api.NotReadyError{Part: "the flow store", Err: err}
	}
	if _, err := a.client.CheckHealth(ctx, &sdkclient.CheckHealthRequest{}); err != nil {
		return &api.NotReadyError{Part: "Temporal", Err: err}
	}
	return nil
}

// Addr is the API's listen address (useful when it was ":0").
func (a *App) Addr() string {
	if a.listener == nil {
		return ""
	}
	return a.listener.Addr().String()
}

// Client is the process's Temporal client.
func (a *App) Client() sdkclient.Client { return a.client }

// Served reports the API server's exit, for the caller's wait loop.
func (a *App) Served() <-chan error { return a.served }

// Shutdown stops everything in reverse order of start.
func (a *App) Shutdown(ctx context.Context) error {
	var errs []error
	if a.http != nil {
		if err := a.http.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("stopping API: %w", err))
		}
	}
	if a.pprof != nil {
		_ = a.pprof.Close()
	}
	for _, stop := range a.stops {
		stop()
	}
	if a.worker != nil {
		a.worker.Stop()
	}
	if a.client != nil {
		a.client.Close()
	}
	if a.closeConns != nil {
		a.closeConns()
	}
	if a.store != nil {
		errs = append(errs, a.store.Close())
	}
	if a.dev != nil {
		errs = append(errs, a.dev.Stop())
	}
	if a.lock != nil {
		_ = a.lock.Close()
	}
	return errors.Join(errs...)
}

func dialTemporal(ctx context.Context, cfg *config.Config, logger *slog.Logger) (sdkclient.Client, error) {
	sdkLevel := slog.LevelWarn
	if cfg.LogLevel <= slog.LevelDebug {
		sdkLevel = slog.LevelDebug
	}
	l := slog.New(levelFilter{Handler: logger.Handler(), min: sdkLevel}).With("component", "temporal-sdk")
	setting := "FLOWLINE_TEMPORAL_ADDRESS, --temporal-address"
	if cfg.Embedded() {
		setting = "FLOWLINE_TEMPORAL_DEV_ADDR, --temporal-dev-addr"
	}
	deadline := time.Now().Add(dialPatience)
	for waiting := false; ; waiting = true {
		c, err := sdkclient.DialContext(ctx, sdkclient.Options{
			HostPort: cfg.TemporalFrontend(), Namespace: cfg.TemporalNamespace,
			Logger:            sdklog.NewStructuredLogger(l),
			ConnectionOptions: sdkclient.ConnectionOptions{GrpcCompression: grpcCompression(cfg.TemporalFrontend())},
		})
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, fmt.Errorf("connecting to temporal at %s (%s): %w", cfg.TemporalFrontend(), setting, err)
		}
		// Say once why nothing happens yet (the wait used to be silent).
		if !waiting {
			logger.Info("temporal is not answering yet; retrying", "address", cfg.TemporalFrontend(), "setting", setting,
				"for", dialPatience, "error", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// grpcCompression is how the client compresses what it sends Temporal at
// frontend: not at all on this host (the embedded server, or a server on
// the same machine), where gzip costs CPU at both ends and saves nothing
// (about 5 % of the CPU of a flow); gzip, the SDK's default, across a
// network.
func grpcCompression(frontend string) sdkclient.GrpcCompression {
	host, _, err := net.SplitHostPort(frontend)
	if err != nil {
		host = frontend
	}
	if host == "localhost" {
		return &sdkclient.GrpcCompressionNone{}
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return &sdkclient.GrpcCompressionNone{}
	}
	return &sdkclient.GrpcCompressionGzip{}
}

// dialPatience is how long a process waits for Temporal to answer at start.
const dialPatience = 30 * time.Second

// levelFilter drops records below min, so the SDK is quiet unless asked.
type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelFilter{Handler: f.Handler.WithAttrs(attrs), min: f.min}
}

func (f levelFilter) WithGroup(name string) slog.Handler {
	return levelFilter{Handler: f.Handler.WithGroup(name), min: f.min}
}
