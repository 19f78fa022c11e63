# Omnicart. `make run` serves the demo shop; `make test` runs every check.
#
#   make run                    serve the shop at the config's http.addr (127.0.0.1:8080)
#   make run ADDR=:9090         ... at another address (passed as --http ADDR)
#   make chat                   talk to the shop in the terminal (the running one, if any)
#   make build                  bin/omnicart, with the version, commit and date built in
#   make bench                  benchmarks and the load harness (several minutes; see below)
GO      ?= go
BIN     ?= bin/omnicart
ADDR    ?=
export CGO_ENABLED ?= 1

# Built into the binary: `omnicart --version` prints them. Without git (a
# tarball) they fall back to "dev"; override with make build VERSION=1.2.0.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.buildDate=$(DATE)

.PHONY: run build test lint bench chat clean

run: build
	./$(BIN) run $(if $(ADDR),--http $(ADDR))

chat: build
	./$(BIN) chat

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='$(LDFLAGS)' -o $(BIN) ./cmd/omnicart

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

test: lint
	@# The browser tests need Debian's chromium: installed here when missing and root (else they fail and say how).
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || .ci/install-chromium
	@# The payment tests decode QR codes with Debian's zbarimg: the same.
	@command -v zbarimg >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || .ci/install-zbar
	$(GO) test -race -count=1 ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...  # the benchmarks still run

# make bench: the micro-benchmarks, then the load harness (TestLoadHarness
# in cmd/omnicart): the real binary and the plain echo bot against a fake
# Bot API, paced at 200 updates/s and with 1000 closed-loop shoppers, long
# polling and with the fake posting to their webhooks, and 10,000 chats
# for memory. BENCH_ARGS adds harness flags, e.g.
#   make bench BENCH_RUN='TestLoadHarness/omnicart/^max' BENCH_ARGS='-harness.profile /tmp/cpu.pprof'
BENCH_RUN  ?= TestLoadHarness
BENCH_ARGS ?=
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./flows ./store
	OMNICART_BENCH=1 $(GO) test -count=1 -timeout 60m -v -run '$(BENCH_RUN)' ./cmd/omnicart -args $(BENCH_ARGS)

clean:
	rm -rf bin
