//! ABI of `contracts/src/Groth16Verifier.sol` and the encodings of keys, proofs and inputs.
//!
//! Points are encoded as EIP-196/EIP-197 words: a G1 point is `[x, y]`, a G2 point is
//! `[[x.c1, x.c0], [y.c1, y.c0]]` (imaginary part first), and the point at infinity is all zeros.
//! This is also the layout of `snarkjs zkey export soliditycalldata`.

use alloy_primitives::{keccak256, B256, U256};
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
        /// keccak256 of the key in the constructor's ABI encoding (see [`vk_hash`]).
        function vkHash() external view returns (bytes32);
        /// The key has more than `MAX_PUBLIC` public inputs.
        error TooManyPublicInputs(uint256 nPublic);
        /// The key has no IC point.
        error MissingIC();
        /// A G1 point of the key is invalid (0 is alpha, 1 + i is IC[i]).
        error InvalidG1Point(uint256 index);
        /// beta, gamma or delta is invalid or the point at infinity.
        error InvalidG2Points();
        /// delta equals gamma (e.g. a snarkjs key without a phase-2 contribution).
        error DeltaIsGamma();
        /// delta is the G2 generator (a key without a phase-2 contribution).
        error DeltaIsG2Generator();
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

/// The verification key hash the registry pins per model version and the verifier contract
/// exposes as `vkHash()`: keccak256 of the key in the constructor's ABI encoding,
/// `keccak256(abi.encode(alpha, beta, gamma, delta, ic))`, i.e. of [`constructor_args`]
/// (docs/PROTOCOL.md, "Verification key hash"). It is the one definition every part of zkbio
/// uses (registry deploy and add-model, the phone's package check, `zkbio model audit`).
///
/// Fails like [`constructor_args`] on keys the contract cannot take.
pub fn vk_hash(vk: &VerifyingKey<Bn254>) -> Result<B256, EvmError> {
    Ok(keccak256(constructor_args(vk)?))
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

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::b256;
    use ark_ec::CurveGroup;

    /// The vector of docs/PROTOCOL.md and contracts/test/Groth16Verifier.t.sol, computed
    /// independently with ethers 5.8 (`keccak256(defaultAbiCoder.encode(...))`).
    #[test]
    fn vk_hash_matches_the_ethers_vector() {
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        let vk = VerifyingKey::<Bn254> {
            alpha_g1: g1,
            beta_g2: g2,
            gamma_g2: g2,
            delta_g2: (-g2.into_group()).into_affine(),
            gamma_abc_g1: vec![g1, (-g1.into_group()).into_affine()],
        };
        let expected = b256!("0xc4e92769a2dcf06195184427c6f89a333f9a069ec2b2500e6c5c52d1962cc9bd");
        assert_eq!(vk_hash(&vk).unwrap(), expected);
        // Every point is covered: changing any one changes the hash.
        let mut others = Vec::new();
        let two_g1 = (g1.into_group() + g1.into_group()).into_affine();
        let two_g2 = (g2.into_group() + g2.into_group()).into_affine();
        for i in 0..6 {
            let mut k = vk.clone();
            match i {
                0 => k.alpha_g1 = two_g1,
                1 => k.beta_g2 = two_g2,
                2 => k.gamma_g2 = two_g2,
                3 => k.delta_g2 = two_g2,
                4 => k.gamma_abc_g1[1] = two_g1,
                _ => k.gamma_abc_g1.push(two_g1),
            }
            others.push(vk_hash(&k).unwrap());
        }
        assert!(others.iter().all(|h| *h != expected));
    }

    /// The G2 generator's words are the constants the verifier contract compares delta with.
    #[test]
    fn g2_generator_words_are_the_contracts_constants() {
        let hex = |w: U256| format!("{w:064x}");
        let [[x1, x0], [y1, y0]] = g2_words(&G2Affine::generator());
        assert_eq!(
            hex(x1),
            "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
        );
        assert_eq!(
            hex(x0),
            "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
        );
        assert_eq!(
            hex(y1),
            "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
        );
        assert_eq!(
            hex(y0),
            "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa"
        );
    }
}
