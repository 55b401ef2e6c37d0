# Fathom — quick start: `make demo` (build, ingest the bundled sample, query) and `make test`.
SWIFT      ?= swift
DEMO_DIR   ?= demo
DEMO_DB    := $(DEMO_DIR)/swift-docs.fathom
SAMPLE     := samples/swift-docs
FATHOM     := .build/release/fathom
# System libraries the package links (see Package.swift).
APT_PACKAGES := pkg-config libsqlite3-dev liblz4-dev libxxhash-dev

.PHONY: deps build demo test bench-smoke clean

# Installs the system libraries when any is missing (Debian/Ubuntu; needs root or sudo).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build -c release --product fathom

# Builds in release, ingests the bundled sample into $(DEMO_DB) and runs a sparse,
# a dense and a hybrid query, then a text query (no model: the stored vocabulary).
demo: build
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	$(FATHOM) create $(DEMO_DB) --dense-dim 384 --metric cosine --sparse
	$(FATHOM) ingest $(DEMO_DB) $(SAMPLE)/corpus.jsonl
	$(FATHOM) stats $(DEMO_DB)
	@echo; echo "== sparse (learned-sparse SPLADE weights only) =="
	$(FATHOM) search $(DEMO_DB) --query-file $(SAMPLE)/queries.jsonl --query-id q00022 --mode sparse --k 5
	@echo; echo "== dense (MiniLM embedding only) =="
	$(FATHOM) search $(DEMO_DB) --query-file $(SAMPLE)/queries.jsonl --query-id q00022 --mode dense --k 5
	@echo; echo "== hybrid (both, convex fusion of normalized scores) =="
	$(FATHOM) search $(DEMO_DB) --query-file $(SAMPLE)/queries.jsonl --query-id q00022 --mode hybrid --k 5 --explain
	@echo; echo "== text, no model (WordPiece tokens weighted by corpus IDF) =="
	$(FATHOM) vocab import $(DEMO_DB) $(SAMPLE)/vocab.txt
	$(FATHOM) search $(DEMO_DB) --text "NIO and Swift Concurrency" --k 5 --explain

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build $(DEMO_DIR)
