# sqpdash — see README.md. `make run` starts the dashboard with demo data; `make test` runs every test.
SHELL := /bin/bash
GO    ?= go
BIN   := bin/sqpdash
ADDR  ?= localhost:8080

.PHONY: run test build generate check-generated check-fmt vet lint deps deps-test bench fuzz clean

## run: install what is missing, build, start the private PostgreSQL, apply the schema, load demo data on
## first run, create the first admin on first run, and serve on http://$(ADDR)
run: deps build
	$(BIN) schema apply
	$(BIN) demo --if-empty
	SQPDASH_ADDR=$(ADDR) $(BIN) users ensure-admin
	$(BIN) serve --addr $(ADDR)

## test: install what is missing (PostgreSQL, Chromium, plpgsql_check), check generated code and formatting, vet,
## lint, and run every test
test: deps-test check-generated check-fmt vet lint
	$(GO) test -count=1 -timeout 15m ./...

build:
	$(GO) build -o $(BIN) ./cmd/sqpdash

generate:
	$(GO) tool templ generate

## check-generated: fail if templ generate fails, changes a *_templ.go file, or writes one git does not track
## (git status shows it in the work-tree column: modified, deleted or untracked)
check-generated:
	@out=$$($(GO) tool templ generate 2>&1) || { echo "$$out" >&2; echo "templ generate failed" >&2; exit 1; }
	@changed=$$(git status --porcelain --untracked-files=all -- '*_templ.go' | grep '^.[^ ]'); \
	if [ -n "$$changed" ]; then \
	  echo "templ generate changed or added *_templ.go files: run 'make generate' and commit them" >&2; \
	  echo "$$changed" >&2; exit 1; \
	fi

## check-fmt: fail if gofmt would change any Go file
check-fmt:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change these files: run 'gofmt -w' on them" >&2; echo "$$unformatted" >&2; exit 1; fi

vet:
	$(GO) vet ./...

## lint: golangci-lint (pinned as a tool in go.mod, configured in .golangci.yml) over the whole tree
lint:
	$(GO) tool golangci-lint run ./...

deps:
	@.ci/install-deps.sh

deps-test:
	@.ci/install-deps.sh --test

## bench: the rerunnable performance benchmark (writes bench/results.md and bench/results.json);
## SCALE50=1 adds scale 50 (about 10M SQP rows, 10 GB of disk, an hour) and its growth column
BENCH_SCALES ?= 1,10
ifdef SCALE50
BENCH_SCALES := 1,10,50
endif
bench: deps build
	$(BIN) bench --out bench --scales $(BENCH_SCALES)

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
