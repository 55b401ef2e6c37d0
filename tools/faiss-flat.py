#!/usr/bin/env python3
"""faiss IndexFlatIP (exact brute force, one thread) on a dataset's dense vectors, measured the
way ../shared/tools/peers/run_peers.py measures its peers: one Python call per query, each
query run REPEATS times and its median kept; recall@10 against gt_dense.jsonl.

The shared peer runner has no faiss flat peer; tools/compare-dense.sh calls this one so the
side-by-side table has it.

    python tools/faiss-flat.py DATASET_DIR [CORPUS_JSONL] [REPEATS]

CORPUS_JSONL defaults to DATASET_DIR/corpus.jsonl (compare-dense.sh passes the decompressed one).

Prints one Markdown row: | faiss IndexFlatIP <version> | exact | recall@10 | mean | p50 | p99 | QPS | build s |
Vectors are used as given (inner product); the dev datasets' vectors are unit length, so this
is cosine.
"""
import os
import sys
import time

import faiss
import numpy as np
import orjson

K = 10


def load(path):
    ids, vectors = [], []
    with open(path, "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            if record.get("dense") is None:
                continue
            ids.append(record["id"])
            vectors.append(record["dense"])
    return ids, np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))


def main():
    data = sys.argv[1]
    corpus = sys.argv[2] if len(sys.argv) > 2 else os.path.join(data, "corpus.jsonl")
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    faiss.omp_set_num_threads(1)
    doc_ids, docs = load(corpus)
    query_ids, queries = load(os.path.join(data, "queries.jsonl"))
    truth = {}
    with open(os.path.join(data, "gt_dense.jsonl"), "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            truth[record["query"]] = record["ids"][:K]

    start = time.perf_counter()
    index = faiss.IndexFlatIP(docs.shape[1])
    index.add(docs)
    build_s = time.perf_counter() - start

    for i in range(min(50, len(queries))):  # warm-up
        index.search(queries[i:i + 1], K)
    latencies = np.empty((repeats, len(queries)))
    found = [None] * len(queries)
    for r in range(repeats):
        for i in range(len(queries)):
            start = time.perf_counter()
            _, labels = index.search(queries[i:i + 1], K)
            latencies[r, i] = time.perf_counter() - start
            found[i] = labels[0]
    per_query = np.median(latencies, axis=0) * 1e6

    recalls = []
    for i, query in enumerate(query_ids):
        if query in truth:
            wanted = set(truth[query])
            recalls.append(len(wanted.intersection(doc_ids[j] for j in found[i] if j >= 0)) / len(wanted))
    recall = sum(recalls) / len(recalls)
    mean = per_query.mean()
    print("| faiss IndexFlatIP %s | exact | %.4f | %.1f | %.1f | %.1f | %.0f | %.2f |" % (
        faiss.__version__, recall, mean, np.percentile(per_query, 50), np.percentile(per_query, 99),
        1e6 / mean, build_s))


if __name__ == "__main__":
    main()
