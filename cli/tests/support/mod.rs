//! Shared by the CLI tests that need a node or a package server: anvil (pinned, tools/js) and a
//! static HTTP server with byte ranges, both on 127.0.0.1 and stopped when dropped.
#![allow(dead_code)] // each test crate uses a different subset

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use zkbio_core::registry::{HttpTransport, RpcClient};

/// An anvil node on a free loopback port, killed when dropped.
pub struct Anvil {
    child: Child,
    /// Its JSON-RPC URL.
    pub url: String,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl Anvil {
    /// Starts anvil with chain id 31337 and waits until it answers.
    pub fn start() -> Anvil {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/anvil.sh");
        let port = free_port();
        let child = Command::new(&script)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--chain-id", "31337", "--silent"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let mut anvil = Anvil {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let rpc = RpcClient::new(HttpTransport::new(&anvil.url, Duration::from_secs(5)));
        let start = Instant::now();
        while rpc.chain_id().is_err() {
            if let Ok(Some(status)) = anvil.child.try_wait() {
                panic!("anvil exited early ({status}): run npm ci --prefix tools/js");
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "anvil did not answer on {} within 30 s",
                anvil.url
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        anvil
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        // anvil.sh execs anvil, so this is the node's own process.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves the files under a directory over HTTP/1.1 (`GET`, `Range: bytes=a-b` and `a-`).
pub struct FileServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: Arc<AtomicBool>,
}

fn respond(mut stream: TcpStream, root: &Path, ranges: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut range = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some(v) = header
            .to_ascii_lowercase()
            .strip_prefix("range: bytes=")
            .filter(|_| ranges)
        {
            let (a, b) = v.trim().split_once('-').unwrap_or(("0", ""));
            range = Some((a.parse::<usize>().unwrap_or(0), b.parse::<usize>().ok()));
        }
    }
    let file = root.join(path.trim_start_matches('/'));
    let Ok(bytes) = std::fs::read(&file) else {
        return stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    let (status, body, extra) = match range {
        Some((a, b)) if a < bytes.len() => {
            let end = b.map_or(bytes.len(), |b| (b + 1).min(bytes.len()));
            let cr = format!("Content-Range: bytes {a}-{}/{}\r\n", end - 1, bytes.len());
            ("206 Partial Content", &bytes[a..end], cr)
        }
        _ => ("200 OK", &bytes[..], String::new()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)
}

impl FileServer {
    /// Serves `root` until dropped.
    pub fn start(root: PathBuf) -> FileServer {
        Self::serve(root, true)
    }

    /// Serves `root` until dropped, ignoring `Range` headers (whole files, status 200), as
    /// `python3 -m http.server` does.
    pub fn start_without_ranges(root: PathBuf) -> FileServer {
        Self::serve(root, false)
    }

    fn serve(root: PathBuf, ranges: bool) -> FileServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = respond(stream, &root, ranges);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        FileServer { url, stop }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Runs the `zkbio` binary.
pub fn zkbio(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args(args)
        .output()
        .expect("run zkbio")
}

/// Runs `zkbio`: its exit code (`None` if a signal ended it), stdout and stderr.
pub fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = zkbio(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `zkbio`: whether it succeeded, its stdout and stderr.
pub fn run_status(args: &[&str]) -> (bool, String, String) {
    let (code, out, err) = run(args);
    (code == Some(0), out, err)
}

/// Runs a command: whether it succeeded, and its stdout followed by its stderr.
pub fn run_merged(mut cmd: Command) -> (bool, String) {
    let out = cmd.output().expect("spawn");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Runs `zkbio` as [`run_merged`] does.
pub fn zkbio_merged(args: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkbio"));
    cmd.args(args);
    run_merged(cmd)
}

/// A snarkjs ceremony for one of zkbio's circuits in `dir`: `c.r1cs` exported by zkbio, the
/// shared test powers of tau, `c0.zkey` from `snarkjs groth16 setup` and `c1.zkey` after one
/// phase-2 contribution. Returns the phase-1 and the prepared ptau files.
pub fn snarkjs_ceremony(dir: &zkbio_tests::TempDir, circuit: &str) -> (PathBuf, PathBuf) {
    let d = |f: &str| dir.join(f).to_str().expect("UTF-8 path").to_owned();
    let (ok, text) = zkbio_merged(&[
        "export",
        "r1cs",
        "--circuit",
        circuit,
        "--out",
        &d("c.r1cs"),
    ]);
    assert!(ok, "{text}");
    let (phase1, prepared) = zkbio_tests::ceremony_ptau(dir.path(), 10);
    let p = prepared.to_str().expect("UTF-8 path");
    zkbio_tests::snarkjs_ok(&["groth16", "setup", &d("c.r1cs"), p, &d("c0.zkey")]);
    zkbio_tests::snarkjs_ok(&[
        "zkey",
        "contribute",
        &d("c0.zkey"),
        &d("c1.zkey"),
        "--name=p2",
        "-e=entropy",
    ]);
    (phase1, prepared)
}

/// The committed LiteRT fixtures (circuits/tests/data/tflite, made by tests/tflite/gen_models.py).
pub fn tflite_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../circuits/tests/data/tflite")
}

/// The path of one of [`tflite_fixtures`], as a command-line argument.
pub fn tflite_fixture(name: &str) -> String {
    tflite_fixtures()
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

/// Writes an 8-bit grayscale PNG.
pub fn write_png(path: &Path, width: usize, height: usize, pixels: &[u8]) {
    let file = std::fs::File::create(path).expect("create PNG");
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width as u32, height as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().expect("PNG header");
    w.write_image_data(pixels).expect("PNG data");
}

/// Runs `zkbio`, requires success, returns stdout.
pub fn zkbio_ok(args: &[&str]) -> String {
    let out = zkbio(args);
    assert!(
        out.status.success(),
        "zkbio {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// Runs `zkbio`, requires failure, returns stderr.
pub fn zkbio_err(args: &[&str]) -> String {
    let out = zkbio(args);
    assert!(
        !out.status.success(),
        "zkbio {args:?} succeeded:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr).expect("utf8")
}

/// The value of the first output line `key value`.
pub fn field(out: &str, key: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} ")))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
        .trim()
        .to_string()
}

/// anvil's default account 0 (the registry's owner, funded at genesis): test-only.
pub const OWNER_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// anvil's default account 2 (the subject's wallet, funded at genesis): test-only.
pub const SUBJECT_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
/// The scanner's signing key: test-only.
pub const SCANNER_KEY: &str = "0x0202020202020202020202020202020202020202020202020202020202020202";
/// The package publisher's signing key: test-only.
pub const PUBLISHER_KEY: &str =
    "0x4242424242424242424242424242424242424242424242424242424242424242";

/// The address of a private key, as `zkbio` prints addresses (`0x…`, lower case).
pub fn address_of(key: &str) -> String {
    format!(
        "{:#x}",
        zkbio_core::registry::LocalSigner::from_hex(key)
            .expect("a test key")
            .address()
    )
}

fn arg(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// The registry an enrollment is attested for.
pub enum Registry<'a> {
    /// Deployed on `anvil` by [`OWNER_KEY`] with the iris model version 1 of the package in
    /// `package` (its `verification_key.json` and `model.bin`), the scanner trusted.
    Deploy {
        /// The node.
        anvil: &'a Anvil,
        /// A `zkbio package dev-iris --version 1` directory.
        package: &'a Path,
    },
    /// An address no contract needs to be at (the flows that stay off chain).
    At(&'a str),
}

/// What [`enroll_into_vault`] left.
pub struct Enrolled {
    /// The registry's address.
    pub registry: String,
    /// The vault (`<root>/vault`), holding record `me`.
    pub vault: PathBuf,
    /// The scanner's address.
    pub scanner: String,
    /// `zkbio scanner enroll`'s stdout (`c_img`, `c_face`, …).
    pub scanner_out: String,
    /// `zkbio vault import`'s stdout.
    pub import_out: String,
}

impl Enrolled {
    /// The vault's path as an argument.
    pub fn vault_arg(&self) -> &str {
        arg(&self.vault)
    }
}

/// The model a deployment pins for iris version 1.
pub enum Pinned<'a> {
    /// A model file (`--model`), its keccak256 the hash.
    File(&'a Path),
    /// A bare hash (`--model-hash 0x…`).
    Hash(&'a str),
}

/// `registry deploy` by [`OWNER_KEY`] on the node at `rpc`: a verifier for `vk`, iris version 1
/// pinned to `model`; add `--scanner …`.
pub fn deploy_args(rpc: &str, vk: &Path, model: Pinned) -> Vec<String> {
    let model = match model {
        Pinned::File(path) => ["--model", arg(path)],
        Pinned::Hash(hash) => ["--model-hash", hash],
    };
    [
        "registry",
        "deploy",
        "--rpc",
        rpc,
        "--key",
        OWNER_KEY,
        "--vk",
        arg(vk),
        "--kind",
        "iris",
        "--version",
        "1",
        model[0],
        model[1],
    ]
    .map(String::from)
    .to_vec()
}

/// [`deploy_args`] for the package in `package` (a `zkbio package dev-iris --version 1`
/// directory: its `verification_key.json` and `model.bin`).
pub fn package_deploy_args(rpc: &str, package: &Path) -> Vec<String> {
    let model = package.join("model.bin");
    deploy_args(
        rpc,
        &package.join("verification_key.json"),
        Pinned::File(&model),
    )
}

/// `scanner enroll` by [`SCANNER_KEY`] of `subject` for `registry` on chain 31337, into
/// `transfer`; add the sample's arguments.
pub fn scanner_enroll_args(registry: &str, subject: &str, transfer: &Path) -> Vec<String> {
    [
        "scanner",
        "enroll",
        "--scanner-key",
        SCANNER_KEY,
        "--chain-id",
        "31337",
        "--registry",
        registry,
        "--subject",
        subject,
        "--out",
        arg(transfer),
    ]
    .map(String::from)
    .to_vec()
}

/// `vault import` of `transfer` into `vault` as `record`, trusting `scanner`.
pub fn vault_import_args(
    vault: &Path,
    record: &str,
    transfer: &Path,
    scanner: &str,
) -> Vec<String> {
    [
        "vault",
        "import",
        "--vault",
        arg(vault),
        "--record",
        record,
        "--transfer",
        arg(transfer),
        "--scanner",
        scanner,
    ]
    .map(String::from)
    .to_vec()
}

/// `args` as the `&str`s a `zkbio` runner takes.
pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The start of every enrollment test: the registry (deployed or named), the scanner's
/// enrollment of `subject` (with `scanner_args`, e.g. `--sample tiny` or `--image … --mask …`)
/// into `<root>/transfer.bin`, imported into `<root>/vault` as record `me`.
pub fn enroll_into_vault(
    root: &Path,
    registry: Registry,
    subject: &str,
    scanner_args: &[&str],
) -> Enrolled {
    let scanner = address_of(SCANNER_KEY);
    let registry = match registry {
        Registry::Deploy { anvil, package } => {
            let mut deploy = package_deploy_args(&anvil.url, package);
            deploy.extend(["--scanner".to_owned(), scanner.clone()]);
            field(&zkbio_ok(&strs(&deploy)), "registry")
        }
        Registry::At(address) => address.to_owned(),
    };
    let transfer = root.join("transfer.bin");
    let mut enroll = scanner_enroll_args(&registry, subject, &transfer);
    enroll.extend(scanner_args.iter().map(|a| (*a).to_owned()));
    let scanner_out = zkbio_ok(&strs(&enroll));
    let vault = root.join("vault");
    let import_out = zkbio_ok(&strs(&vault_import_args(&vault, "me", &transfer, &scanner)));
    Enrolled {
        registry,
        vault,
        scanner,
        scanner_out,
        import_out,
    }
}

/// Three public inputs, each squared: the smallest circuit a registry verifier accepts.
pub struct ThreeInputs;

impl zkbio_circuits::Circuit for ThreeInputs {
    type Input = [ark_bn254::Fr; 3];

    fn public_count(&self) -> usize {
        3
    }

    fn placeholder_input(&self) -> [ark_bn254::Fr; 3] {
        [ark_bn254::Fr::from(0u64); 3]
    }

    fn synthesize<B: zkbio_circuits::builder::Builder>(
        &self,
        b: &mut B,
        input: &[ark_bn254::Fr; 3],
    ) -> Result<(), zkbio_circuits::SynthesisError> {
        use ark_ff::Field;
        let publics: Vec<B::Lc> = input.iter().map(|x| b.alloc_public(*x)).collect();
        for (x, value) in publics.iter().zip(input) {
            let sq = b.alloc(value.square());
            b.enforce(x, x, &sq);
        }
        Ok(())
    }
}

/// A development key of [`ThreeInputs`] from `[seed; 32]`: its verification key, also written
/// to `path` as snarkjs's `verification_key.json`.
pub fn three_inputs_vk(
    path: &Path,
    seed: u8,
) -> zkbio_core::groth16::VerifyingKey<ark_bn254::Bn254> {
    use zkbio_circuits::Circuit;
    let r1cs = ThreeInputs.to_r1cs().expect("r1cs");
    let pk = zkbio_core::groth16::dev_setup_insecure(&r1cs, [seed; 32]).expect("setup");
    let json = zkbio_circuits::circom::json::VerificationKeyJson::from_vk(&pk.vk);
    std::fs::write(path, serde_json::to_string(&json).expect("JSON")).expect("write vk");
    pk.vk
}

/// The value of the output line `key value`.
pub fn value<'a>(out: &'a str, key: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no `{key}` line in:\n{out}"))
}
