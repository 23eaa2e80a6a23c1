//! `zkbio key address`: the Ethereum address of a private key, so a script can name the owner,
//! the scanner, the publisher and the subject's wallet from the keys it holds (the walkthrough
//! in scripts/walkthrough.sh does).

use crate::registry_cmd::signer_from;
use clap::Subcommand;

/// `zkbio key …`.
#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Print the address of a secp256k1 private key (`address 0x…`).
    Address(AddressArgs),
}

/// `zkbio key address`.
#[derive(clap::Args, Debug)]
pub struct AddressArgs {
    /// Private key (32 bytes hex, `0x` optional); default: the environment variable
    /// ZKBIO_PRIVATE_KEY (which keeps it out of the process list).
    #[arg(long)]
    pub key: Option<String>,
}

/// Runs a `zkbio key` command.
pub fn run(cmd: KeyCmd) -> Result<(), String> {
    match cmd {
        KeyCmd::Address(a) => {
            let signer = signer_from(a.key.as_deref())?;
            let address = format!("{:#x}", signer.address());
            println!("address {address}");
            crate::output::result(serde_json::json!({
                "command": "key address",
                "address": address,
            }));
            Ok(())
        }
    }
}
