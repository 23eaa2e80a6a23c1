//! Differential tests of the circom/snarkjs formats against snarkjs 0.7.6 itself.
//!
//! snarkjs runs through `node` from `tools/js/node_modules` (install it with
//! `npm ci --prefix tools/js`). If node or the package is missing the tests fail, on purpose: a
//! skipped compatibility test would hide exactly the breakage it exists to catch.

use ark_bn254::{Bn254, Fr};
use ark_groth16::{prepare_verifying_key, Groth16};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use zkbio_circuits::builder::{LinearCombination, R1cs};
use zkbio_circuits::circom::json::{
    public_from_json, public_to_json, ProofJson, VerificationKeyJson,
};
use zkbio_circuits::circom::{coefs_from_r1cs, r1cs, wtns, Zkey};
use zkbio_circuits::gadgets::bits::to_bits_le;
use zkbio_circuits::gadgets::equality::{enforce_equal, is_zero};
use zkbio_circuits::gadgets::poseidon;
use zkbio_circuits::{Builder, Recorder, WitnessBuilder};

const INSTALL_HINT: &str = "run `npm ci --prefix tools/js` from the repository root";

fn snarkjs_cli() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tools/js/node_modules/snarkjs/build/cli.cjs");
    assert!(
        cli.is_file(),
        "snarkjs not found at {}: {INSTALL_HINT}",
        cli.display()
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        matches!(&node, Ok(o) if o.status.success()),
        "`node` is not runnable ({node:?}): install Node.js, then {INSTALL_HINT}"
    );
    cli
}

/// Runs `snarkjs args...` in `dir`; returns (success, stdout + stderr).
fn snarkjs(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("node")
        .arg(snarkjs_cli())
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node: {e}; {INSTALL_HINT}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs snarkjs and panics with its output if it fails.
fn snarkjs_ok(dir: &Path, args: &[&str]) -> String {
    let (ok, text) = snarkjs(dir, args);
    assert!(ok, "snarkjs {args:?} failed:\n{text}");
    text
}

/// A scratch directory removed on drop (kept if `ZKBIO_KEEP_TMP` is set, for debugging).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("zkbio-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("ZKBIO_KEEP_TMP").is_some() {
            eprintln!("kept {}", self.0.display());
            return;
        }
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read json");
    serde_json::from_str(&text).expect("parse json")
}

/// Public: `h = Poseidon(secret)` and `y`; private: `secret`, 16 bits of `y`, and `y == 3·bit0 + k`.
fn poseidon_circuit<B: Builder>(b: &mut B, secret: Fr, y: u64) {
    let h = b.alloc_public(poseidon::hash(&[secret]));
    let y = b.alloc_public(Fr::from(y));
    let s = b.alloc(secret);
    let hs = poseidon::poseidon(b, &[s]);
    enforce_equal(b, &hs, &h);
    let bits = to_bits_le(b, &y, 16);
    let t = b.alloc(b.value(&bits[0]) * Fr::from(3u64) + Fr::from(5u64));
    let rhs = bits[0].clone() * Fr::from(3u64) + B::Lc::constant(Fr::from(5u64));
    b.enforce(&rhs, &B::Lc::constant(Fr::from(1u64)), &t);
}

/// Small enough for a 2^8 ptau: public `x·y + 7` and `[x == y]`; private 12-bit `x` and `y`.
fn small_circuit<B: Builder>(b: &mut B, x: u64, y: u64) {
    let out = b.alloc_public(Fr::from(x * y + 7));
    let eq = b.alloc_public(Fr::from(x == y));
    let xv = b.alloc(Fr::from(x));
    let yv = b.alloc(Fr::from(y));
    to_bits_le(b, &xv, 12);
    to_bits_le(b, &yv, 12);
    let prod = b.alloc(Fr::from(x * y));
    b.enforce(&xv, &yv, &prod);
    let one = B::Lc::constant(Fr::from(1u64));
    b.enforce(&(prod + B::Lc::constant(Fr::from(7u64))), &one, &out);
    let z = is_zero(b, &(xv - yv));
    enforce_equal(b, &z, &eq);
}

/// The system and (from the phone-side witness builder) the wire values of a circuit.
fn build(
    circuit: impl Fn(&mut Recorder),
    witness: impl Fn(&mut WitnessBuilder),
) -> (R1cs, Vec<Fr>) {
    let mut rec = Recorder::new();
    circuit(&mut rec);
    let (r1cs, assignment) = rec.finish_with_assignment();
    let mut wb = WitnessBuilder::new();
    witness(&mut wb);
    let w = wb.finish();
    assert_eq!(w.wires, assignment, "both builder modes must agree");
    assert_eq!(r1cs.first_violation(&w.wires), None);
    (r1cs, w.wires.clone())
}

/// `N` in snarkjs's `# of <label>: N` log line.
fn info_number(text: &str, label: &str) -> u64 {
    let key = format!("# of {label}: ");
    let start = text
        .find(&key)
        .unwrap_or_else(|| panic!("no {key:?} in:\n{text}"))
        + key.len();
    text[start..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("bad number after {key:?}"))
}

fn decimal(x: &Fr) -> String {
    public_to_json(&[*x]).remove(0)
}

#[test]
fn r1cs_and_wtns_are_read_by_snarkjs() {
    let secret = Fr::from(123_456_789u64);
    let (sys, wires) = build(
        |b| poseidon_circuit(b, secret, 40_000),
        |b| poseidon_circuit(b, secret, 40_000),
    );
    let dir = TempDir::new("r1cs-wtns");
    std::fs::write(dir.path("c.r1cs"), r1cs::to_bytes(&sys).unwrap()).unwrap();
    std::fs::write(dir.path("w.wtns"), wtns::to_bytes(&wires).unwrap()).unwrap();

    // Header counts as snarkjs reads them.
    let info = snarkjs_ok(&dir.0, &["r1cs", "info", "c.r1cs"]);
    assert!(info.contains("Curve: bn-128"), "{info}");
    assert_eq!(info_number(&info, "Wires"), sys.n_wires as u64);
    assert_eq!(
        info_number(&info, "Constraints"),
        sys.constraints.len() as u64
    );
    assert_eq!(info_number(&info, "Public Inputs"), 2);
    assert_eq!(info_number(&info, "Outputs"), 0);
    assert_eq!(info_number(&info, "Labels"), sys.n_wires as u64);

    // Every coefficient as snarkjs decodes it.
    snarkjs_ok(&dir.0, &["r1cs", "export", "json", "c.r1cs", "c.json"]);
    let exported = read_json(&dir.path("c.json"));
    let ours: Vec<Value> = sys
        .constraints
        .iter()
        .map(|k| {
            let lc = |terms: &[(u32, Fr)]| {
                Value::Object(
                    terms
                        .iter()
                        .map(|(w, c)| (w.to_string(), Value::String(decimal(c))))
                        .collect(),
                )
            };
            Value::Array(vec![lc(&k.a), lc(&k.b), lc(&k.c)])
        })
        .collect();
    assert_eq!(exported["constraints"], Value::Array(ours));
    assert_eq!(exported["nVars"], sys.n_wires);

    // The witness satisfies the system according to snarkjs, and decodes to our values.
    let check = snarkjs_ok(&dir.0, &["wtns", "check", "c.r1cs", "w.wtns"]);
    assert!(check.contains("WITNESS IS CORRECT"), "{check}");
    snarkjs_ok(&dir.0, &["wtns", "export", "json", "w.wtns", "w.json"]);
    let values: Vec<String> = serde_json::from_value(read_json(&dir.path("w.json"))).unwrap();
    assert_eq!(values, public_to_json(&wires));

    // A wrong witness is caught: the check above is not vacuous.
    let mut bad = wires.clone();
    bad[3] += Fr::from(1u64);
    std::fs::write(dir.path("bad.wtns"), wtns::to_bytes(&bad).unwrap()).unwrap();
    let (ok, text) = snarkjs(&dir.0, &["wtns", "check", "c.r1cs", "bad.wtns"]);
    assert!(!ok && text.contains("WITNESS IS NOT CORRECT"), "{text}");

    // Our reader takes back what snarkjs accepted.
    let bytes = std::fs::read(dir.path("c.r1cs")).unwrap();
    assert_eq!(r1cs::from_bytes(&bytes).unwrap(), sys);
}

/// A scratch directory holding the small circuit's `c.r1cs` and `w.wtns`, a fresh 2^8 ptau and
/// snarkjs's `groth16 setup` key `snark.zkey`.
fn snarkjs_setup(name: &str) -> (TempDir, R1cs, Vec<Fr>) {
    let (sys, wires) = build(
        |b| small_circuit(b, 1234, 1234),
        |b| small_circuit(b, 1234, 1234),
    );
    let dir = TempDir::new(name);
    let d = &dir.0;
    std::fs::write(dir.path("c.r1cs"), r1cs::to_bytes(&sys).unwrap()).unwrap();
    std::fs::write(dir.path("w.wtns"), wtns::to_bytes(&wires).unwrap()).unwrap();
    snarkjs_ok(d, &["powersoftau", "new", "bn128", "8", "p0.ptau"]);
    snarkjs_ok(
        d,
        &[
            "powersoftau",
            "contribute",
            "p0.ptau",
            "p1.ptau",
            "--name=t",
            "-e=zkbio",
        ],
    );
    snarkjs_ok(
        d,
        &["powersoftau", "prepare", "phase2", "p1.ptau", "pot.ptau"],
    );
    snarkjs_ok(d, &["groth16", "setup", "c.r1cs", "pot.ptau", "snark.zkey"]);
    (dir, sys, wires)
}

#[test]
fn zkey_matches_snarkjs_groth16_setup() {
    let (dir, sys, wires) = snarkjs_setup("zkey");
    let d = &dir.0;

    // Our reader on snarkjs's key: counts, and section 4 equal to our derivation from the r1cs.
    let original = std::fs::read(dir.path("snark.zkey")).unwrap();
    let zkey = Zkey::from_bytes(&original).unwrap();
    assert_eq!(zkey.n_vars, sys.n_wires);
    assert_eq!(zkey.n_public, sys.n_public);
    assert_eq!(zkey.domain_size, sys.domain_size());
    assert_eq!(zkey.coefs, coefs_from_r1cs(&sys));
    assert_eq!(zkey.c.len(), sys.n_wires - sys.n_public - 1);
    assert_eq!(zkey.h.len(), zkey.domain_size);
    assert_eq!(zkey.contribution_info().unwrap().1, 0);

    // Our writer reproduces the file byte for byte.
    let rewritten = zkey.to_bytes().unwrap();
    assert!(
        rewritten == original,
        "re-encoded zkey differs from snarkjs's"
    );
    std::fs::write(dir.path("ours.zkey"), &rewritten).unwrap();

    // snarkjs exports the same verification key from our file, and it equals our JSON.
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "snark.zkey",
            "vk_snark.json",
        ],
    );
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "ours.zkey",
            "vk_ours.json",
        ],
    );
    let vk_snark = read_json(&dir.path("vk_snark.json"));
    assert_eq!(read_json(&dir.path("vk_ours.json")), vk_snark);
    let vk_json = VerificationKeyJson::from_vk(&zkey.verifying_key());
    assert_eq!(serde_json::to_value(&vk_json).unwrap(), vk_snark);

    // snarkjs proves with our key and witness; the proof verifies in snarkjs and in arkworks
    // after going through our JSON parsers.
    snarkjs_ok(
        d,
        &[
            "groth16",
            "prove",
            "ours.zkey",
            "w.wtns",
            "proof.json",
            "public.json",
        ],
    );
    let verify = snarkjs_ok(
        d,
        &[
            "groth16",
            "verify",
            "vk_ours.json",
            "public.json",
            "proof.json",
        ],
    );
    assert!(verify.contains("OK"), "{verify}");
    let public: Vec<String> = serde_json::from_value(read_json(&dir.path("public.json"))).unwrap();
    let public = public_from_json(&public).unwrap();
    assert_eq!(public, wires[1..=sys.n_public]);
    let proof: ProofJson = serde_json::from_value(read_json(&dir.path("proof.json"))).unwrap();
    let proof = proof.to_proof().unwrap();
    let vk: VerificationKeyJson = serde_json::from_value(vk_snark).unwrap();
    let pvk = prepare_verifying_key(&vk.to_vk().unwrap());
    assert!(Groth16::<Bn254>::verify_proof(&pvk, &proof, &public).unwrap());
    let mut wrong = public.clone();
    wrong[0] += Fr::from(1u64);
    assert!(!Groth16::<Bn254>::verify_proof(&pvk, &proof, &wrong).unwrap());
}

#[test]
fn zkey_contributions_survive_our_writer() {
    let (dir, _sys, wires) = snarkjs_setup("zkey-mpc");
    let d = &dir.0;
    let zkey = Zkey::from_bytes(&std::fs::read(dir.path("snark.zkey")).unwrap()).unwrap();

    // A contributed key re-encoded by us (snarkjs's contribute writes another section order)
    // still passes `zkey verify`, which replays section 10 against the r1cs and ptau.
    snarkjs_ok(
        d,
        &[
            "zkey",
            "contribute",
            "snark.zkey",
            "mpc.zkey",
            "--name=m",
            "-e=mpc",
        ],
    );
    let mpc = Zkey::from_bytes(&std::fs::read(dir.path("mpc.zkey")).unwrap()).unwrap();
    assert_eq!(mpc.contribution_info().unwrap().1, 1);
    std::fs::write(dir.path("mpc_ours.zkey"), mpc.to_bytes().unwrap()).unwrap();
    let verify = snarkjs_ok(
        d,
        &["zkey", "verify", "c.r1cs", "pot.ptau", "mpc_ours.zkey"],
    );
    assert!(verify.contains("ZKey Ok!"), "{verify}");

    // A key with a fresh (empty) section 10 is accepted by `zkey contribute`, and the result
    // still proves and verifies; our reader sees the new contribution.
    let mut fresh = zkey.clone();
    fresh.contributions = Zkey::empty_contributions(&[0x5a; 64]);
    std::fs::write(dir.path("fresh.zkey"), fresh.to_bytes().unwrap()).unwrap();
    snarkjs_ok(
        d,
        &[
            "zkey",
            "contribute",
            "fresh.zkey",
            "contrib.zkey",
            "--name=c",
            "-e=more",
        ],
    );
    let contributed = Zkey::from_bytes(&std::fs::read(dir.path("contrib.zkey")).unwrap()).unwrap();
    assert_eq!(contributed.contribution_info().unwrap(), ([0x5a; 64], 1));
    assert_ne!(contributed.delta_g2, zkey.delta_g2);
    assert_eq!(contributed.coefs, zkey.coefs);
    snarkjs_ok(
        d,
        &[
            "zkey",
            "export",
            "verificationkey",
            "contrib.zkey",
            "vk2.json",
        ],
    );
    assert_eq!(
        serde_json::to_value(VerificationKeyJson::from_vk(&contributed.verifying_key())).unwrap(),
        read_json(&dir.path("vk2.json"))
    );
    snarkjs_ok(
        d,
        &[
            "groth16",
            "prove",
            "contrib.zkey",
            "w.wtns",
            "p2.json",
            "pub2.json",
        ],
    );
    snarkjs_ok(
        d,
        &["groth16", "verify", "vk2.json", "pub2.json", "p2.json"],
    );
    let public: Vec<String> = serde_json::from_value(read_json(&dir.path("pub2.json"))).unwrap();
    assert_eq!(public, public_to_json(&wires[1..3]));
}
