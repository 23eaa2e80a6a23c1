//! Issue 12: one bit order and one number format for every output (docs/PROTOCOL.md, "Encodings at
//! the boundary"). The same record's iris code, printed by `vault regenerate`, written by
//! `vault prove` into opening.json and computed by `iris-code --format hex` from the same PNGs,
//! is the same hex (np.packbits order); `vault confirm` reads opening.json back (its C_code must
//! open), and field elements print as 0x and 64 hex digits.

mod support;
use support::{enroll_into_vault, field, write_png as png, zkbio_ok as zkbio, Registry};

use std::path::{Path, PathBuf};
use std::process::Command;

// Test-only keys and addresses.
const PUBLISHER_KEY: &str = "4242424242424242424242424242424242424242424242424242424242424242";
const SUBJECT: &str = "0x3333333333333333333333333333333333333333";
const REGISTRY: &str = "0x7777777777777777777777777777777777777777";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn is_field_hex(v: &str) -> bool {
    v.len() == 66 && v.starts_with("0x") && v[2..].bytes().all(|c| c.is_ascii_hexdigit())
}

#[test]
fn regenerate_opening_json_and_iris_code_print_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| -> PathBuf { dir.path().join(name) };
    // A 12 x 24 iris (the tiny model's size) as PNGs, with a mask that is not all ones.
    let (image, mask) = zkbio_core::sample::synthetic_iris(12, 24, 5);
    png(&p("image.png"), 24, 12, &image);
    let mask_px: Vec<u8> = mask.iter().map(|&m| if m { 255 } else { 0 }).collect();
    png(&p("mask.png"), 24, 12, &mask_px);

    let pkg = zkbio(&[
        "package",
        "dev-iris",
        "--out",
        s(&p("pkg")),
        "--version",
        "1",
        "--variant",
        "1",
        "--seed",
        "bit-order",
        "--publisher-key",
        PUBLISHER_KEY,
    ]);
    let (model_hash, publisher) = (field(&pkg, "model_hash"), field(&pkg, "publisher"));
    let enrolled = enroll_into_vault(
        dir.path(),
        Registry::At(REGISTRY),
        SUBJECT,
        &["--image", s(&p("image.png")), "--mask", s(&p("mask.png"))],
    );
    let vault = enrolled.vault_arg().to_owned();
    let pkg_dir = p("pkg");
    let package = [
        "--package",
        s(&pkg_dir),
        "--publisher",
        &publisher,
        "--version",
        "1",
        "--model-hash",
        &model_hash,
    ];
    let regen = zkbio(
        &[
            &["vault", "regenerate", "--vault", &vault, "--record", "me"][..],
            &package,
        ]
        .concat(),
    );
    let hex = zkbio(&[
        "iris-code",
        "--image",
        s(&p("image.png")),
        "--mask",
        s(&p("mask.png")),
        "--model",
        s(&p("pkg/model.bin")),
        "--format",
        "hex",
    ]);
    zkbio(
        &[
            &[
                "vault",
                "prove",
                "--vault",
                &vault,
                "--record",
                "me",
                "--purpose",
                "enroll",
                "--chain-id",
                "31337",
                "--registry",
                REGISTRY,
                "--wallet",
                SUBJECT,
                "--nonce",
                "0",
                "--out",
                s(&p("proof")),
            ][..],
            &package,
        ]
        .concat(),
    );
    let opening: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("proof/opening.json")).unwrap()).unwrap();

    for key in ["code", "mask"] {
        let from_regen = field(&regen, key);
        assert_eq!(
            field(&hex, key),
            from_regen,
            "{key}: iris-code vs vault regenerate"
        );
        assert_eq!(
            opening[key].as_str().unwrap(),
            from_regen,
            "{key}: opening.json vs regenerate"
        );
    }
    assert_eq!(opening["bit_order"], "msb-first");
    let bits = opening["bits"].as_u64().unwrap() as usize;
    assert_eq!(field(&regen, "code").len(), 2 * bits.div_ceil(8));
    // Not a palindrome of bits by accident: the first byte is not its own bit reversal.
    let first = u8::from_str_radix(&field(&regen, "code")[..2], 16).unwrap();
    assert_ne!(
        first,
        first.reverse_bits(),
        "pick another seed: the order would not show"
    );
    assert!(is_field_hex(opening["salt_code"].as_str().unwrap()));

    // confirm reads opening.json back in the same order: its C_code must open.
    zkbio(&[
        "vault",
        "confirm",
        "--vault",
        &vault,
        "--record",
        "me",
        "--proof-dir",
        s(&p("proof")),
    ]);
    let status = zkbio(&["vault", "status", "--vault", &vault, "--record", "me"]);
    for key in ["c_img", "c_face", "c_code"] {
        assert!(is_field_hex(&field(&status, key)), "{key}: {status}");
    }
    // An opening.json in the old order (no bit_order) is refused rather than misread.
    let mut old = opening.clone();
    old.as_object_mut().unwrap().remove("bit_order");
    std::fs::write(p("proof/opening.json"), old.to_string()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zkbio"))
        .args([
            "vault",
            "confirm",
            "--vault",
            &vault,
            "--record",
            "me",
            "--proof-dir",
            s(&p("proof")),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bit_order"));
}
