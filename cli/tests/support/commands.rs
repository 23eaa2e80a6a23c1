//! Every leaf command of `zkbio`, as typed (`registry add-scanner`): the unit test in
//! cli/src/main.rs checks this list against clap's command tree, and cli/tests/json_cli.rs runs
//! each [`RUN`] command with `--json`. A new command fails the first until it is listed here,
//! and the second until it is run there (or exempted, with the reason).
#![allow(dead_code)] // main.rs's test reads both lists, json_cli.rs only RUN

/// The commands json_cli.rs runs with `--json`.
pub const RUN: &[&str] = &[
    "demo",
    "setup",
    "prove",
    "verify",
    "export r1cs",
    "export wtns",
    "export zkey",
    "export vk",
    "export iris-model",
    "export solidity",
    "groth16 prove",
    "groth16 setup",
    "import-zkey",
    "iris-code",
    "registry deploy",
    "registry add-scanner",
    "registry remove-scanner",
    "registry add-model",
    "registry deprecate-model",
    "registry enroll",
    "registry reenroll",
    "registry status",
    "vault import",
    "vault status",
    "vault regenerate",
    "vault prove",
    "vault confirm",
    "face register",
    "face match",
    "face verify",
    "face sample",
    "package dev-iris",
    "package dev-face",
    "package compress-key",
    "package expand-key",
    "scanner enroll",
    "model inspect",
    "model infer",
    "model audit",
    "model setup",
    "model prove",
    "model verify",
    "key address",
    "serve",
    "bench",
];

/// The commands it does not run, and why.
pub const EXEMPT: &[(&str, &str)] = &[];
