//! `zkbio registry enroll|reenroll`: the whole phone flow against a node, from a desktop vault.
//!
//! Reads the chain id, the model version's pinned hashes and the wallet's nonce from the
//! registry; fetches and verifies the model package against that pin (model hash, and the
//! verification key's hash against the pinned `vkHash`); proves the record's iris
//! code bound to `(chain, registry, wallet, nonce)`; sends the call signed by `--key` (the
//! subject's wallet); and, once mined, stores the new model state and opening in the vault.

use crate::output::Fields;
use crate::registry_cmd::{client, signer, WalletArgs};
use crate::report::ConsoleProgress;
use crate::vault_cmd::{
    address, load_package, record_shape, write_proof_dir, PackageArgs, VaultArgs,
};
use std::path::PathBuf;
use std::sync::Arc;
use zkbio_core::flows::{
    confirm_iris_code, prove_iris_code, IrisProofRequest, IrisPurpose, RegistryTarget,
};
use zkbio_core::registry::BiometricRegistry::VersionStatus;
use zkbio_core::registry::{ModelKind, RegistryContract};
use zkbio_core::vault::RecordId;

/// `zkbio registry enroll` / `reenroll`.
#[derive(clap::Args, Debug)]
pub struct EnrollArgs {
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
    /// The iris model version to prove under (its hash is read from the registry).
    #[arg(long)]
    pub version: u32,
    /// Also leave proof.json, public.json, tx.json and opening.json (private!) here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs `zkbio registry enroll` (`purpose` Enroll) or `reenroll`.
pub fn run(a: EnrollArgs, purpose: IrisPurpose) -> Result<(), String> {
    // First, so a mistyped --vault fails before anything is fetched into `<vault>.cache`.
    let vault = a.vault.open()?;
    let rpc = client(&a.wallet.node);
    let wallet = signer(&a.wallet)?;
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let chain_id = rpc.chain_id().map_err(|e| format!("chain id: {e}"))?;
    let version = registry
        .model_version(&rpc, ModelKind::Iris, a.version)
        .map_err(|e| format!("model version: {e}"))?;
    if version.status != VersionStatus::Active {
        return Err(format!(
            "iris model version {} is not active in the registry",
            a.version
        ));
    }
    let id = RecordId::new(&a.record).map_err(|e| format!("--record: {e}"))?;
    let shape = record_shape(&vault, &id)?;
    let model = load_package(
        &a.package,
        &a.vault.vault,
        a.version,
        version.modelHash.0,
        Some(shape),
    )?;
    // The package's key must be the one the registry pinned (and its verifier holds).
    model
        .check_vk_hash(version.vkHash.0)
        .map_err(|e| format!("package refused: {e}"))?;
    let nonce = registry
        .nonce(&rpc, wallet.address())
        .map_err(|e| format!("nonce: {e}"))?;
    let target = RegistryTarget {
        chain_id,
        registry: registry.address,
    };
    let request = IrisProofRequest::new(purpose, target, wallet.address(), nonce);
    // The flow may still refuse (the vault's state, the subject): no line claims it proves
    // until it did.
    let proof = prove_iris_code(
        &vault,
        &id,
        &model,
        &request,
        &ConsoleProgress::new(),
        Arc::default(),
    )
    .map_err(|e| e.to_string())?;
    println!(
        "proved iris model {} for {purpose:?} (nonce {nonce})",
        a.version
    );
    if let Some(dir) = &a.out {
        write_proof_dir(dir, &proof)?;
    }
    let receipt = rpc
        .send_signed(&wallet, &proof.tx)
        .map_err(|e| format!("{purpose:?} refused: {e}"))?;
    let command = match purpose {
        IrisPurpose::Enroll => "registry enroll",
        IrisPurpose::Reenroll => "registry reenroll",
    };
    let mut out = Fields::new(command);
    out.set("version", a.version)
        .set("nonce", nonce.to_string());
    out.line("tx", format!("{:#x}", receipt.transaction_hash))
        .line("gas", receipt.gas_used);
    confirm_iris_code(&vault, &id, &proof).map_err(|e| e.to_string())?;
    let record = registry
        .record(&rpc, wallet.address())
        .map_err(|e| format!("record: {e}"))?;
    let c_code = zkbio_core::evm::abi::fr_word(&proof.public_inputs[1]);
    if record.codeCommitment != c_code || record.irisVersion != a.version {
        return Err("the registry's record does not hold the proven C_code".into());
    }
    out.line("iris_version", record.irisVersion).line(
        "c_code",
        format!(
            "0x{}",
            hex::encode(record.codeCommitment.to_be_bytes::<32>())
        ),
    );
    out.emit();
    Ok(())
}
