//! Differential test: zkbio's integer interpreter against ai-edge-litert 2.3's reference kernels
//! (`OpResolverType.BUILTIN_REF`), which produced every `output_*.npy`.
//!
//! Two vector sets, each a directory of `model_K.tflite`, `input_K.npy`, `output_K.npy`
//! (made by `tests/tflite/gen_models.py`):
//! - the committed fixtures, `circuits/tests/data/tflite` (always checked, no Python needed);
//! - the directory named by `ZKBIO_TFLITE_VECTORS` (`scripts/test.sh` generates it; skipped with
//!   a note when unset).
//!
//! Every output must be equal, element for element, with the shape and dtype LiteRT returned.

use std::path::{Path, PathBuf};
use zkbio_circuits::models::tflite::{
    npy::{self, NpyData},
    run, Model, OpKind,
};

fn cases(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            Some(
                name.strip_prefix("model_")?
                    .strip_suffix(".tflite")?
                    .to_owned(),
            )
        })
        .collect();
    names.sort();
    names
}

fn read_i8(path: &Path) -> (Vec<usize>, Vec<i8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let a = npy::read(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match a.data {
        NpyData::I8(v) => (a.shape, v),
        other => panic!(
            "{}: dtype {}, expected int8",
            path.display(),
            other.dtype_name()
        ),
    }
}

/// Check every case in `dir`; returns the number of cases and the op names they covered.
fn check_dir(dir: &Path) -> (usize, std::collections::BTreeSet<&'static str>) {
    let names = cases(dir);
    let mut ops = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for name in &names {
        let bytes = std::fs::read(dir.join(format!("model_{name}.tflite"))).unwrap();
        let model = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("model_{name}: {e}"));
        for op in &model.ops {
            ops.insert(op.kind.name());
        }
        let (in_shape, input) = read_i8(&dir.join(format!("input_{name}.npy")));
        assert_eq!(
            in_shape,
            model.input_tensor().shape,
            "model_{name}: input shape"
        );
        let (out_shape, expected) = read_i8(&dir.join(format!("output_{name}.npy")));
        assert_eq!(
            out_shape,
            model.output_tensor().shape,
            "model_{name}: output shape"
        );
        let trace = run(&model, &input).unwrap();
        let got = trace.output();
        let diff = got.iter().zip(&expected).filter(|(a, b)| a != b).count();
        if got.len() != expected.len() || diff > 0 {
            let first = got.iter().zip(&expected).position(|(a, b)| a != b);
            failures.push(format!(
                "model_{name}: {diff} of {} outputs differ (first at {first:?}); ops {:?}",
                expected.len(),
                model.ops.iter().map(|o| o.kind.name()).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from LiteRT:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
    (names.len(), ops)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tflite")
}

#[test]
fn committed_fixtures_match_litert_exactly() {
    let (n, ops) = check_dir(&fixtures());
    assert!(n >= 8, "only {n} fixtures");
    // The fixture set covers every supported operator.
    for op in [
        "CONV_2D",
        "DEPTHWISE_CONV_2D",
        "FULLY_CONNECTED",
        "ADD",
        "AVERAGE_POOL_2D",
        "MAX_POOL_2D",
        "MEAN",
        "RESHAPE",
        "PAD",
        "CONCATENATION",
    ] {
        assert!(ops.contains(op), "no fixture has {op}: {ops:?}");
    }
}

#[test]
fn generated_vectors_match_litert_exactly() {
    let Some(dir) = std::env::var_os("ZKBIO_TFLITE_VECTORS") else {
        eprintln!("note: ZKBIO_TFLITE_VECTORS is not set; skipping the generated LiteRT vectors (scripts/test.sh sets it)");
        return;
    };
    let (n, ops) = check_dir(Path::new(&dir));
    assert!(n > 0, "no cases in {}", Path::new(&dir).display());
    eprintln!("{n} generated cases equal LiteRT; ops covered: {ops:?}");
}

#[test]
fn fixtures_cover_every_fused_activation_and_window_option() {
    use zkbio_circuits::models::tflite::model::{FusedActivation, Padding};
    let mut acts = std::collections::BTreeSet::new();
    let (
        mut same,
        mut valid,
        mut strided,
        mut dilated,
        mut multiplier,
        mut per_channel,
        mut per_tensor,
    ) = (false, false, false, false, false, false, false);
    for name in cases(&fixtures()) {
        let bytes = std::fs::read(fixtures().join(format!("model_{name}.tflite"))).unwrap();
        let m = Model::from_bytes(&bytes).unwrap();
        for op in &m.ops {
            let (act, window, filter) = match &op.kind {
                OpKind::Conv2d(o) => (o.activation, Some(o.window), Some(o.filter)),
                OpKind::DepthwiseConv2d(o) => {
                    multiplier |= o.depth_multiplier > 1;
                    (o.activation, Some(o.window), Some(o.filter))
                }
                OpKind::FullyConnected(o) => (o.activation, None, Some(o.weights)),
                _ => continue,
            };
            acts.insert(act.name());
            if let Some(w) = window {
                same |= w.padding == Padding::Same;
                valid |= w.padding == Padding::Valid;
                strided |= w.stride_h > 1 || w.stride_w > 1;
                dilated |= w.dilation_h > 1 || w.dilation_w > 1;
            }
            if let Some(f) = filter {
                let q = m.tensor(f).quant.as_ref().unwrap();
                per_channel |= !q.is_per_tensor();
                per_tensor |= q.is_per_tensor();
            }
        }
    }
    for a in [
        FusedActivation::None,
        FusedActivation::Relu,
        FusedActivation::Relu6,
        FusedActivation::ReluN1To1,
    ] {
        assert!(
            acts.contains(a.name()),
            "no fixture op has fused {}: {acts:?}",
            a.name()
        );
    }
    assert!(same && valid && strided && dilated && multiplier && per_channel && per_tensor);
}
