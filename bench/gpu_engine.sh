#!/usr/bin/env bash
# Decode throughput of ONE GPU inference engine for a model of SmolLM2-135M's size and
# shape, at several numbers of sequences decoding together, for sizing how many engines
# N agents need.
#
#   OUT=/path/for/results bash bench/gpu_engine.sh        # from the repository root
#
# Needs an NVIDIA GPU with nvcc, CMake, ninja and python3 (torch, transformers, numpy), and
# no network. Its inputs are two ignored files, made on any machine:
#   .dev/llama.cpp-src.tar.xz    llama.cpp's source (ggml-org/llama.cpp@0c1e57098, the one
#                                 llama-cpp-python 0.3.36 vendors), pruned to what
#                                 llama-batched-bench needs to build
#   .dev/smollm2_shape.json.gz   every field and tensor shape of the real GGUF, without the
#                                 weights (bench/shaped_gguf.py extract)
#
# What it does, in this order (each step's failure is logged and the rest still runs):
#   1. Builds llama-batched-bench with CUDA for sm_90 in the background, on all cores but
#      one, under a deadline (BUILD_DEADLINE_S after the start), into build/gpu-engine/
#      (ignored; a second run on the same machine carries on where the build stopped).
#   2. Meanwhile, on the remaining core: $OUT/env.txt, the GPU, driver, compiler and
#      library versions.
#   3. Still on that core: writes the shaped GGUF (real metadata and tokenizer, made-up
#      Q8_0 weights: decode speed does not depend on their values), then measures
#      transformers' generate() with a randomly initialised LlamaForCausalLM of the same
#      configuration in bf16: a 512-token prompt, 128 new tokens, batch 1, 32, 128, 256,
#      dynamic then static cache (eager, no torch.compile). The decode rate is
#      B*127 / (time for 128 new tokens - time for 1), so prefill is left out.
#   4. llama-batched-bench, all layers on the GPU, a 512-token prompt per sequence (not
#      shared) and 128 generated tokens, B = 1, 8, 32, 64, 128, 256 sequences (256 is
#      llama.cpp's LLAMA_MAX_SEQ): first as the project's llama-server runs it (K cache
#      q8_0, flash attention auto), then f16 KV with flash attention on, then off.
#      S_TG (B*128 / time of the 128 decode steps) is the decode throughput.
#   5. $OUT/summary.md: both engines' figures in tables.
#
# Results, all in $OUT: env.txt, run.log, build.log, transformers.jsonl,
# batched_bench.jsonl (one line per run and B), batched_bench.txt (the runs' full logs),
# summary.md. Meant to end within about 8 minutes; the limits below are seconds from the
# start and can be changed through the environment.

set -uo pipefail

BUILD_DEADLINE_S=${BUILD_DEADLINE_S:-375}   # the build is stopped at this point
BENCH_TIMEOUT_S=${BENCH_TIMEOUT_S:-45}      # each llama-batched-bench run
END_BY_S=${END_BY_S:-480}                   # no run starts that could end after this
HF_BUDGET_S=${HF_BUDGET_S:-150}             # transformers: no new measurement after this
PP=${PP:-512}                               # prompt tokens per sequence
TG=${TG:-128}                               # generated tokens per sequence
NPL=${NPL:-1,8,32,64,128,256}               # sequences decoding together (llama.cpp)
HF_BATCHES=${HF_BATCHES:-1,32,128,256}      # batch sizes (transformers)
CUDA_ARCH=${CUDA_ARCH:-90-real}             # H100/H200 machine code only: one arch to compile

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
SRC_TAR=${SRC_TAR:-.dev/llama.cpp-src.tar.xz}
SHAPE=${SHAPE:-.dev/smollm2_shape.json.gz}
WORK=${GPU_ENGINE_WORK:-$ROOT/build/gpu-engine}
OUT=${OUT:-$WORK/out}
mkdir -p "$WORK" "$OUT"
WORK=$(cd "$WORK" && pwd)
OUT=$(cd "$OUT" && pwd)
SRC=$WORK/llama.cpp
BLD=$WORK/build-cuda
BIN=${LLAMA_BATCHED_BENCH:-$BLD/bin/llama-batched-bench}   # a prebuilt one skips the build
MODEL=$WORK/smollm2-shaped.gguf
export PYTHONUNBUFFERED=1
SECONDS=0
rm -f "$OUT"/{env.txt,run.log,build.log,transformers.jsonl,batched_bench.jsonl,batched_bench.txt,summary.md}

log() { printf '[%s +%3ds] %s\n' "$(date -u +%H:%M:%S)" "$SECONDS" "$*" | tee -a "$OUT/run.log"; }
left() { echo $(($1 - SECONDS)); }

# CPU sets: the build on all cores but the first, the Python measurements on the first.
NCPU=$(nproc 2>/dev/null || echo 4)
PIN_PY=() PIN_BUILD=() JOBS=$NCPU
if [ "$NCPU" -ge 4 ] && command -v taskset >/dev/null && taskset -c 0 true 2>/dev/null; then
    PIN_PY=(taskset -c 0)
    PIN_BUILD=(taskset -c "1-$((NCPU - 1))")
    JOBS=$((NCPU - 1))
fi

if ! command -v nvcc >/dev/null; then
    for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
        [ -x "$d/nvcc" ] && export PATH="$d:$PATH" && break
    done
fi

log "gpu_engine: OUT=$OUT WORK=$WORK cores=$NCPU build jobs=$JOBS"

# ---- 1. llama.cpp: unpack (once per tarball) and build in the background ----------------
BUILD_PID=
if [ -f "$SRC_TAR" ]; then
    sum=$(sha256sum "$SRC_TAR" | cut -d' ' -f1)
    if [ "$(cat "$WORK/.src-sha256" 2>/dev/null)" != "$sum" ] || [ ! -f "$SRC/CMakeLists.txt" ]; then
        log "unpacking $SRC_TAR"
        rm -rf "$SRC" "$BLD" "$WORK/.src-sha256"
        tar -C "$WORK" -xJf "$SRC_TAR" && echo "$sum" > "$WORK/.src-sha256"
    else
        log "source already unpacked (same tarball): the build carries on from where it was"
    fi
fi
# cuBLAS. CMake's FindCUDAToolkit looks for cublas_v2.h and libcublas.so in nvcc's toolkit. A
# toolkit assembled from pip wheels may lack them, while PyTorch's nvidia-cublas wheel has
# them under site-packages/nvidia/cu13 (or nvidia/cublas), its libraries only under their
# versioned names (libcublas.so.13). Then the build links through a directory of symlinks.
CUDA_EXTRA=()
cublas_in_toolkit() {
    local root=$1
    { [ -f "$root/include/cublas_v2.h" ] || [ -f "$root/targets/x86_64-linux/include/cublas_v2.h" ]; } &&
        { compgen -G "$root/lib*/libcublas.so" >/dev/null ||
          compgen -G "$root/targets/x86_64-linux/lib/libcublas.so" >/dev/null; }
}
cublas_shim() {
    local nvcc_path root d lib f base shim=$WORK/cublas-shim
    nvcc_path=$(command -v nvcc) || return 0
    root=$(dirname "$(dirname "$(readlink -f "$nvcc_path")")")
    cublas_in_toolkit "$root" && return 0
    for d in ${CUBLAS_ROOT:-} $(python3 -c '
import os
try:
    import nvidia
except ImportError:
    raise SystemExit
for p in nvidia.__path__:
    for s in sorted(os.listdir(p)):
        print(os.path.join(p, s))
' 2>/dev/null) /usr/local/cuda /usr/local/cuda-*; do
        lib=$(compgen -G "$d/lib*/libcublas.so*" | head -n 1)
        if [ ! -f "$d/include/cublas_v2.h" ] || [ -z "$lib" ]; then
            continue
        fi
        rm -rf "$shim" && mkdir -p "$shim/include" "$shim/lib"
        ln -s "$d"/include/cublas*.h "$shim/include/"
        for f in "$(dirname "$lib")"/libcublas*.so*; do
            ln -sf "$f" "$shim/lib/"
            base=${f##*/}
            base=${base%%.so*}.so
            [ -e "$shim/lib/$base" ] || ln -s "$f" "$shim/lib/$base"
        done
        CUDA_EXTRA+=(-DCUDA_cublas_LIBRARY="$shim/lib/libcublas.so" -DCUDA_cublasLt_LIBRARY="$shim/lib/libcublasLt.so"
                    -DCMAKE_CUDA_FLAGS="-I$shim/include")
        export LD_LIBRARY_PATH="$shim/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
        log "cuBLAS is not in nvcc's toolkit ($root): linking the one in $d"
        return 0
    done
    log "cuBLAS not found beside nvcc ($root) nor in Python's nvidia packages: leaving it to CMake"
}

# The driver library. ggml-cuda links libcuda for its virtual-memory pool; CMake finds the
# toolkit's stub or a libcuda.so in the usual library directories. Otherwise name the one the
# dynamic loader knows (libcuda.so, or the driver's libcuda.so.1); where there is none at
# all, build without that pool (GGML_CUDA_NO_VMM).
cuda_driver() {
    local root d f=
    root=$(dirname "$(dirname "$(readlink -f "$(command -v nvcc)")")")
    compgen -G "$root/lib*/stubs/libcuda.so" >/dev/null && return 0
    compgen -G "$root/targets/x86_64-linux/lib/stubs/libcuda.so" >/dev/null && return 0
    f=$(ldconfig -p 2>/dev/null | awk '$1 == "libcuda.so" {print $NF; exit}')
    [ -n "$f" ] || f=$(ldconfig -p 2>/dev/null | awk '$1 == "libcuda.so.1" {print $NF; exit}')
    if [ -z "$f" ]; then
        local IFS=:
        for d in ${LD_LIBRARY_PATH:-} /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64; do
            if [ -n "$d" ] && [ -e "$d/libcuda.so.1" ]; then
                f=$d/libcuda.so.1
                break
            fi
        done
    fi
    if [ -n "$f" ]; then
        CUDA_EXTRA+=(-DCUDA_cuda_driver_LIBRARY="$f")
        log "driver library: $f"
    else
        CUDA_EXTRA+=(-DGGML_CUDA_NO_VMM=ON)
        log "no libcuda found: building without the CUDA virtual-memory pool (GGML_CUDA_NO_VMM)"
    fi
}

GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
if [ -n "${LLAMA_BATCHED_BENCH:-}" ]; then
    log "using the prebuilt $BIN: no build"
elif [ -f "$SRC/CMakeLists.txt" ]; then
    if command -v nvcc >/dev/null; then
        cublas_shim
        cuda_driver
    fi
    # GIT_CEILING_DIRECTORIES: the source has no .git of its own; keep llama.cpp's build-info
    # from picking up an enclosing repository's commit.
    (
        export GIT_CEILING_DIRECTORIES=$WORK
        echo "=== configure"
        cmake -S "$SRC" -B "$BLD" "${GEN[@]}" \
            -DCMAKE_BUILD_TYPE=Release \
            -DGGML_CUDA=ON \
            -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH" \
            -DGGML_CUDA_FA=ON \
            -DGGML_CUDA_FA_QUANTS=f16-f16,q8_0-f16 \
            -DGGML_CUDA_COMPRESSION_MODE=none \
            -DGGML_CUDA_NCCL=OFF \
            -DGGML_CCACHE=OFF \
            -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
            -DLLAMA_BUILD_APP=OFF -DLLAMA_OPENSSL=OFF \
            -DLLAMA_BUILD_NUMBER=0 -DLLAMA_BUILD_COMMIT=0c1e57098 \
            "${CUDA_EXTRA[@]}" || exit 1
        [ -n "${CONFIGURE_ONLY:-}" ] && exit 0
        echo "=== build (stopped $BUILD_DEADLINE_S s after the start)"
        t=$(left "$BUILD_DEADLINE_S")
        [ "$t" -gt 0 ] || exit 124
        "${PIN_BUILD[@]}" timeout --kill-after=10 "$t" \
            cmake --build "$BLD" -j "$JOBS" --target llama-batched-bench
    ) > "$OUT/build.log" 2>&1 &
    BUILD_PID=$!
    log "build started in the background (pid $BUILD_PID, -j $JOBS, CUDA arch $CUDA_ARCH)"
else
    log "NO llama.cpp source ($SRC_TAR): skipping the llama.cpp measurement"
fi

# ---- 2. environment (while the build runs) -----------------------------------------------
{
    echo "date: $(date -u +%FT%TZ)"
    echo "host: $(uname -srm), $NCPU cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
    echo "cpu: $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "--- nvidia-smi -L"; nvidia-smi -L 2>&1
    echo "--- nvidia-smi"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,power.limit --format=csv 2>&1
    echo "--- nvcc"; nvcc --version 2>&1 | tail -n 2
    echo "--- cmake: $(cmake --version 2>&1 | head -n 1); ninja $(ninja --version 2>&1); $(g++ --version 2>&1 | head -n 1)"
    echo "--- python"
    timeout 60 "${PIN_PY[@]}" python3 - <<'EOF' 2>&1
import sys
print("python", sys.version.split()[0])
for name in ("numpy", "torch", "transformers"):
    try:
        mod = __import__(name)
        print(name, mod.__version__)
    except Exception as e:  # noqa: BLE001
        print(name, "unavailable:", e)
try:
    import torch
    print("torch cuda", torch.version.cuda, "| device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
except Exception as e:  # noqa: BLE001
    print("torch cuda: unavailable:", e)
EOF
    echo "--- inputs"
    ls -l "$SRC_TAR" "$SHAPE" 2>&1
    sha256sum "$SRC_TAR" 2>&1
    echo "--- knobs: PP=$PP TG=$TG NPL=$NPL HF_BATCHES=$HF_BATCHES CUDA_ARCH=$CUDA_ARCH BUILD_DEADLINE_S=$BUILD_DEADLINE_S"
    echo "note: the transformers measurement runs on core 0 while the llama.cpp build compiles on the other cores"
} > "$OUT/env.txt" 2>&1
log "env.txt written: $(grep -m1 '^GPU' "$OUT/env.txt")"

# ---- 3. shaped GGUF, then transformers ----------------------------------------------------
if [ -f "$SHAPE" ] && [ -d "$SRC/gguf-py" ]; then
    if [ -f "$MODEL" ] && "${PIN_PY[@]}" python3 bench/shaped_gguf.py --gguf-py "$SRC/gguf-py" verify "$SHAPE" "$MODEL" >/dev/null 2>&1; then
        log "shaped GGUF already there: $MODEL"
    else
        log "writing the shaped GGUF"
        "${PIN_PY[@]}" python3 bench/shaped_gguf.py --gguf-py "$SRC/gguf-py" make "$SHAPE" "$MODEL" 2>&1 | tee -a "$OUT/run.log"
    fi
else
    log "NO shape file ($SHAPE) or gguf-py: no GGUF to run"
fi

HF_PY=$WORK/hf_decode.py
cat > "$HF_PY" <<'EOF'
"""transformers generate() throughput of a randomly initialised Llama shaped like the GGUF."""
import gzip
import inspect
import json
import os
import sys
import time

t_start = time.perf_counter()
import torch
import transformers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

shape_path, out_path = sys.argv[1], sys.argv[2]
budget = float(os.environ.get("HF_BUDGET_S", "150"))
batches = [int(b) for b in os.environ.get("HF_BATCHES", "1,32,128,256").split(",")]
caches = os.environ.get("HF_CACHES", "dynamic,static").split(",")
pp, tg = int(os.environ.get("PP", "512")), int(os.environ.get("TG", "128"))
device = os.environ.get("HF_DEVICE", "cuda")
dtype = torch.bfloat16 if device == "cuda" else torch.float32


def log(msg):
    print(f"  [transformers +{time.perf_counter() - t_start:5.1f}s] {msg}", flush=True)


# The configuration, from the GGUF's own fields (llama.*): for SmolLM2-135M these are
# embedding_length 576, block_count 30, head_count 9, head_count_kv 3,
# feed_forward_length 1536, vocab 49152 tokens, rope.freq_base 100000,
# layer_norm_rms_epsilon 1e-5, context_length 8192; no output.weight: tied embeddings.
with gzip.open(shape_path, "rt") as f:
    shape = json.load(f)
kv = {item[0]: item[-1] for item in shape["kv"]}
arch = kv["general.architecture"]
names = {t[0] for t in shape["tensors"]}
n_vocab = len(kv["tokenizer.ggml.tokens"])
params = dict(
    vocab_size=n_vocab,
    hidden_size=kv[f"{arch}.embedding_length"],
    intermediate_size=kv[f"{arch}.feed_forward_length"],
    num_hidden_layers=kv[f"{arch}.block_count"],
    num_attention_heads=kv[f"{arch}.attention.head_count"],
    num_key_value_heads=kv[f"{arch}.attention.head_count_kv"],
    max_position_embeddings=kv[f"{arch}.context_length"],
    rms_norm_eps=kv[f"{arch}.attention.layer_norm_rms_epsilon"],
    tie_word_embeddings="output.weight" not in names,
    bos_token_id=kv.get("tokenizer.ggml.bos_token_id"),
    eos_token_id=kv.get("tokenizer.ggml.eos_token_id"),
    pad_token_id=kv.get("tokenizer.ggml.padding_token_id"),
)
theta = kv[f"{arch}.rope.freq_base"]
if "rope_parameters" in inspect.signature(LlamaConfig.__init__).parameters:
    params["rope_parameters"] = {"rope_type": "default", "rope_theta": theta}
else:
    params["rope_theta"] = theta
config = LlamaConfig(**params)
config._attn_implementation = "sdpa"
torch.manual_seed(0)
torch.set_num_threads(1)
torch.set_default_dtype(dtype)
with torch.device(device):
    model = LlamaForCausalLM(config).eval()
torch.set_default_dtype(torch.float32)
n_params = sum(p.numel() for p in model.parameters())
gpu = torch.cuda.get_device_name(0) if device == "cuda" else "cpu"
log(f"model: {n_params / 1e6:.1f}M parameters, {dtype}, {gpu}, {config._attn_implementation}")


def sync():
    if device == "cuda":
        torch.cuda.synchronize()


def generate(ids, new, cache):
    gc = GenerationConfig(
        do_sample=False, max_new_tokens=new, min_new_tokens=new,
        pad_token_id=config.pad_token_id, eos_token_id=config.eos_token_id,
        cache_implementation=None if cache == "dynamic" else cache, disable_compile=True,
    )
    sync()
    t = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), generation_config=gc)
    sync()
    dt = time.perf_counter() - t
    assert out.shape[1] == ids.shape[1] + new, out.shape
    return dt


with open(out_path, "a") as out:
    for cache in caches:
        for b in batches:
            if time.perf_counter() - t_start > budget:
                log(f"budget of {budget:.0f}s spent: skipping cache={cache} batch={b}")
                out.write(json.dumps({"engine": "transformers", "cache": cache, "batch": b, "skipped": "time budget"}) + "\n")
                continue
            try:
                ids = torch.randint(3, n_vocab, (b, pp), device=device)
                if device == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                generate(ids, 4, cache)  # warm-up: kernels, cuBLAS plans, allocator
                t1 = generate(ids, 1, cache)
                tn = generate(ids, tg, cache)
                row = {
                    "engine": "transformers", "transformers": transformers.__version__, "torch": torch.__version__,
                    "device": gpu, "dtype": str(dtype).replace("torch.", ""), "attn": config._attn_implementation,
                    "cache": cache, "batch": b, "prompt_tokens": pp, "new_tokens": tg,
                    "t_prefill_and_1_s": round(t1, 4), "t_prefill_and_all_s": round(tn, 4),
                    "decode_tok_s": round(b * (tg - 1) / (tn - t1), 1) if tn > t1 else None,
                    "overall_tok_s": round(b * tg / tn, 1),
                    "ms_per_step": round(1000 * (tn - t1) / (tg - 1), 3),
                    "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if device == "cuda" else None,
                }
                log(f"cache={cache} B={b}: {row['decode_tok_s']} tok/s decoding, {row['ms_per_step']} ms/step")
            except Exception as e:  # noqa: BLE001
                row = {"engine": "transformers", "cache": cache, "batch": b, "error": f"{type(e).__name__}: {e}"[:300]}
                log(f"cache={cache} B={b}: {row['error']}")
                if device == "cuda":
                    torch.cuda.empty_cache()
            out.write(json.dumps(row) + "\n")
            out.flush()
log("done")
EOF
if [ -f "$SHAPE" ]; then
    log "transformers: batches $HF_BATCHES, prompt $PP, $TG new tokens (budget ${HF_BUDGET_S}s)"
    HF_BUDGET_S=$HF_BUDGET_S HF_BATCHES=$HF_BATCHES PP=$PP TG=$TG OMP_NUM_THREADS=1 \
        timeout --kill-after=10 $((HF_BUDGET_S + 90)) "${PIN_PY[@]}" python3 "$HF_PY" "$SHAPE" "$OUT/transformers.jsonl" 2>&1 \
        | grep -v -e '^\s*$' | tee -a "$OUT/run.log"
    log "transformers finished (exit ${PIPESTATUS[0]})"
fi

# ---- 4. llama-batched-bench ---------------------------------------------------------------
if [ -n "$BUILD_PID" ]; then
    log "waiting for the build (stops at +${BUILD_DEADLINE_S}s)"
    wait "$BUILD_PID"
    rc=$?
    if [ "$rc" -eq 124 ]; then
        log "build stopped at the deadline (exit 124): a second run on the same machine carries on"
    else
        log "build finished: exit $rc"
    fi
    tail -n 3 "$OUT/build.log" | sed 's/^/    /' | tee -a "$OUT/run.log"
fi

npl_max=$(tr ',' '\n' <<< "$NPL" | sort -n | tail -n 1)
CTX=$((npl_max * (PP + TG)))
bench() {  # label, then extra llama-batched-bench arguments
    local label=$1; shift
    if [ $((SECONDS + BENCH_TIMEOUT_S)) -gt "$END_BY_S" ]; then
        log "no time left for run '$label'"
        return
    fi
    log "llama-batched-bench '$label': $*"
    {
        echo "===== $label: llama-batched-bench -m $MODEL -ngl 99 -c $CTX -b 2048 -ub 512 -npp $PP -ntg $TG -npl $NPL $*"
    } >> "$OUT/batched_bench.txt"
    timeout --kill-after=5 "$BENCH_TIMEOUT_S" "$BIN" -m "$MODEL" -ngl 99 -c "$CTX" -b 2048 -ub 512 \
        -npp "$PP" -ntg "$TG" -npl "$NPL" --output-format jsonl "$@" \
        > "$WORK/bench.stdout" 2> "$WORK/bench.stderr"
    local rc=$?
    cat "$WORK/bench.stderr" "$WORK/bench.stdout" >> "$OUT/batched_bench.txt"
    echo "===== exit $rc" >> "$OUT/batched_bench.txt"
    # What "auto" became: llama.cpp logs "Flash Attention enabled" or "... set to disabled".
    local fa
    fa=$(grep -ioE 'flash attention (enabled|not supported, set to disabled)' "$WORK/bench.stderr" | head -n 1)
    [ -n "$fa" ] && log "  $fa"
    grep '^{' "$WORK/bench.stdout" \
        | sed "s/^{/{\"config\": \"$label\", \"args\": \"$*\", \"fa_resolved\": \"${fa:-}\", /" >> "$OUT/batched_bench.jsonl"
    grep '^{' "$WORK/bench.stdout" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    b, tg, pp = r["pl"], r["speed_tg"], r["speed_pp"]
    print(f"    B={b:4d}  decode {tg:10.1f} tok/s  ({tg / b:7.1f} per sequence)  prompt {pp:10.1f} tok/s")
' | tee -a "$OUT/run.log"
    log "run '$label' exit $rc"
}

if [ -x "$BIN" ] && [ -f "$MODEL" ]; then
    # The project's llama-server: K cache q8_0 (its default --cache-type-k), flash attention auto.
    bench "server-default" -ctk q8_0 -fa auto
    bench "f16-kv-fa-on" -fa on
    bench "f16-kv-fa-off" -fa off
else
    log "no llama-batched-bench binary or no GGUF: llama.cpp not measured"
fi

# ---- 5. summary ---------------------------------------------------------------------------
python3 - "$OUT" "$PP" "$TG" <<'EOF' > "$OUT/summary.md" 2>&1
import json, os, sys
out, pp, tg = sys.argv[1], sys.argv[2], sys.argv[3]


def rows(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


env = open(os.path.join(out, "env.txt")).read().splitlines()
gpu = next((l for l in env if l.startswith("GPU ")), "GPU: unknown")
print(f"# Decode throughput of one engine, model shaped like SmolLM2-135M (Q8_0)\n\n{gpu}\n")
print(f"Each sequence: {pp}-token prompt of its own, {tg} generated tokens. Decode tok/s: all sequences' "
      "generated tokens per second of the decode steps (prompt processing excluded).\n")
print("## llama.cpp (llama-batched-bench, all layers on the GPU)\n")
bb = rows("batched_bench.jsonl")
if bb:
    print("| config | flash attn | B | decode tok/s | per sequence tok/s | ms/step | prompt tok/s |")
    print("|---|---|---:|---:|---:|---:|---:|")
    fa = {-1: "auto", 0: "off", 1: "on"}
    for r in bb:
        asked = fa.get(r["flash_attn"], r["flash_attn"])
        got = r.get("fa_resolved", "").lower()
        shown = f"{asked} ({'on' if 'enabled' in got else 'off'})" if asked == "auto" and got else asked
        print(f"| {r['config']} | {shown} | {r['pl']} | {r['speed_tg']:.0f} | "
              f"{r['speed_tg'] / r['pl']:.1f} | {1000 * r['t_tg'] / r['tg']:.2f} | {r['speed_pp']:.0f} |")
else:
    print("not measured (see build.log and run.log)")
hf = [r for r in rows("transformers.jsonl") if "decode_tok_s" in r]
dtype = hf[0]["dtype"] if hf else "bfloat16"
print(f"\n## transformers generate() ({dtype}, random weights, same configuration, eager, sdpa)\n")
if hf:
    print("| cache | B | decode tok/s | per sequence tok/s | ms/step | peak GiB |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in hf:
        print(f"| {r['cache']} | {r['batch']} | {r['decode_tok_s']:.0f} | {r['decode_tok_s'] / r['batch']:.1f} | "
              f"{r['ms_per_step']:.2f} | {r['peak_gib']} |")
else:
    print("not measured (see run.log)")
EOF
tee -a "$OUT/run.log" < "$OUT/summary.md"
log "done; results in $OUT: $(cd "$OUT" && printf '%s ' *)"
