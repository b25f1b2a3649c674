// Package devserver runs a Temporal server and the Temporal UI inside the
// Flowline process, persisted to a SQLite file, for the one-binary default.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/flowline/flowline/internal/freeport"
)

// Options configure the embedded server.
type Options struct {
	// DataDir holds the SQLite file (temporal.db).
	DataDir string
	// FrontendAddr is the gRPC frontend's host:port.
	FrontendAddr string
	// UIAddr is the Temporal UI's host:port; empty runs no UI.
	UIAddr string
	// Namespace is registered on first start.
	Namespace string
	// SearchAttributes are registered with the namespace on first start.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's logs at LogLevel and above.
	Logger   *slog.Logger
	LogLevel slog.Level
	// DynamicConfig overrides server dynamic config keys.
	DynamicConfig map[string]any
}

// Server is a running embedded Temporal server (and UI).
type Server struct {
	server temporal.Server
	ui     *uiServer
	level  *slog.LevelVar
}

const clusterName = "active"

// Start boots the server and, when asked, the UI. It returns once the
// frontend accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	host, portStr, err := net.SplitHostPort(opts.FrontendAddr)
	if err != nil {
		return nil, fmt.Errorf("parsing temporal frontend address %q: %w", opts.FrontendAddr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("parsing temporal frontend port %q: %w", portStr, err)
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("creating data dir: %w", err)
	}
	mainDB, visibilityDB, err := prepareDatabase(opts.DataDir, opts)
	if err != nil {
		return nil, err
	}
	ports, err := freeport.Ports(host, 4)
	if err != nil {
		return nil, err
	}
	conf := serverConfig(host, port, ports, mainDB, visibilityDB)

	level := &slog.LevelVar{}
	level.Set(opts.LogLevel)
	logger := newLogAdapter(opts.Logger, level)
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, fmt.Errorf("creating temporal authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, logger)
	if err != nil {
		return nil, fmt.Errorf("creating temporal claim mapper: %w", err)
	}
	dyn := defaultDynamicConfig()
	for k, v := range opts.DynamicConfig {
		dyn[dynamicconfig.MakeKey(k)] = v
	}
	hostPort := func(svc primitives.ServiceName) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(host, strconv.Itoa(conf.Services[string(svc)].RPC.GRPCPort)))
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(map[primitives.ServiceName]static.Hosts{
			primitives.FrontendService: hostPort(primitives.FrontendService),
			primitives.HistoryService:  hostPort(primitives.HistoryService),
			primitives.MatchingService: hostPort(primitives.MatchingService),
			primitives.WorkerService:   hostPort(primitives.WorkerService),
		}),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dyn),
	)
	if err != nil {
		return nil, fmt.Errorf("creating temporal server: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("starting temporal server: %w", err)
	}
	s := &Server{server: srv, level: level}
	if opts.UIAddr != "" {
		ui, err := startUI(opts.UIAddr, opts.FrontendAddr, opts.Namespace, opts.Logger)
		if err != nil {
			_ = srv.Stop()
			return nil, err
		}
		s.ui = ui
	}
	return s, nil
}

// Stop shuts the UI and the server down.
func (s *Server) Stop() error {
	// Stopping makes the server's internal workers complain about closed
	// connections; those warnings say nothing useful.
	if s.level.Level() < slog.LevelError {
		s.level.Set(slog.LevelError)
	}
	var errs []error
	if s.ui != nil {
		errs = append(errs, s.ui.stop())
	}
	errs = append(errs, s.server.Stop())
	return errors.Join(errs...)
}

// prepareDatabase creates the schemas on first start and registers the
// namespace with Flowline's search attributes (a no-op when it exists).
// Visibility (the run listings) lives in a file of its own, so that its
// writes take a second SQLite writer instead of queueing behind history.
func prepareDatabase(dataDir string, opts Options) (main, visibility *config.SQL, err error) {
	main = sqliteConfig(filepath.Join(dataDir, "temporal.db"))
	visibility = sqliteConfig(filepath.Join(dataDir, "temporal-visibility.db"))
	for _, conf := range []*config.SQL{main, visibility} {
		if _, err := os.Stat(conf.DatabaseName); errors.Is(err, os.ErrNotExist) {
			if err := sqliteschema.SetupSchema(conf); err != nil {
				return nil, nil, fmt.Errorf("creating temporal schema in %s: %w", conf.DatabaseName, err)
			}
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, nil, fmt.Errorf("configuring namespace %q: %w", opts.Namespace, err)
	}
	if err := sqliteschema.CreateNamespaces(main, ns); err != nil {
		return nil, nil, fmt.Errorf("registering namespace %q: %w", opts.Namespace, err)
	}
	if err := trimVisibilityIndexes(context.Background(), main, visibility); err != nil {
		return nil, nil, err
	}
	return main, visibility, nil
}

// sqliteConfig is a Temporal SQLite store in file: WAL with
// synchronous=NORMAL, which loses nothing when the process dies (a
// committed transaction is in the WAL); only an operating-system crash or
// power loss can drop the last transactions.
func sqliteConfig(file string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: file,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "1",
			"busy_timeout": "10000",
		},
	}
}

func serverConfig(host string, frontendPort int, ports []int, mainDB, visibilityDB *config.SQL) *config.Config {
	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30e9
	conf.Global.Membership.BroadcastAddress = host
	conf.Persistence.DefaultStore = "sqlite"
	conf.Persistence.VisibilityStore = "sqlite-visibility"
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{
		"sqlite": {SQL: mainDB}, "sqlite-visibility": {SQL: visibilityDB},
	}
	frontend := net.JoinHostPort(host, strconv.Itoa(frontendPort))
	conf.ClusterMetadata = &cluster.Config{
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            net.JoinHostPort(host, strconv.Itoa(ports[3])),
				ClusterID:              "6f1b8a2e-3c4d-4e5f-9a0b-f10e11e2c0de", // fixed: one embedded cluster
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	svc := func(port int) config.Service {
		var s config.Service
		s.RPC.GRPCPort = port
		s.RPC.BindOnIP = host
		return s
	}
	fe := svc(frontendPort)
	fe.RPC.HTTPPort = ports[3]
	conf.Services = map[string]config.Service{
		"frontend": fe,
		"history":  svc(ports[0]),
		"matching": svc(ports[1]),
		"worker":   svc(ports[2]),
	}
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend
	return &conf
}
