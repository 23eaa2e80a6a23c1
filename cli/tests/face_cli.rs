//! The face flows from the CLI against a real node, with the tiny face model's real verifiers:
//! a registry on anvil with iris version 1 and face version 1 (both face kinds, each with the
//! face package's own verifier), a scanner enrollment carrying a real face crop, the iris
//! enrollment, `face register` (the registry and the vault agree on `C_emb`), a `face match`
//! accepted by `verifyFaceMatch`, a non-matching selfie refused before proving, and the match
//! proof refused when replayed for another relying party or the same challenge again.

use std::path::Path;

use zkbio_core::registry::{
    HttpTransport, LocalSigner, RegistryContract, RpcClient, TxRequest, U256,
};

mod support;
use support::{
    address_of as addr, enroll_into_vault, field, zkbio, zkbio_ok, Anvil, FileServer, Registry,
    OWNER_KEY, PUBLISHER_KEY, SUBJECT_KEY,
};

/// anvil's default accounts 0 (owner), 2 (the subject), 3 and 4 (relying parties).
const RP_KEY: &str = "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6";
const OTHER_RP_KEY: &str = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a";
/// The development model's threshold (zkbio_circuits::models::face::DEV_TAU).
const TAU: &str = "57344";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

#[test]
fn register_a_face_embedding_and_verify_face_matches_on_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let subject = addr(SUBJECT_KEY);
    let rp = addr(RP_KEY);

    // The publisher's iris and face packages, served over HTTP.
    let iris_dir = root.join("www/iris");
    let face_dir = root.join("www/face");
    zkbio_ok(&[
        "package",
        "dev-iris",
        "--out",
        s(&iris_dir),
        "--version",
        "1",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    let out = zkbio_ok(&[
        "package",
        "dev-face",
        "--out",
        s(&face_dir),
        "--version",
        "1",
        "--model",
        "tiny",
        "--seed",
        "face cli test",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    let publisher = field(&out, "publisher");
    let www = FileServer::start(root.join("www"));

    // The registry with iris 1 and the scanner; the scanner's enrollment with the synthetic
    // identity 1's 8x8 face crop, imported; face 1 for both kinds with the package's verifiers.
    let anvil = Anvil::start();
    let enrolled = enroll_into_vault(
        root,
        Registry::Deploy {
            anvil: &anvil,
            package: &iris_dir,
        },
        &subject,
        &[
            "--sample",
            "tiny",
            "--face-side",
            "8",
            "--face-identity",
            "1",
        ],
    );
    let registry = enrolled.registry.clone();
    let c_face = field(&enrolled.scanner_out, "c_face");
    let v = enrolled.vault_arg();
    for (kind, vk) in [
        ("face-embedding", "embedding_vk.json"),
        ("face", "match_vk.json"),
    ] {
        zkbio_ok(&[
            "registry",
            "add-model",
            "--rpc",
            &anvil.url,
            "--key",
            OWNER_KEY,
            "--registry",
            &registry,
            "--kind",
            kind,
            "--version",
            "1",
            "--model",
            s(&face_dir.join("model.tflite")),
            "--vk",
            s(&face_dir.join(vk)),
        ]);
    }

    let package_args = |url: &str| -> Vec<String> {
        [
            "--vault",
            v,
            "--record",
            "me",
            "--package",
            url,
            "--publisher",
            &publisher,
        ]
        .map(String::from)
        .to_vec()
    };
    let iris_url = format!("{}/iris", www.url);
    let face_url = format!("{}/face", www.url);
    let register = |key: &str| {
        let mut args: Vec<String> = [
            "face",
            "register",
            "--rpc",
            &anvil.url,
            "--key",
            key,
            "--registry",
            &registry,
            "--version",
            "1",
        ]
        .map(String::from)
        .to_vec();
        args.extend(package_args(&face_url));
        zkbio(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // Before the iris enrollment, the registry would refuse: refused before proving.
    let out = register(SUBJECT_KEY);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("not enrolled"), "{stderr}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("proved"));

    let mut enroll: Vec<String> = [
        "registry",
        "enroll",
        "--rpc",
        &anvil.url,
        "--key",
        SUBJECT_KEY,
        "--registry",
        &registry,
        "--version",
        "1",
    ]
    .map(String::from)
    .to_vec();
    enroll.extend(package_args(&iris_url));
    zkbio_ok(&enroll.iter().map(String::as_str).collect::<Vec<_>>());

    // face register: the registry's record and the vault hold the proven C_emb.
    let out = register(SUBJECT_KEY);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(field(&stdout, "face_version"), "1");
    let c_emb = field(&stdout, "c_emb");
    let gas_register: u64 = field(&stdout, "gas").parse().expect("gas");
    println!("gas registerFaceEmbedding {gas_register}");
    let status = zkbio_ok(&["vault", "status", "--vault", v, "--record", "me"]);
    assert_eq!(field(&status, "face_version"), "1");
    assert_eq!(field(&status, "c_emb"), c_emb);
    assert_eq!(field(&status, "c_face"), c_face);
    let on_chain = zkbio_ok(&[
        "registry",
        "status",
        "--rpc",
        &anvil.url,
        "--registry",
        &registry,
        "--subject",
        &subject,
    ]);
    assert!(on_chain.contains(&format!("C_emb {c_emb}")), "{on_chain}");
    assert!(on_chain.contains("face-version 1"), "{on_chain}");

    // Selfies: a perturbed copy of identity 1, and identity 0 (which the tiny model does not
    // match with identity 1).
    let selfie = root.join("selfie.png");
    let other = root.join("other.png");
    let small = root.join("small.png");
    zkbio_ok(&[
        "face",
        "sample",
        "--identity",
        "1",
        "--selfie-seed",
        "5",
        "--out",
        s(&selfie),
    ]);
    zkbio_ok(&["face", "sample", "--identity", "0", "--out", s(&other)]);
    zkbio_ok(&["face", "sample", "--side", "4", "--out", s(&small)]);
    let proof_dir = root.join("match");
    let face_match = |key: &str, png: &Path, rp: &str, send: bool| {
        let mut args: Vec<String> = [
            "face",
            "match",
            "--rpc",
            &anvil.url,
            "--key",
            key,
            "--registry",
            &registry,
            "--selfie",
            s(png),
            "--relying-party",
            rp,
            "--challenge",
            "0xc0ffee",
            "--tau",
            TAU,
            "--out",
            s(&proof_dir),
        ]
        .map(String::from)
        .to_vec();
        args.extend(package_args(&face_url));
        if send {
            args.push("--send".into());
        }
        zkbio(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // Refused before proving: another identity, a wrong-size selfie.
    for (png, why) in [(&other, "does not match"), (&small, "invalid input")] {
        let out = face_match(RP_KEY, png, &rp, true);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(why), "{stderr}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("proved"));
    }
    assert!(!proof_dir.exists(), "no proof written for a refused selfie");
    // --send from a wallet that is not the relying party is refused before proving.
    let out = face_match(OTHER_RP_KEY, &selfie, &rp, true);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the relying party"));

    // The match, sent by the relying party: accepted, the challenge consumed.
    let out = face_match(RP_KEY, &selfie, &rp, true);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("verified on chain"), "{stdout}");
    let similarity: u32 = field(&stdout, "similarity").parse().expect("similarity");
    assert!(similarity >= 57344, "{similarity}");
    let gas_match: u64 = field(&stdout, "gas").parse().expect("gas");
    println!("gas verifyFaceMatch {gas_match}");

    // face verify: the proof is for this relying party, challenge and tau only.
    let verify = |rp: &str, challenge: &str, tau: &str| {
        zkbio(&[
            "face",
            "verify",
            "--vk",
            s(&face_dir.join("match_vk.json")),
            "--proof",
            s(&proof_dir.join("proof.json")),
            "--public",
            s(&proof_dir.join("public.json")),
            "--rpc",
            &anvil.url,
            "--registry",
            &registry,
            "--subject",
            &subject,
            "--relying-party",
            rp,
            "--challenge",
            challenge,
            "--tau",
            tau,
        ])
        .status
        .code()
    };
    assert_eq!(verify(&rp, "0xc0ffee", TAU), Some(0));
    assert_eq!(verify(&addr(OTHER_RP_KEY), "0xc0ffee", TAU), Some(1));
    assert_eq!(verify(&rp, "0xc0ffef", TAU), Some(1));
    assert_eq!(verify(&rp, "0xc0ffee", "57343"), Some(1));

    // Replays on chain: the same call from another relying party (its binding names another
    // caller: InvalidProof), and from the same relying party again (ChallengeAlreadyUsed).
    let tx: serde_json::Value =
        serde_json::from_slice(&std::fs::read(proof_dir.join("tx.json")).unwrap()).unwrap();
    let data = hex::decode(tx["data"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let call = TxRequest {
        to: registry.parse().unwrap(),
        data,
        value: U256::ZERO,
    };
    let rpc = RpcClient::new(HttpTransport::new(
        &anvil.url,
        std::time::Duration::from_secs(30),
    ));
    let err = rpc
        .send_signed(&LocalSigner::from_hex(OTHER_RP_KEY).unwrap(), &call)
        .unwrap_err()
        .to_string();
    assert!(err.contains("InvalidProof"), "{err}");
    let err = rpc
        .send_signed(&LocalSigner::from_hex(RP_KEY).unwrap(), &call)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ChallengeAlreadyUsed"), "{err}");
    let registry = RegistryContract::new(registry.parse().unwrap());
    assert!(registry
        .challenge_used(&rpc, rp.parse().unwrap(), U256::from(0xc0ffee_u64))
        .unwrap());
    assert!(!registry
        .challenge_used(
            &rpc,
            addr(OTHER_RP_KEY).parse().unwrap(),
            U256::from(0xc0ffee_u64)
        )
        .unwrap());
}
