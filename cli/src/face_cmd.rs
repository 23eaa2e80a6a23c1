//! `zkbio face register|match|verify|sample` and `zkbio package dev-face`: the face flows on a
//! desktop vault against a registry node.
//!
//! - `register` reads both face kinds' pins of `--version` from the registry
//!   (`modelVersion(KIND_FACE_EMBEDDING, v)` and `modelVersion(KIND_FACE, v)`), fetches and
//!   checks the face package against them, proves the face-embedding statement bound to the
//!   subject's nonce, sends `registerFaceEmbedding` from `--key` (the subject's wallet), and once
//!   mined stores `(face version, C_emb, E, salt_emb)` in the vault.
//! - `match` proves a selfie against the registered embedding for a relying party's challenge
//!   and `tau` (a non-matching selfie is refused before proving), writes proof.json,
//!   public.json and tx.json, and with `--send` sends `verifyFaceMatch` from `--key`, which must
//!   be the relying party's wallet (the binding names it).
//! - `verify` checks a face-match proof under a verification key, optionally against the public
//!   inputs the registry would use for a subject, relying party, challenge and tau.
//!
//! The proofs say nothing about liveness: a selfie is whatever PNG is given.

use crate::artifacts::{io_err, read_proof, read_public, read_vk, seed_from_text, write_json};
use crate::artifacts::{write_proof, write_public};
use crate::output::Fields;
use crate::png_io;
use crate::registry_cmd::{client, signer, NodeArgs, WalletArgs};
use crate::report::ConsoleProgress;
use crate::vault_cmd::{
    address, downloads, package_error, record_id_arg, secret_key, PackageArgs, PackageSource,
    VaultArgs,
};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use zkbio_core::flows::dev::publish_dev_face_package;
use zkbio_core::flows::{
    confirm_face_embedding, face_match_public_inputs, prove_face_match, register_face_embedding,
    FaceMatchRequest, FaceModelPackage, FaceRegistryPins, RegistryTarget,
};
use zkbio_core::groth16::verify;
use zkbio_core::package::{
    publisher_address, DownloadConfig, ModelKind as PackageKind, RegistryPin,
};
use zkbio_core::registry::BiometricRegistry::VersionStatus;
use zkbio_core::registry::{HttpTransport, ModelKind, RegistryContract, RpcClient, U256};

/// The tiny test face model (8x8 input, 8-d embedding; untrained: tests only).
const TINY_FACE: &[u8] = include_bytes!("../../circuits/tests/data/face/face_tiny.tflite");
/// The development face model (64x64, 128-d; trained on synthetic patterns, not a face
/// recognizer; its setup takes minutes).
const DEV_FACE: &[u8] = include_bytes!("../../circuits/tests/data/face/face_dev.tflite");

/// `zkbio face …`.
#[derive(Subcommand, Debug)]
pub enum FaceCmd {
    /// Register a vault record's face embedding: fetch and check the face package against the
    /// registry's pins, prove, send `registerFaceEmbedding` from --key (the subject), update
    /// the vault.
    Register(RegisterArgs),
    /// Prove that a selfie matches a record's registered face embedding for a relying party's
    /// challenge and tau; write proof.json, public.json, tx.json; --send sends `verifyFaceMatch`.
    Match(MatchArgs),
    /// Verify a face-match proof (exit code 1 if rejected).
    Verify(VerifyArgs),
    /// Write a synthetic face crop (or a perturbed selfie of it) as an 8-bit grayscale PNG.
    Sample(SampleArgs),
}

/// `zkbio package dev-face`.
#[derive(clap::Args, Debug)]
pub struct DevFaceArgs {
    /// Directory to write model.tflite, embedding.zpk, embedding_vk.json, match.zpk,
    /// match_vk.json and manifest.json into.
    #[arg(long)]
    pub out: PathBuf,
    /// Face model version (as it will be registered for both face kinds).
    #[arg(long)]
    pub version: u32,
    /// Seed text of the INSECURE development setups.
    #[arg(long, default_value = "zkbio dev face package")]
    pub seed: String,
    /// The publisher's secp256k1 private key (32 bytes hex) that signs the manifest.
    #[arg(long)]
    pub publisher_key: String,
    /// `tiny` (the 8x8 test model, seconds), `dev` (the 64x64 development model, minutes of
    /// setup), or a `.tflite` file.
    #[arg(long, default_value = "tiny")]
    pub model: String,
}

/// `zkbio face register`.
#[derive(clap::Args, Debug)]
pub struct RegisterArgs {
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id in the vault.
    #[arg(long)]
    pub record: String,
    #[command(flatten)]
    pub package: PackageArgs,
    /// The face model version (both face kinds must be active in the registry).
    #[arg(long)]
    pub version: u32,
    /// Also leave proof.json, public.json and tx.json here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `zkbio face match`.
#[derive(clap::Args, Debug)]
pub struct MatchArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Private key (32 bytes hex) of the relying party's wallet, for --send; default: the
    /// environment variable ZKBIO_PRIVATE_KEY.
    #[arg(long)]
    pub key: Option<String>,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id in the vault.
    #[arg(long)]
    pub record: String,
    #[command(flatten)]
    pub package: PackageArgs,
    /// The selfie: an 8-bit grayscale PNG of the face model's input size.
    #[arg(long)]
    pub selfie: PathBuf,
    /// The relying party's address (the sender of `verifyFaceMatch`).
    #[arg(long)]
    pub relying_party: String,
    /// The relying party's challenge, hex (up to 32 bytes).
    #[arg(long)]
    pub challenge: String,
    /// The similarity threshold, a 16-bit fraction (tau / 65536), e.g. 57344 = 0.875.
    #[arg(long)]
    pub tau: u16,
    /// Directory for proof.json, public.json and tx.json.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Send `verifyFaceMatch` from --key, which must be the relying party.
    #[arg(long)]
    pub send: bool,
}

/// `zkbio face verify`.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// The face-match verification key (a face package's match_vk.json).
    #[arg(long)]
    pub vk: PathBuf,
    /// proof.json.
    #[arg(long)]
    pub proof: PathBuf,
    /// public.json.
    #[arg(long)]
    pub public: PathBuf,
    /// Also require public.json to be what the registry's `verifyFaceMatch` would check for
    /// --subject, --relying-party, --challenge and --tau (needs --rpc and --registry).
    #[command(flatten)]
    pub expect: Option<ExpectArgs>,
}

/// What a face-match proof must be for.
#[derive(clap::Args, Debug)]
#[group(requires_all = ["rpc", "registry", "subject", "relying_party", "challenge", "tau"])]
pub struct ExpectArgs {
    /// JSON-RPC endpoint of the node.
    #[arg(long)]
    pub rpc: Option<String>,
    /// The registry's address.
    #[arg(long)]
    pub registry: Option<String>,
    /// The subject whose registered C_emb the proof must open.
    #[arg(long)]
    pub subject: Option<String>,
    /// The relying party the binding must name.
    #[arg(long)]
    pub relying_party: Option<String>,
    /// The challenge, hex.
    #[arg(long)]
    pub challenge: Option<String>,
    /// The threshold.
    #[arg(long)]
    pub tau: Option<u16>,
}

/// `zkbio face sample`.
#[derive(clap::Args, Debug)]
pub struct SampleArgs {
    /// Side of the square crop (8: tiny test model, 64: development model).
    #[arg(long, default_value_t = 8)]
    pub side: usize,
    /// The synthetic identity.
    #[arg(long, default_value_t = 1)]
    pub identity: u64,
    /// Write a camera-like perturbed copy (a selfie) with this seed instead of the crop.
    #[arg(long)]
    pub selfie_seed: Option<u64>,
    /// Output PNG.
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs `zkbio face …`; `Ok(false)` means a proof was rejected.
pub fn run(cmd: FaceCmd) -> Result<bool, String> {
    match cmd {
        FaceCmd::Register(a) => register(a).map(|()| true),
        FaceCmd::Match(a) => match_cmd(a).map(|()| true),
        FaceCmd::Verify(a) => verify_cmd(a),
        FaceCmd::Sample(a) => sample(a).map(|()| true),
    }
}

/// Runs `zkbio package dev-face`.
pub fn dev_face(a: DevFaceArgs) -> Result<(), String> {
    let bytes = match a.model.as_str() {
        "tiny" => TINY_FACE.to_vec(),
        "dev" => DEV_FACE.to_vec(),
        path => std::fs::read(path).map_err(|e| io_err(Path::new(path), e))?,
    };
    let key = secret_key("--publisher-key", &a.publisher_key)?;
    println!("WARNING: INSECURE development setups (seeded toxic waste): tests and demos only");
    let manifest =
        publish_dev_face_package(&a.out, a.version, &bytes, seed_from_text(&a.seed), &key)
            .map_err(|e| io_err(&a.out, e))?;
    let publisher = publisher_address(&key).map_err(|e| e.to_string())?;
    println!("package {}", a.out.display());
    println!("version {}", manifest.version);
    println!("model_hash 0x{}", hex::encode(manifest.model_hash));
    println!("publisher {publisher:#x}");
    crate::package_cmd::package_result(
        "package dev-face",
        &a.out,
        &manifest,
        &publisher.to_string(),
    );
    Ok(())
}

fn sample(a: SampleArgs) -> Result<(), String> {
    if !(1..=2048).contains(&a.side) {
        return Err("--side: 1 to 2048".into());
    }
    let face = zkbio_core::sample::synthetic_face(a.side, a.side, a.identity);
    let pixels = match a.selfie_seed {
        Some(seed) => zkbio_core::sample::perturbed_face(&face, a.side, a.side, seed),
        None => face,
    };
    png_io::write_gray(&a.out, a.side, a.side, &pixels)?;
    let mut out = Fields::new("face sample");
    out.line("face", a.out.display().to_string());
    out.emit();
    Ok(())
}

type Client = RpcClient<HttpTransport>;

/// The registry's pins of face version `version` (both kinds must be active).
fn face_pins(
    rpc: &Client,
    registry: RegistryContract,
    version: u32,
) -> Result<FaceRegistryPins, String> {
    let read = |kind, name| {
        let v = registry
            .model_version(rpc, kind, version)
            .map_err(|e| format!("model version: {e}"))?;
        if v.status != VersionStatus::Active {
            return Err(format!(
                "{name} model version {version} is not active in the registry"
            ));
        }
        Ok((v.modelHash.0, v.vkHash.0))
    };
    let (embedding_model_hash, embedding_vk_hash) =
        read(ModelKind::FaceEmbedding, "face-embedding")?;
    let (match_model_hash, match_vk_hash) = read(ModelKind::Face, "face-match")?;
    Ok(FaceRegistryPins {
        embedding_model_hash,
        embedding_vk_hash,
        match_model_hash,
        match_vk_hash,
    })
}

/// Fetches the face package of `version`, refusing it before its keys download when its model
/// takes another crop shape than `input` (`(height, width)`), and checks it against both pins.
fn load_face_package(
    p: &PackageArgs,
    vault_dir: &Path,
    version: u32,
    pins: &FaceRegistryPins,
    input: Option<(usize, usize)>,
) -> Result<FaceModelPackage, String> {
    let pin = RegistryPin {
        kind: PackageKind::Face,
        version,
        model_hash: pins.embedding_model_hash,
    };
    let source = PackageSource::open(p, vault_dir, &pin)?;
    let package = FaceModelPackage::fetch(
        &source.cache,
        &source.manifest,
        &source.base,
        source.fetcher.as_ref(),
        &downloads(),
        &DownloadConfig::default(),
        input,
    )
    .map_err(package_error)?;
    package
        .check_pins(pins)
        .map_err(|e| format!("package refused: {e}"))?;
    Ok(package)
}

fn word_hex(w: U256) -> String {
    format!("0x{}", hex::encode(w.to_be_bytes::<32>()))
}

fn register(a: RegisterArgs) -> Result<(), String> {
    // First, so a mistyped --vault fails before anything is fetched into `<vault>.cache`.
    let vault = a.vault.open()?;
    let id = record_id_arg(&a.record)?;
    let rpc = client(&a.wallet.node);
    let wallet = signer(&a.wallet)?;
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let chain_id = rpc.chain_id().map_err(|e| format!("chain id: {e}"))?;
    let pins = face_pins(&rpc, registry, a.version)?;
    let crop = vault
        .with_bundle(&id, |b| {
            (usize::from(b.face.height()), usize::from(b.face.width()))
        })
        .map_err(|e| format!("record {id}: {e}"))?;
    let package = load_face_package(&a.package, &a.vault.vault, a.version, &pins, Some(crop))?;
    let nonce = registry
        .nonce(&rpc, wallet.address())
        .map_err(|e| format!("nonce: {e}"))?;
    let target = RegistryTarget {
        chain_id,
        registry: registry.address,
    };
    let proof = register_face_embedding(
        &vault,
        &id,
        &package,
        target,
        wallet.address(),
        nonce,
        &ConsoleProgress::new(),
        Arc::default(),
    )
    .map_err(|e| e.to_string())?;
    println!(
        "proved face embedding, face model {} (nonce {nonce})",
        a.version
    );
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        write_proof(&dir.join("proof.json"), &proof.proof)?;
        write_public(&dir.join("public.json"), &proof.public_inputs)?;
        write_json(
            &dir.join("tx.json"),
            &proof.tx.to_eip1193(Some(proof.wallet)),
        )?;
    }
    let receipt = rpc
        .send_signed(&wallet, &proof.tx)
        .map_err(|e| format!("registerFaceEmbedding refused: {e}"))?;
    let mut out = Fields::new("face register");
    out.set("nonce", nonce.to_string());
    if let Some(dir) = &a.out {
        out.set("proof", dir.display().to_string());
    }
    out.line("tx", format!("{:#x}", receipt.transaction_hash))
        .line("gas", receipt.gas_used);
    confirm_face_embedding(&vault, &id, &proof).map_err(|e| e.to_string())?;
    let record = registry
        .record(&rpc, wallet.address())
        .map_err(|e| format!("record: {e}"))?;
    let c_emb = zkbio_core::evm::abi::fr_word(&proof.public_inputs[1]);
    if record.embeddingCommitment != c_emb || record.faceVersion != a.version {
        return Err("the registry's record does not hold the proven C_emb".into());
    }
    out.line("face_version", record.faceVersion)
        .line("c_emb", word_hex(record.embeddingCommitment));
    out.emit();
    Ok(())
}

fn challenge(s: &str) -> Result<U256, String> {
    let digits = s.trim().trim_start_matches("0x");
    if digits.is_empty() || digits.len() > 64 {
        return Err(format!("--challenge: {s:?} is not 1 to 64 hex digits"));
    }
    U256::from_str_radix(digits, 16).map_err(|e| format!("--challenge: {s:?}: {e}"))
}

fn match_cmd(a: MatchArgs) -> Result<(), String> {
    let vault = a.vault.open()?;
    let id = record_id_arg(&a.record)?;
    let relying_party = address("--relying-party", &a.relying_party)?;
    let challenge = challenge(&a.challenge)?;
    let (width, height, selfie) = png_io::read_gray_any(&a.selfie)?;
    let selfie = zeroize::Zeroizing::new(selfie);
    let sender = if a.send {
        let s = signer(&WalletArgs {
            node: NodeArgs {
                rpc: a.node.rpc.clone(),
            },
            key: a.key.clone(),
        })?;
        if s.address() != relying_party {
            return Err(format!(
                "--key is {:#x}, not the relying party {relying_party:#x}: the registry binds the proof to its caller",
                s.address()
            ));
        }
        Some(s)
    } else {
        None
    };
    let rpc = client(&a.node);
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let chain_id = rpc.chain_id().map_err(|e| format!("chain id: {e}"))?;
    let subject = vault.public_record(&id).map_err(|e| e.to_string())?.subject;
    let version = registry
        .record(&rpc, subject)
        .map_err(|e| format!("record: {e}"))?
        .faceVersion;
    if version == 0 {
        return Err(format!(
            "{subject:#x} has no face embedding in the registry (zkbio face register)"
        ));
    }
    let pins = face_pins(&rpc, registry, version)?;
    // A selfie of the wrong size is the caller's input error, reported as such below.
    let package = load_face_package(&a.package, &a.vault.vault, version, &pins, None)?;
    let face = package.face();
    if (width, height) != (face.width(), face.height()) {
        return Err(format!(
            "invalid input: the selfie is {width}x{height}, the face model takes {}x{}",
            face.width(),
            face.height()
        ));
    }
    let request = FaceMatchRequest {
        target: RegistryTarget {
            chain_id,
            registry: registry.address,
        },
        relying_party,
        challenge,
        tau: a.tau,
    };
    let proof = prove_face_match(
        &vault,
        &id,
        &package,
        &selfie,
        &request,
        &ConsoleProgress::new(),
        Arc::default(),
    )
    .map_err(|e| e.to_string())?;
    println!("proved face match, face model {version}");
    let mut out = Fields::new("face match");
    out.set("face_version", version)
        .line("similarity", proof.similarity);
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        write_proof(&dir.join("proof.json"), &proof.proof)?;
        write_public(&dir.join("public.json"), &proof.public_inputs)?;
        write_json(
            &dir.join("tx.json"),
            &proof.tx.to_eip1193(Some(relying_party)),
        )?;
        out.line("proof", dir.display().to_string());
    }
    out.set("verified_on_chain", sender.is_some());
    if let Some(sender) = sender {
        let receipt = rpc
            .send_signed(&sender, &proof.tx)
            .map_err(|e| format!("verifyFaceMatch refused: {e}"))?;
        let used = registry
            .challenge_used(&rpc, relying_party, challenge)
            .map_err(|e| format!("challengeUsed: {e}"))?;
        if !used {
            return Err("the registry did not record the challenge as used".into());
        }
        out.line("tx", format!("{:#x}", receipt.transaction_hash))
            .line("gas", receipt.gas_used);
        println!("verified on chain");
    }
    out.emit();
    Ok(())
}

fn verify_cmd(a: VerifyArgs) -> Result<bool, String> {
    let vk = read_vk(&a.vk)?;
    let proof = read_proof(&a.proof)?;
    let public = read_public(&a.public)?;
    if let Some(e) = &a.expect {
        // The group makes every field present together.
        let need =
            |v: &Option<String>, what: &str| v.clone().ok_or_else(|| format!("{what} is required"));
        let rpc = client(&NodeArgs {
            rpc: need(&e.rpc, "--rpc")?,
        });
        let registry =
            RegistryContract::new(address("--registry", &need(&e.registry, "--registry")?)?);
        let subject = address("--subject", &need(&e.subject, "--subject")?)?;
        let relying_party = address(
            "--relying-party",
            &need(&e.relying_party, "--relying-party")?,
        )?;
        let chain_id = rpc.chain_id().map_err(|e| format!("chain id: {e}"))?;
        let record = registry
            .record(&rpc, subject)
            .map_err(|e| format!("record: {e}"))?;
        let request = FaceMatchRequest {
            target: RegistryTarget {
                chain_id,
                registry: registry.address,
            },
            relying_party,
            challenge: challenge(&need(&e.challenge, "--challenge")?)?,
            tau: e.tau.ok_or("--tau is required")?,
        };
        let c_emb = ark_bn254::Fr::from_str(&record.embeddingCommitment.to_string())
            .map_err(|_| "C_emb is not a field element".to_string())?;
        let expected = face_match_public_inputs(c_emb, &request);
        if public != expected {
            let reason = format!("public.json is not [C_emb of {subject:#x}, tau, binding(relying party, challenge)]");
            println!("REJECTED: {reason}");
            verdict(false, Some(reason));
            return Ok(false);
        }
    }
    match verify(&vk, &proof, &public) {
        Ok(()) => {
            println!("OK: the face-match proof verifies");
            verdict(true, None);
            Ok(true)
        }
        Err(e) => {
            println!("REJECTED: {e}");
            verdict(false, Some(e.to_string()));
            Ok(false)
        }
    }
}

/// `face verify`'s result, shaped like `verify`'s (`valid`, `reason`).
fn verdict(valid: bool, reason: Option<String>) {
    let mut out = Fields::new("face verify");
    out.set("valid", valid).set("reason", reason);
    out.emit();
}
