"""Random full-integer int8 TFLite models and their LiteRT reference outputs.

Usage: gen_models.py OUT_DIR [--random N] [--seed S] [--no-fixtures] [--bench] [--bad]
                     [--short-mantissa]

Writes, for each case k, `model_k.tflite`, `input_k.npy` (int8, the model input's shape) and
`output_k.npy` (int8, exactly what `Interpreter.get_tensor` returns for the output), where the
output comes from ai-edge-litert's reference kernels (`OpResolverType.BUILTIN_REF`). Models
are made with tensorflow-cpu's TFLiteConverter (full-integer quantization from a
representative dataset, int8 input and output). The cases are:

- the fixed "fixture" specs (one or more per supported op and option: paddings, strides,
  dilations, depth multipliers, per-tensor and per-channel weights, every fused activation),
  named `model_fNN`; the committed set under circuits/tests/data/tflite was made with
  `gen_models.py circuits/tests/data/tflite --random 0`;
- `--random N` random compositions of those ops, named `model_rNN`;
- `--bench`: the ~20k-requantized-element speed model (64x64x1 input, Conv 4x4/s4 1->32 ReLU,
  four 3x3 convs, MEAN, FC 128->128), `model_bench`;
- `--short-mantissa`: every model written (and `--bench`'s, as `model_bench_sm`, next to the
  plain one) gets "short-mantissa" scales after conversion (see `short_mantissa`): activation
  scales snapped to powers of two, weight scales to 8-bit mantissas, weights and biases
  re-rounded. Requantization multipliers then have >= 23 trailing zero bits (the research
  notes' "short-mantissa" lever); the outputs still come from LiteRT. The committed
  `model_bench_sm` (with its input and output) is the one of
  `gen_models.py OUT --random 0 --bench --short-mantissa`, whose `model_bench` is byte-identical
  to the committed plain one;
- `--bad`: models zkbio must refuse (`bad_float.tflite`, `bad_logistic.tflite`,
  `bad_uint8_io.tflite`), without vectors.

Inputs are random int8 values with a share of the extremes -128 and 127. Everything is
seeded, so a run is reproducible for a given TensorFlow version.
"""

import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

ACTS = ["none", "relu", "relu6", "relu_n1"]


def activation(x, act):
    if act == "relu":
        return tf.nn.relu(x)
    if act == "relu6":
        return tf.nn.relu6(x)
    if act == "relu_n1":
        return tf.minimum(tf.maximum(x, -1.0), 1.0)
    return x


class Builder:
    """Float layers with random constant weights; each output channel gets its own weight
    magnitude so per-channel scales differ."""

    def __init__(self, rng):
        self.rng = rng

    def weights(self, shape, out_axis):
        w = self.rng.normal(size=shape).astype(np.float32)
        spread = self.rng.uniform(0.05, 2.0, size=shape[out_axis]).astype(np.float32)
        bshape = [1] * len(shape)
        bshape[out_axis] = shape[out_axis]
        fan_in = np.prod(shape) / shape[out_axis]
        return (w * spread.reshape(bshape) / np.sqrt(fan_in)).astype(np.float32)

    def bias(self, n):
        return self.rng.normal(scale=0.3, size=n).astype(np.float32)

    def conv(self, x, cout, k, stride=1, padding="SAME", dilation=1, act="none", bias=True):
        cin = x.shape[-1]
        stride = (stride, stride) if isinstance(stride, int) else stride
        w = tf.constant(self.weights((k[0], k[1], cin, cout), 3))
        y = tf.nn.conv2d(x, w, strides=[1, stride[0], stride[1], 1], padding=padding,
                         dilations=[1, dilation, dilation, 1])
        if bias:
            y = y + tf.constant(self.bias(cout))
        return activation(y, act)

    def depthwise(self, x, mult, k, stride=1, padding="SAME", dilation=1, act="none"):
        cin = x.shape[-1]
        w = self.weights((k[0], k[1], cin, mult), 2)
        w = tf.constant(w)
        y = tf.nn.depthwise_conv2d(x, w, strides=[1, stride, stride, 1], padding=padding,
                                   dilations=[dilation, dilation])
        y = y + tf.constant(self.bias(cin * mult))
        return activation(y, act)

    def dense(self, x, units, act="none"):
        w = tf.constant(self.weights((x.shape[-1], units), 1))
        y = tf.matmul(x, w) + tf.constant(self.bias(units))
        return activation(y, act)


# Fixture specs: (name, input shape, build(b, x) -> y, options). Options: "per_tensor" disables
# per-channel quantization of conv/depthwise weights, "dense_per_tensor" that of FC weights.
def fixture_specs():
    return [
        ("f00", (1, 9, 9, 2), lambda b, x: b.conv(x, 4, (3, 3), 1, "SAME", act="relu"), ()),
        ("f01", (1, 10, 7, 3), lambda b, x: b.conv(x, 5, (3, 2), (2, 1), "VALID", act="relu6"), ()),
        ("f02", (1, 9, 9, 2), lambda b, x: b.conv(x, 3, (3, 3), 1, "SAME", dilation=2, act="relu_n1"),
         ("per_tensor",)),
        ("f03", (1, 8, 8, 3), lambda b, x: b.conv(x, 4, (2, 2), 2, "SAME", act="none", bias=False), ()),
        ("f04", (1, 8, 8, 3), lambda b, x: b.depthwise(x, 2, (3, 3), 1, "SAME", act="relu"), ()),
        ("f05", (1, 9, 9, 4), lambda b, x: b.depthwise(x, 1, (3, 3), 2, "VALID", act="relu6"),
         ("per_tensor",)),
        ("f06", (1, 9, 9, 2), lambda b, x: b.depthwise(x, 3, (3, 3), 1, "VALID", dilation=2, act="none"), ()),
        ("f07", (1, 24), lambda b, x: b.dense(x, 10, act="relu"), ()),
        ("f08", (1, 16), lambda b, x: b.dense(x, 8, act="none"), ("dense_per_tensor",)),
        ("f09", (1, 7, 7, 3), lambda b, x: tf.nn.avg_pool2d(b.conv(x, 4, (3, 3), act="relu"), 3, 2, "SAME"), ()),
        ("f10", (1, 8, 8, 3), lambda b, x: tf.nn.max_pool2d(b.conv(x, 4, (1, 1), act="none"), 2, 2, "VALID"), ()),
        ("f11", (1, 7, 9, 3), lambda b, x: tf.nn.max_pool2d(b.conv(x, 3, (1, 1)), 3, 2, "SAME"), ()),
        ("f12", (1, 6, 6, 4), lambda b, x: b.dense(tf.reduce_mean(b.conv(x, 8, (3, 3), act="relu"), axis=[1, 2]), 6), ()),
        ("f13", (1, 6, 6, 2), lambda b, x: b.conv(x, 2, (3, 3), act="none") + b.conv(x, 2, (1, 1), act="none"), ()),
        ("f14", (1, 6, 6, 2), lambda b, x: tf.concat([b.conv(x, 2, (3, 3), act="relu"), b.conv(x, 3, (1, 1), act="relu")], axis=3), ()),
        ("f15", (1, 5, 5, 2), lambda b, x: b.conv(tf.pad(b.conv(x, 3, (1, 1)), [[0, 0], [1, 2], [2, 1], [0, 0]]), 2, (3, 3), padding="VALID"), ()),
        ("f16", (1, 4, 4, 2), lambda b, x: b.dense(tf.reshape(b.conv(x, 3, (3, 3), act="relu"), [1, 48]), 5, act="relu6"), ()),
        ("f17", (1, 5, 5, 3), lambda b, x: tf.reduce_mean(b.conv(x, 4, (3, 3), act="relu6"), axis=[1, 2], keepdims=True), ()),
        # Many FULLY_CONNECTED outputs without a clamp at zero: ai-edge-litert >= 1.3 requantizes
        # FC in double precision, and these tell that apart from MultiplyByQuantizedMultiplier.
        ("f18", (48, 32), lambda b, x: b.dense(x, 64, act="none"), ()),
        ("f19", (48, 32), lambda b, x: b.dense(x, 64, act="relu_n1"), ("dense_per_tensor",)),
    ]


def random_spec(rng, k):
    """A random composition: a conv stem, 1-3 random layers, an optional head."""
    h = int(rng.integers(5, 11))
    w = int(rng.integers(5, 11))
    c = int(rng.integers(1, 4))
    layers = [str(rng.choice(["conv", "dw", "avg", "max", "pad", "add", "concat"])) for _ in range(int(rng.integers(1, 4)))]
    head = str(rng.choice(["none", "mean_fc", "flat_fc", "mean"]))
    per_tensor = bool(rng.random() < 0.3)
    dense_pt = bool(rng.random() < 0.5)
    seed = int(rng.integers(1 << 31))

    def build(b, x):
        r = np.random.default_rng(seed)
        act = lambda: ACTS[int(r.integers(4))]  # noqa: E731
        pad = lambda: "SAME" if r.random() < 0.5 else "VALID"  # noqa: E731
        x = b.conv(x, int(r.integers(2, 6)), (int(r.integers(1, 4)), int(r.integers(1, 4))), 1, "SAME", act=act())
        for layer in layers:
            small = min(x.shape[1], x.shape[2]) < 4
            if layer == "conv":
                dil = 1 if small or r.random() < 0.6 else 2
                stride = 1 if dil > 1 or small else int(r.integers(1, 3))
                x = b.conv(x, int(r.integers(2, 7)), (int(r.integers(1, 4)), int(r.integers(1, 4))), stride, "SAME" if small else pad(), dilation=dil, act=act())
            elif layer == "dw":
                dil = 1 if small or r.random() < 0.6 else 2
                stride = 1 if dil > 1 or small else int(r.integers(1, 3))
                x = b.depthwise(x, int(r.integers(1, 3)), (3, 3), stride, "SAME" if small else pad(), dilation=dil, act=act())
            elif layer == "avg" and not small:
                x = tf.nn.avg_pool2d(x, int(r.integers(2, 4)), int(r.integers(1, 3)), pad())
            elif layer == "max" and not small:
                x = tf.nn.max_pool2d(x, int(r.integers(2, 4)), int(r.integers(1, 3)), pad())
            elif layer == "pad":
                p = [[0, 0], [int(r.integers(0, 3)), int(r.integers(0, 3))], [int(r.integers(0, 3)), int(r.integers(0, 3))], [0, 0]]
                x = tf.pad(x, p)
            elif layer == "add":
                x = b.conv(x, x.shape[-1], (3, 3), act="none") + b.conv(x, x.shape[-1], (1, 1), act=act())
            elif layer == "concat":
                x = tf.concat([x, b.conv(x, int(r.integers(1, 4)), (1, 1), act=act())], axis=3)
        if head == "mean_fc":
            x = b.dense(tf.reduce_mean(x, axis=[1, 2]), int(r.integers(2, 9)), act=act())
        elif head == "flat_fc":
            n = int(np.prod(x.shape[1:]))
            x = b.dense(tf.reshape(x, [1, n]), int(r.integers(2, 9)), act=act())
        elif head == "mean":
            x = tf.reduce_mean(x, axis=[1, 2], keepdims=bool(r.random() < 0.5))
        return x

    opts = (("per_tensor",) if per_tensor else ()) + (("dense_per_tensor",) if dense_pt else ())
    return (f"r{k:02d}", (1, h, w, c), build, opts)


def bench_spec():
    def build(b, x):
        x = b.conv(x, 32, (4, 4), 4, "VALID", act="relu")
        x = b.conv(x, 64, (3, 3), 2, "SAME", act="relu")
        x = b.conv(x, 64, (3, 3), 1, "SAME", act="relu")
        x = b.conv(x, 128, (3, 3), 2, "SAME", act="relu")
        x = b.conv(x, 128, (3, 3), 1, "SAME", act="relu")
        x = tf.reduce_mean(x, axis=[1, 2])
        return b.dense(x, 128)

    return ("bench", (1, 64, 64, 1), build, ())


def convert(spec, seed, *, quantize=True, io_type=tf.int8):
    name, shape, build, opts = spec
    b = Builder(np.random.default_rng(seed))

    class M(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
        def f(self, x):
            return build(b, x)

    m = M()
    fn = m.f.get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([fn], m)
    if quantize:
        rep_rng = np.random.default_rng(seed + 1)

        def rep():
            for _ in range(16):
                yield [rep_rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)]

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = rep
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = io_type
        conv.inference_output_type = io_type
        if "per_tensor" in opts:
            conv._experimental_disable_per_channel = True
        if "dense_per_tensor" in opts:
            conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    return conv.convert()


SM_MANTISSA_BITS = 8
# Builtin codes whose input 1 is an int8 weight tensor and input 2 an int32 bias.
WEIGHTED_OPS = {3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 9: "FULLY_CONNECTED"}


def pow2_scale(s):
    """The power of two nearest to `s` in log scale (exact in float32)."""
    return float(2.0 ** np.round(np.log2(s)))


def mantissa_scale(s, bits=SM_MANTISSA_BITS):
    """The smallest `m·2^e >= s` with an odd-or-short `m < 2^bits`: rounding up keeps every
    re-rounded weight within [-127, 127]."""
    e = int(np.floor(np.log2(s))) - (bits - 1)
    m = int(np.ceil(s / 2.0 ** e))
    if m >= 1 << bits:
        m, e = m // 2 + (m % 2), e + 1
    return float(np.float32(m * 2.0 ** e))


def short_mantissa(model_bytes):
    """Rewrites a converted int8 model with short-mantissa scales (weights and biases
    re-rounded to the new scales, zero points kept), so the converter's model is only the
    starting point: the result is still a valid full-integer TFLite model, and its reference
    outputs are taken from LiteRT like any other. Every INT8 tensor that is not a weight gets a
    power-of-two scale (a function of its old scale, so tensors that had to share parameters
    still do); weight scales get 8-bit mantissas."""
    from tensorflow.lite.python import schema_py_generated as fb
    import flatbuffers

    m = fb.ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)
    g = m.subgraphs[0]
    codes = [max(c.builtinCode, c.deprecatedBuiltinCode) for c in m.operatorCodes]
    weights, biases = {}, {}
    for op in g.operators:
        if codes[op.opcodeIndex] in WEIGHTED_OPS:
            weights[int(op.inputs[1])] = op
            if len(op.inputs) > 2 and op.inputs[2] >= 0:
                biases[int(op.inputs[2])] = (int(op.inputs[0]), int(op.inputs[1]))
    old = {i: np.array(t.quantization.scale, dtype=np.float64)
           for i, t in enumerate(g.tensors) if t.quantization is not None and t.quantization.scale is not None}
    new = {}
    for i, t in enumerate(g.tensors):
        if i not in old:
            continue
        if i in weights:
            new[i] = np.array([mantissa_scale(s) for s in old[i]], dtype=np.float64)
        elif t.type == fb.TensorType.INT8:
            new[i] = np.array([pow2_scale(s) for s in old[i]], dtype=np.float64)
    for i, t in enumerate(g.tensors):
        if i in weights:
            buf = m.buffers[t.buffer]
            q = t.quantization
            w = np.frombuffer(bytes(bytearray(buf.data)), dtype=np.int8).astype(np.float64)
            axis = q.quantizedDimension
            shape = list(t.shape)
            w = w.reshape(shape)
            bshape = [1] * len(shape)
            bshape[axis] = len(old[i])
            ratio = (old[i] / new[i]).reshape(bshape) if len(old[i]) > 1 else old[i][0] / new[i][0]
            w2 = np.clip(np.round(w * ratio), -127, 127).astype(np.int8)
            buf.data = list(w2.tobytes())
        if i in biases:
            xin, wt = biases[i]
            buf = m.buffers[t.buffer]
            b = np.frombuffer(bytes(bytearray(buf.data)), dtype=np.int32).astype(np.float64)
            s_old = old[xin][0] * old[wt]
            s_new = new[xin][0] * new[wt]
            b2 = np.round(b * s_old / s_new)
            b2 = np.clip(b2, -(2**31), 2**31 - 1).astype(np.int32)
            buf.data = list(b2.tobytes())
            t.quantization.scale = [float(np.float32(v)) for v in s_new] if len(s_new) > 1 else [float(np.float32(s_new[0]))]
        if i in new:
            t.quantization.scale = [float(v) for v in new[i]]
    builder = flatbuffers.Builder(len(model_bytes) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def random_input(rng, shape):
    x = rng.integers(-128, 128, size=shape)
    extremes = rng.random(size=shape) < 0.25
    x[extremes] = rng.choice([-128, 127], size=int(extremes.sum()))
    return x.astype(np.int8)


def reference(model, x):
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    (inp,) = it.get_input_details()
    (out,) = it.get_output_details()
    assert inp["dtype"] == np.int8 and tuple(inp["shape"]) == x.shape, (inp, x.shape)
    it.set_tensor(inp["index"], x)
    it.invoke()
    return it.get_tensor(out["index"])


def write_case(out_dir, name, model, rng, shape):
    with open(os.path.join(out_dir, f"model_{name}.tflite"), "wb") as f:
        f.write(model)
    x = random_input(rng, shape)
    np.save(os.path.join(out_dir, f"input_{name}.npy"), x)
    np.save(os.path.join(out_dir, f"output_{name}.npy"), reference(model, x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--random", type=int, default=40)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--no-fixtures", action="store_true")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--short-mantissa", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    specs = [] if args.no_fixtures else fixture_specs()
    specs += [random_spec(rng, k) for k in range(args.random)]
    if args.bench:
        specs.append(bench_spec())
    for i, spec in enumerate(specs):
        model = convert(spec, args.seed + 7919 * i)
        if args.short_mantissa:
            if spec[0] == "bench":
                # The plain bench model too (the same bytes and input as without the option),
                # for the two-way table.
                write_case(args.out_dir, spec[0], model, rng, spec[1])
                spec = ("bench_sm",) + spec[1:]
            model = short_mantissa(model)
        write_case(args.out_dir, spec[0], model, rng, spec[1])
    if args.bad:
        float_spec = ("bad_float", (1, 6, 6, 2), lambda b, x: b.conv(x, 2, (3, 3), act="relu"), ())
        with open(os.path.join(args.out_dir, "bad_float.tflite"), "wb") as f:
            f.write(convert(float_spec, 1, quantize=False))
        logistic = ("bad_logistic", (1, 6, 6, 2), lambda b, x: tf.sigmoid(b.conv(x, 2, (3, 3))), ())
        with open(os.path.join(args.out_dir, "bad_logistic.tflite"), "wb") as f:
            f.write(convert(logistic, 2))
        u8 = ("bad_uint8_io", (1, 6, 6, 2), lambda b, x: b.conv(x, 2, (3, 3), act="relu"), ())
        with open(os.path.join(args.out_dir, "bad_uint8_io.tflite"), "wb") as f:
            f.write(convert(u8, 3, io_type=tf.uint8))
    print(f"wrote {len(specs)} cases to {args.out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
