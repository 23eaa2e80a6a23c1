//! Iris-code inference speed: open-iris's default model on a 128 x 512 normalized iris.
//!
//! `cargo bench -p zkbio-core --bench iris_inference`

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use zkbio_core::iris::{IrisEngine, IrisModel, NormalizedIris};

/// A random-looking iris with a few masked-out rows (eyelid) and scattered holes (reflections).
fn iris(model: &IrisModel) -> NormalizedIris {
    let (rows, cols) = (model.image_rows(), model.image_cols());
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let image = (0..rows * cols).map(|_| next() as u8).collect();
    let mask = (0..rows * cols)
        .map(|i| i / cols < rows - 10 && next() % 100 != 0)
        .collect();
    NormalizedIris::new(model, image, mask).expect("sizes match the model")
}

fn bench(c: &mut Criterion) {
    let model = IrisModel::open_iris_v0_1();
    let engine = IrisEngine::new(&model);
    let input = iris(&model);
    c.bench_function("iris_code_open_iris_v0_1", |b| {
        b.iter(|| engine.infer(black_box(&input)).expect("valid input"))
    });
    let full = NormalizedIris::new(
        &model,
        input.image().to_vec(),
        vec![true; input.mask().len()],
    )
    .expect("sizes match the model");
    c.bench_function("iris_code_open_iris_v0_1_unmasked", |b| {
        b.iter(|| engine.infer(black_box(&full)).expect("valid input"))
    });
    c.bench_function("iris_engine_new", |b| {
        b.iter(|| IrisEngine::new(black_box(&model)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
