//! snarkjs JSON (circuits/src/circom/json.rs): the same bytes as `proof.json`,
//! `verification_key.json` and `public.json`. Whatever parses converts to points or field
//! elements with typed errors, and what converts writes back and converts to the same values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use zkbio_circuits::circom::json::{
    g1_from_json, g1_to_json, g2_from_json, g2_to_json, public_from_json, public_to_json,
    ProofJson, VerificationKeyJson,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(proof) = serde_json::from_slice::<ProofJson>(data) {
        if let Ok(p) = proof.to_proof() {
            assert_eq!(ProofJson::from_proof(&p).to_proof().expect("re-parse"), p);
        }
    }
    if let Ok(vk_json) = serde_json::from_slice::<VerificationKeyJson>(data) {
        let text = serde_json::to_vec(&vk_json).expect("serializes");
        let back: VerificationKeyJson = serde_json::from_slice(&text).expect("re-parse");
        assert_eq!(back, vk_json);
        if let Ok(vk) = vk_json.to_vk() {
            // Every point re-encodes to itself (from_vk would also recompute e(α, β): too slow).
            for p in &vk.gamma_abc_g1 {
                assert_eq!(g1_from_json(&g1_to_json(p), "IC").expect("re-parse"), *p);
            }
            for p in [vk.beta_g2, vk.gamma_g2, vk.delta_g2] {
                assert_eq!(g2_from_json(&g2_to_json(&p), "G2").expect("re-parse"), p);
            }
        }
    }
    if let Ok(strings) = serde_json::from_slice::<Vec<String>>(data) {
        if let Ok(inputs) = public_from_json(&strings) {
            let back = public_from_json(&public_to_json(&inputs)).expect("re-parse");
            assert_eq!(back, inputs);
        }
    }
});
