//! `zkbio demo`: the whole spine on the embedded default, phase by phase.

mod face;
mod iris_v2;
mod key_cache;

use crate::artifacts::{seed_from_text, write_proof, write_public, write_vk};
use crate::report::{fmt_duration, phase, ConsoleProgress, Measured};
use crate::statement::{InputArgs, Statement};
use ark_bn254::{Bn254, Fr};
use key_cache::KeyCache;
use serde_json::json;
use std::path::PathBuf;
use zkbio_circuits::circom::{r1cs as r1cs_file, wtns};
use zkbio_circuits::models::iris::IrisModel;
use zkbio_core::evm;
use zkbio_core::evm::{EmbeddedEvm, EvmError};
use zkbio_core::groth16::zkey_convert::to_zkey;
use zkbio_core::groth16::{prove, verify};
use zkbio_core::groth16::{KeyOrigin, Proof, VerifyingKey};
use zkbio_core::registry::BiometricRegistry as R;
use zkbio_core::registry::{
    binding, create_address, Address, EmbeddedRegistry, LocalSigner, ModelKind, Revert,
    ScannerSignature, B256, U256,
};

/// Options of `zkbio demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Statement to run (default: Proof 1 with the open-iris v0.1 model at full size).
    #[arg(long, default_value = "iris")]
    pub circuit: Statement,
    /// Also leave circuit.r1cs, witness.wtns, circuit.zkey, verification_key.json, proof.json and
    /// public.json (snarkjs formats) in this directory; the iris statements also leave
    /// face-embedding/ and face-match/, each with verification_key.json, proof.json and
    /// public.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Face model of the face steps (iris statements): `dev` (face_dev.tflite, 64x64, 128-d;
    /// the default with `--circuit iris`) or `tiny` (face_tiny.tflite, 8x8; the default with
    /// `--circuit iris-scaled`).
    #[arg(long, value_parser = ["dev", "tiny"])]
    pub face_model: Option<String>,
    /// Seed text of the INSECURE development setup.
    #[arg(long, default_value = "zkbio demo")]
    pub seed: String,
    /// Redo the development setups instead of reusing the keys cached by an earlier run
    /// (under $XDG_CACHE_HOME/zkbio/demo-keys, else ~/.cache/zkbio/demo-keys; an entry is reused
    /// only for the same circuit and seed, and only if its digest still holds).
    #[arg(long)]
    pub fresh: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs the demo; `Err` carries a message for the user.
pub fn run(args: DemoArgs) -> Result<(), String> {
    let stmt = args.circuit;
    let (rows, cols) = stmt.image_size();
    println!("zkbio demo: {stmt}");
    println!("  statement: {}", stmt.describe());
    println!("  input: the embedded synthetic sample (no real biometric data ships with zkbio)");
    println!(
        "  WARNING: the setup is the INSECURE development setup (seeded toxic waste): demo only"
    );
    let dir = match &args.out {
        Some(d) => d.clone(),
        None => std::env::temp_dir().join(format!("zkbio-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut phases: Vec<Measured> = Vec::new();

    let (r1cs, m) = phase("1. synthesize circuit (R1CS)", || stmt_r1cs(&stmt));
    let r1cs = r1cs?;
    phases.push(m);
    println!(
        "     {} constraints, {} wires, {} public inputs, domain 2^{}",
        r1cs.constraints.len(),
        r1cs.n_wires,
        r1cs.n_public,
        r1cs.domain_size().trailing_zeros()
    );

    let cache = KeyCache::from_env(args.fresh);
    let (key, key_path) = cache.dev_key(
        "2. dev setup (INSECURE)",
        &r1cs,
        seed_from_text(&args.seed),
        &dir.join("circuit.zpk"),
        &mut phases,
    )?;
    let size = std::fs::metadata(&key_path)
        .map_err(|e| format!("{}: {e}", key_path.display()))?
        .len();
    println!(
        "  3. proving key (.zpk, memory-mapped)          {} ({:.1} MiB)",
        key_path.display(),
        size as f64 / 1048576.0
    );
    // `--out` also leaves the key itself (for `zkbio prove --key`): a copy, not a link, so that
    // editing it cannot change the cached file.
    let out_key = dir.join("circuit.zpk");
    if args.out.is_some() && key_path != out_key {
        std::fs::copy(&key_path, &out_key).map_err(|e| format!("{}: {e}", out_key.display()))?;
    }
    let vk = key.view().verifying_key();
    if args.out.is_some() {
        let (r, m) = phase(
            "   export .r1cs, .zkey, verification_key.json",
            || -> Result<(), String> {
                std::fs::write(
                    dir.join("circuit.r1cs"),
                    r1cs_file::to_bytes(&r1cs).map_err(|e| e.to_string())?,
                )
                .map_err(|e| e.to_string())?;
                let f =
                    std::fs::File::create(dir.join("circuit.zkey")).map_err(|e| e.to_string())?;
                to_zkey(&key.view().to_proving_key(), &r1cs)
                    .write(&mut std::io::BufWriter::new(f))
                    .map_err(|e| e.to_string())?;
                write_vk(
                    &dir.join("verification_key.json"),
                    &vk,
                    KeyOrigin::InsecureDev,
                )
            },
        );
        r?;
        phases.push(m);
    }
    drop(r1cs);

    let (d, m) = phase("   key digest (SHA3-256, one pass)", || key.digest());
    phases.push(m);
    println!("     sha3-256 {}", hex::encode(d));

    // The iris statements end by enrolling in a registry on the embedded EVM, so their proof is
    // bound to it: the registry's address is fixed (the owner's first CREATE) before proving.
    let demo_registry = match &stmt {
        Statement::IrisCode(s) if !args.input.binding_given() => {
            Some(DemoRegistry::new(s.model.model_hash())?)
        }
        _ => None,
    };
    // After enrolling, the iris statements go on to the face steps: the scanner signs the face
    // image's real C_face with C_img. The small iris model pairs with the tiny face model.
    let face = match (&stmt, &demo_registry) {
        (Statement::IrisCode(s), Some(_)) => {
            let tiny = match args.face_model.as_deref() {
                Some(m) => m == "tiny",
                None => s.model.model_hash() == IrisModel::scaled_test_model().model_hash(),
            };
            Some(face::FaceDemo::new(tiny, &args.seed)?)
        }
        _ => None,
    };
    let prepared = args
        .input
        .prepare_bound(&stmt, demo_registry.as_ref().map(|r| r.binding))?;
    if let Some(r) = &demo_registry {
        println!(
            "     binding = registry binding (chain {EMBEDDED_CHAIN_ID}, registry {}, subject {}, nonce 0)",
            r.address,
            r.subject.address()
        );
    }
    if args.out.is_some() && args.input.image.is_none() {
        // Leave the sample as PNGs too, so `zkbio prove --image --mask` can be tried on it.
        let (image, mask) = zkbio_core::sample::synthetic_iris(rows, cols, args.input.sample_seed);
        let mask_px: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
        crate::png_io::write_gray(&dir.join("sample_image.png"), cols, rows, &image)?;
        crate::png_io::write_gray(&dir.join("sample_mask.png"), cols, rows, &mask_px)?;
    }
    let public = prepared.public.clone();
    let (w, m) = phase("5. witness (inference + A/B/C evaluations)", || {
        prepared.witness()
    });
    let w = w?;
    phases.push(m);
    if args.out.is_some() {
        std::fs::write(
            dir.join("witness.wtns"),
            wtns::to_bytes(&w.wires).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
    }
    let mut rng = rand::rngs::OsRng;
    let (proof, m) = phase("6. prove (matrix-free, streamed MSMs)", || {
        prove(&key.view(), w, &mut rng, &ConsoleProgress::new())
    });
    let proof = proof.map_err(|e| e.to_string())?;
    phases.push(m);
    write_proof(&dir.join("proof.json"), &proof)?;
    write_public(&dir.join("public.json"), &public)?;

    let (ok, m) = phase("7. verify (Rust)", || verify(&vk, &proof, &public));
    ok.map_err(|e| format!("our verifier rejected the proof: {e}"))?;
    phases.push(m);
    println!("     accepted");
    for (name, value) in stmt.public_names().iter().zip(&public) {
        println!("     {name:<8} = {value}");
    }

    let (evm_verdict, m) = phase("8. verify (EVM: Groth16Verifier in revm)", || {
        evm::deploy_and_verify(&vk, &proof, &public)
    });
    let v = evm_verdict.map_err(|e| e.to_string())?;
    phases.push(m);
    if !v.accepted {
        return Err("the EVM verifier rejected the proof".into());
    }
    println!("     accepted; verifyProof gas {}", v.gas_used);

    let mut tampered = public.clone();
    tampered[0] += ark_bn254::Fr::from(1u64);
    let rejected = verify(&vk, &proof, &tampered).is_err()
        && !evm::deploy_and_verify(&vk, &proof, &tampered)
            .map_err(|e| e.to_string())?
            .accepted;
    if !rejected {
        return Err("a proof with a changed public input was accepted".into());
    }
    println!("  tampered C_img: rejected by both verifiers");

    let mut upgrade = None;
    match (&stmt, &demo_registry) {
        (Statement::IrisCode(_), Some(reg)) => {
            let mut evm = EmbeddedEvm::new();
            let c_face = face.as_ref().map_or(Fr::from(0u64), face::FaceDemo::c_face);
            let (report, m) = phase("9. enroll via BiometricRegistry (revm)", || {
                registry_step(reg, &mut evm, c_face, &vk, &proof, &public)
            });
            let (registry, report) = report?;
            phases.push(m);
            for line in report {
                println!("     {line}");
            }
            let files = face::FaceFiles {
                dir: &dir,
                out: args.out.is_some(),
                cache: &cache,
            };
            drop(key);
            if let Some(face) = &face {
                face::run(face, reg, &mut evm, &registry, &files, &mut phases)?;
            }
            match (iris_v2::model_for(rows, cols), prepared.iris_input()) {
                (Some(v2), Some(input)) => {
                    let enrolled = iris_v2::Enrolled {
                        input,
                        proof: &proof,
                        public: &public,
                    };
                    let up =
                        iris_v2::run(v2, &enrolled, reg, &mut evm, &registry, &files, &mut phases)?;
                    upgrade = Some(json!({
                        "version": iris_v2::V2_VERSION,
                        "model": v2.1,
                        "model_hash": format!("0x{}", hex::encode(up.model_hash)),
                        "constraints": up.constraints,
                        "c_code": up.c_code.to_string(),
                    }));
                }
                _ => println!(
                    "  iris v2 step skipped: no development TFLite model takes {rows}x{cols} images"
                ),
            }
        }
        (Statement::IrisCode(_), None) => {
            println!("  registry step skipped: --binding was given, so the proof is not bound to the demo registry")
        }
        (Statement::ImageOpening(_), _) => {
            println!("  registry step skipped: the image-opening statement has no registry use")
        }
    }
    let total: std::time::Duration = phases.iter().map(|p| p.time).sum();
    println!(
        "done in {}; artifacts in {}",
        fmt_duration(total),
        dir.display()
    );
    crate::output::result(json!({
        "command": "demo",
        "circuit": stmt.to_string(),
        "dir": args.out.as_ref().map(|_| &dir),
        "public": stmt
            .public_names()
            .iter()
            .zip(&public)
            .map(|(name, value)| (name.to_string(), json!(value.to_string())))
            .collect::<serde_json::Map<_, _>>(),
        "iris_v2": upgrade,
        "seconds": total.as_secs_f64(),
    }));
    if args.out.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}

fn stmt_r1cs(stmt: &Statement) -> Result<zkbio_circuits::builder::R1cs, String> {
    stmt.r1cs()
}

/// Chain id of the embedded EVM (revm's default); the deployed registry's `bindingFor` confirms it.
const EMBEDDED_CHAIN_ID: u64 = 1;

/// The iris model version the demo registers.
const DEMO_VERSION: u32 = 1;

/// The registry the demo's subject enrolls in (iris statements): its accounts, and its address
/// and the subject's binding, fixed before proving.
struct DemoRegistry {
    /// Deploys and administers the registry.
    owner: LocalSigner,
    /// Signs the enrollment (EIP-712).
    scanner: LocalSigner,
    /// The enrolling wallet.
    subject: LocalSigner,
    /// The registry's address: the owner's first contract creation.
    address: Address,
    /// keccak256 of the model's canonical bytes.
    model_hash: B256,
    /// `binding(chain, registry, subject, nonce 0)`: the proof's last public input.
    binding: Fr,
}

impl DemoRegistry {
    fn new(model_hash: [u8; 32]) -> Result<Self, String> {
        let key = |who: &str| {
            LocalSigner::from_bytes(&seed_from_text(&format!("zkbio demo {who}")))
                .map_err(|e| format!("demo {who} key: {e}"))
        };
        let (owner, scanner, subject) = (key("registry owner")?, key("scanner")?, key("subject")?);
        let address = create_address(owner.address(), 0);
        let binding = binding(EMBEDDED_CHAIN_ID, address, subject.address(), U256::ZERO);
        Ok(Self {
            owner,
            scanner,
            subject,
            address,
            model_hash: B256::from(model_hash),
            binding,
        })
    }
}

/// Deploys (as `owner`) a verifier for `vk` and registers it as model `(kind, version)` with
/// `model_hash`; returns the line to print.
fn register_model_version(
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    owner: Address,
    (kind, version): (ModelKind, u32),
    model_hash: B256,
    vk: &VerifyingKey<Bn254>,
) -> Result<String, String> {
    let init = zkbio_core::evm::verifier_init_code(vk).map_err(|e| e.to_string())?;
    let verifier = evm
        .deploy_from(owner, &init)
        .map_err(|e| evm_err(&format!("deploy {kind:?} verifier"), e))?;
    // The registry checks that the verifier's own vkHash() is the one pinned here.
    let vk_hash = zkbio_core::evm::vk_hash(vk).map_err(|e| e.to_string())?;
    let add =
        registry
            .contract
            .add_model_version(kind, version, model_hash, vk_hash, verifier.address);
    let gas = registry
        .send(evm, owner, &add)
        .map_err(|e| evm_err("addModelVersion", e))?;
    Ok(format!(
        "{kind:?} verifier {} (deploy gas {}); addModelVersion({kind:?}, {version}, model hash {model_hash}, vk hash {vk_hash}) gas {gas}",
        verifier.address, verifier.gas_used
    ))
}

/// `what` failed in the embedded EVM; a revert shows the registry's decoded custom error.
fn evm_err(what: &str, e: EvmError) -> String {
    match e {
        EvmError::Reverted { output, .. } => {
            format!("{what} reverted: {}", Revert::decode(&output))
        }
        e => format!("{what}: {e}"),
    }
}

/// Reads the registry's record of `subject` back: it must hold `(C_img, C_code)` under iris model
/// `version`, as `call` (the enrollment or re-enrollment just sent) wrote them.
fn record_holds(
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    subject: Address,
    (c_img, c_code, version): (Fr, Fr, u32),
    call: &str,
) -> Result<R::Record, String> {
    let word = zkbio_core::evm::abi::fr_word;
    let record = registry
        .read(evm, R::recordOfCall { subject })
        .map_err(|e| evm_err("recordOf", e))?;
    let got = (
        record.imageCommitment,
        record.codeCommitment,
        record.irisVersion,
    );
    if got != (word(&c_img), word(&c_code), version) {
        return Err(format!(
            "the registry's record (C_img {}, C_code {}, iris version {}) is not what {call} wrote",
            got.0, got.1, got.2
        ));
    }
    Ok(record)
}

/// Deploys the registry (embedded artifact) in `evm` and a verifier for `vk`, registers the
/// scanner and the model version, enrolls the demo subject with the scanner's signature of
/// `(C_img, c_face)` and `proof` of `public` = `[C_img, C_code, binding]`, reads the record
/// back and replays the enrollment; returns the registry and the lines to print.
fn registry_step(
    reg: &DemoRegistry,
    evm: &mut EmbeddedEvm,
    c_face: Fr,
    vk: &VerifyingKey<Bn254>,
    proof: &Proof<Bn254>,
    public: &[Fr],
) -> Result<(EmbeddedRegistry, Vec<String>), String> {
    let word = zkbio_core::evm::abi::fr_word;
    let mut lines = Vec::new();
    let (owner, scanner, subject) = (
        reg.owner.address(),
        reg.scanner.address(),
        reg.subject.address(),
    );
    let (registry, deployed) =
        EmbeddedRegistry::deploy(evm, owner).map_err(|e| evm_err("deploy registry", e))?;
    if deployed.address != reg.address {
        return Err(format!(
            "the registry was deployed at {}, not at the predicted {}",
            deployed.address, reg.address
        ));
    }
    let onchain = registry
        .read(
            evm,
            R::bindingForCall {
                wallet: subject,
                nonce: U256::ZERO,
            },
        )
        .map_err(|e| evm_err("bindingFor", e))?;
    if onchain != word(&reg.binding) {
        return Err(format!(
            "the registry's binding differs from the proof's: is the embedded EVM's chain id not {EMBEDDED_CHAIN_ID}?"
        ));
    }
    lines.push(format!(
        "registry {} (owner {owner}); deploy gas {}",
        deployed.address, deployed.gas_used
    ));
    let init = zkbio_core::evm::verifier_init_code(vk).map_err(|e| e.to_string())?;
    let verifier = evm
        .deploy_from(owner, &init)
        .map_err(|e| evm_err("deploy verifier", e))?;
    lines.push(format!(
        "verifier {}; deploy gas {}",
        verifier.address, verifier.gas_used
    ));
    let gas = registry
        .send(evm, owner, &registry.contract.add_scanner(scanner))
        .map_err(|e| evm_err("addScanner", e))?;
    lines.push(format!("addScanner({scanner}) gas {gas}"));
    // The registry checks that the verifier's own vkHash() is the one pinned here.
    let vk_hash = zkbio_core::evm::vk_hash(vk).map_err(|e| e.to_string())?;
    let add_model = registry.contract.add_model_version(
        ModelKind::Iris,
        DEMO_VERSION,
        reg.model_hash,
        vk_hash,
        verifier.address,
    );
    let gas = registry
        .send(evm, owner, &add_model)
        .map_err(|e| evm_err("addModelVersion", e))?;
    lines.push(format!(
        "addModelVersion(iris, {DEMO_VERSION}, model hash {}, vk hash {vk_hash}) gas {gas}",
        reg.model_hash
    ));

    let (c_img, c_code) = (public[0], public[1]);
    // The attestation expires an hour from now (the embedded EVM's block time is revm's
    // default, long before).
    let deadline = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 3600;
    let signature = ScannerSignature::sign(
        &reg.scanner,
        EMBEDDED_CHAIN_ID,
        registry.contract.address,
        c_img,
        c_face,
        subject,
        deadline,
    )
    .map_err(|e| format!("scanner signature: {e}"))?;
    let enroll = registry.contract.enroll(
        subject,
        c_img,
        c_face,
        deadline,
        &signature,
        DEMO_VERSION,
        c_code,
        proof,
    );
    let gas = registry
        .send(evm, subject, &enroll)
        .map_err(|e| evm_err("enroll", e))?;
    lines.push(format!(
        "enroll(subject {subject}) with the scanner's EIP-712 signature and the proof: gas {gas}"
    ));

    let record = record_holds(
        evm,
        &registry,
        subject,
        (c_img, c_code, DEMO_VERSION),
        "enroll",
    )?;
    let nonce = registry
        .read(evm, R::noncesCall { wallet: subject })
        .map_err(|e| evm_err("nonces", e))?;
    if (record.scanner, nonce) != (scanner, U256::from(1u8)) {
        return Err(format!(
            "the registry's record (scanner {}, nonce {nonce}) is not the enrollment's (scanner \
             {scanner}, nonce 1)",
            record.scanner
        ));
    }
    let current = registry
        .read(evm, R::isCurrentCall { subject })
        .map_err(|e| evm_err("isCurrent", e))?;
    if !current {
        return Err("the enrolled subject is not current".into());
    }
    lines.push(format!(
        "record: C_code {} (= the proof's C_code), iris version {}, nonce now {nonce}, current",
        record.codeCommitment, record.irisVersion
    ));

    match registry.send(evm, subject, &enroll) {
        Err(EvmError::Reverted { output, gas_used }) => lines.push(format!(
            "replayed enroll: reverted with {} (gas {gas_used})",
            Revert::decode(&output)
        )),
        Ok(_) => return Err("a replayed enroll transaction was accepted".into()),
        Err(e) => return Err(evm_err("replayed enroll", e)),
    }
    Ok((registry, lines))
}
