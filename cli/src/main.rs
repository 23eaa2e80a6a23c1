//! `zkbio`: the developer CLI (desktop). Phones use the SDK through its bindings.

mod artifacts;
mod bench;
mod bench_peer;
mod commands;
mod demo;
mod enroll_cmd;
mod face_cmd;
mod groth16_cmd;
mod iris_code;
mod key_cmd;
mod key_transport_cmd;
mod logging;
mod measured_run;
mod mem;
mod model_audit;
mod model_cmd;
mod model_prove;
mod output;
mod package_cmd;
mod png_io;
mod progress;
mod registry_cmd;
mod report;
mod serve_cmd;
mod statement;
mod vault_cmd;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// zkbio: prove what a phone computed from biometrics, in zero knowledge (Groth16, BN254).
///
/// Proofs: setup, prove, verify, export, import-zkey, groth16 (circom drop-ins), bench, demo. Biometrics and models:
/// iris-code, model. The phone's flows from a desktop: scanner, package, vault, registry, face;
/// and their helpers: key (addresses), serve (packages over HTTP).
// No `about` attribute: it would take Cargo's one-line package description instead of this.
#[derive(Parser, Debug)]
#[command(version)]
struct Cli {
    /// Logs on stderr: -v for each phase with its time, downloads and refusals (INFO), -vv also
    /// progress within phases (DEBUG).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Print nothing but errors.
    #[arg(short, long, global = true, conflicts_with_all = ["json", "verbose"])]
    quiet: bool,
    /// Print one JSON object per result on stdout (the usual lines go to stderr); an error is
    /// `{"error": …, "exit_code": N}`.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Run the whole flow on the embedded default sample, phase by phase (time, peak memory).
    Demo(demo::DemoArgs),
    /// INSECURE development setup from a seed: proving key (.zpk) and verification key.
    Setup(commands::SetupArgs),
    /// Prove a statement with a .zpk key; writes proof.json and public.json.
    Prove(commands::ProveArgs),
    /// Verify proof.json + public.json against verification_key.json (exit code 1 if rejected,
    /// 2 if an input is unusable).
    ///
    /// Exit code 0 if the proof verifies; 1 if it is rejected: the pairing check fails, or the
    /// key is forgeable (no proof under it means anything); 2 if an input is unusable: a file
    /// that cannot be read or parsed, a point off the curve or outside the prime-order subgroup,
    /// another number of public inputs than the key's. Reads snarkjs's and rapidsnark's
    /// proof.json (rapidsnark writes no `curve`).
    Verify(commands::VerifyArgs),
    /// Export circuit, witness or keys in snarkjs/circom formats, or the Solidity verifier.
    #[command(subcommand)]
    Export(commands::ExportCmd),
    /// circom/snarkjs drop-ins: `groth16 prove CIRCUIT.zkey WITNESS.wtns proof.json public.json`
    /// (rapidsnark's command line) for any circom circuit.
    #[command(subcommand)]
    Groth16(groth16_cmd::Groth16Cmd),
    /// Convert a snarkjs .zkey (e.g. from a phase-2 ceremony) into a .zpk, checked against the circuit.
    ImportZkey(commands::ImportArgs),
    /// Benchmark witness generation and proving (medians); with --peer or --snarkjs also against
    /// another prover as whole processes (paired runs, ratios, the peer's proof verified).
    Bench(bench::BenchArgs),
    /// Compute an iris code from a normalized iris (PNG image and mask), as open-iris does.
    IrisCode(iris_code::IrisCodeArgs),
    /// Deploy, administer and inspect a BiometricRegistry on an EVM node (JSON-RPC).
    #[command(subcommand)]
    Registry(registry_cmd::RegistryCmd),
    /// The phone's flows on a desktop vault: import, status, regenerate, prove, confirm.
    #[command(subcommand)]
    Vault(vault_cmd::VaultCmd),
    /// The face flows on a desktop vault: register the face embedding, prove a face match for a
    /// relying party, verify one; sample face crops.
    #[command(subcommand)]
    Face(face_cmd::FaceCmd),
    /// Model packages (development: a signed package with an INSECURE key).
    #[command(subcommand)]
    Package(vault_cmd::PackageCmd),
    /// A scanner simulator (development): sign an enrollment and write its transfer file.
    #[command(subcommand)]
    Scanner(vault_cmd::ScannerCmd),
    /// Models: inspect and run int8 TFLite files exactly (LiteRT reference semantics); audit a
    /// registered version's model, key and verifier.
    #[command(subcommand)]
    Model(model_cmd::ModelCmd),
    /// Keys: the Ethereum address of a private key.
    #[command(subcommand)]
    Key(key_cmd::KeyCmd),
    /// Serve a directory of packages over HTTP with byte ranges (development).
    Serve(serve_cmd::ServeArgs),
}

fn main() -> ExitCode {
    // What a proof holds resident is then what it uses, as on the phones' allocators.
    zkbio_core::groth16::heap::trim_promptly();
    let cli = Cli::parse();
    output::init(if cli.quiet {
        output::Mode::Quiet
    } else if cli.json {
        output::Mode::Json
    } else {
        output::Mode::Human
    });
    logging::init(cli.verbose);
    let result = match cli.cmd {
        Cmd::Demo(a) => demo::run(a),
        Cmd::Setup(a) => commands::setup(a),
        Cmd::Prove(a) => commands::prove_cmd(a),
        Cmd::Verify(a) => match commands::verify_cmd(a) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Cmd::Export(c) => commands::export(c),
        Cmd::Groth16(c) => groth16_cmd::run(c),
        Cmd::ImportZkey(a) => commands::import_zkey(a),
        Cmd::Bench(a) => bench::run(a),
        Cmd::IrisCode(a) => iris_code::run(a),
        Cmd::Registry(c) => registry_cmd::run(c),
        Cmd::Vault(c) => vault_cmd::run_vault(c),
        Cmd::Face(c) => match face_cmd::run(c) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
        Cmd::Package(c) => vault_cmd::run_package(c),
        Cmd::Scanner(c) => vault_cmd::run_scanner(c),
        Cmd::Key(c) => key_cmd::run(c),
        Cmd::Serve(a) => serve_cmd::run(a),
        Cmd::Model(c) => match model_cmd::run_cmd(c) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::from(1),
            Err(e) => Err(e),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e, 2);
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
#[path = "../tests/support/commands.rs"]
mod command_list;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The leaf commands under `cmd`, each as its path from the top (`registry add-scanner`).
    fn leaves(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        let mut subcommands = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .peekable();
        if subcommands.peek().is_none() {
            out.push(prefix.to_owned());
        }
        for c in subcommands {
            let path = if prefix.is_empty() {
                c.get_name().to_owned()
            } else {
                format!("{prefix} {}", c.get_name())
            };
            leaves(c, &path, out);
        }
    }

    #[test]
    fn every_leaf_command_is_run_with_json_or_exempt_with_a_reason() {
        let mut tree = Vec::new();
        leaves(&Cli::command(), "", &mut tree);
        tree.sort();
        let mut listed: Vec<String> = command_list::RUN
            .iter()
            .chain(command_list::EXEMPT.iter().map(|(c, _)| c))
            .map(|c| (*c).to_owned())
            .collect();
        listed.sort();
        assert_eq!(
            tree, listed,
            "cli/tests/support/commands.rs must list each leaf of the command tree once"
        );
        assert!(command_list::EXEMPT.iter().all(|(_, why)| !why.is_empty()));
        // Deep enough to have seen the nested commands.
        assert!(tree.iter().any(|c| c == "registry add-scanner"), "{tree:?}");
    }
}
