// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

import {Test} from "./utils/Test.sol";
import {RegistryFixture as F} from "./fixtures/RegistryFixture.sol";
import {Groth16Verifier} from "../src/Groth16Verifier.sol";

/// @notice The verifier's key checks and its vkHash (security audit, issue 10 rows 1 and 3):
///         keys without a phase-2 contribution are refused at deployment, and vkHash is
///         keccak256 of the constructor's ABI encoding of the key.
contract Groth16VerifierTest is Test {
    uint256 internal constant Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    // The G2 generator in EIP-197 words [[x.c1, x.c0], [y.c1, y.c0]] (the EIP-197 test point).
    uint256 internal constant G2_X1 = 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2;
    uint256 internal constant G2_X0 = 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed;
    uint256 internal constant G2_Y1 = 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b;
    uint256 internal constant G2_Y0 = 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa;

    function _deploy(F.Key memory k) internal returns (Groth16Verifier) {
        return new Groth16Verifier(k.alpha, k.beta, k.gamma, k.delta, k.ic);
    }

    function _g2() internal pure returns (uint256[2][2] memory) {
        return [[G2_X1, G2_X0], [G2_Y1, G2_Y0]];
    }

    function _negG2() internal pure returns (uint256[2][2] memory) {
        return [[G2_X1, G2_X0], [Q - G2_Y1, Q - G2_Y0]];
    }

    function test_vkHashIsKeccakOfTheConstructorEncoding() public {
        F.Key memory k = F.irisV1Key();
        Groth16Verifier v = _deploy(k);
        assertEq(v.vkHash(), keccak256(abi.encode(k.alpha, k.beta, k.gamma, k.delta, k.ic)), "encoding");
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2][2] memory g, uint256[2][2] memory d, uint256[2][] memory ic)
        = v.verifyingKey();
        assertEq(v.vkHash(), keccak256(abi.encode(a, b, g, d, ic)), "hash of the key it reports");
        assertTrue(_deploy(F.irisV2Key()).vkHash() != v.vkHash(), "another key, another hash");
    }

    function test_vkHashVector() public {
        // alpha = G1 generator, beta = gamma = G2 generator, delta = -G2 generator,
        // IC = [G1 generator, -G1 generator]; ethers 5.8 keccak256(defaultAbiCoder.encode(...))
        // of the same words (docs/PROTOCOL.md, also asserted by the Rust tests).
        uint256[2][] memory ic = new uint256[2][](2);
        ic[0] = [uint256(1), 2];
        ic[1] = [uint256(1), Q - 2];
        Groth16Verifier v = new Groth16Verifier([uint256(1), 2], _g2(), _g2(), _negG2(), ic);
        assertEq(v.vkHash(), 0xc4e92769a2dcf06195184427c6f89a333f9a069ec2b2500e6c5c52d1962cc9bd, "vector");
        assertEq(v.nPublic(), 1, "nPublic");
    }

    function test_deltaEqualToGammaIsRefused() public {
        F.Key memory k = F.irisV1Key();
        k.delta = k.gamma;
        vm.expectRevert(abi.encodeWithSelector(Groth16Verifier.DeltaIsGamma.selector));
        _deploy(k);
    }

    function test_keyWithoutPhase2ContributionIsRefused() public {
        // What `snarkjs groth16 setup` writes to a _0000.zkey: gamma = delta = the G2 generator.
        F.Key memory k = F.irisV1Key();
        k.gamma = _g2();
        k.delta = _g2();
        vm.expectRevert(abi.encodeWithSelector(Groth16Verifier.DeltaIsGamma.selector));
        _deploy(k);
    }

    function test_deltaAtTheGeneratorIsRefused() public {
        F.Key memory k = F.irisV1Key();
        k.delta = _g2();
        vm.expectRevert(abi.encodeWithSelector(Groth16Verifier.DeltaIsG2Generator.selector));
        _deploy(k);
    }

    function test_gammaAtTheGeneratorIsAccepted() public {
        // snarkjs keeps gamma at the generator in every key, contributed or not: only delta moves.
        F.Key memory k = F.irisV1Key();
        k.gamma = _g2();
        Groth16Verifier v = _deploy(k);
        assertEq(v.vkHash(), keccak256(abi.encode(k.alpha, k.beta, k.gamma, k.delta, k.ic)), "deployed");
    }
}
