//! The phone's whole flow from the CLI against a real node: model packages published and served
//! over HTTP on 127.0.0.1 (byte ranges), a registry on anvil, a scanner's enrollment imported into
//! an encrypted vault, `registry enroll` and, after a model upgrade, `registry reenroll`; the
//! registry and the vault agree at every step, and doomed requests are refused before proving.

use std::path::Path;

mod support;
use support::{
    address_of, enroll_into_vault, field, scanner_enroll_args, strs, vault_import_args, zkbio,
    zkbio_err, zkbio_ok, Anvil, FileServer, Registry, OWNER_KEY, PUBLISHER_KEY, SUBJECT_KEY,
};

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

#[test]
fn enroll_and_reenroll_a_vault_record_through_the_registry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let lower = |x: String| x.to_ascii_lowercase();
    let subject = address_of(SUBJECT_KEY);

    // The publisher's packages for model versions 1 and 2, served over HTTP.
    let mut publisher = String::new();
    for (version, variant) in [("1", "1"), ("2", "-1")] {
        let out = zkbio_ok(&[
            "package",
            "dev-iris",
            "--out",
            s(&root.join(format!("www/v{version}"))),
            "--version",
            version,
            "--variant",
            variant,
            "--publisher-key",
            PUBLISHER_KEY,
        ]);
        publisher = field(&out, "publisher");
    }
    // Version 2's model again, signed by the same publisher, with another key than the one the
    // registry will pin for version 2.
    zkbio_ok(&[
        "package",
        "dev-iris",
        "--out",
        s(&root.join("www/v2-rekeyed")),
        "--version",
        "2",
        "--variant",
        "-1",
        "--publisher-key",
        PUBLISHER_KEY,
        "--seed",
        "another setup",
    ]);
    let www = FileServer::start(root.join("www"));
    let pkg = |v: &str| (root.join(format!("www/v{v}")), format!("{}/v{v}", www.url));

    // The registry with model version 1 and the scanner; the scanner's enrollment, imported
    // into the phone's vault.
    let anvil = Anvil::start();
    let (v1_dir, v1_url) = pkg("1");
    let enrolled = enroll_into_vault(
        root,
        Registry::Deploy {
            anvil: &anvil,
            package: &v1_dir,
        },
        &subject,
        &["--sample", "tiny"],
    );
    let (registry, vault, scanner) = (
        enrolled.registry.clone(),
        enrolled.vault.clone(),
        enrolled.scanner.clone(),
    );
    let v = enrolled.vault_arg();
    assert_eq!(lower(field(&enrolled.import_out, "scanner")), scanner);
    let transfer = root.join("transfer.bin");
    // An attestation past its deadline is refused at import: the registry would refuse it.
    let expired = root.join("expired.bin");
    let mut args = scanner_enroll_args(&registry, &subject, &expired);
    args.extend(["--sample", "tiny", "--deadline", "1000"].map(String::from));
    zkbio_ok(&strs(&args));
    let err = zkbio_err(&strs(&vault_import_args(&vault, "old", &expired, &scanner)));
    assert!(err.contains("attestation expired at 1000"), "{err}");
    // Only a trusted scanner's attestation imports.
    let err = zkbio_err(&strs(&vault_import_args(
        &vault, "other", &transfer, &subject,
    )));
    assert!(err.contains("not a trusted scanner"), "{err}");
    // The vault holds the iris encrypted: its first pixels appear in no vault file.
    let pixels = std::fs::read(&transfer).unwrap()[42..106].to_vec();
    for f in std::fs::read_dir(&vault).unwrap() {
        let bytes = std::fs::read(f.unwrap().path()).unwrap();
        assert!(!bytes.windows(pixels.len()).any(|w| w == pixels));
    }

    // enroll: package fetched over HTTP and checked against the registry's pin, proof, tx.
    let flow = |cmd: &str, key: &str, url: &str, version: &str| -> Vec<String> {
        [
            "registry",
            cmd,
            "--rpc",
            &anvil.url,
            "--key",
            key,
            "--registry",
            &registry,
            "--vault",
            v,
            "--record",
            "me",
            "--package",
            url,
            "--publisher",
            &publisher,
            "--version",
            version,
        ]
        .map(String::from)
        .to_vec()
    };
    let enroll = |cmd: &str, url: &str, version: &str| {
        zkbio_ok(&strs(&flow(cmd, SUBJECT_KEY, url, version)))
    };
    // A refusal prints no line claiming to prove (it used to say "proving … for Reenroll").
    let refused = |key: &str, url: &str, version: &str| {
        let out = zkbio(&strs(&flow("reenroll", key, url, version)));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
        assert!(!stdout.contains("prov"), "{stdout}");
        stderr
    };
    let out = enroll("enroll", &v1_url, "1");
    assert_eq!(field(&out, "iris_version"), "1");
    let c_code_v1 = field(&out, "c_code");
    let status = zkbio_ok(&["vault", "status", "--vault", v, "--record", "me"]);
    assert_eq!(field(&status, "iris_version"), "1");
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
    assert!(
        on_chain.contains(&format!("C_code {c_code_v1}")),
        "{on_chain}"
    );

    // The model upgrade: version 2 registered by the owner; its package served at v2.
    let (v2_dir, v2_url) = pkg("2");
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
        "iris",
        "--version",
        "2",
        "--model",
        s(&v2_dir.join("model.bin")),
        "--vk",
        s(&v2_dir.join("verification_key.json")),
    ]);
    // Version 1's package under version 2's pin is refused before anything is proven.
    let err = refused(SUBJECT_KEY, &v1_url, "2");
    assert!(err.contains("package refused"), "{err}");
    // So is version 2's model with a key that is not the registry's pinned vkHash.
    let rekeyed_url = format!("{}/v2-rekeyed", www.url);
    let err = refused(SUBJECT_KEY, &rekeyed_url, "2");
    assert!(
        err.contains("package refused") && err.contains("is not the registry's"),
        "{err}"
    );
    let out = enroll("reenroll", &v2_url, "2");
    assert_eq!(field(&out, "iris_version"), "2");
    assert_ne!(field(&out, "c_code"), c_code_v1);
    let status = zkbio_ok(&["vault", "status", "--vault", v, "--record", "me"]);
    assert_eq!(field(&status, "iris_version"), "2");
    assert_eq!(field(&status, "c_code"), field(&out, "c_code"));

    // Again to the same version: refused by the vault's state before proving.
    let err = refused(SUBJECT_KEY, &v2_url, "2");
    assert!(err.contains("not newer"), "{err}");
    // Another wallet cannot prove for this record.
    let err = refused(OWNER_KEY, &v2_url, "2");
    assert!(err.contains("is not the enrolled subject"), "{err}");
}
