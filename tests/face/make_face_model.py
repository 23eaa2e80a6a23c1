"""The development face model: a small int8 embedding network trained on synthetic identities.

THIS IS NOT A FACE RECOGNIZER. It has never seen a face. It is trained to map a synthetic
64x64 grayscale "identity" (a random smooth pattern of Gaussian blobs) to a 128-d embedding that
stays close under camera-like perturbations (sensor noise, brightness and contrast changes, a
shift of up to 2 pixels) and is far from other identities' embeddings. It exists so that zkbio's
face statements, flows and demo run on a model of the right shape and cost; the protocol
publishes the real face model as a package.

Usage: make_face_model.py OUT_DIR [--seed S] [--train-seconds T]
       make_face_model.py OUT_DIR --tiny

`--tiny` writes only `face_tiny.tflite`, the tests' stand-in (untrained, seeded random weights:
1x8x8x1 int8 input, Conv 2x2/s2 1->4 ReLU, MEAN, FC 4->8), with `tiny_faces.npy` and
`tiny_embeddings.npy` (4 images and their BUILTIN_REF outputs), so that the statements' tests
prove in seconds.

Writes to OUT_DIR:
- `face_dev.tflite`: full-integer int8 (int8 input 1x64x64x1, int8 output 1x128); the input
  value is `q = p - 128` for the 8-bit pixel `p` (input scale 1/128, zero point 0 as calibrated
  here: the script checks it);
- `faces.npy`: uint8 `[N, 64, 64]` sample images, `IDS` identities x `VIEWS` views each, view 0
  the "enrolled" image and the others perturbed copies of it (identity-major);
- `embeddings.npy`: int8 `[N, 128]`, the model's output on each image as ai-edge-litert 2.3's
  reference kernels (`OpResolverType.BUILTIN_REF`) compute it.

Architecture (the research note's candidate A): Conv 4x4/s4 1->32 ReLU, Conv 3x3/s2 ->64 ReLU,
Conv 3x3 64->64 ReLU, Conv 3x3/s2 ->128 ReLU, Conv 3x3 128->128 ReLU, MEAN over H, W, FC
128->128 (no activation). Training: SimCLR-style InfoNCE on two perturbed views of fresh random
identities per step, for a fixed wall-clock budget (CPU). Seeded, but the result depends on how
many steps fit in the budget; the committed files are the output of one run.

Run with the tflite venv (tensorflow-cpu 2.21, ai-edge-litert 2.3, tests/tflite/requirements.txt).
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

SIDE = 64
TINY = 8
IDS = 10
VIEWS = 4


def identity(rng):
    """A random smooth grayscale pattern: mid-gray plus 10-16 Gaussian blobs."""
    yy, xx = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32)
    img = np.full((SIDE, SIDE), 128.0, np.float32)
    for _ in range(int(rng.integers(10, 17))):
        cy, cx = rng.uniform(4, SIDE - 4, size=2)
        sy, sx = rng.uniform(2.5, 9.0, size=2)
        a = rng.uniform(-90, 90)
        img += a * np.exp(-(((yy - cy) / sy) ** 2 + ((xx - cx) / sx) ** 2) / 2)
    return np.clip(img, 0, 255)


def perturb(rng, img):
    """A camera-like copy: shift of up to 2 px (edge replicated), contrast 0.9-1.1,
    brightness +-16, Gaussian noise of sigma 2-6, rounded to 8 bits."""
    dy, dx = rng.integers(-2, 3, size=2)
    p = np.pad(img, 2, mode="edge")
    out = p[2 + dy:2 + dy + SIDE, 2 + dx:2 + dx + SIDE]
    out = (out - 128) * rng.uniform(0.9, 1.1) + 128 + rng.uniform(-16, 16)
    out = out + rng.normal(scale=rng.uniform(2, 6), size=out.shape)
    return np.clip(np.round(out), 0, 255)


def to_input(pixels):
    """Float model input for 8-bit pixels: (p - 128) / 128, so int8 q = p - 128 at scale 1/128."""
    return ((np.asarray(pixels, np.float32) - 128.0) / 128.0)[..., None]


def build_tiny(seed):
    tf.keras.utils.set_random_seed(seed)
    x = tf.keras.Input((TINY, TINY, 1), batch_size=None)
    y = tf.keras.layers.Conv2D(4, 2, 2, "valid", activation="relu",
                               bias_initializer="random_normal")(x)
    y = tf.keras.layers.GlobalAveragePooling2D()(y)
    y = tf.keras.layers.Dense(8, bias_initializer="random_normal")(y)
    return tf.keras.Model(x, y)


def build():
    x = tf.keras.Input((SIDE, SIDE, 1), batch_size=None)
    y = tf.keras.layers.Conv2D(32, 4, 4, "valid", activation="relu")(x)
    y = tf.keras.layers.Conv2D(64, 3, 2, "same", activation="relu")(y)
    y = tf.keras.layers.Conv2D(64, 3, 1, "same", activation="relu")(y)
    y = tf.keras.layers.Conv2D(128, 3, 2, "same", activation="relu")(y)
    y = tf.keras.layers.Conv2D(128, 3, 1, "same", activation="relu")(y)
    y = tf.keras.layers.GlobalAveragePooling2D()(y)  # MEAN over H, W
    y = tf.keras.layers.Dense(128)(y)
    return tf.keras.Model(x, y)


def train(model, rng, seconds, batch=48, temperature=0.1):
    opt = tf.keras.optimizers.Adam(2e-3)

    @tf.function
    def step(a, b):
        with tf.GradientTape() as tape:
            za = tf.math.l2_normalize(model(a, training=True), axis=1)
            zb = tf.math.l2_normalize(model(b, training=True), axis=1)
            logits = tf.matmul(za, zb, transpose_b=True) / temperature
            labels = tf.range(tf.shape(a)[0])
            loss = tf.reduce_mean(
                tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
                + tf.keras.losses.sparse_categorical_crossentropy(
                    labels, tf.transpose(logits), from_logits=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    start = time.time()
    n = 0
    while time.time() - start < seconds:
        ids = [identity(rng) for _ in range(batch)]
        a = np.stack([to_input(perturb(rng, i)) for i in ids])
        b = np.stack([to_input(perturb(rng, i)) for i in ids])
        loss = float(step(a, b))
        n += 1
        if n % 25 == 0:
            print(f"step {n}: loss {loss:.3f} ({time.time() - start:.0f} s)", file=sys.stderr)
    print(f"trained {n} steps in {time.time() - start:.0f} s", file=sys.stderr)


def convert(model, rng, side=SIDE):
    def rep():
        for k in range(64):
            img = identity(rng) if k % 2 else perturb(rng, identity(rng))
            img = img[:side, :side]
            if k == 0:
                # Pin the calibrated input range to [-1, 127/128]: scale 1/128, zero point 0.
                img = img.copy()
                img[0, 0], img[0, 1] = 0, 255
            yield [to_input(img)[None]]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = rep
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    return conv.convert()


class Reference:
    def __init__(self, model, side=SIDE):
        self.side = side
        self.it = Interpreter(model_content=model,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
        self.it.allocate_tensors()
        (self.inp,) = self.it.get_input_details()
        (self.out,) = self.it.get_output_details()
        scale, zp = self.inp["quantization"]
        assert abs(scale - 1 / 128) < 1e-9 and zp == 0, ("input quantization", scale, zp)

    def __call__(self, pixels):
        q = (np.asarray(pixels, np.int16) - 128).astype(np.int8).reshape(1, self.side, self.side, 1)
        self.it.set_tensor(self.inp["index"], q)
        self.it.invoke()
        return self.it.get_tensor(self.out["index"]).reshape(-1).copy()


def cosine(e, t):
    e, t = e.astype(np.float64), t.astype(np.float64)
    return float(e @ t / np.sqrt((e @ e) * (t @ t)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--seed", type=int, default=20261213)
    ap.add_argument("--train-seconds", type=float, default=240)
    ap.add_argument("--tiny", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.tiny:
        rng = np.random.default_rng(args.seed)
        tfl = convert(build_tiny(args.seed), rng, TINY)
        with open(os.path.join(args.out_dir, "face_tiny.tflite"), "wb") as f:
            f.write(tfl)
        ref = Reference(tfl, TINY)
        faces = np.stack([np.round(identity(rng))[:TINY, :TINY] for _ in range(4)]).astype(np.uint8)
        np.save(os.path.join(args.out_dir, "tiny_faces.npy"), faces)
        np.save(os.path.join(args.out_dir, "tiny_embeddings.npy"), np.stack([ref(f) for f in faces]))
        return
    tf.random.set_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = build()
    train(model, rng, args.train_seconds)
    tfl = convert(model, rng)
    with open(os.path.join(args.out_dir, "face_dev.tflite"), "wb") as f:
        f.write(tfl)
    ref = Reference(tfl)

    # Samples (committed) and a larger held-out evaluation (printed only).
    sample_rng = np.random.default_rng(args.seed + 1)
    faces = []
    for _ in range(IDS):
        base = np.round(identity(sample_rng))
        faces.append(base)
        faces += [perturb(sample_rng, base) for _ in range(VIEWS - 1)]
    faces = np.stack(faces).astype(np.uint8)
    np.save(os.path.join(args.out_dir, "faces.npy"), faces)
    np.save(os.path.join(args.out_dir, "embeddings.npy"), np.stack([ref(f) for f in faces]))

    eval_rng = np.random.default_rng(args.seed + 2)
    genuine, impostor = [], []
    enrolled = []
    for _ in range(200):
        base = np.round(identity(eval_rng))
        e = ref(base)
        genuine += [cosine(e, ref(perturb(eval_rng, base))) for _ in range(3)]
        enrolled.append(e)
    for i in range(len(enrolled)):
        for j in range(i + 1, len(enrolled)):
            impostor.append(cosine(enrolled[i], enrolled[j]))
    g, im = np.array(genuine), np.array(impostor)
    print(f"held-out genuine ({len(g)}): min {g.min():.4f} p1 {np.percentile(g, 1):.4f} "
          f"median {np.median(g):.4f}", file=sys.stderr)
    print(f"held-out impostor ({len(im)}): max {im.max():.4f} p99 {np.percentile(im, 99):.4f} "
          f"median {np.median(im):.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
