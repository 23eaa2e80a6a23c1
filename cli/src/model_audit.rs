//! `zkbio model audit`: does a registered model version hold together?
//!
//! The registry pins, per `(kind, version)`, the model's keccak256 (`modelHash`), the
//! verification key's hash (`vkHash`, [`zkbio_core::evm::vk_hash`]) and a verifier contract.
//! Nothing on chain proves that the three belong together: an owner's mistake (or a malicious
//! owner) can pair a model with another model's key. The circuit alone does not determine the
//! key (a setup adds secret randomness), so the audit checks everything that can be checked:
//!
//! | check | what must hold |
//! |---|---|
//! | `registered` | the version exists (Active or Deprecated) |
//! | `model-hash` | keccak256 of the model file = the pinned `modelHash` |
//! | `model-file` | the file is a canonical iris model; its circuit is rebuilt from it |
//! | `verifier-vk-hash` | the deployed verifier's `vkHash()` = the pinned `vkHash` |
//! | `verifier-key` | keccak256 of the key the verifier reports (`verifyingKey()`) = its `vkHash()` |
//! | `package-vk-hash` | the package's `verification_key.json` hashes to the pinned `vkHash` (skipped without `--vk`) |
//! | `public-inputs` | the rebuilt circuit's public input count = the verifier's `nPublic()` = its IC points - 1 (and the package key's) |
//!
//! One line per check (`PASS`, `FAIL` or `SKIP`, the check, the detail), then
//! `verdict PASS|FAIL`; the exit code is 0 for PASS, 1 for FAIL, 2 when the node cannot be
//! read. What stays unchecked is said in the output: that the key came from a sound
//! ceremony for this circuit (`zkbio import-zkey` / `snarkjs zkey verify` check that).

use crate::artifacts::{io_err, read_vk};
use crate::registry_cmd::{client, Kind, NodeArgs};
use crate::vault_cmd::address;
use ark_bn254::Bn254;
use sha3::{Digest, Keccak256};
use std::path::PathBuf;
use zkbio_circuits::models::iris::IrisModel;
use zkbio_circuits::statements::iris_code::IrisCodeStatement;
use zkbio_circuits::Circuit;
use zkbio_core::groth16::VerifyingKey;
use zkbio_core::registry::BiometricRegistry::VersionStatus;
use zkbio_core::registry::{Address, RegistryContract, VerifierContract, B256, U256};

fn keccak256(bytes: &[u8]) -> B256 {
    B256::from(<[u8; 32]>::from(Keccak256::digest(bytes)))
}

/// `zkbio model audit`.
#[derive(clap::Args, Debug)]
pub struct AuditArgs {
    #[command(flatten)]
    pub node: NodeArgs,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// Model kind (only iris models can be rebuilt by this build).
    #[arg(long, value_enum, default_value_t = Kind::Iris)]
    pub kind: Kind,
    /// Model version.
    #[arg(long)]
    pub version: u32,
    /// The model file (a canonical iris model, e.g. the package's); default: the built-in
    /// open-iris v0.1 model (`zkbio export iris-model`).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The package's verification_key.json, to check against the pinned key hash.
    #[arg(long)]
    pub vk: Option<PathBuf>,
}

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It holds.
    Pass,
    /// It does not.
    Fail,
    /// It could not be made (an input is missing).
    Skip,
}

/// One check's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Its name (see the module docs).
    pub name: &'static str,
    /// Its verdict.
    pub verdict: Verdict,
    /// What was compared.
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, ok: bool, detail: String) -> Self {
        let verdict = if ok { Verdict::Pass } else { Verdict::Fail };
        Self {
            name,
            verdict,
            detail,
        }
    }

    fn verdict_word(&self) -> &'static str {
        match self.verdict {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "SKIP",
        }
    }

    fn line(&self) -> String {
        format!("{} {}: {}", self.verdict_word(), self.name, self.detail)
    }
}

/// What the chain says about the version and its verifier.
#[derive(Clone, Debug)]
pub struct OnChain {
    /// The version's status.
    pub status: VersionStatus,
    /// Its pinned model hash.
    pub model_hash: B256,
    /// Its pinned key hash.
    pub vk_hash: B256,
    /// Its verifier.
    pub verifier: Address,
    /// The verifier's `vkHash()` (`None`: no such function or no code).
    pub verifier_vk_hash: Option<B256>,
    /// keccak256 of the key the verifier's `verifyingKey()` reports.
    pub verifier_key_hash: Option<B256>,
    /// The verifier's `nPublic()`.
    pub verifier_n_public: Option<U256>,
    /// The number of IC points of the key the verifier reports.
    pub verifier_ic: Option<usize>,
}

/// The checks, from what the chain says, the model file and (optionally) the package's key.
pub fn audit(
    chain: &OnChain,
    model_bytes: &[u8],
    package_vk: Option<&VerifyingKey<Bn254>>,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let registered = chain.status != VersionStatus::None;
    checks.push(Check::new(
        "registered",
        registered,
        match chain.status {
            VersionStatus::Active => "active".into(),
            VersionStatus::Deprecated => "deprecated (no new proofs are accepted)".into(),
            _ => "never added".into(),
        },
    ));
    if !registered {
        return checks;
    }
    let file_hash = keccak256(model_bytes);
    checks.push(Check::new(
        "model-hash",
        file_hash == chain.model_hash,
        format!(
            "file {} (keccak256 of {} bytes), pinned {}",
            file_hash,
            model_bytes.len(),
            chain.model_hash
        ),
    ));
    let statement = match IrisModel::from_canonical_bytes(model_bytes) {
        Ok(model) => {
            let statement = IrisCodeStatement::new(model);
            checks.push(Check::new(
                "model-file",
                true,
                format!(
                    "{}: circuit of {} constraints, {} public inputs",
                    statement.model.name(),
                    statement.constraint_counts().total(),
                    statement.public_count()
                ),
            ));
            Some(statement)
        }
        Err(e) => {
            checks.push(Check::new(
                "model-file",
                false,
                format!("not a canonical iris model: {e}"),
            ));
            None
        }
    };
    checks.push(match chain.verifier_vk_hash {
        Some(h) => Check::new(
            "verifier-vk-hash",
            h == chain.vk_hash,
            format!(
                "verifier {} reports {h}, pinned {}",
                chain.verifier, chain.vk_hash
            ),
        ),
        None => Check::new(
            "verifier-vk-hash",
            false,
            format!("verifier {} has no vkHash()", chain.verifier),
        ),
    });
    checks.push(match (chain.verifier_key_hash, chain.verifier_vk_hash) {
        (Some(k), Some(h)) => Check::new(
            "verifier-key",
            k == h,
            format!("its verifyingKey() hashes to {k}"),
        ),
        _ => Check::new(
            "verifier-key",
            false,
            "the verifier's verifyingKey() or vkHash() cannot be read".into(),
        ),
    });
    let package_ic = package_vk.map(|vk| vk.gamma_abc_g1.len());
    checks.push(match package_vk {
        Some(vk) => match zkbio_core::evm::vk_hash(vk) {
            Ok(h) => Check::new(
                "package-vk-hash",
                h == chain.vk_hash,
                format!("package key {h}, pinned {}", chain.vk_hash),
            ),
            Err(e) => Check::new("package-vk-hash", false, format!("package key: {e}")),
        },
        None => Check {
            name: "package-vk-hash",
            verdict: Verdict::Skip,
            detail: "no --vk given".into(),
        },
    });
    checks.push(match &statement {
        Some(s) => {
            let n = s.public_count();
            let want_ic = n + 1;
            let ok = chain.verifier_n_public == Some(U256::from(n))
                && chain.verifier_ic == Some(want_ic)
                && package_ic.is_none_or(|ic| ic == want_ic);
            let mut detail = format!(
                "circuit {n}, verifier nPublic {}, verifier IC points {}",
                chain
                    .verifier_n_public
                    .map_or("unreadable".into(), |x| x.to_string()),
                chain
                    .verifier_ic
                    .map_or("unreadable".into(), |x| x.to_string())
            );
            if let Some(ic) = package_ic {
                detail.push_str(&format!(", package key IC points {ic}"));
            }
            Check::new("public-inputs", ok, detail)
        }
        None => Check {
            name: "public-inputs",
            verdict: Verdict::Skip,
            detail: "no circuit (the model file did not parse)".into(),
        },
    });
    checks
}

/// Reads what the chain says about `(kind, version)` of `registry`.
fn read_chain(a: &AuditArgs) -> Result<OnChain, String> {
    let rpc = client(&a.node);
    let registry = RegistryContract::new(address("--registry", &a.registry)?);
    let m = registry
        .model_version(&rpc, a.kind.model_kind(), a.version)
        .map_err(|e| format!("modelVersion: {e}"))?;
    let verifier = VerifierContract::new(m.verifier);
    // A verifier that lacks a function (or has no code) makes that read fail: a failed check,
    // not an audit error.
    let registered = m.status != VersionStatus::None;
    let key = if registered {
        verifier.verifying_key(&rpc).ok()
    } else {
        None
    };
    Ok(OnChain {
        status: m.status,
        model_hash: m.modelHash,
        vk_hash: m.vkHash,
        verifier: m.verifier,
        verifier_vk_hash: registered.then(|| verifier.vk_hash(&rpc).ok()).flatten(),
        verifier_key_hash: registered
            .then(|| verifier.hash_of_reported_key(&rpc).ok())
            .flatten(),
        verifier_n_public: registered.then(|| verifier.n_public(&rpc).ok()).flatten(),
        verifier_ic: key.map(|k| k.ic.len()),
    })
}

/// Runs `zkbio model audit`; `Ok(false)` when a check failed.
pub fn audit_cmd(a: AuditArgs) -> Result<bool, String> {
    if a.kind != Kind::Iris {
        return Err(format!(
            "only iris models can be rebuilt by this build, not {}",
            a.kind.name()
        ));
    }
    let model_bytes = match &a.model {
        Some(path) => std::fs::read(path).map_err(|e| io_err(path, e))?,
        None => IrisModel::open_iris_v0_1().to_canonical_bytes(),
    };
    let package_vk = a.vk.as_deref().map(read_vk).transpose()?;
    let chain = read_chain(&a)?;
    println!(
        "audit of model {} {} in registry {} (pinned model hash {}, vk hash {})",
        a.kind.name(),
        a.version,
        a.registry,
        chain.model_hash,
        chain.vk_hash
    );
    let checks = audit(&chain, &model_bytes, package_vk.as_ref());
    for c in &checks {
        println!("{}", c.line());
    }
    let ok = checks.iter().all(|c| c.verdict != Verdict::Fail);
    println!(
        "note: not checked here: that the key came from a sound setup for this circuit \
         (zkbio import-zkey with the ceremony's files)"
    );
    let verdict = if ok { "PASS" } else { "FAIL" };
    println!("verdict {verdict}");
    crate::output::result(serde_json::json!({
        "command": "model audit",
        "kind": a.kind.name(),
        "version": a.version,
        "registry": a.registry,
        "model_hash": chain.model_hash.to_string(),
        "vk_hash": chain.vk_hash.to_string(),
        "checks": checks
            .iter()
            .map(|c| serde_json::json!({
                "name": c.name,
                "verdict": c.verdict_word(),
                "detail": c.detail,
            }))
            .collect::<Vec<_>>(),
        "verdict": verdict,
    }));
    Ok(ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A consistent version of the tiny test model, with a key of its shape (3 public inputs;
    /// the points do not matter to the audit, only their hash and count).
    fn consistent() -> (OnChain, Vec<u8>, VerifyingKey<Bn254>) {
        let bytes = IrisModel::tiny_test_model(1).to_canonical_bytes();
        let vk = VerifyingKey::<Bn254> {
            gamma_abc_g1: vec![Default::default(); 4],
            ..Default::default()
        };
        let vk_hash = zkbio_core::evm::vk_hash(&vk).unwrap();
        let chain = OnChain {
            status: VersionStatus::Active,
            model_hash: keccak256(&bytes),
            vk_hash,
            verifier: Address::repeat_byte(7),
            verifier_vk_hash: Some(vk_hash),
            verifier_key_hash: Some(vk_hash),
            verifier_n_public: Some(U256::from(3u8)),
            verifier_ic: Some(4),
        };
        (chain, bytes, vk)
    }

    fn failed(checks: &[Check]) -> Vec<&'static str> {
        checks
            .iter()
            .filter(|c| c.verdict == Verdict::Fail)
            .map(|c| c.name)
            .collect()
    }

    #[test]
    fn a_consistent_version_passes_every_check() {
        let (chain, bytes, vk) = consistent();
        let checks = audit(&chain, &bytes, Some(&vk));
        assert_eq!(checks.len(), 7);
        assert!(
            checks.iter().all(|c| c.verdict == Verdict::Pass),
            "{checks:?}"
        );
        let without_vk = audit(&chain, &bytes, None);
        assert_eq!(without_vk[5].verdict, Verdict::Skip);
        assert!(failed(&without_vk).is_empty());
    }

    #[test]
    fn each_mismatch_fails_its_own_check() {
        let (chain, bytes, vk) = consistent();
        // Another model file (the -1 variant): its hash is not the pin.
        let other = IrisModel::tiny_test_model(-1).to_canonical_bytes();
        assert_eq!(failed(&audit(&chain, &other, Some(&vk))), ["model-hash"]);
        // Bytes that are not a model.
        let junk = b"not a model".to_vec();
        let mut c = chain.clone();
        c.model_hash = keccak256(&junk);
        assert_eq!(failed(&audit(&c, &junk, Some(&vk))), ["model-file"]);
        // The pinned vkHash is another key's: the verifier and the package disagree with it.
        let mut c = chain.clone();
        c.vk_hash = B256::repeat_byte(1);
        assert_eq!(
            failed(&audit(&c, &bytes, Some(&vk))),
            ["verifier-vk-hash", "package-vk-hash"]
        );
        // A verifier whose vkHash() is not the hash of the key it verifies with.
        let mut c = chain.clone();
        c.verifier_key_hash = Some(B256::repeat_byte(2));
        assert_eq!(failed(&audit(&c, &bytes, Some(&vk))), ["verifier-key"]);
        // A verifier without vkHash().
        let mut c = chain.clone();
        c.verifier_vk_hash = None;
        assert_eq!(
            failed(&audit(&c, &bytes, Some(&vk))),
            ["verifier-vk-hash", "verifier-key"]
        );
        // A package key with another public input count.
        let mut wide = vk.clone();
        wide.gamma_abc_g1.push(wide.gamma_abc_g1[0]);
        let mut c = chain.clone();
        c.vk_hash = zkbio_core::evm::vk_hash(&wide).unwrap();
        c.verifier_vk_hash = Some(c.vk_hash);
        c.verifier_key_hash = Some(c.vk_hash);
        assert_eq!(failed(&audit(&c, &bytes, Some(&wide))), ["public-inputs"]);
        // A verifier with 2 public inputs.
        let mut c = chain.clone();
        c.verifier_n_public = Some(U256::from(2u8));
        assert_eq!(failed(&audit(&c, &bytes, None)), ["public-inputs"]);
        // A version never added: one failed check, nothing else compared.
        let mut c = chain;
        c.status = VersionStatus::None;
        let checks = audit(&c, &bytes, Some(&vk));
        assert_eq!(checks.len(), 1);
        assert_eq!(failed(&checks), ["registered"]);
    }
}
