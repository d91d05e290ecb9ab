# ml-apiserver: native Kubernetes APIs for the machine-learning lifecycle.
# `make run` starts standalone mode; `make test` runs every test suite.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

OUTPUT      ?= _output
BIN         := $(OUTPUT)/bin
TOOLS_BIN   ?= $(BIN)
DATA_DIR    ?= $(OUTPUT)/standalone
PORT        ?= 8443
GO          ?= go
GOTESTFLAGS ?=
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

export GOPRIVATE := ml.example.io

.PHONY: help
help: ## Show the targets.
	@awk 'BEGIN {FS = ":.*##"} /^[a-zA-Z_-]+:.*##/ {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: dashboard ## Build the web dashboard, ml-apiserver (with its launcher of local processes) and the kubectl-ml plugin into _output/bin.
	$(GO) build -o $(BIN)/ml-apiserver ./cmd/ml-apiserver
	$(GO) build -o $(BIN)/ml-apiserver-launch ./cmd/ml-apiserver-launch
	$(GO) build -ldflags "$$(hack/lib/version.sh ldflags)" -o $(BIN)/kubectl-ml ./cmd/kubectl-ml

.PHONY: dashboard
dashboard: ## Build the web dashboard (npm ci when package-lock.json changed, then esbuild) into pkg/dashboard/dist, embedded by kubectl-ml.
	$(GO) run ./hack/build-dashboard

PLUGIN_DIR ?= $(HOME)/.local/bin

.PHONY: install-plugin
install-plugin: dashboard ## Install the `kubectl ml` plugin as PLUGIN_DIR/kubectl-ml (default ~/.local/bin; it must be on PATH).
	@mkdir -p $(PLUGIN_DIR)
	$(GO) build -ldflags "$$(hack/lib/version.sh ldflags)" -o $(PLUGIN_DIR)/kubectl-ml ./cmd/kubectl-ml
	@echo "installed $(PLUGIN_DIR)/kubectl-ml; try: kubectl ml --help"

.PHONY: release-plugin
release-plugin: ## Build the `kubectl ml` release archives (VERSION, default git describe) into _output/release, with sha256sums.txt and the krew manifest (also artifacts/krew/ml.yaml).
	GO=$(GO) RELEASE_DIR=$(OUTPUT)/release hack/release-plugin.sh

.PHONY: tools
tools: ## Build the pinned test control plane (kube-apiserver, kube-controller-manager, kube-scheduler, kwok) and SeaweedFS (weed, the S3 server of the artifact-store tests) into TOOLS_BIN.
	TOOLS_BIN=$(TOOLS_BIN) hack/build-tools.sh

.PHONY: weed
weed: ## Build only SeaweedFS (weed) into TOOLS_BIN, for the S3 artifact-store tests and benchmarks.
	TOOLS_BIN=$(TOOLS_BIN) hack/build-tools.sh weed

.PHONY: local-up
local-up: ## Start a local cluster from source with ml-apiserver aggregated (LOCAL_UP_DIR, default _output/local-up).
	TOOLS_BIN=$(TOOLS_BIN) hack/local-up.sh

.PHONY: local-down
local-down: ## Stop the processes of local-up.
	hack/local-down.sh

.PHONY: run
run: build ## Build and start standalone mode (embedded etcd, data in _output/standalone).
	@mkdir -p $(DATA_DIR)
	@echo "Dashboard: in another terminal, run: $(BIN)/kubectl-ml dashboard --kubeconfig $(DATA_DIR)/kubeconfig (or kubectl ml dashboard --kubeconfig $(DATA_DIR)/kubeconfig) and open the URL it prints"
	$(BIN)/ml-apiserver --standalone --data-dir $(DATA_DIR) --secure-port $(PORT) \
		--local-read-write-paths /tmp/ml-apiserver-examples

.PHONY: test
test: tools test-unit test-integration test-e2e test-browser ## Run every test suite (what CI runs); tools first, as the S3 tests need weed.

.PHONY: test-unit
test-unit: ## Unit tests (API, validation, registry against embedded etcd).
	TOOLS_BIN=$(TOOLS_BIN) $(GO) test $(GOTESTFLAGS) -timeout 20m ./pkg/... ./cmd/...

.PHONY: test-integration
test-integration: ## In-process server on embedded etcd, clientset and the machine's kubectl.
	TOOLS_BIN=$(TOOLS_BIN) $(GO) test $(GOTESTFLAGS) -timeout 30m ./test/integration/...

.PHONY: test-e2e
test-e2e: tools ## A real control plane from hack/local-up.sh (in a temporary LOCAL_UP_DIR) with ml-apiserver aggregated; kubectl, RBAC, GC.
	TOOLS_BIN=$(TOOLS_BIN) $(GO) test $(GOTESTFLAGS) -timeout 40m ./test/e2e/...

.PHONY: test-browser
test-browser: ## The web dashboard in Debian's chromium (installed when missing) against standalone mode; screenshots in _output/browser.
	TOOLS_BIN=$(TOOLS_BIN) $(GO) test $(GOTESTFLAGS) -timeout 30m ./test/browser/...

.PHONY: bench
bench: weed ## Benchmarks with their baselines, printed as ratio tables.
	TOOLS_BIN=$(TOOLS_BIN) $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./test/bench/...

ML_BENCH_SCALE_JOBS ?= 10000

.PHONY: bench-scale
bench-scale: ## BenchmarkScale at ML_BENCH_SCALE_JOBS (default 10000) TrainingJobs against as many batch/v1 Jobs on a local cluster; hours at full size.
	ML_BENCH_SCALE_JOBS=$(ML_BENCH_SCALE_JOBS) TOOLS_BIN=$(TOOLS_BIN) $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime 1x -timeout 8h ./test/bench/

.PHONY: update
update: update-codegen ## Regenerate everything generated.

.PHONY: update-codegen
update-codegen: ## Regenerate clients, deepcopy, conversion, defaults and OpenAPI.
	hack/update-codegen.sh

.PHONY: verify
verify: verify-gofmt verify-codegen verify-imports vet lint verify-dashboard ## gofmt, codegen up to date, import and init() rules, vet, lint, the dashboard's TypeScript types.

.PHONY: verify-gofmt
verify-gofmt:
	hack/verify-gofmt.sh

.PHONY: verify-codegen
verify-codegen:
	hack/verify-codegen.sh

.PHONY: verify-imports
verify-imports: ## No registry imports from workload/controller, no cmd imports from pkg, no init() outside main and scheme registration.
	hack/verify-imports.sh

.PHONY: verify-dashboard
verify-dashboard: ## Type-check the dashboard's TypeScript (tsc --noEmit; npm ci fetches typescript when it is missing).
	cd web/dashboard && { test -x node_modules/.bin/tsc || npm ci --no-audit --no-fund; } && node_modules/.bin/tsc --noEmit -p .

.PHONY: vet
vet:
	$(GO) vet ./...

.PHONY: lint
lint: ## staticcheck over the hand-written packages (generated code is checked by its generators).
	$(GO) run $(STATICCHECK) $$($(GO) list ./... | grep -v /pkg/generated/)

.PHONY: clean
clean: ## Remove _output (binaries, standalone data).
	rm -rf $(OUTPUT)
