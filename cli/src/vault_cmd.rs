//! The phone's flows from a desktop: `zkbio vault import|status|regenerate|prove|confirm`, and the
//! developer fixtures they need, `zkbio package dev-iris` and `zkbio scanner enroll`.
//!
//! The vault's key lives in a [`FileKeyProvider`] directory (`--keys`, default `<vault>.keys`):
//! a desktop stand-in for the phone's Keychain / Keystore. Model packages come from an
//! `http(s)://` base URL (the blocking [`HttpFetcher`]) or a local directory, and are cached
//! by digest in `--cache` (default `<vault>.cache`).

use crate::artifacts::{io_err, read_public, write_json, write_proof, write_public};
use crate::output::Fields;
use crate::png_io;
use crate::report::ConsoleProgress;
use clap::{Subcommand, ValueEnum};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use zkbio_circuits::gadgets::commitment::Geometry;
use zkbio_core::flows::{
    import_enrollment, prove_iris_code, record_iris_code, regenerate_iris_code, scanner_enroll,
    FlowError, IrisModelPackage, IrisProofRequest, IrisPurpose, RegistryTarget,
};
use zkbio_core::package::{
    verify_manifest, ArtifactCache, DirFetcher, DownloadConfig, DownloadEvent, DownloadObserver,
    Fetcher, HttpFetcher, ModelKind, PackageError, RegistryPin, VerifiedManifest, MANIFEST_FILE,
};
use zkbio_core::registry::{Address, LocalSigner, U256};
use zkbio_core::vault::{
    CodeOpening, FaceImage, FileKeyProvider, IrisSample, RecordId, Salt, Vault, VaultError,
};

/// `zkbio package …`.
#[derive(Subcommand, Debug)]
pub enum PackageCmd {
    /// Write a signed iris-model package with an INSECURE development key (tests, demos).
    DevIris(DevIrisArgs),
    /// Write a signed face-model package (the .tflite and both face statements' keys) with
    /// INSECURE development keys (tests, demos).
    DevFace(crate::face_cmd::DevFaceArgs),
    /// Write the compressed transport form (`.zpkz`, about half the bytes) of a `.zpk` key.
    CompressKey(crate::key_transport_cmd::CompressArgs),
    /// Expand a `.zpkz` into the `.zpk` layout (what a phone does once), timed, with peak memory.
    ExpandKey(crate::key_transport_cmd::ExpandArgs),
}

/// `zkbio scanner …` (a scanner simulator for development).
#[derive(Subcommand, Debug)]
pub enum ScannerCmd {
    /// Commit to an iris and a face image, sign the enrollment, and write the transfer file the
    /// phone imports.
    Enroll(ScannerEnrollArgs),
}

/// `zkbio vault …`: the phone's flows on a desktop vault.
#[derive(Subcommand, Debug)]
pub enum VaultCmd {
    /// Check a scanner's enrollment transfer and store it as a new record.
    Import(ImportArgs),
    /// List the records, or print one record's public part.
    Status(StatusArgs),
    /// Print the iris code of a record's stored image under a model package (no proof).
    Regenerate(RegenerateArgs),
    /// Prove a record's iris code under a model package for `enroll` or `reenroll`; write the
    /// proof, its public inputs, the registry call and the private opening.
    Prove(ProveArgs),
    /// After the registry accepted the call: store the new iris model state and opening.
    Confirm(ConfirmArgs),
}

/// Which built-in iris model a development package holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DevModel {
    /// open-iris 1.11.2, code v0.1 (128 x 512; a minutes-long setup, a 600 MiB key).
    #[value(name = "open-iris-v0.1")]
    OpenIris,
    /// open-iris 1.11.2's default pipeline, with the fragile-bit refinement ("v0.1-full";
    /// 128 x 512, a larger setup and key than v0.1).
    #[value(name = "open-iris-v0.1-full")]
    OpenIrisFull,
    /// The scaled test model (32 x 128).
    ScaledTest,
    /// The scaled test model with open-iris's fragile-bit refinement (32 x 128).
    ScaledTestFull,
    /// The tiny test model (12 x 24), variant `--variant`.
    Tiny,
}

/// `zkbio package dev-iris`.
#[derive(clap::Args, Debug)]
pub struct DevIrisArgs {
    /// Directory to write model.bin, circuit.zpk, verification_key.json and manifest.json into.
    #[arg(long)]
    pub out: PathBuf,
    /// Model version (as it will be registered).
    #[arg(long)]
    pub version: u32,
    /// Which model family: the filter bank (`--model`) or an int8 `.tflite` network (`--tflite`).
    #[arg(long, value_enum, default_value_t = crate::package_cmd::DevFamily::FilterBank)]
    pub family: crate::package_cmd::DevFamily,
    /// Which filter-bank model.
    #[arg(long, value_enum, default_value_t = DevModel::Tiny)]
    pub model: DevModel,
    /// `--family tflite`: `dev` (128 x 512), `dev-small` (32 x 128, the default) or a `.tflite`
    /// file; the package holds it as `model.tflite`.
    #[arg(long)]
    pub tflite: Option<String>,
    /// `--family tflite`: a mask bit needs `|out − zp| >= MAGNITUDE` (docs/IRIS.md, "Iris model v2").
    #[arg(long, default_value_t = zkbio_circuits::models::iris_tflite::CodeRule::DEV.magnitude)]
    pub magnitude: u8,
    /// `--family tflite`: ... and at least this many valid mask pixels in its cell.
    #[arg(long, default_value_t = zkbio_circuits::models::iris_tflite::CodeRule::DEV.cell_min_valid)]
    pub cell_min_valid: u32,
    /// Variant of the tiny model (scales its first kernel: 1 and -1 differ).
    #[arg(long, default_value_t = 1, allow_hyphen_values = true)]
    pub variant: i16,
    /// The publisher's secp256k1 private key (32 bytes hex) that signs the manifest.
    #[arg(long)]
    pub publisher_key: String,
    /// Seed text of the INSECURE development setup.
    #[arg(long, default_value = "zkbio dev package")]
    pub seed: String,
    /// Also write `circuit.zpkz`, the key's compressed transport form, and list it in the
    /// manifest (`proving_key_transport`).
    #[arg(long)]
    pub compressed_key: bool,
}

/// A built-in sample iris for the scanner simulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Sample {
    /// 12 x 24 (the tiny test model's size).
    Tiny,
    /// 32 x 128 (the scaled test model's size).
    Scaled,
    /// 128 x 512 (open-iris).
    Full,
}

/// `zkbio scanner enroll`.
#[derive(clap::Args, Debug)]
pub struct ScannerEnrollArgs {
    /// The scanner's private key (32 bytes hex).
    #[arg(long)]
    pub scanner_key: String,
    /// Chain id of the registry.
    #[arg(long)]
    pub chain_id: u64,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// The subject's wallet address.
    #[arg(long)]
    pub subject: String,
    /// A synthetic sample iris (default: tiny), unless --image and --mask are given.
    #[arg(long, value_enum, default_value_t = Sample::Tiny)]
    pub sample: Sample,
    /// Seed of the synthetic sample.
    #[arg(long, default_value_t = 1)]
    pub sample_seed: u64,
    /// Normalized iris as an 8-bit grayscale PNG (instead of a sample); its size is the iris's.
    #[arg(long, requires = "mask")]
    pub image: Option<PathBuf>,
    /// Its mask: a PNG of the same size, non-zero = valid iris.
    #[arg(long, requires = "image")]
    pub mask: Option<PathBuf>,
    /// The face crop as an 8-bit grayscale PNG (the face model's input size), instead of a
    /// synthetic one.
    #[arg(long, conflicts_with_all = ["face_side", "face_identity"])]
    pub face: Option<PathBuf>,
    /// Side of the synthetic square face crop (`zkbio_core::sample::synthetic_face`): 8 for the
    /// tiny test face model, 64 for the development face model.
    #[arg(long, default_value_t = 8)]
    pub face_side: u16,
    /// Identity of the synthetic face crop (`zkbio face sample --identity` makes its selfies).
    #[arg(long, default_value_t = 1)]
    pub face_identity: u64,
    /// How long the attestation stays valid, in seconds from now: the registry refuses the
    /// enrollment once the chain's time is past it.
    #[arg(long, default_value_t = 86_400, conflicts_with = "deadline")]
    pub valid_for: u64,
    /// The attestation's deadline as Unix seconds (instead of --valid-for).
    #[arg(long)]
    pub deadline: Option<u64>,
    /// Transfer file to write.
    #[arg(long)]
    pub out: PathBuf,
}

/// A desktop vault.
#[derive(clap::Args, Debug)]
pub struct VaultArgs {
    /// Vault directory (`vault import` creates it; every other command needs an existing one).
    #[arg(long)]
    pub vault: PathBuf,
    /// Key directory (desktop stand-in for the Keychain / Keystore); default `<vault>.keys`.
    #[arg(long)]
    pub keys: Option<PathBuf>,
}

impl VaultArgs {
    fn key_provider(&self) -> Result<Arc<FileKeyProvider>, String> {
        let keys = self
            .keys
            .clone()
            .unwrap_or_else(|| sibling(&self.vault, "keys"));
        let provider = FileKeyProvider::open(&keys).map_err(|e| io_err(&keys, e))?;
        Ok(Arc::new(provider))
    }

    /// Opens the vault, creating it if missing (`vault import` only).
    pub fn open_or_create(&self) -> Result<Vault, String> {
        Vault::open(&self.vault, self.key_provider()?).map_err(|e| io_err(&self.vault, e))
    }

    /// Opens the vault, which must exist: a mistyped `--vault` is an error, never a new vault.
    pub fn open(&self) -> Result<Vault, String> {
        Vault::open_existing(&self.vault, self.key_provider()?).map_err(|e| match &e {
            VaultError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                format!("--vault: {e} (`zkbio vault import` creates a vault)")
            }
            _ => io_err(&self.vault, e),
        })
    }
}

fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let mut name = dir.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    PathBuf::from(name)
}

/// Where a model package comes from and what it must match.
#[derive(clap::Args, Debug)]
pub struct PackageArgs {
    /// The package's base URL (`http(s)://…`, files at `<url>/<name>`) or a local directory.
    #[arg(long)]
    pub package: String,
    /// Trusted publisher address (repeatable).
    #[arg(long = "publisher", required = true)]
    pub publishers: Vec<String>,
    /// Cache directory; default `<vault>.cache`.
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Cache size limit in MiB.
    #[arg(long, default_value_t = 4096)]
    pub cache_mib: u64,
}

/// The registry pin a package must match, when not read from a registry.
#[derive(clap::Args, Debug)]
pub struct PinArgs {
    /// The model version registered on chain.
    #[arg(long)]
    pub version: u32,
    /// The registered model hash (keccak256 of the model file, 0x + 64 hex digits).
    #[arg(long)]
    pub model_hash: String,
}

/// `zkbio vault import`.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id (1 to 64 of `[A-Za-z0-9_-]`).
    #[arg(long)]
    pub record: String,
    /// The scanner's transfer file.
    #[arg(long)]
    pub transfer: PathBuf,
    /// Trusted scanner address (repeatable; the registry's `isScanner`).
    #[arg(long = "scanner", required = true)]
    pub scanners: Vec<String>,
}

/// `zkbio vault status`.
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// A record to print.
    #[arg(long)]
    pub record: Option<String>,
}

/// `zkbio vault regenerate`.
#[derive(clap::Args, Debug)]
pub struct RegenerateArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id.
    #[arg(long)]
    pub record: String,
    #[command(flatten)]
    pub package: PackageArgs,
    #[command(flatten)]
    pub pin: PinArgs,
}

/// Which registry call a proof is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Purpose {
    /// `enroll` (first registration).
    Enroll,
    /// `reenroll` (model upgrade).
    Reenroll,
}

/// `zkbio vault prove`.
#[derive(clap::Args, Debug)]
pub struct ProveArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id.
    #[arg(long)]
    pub record: String,
    #[command(flatten)]
    pub package: PackageArgs,
    #[command(flatten)]
    pub pin: PinArgs,
    /// Which registry call.
    #[arg(long, value_enum)]
    pub purpose: Purpose,
    /// Chain id of the registry.
    #[arg(long)]
    pub chain_id: u64,
    /// The registry's address.
    #[arg(long)]
    pub registry: String,
    /// The sending wallet (must be the record's subject).
    #[arg(long)]
    pub wallet: String,
    /// The wallet's registry nonce (`nonces(wallet)`), decimal.
    #[arg(long)]
    pub nonce: u64,
    /// Directory for proof.json, public.json, tx.json and opening.json (private!).
    #[arg(long)]
    pub out: PathBuf,
}

/// `zkbio vault confirm`.
#[derive(clap::Args, Debug)]
pub struct ConfirmArgs {
    #[command(flatten)]
    pub vault: VaultArgs,
    /// Record id.
    #[arg(long)]
    pub record: String,
    /// The directory `zkbio vault prove` wrote.
    #[arg(long)]
    pub proof_dir: PathBuf,
}

/// Runs `zkbio package …`.
pub fn run_package(cmd: PackageCmd) -> Result<(), String> {
    let a = match cmd {
        PackageCmd::DevIris(a) => a,
        PackageCmd::DevFace(a) => return crate::face_cmd::dev_face(a),
        PackageCmd::CompressKey(a) => return crate::key_transport_cmd::compress(a),
        PackageCmd::ExpandKey(a) => return crate::key_transport_cmd::expand(a),
    };
    crate::package_cmd::dev_iris(a)
}

/// Runs `zkbio scanner …`.
pub fn run_scanner(cmd: ScannerCmd) -> Result<(), String> {
    let ScannerCmd::Enroll(a) = cmd;
    let scanner =
        LocalSigner::from_hex(a.scanner_key.trim()).map_err(|e| format!("--scanner-key: {e}"))?;
    let iris = match (&a.image, &a.mask) {
        (Some(image), Some(mask)) => {
            let (cols, rows, pixels) = png_io::read_gray_any(image)?;
            let mask = png_io::read_mask(mask, cols, rows)?;
            IrisSample::with_shape(rows, cols, pixels, mask).map_err(|e| e.to_string())?
        }
        _ => {
            let (rows, cols) = match a.sample {
                Sample::Tiny => (12, 24),
                Sample::Scaled => (32, 128),
                Sample::Full => (128, 512),
            };
            let (image, mask) = zkbio_core::sample::synthetic_iris(rows, cols, a.sample_seed);
            IrisSample::with_shape(rows, cols, image, mask).map_err(|e| e.to_string())?
        }
    };
    let face = match &a.face {
        Some(path) => {
            let (width, height, pixels) = png_io::read_gray_any(path)?;
            let side = |n: usize| u16::try_from(n).map_err(|_| io_err(path, "too large"));
            FaceImage::new(side(width)?, side(height)?, pixels)
        }
        None => {
            let side = usize::from(a.face_side);
            let pixels = zkbio_core::sample::synthetic_face(side, side, a.face_identity);
            FaceImage::new(a.face_side, a.face_side, pixels)
        }
    }
    .map_err(|e| format!("face crop: {e}"))?;
    let target = RegistryTarget {
        chain_id: a.chain_id,
        registry: address("--registry", &a.registry)?,
    };
    let subject = address("--subject", &a.subject)?;
    let deadline = match a.deadline {
        Some(d) => d,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| format!("system clock: {e}"))?
            .as_secs()
            .checked_add(a.valid_for)
            .ok_or("--valid-for: too large")?,
    };
    let transfer = scanner_enroll(&scanner, target, subject, deadline, iris, face)
        .map_err(|e| e.to_string())?;
    std::fs::write(&a.out, transfer.to_bytes().as_slice()).map_err(|e| io_err(&a.out, e))?;
    let mut out = Fields::new("scanner enroll");
    out.line("transfer", a.out.display().to_string())
        .line("scanner", format!("{:#x}", scanner.address()))
        .line("subject", format!("{subject:#x}"))
        .line("deadline", deadline)
        .line("c_img", field_hex(transfer.bundle.c_img))
        .line("c_face", field_hex(transfer.bundle.c_face));
    out.emit();
    Ok(())
}

/// Runs `zkbio vault …`.
pub fn run_vault(cmd: VaultCmd) -> Result<(), String> {
    match cmd {
        VaultCmd::Import(a) => import(a),
        VaultCmd::Status(a) => status(a),
        VaultCmd::Regenerate(a) => regenerate(a),
        VaultCmd::Prove(a) => prove_cmd(a),
        VaultCmd::Confirm(a) => confirm(a),
    }
}

pub(crate) fn record_id_arg(s: &str) -> Result<RecordId, String> {
    record_id(s)
}

pub(crate) fn address(what: &str, s: &str) -> Result<Address, String> {
    Address::from_str(s.trim()).map_err(|e| format!("{what}: {s:?} is not an address ({e})"))
}

pub(crate) fn secret_key(what: &str, s: &str) -> Result<[u8; 32], String> {
    hex::decode(s.trim().trim_start_matches("0x"))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("{what}: not 32 bytes of hex"))
}

fn record_id(s: &str) -> Result<RecordId, String> {
    RecordId::new(s).map_err(|e| format!("--record: {e}"))
}

fn import(a: ImportArgs) -> Result<(), String> {
    let vault = a.vault.open_or_create()?;
    let scanners = a
        .scanners
        .iter()
        .map(|s| address("--scanner", s))
        .collect::<Result<Vec<_>, _>>()?;
    let bytes =
        zeroize::Zeroizing::new(std::fs::read(&a.transfer).map_err(|e| io_err(&a.transfer, e))?);
    let imported = import_enrollment(&vault, &record_id(&a.record)?, &bytes, &scanners)
        .map_err(|e| format!("import refused: {e}"))?;
    let mut out = Fields::new("vault import");
    out.line("record", a.record.as_str())
        .line("subject", format!("{:#x}", imported.record.subject))
        .line("scanner", format!("{:#x}", imported.scanner))
        .line("chain_id", imported.target.chain_id)
        .line("registry", format!("{:#x}", imported.target.registry));
    out.emit();
    Ok(())
}

fn status(a: StatusArgs) -> Result<(), String> {
    let vault = a.vault.open()?;
    let mut out = Fields::new("vault status");
    match a.record {
        None => {
            let ids: Vec<String> = vault
                .records()
                .into_iter()
                .map(|info| info.id.to_string())
                .collect();
            for id in &ids {
                println!("record {id}");
            }
            out.set("records", ids);
        }
        Some(id) => {
            let r = vault
                .public_record(&record_id(&id)?)
                .map_err(|e| e.to_string())?;
            out.line("record", id.as_str())
                .line("subject", format!("{:#x}", r.subject))
                .line("c_img", field_hex(r.c_img))
                .line("c_face", field_hex(r.c_face))
                .line("scanner_deadline", r.scanner_deadline);
            match r.iris_model {
                Some((version, c_code)) => {
                    out.line("iris_version", version)
                        .line("c_code", field_hex(c_code));
                }
                None => {
                    out.line("iris_version", serde_json::Value::Null);
                }
            }
            match r.face_model {
                Some((version, c_emb)) => {
                    out.line("face_version", version)
                        .line("c_emb", field_hex(c_emb));
                }
                None => {
                    out.line("face_version", serde_json::Value::Null);
                }
            }
        }
    }
    out.emit();
    Ok(())
}

/// A commitment as every text output writes field elements (docs/PROTOCOL.md, "Encodings at the
/// boundary"): `0x` and 64 hex digits.
fn field_hex(x: zkbio_core::vault::FieldBytes) -> String {
    format!("0x{}", hex::encode(x.to_be_bytes()))
}

/// Prints each download step on one line (stdout), and a live percentage on a terminal.
struct Downloads {
    progress: crate::report::ByteProgress,
}

impl DownloadObserver for Downloads {
    fn on_event(&self, event: &DownloadEvent) {
        match event {
            DownloadEvent::Progress {
                artifact,
                done,
                total,
            }
            | DownloadEvent::Expanding {
                artifact,
                done,
                total,
            } => self.progress.update(artifact, *done, *total),
            other => {
                self.progress.finish_line();
                println!("  {}", crate::report::download_event(other));
            }
        }
    }
}

/// Verifies the manifest against `pin` and the trusted publishers, then fetches (or finds in the
/// cache) every file, refusing the package from its model file and its proving key's header
/// before the key itself downloads (a model for another image shape than `shape`, a key made
/// for another circuit, an undeclared development key), and opens it for proving.
pub(crate) fn load_package(
    p: &PackageArgs,
    vault_dir: &Path,
    version: u32,
    model_hash: [u8; 32],
    shape: Option<(usize, usize)>,
) -> Result<IrisModelPackage, String> {
    let pin = RegistryPin {
        kind: ModelKind::Iris,
        version,
        model_hash,
    };
    let source = PackageSource::open(p, vault_dir, &pin)?;
    IrisModelPackage::fetch(
        &source.cache,
        &source.manifest,
        &source.base,
        source.fetcher.as_ref(),
        &downloads(),
        &DownloadConfig::default(),
        shape,
    )
    .map_err(package_error)
}

/// The iris image shape of vault record `id` (so a package for another shape is refused
/// before its key downloads).
pub(crate) fn record_shape(vault: &Vault, id: &RecordId) -> Result<(usize, usize), String> {
    vault
        .with_iris(id, |iris| (iris.rows(), iris.cols()))
        .map_err(|e| format!("record {id}: {e}"))
}

/// A verified manifest and where its files come from: an `http(s)://` base URL or a directory,
/// through the vault's artifact cache.
pub(crate) struct PackageSource {
    /// The artifact cache (`--cache`, default `<vault>.cache`).
    pub cache: ArtifactCache,
    /// The manifest, verified against the pin and the trusted publishers.
    pub manifest: VerifiedManifest,
    /// The package's base URL or directory, without a trailing `/`.
    pub base: String,
    /// What reads it.
    pub fetcher: Box<dyn Fetcher>,
}

impl PackageSource {
    /// Reads `manifest.json` from `--package` and verifies it against `pin` and the trusted
    /// publishers; downloads nothing else.
    pub(crate) fn open(
        p: &PackageArgs,
        vault_dir: &Path,
        pin: &RegistryPin,
    ) -> Result<Self, String> {
        let fetcher: Box<dyn Fetcher> =
            if p.package.starts_with("http://") || p.package.starts_with("https://") {
                Box::new(HttpFetcher::new(Duration::from_secs(60)))
            } else {
                if !Path::new(&p.package).is_dir() {
                    return Err(format!(
                        "--package {}: not found (neither an http(s):// URL nor a directory)",
                        p.package
                    ));
                }
                Box::new(DirFetcher::new(&p.package))
            };
        let base = p.package.trim_end_matches('/').to_string();
        let manifest = fetcher
            .fetch_range(&format!("{base}/{MANIFEST_FILE}"), 0, None)
            .map_err(|e| format!("package {base}: {MANIFEST_FILE}: {e}"))?;
        let trusted = p
            .publishers
            .iter()
            .map(|s| address("--publisher", s))
            .collect::<Result<Vec<_>, _>>()?;
        let manifest = verify_manifest(&manifest, pin, &trusted)
            .map_err(|e| format!("package refused: {e}"))?;
        let cache_dir = p
            .cache
            .clone()
            .unwrap_or_else(|| sibling(vault_dir, "cache"));
        let cache = ArtifactCache::open(&cache_dir, p.cache_mib << 20)
            .map_err(|e| io_err(&cache_dir, e))?;
        Ok(PackageSource {
            cache,
            manifest,
            base,
            fetcher,
        })
    }
}

/// The console's download reporter.
pub(crate) fn downloads() -> impl DownloadObserver {
    Downloads {
        progress: crate::report::ByteProgress::new(),
    }
}

/// A package flow's error as the CLI says it: "refused" is for what failed a check, "download
/// failed" for failures to obtain the bytes.
pub(crate) fn package_error(e: FlowError) -> String {
    match e {
        FlowError::Package(
            e @ (PackageError::Fetch { .. }
            | PackageError::Cancelled
            | PackageError::CacheTooSmall { .. }
            | PackageError::Io { .. }),
        ) => format!("package download failed: {e}"),
        e => format!("package refused: {e}"),
    }
}

pub(crate) fn model_hash(s: &str) -> Result<[u8; 32], String> {
    hex::decode(s.trim().trim_start_matches("0x"))
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| format!("--model-hash: {s:?} is not 32 bytes of hex"))
}

fn regenerate(a: RegenerateArgs) -> Result<(), String> {
    let vault = a.vault.open()?;
    let id = record_id(&a.record)?;
    let model = load_package(
        &a.package,
        &a.vault.vault,
        a.pin.version,
        model_hash(&a.pin.model_hash)?,
        Some(record_shape(&vault, &id)?),
    )?;
    let code = regenerate_iris_code(&vault, &id, &model).map_err(|e| e.to_string())?;
    println!(
        "model {} (version {})",
        model.statement().name(),
        model.version()
    );
    let mut out = Fields::new("vault regenerate");
    out.set("model", model.statement().name())
        .set("version", model.version())
        .line("code", crate::iris_code::packbits_hex(code.code_bits()))
        .line("mask", crate::iris_code::packbits_hex(code.mask_bits()));
    out.emit();
    Ok(())
}

/// Writes what `zkbio vault prove` leaves: proof.json, public.json, tx.json, opening.json.
pub(crate) fn write_proof_dir(
    dir: &Path,
    p: &zkbio_core::flows::IrisCodeProof,
) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    write_proof(&dir.join("proof.json"), &p.proof)?;
    write_public(&dir.join("public.json"), &p.public_inputs)?;
    write_json(
        &dir.join("tx.json"),
        &p.tx.to_eip1193(Some(p.request.wallet)),
    )?;
    // The boundary's bit order (np.packbits), as `vault regenerate`, `iris-code --format hex`
    // and the FFI print codes; not the commitment's internal packing.
    let pack = crate::iris_code::packbits_hex;
    write_json(
        &dir.join("opening.json"),
        &json!({
            "version": p.version,
            "bit_order": OPENING_BIT_ORDER,
            "bits": p.opening.code_bits().len(),
            "geometry": p.code_geometry.dims(),
            "code": pack(p.opening.code_bits()),
            "mask": pack(p.opening.mask_bits()),
            "salt_code": format!("0x{}", hex::encode(p.opening.salt().expose())),
        }),
    )
}

fn prove_cmd(a: ProveArgs) -> Result<(), String> {
    let vault = a.vault.open()?;
    let shape = record_shape(&vault, &record_id(&a.record)?)?;
    let model = load_package(
        &a.package,
        &a.vault.vault,
        a.pin.version,
        model_hash(&a.pin.model_hash)?,
        Some(shape),
    )?;
    let purpose = match a.purpose {
        Purpose::Enroll => IrisPurpose::Enroll,
        Purpose::Reenroll => IrisPurpose::Reenroll,
    };
    let target = RegistryTarget {
        chain_id: a.chain_id,
        registry: address("--registry", &a.registry)?,
    };
    let request = IrisProofRequest::new(
        purpose,
        target,
        address("--wallet", &a.wallet)?,
        U256::from(a.nonce),
    );
    let proof = prove_iris_code(
        &vault,
        &record_id(&a.record)?,
        &model,
        &request,
        &ConsoleProgress::new(),
        Arc::default(),
    )
    .map_err(|e| e.to_string())?;
    write_proof_dir(&a.out, &proof)?;
    let c_code = zkbio_core::evm::abi::fr_word(&proof.public_inputs[1]).to_be_bytes::<32>();
    let mut out = Fields::new("vault prove");
    out.line("proof", a.out.display().to_string())
        .line("c_code", format!("0x{}", hex::encode(c_code)))
        .line("to", format!("{:#x}", proof.tx.to));
    out.emit();
    Ok(())
}

/// The `bit_order` of opening.json's `code` and `mask` (docs/PROTOCOL.md).
const OPENING_BIT_ORDER: &str = "msb-first";

/// `n` bits from hex packed MSB-first (np.packbits order), padding bits zero.
fn bits_from_hex(what: &str, s: &str, n: usize) -> Result<Vec<bool>, String> {
    let bytes = hex::decode(s).map_err(|e| format!("opening.json {what}: {e}"))?;
    if bytes.len() != n.div_ceil(8) {
        return Err(format!(
            "opening.json {what}: {} bytes for {n} bits",
            bytes.len()
        ));
    }
    let bits: Vec<bool> = (0..n)
        .map(|i| bytes[i / 8] >> (7 - i % 8) & 1 == 1)
        .collect();
    if crate::iris_code::packbits_hex(&bits) != s.to_ascii_lowercase() {
        return Err(format!("opening.json {what}: padding bits are not zero"));
    }
    Ok(bits)
}

/// The code geometry of an opening.json. It is part of `C_code`'s tag (commitments v2); an
/// opening.json written before v2 has none and is refused.
fn opening_geometry(v: &serde_json::Value) -> Result<Geometry, String> {
    let dims: Vec<usize> = v["geometry"]
        .as_array()
        .ok_or("opening.json: no geometry (written before commitments v2: prove again)")?
        .iter()
        .map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok()))
        .collect::<Option<_>>()
        .ok_or("opening.json: bad geometry")?;
    Geometry::new(&dims).map_err(|e| format!("opening.json geometry: {e}"))
}

fn confirm(a: ConfirmArgs) -> Result<(), String> {
    let vault = a.vault.open()?;
    let path = a.proof_dir.join("opening.json");
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| io_err(&path, e))?;
    let field = |k: &str| v[k].as_str().ok_or_else(|| format!("opening.json: no {k}"));
    if v["bit_order"].as_str() != Some(OPENING_BIT_ORDER) {
        return Err(format!(
            "opening.json: bit_order is not {OPENING_BIT_ORDER} (written by an older zkbio, LSB-first: prove again)"
        ));
    }
    let n = v["bits"].as_u64().ok_or("opening.json: no bits")? as usize;
    let version = v["version"].as_u64().ok_or("opening.json: no version")? as u32;
    let salt = model_hash(field("salt_code")?).map_err(|_| "opening.json: bad salt_code")?;
    let opening = CodeOpening::new(
        bits_from_hex("code", field("code")?, n)?,
        bits_from_hex("mask", field("mask")?, n)?,
        Salt::from_be_bytes(salt).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    let geometry = opening_geometry(&v)?;
    let public = read_public(&a.proof_dir.join("public.json"))?;
    let c_code = public.get(1).ok_or("public.json: fewer than 2 inputs")?;
    record_iris_code(
        &vault,
        &record_id(&a.record)?,
        version,
        c_code,
        &geometry,
        &opening,
    )
    .map_err(|e| e.to_string())?;
    println!("record {} iris_version {version}", a.record);
    let mut out = Fields::new("vault confirm");
    out.set("record", a.record.as_str())
        .set("iris_version", version);
    out.emit();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_geometry_is_read_and_checked() {
        let g = opening_geometry(&json!({ "geometry": [3, 4, 2, 2] })).unwrap();
        assert_eq!(g.dims(), &[3, 4, 2, 2]);
        assert_eq!(
            opening_geometry(&json!({ "bits": 48 })).unwrap_err(),
            "opening.json: no geometry (written before commitments v2: prove again)"
        );
        assert_eq!(
            opening_geometry(&json!({ "geometry": [3, "4"] })).unwrap_err(),
            "opening.json: bad geometry"
        );
        assert!(opening_geometry(&json!({ "geometry": [3, 0] }))
            .unwrap_err()
            .starts_with("opening.json geometry: dimension 1 is 0"));
        assert!(opening_geometry(&json!({ "geometry": [1, 1, 1, 1, 1] })).is_err());
    }
}
