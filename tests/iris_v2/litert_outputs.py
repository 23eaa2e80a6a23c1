"""ai-edge-litert 2.3's reference-kernel outputs of an iris v2 model on uint8 images.

Usage: litert_outputs.py MODEL.tflite IMAGES.npy OUT.npy

IMAGES.npy is uint8 [N, rows, cols]; each pixel p is fed as the int8 value q = p - 128 (the
model's input mapping, docs/IRIS.md). OUT.npy is int8 [N, code_rows, code_cols, channels],
exactly what `Interpreter.get_tensor` returns for the output (BUILTIN_REF). Used by
circuits/tests/iris_v2_litert.rs; run with the tflite venv (tests/tflite/requirements.txt).
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402


def main():
    model_path, images_path, out_path = sys.argv[1:4]
    with open(model_path, "rb") as f:
        model = f.read()
    it = Interpreter(model_content=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    (inp,) = it.get_input_details()
    (out,) = it.get_output_details()
    images = np.load(images_path)
    assert images.dtype == np.uint8, images.dtype
    outputs = []
    for img in images:
        q = (img.astype(np.int16) - 128).astype(np.int8).reshape(inp["shape"])
        it.set_tensor(inp["index"], q)
        it.invoke()
        outputs.append(it.get_tensor(out["index"])[0].copy())
    np.save(out_path, np.stack(outputs))


if __name__ == "__main__":
    main()
