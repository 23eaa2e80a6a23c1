//! The INSECURE-development-key marker outside the `.zpk` header, and the deployment policy.
//!
//! A development key ([`super::dev_setup_insecure`]) is marked in three places: the `.zpk`
//! header's flags ([`super::KeyOrigin`]), the model package manifest (`insecure_dev_key`, derived
//! from the key file when the package is published), and `verification_key.json`, as one extra
//! top-level field [`VK_JSON_MARKER`]` = true` (snarkjs and our parser ignore unknown fields, so
//! the file stays a valid snarkjs key). Registry tools read the last one, since a verifier is
//! deployed from `verification_key.json`.
//!
//! The marker guards against accidents, not attackers: whoever deploys can strip it. What it
//! prevents is a development key reaching a public chain unnoticed.

use ark_bn254::Bn254;
use ark_groth16::VerifyingKey;
use zkbio_circuits::circom::json::VerificationKeyJson;

use super::KeyOrigin;

/// The top-level field of `verification_key.json` that marks a development key.
pub const VK_JSON_MARKER: &str = "zkbio_insecure_dev_key";

/// Chain ids of local development nodes (anvil/hardhat 31337, ganache/geth --dev 1337), the
/// only chains a marked key may be deployed on without an explicit override.
pub const LOCAL_CHAIN_IDS: [u64; 2] = [31337, 1337];

/// `vk` as snarkjs's `verification_key.json` value, with the marker when `origin` says so.
pub fn vk_json(vk: &VerifyingKey<Bn254>, origin: KeyOrigin) -> serde_json::Value {
    let mut value =
        serde_json::to_value(VerificationKeyJson::from_vk(vk)).unwrap_or(serde_json::Value::Null);
    if origin == KeyOrigin::InsecureDev {
        if let Some(map) = value.as_object_mut() {
            map.insert(VK_JSON_MARKER.into(), serde_json::Value::Bool(true));
        }
    }
    value
}

/// The origin a `verification_key.json` declares: marked only if [`VK_JSON_MARKER`] is `true`.
pub fn vk_json_origin(json: &serde_json::Value) -> KeyOrigin {
    match json.get(VK_JSON_MARKER) {
        Some(serde_json::Value::Bool(true)) => KeyOrigin::InsecureDev,
        _ => KeyOrigin::External,
    }
}

/// Why a key may not be deployed.
#[derive(Debug, thiserror::Error, Clone, Copy, PartialEq, Eq)]
pub enum DeployRefusal {
    /// A marked development key, on a chain that is not a local development node.
    #[error("the verification key is an INSECURE development key (anyone who knows its seed can forge proofs); refusing to deploy it on chain {chain_id}: development keys deploy only on chain ids 31337 and 1337 unless explicitly allowed")]
    InsecureDevKey {
        /// The chain asked for.
        chain_id: u64,
    },
}

/// Whether a key of `origin` may be deployed on `chain_id`: development keys only on
/// [`LOCAL_CHAIN_IDS`], unless `allow_insecure` (the operator's explicit override).
pub fn check_deployable(
    origin: KeyOrigin,
    chain_id: u64,
    allow_insecure: bool,
) -> Result<(), DeployRefusal> {
    if origin == KeyOrigin::InsecureDev && !allow_insecure && !LOCAL_CHAIN_IDS.contains(&chain_id) {
        return Err(DeployRefusal::InsecureDevKey { chain_id });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn development_keys_deploy_only_on_local_chains_unless_allowed() {
        for chain in [1, 10, 8453, 11155111, 31338, 0] {
            assert_eq!(
                check_deployable(KeyOrigin::InsecureDev, chain, false),
                Err(DeployRefusal::InsecureDevKey { chain_id: chain })
            );
            assert_eq!(
                check_deployable(KeyOrigin::InsecureDev, chain, true),
                Ok(())
            );
            assert_eq!(check_deployable(KeyOrigin::External, chain, false), Ok(()));
        }
        for chain in LOCAL_CHAIN_IDS {
            assert_eq!(
                check_deployable(KeyOrigin::InsecureDev, chain, false),
                Ok(())
            );
        }
    }

    #[test]
    fn the_json_marker_round_trips_and_keeps_the_snarkjs_key() {
        let r1cs = zkbio_circuits::statements::image_opening::ImageOpening { rows: 1, cols: 8 };
        let r1cs = zkbio_circuits::Circuit::to_r1cs(&r1cs).unwrap();
        let vk = crate::dev_setup_insecure(&r1cs, [5; 32]).unwrap().vk;
        let marked = vk_json(&vk, KeyOrigin::InsecureDev);
        let plain = vk_json(&vk, KeyOrigin::External);
        assert_eq!(vk_json_origin(&marked), KeyOrigin::InsecureDev);
        assert_eq!(vk_json_origin(&plain), KeyOrigin::External);
        assert_eq!(plain.get(VK_JSON_MARKER), None);
        // The marked file is still the same snarkjs key to our parser.
        let back: VerificationKeyJson = serde_json::from_value(marked.clone()).unwrap();
        assert_eq!(back.to_vk().unwrap(), vk);
        let mut stripped = marked;
        stripped[VK_JSON_MARKER] = serde_json::Value::Bool(false);
        assert_eq!(vk_json_origin(&stripped), KeyOrigin::External);
    }
}
