# Omnicart. `make run` serves the demo shop; `make test` runs every check.
GO      ?= go
BIN     ?= bin/omnicart
export CGO_ENABLED ?= 1

.PHONY: run build test lint bench chat clean

run: build
	./$(BIN) run

chat: build
	./$(BIN) chat --data data-chat

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -o $(BIN) ./cmd/omnicart

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) mod tidy -diff

test: lint
	$(GO) test -race -count=1 ./...
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...  # the benchmarks still run

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./flows ./store

clean:
	rm -rf bin
