# Shared by the benchmark scripts (source it): builds the release CLI and finds a dataset's corpus.
#   needs DATA (dataset folder) and WORK (scratch folder); sets FATHOM, CORPUS and DENSE_DIM.
mkdir -p "$WORK"
make -s build >/dev/null
FATHOM=.build/release/fathom
# The dev corpus is stored zstd-compressed; decompress it once into WORK.
CORPUS="$DATA/corpus.jsonl"
if [ ! -f "$CORPUS" ]; then
  CORPUS="$WORK/corpus.jsonl"
  [ -f "$CORPUS" ] || zstd -d -q -o "$CORPUS" "$DATA/corpus.jsonl.zst"
fi
# Dimension of the dense vectors (0 when the corpus has none).
DENSE_DIM=$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()).get("dense"); print(len(d) if d else 0)' "$CORPUS")
