# The Temporal server module needs go1.26.10; the machine's go.env pins
# GOTOOLCHAIN=local, so let go fetch the right toolchain through the proxy.
export GOTOOLCHAIN := auto

GO       ?= go
BIN      := bin/flowline
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X github.com/flowline/flowline/internal/app.Version=$(VERSION)
# PostgreSQL for the store's tests; override to point at another server.
export FLOWLINE_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: run build test vet fmt bench clean test-topology temporal-tools docker-check

## run: build and start flowline serve on the embedded default
run: build
	./$(BIN) serve

## build: compile bin/flowline
build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/flowline

## test: gofmt and vet checks, then every test (needs PostgreSQL, see README)
test: vet
	$(GO) test -count=1 -timeout 30m ./...

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

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
