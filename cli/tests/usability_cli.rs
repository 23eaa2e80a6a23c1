//! What a new user of the CLI meets first (issue 16's small fixes, issue 15's rapidsnark proofs):
//! read-only vault commands never create a vault; package sources fail with what is wrong
//! ("not found", "the server must support HTTP range requests") as a download failure, not a
//! refusal; download events read as sentences; `--help` names every command; `verify` exits 1
//! for a rejected proof and 2 for unusable input, and reads rapidsnark's `proof.json`;
//! `import-zkey` shows a wrong file's magic in hex.

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use support::{enroll_into_vault, field, zkbio, zkbio_ok, FileServer, Registry, PUBLISHER_KEY};

const SUBJECT: &str = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const REGISTRY: &str = "0x5fbdb2315678afecb367f032d93f642f64180aa3";

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory under the system's temp dir, for one test.
fn tmp(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("zkbio-usability-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("mkdir");
    p
}

#[test]
fn read_only_vault_commands_on_a_missing_vault_fail_and_create_nothing() {
    let dir = tmp("novault");
    let typo = dir.join("vautl");
    let out = zkbio(&["vault", "status", "--vault", s(&typo)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("--vault") && stderr.contains(s(&typo)),
        "{stderr}"
    );
    assert!(stderr.contains("vault import` creates a vault"), "{stderr}");
    // Not the vault, nor its key directory, nor its cache.
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");

    // The same for a command that would also fetch a package into `<vault>.cache`.
    let out = zkbio(&[
        "vault",
        "regenerate",
        "--vault",
        s(&typo),
        "--record",
        "me",
        "--package",
        s(&dir),
        "--publisher",
        SUBJECT,
        "--version",
        "1",
        "--model-hash",
        &format!("0x{}", "00".repeat(32)),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("vault import` creates a vault"),
        "{:?}",
        text(&out)
    );
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A published tiny iris package (its proving key is 2.2 MB: more than one 1 MiB download
/// chunk) and a vault holding one imported enrollment, made once for the tests below.
struct Fixture {
    root: PathBuf,
    package: PathBuf,
    publisher: String,
    model_hash: String,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let root = tmp("pkg");
        let package = root.join("www/v1");
        let out = zkbio_ok(&[
            "package",
            "dev-iris",
            "--out",
            s(&package),
            "--version",
            "1",
            "--publisher-key",
            PUBLISHER_KEY,
        ]);
        assert!(
            std::fs::metadata(package.join("circuit.zpk"))
                .unwrap()
                .len()
                > 1 << 20
        );
        enroll_into_vault(&root, Registry::At(REGISTRY), SUBJECT, &[]);
        Fixture {
            publisher: field(&out, "publisher"),
            model_hash: field(&out, "model_hash"),
            root,
            package,
        }
    })
}

/// `zkbio vault regenerate` of the fixture's record from `package`, with its own cache.
fn regenerate(package: &str, cache: &str) -> Output {
    let f = fixture();
    zkbio(&[
        "vault",
        "regenerate",
        "--vault",
        s(&f.root.join("vault")),
        "--record",
        "me",
        "--package",
        package,
        "--publisher",
        &f.publisher,
        "--version",
        "1",
        "--model-hash",
        &f.model_hash,
        "--cache",
        s(&f.root.join(cache)),
    ])
}

#[test]
fn package_sources_fail_with_what_is_wrong() {
    let f = fixture();
    // A local directory that does not exist.
    let missing = f.root.join("no/such/dir");
    let out = regenerate(s(&missing), "cache-missing");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("not found") && err.contains(s(&missing)),
        "{err}"
    );
    assert!(!err.contains("HTTP"), "{err}");

    // A local package directory without its proving key.
    let partial = f.root.join("partial");
    std::fs::create_dir_all(&partial).unwrap();
    for name in ["manifest.json", "model.bin", "verification_key.json"] {
        std::fs::copy(f.package.join(name), partial.join(name)).unwrap();
    }
    let out = regenerate(s(&partial), "cache-partial");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("package download failed")
            && err.contains(&format!("{} not found", s(&partial.join("circuit.zpk")))),
        "{err}"
    );
    assert!(
        !err.contains("refused") && !err.contains("HTTP 404"),
        "{err}"
    );

    // A static server that ignores byte ranges (as `python3 -m http.server` does): the proving
    // key's second chunk cannot be fetched.
    let www = FileServer::start_without_ranges(f.root.join("www"));
    let out = regenerate(&format!("{}/v1", www.url), "cache-norange");
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("package download failed")
            && err.contains("the server must support HTTP range requests"),
        "{err}"
    );
    assert!(!err.contains("refused"), "{err}");
}

#[test]
fn download_events_are_sentences_and_a_second_run_is_served_from_the_cache() {
    let f = fixture();
    let www = FileServer::start(f.root.join("www"));
    let url = format!("{}/v1", www.url);
    let first = zkbio_ok_output(regenerate(&url, "cache-events"));
    for line in [
        "  circuit.zpk: downloading 2.2 MiB",
        "  circuit.zpk: verified (size and digest)",
        "  model.bin: downloading 220 B",
        "  model.bin: verified (size and digest)",
    ] {
        assert!(first.lines().any(|l| l == line), "no {line:?} in:\n{first}");
    }
    // No Rust Debug output (`Started { artifact: … }`).
    assert!(
        !first.contains('{') && !first.contains("Started"),
        "{first}"
    );
    assert!(first.contains("code "), "{first}");
    let second = zkbio_ok_output(regenerate(&url, "cache-events"));
    assert!(
        second
            .lines()
            .any(|l| l == "  circuit.zpk: cached (digest checked)"),
        "{second}"
    );
    assert!(!second.contains("downloading"), "{second}");
    assert_eq!(field(&first, "code"), field(&second, "code"));
}

fn zkbio_ok_output(out: Output) -> String {
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    stdout
}

/// The command names of a `--help` text's `Commands:` section, without `help`.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(String::from)
        .collect()
}

#[test]
fn the_top_level_help_names_every_command() {
    let help = zkbio_ok(&["--help"]);
    let names = commands(&help);
    assert!(names.len() >= 13, "{help}");
    let summary = &help[..help.find("Usage:").expect("usage")];
    for name in &names {
        assert!(
            summary
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .any(|w| w == name),
            "the summary does not name `{name}`:\n{summary}"
        );
    }
    // `vault`'s one-line summary lists its subcommands: all of them.
    let vault_line = help
        .lines()
        .find(|l| l.trim_start().starts_with("vault "))
        .expect("vault line");
    for sub in commands(&zkbio_ok(&["vault", "--help"])) {
        assert!(
            vault_line.contains(&sub),
            "`vault {sub}` missing from {vault_line:?}"
        );
    }
}

/// A development key and one valid proof for a small statement.
struct Proved {
    dir: PathBuf,
}

fn proved() -> &'static Proved {
    static PROVED: OnceLock<Proved> = OnceLock::new();
    PROVED.get_or_init(|| {
        let dir = tmp("proof");
        let circuit = "image-opening:2x8";
        zkbio_ok(&[
            "setup",
            "--circuit",
            circuit,
            "--seed",
            "usability",
            "--out",
            s(&dir),
        ]);
        zkbio_ok(&[
            "prove",
            "--circuit",
            circuit,
            "--key",
            s(&dir.join("circuit.zpk")),
            "--out",
            s(&dir),
        ]);
        Proved { dir }
    })
}

impl Proved {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn json(&self, name: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(self.path(name)).unwrap()).unwrap()
    }

    /// Writes `value` as `name` in the proof directory; returns its path.
    fn write(&self, name: &str, value: &serde_json::Value) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
        path
    }

    fn verify(&self, proof: &Path, public: &Path) -> Output {
        zkbio(&[
            "verify",
            "--vk",
            s(&self.path("verification_key.json")),
            "--proof",
            s(proof),
            "--public",
            s(public),
        ])
    }
}

#[test]
fn verify_exits_1_for_a_rejected_proof_and_2_for_unusable_input() {
    let p = proved();
    let (proof, public) = (p.path("proof.json"), p.path("public.json"));
    let out = p.verify(&proof, &public);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("OK"));

    // Another public input: the pairing check fails.
    let mut inputs = p.json("public.json");
    inputs[1] = "43".into();
    assert_ne!(inputs, p.json("public.json"));
    let out = p.verify(&proof, &p.write("public-other.json", &inputs));
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    assert!(text(&out).0.contains("REJECTED"), "{:?}", text(&out));

    // One public input too few.
    let mut fewer = p.json("public.json");
    fewer.as_array_mut().unwrap().pop();
    let out = p.verify(&proof, &p.write("public-fewer.json", &fewer));
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(
        text(&out)
            .1
            .contains("unusable input: expected 2 public inputs, got 1"),
        "{:?}",
        text(&out)
    );

    // A point off the curve: (x, y + 1).
    let mut bad = p.json("proof.json");
    let y: num_bigint::BigUint = bad["pi_a"][1].as_str().unwrap().parse().unwrap();
    bad["pi_a"][1] = (y + 1u32).to_string().into();
    let out = p.verify(&p.write("proof-offcurve.json", &bad), &public);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));

    // A file that is not there.
    let out = p.verify(&p.path("no-such-proof.json"), &public);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

#[test]
fn verify_reads_rapidsnark_proofs_and_still_checks_the_curve() {
    let p = proved();
    let public = p.path("public.json");
    let snarkjs = p.json("proof.json");
    assert_eq!(snarkjs["curve"], "bn128");
    // rapidsnark's proof.json: pi_a, pi_b, pi_c, protocol; no curve (written compactly).
    let mut rapidsnark = snarkjs.clone();
    rapidsnark.as_object_mut().unwrap().remove("curve");
    let keys: Vec<_> = rapidsnark.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["pi_a", "pi_b", "pi_c", "protocol"]);
    let out = p.verify(&p.write("proof-rapidsnark.json", &rapidsnark), &public);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // Without `protocol` too.
    rapidsnark.as_object_mut().unwrap().remove("protocol");
    let out = p.verify(&p.write("proof-bare.json", &rapidsnark), &public);
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    // Present, they are still checked.
    for (key, value) in [("curve", "bls12381"), ("protocol", "plonk")] {
        let mut other = snarkjs.clone();
        other[key] = value.into();
        let out = p.verify(&p.write(&format!("proof-{value}.json"), &other), &public);
        assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
        assert!(text(&out).1.contains(value), "{:?}", text(&out));
    }
}

#[test]
fn import_zkey_shows_a_wrong_files_magic_in_hex() {
    let dir = tmp("magic");
    let not_zkey = dir.join("circuit.r1cs");
    let mut bytes = b"r1cs".to_vec();
    bytes.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(&not_zkey, bytes).unwrap();
    let out = zkbio(&[
        "import-zkey",
        "--circuit",
        "image-opening:2x8",
        "--zkey",
        s(&not_zkey),
        "--out",
        s(&dir.join("k.zpk")),
        "--insecure-dev-key",
    ]);
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            r#"not a zkey file: it starts with 0x72316373 ("r1cs"), not 0x7a6b6579 ("zkey")"#
        ),
        "{err}"
    );
    assert!(!err.contains("[114"), "{err}");
    // Unprintable bytes show as hex only.
    std::fs::write(&not_zkey, [0xff, 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0]).unwrap();
    let out = zkbio(&[
        "import-zkey",
        "--circuit",
        "image-opening:2x8",
        "--zkey",
        s(&not_zkey),
        "--out",
        s(&dir.join("k.zpk")),
        "--insecure-dev-key",
    ]);
    let (_, err) = text(&out);
    assert!(err.contains("it starts with 0xff000102, not"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
