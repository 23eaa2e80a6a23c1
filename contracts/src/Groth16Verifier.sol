// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

/// @title Groth16Verifier
/// @notice Verifies Groth16 proofs over BN254 (alt_bn128) against one verification key that is
///         fixed at deployment. zkbio deploys one instance per circuit (model version); every
///         instance runs the same bytecode, only the constructor arguments differ.
/// @dev Accepts exactly the proofs that snarkjs's `groth16 verify` accepts for the same key, with
///      the call data layout of `snarkjs zkey export soliditycalldata`: G2 coordinates in EIP-197
///      order, imaginary part first, b = [[x.c1, x.c0], [y.c1, y.c0]]. The check is
///          e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1,
///          vk_x = IC[0] + sum_i pubSignals[i] * IC[i + 1],
///      computed with the precompiles 0x06 (ecAdd), 0x07 (ecMul) and 0x08 (ecPairing) of
///      EIP-196 / EIP-197. On well-formed ABI call data verifyProof never reverts: every malformed
///      proof or input makes it return false, like snarkjs's exported verifier. Where this contract
///      differs from that verifier, it is on inputs both reject:
///      - the input count is checked at run time (dynamic array) and a wrong count returns false,
///        where snarkjs's fixed-size array makes short call data revert in the ABI decoder;
///      - proof coordinates >= Q are rejected here explicitly, there by the precompiles.
///      The constructor also refuses keys that no phase-2 ceremony contribution touched (see
///      DeltaIsGamma), and records vkHash, the key's fingerprint that the registry pins.
contract Groth16Verifier {
    /// @notice Largest number of public inputs a verification key may have.
    uint256 public constant MAX_PUBLIC = 8;

    /// @dev Order of the BN254 scalar field, the circuit's field: public inputs must be below it.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @dev Modulus of the BN254 base field, in which point coordinates live.
    uint256 internal constant Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    /// @dev The generator of G2 (EIP-197's), in the constructor's layout [[x.c1, x.c0], [y.c1, y.c0]].
    uint256 internal constant G2_X1 = 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2;
    uint256 internal constant G2_X0 = 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed;
    uint256 internal constant G2_Y1 = 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b;
    uint256 internal constant G2_Y0 = 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa;

    /// @notice The key has more than MAX_PUBLIC public inputs (IC has more than MAX_PUBLIC + 1 points).
    error TooManyPublicInputs(uint256 nPublic);
    /// @notice The key has no IC point (IC[0] is always required).
    error MissingIC();
    /// @notice A G1 point of the key is not a canonical, finite point of the curve
    ///         (index 0 is alpha, index 1 + i is IC[i]).
    error InvalidG1Point(uint256 index);
    /// @notice beta, gamma or delta is the point at infinity, not canonical, off the twist or
    ///         outside the order-R subgroup.
    error InvalidG2Points();
    /// @notice delta equals gamma. A key no phase-2 contribution touched (`snarkjs groth16 setup`
    ///         output, a `_0000.zkey`) has delta = gamma = the G2 generator; with delta = gamma
    ///         anyone can forge proofs for any public inputs from one valid proof, so such a
    ///         key is refused.
    error DeltaIsGamma();
    /// @notice delta is the G2 generator: the key had no phase-2 contribution (snarkjs keeps
    ///         gamma at the generator, so gamma alone cannot be required to differ from it).
    error DeltaIsG2Generator();

    /// @notice keccak256 of the key in the constructor's ABI encoding,
    ///         keccak256(abi.encode(alpha, beta, gamma, delta, ic)): exactly the constructor
    ///         arguments appended to the creation code (docs/PROTOCOL.md, "Verification key hash").
    bytes32 public immutable vkHash;

    /// @notice Number of public inputs verifyProof expects.
    uint256 public immutable nPublic;

    // The key. G2 coordinates are stored in EIP-197 order: X1 is x.c1 (imaginary), X0 is x.c0.
    uint256 private immutable ALPHA_X;
    uint256 private immutable ALPHA_Y;
    uint256 private immutable BETA_X1;
    uint256 private immutable BETA_X0;
    uint256 private immutable BETA_Y1;
    uint256 private immutable BETA_Y0;
    uint256 private immutable GAMMA_X1;
    uint256 private immutable GAMMA_X0;
    uint256 private immutable GAMMA_Y1;
    uint256 private immutable GAMMA_Y0;
    uint256 private immutable DELTA_X1;
    uint256 private immutable DELTA_X0;
    uint256 private immutable DELTA_Y1;
    uint256 private immutable DELTA_Y0;
    // IC[0..=MAX_PUBLIC]; the entries past nPublic are zero and never read.
    uint256 private immutable IC0_X;
    uint256 private immutable IC0_Y;
    uint256 private immutable IC1_X;
    uint256 private immutable IC1_Y;
    uint256 private immutable IC2_X;
    uint256 private immutable IC2_Y;
    uint256 private immutable IC3_X;
    uint256 private immutable IC3_Y;
    uint256 private immutable IC4_X;
    uint256 private immutable IC4_Y;
    uint256 private immutable IC5_X;
    uint256 private immutable IC5_Y;
    uint256 private immutable IC6_X;
    uint256 private immutable IC6_Y;
    uint256 private immutable IC7_X;
    uint256 private immutable IC7_Y;
    uint256 private immutable IC8_X;
    uint256 private immutable IC8_Y;

    /// @param alpha G1 point [x, y].
    /// @param beta G2 point [[x.c1, x.c0], [y.c1, y.c0]].
    /// @param gamma G2 point, same layout as beta.
    /// @param delta G2 point, same layout as beta.
    /// @param ic IC[0..=nPublic] as G1 points [x, y]; its length is nPublic + 1.
    /// @dev The key is validated here so that a mis-encoded key (for example G2 coordinates in
    ///      the wrong order) fails at deployment instead of making every proof fail later.
    ///      Every IC point must be finite: an IC point at infinity would leave its public input
    ///      unbound by the proof. delta must differ from gamma and from the G2 generator
    ///      (DeltaIsGamma, DeltaIsG2Generator).
    constructor(
        uint256[2] memory alpha,
        uint256[2][2] memory beta,
        uint256[2][2] memory gamma,
        uint256[2][2] memory delta,
        uint256[2][] memory ic
    ) {
        if (ic.length == 0) revert MissingIC();
        if (ic.length > MAX_PUBLIC + 1) revert TooManyPublicInputs(ic.length - 1);
        if (!_isG1(alpha)) revert InvalidG1Point(0);
        // Zero-padded copy, so that each immutable below is assigned exactly once.
        uint256[2][MAX_PUBLIC + 1] memory p;
        for (uint256 i = 0; i < ic.length; ++i) {
            if (!_isG1(ic[i])) revert InvalidG1Point(i + 1);
            p[i] = ic[i];
        }
        if (!_areG2(alpha, beta, gamma, delta)) revert InvalidG2Points();
        if (_eqG2(delta, gamma)) revert DeltaIsGamma();
        if (_eqG2(delta, [[G2_X1, G2_X0], [G2_Y1, G2_Y0]])) revert DeltaIsG2Generator();

        vkHash = keccak256(abi.encode(alpha, beta, gamma, delta, ic));
        nPublic = ic.length - 1;
        ALPHA_X = alpha[0];
        ALPHA_Y = alpha[1];
        BETA_X1 = beta[0][0];
        BETA_X0 = beta[0][1];
        BETA_Y1 = beta[1][0];
        BETA_Y0 = beta[1][1];
        GAMMA_X1 = gamma[0][0];
        GAMMA_X0 = gamma[0][1];
        GAMMA_Y1 = gamma[1][0];
        GAMMA_Y0 = gamma[1][1];
        DELTA_X1 = delta[0][0];
        DELTA_X0 = delta[0][1];
        DELTA_Y1 = delta[1][0];
        DELTA_Y0 = delta[1][1];
        IC0_X = p[0][0];
        IC0_Y = p[0][1];
        IC1_X = p[1][0];
        IC1_Y = p[1][1];
        IC2_X = p[2][0];
        IC2_Y = p[2][1];
        IC3_X = p[3][0];
        IC3_Y = p[3][1];
        IC4_X = p[4][0];
        IC4_Y = p[4][1];
        IC5_X = p[5][0];
        IC5_Y = p[5][1];
        IC6_X = p[6][0];
        IC6_Y = p[6][1];
        IC7_X = p[7][0];
        IC7_Y = p[7][1];
        IC8_X = p[8][0];
        IC8_Y = p[8][1];
    }

    /// @notice Checks a Groth16 proof (a, b, c) for the public inputs pubSignals.
    /// @param a G1 point A [x, y].
    /// @param b G2 point B [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order).
    /// @param c G1 point C [x, y].
    /// @param pubSignals The public inputs, each below the scalar field order R.
    /// @return True iff the proof is valid for this contract's key and these inputs.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata pubSignals
    ) external view returns (bool) {
        if (pubSignals.length != nPublic) return false;
        // Canonical coordinates only. A.y must be checked before it is negated below; the others
        // would be rejected by the precompiles anyway, checking them here keeps the rule in one place.
        if (a[0] >= Q || a[1] >= Q || c[0] >= Q || c[1] >= Q) return false;
        if (b[0][0] >= Q || b[0][1] >= Q || b[1][0] >= Q || b[1][1] >= Q) return false;
        (bool ok, uint256 vx, uint256 vy) = _linearCombination(pubSignals);
        if (!ok) return false;
        return _pairingCheck(a, b, c, vx, vy);
    }

    /// @notice The verification key, in the constructor's layout.
    function verifyingKey()
        external
        view
        returns (
            uint256[2] memory alpha,
            uint256[2][2] memory beta,
            uint256[2][2] memory gamma,
            uint256[2][2] memory delta,
            uint256[2][] memory ic
        )
    {
        alpha = [ALPHA_X, ALPHA_Y];
        beta = [[BETA_X1, BETA_X0], [BETA_Y1, BETA_Y0]];
        gamma = [[GAMMA_X1, GAMMA_X0], [GAMMA_Y1, GAMMA_Y0]];
        delta = [[DELTA_X1, DELTA_X0], [DELTA_Y1, DELTA_Y0]];
        ic = new uint256[2][](nPublic + 1);
        for (uint256 i = 0; i <= nPublic; ++i) {
            (ic[i][0], ic[i][1]) = _ic(i);
        }
    }

    /// @dev vk_x = IC[0] + sum_i s[i] * IC[i + 1]; ok is false if an input is >= R (as snarkjs:
    ///      inputs are field elements, and s and s + R would otherwise give the same vk_x).
    function _linearCombination(uint256[] calldata s) private view returns (bool ok, uint256 x, uint256 y) {
        x = IC0_X;
        y = IC0_Y;
        for (uint256 i = 0; i < s.length; ++i) {
            if (s[i] >= R) return (false, 0, 0);
            (uint256 px, uint256 py) = _ic(i + 1);
            (ok, x, y) = _mulAcc(x, y, px, py, s[i]);
            if (!ok) return (false, 0, 0);
        }
        return (true, x, y);
    }

    /// @dev (x, y) = (accX, accY) + s * (px, py) with ecMul (0x07) then ecAdd (0x06).
    ///      ok also requires the expected 64 bytes of return data, so that a chain without these
    ///      precompiles (a call to an empty account succeeds and returns nothing) is not mistaken
    ///      for a successful computation.
    function _mulAcc(uint256 accX, uint256 accY, uint256 px, uint256 py, uint256 s)
        private
        view
        returns (bool ok, uint256 x, uint256 y)
    {
        assembly ("memory-safe") {
            // Scratch space past the free memory pointer: nothing is allocated until we are done.
            let m := mload(0x40)
            mstore(m, px)
            mstore(add(m, 0x20), py)
            mstore(add(m, 0x40), s)
            // s * P overwrites P in m[0..64]. Yul evaluates arguments right to left, so
            // returndatasize() is read in a statement of its own, after the call.
            ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            // m[0..128] = (s * P, acc) -> m[0..64] = s * P + acc.
            mstore(add(m, 0x40), accX)
            mstore(add(m, 0x60), accY)
            ok := and(ok, staticcall(gas(), 0x06, m, 0x80, m, 0x40))
            ok := and(ok, eq(returndatasize(), 0x40))
            x := mload(m)
            y := mload(add(m, 0x20))
        }
    }

    /// @dev e(-A, B) * e(alpha, beta) * e(vk_x, gamma) * e(C, delta) == 1 with ecPairing (0x08),
    ///      which also rejects (fails on) points off the curve or outside the order-R subgroup.
    function _pairingCheck(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256 vx,
        uint256 vy
    ) private view returns (bool) {
        uint256[24] memory input;
        // -A = (x, Q - y); y == 0 only encodes the point at infinity, which is its own negation.
        // The caller checked a[1] < Q, so Q - a[1] cannot underflow.
        input[0] = a[0];
        input[1] = a[1] == 0 ? 0 : Q - a[1];
        input[2] = b[0][0];
        input[3] = b[0][1];
        input[4] = b[1][0];
        input[5] = b[1][1];
        input[6] = ALPHA_X;
        input[7] = ALPHA_Y;
        input[8] = BETA_X1;
        input[9] = BETA_X0;
        input[10] = BETA_Y1;
        input[11] = BETA_Y0;
        input[12] = vx;
        input[13] = vy;
        input[14] = GAMMA_X1;
        input[15] = GAMMA_X0;
        input[16] = GAMMA_Y1;
        input[17] = GAMMA_Y0;
        input[18] = c[0];
        input[19] = c[1];
        input[20] = DELTA_X1;
        input[21] = DELTA_X0;
        input[22] = DELTA_Y1;
        input[23] = DELTA_Y0;
        bool ok;
        uint256 result;
        assembly ("memory-safe") {
            // 4 pairs of (G1, G2) = 4 * 192 bytes; the 32-byte answer goes to scratch slot 0x00.
            ok := staticcall(gas(), 0x08, input, 768, 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            result := mload(0x00)
        }
        return ok && result == 1;
    }

    /// @dev True iff p is a finite point of y^2 = x^3 + 3 with canonical coordinates. G1 has
    ///      cofactor 1, so this is also subgroup membership. (0, 0), the EIP-196 encoding of
    ///      infinity, fails the equation (0 != 3).
    function _isG1(uint256[2] memory p) private pure returns (bool) {
        uint256 x = p[0];
        uint256 y = p[1];
        if (x >= Q || y >= Q) return false;
        return mulmod(y, y, Q) == addmod(mulmod(mulmod(x, x, Q), x, Q), 3, Q);
    }

    /// @dev True iff beta, gamma and delta are valid, finite G2 points. Finite: their all-zero
    ///      encoding (infinity) is rejected here. Valid (canonical, on the twist, in the order-R
    ///      subgroup): a G2 subgroup check in Solidity would be long, so we let ecPairing do it on
    ///      e(alpha, beta) * e(alpha, gamma) * e(alpha, delta): it fails on any invalid point, and
    ///      its boolean answer does not matter.
    function _areG2(
        uint256[2] memory alpha,
        uint256[2][2] memory beta,
        uint256[2][2] memory gamma,
        uint256[2][2] memory delta
    ) private view returns (bool ok) {
        if (_isZeroG2(beta) || _isZeroG2(gamma) || _isZeroG2(delta)) return false;
        uint256[18] memory input = [
            alpha[0], alpha[1], beta[0][0], beta[0][1], beta[1][0], beta[1][1],
            alpha[0], alpha[1], gamma[0][0], gamma[0][1], gamma[1][0], gamma[1][1],
            alpha[0], alpha[1], delta[0][0], delta[0][1], delta[1][0], delta[1][1]
        ];
        assembly ("memory-safe") {
            ok := staticcall(gas(), 0x08, input, 576, 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
        }
    }

    /// @dev True iff p and q are the same G2 point (both canonical: checked by _areG2 first).
    function _eqG2(uint256[2][2] memory p, uint256[2][2] memory q) private pure returns (bool) {
        return p[0][0] == q[0][0] && p[0][1] == q[0][1] && p[1][0] == q[1][0] && p[1][1] == q[1][1];
    }

    /// @dev True iff all four coordinates are zero (the EIP-197 encoding of infinity).
    function _isZeroG2(uint256[2][2] memory p) private pure returns (bool) {
        return (p[0][0] | p[0][1] | p[1][0] | p[1][1]) == 0;
    }

    /// @dev IC[i]. Immutables cannot be indexed, hence the chain; callers pass i <= nPublic <= 8.
    function _ic(uint256 i) private view returns (uint256, uint256) {
        if (i == 0) return (IC0_X, IC0_Y);
        if (i == 1) return (IC1_X, IC1_Y);
        if (i == 2) return (IC2_X, IC2_Y);
        if (i == 3) return (IC3_X, IC3_Y);
        if (i == 4) return (IC4_X, IC4_Y);
        if (i == 5) return (IC5_X, IC5_Y);
        if (i == 6) return (IC6_X, IC6_Y);
        if (i == 7) return (IC7_X, IC7_Y);
        return (IC8_X, IC8_Y);
    }
}
