#!/usr/bin/env bash
# Fixed-seed extract + train + eval with two builds of the CLI; the eval.json files must be identical
# (after the paths they record, eval_id and the timestamp are normalised); features.jsonl and tpp.json too. Used to check that a refactoring changes no numbers.
#   eng/compare-eval.sh BEFORE_CLI_DIR AFTER_CLI_DIR TEXT_FILE [LINES]
# e.g. eng/compare-eval.sh /tmp/base/src/MLSae.Cli/bin/Release/net10.0 src/MLSae.Cli/bin/Release/net10.0 ../shared/data/moby-dick.txt 400
set -euo pipefail
before=$(cd "$1" && pwd); after=$(cd "$2" && pwd); text=$3; lines=${4:-400}
work=$(mktemp -d)
head -n "$lines" "$text" > "$work/text.txt"
# Labelled texts for sparse probing: two alternating labels over the non-empty lines.
grep -v '^\s*$' "$work/text.txt" | awk 'NR <= 120 {gsub(/\\/,"\\\\"); gsub(/"/,"\\\""); printf "{\"text\":\"%s\",\"label\":\"%s\"}\n", $0, (NR%2?"a":"b")}' > "$work/probe.jsonl"
for side in before after; do
  cli="${!side}/MLSae.Cli"
  out="$work/$side"
  "$cli" extract --model minilm-l6 --hook blocks.3.hook_resid_post --data "$work/text.txt" --context 64 --cpu --threads 1 --out "$out/acts" > /dev/null
  "$cli" train --activations "$out/acts" --arch topk --k 8 --expansion 2 --steps 60 --batch-size 256 --warmup-steps 10 \
    --reorder periodic --reorder-warmup 20 --reorder-interval 20 --seed 7 --out "$out/run" > /dev/null
  "$cli" eval --sae "$out/run" --activations "$out/acts" --batch-size 128 --top-examples 3 \
    --probe-data "$work/probe.jsonl" --data "$work/text.txt" --downstream-tokens 2048 --absorption --absorption-words 300 --seed 7 \
    --tpp "$work/probe.jsonl" --tpp-label label --concept-train-size 40 --concept-test-size 20 > "$out/eval.log" 2>&1 \
    || { cat "$out/eval.log"; exit 1; }
  sed -e "s#$out#OUT#g" -e "s#$work#WORK#g" "$out/run/eval.json" > "$work/$side.eval.json"
  sed -e "s#$out#OUT#g" -e "s#$work#WORK#g" "$out/run/features.jsonl" > "$work/$side.features.jsonl"
  sed -e "s#$out#OUT#g" -e "s#$work#WORK#g" "$out/run/tpp.json" | grep -v '"seconds"\|"eval_id"\|"datetime_epoch_millis"' > "$work/$side.tpp.json"
done
cmp "$work/before/run/sae.onnx" "$work/after/run/sae.onnx" && echo "sae.onnx identical"
if diff <(grep -v '"eval_id"\|"datetime_epoch_millis"' "$work/before.eval.json") <(grep -v '"eval_id"\|"datetime_epoch_millis"' "$work/after.eval.json"); then
  echo "eval.json identical (timestamps and timings aside): $work/before.eval.json"
else
  echo "eval.json DIFFERS: $work/{before,after}.eval.json"; exit 1
fi
cmp "$work/before.features.jsonl" "$work/after.features.jsonl" && echo "features.jsonl identical"
cmp "$work/before.tpp.json" "$work/after.tpp.json" && echo "tpp.json identical (timing aside)"
