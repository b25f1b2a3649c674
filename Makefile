# The Temporal server module needs go1.26.10; the machine's go.env pins
# GOTOOLCHAIN=local, so let go fetch the right toolchain through the proxy.
export GOTOOLCHAIN := auto

GO       ?= go
BIN      := bin/flowline
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/flowline/flowline/internal/app.Version=$(VERSION)
# PostgreSQL for the store's tests; override to point at another server.
export FLOWLINE_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: run build test test-go test-ui bench-ui vendor screenshots vet fmt bench clean test-topology temporal-tools docker-check

## run: build and start flowline serve on the embedded default
run: build
	@echo "Flowline builder: http://$${FLOWLINE_HTTP_ADDR:-127.0.0.1:8080}/"
	./$(BIN) serve

## build: compile bin/flowline
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/flowline

## test: gofmt, go vet and workflowcheck, every Go test (-race where it stays quick) (needs PostgreSQL, see README), then the browser tests
test: test-go test-ui

# RACE_PKGS run under the race detector; their tests stay within a few
# minutes so. The end-to-end tests (internal/app, cmd) boot Temporal and run
# without it.
RACE_PKGS := ./engine/... ./connectors/... ./flows/... ./schemas/... ./api/... ./internal/store/... ./internal/secrets/... ./internal/blob/... ./internal/oauth2tokens/... ./internal/freeport/...

test-go: vet
	$(GO) test -count=1 -race -timeout 15m $(RACE_PKGS)
	$(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v -x -F "$$($(GO) list $(RACE_PKGS))")

## test-ui: the builder's browser tests (Playwright on the system's Chromium, see ui/e2e)
test-ui: build
	cd ui/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	cd ui/e2e && FLOWLINE_BIN=$(CURDIR)/$(BIN) npx playwright test

## screenshots: refresh docs/builder/*.png from the browser tests
screenshots: build
	cd ui/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	cd ui/e2e && FLOWLINE_BIN=$(CURDIR)/$(BIN) FLOWLINE_SCREENSHOTS=$(CURDIR)/docs/builder npx playwright test screens

## bench-ui: the builder's first-load bytes and the Flows page with 1,000 flows
bench-ui: build
	cd ui/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
	cd ui/e2e && FLOWLINE_BIN=$(CURDIR)/$(BIN) FLOWLINE_UI_BENCH=1 npx playwright test

## vendor: rebuild ui/web/vendor and ui/THIRD_PARTY_NOTICES from ui/package-lock.json
vendor:
	cd ui && npm ci --no-audit --no-fund --loglevel=error && node vendor-src/build.mjs

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool workflowcheck ./engine/...

## temporal-tools: the Temporal server and SQL tool, built from the
## go.temporal.io/server version Flowline embeds (tool dependencies in go.mod)
temporal-tools:
	$(GO) build -o bin/temporal-server go.temporal.io/server/cmd/server
	$(GO) build -o bin/temporal-sql-tool go.temporal.io/server/cmd/tools/sql

## test-topology: a 4-service Temporal cluster, flowline api + 2 workers on
## PostgreSQL, load with kill -9 of a worker and of history (about 2 minutes)
test-topology: build temporal-tools
	$(GO) run ./cmd/flowline-topology --flowline $(BIN) \
	  --temporal-server bin/temporal-server --sql-tool bin/temporal-sql-tool \
	  --schema-dir "$$($(GO) list -m -f '{{.Dir}}' go.temporal.io/server)/schema/postgresql/v12" $(TOPOLOGYFLAGS)

## docker-check: without a Docker engine, load and validate docker/'s compose
## files (compose-go), lint its Dockerfile (BuildKit), shellcheck its scripts
docker-check:
	cd docker && $(GO) vet ./... && $(GO) test -count=1 ./...
	shellcheck .ci/run

## bench: the pure-Go benchmarks, then the real path (cmd/flowline-bench)
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./flows/ ./connectors/...
	$(GO) run ./cmd/flowline-bench --flowline $(BIN) $(BENCHFLAGS)

clean:
	rm -rf bin
