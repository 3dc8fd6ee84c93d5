#!/bin/bash
# The data-loss and bad-value scenarios of issue 16 against one build of the CLI (docs/reliability.md).
# usage: eng/reliability-scenarios.sh PATH/TO/MLSae.Cli.dll TAG [WORKDIR]
# Extracts a 38-token MiniLM cache into WORKDIR (default: a new temp folder), then trains tiny runs (4 steps of 32 tokens, m = 16).
set -u
CLI="dotnet exec $1"; T=$2; W=${3:-$(mktemp -d)}; cd "$W" || exit 1
printf 'The quick brown fox jumps over the lazy dog.\n\nSparse autoencoders find features in activations.\n\nA third paragraph of text for the cache, with more words to make tokens.\n' > t.txt
[ -d cache ] || $CLI extract --hook blocks.0.hook_resid_post --data t.txt --out cache --cpu > /dev/null 2>&1
echo '{ "InitSampleRows": 64, "TuneAllocator": false, "LogEvery": 1, "CheckpointEvery": 2 }' > cfg.json
rm -rf run-$T run2-$T run3-$T
A="train --activations cache --config cfg.json --d-sae 16 --steps 4 --batch-size 32 --warmup-steps 1"
$CLI $A --out run-$T >/dev/null 2>&1; echo "[$T] first train exit $?"
touch run-$T/eval.json; md5sum run-$T/run.json run-$T/config.json run-$T/sae.onnx | awk '{print $1}' > before-$T
$CLI $A --out run-$T --arch topk --k 1000 > o1 2> e1; echo "[$T] k=1000 over finished run: exit $?; stderr: $(tail -1 e1 | head -c 300)"
md5sum run-$T/run.json run-$T/config.json run-$T/sae.onnx | awk '{print $1}' | diff -q - before-$T >/dev/null && echo "[$T]   run.json/config.json/sae.onnx unchanged" || echo "[$T]   run.json/config.json/sae.onnx CHANGED"
$CLI $A --out run-$T --seed 9 > o1 2> e1; echo "[$T] retrain over finished run: exit $?; stderr: $(tail -1 e1 | head -c 300)"
md5sum run-$T/sae.onnx | awk '{print $1}' | diff -q - <(sed -n 3p before-$T) >/dev/null && echo "[$T]   sae.onnx unchanged" || echo "[$T]   sae.onnx REPLACED; eval.json still there: $(test -f run-$T/eval.json && echo yes || echo no)"
$CLI train --activations cache --config cfg.json --d-sae 16 --steps 600 --batch-size 32 --warmup-steps 1 --out run2-$T > o2 2> e2 & P=$!; sleep 2.5
$CLI $A --out run2-$T > o3 2> e3; echo "[$T] second concurrent train: exit $?; stdout: $(tail -1 o3 | head -c 200); stderr: $(tail -1 e3 | head -c 300)"
wait $P; echo "[$T] first concurrent train exit $?"
$CLI train --activations cache --out run3-$T --l1 -1 --steps 2 --batch-size 32 --config cfg.json > o4 2> e4; echo "[$T] --l1 -1: exit $?; stderr: $(tail -1 e4 | head -c 200)"
$CLI train --activations cache --out run3-$T --lr nan --steps 2 --batch-size 32 --config cfg.json > o4 2> e4; echo "[$T] --lr nan: exit $?; stderr: $(tail -1 e4 | head -c 200)"
