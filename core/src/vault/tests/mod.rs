//! Vault tests: round trips, file format and tamper detection, wiping, and crash injection.

mod basics;
mod crash;
mod fixtures;
mod format;
mod sim_fs;
mod wipe;
