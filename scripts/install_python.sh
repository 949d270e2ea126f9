#!/usr/bin/env bash
# Set up the Python side: a virtual environment in .venv with the server, its
# dependencies and the test tools. Idempotent.
#
# llama-cpp-python has no binary wheels on PyPI for Linux, and building it takes
# about 6 minutes on 2 cores, so the built wheel is cached outside the repository
# (SIMULACRA_CACHE, default ~/.cache/simulacra), keyed by this CPU's features since
# llama.cpp is compiled for the machine it is built on.
#
# Built for this CPU (-march=native), but without Intel AMX: on a virtual machine whose
# CPU reports AMX (Sapphire Rapids and later), ggml's AMX matrix multiply faulted at its
# first tile instruction (ldtilecfg), so every prompt of more than one token crashed the
# process. AVX-512 and VNNI still serve those products. ggml's own GGML_NATIVE puts
# -march=native after any flag given to it, and the compiler driver spells native out as
# explicit flags (AMX's among them), so native is given here, before the -mno-amx-*,
# with ggml's own instruction-set switches off.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
LLAMA_CPP_VERSION=0.3.36
CACHE=${SIMULACRA_CACHE:-$HOME/.cache/simulacra}
LLAMA_CPP_CMAKE_ARGS=""
if [ "$(uname -m)" = x86_64 ]; then
    native="-march=native -mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    LLAMA_CPP_CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_SSE42=OFF -DGGML_AVX=OFF -DGGML_AVX2=OFF -DGGML_BMI2=OFF"
    LLAMA_CPP_CMAKE_ARGS+=" -DGGML_FMA=OFF -DGGML_F16C=OFF -DCMAKE_C_FLAGS='$native' -DCMAKE_CXX_FLAGS='$native'"
fi

"$PYTHON" - <<'PY' || { echo "Python 3.10 or newer is needed (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(sys.version_info < (3, 10))
PY

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)
"${PIP[@]}" install --upgrade pip

cpu_key=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | cksum | cut -d' ' -f1)
pyver=$("$VENV/bin/python" -c 'import sys; print(f"cp{sys.version_info[0]}{sys.version_info[1]}")')
build_key=$(echo "$LLAMA_CPP_CMAKE_ARGS" | cksum | cut -d' ' -f1)
wheels="$CACHE/wheels/llama-cpp-python-$LLAMA_CPP_VERSION-$pyver-$cpu_key-$build_key"
if ! ls "$wheels"/llama_cpp_python-*.whl >/dev/null 2>&1; then
    echo "==> building llama-cpp-python $LLAMA_CPP_VERSION from source (about 6 minutes on 2 cores, once)"
    mkdir -p "$wheels.tmp"
    CMAKE_ARGS="$LLAMA_CPP_CMAKE_ARGS" "${PIP[@]}" wheel --no-cache-dir --no-deps --no-binary llama-cpp-python "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$wheels.tmp"
    rm -rf "$wheels" && mv "$wheels.tmp" "$wheels"
fi
echo "==> installing dependencies"
# The cached build, over any other of the same version (one built before the AMX flags).
"${PIP[@]}" install --force-reinstall --no-deps "$wheels"/llama_cpp_python-*.whl
"${PIP[@]}" install "$wheels"/llama_cpp_python-*.whl
"${PIP[@]}" install -e ".[dev]"
touch "$VENV/.installed"
echo "==> Python environment ready in $VENV"
