//! The demo's face steps, after the iris enrollment: the face embedding registered and a face
//! match verified through the registry on the embedded EVM, and a non-matching selfie refused
//! before proving (docs/PROTOCOL.md, "Face statements").
//!
//! The face images are synthetic identities made here (smooth blob patterns, the development
//! face model's training distribution; `tests/face/make_face_model.py`): no real face ships
//! with zkbio. A selfie is the enrolled image under a camera-like change (a one-pixel shift,
//! contrast, brightness, sensor noise), made with integer arithmetic from a seed; a stranger is
//! another identity.

use super::key_cache::KeyCache;
use super::{evm_err, DemoRegistry, EMBEDDED_CHAIN_ID};
use crate::artifacts::{seed_from_text, write_proof, write_public, write_vk};
use crate::mem::rss_anon_bytes;
use crate::report::{phase, ConsoleProgress, Measured};
use ark_bn254::Fr;
use ark_ff::PrimeField;
use std::path::Path;
use zkbio_circuits::gadgets::cosine::similarity;
use zkbio_circuits::models::face::{FaceModel, DEV_TAU};
use zkbio_circuits::models::tflite::model_hash;
use zkbio_circuits::statements::face_embedding::FaceEmbeddingStatement;
use zkbio_circuits::statements::face_match::FaceMatchStatement;
use zkbio_circuits::Circuit;
use zkbio_core::evm::{EmbeddedEvm, EvmError};
use zkbio_core::flows::{check_face_match, FaceMatchError};
use zkbio_core::groth16::key_file::MappedKey;
use zkbio_core::groth16::{prove, verify};
use zkbio_core::groth16::{KeyOrigin, VerifyingKey};
use zkbio_core::registry::BiometricRegistry as R;
use zkbio_core::registry::{binding, EmbeddedRegistry, LocalSigner, ModelKind, Revert, B256, U256};
use zkbio_core::sample::{perturbed_face, synthetic_face};

/// The face model version the demo registers (both face kinds).
const FACE_VERSION: u32 = 1;
/// Selfies and strangers the similarity distribution is measured on.
const PAIRS: u64 = 20;
/// The tiny model's threshold for the small demo (0.95): the tiny model is an untrained
/// stand-in (8x8 input, 8-d output), so its threshold is set from the demo's own images.
const TINY_TAU: u16 = 62259;

/// The face model the demo runs, its threshold and its sample images.
pub(super) struct FaceDemo {
    model: FaceModel,
    /// keccak256 of the model file: the registry's model hash.
    model_hash: [u8; 32],
    label: &'static str,
    tau: u16,
    enrolled: Vec<u8>,
    salt_face: Fr,
    salt_emb: Fr,
}

impl FaceDemo {
    /// The development model (`face_dev.tflite`, 64x64, [`DEV_TAU`]), or with `tiny` the tiny
    /// test model (`face_tiny.tflite`, 8x8), which keeps the small demo at seconds.
    pub(super) fn new(tiny: bool, seed: &str) -> Result<Self, String> {
        let (bytes, label, tau): (&[u8], _, _) = if tiny {
            (
                include_bytes!("../../../circuits/tests/data/face/face_tiny.tflite"),
                "face_tiny.tflite (8x8, 8-d; an untrained test model)",
                TINY_TAU,
            )
        } else {
            (
                include_bytes!("../../../circuits/tests/data/face/face_dev.tflite"),
                "face_dev.tflite (64x64, 128-d; a development model, not a face recognizer)",
                DEV_TAU,
            )
        };
        let model = FaceModel::from_bytes(bytes).map_err(|e| format!("face model: {e}"))?;
        let salt =
            |what: &str| Fr::from_le_bytes_mod_order(&seed_from_text(&format!("{seed} {what}")));
        Ok(FaceDemo {
            model_hash: model_hash(bytes),
            enrolled: synthetic_face(model.height(), model.width(), 1),
            model,
            label,
            tau,
            salt_face: salt("salt_face"),
            salt_emb: salt("salt_emb"),
        })
    }

    /// `C_face` of the enrolled image: what the scanner signs with `C_img`.
    pub(super) fn c_face(&self) -> Fr {
        // `new` made the image at the model's size.
        self.model
            .face_commitment(&self.enrolled, self.salt_face)
            .unwrap_or(Fr::from(0u64))
    }

    fn side(&self) -> (usize, usize) {
        (self.model.height(), self.model.width())
    }

    /// The `i`-th selfie: the enrolled image as a new camera capture.
    fn selfie(&self, i: u64) -> Vec<u8> {
        let (h, w) = self.side();
        perturbed_face(&self.enrolled, h, w, 1000 + i)
    }

    /// The `i`-th stranger: another identity's camera capture.
    fn stranger(&self, i: u64) -> Vec<u8> {
        let (h, w) = self.side();
        perturbed_face(&synthetic_face(h, w, 100 + i), h, w, 2000 + i)
    }
}

/// Where the face steps keep their files.
#[derive(Clone, Copy)]
pub(super) struct FaceFiles<'a> {
    /// The demo's directory (keys without a cache; the `--out` directories).
    pub dir: &'a Path,
    /// Leave `face-embedding/` and `face-match/` in `dir`.
    pub out: bool,
    /// The development keys' cache.
    pub cache: &'a KeyCache,
}

/// The face steps: keys for both statements, the embedding proved and registered, a match
/// proved and verified by a relying party, a replay and a stranger refused. `files.dir` holds
/// the keys the cache does not; with `files.out`, `face-embedding/` and `face-match/` (snarkjs
/// formats) are left in it.
pub(super) fn run(
    face: &FaceDemo,
    reg: &DemoRegistry,
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    files: &FaceFiles<'_>,
    phases: &mut Vec<Measured>,
) -> Result<(), String> {
    let FaceFiles { dir, out, cache } = *files;
    println!(
        "  face model: {}, tau {} ({:.4})",
        face.label,
        face.tau,
        f64::from(face.tau) / 65536.0
    );
    let (dist, m) = phase("10. face similarity (exact integer cosine)", || {
        distribution(face)
    });
    phases.push(m);
    let dist = dist?;
    println!(
        "     enrolled vs {PAIRS} selfies:  min {}  median {}  max {}",
        frac(dist.genuine[0]),
        frac(dist.genuine[dist.genuine.len() / 2]),
        frac(dist.genuine[dist.genuine.len() - 1])
    );
    println!(
        "     enrolled vs {PAIRS} strangers: min {}  median {}  max {}",
        frac(dist.impostor[0]),
        frac(dist.impostor[dist.impostor.len() / 2]),
        frac(dist.impostor[dist.impostor.len() - 1])
    );

    let emb_stmt = FaceEmbeddingStatement::new(face.model.clone());
    let match_stmt = FaceMatchStatement::new(face.model.clone());
    let seed = |what: &str| seed_from_text(&format!("zkbio demo {what}"));
    let emb_keys = keys(
        "11. face embedding",
        "face_embedding.zpk",
        &emb_stmt,
        seed("face embedding"),
        dir,
        cache,
        phases,
    )?;
    let match_keys = keys(
        "12. face match",
        "face_match.zpk",
        &match_stmt,
        seed("face match"),
        dir,
        cache,
        phases,
    )?;

    // The embedding, bound to the subject's next nonce (enroll consumed nonce 0).
    let subject = reg.subject.address();
    let nonce = registry
        .read(evm, R::noncesCall { wallet: subject })
        .map_err(|e| evm_err("nonces", e))?;
    let b = binding(EMBEDDED_CHAIN_ID, registry.contract.address, subject, nonce);
    let input = emb_stmt
        .input(face.enrolled.clone(), face.salt_face, face.salt_emb, b)
        .map_err(|e| e.to_string())?;
    let public = emb_stmt.public_inputs(&input).to_vec();
    let template = emb_stmt.embedding(&input);
    let proof = prove_checked(
        "13. face embedding",
        &emb_stmt,
        &input,
        &public,
        &emb_keys,
        phases,
    )?;
    drop(input);
    let c_emb = public[1];
    if out {
        leave(&dir.join("face-embedding"), &emb_keys.vk, &proof, &public)?;
    }

    let (lines, m) = phase(
        "14. registerFaceEmbedding (revm)",
        || -> Result<_, String> {
            let mut lines =
                register_versions(face, reg, evm, registry, [&emb_keys.vk, &match_keys.vk])?;
            let tx =
                registry
                    .contract
                    .register_face_embedding(subject, FACE_VERSION, c_emb, &proof);
            let gas = registry
                .send(evm, subject, &tx)
                .map_err(|e| evm_err("registerFaceEmbedding", e))?;
            let record = registry
                .read(evm, R::recordOfCall { subject })
                .map_err(|e| evm_err("recordOf", e))?;
            if record.embeddingCommitment != zkbio_core::evm::abi::fr_word(&c_emb)
                || record.faceVersion != FACE_VERSION
            {
                return Err("the registry's record does not hold the registered C_emb".into());
            }
            lines.push(format!(
            "registerFaceEmbedding(subject {subject}, C_emb {c_emb}) with the proof: gas {gas}; record: face version {FACE_VERSION}"
        ));
            Ok(lines)
        },
    );
    phases.push(m);
    for line in lines? {
        println!("     {line}");
    }

    // The relying party asks for a match with a fresh challenge; the phone checks the selfie
    // first (the flow's check), then proves.
    let relying_party = LocalSigner::from_bytes(&seed("relying party"))
        .map_err(|e| format!("relying party key: {e}"))?
        .address();
    let challenge = U256::from_be_bytes(rand::random::<[u8; 32]>());
    let selfie = face.selfie(0);
    let sim = check_face_match(&face.model, &selfie, &template, face.tau)
        .map_err(|e| format!("the demo's own selfie was refused: {e}"))?;
    println!(
        "  selfie (enrolled image, camera-like changes): similarity {} >= tau, proving",
        frac(sim)
    );
    let b = binding(
        EMBEDDED_CHAIN_ID,
        registry.contract.address,
        relying_party,
        challenge,
    );
    let input = match_stmt
        .input(selfie, template.clone(), face.salt_emb, face.tau, b)
        .map_err(|e| e.to_string())?;
    let public = match_stmt.public_inputs(&input).to_vec();
    let proof = prove_checked(
        "15. face match",
        &match_stmt,
        &input,
        &public,
        &match_keys,
        phases,
    )?;
    drop(input);
    if out {
        leave(&dir.join("face-match"), &match_keys.vk, &proof, &public)?;
    }

    let (lines, m) = phase("16. verifyFaceMatch (revm)", || -> Result<_, String> {
        let tau = public[1];
        let tx = registry
            .contract
            .verify_face_match(subject, challenge, tau, &proof);
        let gas = registry
            .send(evm, relying_party, &tx)
            .map_err(|e| evm_err("verifyFaceMatch", e))?;
        let used = registry
            .read(
                evm,
                R::challengeUsedCall {
                    relyingParty: relying_party,
                    challenge,
                },
            )
            .map_err(|e| evm_err("challengeUsed", e))?;
        if !used {
            return Err("the accepted challenge is not marked used".into());
        }
        let mut lines = vec![format!(
            "verifyFaceMatch(subject, challenge, tau {}) from relying party {relying_party}: gas {gas}; challenge consumed",
            face.tau
        )];
        match registry.send(evm, relying_party, &tx) {
            Err(EvmError::Reverted { output, gas_used }) => lines.push(format!(
                "replayed verifyFaceMatch: reverted with {} (gas {gas_used})",
                Revert::decode(&output)
            )),
            Ok(_) => return Err("a replayed verifyFaceMatch was accepted".into()),
            Err(e) => return Err(evm_err("replayed verifyFaceMatch", e)),
        }
        Ok(lines)
    });
    phases.push(m);
    for line in lines? {
        println!("     {line}");
    }

    // The first stranger the model tells apart (with the dev model: the first; the untrained
    // tiny model confuses some identities, which the similarity distribution above shows).
    let refused = (0..PAIRS).find_map(|i| {
        match check_face_match(&face.model, &face.stranger(i), &template, face.tau) {
            Err(FaceMatchError::FaceNoMatch { similarity, .. }) => Some(Ok((i, similarity))),
            Ok(_) => None,
            Err(e) => Some(Err(e.to_string())),
        }
    });
    match refused {
        Some(Ok((i, similarity))) => println!(
            "  another identity's selfie (stranger {i}): refused before proving (FaceNoMatch, similarity {} < tau {})",
            similarity.map_or("<= 0".into(), frac),
            frac(u32::from(face.tau))
        ),
        Some(Err(e)) => return Err(e),
        None => return Err(format!("the face model matched all {PAIRS} strangers")),
    }
    Ok(())
}

/// A statement's proving key, mapped from its `.zpk`, and its verification key.
pub(super) struct Keys {
    pub(super) key: MappedKey,
    pub(super) vk: VerifyingKey<ark_bn254::Bn254>,
}

/// Synthesis, then the INSECURE development key (cached, or set up, written and mapped), as
/// phases.
pub(super) fn keys<C: Circuit>(
    name: &str,
    file: &str,
    circuit: &C,
    seed: [u8; 32],
    dir: &Path,
    cache: &KeyCache,
    phases: &mut Vec<Measured>,
) -> Result<Keys, String> {
    let (r1cs, m) = phase(&format!("{name}: synthesize circuit"), || circuit.to_r1cs());
    let r1cs = r1cs.map_err(|e| e.to_string())?;
    phases.push(m);
    println!(
        "     {} constraints, {} wires, domain 2^{}",
        r1cs.constraints.len(),
        r1cs.n_wires,
        r1cs.domain_size().trailing_zeros()
    );
    let setup = format!("{name}: dev setup (INSECURE)");
    let (key, _) = cache.dev_key(&setup, &r1cs, seed, &dir.join(file), phases)?;
    drop(r1cs);
    if let Some(anon) = rss_anon_bytes() {
        println!(
            "     RssAnon with the key mapped: {}",
            crate::mem::mib(anon)
        );
    }
    let vk = key.view().verifying_key();
    Ok(Keys { key, vk })
}

/// Witness, proof and verification in Rust, as phases.
pub(super) fn prove_checked<C: Circuit>(
    name: &str,
    circuit: &C,
    input: &C::Input,
    public: &[Fr],
    keys: &Keys,
    phases: &mut Vec<Measured>,
) -> Result<zkbio_core::groth16::Proof<ark_bn254::Bn254>, String> {
    let (w, m) = phase(&format!("{name}: witness (inference)"), || {
        circuit.witness(input)
    });
    let w = w.map_err(|e| e.to_string())?;
    phases.push(m);
    let (proof, m) = phase(&format!("{name}: prove"), || {
        prove(
            &keys.key.view(),
            w,
            &mut rand::rngs::OsRng,
            &ConsoleProgress::new(),
        )
    });
    let proof = proof.map_err(|e| e.to_string())?;
    phases.push(m);
    if let Some(anon) = rss_anon_bytes() {
        println!("     RssAnon after proving: {}", crate::mem::mib(anon));
    }
    let (ok, m) = phase(&format!("{name}: verify (Rust)"), || {
        verify(&keys.vk, &proof, public)
    });
    ok.map_err(|e| format!("our verifier rejected the {name} proof: {e}"))?;
    phases.push(m);
    Ok(proof)
}

/// Deploys both face verifiers and registers face version [`FACE_VERSION`] for both kinds.
fn register_versions(
    face: &FaceDemo,
    reg: &DemoRegistry,
    evm: &mut EmbeddedEvm,
    registry: &EmbeddedRegistry,
    [emb_vk, match_vk]: [&VerifyingKey<ark_bn254::Bn254>; 2],
) -> Result<Vec<String>, String> {
    let owner = reg.owner.address();
    let mut lines = Vec::new();
    for (kind, vk) in [
        (ModelKind::FaceEmbedding, emb_vk),
        (ModelKind::Face, match_vk),
    ] {
        lines.push(super::register_model_version(
            evm,
            registry,
            owner,
            (kind, FACE_VERSION),
            B256::from(face.model_hash),
            vk,
        )?);
    }
    Ok(lines)
}

/// `verification_key.json`, `proof.json`, `public.json` in `dir`.
pub(super) fn leave(
    dir: &Path,
    vk: &VerifyingKey<ark_bn254::Bn254>,
    proof: &zkbio_core::groth16::Proof<ark_bn254::Bn254>,
    public: &[Fr],
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_vk(
        &dir.join("verification_key.json"),
        vk,
        KeyOrigin::InsecureDev,
    )?;
    write_proof(&dir.join("proof.json"), proof)?;
    write_public(&dir.join("public.json"), public)
}

/// Sorted similarities (16-bit fractions; 0 for a dot product `<= 0`) of the enrolled image's
/// embedding against [`PAIRS`] selfies and [`PAIRS`] strangers.
struct Distribution {
    genuine: Vec<u32>,
    impostor: Vec<u32>,
}

fn distribution(face: &FaceDemo) -> Result<Distribution, String> {
    let embed = |img: &[u8]| face.model.embed(img).map_err(|e| e.to_string());
    let e = embed(&face.enrolled)?;
    let sims = |img: fn(&FaceDemo, u64) -> Vec<u8>| -> Result<Vec<u32>, String> {
        let mut v = (0..PAIRS)
            .map(|i| Ok(similarity(&embed(&img(face, i))?, &e).unwrap_or(0)))
            .collect::<Result<Vec<_>, String>>()?;
        v.sort_unstable();
        Ok(v)
    };
    Ok(Distribution {
        genuine: sims(FaceDemo::selfie)?,
        impostor: sims(FaceDemo::stranger)?,
    })
}

/// A 16-bit fraction as `s/65536 (0.xxxx)`.
fn frac(s: u32) -> String {
    format!("{s} ({:.4})", f64::from(s) / 65536.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default demo's premise, on the dev model: every selfie matches at DEV_TAU, no
    /// stranger does, and the stranger the demo shows is refused by the flow's check.
    #[test]
    fn dev_model_matches_every_demo_selfie_and_no_stranger() {
        let face = FaceDemo::new(false, "zkbio demo").unwrap();
        let d = distribution(&face).unwrap();
        assert_eq!(
            (d.genuine.len(), d.impostor.len()),
            (PAIRS as usize, PAIRS as usize)
        );
        assert!(d.genuine[0] >= u32::from(DEV_TAU), "{:?}", d.genuine);
        assert!(
            d.impostor[d.impostor.len() - 1] < u32::from(DEV_TAU),
            "{:?}",
            d.impostor
        );
        let e = face.model.embed(&face.enrolled).unwrap();
        assert!(check_face_match(&face.model, &face.selfie(0), &e, DEV_TAU).is_ok());
        assert!(matches!(
            check_face_match(&face.model, &face.stranger(0), &e, DEV_TAU),
            Err(FaceMatchError::FaceNoMatch { .. })
        ));
    }
}
