//! `zkbio registry …`: deploy and administer a `BiometricRegistry` on a node, and read its state.
//!
//! Transactions are signed locally with the private key given by `--key` (or the environment
//! variable `ZKBIO_PRIVATE_KEY`) and sent with `eth_sendRawTransaction`. Gas is estimated first,
//! so a call the registry refuses fails before anything is spent, with its custom error decoded
//! (e.g. `NotOwner { caller: 0x… }`). Output lines start with a fixed key (`registry`,
//! `verifier`, `gas`, …) so scripts can parse them.

use crate::artifacts::{io_err, read_vk_with_origin};
use crate::vault_cmd::address;
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use sha3::Digest;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;
use zkbio_core::flows::IrisPurpose;
use zkbio_core::groth16::dev_marker::check_deployable;
use zkbio_core::groth16::{check_key_structure, KeyOrigin};
use zkbio_core::iris::IrisModel;
use zkbio_core::registry::BiometricRegistry::VersionStatus;
use zkbio_core::registry::{
    deploy_registry, deploy_verifier, Address, HttpTransport, LocalSigner, ModelKind,
    RegistryContract, RegistryError, RpcClient, VerifierContract, B256, U256,
};

/// Environment variable read when `--key` is not given.
const KEY_ENV: &str = "ZKBIO_PRIVATE_KEY";

/// Public inputs every verifier registered in the registry takes (its `PUBLIC_INPUTS`).
const PUBLIC_INPUTS: usize = 3;

/// `zkbio registry …` (one variant per command).
#[derive(Subcommand, Debug)]
pub enum RegistryCmd {
    /// Deploy a registry owned by --key's address; optionally a verifier for a model version
    /// (--vk) and scanners (--scanner).
    Deploy(DeployArgs),
    /// Allow scanners to sign enrollments (owner only).
    AddScanner(ScannerArgs),
    /// Stop accepting enrollments signed by scanners (owner only).
    RemoveScanner(ScannerArgs),
    /// Register a model version with its verifier (owner only).
    AddModel(AddModelArgs),
    /// Deprecate a model version for good (owner only).
    DeprecateModel(DeprecateModelArgs),
    /// Enroll a vault record: fetch and verify the model package against the registry's pin,
    /// prove the iris code, send `enroll` from --key (the subject's wallet), update the vault.
    Enroll(crate::enroll_cmd::EnrollArgs),
    /// Re-enroll a vault record under a newer model version, likewise (`reenroll`).
    Reenroll(crate::enroll_cmd::EnrollArgs),
    /// Print the registry's owner and chain id, and optionally scanners, a subject's record and
    /// a model version.
    Status(StatusArgs),
}

/// The node to talk to.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    /// JSON-RPC endpoint of the node, e.g. http://127.0.0.1:8545.
    #[arg(long)]
    pub rpc: String,
}

/// The node and the key that signs.
#[derive(clap::Args, Debug)]
pub struct WalletArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// Private key (32 bytes hex) of the sender; default: the environment variable
    /// ZKBIO_PRIVATE_KEY (which keeps it out of the process list).
    #[arg(long)]
    pub key: Option<String>,
}

/// A model kind, as the registry numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// 0: iris-code regeneration (Proof 1), public inputs [C_img, C_code, binding].
    Iris,
    /// 1: face match (Proof 2), public inputs [C_emb, tau, binding].
    Face,
    /// 2: face-embedding regeneration, public inputs [C_face, C_emb, binding].
    FaceEmbedding,
}

impl Kind {
    pub(crate) fn model_kind(self) -> ModelKind {
        match self {
            Kind::Iris => ModelKind::Iris,
            Kind::Face => ModelKind::Face,
            Kind::FaceEmbedding => ModelKind::FaceEmbedding,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Iris => "iris",
            Kind::Face => "face",
            Kind::FaceEmbedding => "face-embedding",
        }
    }
}

/// Which model version, and its model hash.
#[derive(clap::Args, Debug)]
pub struct ModelArgs {
    /// Model kind.
    #[arg(long, value_enum, default_value_t = Kind::Iris)]
    pub kind: Kind,
    /// Model version (non-zero; the model package manifest's version).
    #[arg(long)]
    pub version: Option<u32>,
    /// The model hash (keccak256 of the model file), 32 bytes hex.
    #[arg(long, conflicts_with = "model")]
    pub model_hash: Option<String>,
    /// The model file; its keccak256 is the model hash (for iris: a canonical iris model, see
    /// `zkbio export iris-model`, or an iris v2 `.tflite` network).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

/// `zkbio registry deploy`.
#[derive(clap::Args, Debug)]
pub struct DeployArgs {
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// verification_key.json (snarkjs format): also deploy a Groth16Verifier for it and register
    /// it as --kind/--version with --model-hash or --model.
    #[arg(long)]
    pub vk: Option<PathBuf>,
    #[command(flatten)]
    pub model: ModelArgs,
    /// Scanner address to add (repeatable).
    #[arg(long)]
    pub scanner: Vec<String>,
    /// Deploy --vk even if it is marked as an INSECURE development key on a chain other than
    /// 31337/1337 (anyone with the key's seed can forge proofs for it).
    #[arg(long)]
    pub allow_insecure_dev_key: bool,
}

/// `zkbio registry add-scanner` / `remove-scanner`.
#[derive(clap::Args, Debug)]
pub struct ScannerArgs {
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// Scanner address (repeatable).
    #[arg(long, required = true)]
    pub scanner: Vec<String>,
}

/// `zkbio registry add-model`.
#[derive(clap::Args, Debug)]
pub struct AddModelArgs {
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    #[command(flatten)]
    pub model: ModelArgs,
    /// An already deployed Groth16Verifier of the version's circuit.
    #[arg(long, conflicts_with = "vk")]
    pub verifier: Option<String>,
    /// verification_key.json (snarkjs format): deploy a Groth16Verifier for it.
    #[arg(long)]
    pub vk: Option<PathBuf>,
    /// Deploy --vk even if it is marked as an INSECURE development key on a chain other than
    /// 31337/1337 (anyone with the key's seed can forge proofs for it).
    #[arg(long)]
    pub allow_insecure_dev_key: bool,
}

/// `zkbio registry deprecate-model`.
#[derive(clap::Args, Debug)]
pub struct DeprecateModelArgs {
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// Model kind.
    #[arg(long, value_enum, default_value_t = Kind::Iris)]
    pub kind: Kind,
    /// Model version.
    #[arg(long)]
    pub version: u32,
}

/// `zkbio registry status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// A subject (wallet) whose record and nonce to print.
    #[arg(long)]
    pub subject: Option<String>,
    /// Model kind of --version.
    #[arg(long, value_enum, default_value_t = Kind::Iris)]
    pub kind: Kind,
    /// A model version to print (hash, verifier, state).
    #[arg(long)]
    pub version: Option<u32>,
    /// An address whose scanner state to print (repeatable).
    #[arg(long)]
    pub scanner: Vec<String>,
}

type Client = RpcClient<HttpTransport>;

pub(crate) fn client(node: &NodeArgs) -> Client {
    RpcClient::new(HttpTransport::new(&node.rpc, Duration::from_secs(30)))
}

pub(crate) fn signer(wallet: &WalletArgs) -> Result<LocalSigner, String> {
    signer_from(wallet.key.as_deref())
}

/// The signer of `--key`, or of the environment variable `ZKBIO_PRIVATE_KEY` without it.
pub(crate) fn signer_from(key: Option<&str>) -> Result<LocalSigner, String> {
    let key = match key {
        Some(k) => zeroize::Zeroizing::new(k.to_string()),
        None => zeroize::Zeroizing::new(
            std::env::var(KEY_ENV)
                .map_err(|_| format!("no private key: pass --key HEX or set {KEY_ENV}"))?,
        ),
    };
    LocalSigner::from_hex(key.trim()).map_err(|e| format!("--key: {e}"))
}

/// `what` failed with `e`; reverts show the registry's decoded custom error.
fn failed(what: &str, e: RegistryError) -> String {
    format!("{what}: {e}")
}

/// The model version and hash of `m`, which must be complete.
fn model_version_and_hash(m: &ModelArgs) -> Result<(u32, B256), String> {
    let version = m
        .version
        .ok_or("--version is required to register a model version")?;
    if version == 0 {
        return Err("--version must be non-zero (0 means \"none\" in the registry)".into());
    }
    let hash = match (&m.model_hash, &m.model) {
        (Some(h), None) => B256::from_str(h.trim())
            .map_err(|e| format!("--model-hash: {h:?} is not 32 bytes hex ({e})"))?,
        (None, Some(path)) => {
            let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
            if m.kind == Kind::Iris {
                // Family `filter-bank` (a canonical model file) or `tflite` (an int8 network).
                let name = match IrisModel::from_canonical_bytes(&bytes) {
                    Ok(model) => model.name().to_owned(),
                    Err(e) => zkbio_circuits::models::tflite::Model::from_bytes(&bytes)
                        .map(|_| "an int8 .tflite network".to_owned())
                        .map_err(|_| {
                            io_err(
                                path,
                                format!("neither a canonical iris model file ({e}) nor a .tflite network; use --model-hash to register a hash as is"),
                            )
                        })?,
                };
                eprintln!("model file {}: {name}", path.display());
            }
            B256::from(<[u8; 32]>::from(sha3::Keccak256::digest(&bytes)))
        }
        (None, None) => return Err("give the model as --model-hash HEX or --model FILE".into()),
        (Some(_), Some(_)) => return Err("give either --model-hash or --model, not both".into()),
    };
    if hash == B256::ZERO {
        return Err("the model hash must not be zero".into());
    }
    Ok((version, hash))
}

/// A verification key read for deployment, with its development-key marker.
type RegistryVk = (
    zkbio_core::groth16::VerifyingKey<ark_bn254::Bn254>,
    KeyOrigin,
);

/// Reads a verification key that the registry can use: 3 public inputs, and not forgeable
/// (`zkbio_core::groth16::key_check`; e.g. δ = γ from a key with no phase-2 contribution).
fn registry_vk(path: &Path) -> Result<RegistryVk, String> {
    let (vk, origin) = read_vk_with_origin(path)?;
    check_key_structure(&vk, None).map_err(|e| io_err(path, format!("refusing this key: {e}")))?;
    let n = vk.gamma_abc_g1.len().saturating_sub(1);
    if n != PUBLIC_INPUTS {
        return Err(io_err(
            path,
            format!("the key has {n} public inputs; registry verifiers take {PUBLIC_INPUTS}"),
        ));
    }
    Ok((vk, origin))
}

/// Refuses, before any transaction, to deploy a marked development key off a local chain.
fn check_dev_key(origin: KeyOrigin, chain_id: u64, allow: bool) -> Result<(), String> {
    check_deployable(origin, chain_id, allow)
        .map_err(|e| format!("{e} (pass --allow-insecure-dev-key to deploy it anyway)"))?;
    if origin == KeyOrigin::InsecureDev {
        eprintln!("WARNING: deploying an INSECURE development key on chain {chain_id}");
    }
    Ok(())
}

/// Runs `zkbio registry …`.
pub fn run(cmd: RegistryCmd) -> Result<(), String> {
    match cmd {
        RegistryCmd::Deploy(a) => deploy(a),
        RegistryCmd::AddScanner(a) => scanners(a, true),
        RegistryCmd::RemoveScanner(a) => scanners(a, false),
        RegistryCmd::AddModel(a) => add_model(a),
        RegistryCmd::DeprecateModel(a) => deprecate_model(a),
        RegistryCmd::Status(a) => status(a),
        RegistryCmd::Enroll(a) => crate::enroll_cmd::run(a, IrisPurpose::Enroll),
        RegistryCmd::Reenroll(a) => crate::enroll_cmd::run(a, IrisPurpose::Reenroll),
    }
}

fn deploy(a: DeployArgs) -> Result<(), String> {
    let owner = signer(&a.wallet)?;
    // Check every input before the first transaction.
    let model = match &a.vk {
        Some(vk) => Some((registry_vk(vk)?, model_version_and_hash(&a.model)?)),
        None if a.model.version.is_some()
            || a.model.model_hash.is_some()
            || a.model.model.is_some() =>
        {
            return Err("--version/--model-hash/--model need --vk (the version's verifier)".into())
        }
        None => None,
    };
    let scanners = a
        .scanner
        .iter()
        .map(|s| address("--scanner", s))
        .collect::<Result<Vec<_>, _>>()?;
    let rpc = client(&a.wallet.node);
    let chain_id = rpc.chain_id().map_err(|e| failed("eth_chainId", e))?;
    if let Some(((_, origin), _)) = &model {
        check_dev_key(*origin, chain_id, a.allow_insecure_dev_key)?;
    }

    let deployed =
        deploy_registry(&rpc, &owner, owner.address()).map_err(|e| failed("deploy registry", e))?;
    let registry = RegistryContract::new(deployed.address);
    println!("registry {}", deployed.address);
    println!("owner {}", owner.address());
    println!("chain-id {chain_id}");
    println!("gas deploy-registry {}", deployed.gas_used);
    let mut result = json!({
        "command": "registry deploy",
        "registry": deployed.address.to_string(),
        "owner": owner.address().to_string(),
        "chain_id": chain_id,
        "gas": deployed.gas_used,
        "model": null,
        "scanners": [],
    });
    if let Some(((vk, _), (version, hash))) = model {
        result["model"] = register_model(
            &rpc,
            &owner,
            registry,
            a.model.kind,
            version,
            hash,
            Verifier::Deploy(Box::new(vk)),
        )?;
    }
    for scanner in scanners {
        let gas = add_scanner(&rpc, &owner, registry, scanner)?;
        result["scanners"]
            .as_array_mut()
            .expect("an array")
            .push(json!({ "address": scanner.to_string(), "gas": gas }));
    }
    crate::output::result(result);
    Ok(())
}

/// Where a model version's verifier comes from.
enum Verifier {
    /// Deploy one for this key.
    Deploy(Box<zkbio_core::groth16::VerifyingKey<ark_bn254::Bn254>>),
    /// Already deployed here.
    At(Address),
}

fn register_model(
    rpc: &Client,
    owner: &LocalSigner,
    registry: RegistryContract,
    kind: Kind,
    version: u32,
    hash: B256,
    verifier: Verifier,
) -> Result<serde_json::Value, String> {
    // The key hash pinned with the version: from the key when we have it (the registry then
    // checks the verifier holds that key), else what the given verifier reports.
    let mut verifier_gas = None;
    let (verifier, vk_hash) = match verifier {
        Verifier::Deploy(vk) => {
            let vk_hash = zkbio_core::evm::vk_hash(&vk).map_err(|e| format!("--vk: {e}"))?;
            let d = deploy_verifier(rpc, owner, &vk).map_err(|e| failed("deploy verifier", e))?;
            println!("verifier {}", d.address);
            println!("gas deploy-verifier {}", d.gas_used);
            verifier_gas = Some(d.gas_used);
            (d.address, vk_hash)
        }
        Verifier::At(address) => {
            let vk_hash = VerifierContract::new(address)
                .vk_hash(rpc)
                .map_err(|e| failed(&format!("vkHash() of the verifier {address}"), e))?;
            (address, vk_hash)
        }
    };
    let receipt = rpc
        .send_signed(
            owner,
            &registry.add_model_version(kind.model_kind(), version, hash, vk_hash, verifier),
        )
        .map_err(|e| failed(&format!("addModelVersion({} {version})", kind.name()), e))?;
    println!(
        "model {} {version} hash {hash} verifier {verifier}",
        kind.name()
    );
    println!("vk-hash {vk_hash}");
    println!("gas add-model-version {}", receipt.gas_used);
    Ok(json!({
        "kind": kind.name(),
        "version": version,
        "model_hash": hash.to_string(),
        "verifier": verifier.to_string(),
        "vk_hash": vk_hash.to_string(),
        "gas_deploy_verifier": verifier_gas,
        "gas": receipt.gas_used,
    }))
}

fn add_scanner(
    rpc: &Client,
    owner: &LocalSigner,
    registry: RegistryContract,
    scanner: Address,
) -> Result<u64, String> {
    let receipt = rpc
        .send_signed(owner, &registry.add_scanner(scanner))
        .map_err(|e| failed(&format!("addScanner({scanner})"), e))?;
    println!("scanner {scanner} added");
    println!("gas add-scanner {}", receipt.gas_used);
    Ok(receipt.gas_used)
}

fn scanners(a: ScannerArgs, add: bool) -> Result<(), String> {
    let owner = signer(&a.wallet)?;
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let scanners = a
        .scanner
        .iter()
        .map(|s| address("--scanner", s))
        .collect::<Result<Vec<_>, _>>()?;
    let rpc = client(&a.wallet.node);
    for scanner in scanners {
        if add {
            let gas = add_scanner(&rpc, &owner, registry, scanner)?;
            crate::output::result(json!({
                "command": "registry add-scanner",
                "scanner": scanner.to_string(),
                "gas": gas,
            }));
        } else {
            let receipt = rpc
                .send_signed(&owner, &registry.remove_scanner(scanner))
                .map_err(|e| failed(&format!("removeScanner({scanner})"), e))?;
            println!("scanner {scanner} removed");
            println!("gas remove-scanner {}", receipt.gas_used);
            crate::output::result(json!({
                "command": "registry remove-scanner",
                "scanner": scanner.to_string(),
                "gas": receipt.gas_used,
            }));
        }
    }
    Ok(())
}

fn add_model(a: AddModelArgs) -> Result<(), String> {
    let owner = signer(&a.wallet)?;
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let (version, hash) = model_version_and_hash(&a.model)?;
    let mut dev_origin = KeyOrigin::External;
    let verifier = match (&a.verifier, &a.vk) {
        (Some(v), None) => Verifier::At(address("--verifier", v)?),
        (None, Some(vk)) => {
            let (vk, origin) = registry_vk(vk)?;
            dev_origin = origin;
            Verifier::Deploy(Box::new(vk))
        }
        _ => {
            return Err("give the verifier as --verifier ADDR or --vk verification_key.json".into())
        }
    };
    let rpc = client(&a.wallet.node);
    if dev_origin == KeyOrigin::InsecureDev {
        let chain_id = rpc.chain_id().map_err(|e| failed("eth_chainId", e))?;
        check_dev_key(dev_origin, chain_id, a.allow_insecure_dev_key)?;
    }
    let mut model = register_model(
        &rpc,
        &owner,
        registry,
        a.model.kind,
        version,
        hash,
        verifier,
    )?;
    model["command"] = "registry add-model".into();
    crate::output::result(model);
    Ok(())
}

fn deprecate_model(a: DeprecateModelArgs) -> Result<(), String> {
    let owner = signer(&a.wallet)?;
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let rpc = client(&a.wallet.node);
    let receipt = rpc
        .send_signed(
            &owner,
            &registry.deprecate_model_version(a.kind.model_kind(), a.version),
        )
        .map_err(|e| {
            failed(
                &format!("deprecateModelVersion({} {})", a.kind.name(), a.version),
                e,
            )
        })?;
    println!("model {} {} deprecated", a.kind.name(), a.version);
    println!("gas deprecate-model-version {}", receipt.gas_used);
    crate::output::result(json!({
        "command": "registry deprecate-model",
        "kind": a.kind.name(),
        "version": a.version,
        "gas": receipt.gas_used,
    }));
    Ok(())
}

fn status_name(s: VersionStatus) -> &'static str {
    match s {
        VersionStatus::None => "none (never added)",
        VersionStatus::Active => "active",
        VersionStatus::Deprecated => "deprecated",
        _ => "unknown",
    }
}

fn status(a: StatusArgs) -> Result<(), String> {
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let subject = a
        .subject
        .as_deref()
        .map(|s| address("--subject", s))
        .transpose()?;
    let scanners = a
        .scanner
        .iter()
        .map(|s| address("--scanner", s))
        .collect::<Result<Vec<_>, _>>()?;
    let rpc = client(&a.node);
    let read = |what: &str, e| failed(what, e);
    let chain_id = rpc.chain_id().map_err(|e| read("eth_chainId", e))?;
    let code = rpc
        .code(registry.address)
        .map_err(|e| read("eth_getCode", e))?;
    if code.is_empty() {
        return Err(format!(
            "no contract at {} on chain {chain_id}",
            registry.address
        ));
    }
    println!("registry {}", registry.address);
    println!("chain-id {chain_id}");
    let owner = registry.owner(&rpc).map_err(|e| read("owner()", e))?;
    println!("owner {owner}");
    // The --json result: the same values as the lines, as one object.
    let mut result = json!({
        "command": "registry status",
        "registry": registry.address.to_string(),
        "chain_id": chain_id,
        "owner": owner.to_string(),
        "scanners": [],
    });
    for scanner in scanners {
        let active = registry
            .is_scanner(&rpc, scanner)
            .map_err(|e| read("isScanner", e))?;
        println!(
            "scanner {scanner} {}",
            if active { "active" } else { "inactive" }
        );
        result["scanners"]
            .as_array_mut()
            .expect("an array")
            .push(json!({ "address": scanner.to_string(), "active": active }));
    }
    if let Some(version) = a.version {
        let m = registry
            .model_version(&rpc, a.kind.model_kind(), version)
            .map_err(|e| read("modelVersion", e))?;
        println!(
            "model {} {version} {}",
            a.kind.name(),
            status_name(m.status)
        );
        if m.status != VersionStatus::None {
            println!("  hash {}", m.modelHash);
            println!("  vk-hash {}", m.vkHash);
            println!("  verifier {}", m.verifier);
        }
        let latest = registry
            .latest_version(&rpc, a.kind.model_kind())
            .map_err(|e| read("latestVersion", e))?;
        println!("  latest-version {latest}");
        let registered = m.status != VersionStatus::None;
        result["model"] = json!({
            "kind": a.kind.name(),
            "version": version,
            "status": status_name(m.status),
            "model_hash": registered.then(|| m.modelHash.to_string()),
            "vk_hash": registered.then(|| m.vkHash.to_string()),
            "verifier": registered.then(|| m.verifier.to_string()),
            "latest_version": latest,
        });
    }
    if let Some(subject) = subject {
        let nonce = registry
            .nonce(&rpc, subject)
            .map_err(|e| read("nonces", e))?;
        let r = registry
            .record(&rpc, subject)
            .map_err(|e| read("recordOf", e))?;
        let enrolled = r.irisVersion != 0;
        println!(
            "subject {subject} {}",
            if enrolled { "enrolled" } else { "not enrolled" }
        );
        println!("  nonce {nonce}");
        let current = registry
            .is_current(&rpc, subject)
            .map_err(|e| read("isCurrent", e))?;
        println!("  current {current}");
        // Field elements as every text output writes them: 0x and 64 hex digits.
        let word = |w: U256| format!("0x{}", hex::encode(w.to_be_bytes::<32>()));
        result["subject"] = json!({
            "address": subject.to_string(),
            "enrolled": enrolled,
            "nonce": nonce.to_string(),
            "current": current,
        });
        if enrolled {
            let s = &mut result["subject"];
            s["C_img"] = word(r.imageCommitment).into();
            s["C_face"] = word(r.faceCommitment).into();
            s["iris_version"] = r.irisVersion.into();
            s["C_code"] = word(r.codeCommitment).into();
            s["face_version"] = r.faceVersion.into();
            s["C_emb"] = word(r.embeddingCommitment).into();
            s["scanner"] = r.scanner.to_string().into();
            println!("  C_img {}", word(r.imageCommitment));
            println!("  C_face {}", word(r.faceCommitment));
            println!("  iris-version {}", r.irisVersion);
            println!("  C_code {}", word(r.codeCommitment));
            println!("  face-version {}", r.faceVersion);
            println!("  C_emb {}", word(r.embeddingCommitment));
            println!("  scanner {}", r.scanner);
        }
    }
    crate::output::result(result);
    Ok(())
}
