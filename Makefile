# sqpdash — see README.md. `make run` starts the dashboard with demo data; `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/sqpdash
ADDR  ?= localhost:8080

.PHONY: run test build generate check-generated vet lint deps deps-test bench fuzz clean

## run: install what is missing, build, start the private PostgreSQL, apply the schema, load demo data on
## first run, create the first admin on first run, and serve on http://$(ADDR)
run: deps build
	$(BIN) schema apply
	$(BIN) demo --if-empty
	SQPDASH_ADDR=$(ADDR) $(BIN) users ensure-admin
	$(BIN) serve --addr $(ADDR)

## test: install what is missing (PostgreSQL, Chromium, plpgsql_check), check generated code, vet, lint, and run
## every test
test: deps-test check-generated vet lint
	$(GO) test -count=1 -timeout 15m ./...

build:
	$(GO) build -o $(BIN) ./cmd/sqpdash

generate:
	$(GO) tool templ generate

## check-generated: fail if templ generate would change the committed *_templ.go files
check-generated:
	@$(GO) tool templ generate >/dev/null 2>&1
	@if ! git diff --quiet -- '*_templ.go'; then echo "templ generate changed committed files: run 'make generate' and commit" >&2; git diff --stat -- '*_templ.go' >&2; exit 1; fi

vet:
	$(GO) vet ./...

## lint: golangci-lint (pinned as a tool in go.mod, configured in .golangci.yml) over the whole tree
lint:
	$(GO) tool golangci-lint run ./...

deps:
	@.ci/install-deps.sh

deps-test:
	@.ci/install-deps.sh --test

## bench: the rerunnable performance benchmark (writes bench/results.md and bench/results.json)
bench: deps build
	$(BIN) bench --out bench

## fuzz: run every fuzz target for FUZZTIME each (not part of make test; the seed corpora are)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
