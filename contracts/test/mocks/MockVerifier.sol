// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

/// @title MockVerifier
/// @notice A stand-in Groth16 verifier for rule tests: a "proof" is valid for exactly one list of
///         public inputs, the one whose hash is its a[0] (see proofFor). So a registry call
///         succeeds only if the registry assembled exactly the inputs the test proved, in order,
///         like a real verifier; b and c are ignored, which models Groth16's re-randomization
///         (other proof bytes, same statement).
contract MockVerifier {
    /// @notice Number of public inputs it claims (the registry requires 3).
    uint256 public immutable nPublic;
    /// @notice Its stand-in key hash, keccak256(abi.encode("zkbio mock vk", nPublic, this)):
    ///         distinct per instance, as real keys' hashes are.
    bytes32 public immutable vkHash;

    /// @param n The nPublic this mock reports.
    constructor(uint256 n) {
        nPublic = n;
        vkHash = keccak256(abi.encode("zkbio mock vk", n, address(this)));
    }

    /// @notice True iff a[0] commits to pubSignals (and their count is nPublic).
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata,
        uint256[2] calldata,
        uint256[] calldata pubSignals
    ) external view returns (bool) {
        return pubSignals.length == nPublic && a[0] == tag(pubSignals);
    }

    /// @notice The a[0] of a proof valid for `pubSignals`.
    function tag(uint256[] memory pubSignals) public pure returns (uint256) {
        return uint256(keccak256(abi.encode("zkbio mock proof", pubSignals)));
    }
}

/// @title NoArityVerifier
/// @notice A contract without nPublic(): the registry must refuse it as a verifier.
contract NoArityVerifier {
    /// @notice Always false.
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[] calldata)
        external
        pure
        returns (bool)
    {
        return false;
    }
}

/// @title NoVkHashVerifier
/// @notice A verifier with the right arity but without vkHash() (an older or foreign verifier):
///         the registry must refuse it, since it cannot tell which key it holds.
contract NoVkHashVerifier {
    /// @notice The registry's arity.
    uint256 public constant nPublic = 3;

    /// @notice Always false.
    function verifyProof(uint256[2] calldata, uint256[2][2] calldata, uint256[2] calldata, uint256[] calldata)
        external
        pure
        returns (bool)
    {
        return false;
    }
}
