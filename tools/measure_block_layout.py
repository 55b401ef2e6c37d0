#!/usr/bin/env python3
"""Measures posting-block layouts on a real corpus before freezing the format.

Builds each term's posting list (documents in file order = ordinals), cuts it into blocks of
--block postings, and reports the stored bytes per posting of the candidate layouts:

  plain      u32 deltas + u8 values, LZ4 (raw when LZ4 does not shrink it)
  shuffled   byte-shuffled u32 deltas + u8 values, LZ4 (raw when not smaller)  <- format v1
  varint     LEB128 deltas + u8 values, no LZ4 (a bit-packing/varint alternative)
  raw        u32 deltas + u8 values, uncompressed

plus the 28 bytes of envelope and block header each block pays in format v1.

  python3 tools/measure_block_layout.py ../shared/data/reuters21578/corpus.jsonl [--block 128]

Needs numpy and lz4 (pip install numpy lz4).
"""
import argparse
import json
import sys
from collections import defaultdict

import lz4.block
import numpy as np


def lz4_or_raw(data: bytes) -> int:
    compressed = lz4.block.compress(data, store_size=False)
    return min(len(compressed), len(data))


def varint_size(deltas: np.ndarray) -> int:
    size = np.ones(len(deltas), dtype=np.int64)
    for shift in (7, 14, 21, 28):
        size += deltas >= (1 << shift)
    return int(size.sum())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--block", type=int, default=128)
    args = ap.parse_args()

    postings = defaultdict(list)
    with open(args.corpus, "rb") as f:
        for ordinal, line in enumerate(f):
            doc = json.loads(line)
            sparse = doc.get("sparse")
            if not sparse:
                continue
            for term, value in zip(sparse["indices"], sparse["values"]):
                postings[term].append((ordinal, value))

    totals = defaultdict(int)
    count = blocks = 0
    for term, plist in postings.items():
        ordinals = np.array([p[0] for p in plist], dtype=np.uint32)
        values = np.array([p[1] for p in plist], dtype=np.float32)
        for start in range(0, len(plist), args.block):
            o = ordinals[start:start + args.block]
            v = values[start:start + args.block]
            deltas = np.diff(o, prepend=o[0]).astype(np.uint32)
            scale = v.max() / 255 if v.max() > 0 else 0
            q = (np.minimum(255, np.rint(v / scale)) if scale > 0 else np.zeros_like(v)).astype(np.uint8)
            plain = deltas.tobytes() + q.tobytes()
            shuffled = deltas.view(np.uint8).reshape(-1, 4).T.copy().tobytes() + q.tobytes()
            totals["plain"] += lz4_or_raw(plain)
            totals["shuffled"] += lz4_or_raw(shuffled)
            totals["varint"] += varint_size(deltas) + len(q)
            totals["raw"] += len(plain)
            count += len(o)
            blocks += 1
    overhead = blocks * 28
    print(f"{args.corpus}: {len(postings)} terms, {count} postings, {blocks} blocks of <= {args.block}")
    print("layout      bytes/posting (body)   with v1 envelope+header")
    for name in ("raw", "plain", "shuffled", "varint"):
        print(f"{name:10s}  {totals[name] / count:8.3f}               {(totals[name] + overhead) / count:8.3f}")


if __name__ == "__main__":
    sys.exit(main())
