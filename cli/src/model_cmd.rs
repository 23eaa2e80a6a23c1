//! `zkbio model inspect|infer`: int8 TFLite models (see `zkbio_circuits::models::tflite`).

use crate::artifacts::io_err;
use clap::Subcommand;
use std::path::{Path, PathBuf};
use zkbio_circuits::models::tflite::circuit::OpCost;
use zkbio_circuits::models::tflite::{
    model::{Quantization, Tensor, Window},
    npy::{self, NpyArray, NpyData},
    run, Model, Op, OpKind,
};

/// `zkbio model …`.
#[derive(Subcommand, Debug)]
pub enum ModelCmd {
    /// Print a model's operators, shapes, quantization, requantized elements and model hash.
    Inspect(InspectArgs),
    /// Run a model on an input with zkbio's exact integer interpreter (bit-exact with LiteRT's
    /// reference kernels).
    Infer(InferArgs),
    /// Check a registered model version: the model file against its pinned hash, the package's
    /// verification key and the deployed verifier against the pinned key hash, and the key's
    /// public inputs against the circuit rebuilt from the model. Exit code 0 if every check
    /// passes, 1 if one fails.
    Audit(crate::model_audit::AuditArgs),
    /// INSECURE development setup for the model statement `[C_in, C_out, binding]`.
    Setup(crate::model_prove::SetupArgs),
    /// Prove the model statement on an input; writes proof.json, public.json, output.npy.
    Prove(crate::model_prove::ProveArgs),
    /// Verify a model statement proof (exit codes as `zkbio verify`: 1 if rejected, 2 if an
    /// input is unusable).
    Verify(crate::model_prove::VerifyModelArgs),
}

/// `zkbio model inspect`.
#[derive(clap::Args, Debug)]
pub struct InspectArgs {
    /// The `.tflite` file (full-integer int8).
    pub model: PathBuf,
}

/// `zkbio model infer`.
#[derive(clap::Args, Debug)]
pub struct InferArgs {
    /// The `.tflite` file (full-integer int8).
    #[arg(long)]
    pub model: PathBuf,
    /// Input tensor: a `.npy` file of int8 in the model input's shape (NHWC).
    #[arg(long)]
    pub input: PathBuf,
    /// Output tensor: written as `.npy`, int8 in the model output's shape (as LiteRT's
    /// `get_tensor` returns it).
    #[arg(long)]
    pub output: PathBuf,
}

/// Runs `zkbio model …`; `Ok(false)` when an audit failed or a proof was rejected (exit code 1).
pub fn run_cmd(c: ModelCmd) -> Result<bool, String> {
    match c {
        ModelCmd::Inspect(a) => inspect(a).map(|()| true),
        ModelCmd::Infer(a) => infer(a).map(|()| true),
        ModelCmd::Audit(a) => crate::model_audit::audit_cmd(a),
        ModelCmd::Setup(a) => crate::model_prove::setup(a).map(|()| true),
        ModelCmd::Prove(a) => crate::model_prove::prove_cmd(a).map(|()| true),
        ModelCmd::Verify(a) => crate::model_prove::verify_model_cmd(a),
    }
}

fn load(path: &Path) -> Result<(Model, usize), String> {
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let model = Model::from_bytes(&bytes).map_err(|e| io_err(path, e))?;
    Ok((model, bytes.len()))
}

fn quant(q: &Option<Quantization>) -> String {
    match q {
        None => "not quantized".into(),
        Some(q) if q.is_per_tensor() => format!("scale {:e} zp {}", q.scale(), q.zero_point()),
        Some(q) => format!("per-channel ({} scales, axis {})", q.scales.len(), q.axis),
    }
}

fn tensor_line(id: usize, t: &Tensor) -> String {
    format!(
        "tensor {id} {:?} {} {:?} {}",
        t.name,
        t.dtype.name(),
        t.shape,
        quant(&t.quant)
    )
}

fn window(w: &Window) -> String {
    let mut s = format!(
        "{}x{}/s{}x{} {:?}",
        w.kernel_h, w.kernel_w, w.stride_h, w.stride_w, w.padding
    );
    if w.dilation_h > 1 || w.dilation_w > 1 {
        s += &format!(" dilation {}x{}", w.dilation_h, w.dilation_w);
    }
    s
}

/// A one-line description of an op's parameters.
fn details(m: &Model, op: &Op) -> String {
    let wq = |id| quant(&m.tensor(id).quant);
    match &op.kind {
        OpKind::Conv2d(o) => format!(
            "{} {}, filter {:?} {}",
            window(&o.window),
            o.activation.name(),
            m.tensor(o.filter).shape,
            wq(o.filter)
        ),
        OpKind::DepthwiseConv2d(o) => format!(
            "{} x{} {}, filter {:?} {}",
            window(&o.window),
            o.depth_multiplier,
            o.activation.name(),
            m.tensor(o.filter).shape,
            wq(o.filter)
        ),
        OpKind::FullyConnected(o) => format!(
            "{}->{} x{} {}, weights {}",
            o.accum_depth,
            o.out_depth,
            o.batches,
            o.activation.name(),
            wq(o.weights)
        ),
        OpKind::Add(o) => o.activation.name().to_owned(),
        OpKind::AveragePool2d(o) | OpKind::MaxPool2d(o) => {
            format!("{} {}", window(&o.window), o.activation.name())
        }
        OpKind::Mean(o) => format!("over {} (keep_dims {})", o.count, o.keep_dims),
        OpKind::Reshape(_) => String::new(),
        OpKind::Pad(o) => format!("{:?}", o.paddings),
        OpKind::Concatenation(o) => format!("{} inputs, axis {}", o.inputs.len(), o.axis),
    }
}

/// Constraints of an op's circuit, from the compiler's cost table.
fn constraints(costs: &[OpCost], op: &Op) -> Option<usize> {
    costs
        .iter()
        .find(|c| c.index == op.index)
        .map(|c| c.constraints)
}

fn inspect(a: InspectArgs) -> Result<(), String> {
    let (m, len) = load(&a.model)?;
    let costs = crate::model_prove::op_costs(&m)?;
    println!("model {} ({len} bytes)", a.model.display());
    println!("model hash 0x{}", hex::encode(m.hash));
    println!("input  {}", tensor_line(m.input.0, m.input_tensor()));
    println!("output {}", tensor_line(m.output.0, m.output_tensor()));
    println!(
        "{:>4}  {:<18} {:<18} {:>12} {:>11}  details",
        "op", "name", "output shape", "requantized", "constraints"
    );
    let mut total = 0;
    for op in &m.ops {
        let rq = m.requantized_elements(op);
        total += rq;
        let out = m.tensor(op.kind.output());
        println!(
            "{:>4}  {:<18} {:<18} {:>12} {:>11}  {} -> {}; {}",
            op.index,
            op.kind.name(),
            format!("{:?}", out.shape),
            rq,
            constraints(&costs, op).map_or("-".into(), |c| c.to_string()),
            op.kind
                .inputs()
                .iter()
                .map(|i| i.0.to_string())
                .collect::<Vec<_>>()
                .join(","),
            op.kind.output().0,
            details(&m, op)
        );
        if let Some(q) = &out.quant {
            println!("{:>6}output {}", "", quant(&Some(q.clone())));
        }
    }
    println!("requantized elements: {total}");
    let model_constraints = costs.iter().map(|c| c.constraints).sum::<usize>();
    println!(
        "model constraints: {model_constraints} (the statement adds the input range checks and both commitments)"
    );
    crate::output::result(serde_json::json!({
        "command": "model inspect",
        "model": a.model,
        "bytes": len,
        "model_hash": format!("0x{}", hex::encode(m.hash)),
        "ops": m.ops.len(),
        "requantized_elements": total,
        "model_constraints": model_constraints,
    }));
    Ok(())
}

fn infer(a: InferArgs) -> Result<(), String> {
    let (m, _) = load(&a.model)?;
    let bytes = std::fs::read(&a.input).map_err(|e| io_err(&a.input, e))?;
    let x = npy::read(&bytes).map_err(|e| io_err(&a.input, e))?;
    let want = &m.input_tensor().shape;
    let data = match x.data {
        NpyData::I8(v) => v,
        other => {
            return Err(io_err(
                &a.input,
                format!("dtype {}, the model input is int8", other.dtype_name()),
            ))
        }
    };
    if &x.shape != want {
        return Err(io_err(
            &a.input,
            format!("shape {:?}, the model input is {want:?}", x.shape),
        ));
    }
    let y = run(&m, &data).map_err(|e| e.to_string())?.into_output();
    let out = NpyArray {
        shape: m.output_tensor().shape.clone(),
        data: NpyData::I8(y),
    };
    std::fs::write(&a.output, npy::write(&out)).map_err(|e| io_err(&a.output, e))?;
    println!("output written to {}", a.output.display());
    crate::output::result(serde_json::json!({
        "command": "model infer",
        "model": a.model,
        "model_hash": format!("0x{}", hex::encode(m.hash)),
        "output": a.output,
        "shape": out.shape,
    }));
    Ok(())
}
