#!/usr/bin/env python3
"""A GGUF file with the shape of a real model and made-up weights, for speed measurements
on a machine that the real file cannot be brought to.

The speed of batched decoding depends on the model's architecture, sizes and tensor types,
not on the values of its weights. `extract` reads a real GGUF and saves everything but the
tensor data (every key/value field, the tokenizer included, and every tensor's name, shape
and ggml type) into a small gzipped JSON file; `make` writes a GGUF with exactly those
fields and tensors, filled with cheap valid values: norms 1.0, other float tensors small
random values, Q8_0 (and Q4_0/Q4_1/Q5_0/Q5_1) blocks a small fp16 scale and random quants,
any other type zero bytes (a valid all-zero block). `verify` checks that a GGUF has the
fields and tensors of a shape file.

    python3 bench/shaped_gguf.py extract models/SmolLM2-135M-Instruct.Q8_0.gguf .dev/smollm2_shape.json.gz
    python3 bench/shaped_gguf.py make .dev/smollm2_shape.json.gz /tmp/smollm2-shaped.gguf
    python3 bench/shaped_gguf.py verify .dev/smollm2_shape.json.gz /tmp/smollm2-shaped.gguf

Needs numpy and the `gguf` package (llama.cpp's gguf-py): installed, or a directory that
holds it given with --gguf-py DIR or in GGUF_PY.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

FORMAT = "gguf-shape/1"

# Quantised block types whose block starts with fp16 scale fields (d, and m for the _1
# types) followed by packed quants: random quant bytes behind a small scale are valid.
# Values: number of leading fp16 fields in each block.
SCALED_BLOCK_TYPES = {"Q8_0": 1, "Q4_0": 1, "Q4_1": 2, "Q5_0": 1, "Q5_1": 2}

# The fp16 scale written into those blocks. Q8_0 quants are uniform in [-127, 127]
# (standard deviation about 73), so weights come out with a standard deviation of about
# 0.02, the usual initialisation scale, which keeps activations finite through the layers.
BLOCK_SCALE = 2.7e-4
FLOAT_STD = 0.02


def import_gguf(gguf_py: str | None):
    """Import the gguf package, from gguf_py (or $GGUF_PY) first when given."""
    path = gguf_py or os.environ.get("GGUF_PY")
    if path:
        sys.path.insert(0, str(Path(path).resolve()))
    try:
        import yaml  # noqa: F401, PLC0415
    except ImportError:
        # gguf imports yaml only to read model cards, which nothing here does.
        import types  # noqa: PLC0415

        sys.modules["yaml"] = types.ModuleType("yaml")
    import gguf  # noqa: PLC0415

    return gguf


def _scalar(part) -> object:
    value = part.tolist()
    return value[0] if isinstance(value, list) else value


def _string(part) -> str:
    # surrogateescape keeps any byte sequence that is not UTF-8 through the JSON round trip.
    return bytes(part).decode("utf-8", "surrogateescape")


def extract(gguf, src: Path, dst: Path) -> dict:
    reader = gguf.GGUFReader(str(src))
    vt = gguf.GGUFValueType
    kv = []
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):  # the header's own counts, not key/value fields
            continue
        main = vt(field.types[0])
        if main == vt.ARRAY:
            sub = vt(field.types[-1])
            if len(field.types) != 2:
                raise SystemExit(f"{name}: nested arrays are not supported")
            if sub == vt.STRING:
                values = [_string(field.parts[i]) for i in field.data]
            else:
                values = [_scalar(field.parts[i]) for i in field.data]
            kv.append([name, main.name, sub.name, values])
        elif main == vt.STRING:
            kv.append([name, main.name, _string(field.parts[field.data[0]])])
        else:
            kv.append([name, main.name, _scalar(field.parts[field.data[0]])])
    tensors = [
        [t.name, [int(n) for n in t.shape], gguf.GGMLQuantizationType(t.tensor_type).name]
        for t in reader.tensors
    ]
    sha = hashlib.sha256()
    with open(src, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    shape = {
        "format": FORMAT,
        "source": {"file": src.name, "bytes": src.stat().st_size, "sha256": sha.hexdigest()},
        "alignment": int(reader.alignment),
        "kv": kv,
        "tensors": tensors,  # [name, ne (ggml order: ne[0] first), ggml type]
    }
    dst.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(dst, "wt", encoding="utf-8", compresslevel=9) as f:
        json.dump(shape, f, separators=(",", ":"))
    return shape


def load_shape(path: Path) -> dict:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        shape = json.load(f)
    if shape.get("format") != FORMAT:
        raise SystemExit(f"{path}: not a {FORMAT} file")
    return shape


def _value(gguf, vtype: str, value):
    if vtype == gguf.GGUFValueType.STRING.name:
        return value.encode("utf-8", "surrogateescape")
    return value


def tensor_bytes(gguf, ne: list[int], type_name: str) -> int:
    qtype = gguf.GGMLQuantizationType[type_name]
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    n = int(np.prod(ne, dtype=np.int64))
    if n % block:
        raise SystemExit(f"{n} elements are not whole blocks of {type_name}")
    return n // block * size


def fill(gguf, name: str, ne: list[int], type_name: str, rng: np.random.Generator) -> np.ndarray:
    """Cheap valid data for one tensor, as the array the writer stores (numpy order)."""
    shape = tuple(reversed(ne))
    if type_name in ("F32", "F16", "BF16"):
        if "norm" in name:
            data = np.ones(shape, dtype=np.float32)
        else:
            data = rng.standard_normal(shape, dtype=np.float32) * FLOAT_STD
        if type_name == "F32":
            return data
        if type_name == "F16":
            return data.astype(np.float16)
        # bf16: the upper half of each float32, stored as raw bytes
        return (data.view(np.uint32) >> 16).astype(np.uint16).view(np.uint8)
    nbytes = tensor_bytes(gguf, ne, type_name)
    qtype = gguf.GGMLQuantizationType[type_name]
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    if type_name in SCALED_BLOCK_TYPES:
        blocks = rng.integers(-127, 128, size=(nbytes // size, size), dtype=np.int8).view(np.uint8)
        n_scales = SCALED_BLOCK_TYPES[type_name]
        scales = np.zeros(n_scales, dtype="<f2")
        scales[0] = BLOCK_SCALE  # d; m (if any) stays 0
        blocks[:, : 2 * n_scales] = scales.view(np.uint8)
        return blocks.reshape(-1)
    print(f"  {name}: {type_name} filled with zero blocks", file=sys.stderr)
    return np.zeros(nbytes, dtype=np.uint8)


def make(gguf, shape: dict, dst: Path, seed: int) -> None:
    vt = gguf.GGUFValueType
    rng = np.random.default_rng(seed)
    arch = next(v[2] for v in shape["kv"] if v[0] == "general.architecture")
    dst.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(dst), arch)
    writer.data_alignment = int(shape["alignment"])
    writer.remove_key("general.architecture")  # added by the writer; re-added below in the source's place
    for item in shape["kv"]:
        key, vtype = item[0], item[1]
        if vtype == vt.ARRAY.name:
            sub, values = item[2], item[3]
            writer.add_key_value(key, [_value(gguf, sub, v) for v in values], vt.ARRAY, sub_type=vt[sub])
        else:
            writer.add_key_value(key, _value(gguf, vtype, item[2]), vt[vtype])
    for name, ne, type_name in shape["tensors"]:
        data = fill(gguf, name, ne, type_name, rng)
        if type_name in ("F32", "F16"):
            writer.add_tensor(name, data)
        else:
            qtype = gguf.GGMLQuantizationType[type_name]
            # raw bytes: the writer derives the element shape from the byte shape
            block, size = gguf.GGML_QUANT_SIZES[qtype]
            byte_shape = list(reversed(ne))
            byte_shape[-1] = byte_shape[-1] // block * size
            writer.add_tensor(name, data.reshape(byte_shape), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def verify(gguf, shape: dict, path: Path) -> list[str]:
    """Differences between a GGUF's fields and tensors and a shape file's (empty: same)."""
    tmp = path.with_suffix(path.suffix + ".shape.json.gz")
    try:
        got = extract(gguf, path, tmp)
    finally:
        tmp.unlink(missing_ok=True)
    problems = []
    want_kv = {item[0]: item[1:] for item in shape["kv"]}
    got_kv = {item[0]: item[1:] for item in got["kv"]}
    for key in sorted(set(want_kv) | set(got_kv)):
        if want_kv.get(key) != got_kv.get(key):
            problems.append(f"field {key}: want {str(want_kv.get(key))[:80]} got {str(got_kv.get(key))[:80]}")
    if got["tensors"] != shape["tensors"]:
        problems.append("tensor names, shapes or types differ")
    if got["alignment"] != shape["alignment"]:
        problems.append(f"alignment {got['alignment']} != {shape['alignment']}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gguf-py", help="directory holding the gguf package (llama.cpp's gguf-py)")
    sub = ap.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("extract", help="save a GGUF's fields and tensor shapes")
    p.add_argument("gguf_file", type=Path)
    p.add_argument("shape_file", type=Path)
    p = sub.add_parser("make", help="write a GGUF of that shape with made-up weights")
    p.add_argument("shape_file", type=Path)
    p.add_argument("gguf_file", type=Path)
    p.add_argument("--seed", type=int, default=0)
    p = sub.add_parser("verify", help="check a GGUF against a shape file")
    p.add_argument("shape_file", type=Path)
    p.add_argument("gguf_file", type=Path)
    args = ap.parse_args()
    gguf = import_gguf(args.gguf_py)
    t0 = time.perf_counter()
    if args.mode == "extract":
        shape = extract(gguf, args.gguf_file, args.shape_file)
        print(f"{args.shape_file}: {len(shape['kv'])} fields, {len(shape['tensors'])} tensors "
              f"({args.shape_file.stat().st_size} bytes, {time.perf_counter() - t0:.1f} s)")
    elif args.mode == "make":
        shape = load_shape(args.shape_file)
        make(gguf, shape, args.gguf_file, args.seed)
        print(f"{args.gguf_file}: {args.gguf_file.stat().st_size} bytes, shaped like "
              f"{shape['source']['file']} ({shape['source']['bytes']} bytes), {time.perf_counter() - t0:.1f} s")
    else:
        problems = verify(gguf, load_shape(args.shape_file), args.gguf_file)
        for line in problems:
            print(line)
        print(f"{args.gguf_file}: {'matches' if not problems else 'DIFFERS FROM'} {args.shape_file}")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
