//! The interpreter's speed on the ~20k-requantized-element model (`model_bench.tflite`: 64x64x1
//! input, Conv 4x4/s4 1->32 ReLU, four 3x3 convs, MEAN, FC 128->128). A measurement, not a check:
//! `cargo test -p zkbio-circuits --release --test tflite_speed -- --ignored --nocapture`.

use std::path::Path;
use std::time::Instant;
use zkbio_circuits::models::tflite::{npy, run, Model};

#[test]
#[ignore = "measurement; run with --ignored --nocapture"]
fn interpreter_speed_on_the_bench_model() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tflite");
    let bytes = std::fs::read(dir.join("model_bench.tflite")).unwrap();
    let t = Instant::now();
    let model = Model::from_bytes(&bytes).unwrap();
    let load = t.elapsed();
    let input = match npy::read(&std::fs::read(dir.join("input_bench.npy")).unwrap())
        .unwrap()
        .data
    {
        npy::NpyData::I8(v) => v,
        _ => panic!("int8 input"),
    };
    let requantized: usize = model
        .ops
        .iter()
        .map(|op| model.requantized_elements(op))
        .sum();
    let mut times = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let out = run(&model, &input).unwrap();
        times.push(t.elapsed());
        assert_eq!(out.output().len(), 128);
    }
    times.sort();
    eprintln!(
        "bench model: {} bytes, {} ops, {requantized} requantized elements; load {load:?}; run median {:?} (min {:?}, max {:?})",
        bytes.len(),
        model.ops.len(),
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}
