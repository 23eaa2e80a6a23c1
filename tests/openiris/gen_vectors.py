#!/usr/bin/env python3
"""Generate open-iris reference vectors for zkbio's iris-code differential tests.

Runs open-iris 1.11.2 (see requirements.txt) on deterministic synthetic normalized irises and
writes, per case, the image, the mask, the code bits, the mask bits and the `IrisTemplate`
JSON text, plus the integer kernels and probe positions of every model and some matcher results.

    python tests/openiris/gen_vectors.py OUT_DIR            # every case, with .bin files
    python tests/openiris/gen_vectors.py OUT_DIR --committed  # the small committed subset

Images and masks are built from integer-only specs (splitmix64 stream, box blur, stripes, ...)
that zkbio's Rust tests re-implement, so the committed subset needs no image files: the Rust test
rebuilds each image from its spec and checks it against the recorded SHA3-256.

Models:
  open_iris_v0_1  the default open-iris pipeline's filter bank (pipeline.yaml: two Gabor filters,
                  RegularProbeSchema 16x256, maskisduplicated False) and IrisEncoder(0.93);
                  NAME.template.json without the FragileBitRefinement node (zkbio's encoder-only
                  model), NAME.full.template.json with it, as the default pipeline runs it
                  (zkbio's "full" variant).
  scaled_test     the same code path on a 32x128 image, 4x32 probes and smaller kernels.

Output layout (OUT_DIR):
  kernels.json              per model: image size, code version, mask rule, per filter the Gabor
                            parameters, the integer kernels and the probe pixel positions
  manifest.json             cases (name, model, image/mask specs and SHA3-256) and matcher results
  cases/NAME.template.json  json.dumps(IrisTemplate.serialize())
  cases/NAME.full.template.json  the same with FragileBitRefinement (pipeline.yaml's node) between
                            the filter bank and the encoder: the default pipeline's template
  fragile_near.json         responses placed within a few float32 ulps of each refinement
                            threshold, and the bits open-iris's FragileBitRefinement keeps for them
  cases/NAME.image.bin      (full mode) rows*cols uint8, row-major
  cases/NAME.mask.bin       (full mode) rows*cols bytes 0/1, row-major
  cases/NAME.code.bin       (full mode) code bits as bytes 0/1 in serialize() order
                            (probe row, probe column, filter, real/imag)
  cases/NAME.maskcode.bin   (full mode) mask bits, same order
  cases/NAME.full.maskcode.bin  (full mode) mask bits of the full pipeline, same order
"""

import argparse
import hashlib
import json
import os
import math
import struct
import sys
from fractions import Fraction

import yaml

import numpy as np

import iris
from iris.io.dataclasses import IrisTemplate, NormalizedIris
from iris.nodes.encoder.iris_encoder import IrisEncoder
from iris.nodes.iris_response.conv_filter_bank import ConvFilterBank
from iris.nodes.iris_response.image_filters.gabor_filters import GaborFilter
from iris.nodes.iris_response.probe_schemas.regular_probe_schema import RegularProbeSchema
from iris.nodes.iris_response_refinement.fragile_bits_refinement import FragileBitRefinement
from iris.io.dataclasses import IrisFilterResponse
from iris.nodes.matcher.hamming_distance_matcher import HammingDistanceMatcher
from iris.nodes.matcher.utils import hamming_distance

OPEN_IRIS_VERSION = "1.11.2"
MASK64 = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15

# ---------------------------------------------------------------- models

MODELS = {
    "open_iris_v0_1": {
        "rows": 128,
        "cols": 512,
        "iris_code_version": "v0.1",
        "mask_threshold": 0.93,
        "maskisduplicated": False,
        "filters": [
            dict(kernel_size=(41, 21), sigma_phi=7, sigma_rho=6.13, theta_degrees=90.0, lambda_phi=28.0),
            dict(kernel_size=(17, 21), sigma_phi=2, sigma_rho=5.86, theta_degrees=90.0, lambda_phi=8),
        ],
        "probes": [(16, 256), (16, 256)],
    },
    "scaled_test": {
        "rows": 32,
        "cols": 128,
        "iris_code_version": "v0.1",
        "mask_threshold": 0.93,
        "maskisduplicated": False,
        "filters": [
            dict(kernel_size=(15, 9), sigma_phi=3, sigma_rho=2.5, theta_degrees=90.0, lambda_phi=10.0),
            dict(kernel_size=(9, 7), sigma_phi=1.5, sigma_rho=2.0, theta_degrees=90.0, lambda_phi=5.0),
        ],
        "probes": [(4, 32), (4, 32)],
    },
}


def build_nodes(model):
    filters = [GaborFilter(dc_correction=True, to_fixpoints=True, **f) for f in model["filters"]]
    schemas = [RegularProbeSchema(n_rows=r, n_cols=c) for r, c in model["probes"]]
    bank = ConvFilterBank(
        iris_code_version=model["iris_code_version"],
        maskisduplicated=model["maskisduplicated"],
        filters=filters,
        probe_schemas=schemas,
    )
    encoder = IrisEncoder(mask_threshold=model["mask_threshold"])
    return bank, encoder


def probe_positions(schema, rows, cols):
    """Probe pixel rows and columns exactly as ConvFilterBank._convolve computes them."""
    n_rows, n_cols = schema.params.n_rows, schema.params.n_cols
    prow = [min(round(schema.rhos[i * n_cols] * rows), rows - 1) for i in range(n_rows)]
    pcol = [min(round(schema.phis[j] * cols), cols - 1) for j in range(n_cols)]
    # A regular schema is a grid: every probe of row i has the same pixel row, and so on.
    for i in range(n_rows):
        for j in range(n_cols):
            pos = i * n_cols + j
            assert min(round(schema.rhos[pos] * rows), rows - 1) == prow[i]
            assert min(round(schema.phis[pos] * cols), cols - 1) == pcol[j]
    return [int(v) for v in prow], [int(v) for v in pcol]


def export_model(name, model):
    bank, _ = build_nodes(model)
    out = {
        "iris_code_version": model["iris_code_version"],
        "rows": model["rows"],
        "cols": model["cols"],
        "mask_threshold": model["mask_threshold"],
        "maskisduplicated": model["maskisduplicated"],
        "filters": [],
    }
    for params, filt, schema in zip(model["filters"], bank.params.filters, bank.params.probe_schemas):
        k = filt.kernel_values
        assert np.all(k.real == np.round(k.real)) and np.all(k.imag == np.round(k.imag))
        prow, pcol = probe_positions(schema, model["rows"], model["cols"])
        out["filters"].append(
            {
                "gabor": {**params, "kernel_size": list(params["kernel_size"])},
                "kernel_rows": int(k.shape[0]),
                "kernel_cols": int(k.shape[1]),
                "real": [int(v) for v in k.real.flatten()],
                "imag": [int(v) for v in k.imag.flatten()],
                "probe_rows": prow,
                "probe_cols": pcol,
            }
        )
    return out


def default_refinement():
    """The FragileBitRefinement node of open-iris's default pipeline.yaml, as configured there."""
    conf = os.path.join(os.path.dirname(iris.__file__), "pipelines", "confs", "pipeline.yaml")
    with open(conf) as f:
        nodes = yaml.safe_load(f)["pipeline"]
    (node,) = [n for n in nodes if n["name"] == "iris_response_refinement"]
    assert node["algorithm"]["class_name"].endswith("FragileBitRefinement")
    params = node["algorithm"]["params"]
    assert list(params["value_threshold"]) == [0.0001, 0.275, 0.08726646259971647], params
    assert params["fragile_type"] == "polar" and params["maskisduplicated"] is False, params
    return FragileBitRefinement(**params)


# ---------------------------------------------------------------- near-threshold responses


def f32_fraction(x):
    """The float32 value numpy compares a float32 array with when given the Python float x."""
    return Fraction(float(np.float32(x)))


def near_threshold_cases(model_name, model, bank, refinement, offsets, seed):
    """Integer responses (S_re, S_im) whose exact normalized value z lies next to each refinement
    threshold, and the bits open-iris keeps for them.

    z = S_re / (h kc ||K_re||) + i S_im / (h kc ||K_im||). For each filter, probe row, threshold
    and offset k in `offsets`, many lattice points are tried and the one closest to the shifted
    threshold kept: |z|^2 = t^2 (1 + k 2^-24) for the radius bounds, sin^2(arg z) (real bit) or
    cos^2(arg z) (imaginary bit) = c^2 (1 + k 2^-24) for the angle bounds. Their exact distances
    are recomputed in Rust. The bits come from open-iris's own FragileBitRefinement.run on
    responses built with ConvFilterBank's float operations.
    """
    rng = np.random.default_rng(seed)
    vt = refinement.params.value_threshold
    r_min, r_max = f32_fraction(vt[0]), f32_fraction(vt[1])
    c = f32_fraction(np.abs(np.cos(vt[2])))
    out = []
    for fi, (filt, schema) in enumerate(zip(bank.params.filters, bank.params.probe_schemas)):
        k = filt.kernel_values
        k_rows, k_cols = k.shape
        q_re, q_im = int((k.real.astype(np.int64) ** 2).sum()), int((k.imag.astype(np.int64) ** 2).sum())
        prow, _ = probe_positions(schema, model["rows"], model["cols"])
        found = []
        for row, r in enumerate(prow):
            p_rows = k_rows // 2
            h = min(r + p_rows + 1, model["rows"]) - max(0, r - p_rows)
            big_h = h * k_cols
            scale = Fraction(big_h * big_h * q_re * q_im)
            for kind in ("radius_min", "radius_max", "angle_real", "angle_imag"):
                for off in offsets:
                    shift = 1 + Fraction(off, 1 << 24)
                    best = None
                    for _ in range(300):
                        if kind.startswith("radius"):
                            t = r_min if kind == "radius_min" else r_max
                            # L = Q_im S_re^2 + Q_re S_im^2 = t^2 H^2 Q_re Q_im (1 + shift).
                            target = t * t * scale * shift
                            # An angle where both angle tests pass clearly, so the radius decides.
                            phi = rng.uniform(0.2, math.pi / 2 - 0.2)
                            s_re = int(round(math.sqrt(float(target) / q_im) * math.cos(phi)))
                            y = (target - q_im * s_re * s_re) / q_re
                            if y < 0:
                                continue
                        else:
                            # A radius well inside [r_min, r_max], the angle at the shifted boundary:
                            # sin^2 = s (real bit) means S_im^2 = S_re^2 s / (1 - s) Q_im / Q_re.
                            s2 = c * c * shift
                            if kind == "angle_imag":
                                s2 = 1 - s2  # cos^2 = c^2 shift
                            rad = math.exp(rng.uniform(math.log(float(r_min) * 1.5), math.log(float(r_max) * 0.7)))
                            s_re = int(round(rad * big_h * math.sqrt(q_re) * math.sqrt(float(1 - s2))))
                            y = Fraction(s_re * s_re) * s2 / (1 - s2) * q_im / q_re
                        base = math.isqrt(math.floor(y))
                        for b in (base, base + 1):
                            dist = abs(Fraction(b * b) - y)
                            if best is None or dist < best[0]:
                                best = (dist, s_re, b)
                    if best is None:
                        continue
                    _, a, b = best
                    a, b = a * int(rng.choice([-1, 1])), b * int(rng.choice([-1, 1]))
                    found.append((row, h, kind, off, a, b))
        # open-iris: ConvFilterBank's arithmetic, then FragileBitRefinement.run on the responses.
        resp = np.zeros((1, len(found)), dtype=np.complex64)
        for j, (row, h, kind, off, a, b) in enumerate(found):
            resp[0][j] = np.complex128(complex(a, b)) / h / k_cols
        resp.real = resp.real / filt.kernel_norm.real
        resp.imag = resp.imag / filt.kernel_norm.imag
        ones = np.ones((1, len(found)), dtype=np.complex64) * (1 + 1j)
        refined = refinement.run(IrisFilterResponse(iris_responses=[resp], mask_responses=[ones], iris_code_version="v0.1"))
        m = refined.mask_responses[0]
        for j, (row, h, kind, off, a, b) in enumerate(found):
            out.append(
                {
                    "model": model_name,
                    "filter": fi,
                    "row": row,
                    "window_rows": h,
                    "kind": kind,
                    "offset": off,
                    "s_re": a,
                    "s_im": b,
                    "real": bool(m.real[0][j] != 0),
                    "imag": bool(m.imag[0][j] != 0),
                }
            )
    return out


# ---------------------------------------------------------------- deterministic patterns


def stream(seed, n):
    """splitmix64 outputs 1..n for `seed`: mix(seed + i * GAMMA), i = 1..n (uint64 wrap-around)."""
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) + np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GAMMA)).astype(np.uint64)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return z


def make_image(spec, rows, cols):
    base = spec["base"]
    kind = base["kind"]
    r = np.arange(rows, dtype=np.int64)[:, None]
    c = np.arange(cols, dtype=np.int64)[None, :]
    if kind == "const":
        img = np.full((rows, cols), base["value"], dtype=np.int64)
    elif kind == "random":
        img = (stream(base["seed"], rows * cols) % np.uint64(256)).astype(np.int64).reshape(rows, cols)
    elif kind == "random_range":
        span = np.uint64(base["hi"] - base["lo"] + 1)
        img = base["lo"] + (stream(base["seed"], rows * cols) % span).astype(np.int64).reshape(rows, cols)
    elif kind == "stripes_rows":
        img = np.where((r // base["period"]) % 2 == 1, base["hi"], base["lo"]) + 0 * c
    elif kind == "stripes_cols":
        img = np.where((c // base["period"]) % 2 == 1, base["hi"], base["lo"]) + 0 * r
    elif kind == "checker":
        img = ((r // base["cell"] + c // base["cell"]) % 2) * 255
    elif kind == "gradient_cols":
        img = (c * 255) // (cols - 1) + 0 * r
    elif kind == "gradient_rows":
        img = (r * 255) // (rows - 1) + 0 * c
    else:
        raise ValueError(kind)
    img = img.astype(np.int64)
    for op in spec.get("ops", []):
        if op["op"] == "blur":
            k = op["radius"]
            # Columns wrap around (polar angle); rows are clamped to the image.
            acc = sum(np.roll(img, d, axis=1) for d in range(-k, k + 1))
            img = acc // (2 * k + 1)
            out = np.zeros_like(img)
            for row in range(rows):
                lo, hi = max(0, row - k), min(rows, row + k + 1)
                out[row] = img[lo:hi].sum(axis=0) // (hi - lo)
            img = out
        elif op["op"] == "roll_cols":
            img = np.roll(img, op["shift"], axis=1)
        elif op["op"] == "noise":
            a = op["amplitude"]
            z = (stream(op["seed"], rows * cols) % np.uint64(2 * a + 1)).astype(np.int64).reshape(rows, cols)
            img = np.clip(img + z - a, 0, 255)
        else:
            raise ValueError(op)
    assert img.min() >= 0 and img.max() <= 255
    return img.astype(np.uint8)


def make_mask(spec, rows, cols):
    mask = np.full((rows, cols), bool(spec["base"]))
    for op in spec.get("ops", []):
        name = op["op"]
        if name == "rows":
            mask[op["from"] : op["to"], :] = op["value"]
        elif name == "cols":
            mask[:, op["from"] : op["to"]] = op["value"]
        elif name == "every_nth_row":
            mask[op["offset"] :: op["n"], :] = op["value"]
        elif name == "random_off":
            z = (stream(op["seed"], rows * cols) % np.uint64(1000)).astype(np.int64).reshape(rows, cols)
            mask[z < op["permille"]] = False
        elif name == "rect":
            cs = [(op["col"] + d) % cols for d in range(op["width"])]
            mask[op["row"] : op["row"] + op["height"], cs] = op["value"]
        elif name == "blobs_off":
            z = stream(op["seed"], 4 * op["count"])
            for b in range(op["count"]):
                r0 = int(z[4 * b] % np.uint64(rows))
                c0 = int(z[4 * b + 1] % np.uint64(cols))
                h = 1 + int(z[4 * b + 2] % np.uint64(op["max_height"]))
                w = 1 + int(z[4 * b + 3] % np.uint64(op["max_width"]))
                cs = [(c0 + d) % cols for d in range(w)]
                mask[r0 : r0 + h, cs] = False
        else:
            raise ValueError(op)
    return mask


# ---------------------------------------------------------------- cases

def img(kind, ops=(), **kw):
    return {"base": {"kind": kind, **kw}, "ops": list(ops)}


def msk(base=True, *ops):
    return {"base": base, "ops": list(ops)}


def full_cases():
    rnd1 = img("random", seed=1)
    return [
        ("zeros", img("const", value=0), msk()),
        ("max", img("const", value=255), msk()),
        ("mid_mask_off", img("const", value=128), msk(False)),
        ("random_s1", rnd1, msk()),
        ("random_s1_roll4", img("random", [{"op": "roll_cols", "shift": 4}], seed=1), msk()),
        ("random_s1_noise", img("random", [{"op": "noise", "seed": 101, "amplitude": 40}], seed=1), msk()),
        ("random_s2_mask900", img("random", seed=2), msk(True, {"op": "random_off", "seed": 202, "permille": 100})),
        ("random_s3_mask500", img("random", seed=3), msk(True, {"op": "random_off", "seed": 303, "permille": 500})),
        ("smooth_r2", img("random", [{"op": "blur", "radius": 2}], seed=4), msk()),
        (
            "smooth_r5_top_off",
            img("random", [{"op": "blur", "radius": 5}, {"op": "blur", "radius": 5}], seed=5),
            msk(True, {"op": "rows", "from": 0, "to": 12, "value": False}),
        ),
        (
            "smooth_r3_bottom_off",
            img("random", [{"op": "blur", "radius": 3}], seed=6),
            msk(True, {"op": "rows", "from": 100, "to": 128, "value": False}),
        ),
        (
            "random_s7_wrap_cols_off",
            img("random", seed=7),
            msk(True, {"op": "cols", "from": 500, "to": 512, "value": False}, {"op": "cols", "from": 0, "to": 20, "value": False}),
        ),
        ("stripes_rows_4", img("stripes_rows", period=4, lo=0, hi=255), msk()),
        ("stripes_cols_7", img("stripes_cols", period=7, lo=10, hi=250), msk()),
        (
            "stripes_cols_14_mask970",
            img("stripes_cols", period=14, lo=0, hi=255),
            msk(True, {"op": "random_off", "seed": 1313, "permille": 30}),
        ),
        (
            "checker_3_rects",
            img("checker", cell=3),
            msk(
                True,
                {"op": "rect", "row": 20, "col": 505, "height": 30, "width": 40, "value": False},
                {"op": "rect", "row": 90, "col": 200, "height": 38, "width": 100, "value": False},
            ),
        ),
        ("gradient_cols", img("gradient_cols"), msk()),
        (
            "gradient_rows_cols_off",
            img("gradient_rows"),
            msk(True, *[{"op": "cols", "from": a, "to": a + 9, "value": False} for a in (0, 100, 257, 400)]),
        ),
        ("lowcontrast", img("random_range", seed=17, lo=127, hi=128), msk()),
        (
            "binary_blobs",
            img("random_range", [{"op": "blur", "radius": 1}], seed=18, lo=0, hi=1),
            msk(True, {"op": "blobs_off", "seed": 1818, "count": 12, "max_height": 30, "max_width": 60}),
        ),
        (
            "random_s8_row_col_off",
            img("random", seed=8),
            msk(True, {"op": "rows", "from": 64, "to": 65, "value": False}, {"op": "cols", "from": 300, "to": 301, "value": False}),
        ),
        ("smooth_r1_mask990", img("random", [{"op": "blur", "radius": 1}], seed=9), msk(True, {"op": "random_off", "seed": 909, "permille": 10})),
        ("random_s10_probe_rows_off", img("random", seed=10), msk(True, {"op": "every_nth_row", "n": 8, "offset": 0, "value": False})),
        ("smooth_r4_mask_off", img("random", [{"op": "blur", "radius": 4}], seed=11), msk(False)),
        (
            "smooth_r2_partial_on",
            img("random", [{"op": "blur", "radius": 2}], seed=12),
            msk(False, {"op": "rows", "from": 30, "to": 90, "value": True}, {"op": "cols", "from": 0, "to": 3, "value": False}),
        ),
    ]


def scaled_cases():
    return [
        ("scaled_zeros", img("const", value=0), msk()),
        ("scaled_max", img("const", value=255), msk()),
        ("scaled_random_s21", img("random", seed=21), msk()),
        ("scaled_random_s21_roll4", img("random", [{"op": "roll_cols", "shift": 4}], seed=21), msk()),
        ("scaled_random_s21_noise", img("random", [{"op": "noise", "seed": 2121, "amplitude": 30}], seed=21), msk()),
        ("scaled_random_s22_mask800", img("random", seed=22), msk(True, {"op": "random_off", "seed": 2222, "permille": 200})),
        ("scaled_smooth_rows_off", img("random", [{"op": "blur", "radius": 2}], seed=23), msk(True, {"op": "rows", "from": 0, "to": 3, "value": False})),
        ("scaled_stripes_rows", img("stripes_rows", period=2, lo=0, hi=255), msk()),
        (
            "scaled_wrap_cols_off",
            img("random", seed=24),
            msk(True, {"op": "cols", "from": 124, "to": 128, "value": False}, {"op": "cols", "from": 0, "to": 2, "value": False}),
        ),
        ("scaled_checker_blobs", img("checker", cell=2), msk(True, {"op": "blobs_off", "seed": 2525, "count": 5, "max_height": 8, "max_width": 20})),
        ("scaled_gradient_rows", img("gradient_rows"), msk(True, {"op": "every_nth_row", "n": 10, "offset": 0, "value": False})),
    ]


COMMITTED = {
    "max",
    "random_s1",
    "random_s1_roll4",
    "random_s1_noise",
    "random_s2_mask900",
    "smooth_r5_top_off",
    "stripes_rows_4",
    "random_s7_wrap_cols_off",
}

MATCH_PAIRS = [
    ("random_s1", "random_s1_noise"),
    ("random_s1", "random_s1_roll4"),
    ("random_s1_noise", "random_s1_roll4"),
    ("random_s1", "random_s2_mask900"),
    ("random_s2_mask900", "random_s3_mask500"),
    ("smooth_r5_top_off", "smooth_r3_bottom_off"),
    ("random_s1", "zeros"),
    ("random_s7_wrap_cols_off", "random_s8_row_col_off"),
    ("smooth_r2_partial_on", "random_s1"),
    ("scaled_random_s21", "scaled_random_s21_noise"),
    ("scaled_random_s21", "scaled_random_s21_roll4"),
    ("scaled_random_s21", "scaled_random_s22_mask800"),
    ("scaled_smooth_rows_off", "scaled_wrap_cols_off"),
]


def old_format_bits(arrays):
    """Bits in IrisTemplate.serialize() order: (row, column, filter, real/imag), as bytes 0/1."""
    return np.stack(arrays).transpose(1, 2, 0, 3).astype(np.uint8).flatten().tobytes()


def sha3(data):
    return hashlib.sha3_256(data).hexdigest()


def f64_hex(x):
    return struct.pack(">d", float(x)).hex()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--committed", action="store_true", help="write only the small committed subset, without .bin files")
    args = ap.parse_args()
    if iris.__version__ != OPEN_IRIS_VERSION:
        sys.exit(f"open-iris {OPEN_IRIS_VERSION} required, found {iris.__version__}")

    os.makedirs(os.path.join(args.out_dir, "cases"), exist_ok=True)
    kernels = {name: export_model(name, m) for name, m in MODELS.items()}
    with open(os.path.join(args.out_dir, "kernels.json"), "w") as f:
        json.dump(kernels, f, separators=(",", ":"))
        f.write("\n")

    nodes = {name: build_nodes(m) for name, m in MODELS.items()}
    refinement = default_refinement()
    cases = [("open_iris_v0_1", c) for c in full_cases()] + [("scaled_test", c) for c in scaled_cases()]
    wanted = set(COMMITTED) | {n for n, _, _ in scaled_cases()} if args.committed else None
    manifest = {"open_iris_version": iris.__version__, "cases": [], "matches": []}
    templates = {}
    for model_name, (name, image_spec, mask_spec) in cases:
        if wanted is not None and name not in wanted:
            continue
        model = MODELS[model_name]
        image = make_image(image_spec, model["rows"], model["cols"])
        mask = make_mask(mask_spec, model["rows"], model["cols"])
        bank, encoder = nodes[model_name]
        response = bank.run(NormalizedIris(normalized_image=image, normalized_mask=mask))
        template = encoder.run(response)
        full_template = encoder.run(refinement.run(response))
        templates[name] = template
        text = json.dumps(template.serialize())
        # The deserializer must give back the same bits (sanity of our reading of the format).
        shape = (*model["probes"][0], len(model["filters"]), 2)
        back = IrisTemplate.deserialize(template.serialize(), array_shape=shape)
        assert all(np.array_equal(a, b) for a, b in zip(back.iris_codes, template.iris_codes))
        base = os.path.join(args.out_dir, "cases", name)
        with open(base + ".template.json", "w") as f:
            f.write(text)
        with open(base + ".full.template.json", "w") as f:
            f.write(json.dumps(full_template.serialize()))
        if not args.committed:
            with open(base + ".image.bin", "wb") as f:
                f.write(image.tobytes())
            with open(base + ".mask.bin", "wb") as f:
                f.write(mask.astype(np.uint8).tobytes())
            with open(base + ".code.bin", "wb") as f:
                f.write(old_format_bits(template.iris_codes))
            with open(base + ".maskcode.bin", "wb") as f:
                f.write(old_format_bits(template.mask_codes))
            with open(base + ".full.maskcode.bin", "wb") as f:
                f.write(old_format_bits(full_template.mask_codes))
        manifest["cases"].append(
            {
                "name": name,
                "model": model_name,
                "image": image_spec,
                "mask": mask_spec,
                "image_sha3_256": sha3(image.tobytes()),
                "mask_sha3_256": sha3(mask.astype(np.uint8).tobytes()),
                "code_ones": int(sum(int(c.sum()) for c in template.iris_codes)),
                "mask_ones": int(sum(int(c.sum()) for c in template.mask_codes)),
                "full_mask_ones": int(sum(int(c.sum()) for c in full_template.mask_codes)),
            }
        )
    default_matcher = HammingDistanceMatcher()
    for a, b in MATCH_PAIRS:
        if a not in templates or b not in templates:
            continue
        dist = default_matcher.run(templates[a], templates[b])
        p = default_matcher.params
        dist2, rot = hamming_distance(
            templates[a],
            templates[b],
            rotation_shift=p.rotation_shift,
            normalise=p.normalise,
            norm_mean=p.norm_mean,
            norm_gradient=p.norm_gradient,
            separate_half_matching=p.separate_half_matching,
        )
        assert f64_hex(dist) == f64_hex(dist2)
        manifest["matches"].append({"probe": a, "gallery": b, "distance": float(dist), "distance_f64": f64_hex(dist), "rotation": int(rot)})
    with open(os.path.join(args.out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    # Offsets from each threshold, in units of 2^-24 (about one float32 ulp) of the squared value.
    offsets = (-8, 0, 8) if args.committed else (-64, -16, -6, -3, -2, -1, 0, 1, 2, 3, 6, 16, 64)
    near = []
    for seed, (model_name, model) in enumerate(MODELS.items()):
        bank, _ = nodes[model_name]
        near += near_threshold_cases(model_name, model, bank, refinement, offsets, seed)
    with open(os.path.join(args.out_dir, "fragile_near.json"), "w") as f:
        json.dump({"cases": near}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(manifest['cases'])} cases, {len(manifest['matches'])} matches written to {args.out_dir}")


if __name__ == "__main__":
    main()
