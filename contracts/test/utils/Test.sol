// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

/// @title Vm
/// @notice The few Foundry cheatcodes these tests use (the project has no forge-std).
interface Vm {
    /// @notice Sets msg.sender for the next call.
    function prank(address msgSender) external;
    /// @notice Sets msg.sender for every call until stopPrank.
    function startPrank(address msgSender) external;
    /// @notice Ends startPrank.
    function stopPrank() external;
    /// @notice The next call must revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;
    /// @notice The next call must emit the event emitted next by the test (all topics, data).
    function expectEmit() external;
    /// @notice secp256k1 signature of `digest` with `privateKey`.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    /// @notice Address of `privateKey`.
    function addr(uint256 privateKey) external pure returns (address keyAddr);
    /// @notice Sets block.chainid.
    function chainId(uint256 newChainId) external;
    /// @notice Sets block.timestamp.
    function warp(uint256 newTimestamp) external;
    /// @notice Discards the fuzz run unless `condition`.
    function assume(bool condition) external pure;
}

/// @title Test
/// @notice Cheatcode handle and assertions for the forge tests.
abstract contract Test {
    /// @dev Foundry's cheatcode address: address(uint160(uint256(keccak256("hevm cheat code")))).
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);

    /// @notice Raised by a failed assertion.
    error AssertionFailed(string what, bytes32 left, bytes32 right);

    /// @dev Fails unless a == b.
    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, bytes32(a), bytes32(b));
    }

    /// @dev Fails unless a == b.
    function assertEq(address a, address b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, bytes32(uint256(uint160(a))), bytes32(uint256(uint160(b))));
    }

    /// @dev Fails unless a == b.
    function assertEq(bytes32 a, bytes32 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, a, b);
    }

    /// @dev Fails unless c.
    function assertTrue(bool c, string memory what) internal pure {
        if (!c) revert AssertionFailed(what, bytes32(0), bytes32(uint256(1)));
    }
}
