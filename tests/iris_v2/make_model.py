"""The development iris-code model v2: a full-integer int8 TFLite convolutional network.

NOT A TRAINED IRIS MODEL. Its one CONV_2D layer holds quantized Gabor kernels (two filters, real
and imaginary parts: 4 output channels), so that its output signs behave like an iris code; it
exists so that zkbio's iris statement, packages and flows run on a TFLite model version of the
right shape and cost. The protocol publishes real (learned) models as packages.

Usage (deterministic: no training, no random weights; the representative dataset is seeded):

    target/tflite-venv/bin/python tests/iris_v2/make_model.py circuits/tests/data/iris_v2

(tensorflow-cpu 2.21, ai-edge-litert 2.3: tests/tflite/requirements.txt). Writes to OUT_DIR:

- `iris_v2.tflite`: input int8 [1, 128, 512, 1], output int8 [1, 16, 256, 4];
- `iris_v2_small.tflite`: the test-size variant, input [1, 32, 128, 1], output [1, 4, 64, 4]
  (same architecture family, smaller kernel);
- `iris_v2_tiny.tflite`: the tiny variant of the flow fixtures' image size (the v1 tiny test
  model's, e.g. bindings/kotlin/run-tests.sh), input [1, 12, 24, 1], output [1, 3, 6, 4]
  (4 x 4 cells, so the development rule's 15 of 16 pixels applies unchanged);
- `small_images.npy` (uint8 [N, 32, 128]) and `small_outputs.npy` (int8 [N, 4, 64, 4]), and
  `tiny_images.npy` (uint8 [N, 12, 24]) and `tiny_outputs.npy` (int8 [N, 3, 6, 4]): sample inputs
  of the small and tiny variants and ai-edge-litert 2.3's BUILTIN_REF outputs on them.

Each variant's calibration and sample images come from generators seeded afresh per variant, so
adding a variant leaves the other files' bytes unchanged.

Input mapping: the normalized iris pixel p (uint8) is the int8 value q = p - 128 (input scale
1/128, zero point 0; the script checks the converter calibrated exactly that).

Architecture: CONV_2D, kernel KH x KW (9 x 17 full size, 5 x 9 small, 3 x 5 tiny), strides
(8, 2) (tiny: (4, 4)), SAME padding (zero padding: no angular wrap-around), no fused activation, 1 -> 4 channels; channel
c = 2 f + q (filter f, part q = 0 real, 1 imaginary). Output element [0, i, j, c] is code
position (i, j), so the row-major output is open-iris's template order
((i * n_cols + j) * F + f) * 2 + q. How the output becomes code and mask bits is zkbio's rule
(docs/IRIS.md, "Iris model v2"), not part of this file.
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

SEED = 20261201
# (filter) -> (sigma_rho, sigma_phi, lambda_phi) in pixels, per variant.
FULL = dict(rows=128, cols=512, kernel=(9, 17), strides=(8, 2),
            filters=[(3.0, 5.0, 14.0), (2.5, 2.0, 6.0)])
SMALL = dict(rows=32, cols=128, kernel=(5, 9), strides=(8, 2),
             filters=[(1.5, 2.5, 8.0), (1.2, 1.5, 4.0)])
TINY = dict(rows=12, cols=24, kernel=(3, 5), strides=(4, 4),
            filters=[(1.0, 1.5, 5.0), (0.8, 1.0, 3.0)])
# (file name, spec, name prefix of its sample images and LiteRT outputs, or None).
VARIANTS = (("iris_v2", FULL, None), ("iris_v2_small", SMALL, "small"),
            ("iris_v2_tiny", TINY, "tiny"))


def gabor(kh, kw, sigma_rho, sigma_phi, lam):
    """Real and imaginary Gabor kernels (DC-corrected, unit L1 norm), rows = radius."""
    y, x = np.mgrid[-(kh // 2):kh // 2 + 1, -(kw // 2):kw // 2 + 1].astype(np.float64)
    env = np.exp(-0.5 * ((y / sigma_rho) ** 2 + (x / sigma_phi) ** 2))
    parts = []
    for carrier in (np.cos(2 * np.pi * x / lam), np.sin(2 * np.pi * x / lam)):
        k = env * carrier
        k = k - env * (k.sum() / env.sum())  # no response to a constant image
        parts.append(k / np.abs(k).sum())
    return parts


def build(spec):
    kh, kw = spec["kernel"]
    w = np.zeros((kh, kw, 1, 4), np.float32)
    for f, (sr, sp, lam) in enumerate(spec["filters"]):
        re, im = gabor(kh, kw, sr, sp, lam)
        w[:, :, 0, 2 * f] = re
        w[:, :, 0, 2 * f + 1] = im
    inp = tf.keras.Input((spec["rows"], spec["cols"], 1), batch_size=1)
    conv = tf.keras.layers.Conv2D(4, (kh, kw), strides=spec["strides"], padding="same",
                                  use_bias=True)
    out = conv(inp)
    conv.set_weights([w, np.zeros(4, np.float32)])
    return tf.keras.Model(inp, out)


def sample_image(rng, rows, cols):
    """A textured synthetic normalized iris: radial fibres, blobs, noise (uint8)."""
    r, c = np.mgrid[0:rows, 0:cols].astype(np.float64)
    img = 110 + 30 * np.sin(2 * np.pi * c / rng.uniform(5, 20) + rng.uniform(0, 6))
    for _ in range(int(rng.integers(5, 15))):
        cy, cx = rng.uniform(0, rows), rng.uniform(0, cols)
        s = rng.uniform(2, 8)
        img += rng.uniform(-60, 60) * np.exp(-(((r - cy) ** 2 + (c - cx) ** 2) / (2 * s * s)))
    img += rng.normal(scale=rng.uniform(2, 12), size=img.shape)
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def images(rng, spec, n):
    rows, cols = spec["rows"], spec["cols"]
    out = []
    for k in range(n):
        if k % 4 == 3:
            out.append(rng.integers(0, 256, size=(rows, cols)).astype(np.uint8))
        else:
            out.append(sample_image(rng, rows, cols))
    return out


def convert(model, rng, spec):
    def rep():
        for k, img in enumerate(images(rng, spec, 32)):
            if k == 0:
                # Pin the calibrated input range to [-1, 127/128]: scale 1/128, zero point 0.
                img = img.copy()
                img[0, 0], img[0, 1] = 0, 255
            x = (img.astype(np.float32) - 128.0) / 128.0
            yield [x[None, :, :, None]]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


class Reference:
    """ai-edge-litert 2.3's reference kernels on uint8 images (q = p - 128)."""

    def __init__(self, model):
        self.it = Interpreter(model_content=model,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        self.it.allocate_tensors()
        (self.inp,) = self.it.get_input_details()
        (self.out,) = self.it.get_output_details()
        scale, zp = self.inp["quantization"]
        assert abs(scale - 1 / 128) < 1e-9 and zp == 0, ("input quantization", scale, zp)

    def __call__(self, pixels):
        shape = self.inp["shape"]
        q = (np.asarray(pixels, np.int16) - 128).astype(np.int8).reshape(shape)
        self.it.set_tensor(self.inp["index"], q)
        self.it.invoke()
        return self.it.get_tensor(self.out["index"])[0].copy()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    tf.random.set_seed(SEED)
    for name, spec, samples in VARIANTS:
        rng = np.random.default_rng(SEED)
        tfl = convert(build(spec), rng, spec)
        with open(os.path.join(args.out_dir, name + ".tflite"), "wb") as f:
            f.write(tfl)
        ref = Reference(tfl)
        scale, zp = ref.out["quantization"]
        print(f"{name}: {len(tfl)} bytes, output {list(ref.out['shape'])} scale {scale} zp {zp}",
              file=sys.stderr)
        if samples is not None:
            imgs = images(np.random.default_rng(SEED + 1), spec, 8)
            np.save(os.path.join(args.out_dir, samples + "_images.npy"), np.stack(imgs))
            np.save(os.path.join(args.out_dir, samples + "_outputs.npy"),
                    np.stack([ref(i) for i in imgs]))


if __name__ == "__main__":
    main()
