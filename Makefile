# Targets for building, testing and measuring fieldwall. Every target runs
# from the repository root. The public corpora are read from
# ../shared/corpus unless FIELDWALL_CORPUS names another directory.

GO         ?= go
FUZZTIME   ?= 10m
BENCHCOUNT ?= 6

.PHONY: all build test test-short lint fuzz fuzz-short bench eval

all: lint test

build:
	$(GO) build ./...

# The test command of the README: every package, with the race detector.
test:
	$(GO) test -race -count=1 ./...

test-short:
	$(GO) test -short -count=1 ./...

lint:
	$(GO) vet ./...
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

# Runs every fuzz target for FUZZTIME (go test accepts one target per run).
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

# The short fuzz pass that CI runs on every submission.
fuzz-short:
	./scripts/fuzz.sh 15s

bench:
	./bench/run.sh $(BENCHCOUNT)

# Detection and false-positive rates on the public corpora.
eval:
	$(GO) run ./cmd/fieldwall eval "$${FIELDWALL_CORPUS:-../shared/corpus}"/attacks/*.jsonl \
		"$${FIELDWALL_CORPUS:-../shared/corpus}"/benign/*.jsonl \
		"$${FIELDWALL_CORPUS:-../shared/corpus}"/requests/*.jsonl
