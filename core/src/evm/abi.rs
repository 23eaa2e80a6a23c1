//! ABI of `contracts/src/Groth16Verifier.sol` and the encodings of keys, proofs and inputs.
//!
//! Points are encoded as EIP-196/EIP-197 words: a G1 point is `[x, y]`, a G2 point is
//! `[[x.c1, x.c0], [y.c1, y.c0]]` (imaginary part first), and the point at infinity is all zeros.
//! This is also the layout of `snarkjs zkey export soliditycalldata`.

use alloy_primitives::U256;
use alloy_sol_types::{SolCall, SolConstructor};
use ark_bn254::{Bn254, Fq, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_ff::PrimeField;
use ark_groth16::{Proof, VerifyingKey};

use super::{EvmError, MAX_PUBLIC};

alloy_sol_types::sol! {
    /// Bindings of `contracts/src/Groth16Verifier.sol` (see that file for the semantics).
    #[derive(Debug, PartialEq, Eq)]
    contract Groth16Verifier {
        /// Deploys a verifier for one key; `ic` has `nPublic + 1` points.
        constructor(
            uint256[2] alpha,
            uint256[2][2] beta,
            uint256[2][2] gamma,
            uint256[2][2] delta,
            uint256[2][] ic
        );
        /// True iff the proof is valid for the contract's key and `pubSignals`.
        function verifyProof(
            uint256[2] calldata a,
            uint256[2][2] calldata b,
            uint256[2] calldata c,
            uint256[] calldata pubSignals
        ) external view returns (bool);
        /// The key, in the constructor's layout.
        function verifyingKey() external view returns (
            uint256[2] alpha,
            uint256[2][2] beta,
            uint256[2][2] gamma,
            uint256[2][2] delta,
            uint256[2][] ic
        );
        /// Number of public inputs `verifyProof` expects.
        function nPublic() external view returns (uint256);
        /// Largest number of public inputs a key may have.
        function MAX_PUBLIC() external view returns (uint256);
        /// The key has more than `MAX_PUBLIC` public inputs.
        error TooManyPublicInputs(uint256 nPublic);
        /// The key has no IC point.
        error MissingIC();
        /// A G1 point of the key is invalid (0 is alpha, 1 + i is IC[i]).
        error InvalidG1Point(uint256 index);
        /// beta, gamma or delta is invalid or the point at infinity.
        error InvalidG2Points();
    }
}

/// A G1 point as EIP-196 words `[x, y]`.
pub type G1Words = [U256; 2];
/// A G2 point as EIP-197 words `[[x.c1, x.c0], [y.c1, y.c0]]`.
pub type G2Words = [[U256; 2]; 2];

/// A base-field element as a 256-bit word.
fn fq_word(x: &Fq) -> U256 {
    // ark's BigInt and ruint's U256 both store little-endian u64 limbs.
    U256::from_limbs(x.into_bigint().0)
}

/// A scalar-field element (public input) as a 256-bit word.
pub fn fr_word(x: &Fr) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// A G1 point as `[x, y]`; infinity is `[0, 0]`.
pub fn g1_words(p: &G1Affine) -> G1Words {
    match p.xy() {
        Some((x, y)) => [fq_word(&x), fq_word(&y)],
        None => [U256::ZERO; 2],
    }
}

/// A G2 point as `[[x.c1, x.c0], [y.c1, y.c0]]`; infinity is all zeros.
pub fn g2_words(p: &G2Affine) -> G2Words {
    match p.xy() {
        Some((x, y)) => [
            [fq_word(&x.c1), fq_word(&x.c0)],
            [fq_word(&y.c1), fq_word(&y.c0)],
        ],
        None => [[U256::ZERO; 2]; 2],
    }
}

/// The ABI-encoded constructor arguments of `Groth16Verifier` for `vk`
/// (append them to the creation code to deploy).
///
/// Fails if `vk` has more than [`MAX_PUBLIC`] public inputs or no IC point, which the contract's
/// constructor would reject too.
pub fn constructor_args(vk: &VerifyingKey<Bn254>) -> Result<Vec<u8>, EvmError> {
    let n_ic = vk.gamma_abc_g1.len();
    if n_ic == 0 {
        return Err(EvmError::MissingIc);
    }
    if n_ic - 1 > MAX_PUBLIC {
        return Err(EvmError::TooManyPublicInputs {
            got: n_ic - 1,
            max: MAX_PUBLIC,
        });
    }
    let call = Groth16Verifier::constructorCall {
        alpha: g1_words(&vk.alpha_g1),
        beta: g2_words(&vk.beta_g2),
        gamma: g2_words(&vk.gamma_g2),
        delta: g2_words(&vk.delta_g2),
        ic: vk.gamma_abc_g1.iter().map(g1_words).collect(),
    };
    Ok(call.abi_encode())
}

/// The call `verifyProof(proof, public_inputs)`, built from its words.
pub fn verify_proof_call(
    proof: &Proof<Bn254>,
    public_inputs: &[Fr],
) -> Groth16Verifier::verifyProofCall {
    Groth16Verifier::verifyProofCall {
        a: g1_words(&proof.a),
        b: g2_words(&proof.b),
        c: g1_words(&proof.c),
        pubSignals: public_inputs.iter().map(fr_word).collect(),
    }
}

/// ABI-encoded call data (selector included) of `verifyProof(proof, public_inputs)`.
pub fn verify_proof_calldata(proof: &Proof<Bn254>, public_inputs: &[Fr]) -> Vec<u8> {
    verify_proof_call(proof, public_inputs).abi_encode()
}

/// The arguments of `verifyProof` as text, in the format of
/// `snarkjs zkey export soliditycalldata` (paste into a block explorer or `cast call`).
pub fn solidity_calldata(proof: &Proof<Bn254>, public_inputs: &[Fr]) -> String {
    // snarkjs pads every number to 64 lower-case hex digits and quotes it; the separators
    // (", " inside a point, "," between arguments and between inputs) are reproduced exactly.
    let w = |x: &U256| format!("\"0x{x:064x}\"");
    let [ax, ay] = g1_words(&proof.a);
    let [[bx1, bx0], [by1, by0]] = g2_words(&proof.b);
    let [cx, cy] = g1_words(&proof.c);
    let inputs: Vec<String> = public_inputs.iter().map(|x| w(&fr_word(x))).collect();
    format!(
        "[{}, {}],[[{}, {}],[{}, {}]],[{}, {}],[{}]",
        w(&ax),
        w(&ay),
        w(&bx1),
        w(&bx0),
        w(&by1),
        w(&by0),
        w(&cx),
        w(&cy),
        inputs.join(",")
    )
}
