// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

import {Test} from "./utils/Test.sol";
import {MockVerifier, NoArityVerifier, NoVkHashVerifier} from "./mocks/MockVerifier.sol";
import {BiometricRegistry} from "../src/BiometricRegistry.sol";

/// @notice Every rule of BiometricRegistry, with mock verifiers: a mock "proof" is valid for
///         exactly the public inputs the test proved (MockVerifier), so each test states the
///         inputs the registry must assemble, and computes bindings and EIP-712 digests on its own.
contract BiometricRegistryTest is Test {
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    uint256 internal constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    uint256 internal constant HALF_N = N / 2;

    uint8 internal constant IRIS = 0;
    uint8 internal constant FACE = 1;
    uint8 internal constant FACE_EMB = 2;

    address internal constant OWNER = address(0xA11CE);
    address internal constant RP = address(0xDA99);
    uint256 internal constant SCANNER_KEY = 0x5CA22E5;
    uint256 internal constant SUBJECT_KEY = 0x5B1EC7;

    uint256 internal constant C_IMG = 0x1111;
    uint256 internal constant C_FACE = 0x2222;
    uint256 internal constant C_CODE1 = 0x3331;
    uint256 internal constant C_CODE2 = 0x3332;
    uint256 internal constant C_EMB = 0x4444;
    uint256 internal constant TAU = 1000;
    /// @dev The scanner attestations' deadline (forge starts at block.timestamp 1).
    uint256 internal constant DEADLINE = 1_000_000;

    BiometricRegistry internal registry;
    MockVerifier internal irisV1;
    MockVerifier internal irisV2;
    MockVerifier internal face;
    MockVerifier internal faceEmb;
    address internal scanner;
    address internal subject;

    function setUp() public {
        registry = new BiometricRegistry(OWNER);
        irisV1 = new MockVerifier(3);
        irisV2 = new MockVerifier(3);
        face = new MockVerifier(3);
        faceEmb = new MockVerifier(3);
        scanner = vm.addr(SCANNER_KEY);
        subject = vm.addr(SUBJECT_KEY);
        vm.startPrank(OWNER);
        registry.addScanner(scanner);
        registry.addModelVersion(IRIS, 1, keccak256("iris v1"), _vk(address(irisV1)), address(irisV1));
        registry.addModelVersion(IRIS, 2, keccak256("iris v2"), _vk(address(irisV2)), address(irisV2));
        registry.addModelVersion(FACE, 1, keccak256("face v1"), _vk(address(face)), address(face));
        registry.addModelVersion(FACE_EMB, 1, keccak256("face v1"), _vk(address(faceEmb)), address(faceEmb));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ helpers

    /// @dev The protocol's binding, computed here independently of the registry.
    function _binding(uint256 chainId, address reg, address wallet, uint256 nonce) internal pure returns (uint256) {
        return uint256(keccak256(abi.encode(chainId, reg, wallet, nonce))) >> 8;
    }

    function _binding(address wallet, uint256 nonce) internal view returns (uint256) {
        return _binding(block.chainid, address(registry), wallet, nonce);
    }

    /// @dev A mock proof valid for exactly [x0, x1, x2]; `noise` changes b and c only (a
    ///      re-randomization: other bytes, same statement).
    function _proof(uint256 x0, uint256 x1, uint256 x2, uint256 noise)
        internal
        pure
        returns (BiometricRegistry.Proof memory p)
    {
        uint256[] memory inputs = new uint256[](3);
        inputs[0] = x0;
        inputs[1] = x1;
        inputs[2] = x2;
        // MockVerifier.tag, computed here: no external call, so that a proof can be built in
        // the arguments of a call that follows vm.prank / vm.expectRevert.
        p.a = [uint256(keccak256(abi.encode("zkbio mock proof", inputs))), 1];
        p.b = [[noise, noise + 1], [noise + 2, noise + 3]];
        p.c = [noise + 4, noise + 5];
    }

    function _proof(uint256 x0, uint256 x1, uint256 x2) internal pure returns (BiometricRegistry.Proof memory) {
        return _proof(x0, x1, x2, 0);
    }

    /// @dev EIP-712 digest, computed here independently of the registry.
    function _digest(uint256 chainId, address reg, uint256 cImg, uint256 cFace, address subj, uint256 deadline)
        internal
        pure
        returns (bytes32)
    {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("zkbio BiometricRegistry"),
                keccak256("1"),
                chainId,
                reg
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(
                keccak256("Enrollment(uint256 imageCommitment,uint256 faceCommitment,address subject,uint256 deadline)"),
                cImg,
                cFace,
                subj,
                deadline
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev ecrecover of a 65-byte r || s || v signature.
    function _recover(bytes32 digest, bytes memory sig) internal pure returns (address) {
        bytes32 r;
        bytes32 s;
        assembly {
            r := mload(add(sig, 32))
            s := mload(add(sig, 64))
        }
        return ecrecover(digest, uint8(sig[64]), r, s);
    }

    function _scannerSig() internal view returns (bytes memory) {
        return _sign(SCANNER_KEY, _digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE));
    }

    function _enroll() internal {
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        vm.prank(subject);
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, _scannerSig(), 1, C_CODE1, p);
    }

    function _registerFace() internal {
        _enroll();
        BiometricRegistry.Proof memory p = _proof(C_FACE, C_EMB, _binding(subject, 1));
        vm.prank(subject);
        registry.registerFaceEmbedding(subject, 1, C_EMB, p);
    }

    function _expectEnrollRevert(bytes memory sig, bytes memory err) internal {
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        vm.prank(subject);
        vm.expectRevert(err);
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
    }

    function _err(bytes4 selector) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(selector);
    }

    /// @dev MockVerifier(3).vkHash of the mock at `v`, computed here: no external call, so that
    ///      it can be used in the arguments of a call that follows vm.prank / vm.expectRevert.
    function _vk(address v) internal pure returns (bytes32) {
        return keccak256(abi.encode("zkbio mock vk", uint256(3), v));
    }

    function test_mockProofTagIsTheMocks() public view {
        uint256[] memory inputs = new uint256[](3);
        inputs[0] = 1;
        inputs[1] = 2;
        inputs[2] = 3;
        assertEq(_proof(1, 2, 3).a[0], irisV1.tag(inputs), "tag");
        assertEq(_vk(address(irisV1)), irisV1.vkHash(), "vk hash");
        assertTrue(irisV1.vkHash() != irisV2.vkHash(), "one hash per verifier");
    }

    // ------------------------------------------------------------------ ownership

    function test_constructorSetsOwnerAndRejectsZero() public {
        assertEq(registry.owner(), OWNER, "owner");
        assertEq(registry.pendingOwner(), address(0), "no pending owner");
        vm.expectRevert(_err(BiometricRegistry.ZeroAddress.selector));
        new BiometricRegistry(address(0));
    }

    function test_twoStepOwnershipTransfer() public {
        address next = address(0xB0B);
        vm.expectEmit();
        emit BiometricRegistry.OwnershipTransferStarted(OWNER, next);
        vm.prank(OWNER);
        registry.transferOwnership(next);
        assertEq(registry.owner(), OWNER, "owner unchanged until accepted");
        assertEq(registry.pendingOwner(), next, "pending");

        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotPendingOwner.selector, address(0xBAD)));
        registry.acceptOwnership();

        vm.expectEmit();
        emit BiometricRegistry.OwnershipTransferred(OWNER, next);
        vm.prank(next);
        registry.acceptOwnership();
        assertEq(registry.owner(), next, "new owner");
        assertEq(registry.pendingOwner(), address(0), "pending cleared");

        vm.prank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotOwner.selector, OWNER));
        registry.addScanner(address(0x5));
        vm.prank(next);
        registry.addScanner(address(0x5));
        assertTrue(registry.isScanner(address(0x5)), "new owner administers");
    }

    function test_pendingTransferCanBeCancelled() public {
        vm.startPrank(OWNER);
        registry.transferOwnership(address(0xB0B));
        registry.transferOwnership(address(0));
        vm.stopPrank();
        vm.prank(address(0xB0B));
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotPendingOwner.selector, address(0xB0B)));
        registry.acceptOwnership();
        // Nobody can accept as the zero address.
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotPendingOwner.selector, address(0)));
        registry.acceptOwnership();
    }

    function testFuzz_administrationIsOwnerOnly(address caller) public {
        vm.assume(caller != OWNER);
        bytes memory err = abi.encodeWithSelector(BiometricRegistry.NotOwner.selector, caller);
        vm.prank(caller);
        vm.expectRevert(err);
        registry.addScanner(caller);
        vm.prank(caller);
        vm.expectRevert(err);
        registry.removeScanner(scanner);
        vm.prank(caller);
        vm.expectRevert(err);
        registry.addModelVersion(IRIS, 9, keccak256("x"), _vk(address(irisV1)), address(irisV1));
        vm.prank(caller);
        vm.expectRevert(err);
        registry.deprecateModelVersion(IRIS, 1);
        vm.prank(caller);
        vm.expectRevert(err);
        registry.transferOwnership(caller);
    }

    // ------------------------------------------------------------------ scanners

    function test_scannerAdministration() public {
        address s2 = address(0x5CA2);
        vm.startPrank(OWNER);
        vm.expectEmit();
        emit BiometricRegistry.ScannerAdded(s2);
        registry.addScanner(s2);
        assertTrue(registry.isScanner(s2), "added");
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ScannerAlreadyActive.selector, s2));
        registry.addScanner(s2);
        vm.expectRevert(_err(BiometricRegistry.ZeroAddress.selector));
        registry.addScanner(address(0));
        vm.expectEmit();
        emit BiometricRegistry.ScannerRemoved(s2);
        registry.removeScanner(s2);
        assertTrue(!registry.isScanner(s2), "removed");
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ScannerNotActive.selector, s2));
        registry.removeScanner(s2);
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ model versions

    function test_addModelVersionRules() public {
        MockVerifier v = new MockVerifier(3);
        vm.startPrank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelKind.selector, uint8(3)));
        registry.addModelVersion(3, 1, keccak256("m"), _vk(address(v)), address(v));
        vm.expectRevert(_err(BiometricRegistry.ZeroVersion.selector));
        registry.addModelVersion(IRIS, 0, keccak256("m"), _vk(address(v)), address(v));
        vm.expectRevert(_err(BiometricRegistry.ZeroModelHash.selector));
        registry.addModelVersion(IRIS, 3, bytes32(0), _vk(address(v)), address(v));
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VersionNotIncreasing.selector, IRIS, uint32(2), uint32(1))
        );
        registry.addModelVersion(IRIS, 1, keccak256("m"), _vk(address(v)), address(v));
        vm.expectRevert(_err(BiometricRegistry.ZeroVkHash.selector));
        registry.addModelVersion(IRIS, 3, keccak256("m"), bytes32(0), address(v));
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.VerifierHasNoCode.selector, address(0xE0A)));
        registry.addModelVersion(IRIS, 3, keccak256("m"), _vk(address(0xE0A)), address(0xE0A));
        MockVerifier two = new MockVerifier(2);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.VerifierArityMismatch.selector, address(two)));
        registry.addModelVersion(IRIS, 3, keccak256("m"), _vk(address(two)), address(two));
        NoArityVerifier none = new NoArityVerifier();
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.VerifierArityMismatch.selector, address(none)));
        registry.addModelVersion(IRIS, 3, keccak256("m"), _vk(address(none)), address(none));

        vm.expectEmit();
        emit BiometricRegistry.ModelVersionAdded(FACE, 7, keccak256("m"), _vk(address(v)), address(v));
        registry.addModelVersion(FACE, 7, keccak256("m"), _vk(address(v)), address(v));
        vm.stopPrank();
        BiometricRegistry.ModelVersion memory mv = registry.modelVersion(FACE, 7);
        assertEq(mv.modelHash, keccak256("m"), "hash");
        assertEq(mv.vkHash, v.vkHash(), "vk hash");
        assertEq(mv.verifier, address(v), "verifier");
        assertTrue(mv.status == BiometricRegistry.VersionStatus.Active, "active");
        assertTrue(registry.modelVersion(IRIS, 7).status == BiometricRegistry.VersionStatus.None, "per kind");
    }

    function test_aModelHashNamesOneVersionPerKind() public {
        assertEq(registry.versionOfModelHash(IRIS, keccak256("iris v2")), 2, "v2 pinned");
        assertEq(registry.versionOfModelHash(IRIS, keccak256("face v1")), 0, "per kind");
        vm.startPrank(OWNER);
        // Re-registering v2's model as v3 would pass the same model off as an upgrade.
        vm.expectRevert(
            abi.encodeWithSelector(
                BiometricRegistry.ModelHashAlreadyRegistered.selector, IRIS, keccak256("iris v2"), uint32(2)
            )
        );
        registry.addModelVersion(IRIS, 3, keccak256("iris v2"), _vk(address(irisV2)), address(irisV2));
        // Deprecation does not free the hash: the model stays the one it was.
        registry.deprecateModelVersion(IRIS, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                BiometricRegistry.ModelHashAlreadyRegistered.selector, IRIS, keccak256("iris v1"), uint32(1)
            )
        );
        registry.addModelVersion(IRIS, 3, keccak256("iris v1"), _vk(address(irisV1)), address(irisV1));
        // The face model's two statements (kinds 1 and 2) share one model hash.
        assertEq(registry.versionOfModelHash(FACE, keccak256("face v1")), 1, "face");
        assertEq(registry.versionOfModelHash(FACE_EMB, keccak256("face v1")), 1, "face embedding");
        registry.addModelVersion(IRIS, 3, keccak256("iris v3"), _vk(address(irisV1)), address(irisV1));
        vm.stopPrank();
        assertEq(registry.versionOfModelHash(IRIS, keccak256("iris v3")), 3, "v3 pinned");
    }

    function test_deprecateModelVersion() public {
        vm.startPrank(OWNER);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelVersion.selector, IRIS, uint32(9)));
        registry.deprecateModelVersion(IRIS, 9);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelKind.selector, uint8(200)));
        registry.deprecateModelVersion(200, 1);
        vm.expectEmit();
        emit BiometricRegistry.ModelVersionDeprecated(IRIS, 1);
        registry.deprecateModelVersion(IRIS, 1);
        assertTrue(
            registry.modelVersion(IRIS, 1).status == BiometricRegistry.VersionStatus.Deprecated, "deprecated"
        );
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ModelVersionIsDeprecated.selector, IRIS, uint32(1)));
        registry.deprecateModelVersion(IRIS, 1);
        // A deprecated version number is never reused.
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VersionNotIncreasing.selector, IRIS, uint32(2), uint32(1))
        );
        registry.addModelVersion(IRIS, 1, keccak256("again"), _vk(address(irisV1)), address(irisV1));
        vm.stopPrank();
    }

    // ------------------------------------------------------------------ enroll

    function test_enroll() public {
        vm.expectEmit();
        emit BiometricRegistry.Enrolled(subject, scanner, 1, C_IMG, C_FACE, C_CODE1, 0);
        _enroll();
        BiometricRegistry.Record memory r = registry.recordOf(subject);
        assertEq(r.imageCommitment, C_IMG, "C_img");
        assertEq(r.faceCommitment, C_FACE, "C_face");
        assertEq(r.codeCommitment, C_CODE1, "C_code");
        assertEq(r.embeddingCommitment, 0, "no C_emb yet");
        assertEq(r.irisVersion, 1, "iris version");
        assertEq(r.faceVersion, 0, "no face version");
        assertEq(r.scanner, scanner, "scanner");
        assertEq(registry.nonces(subject), 1, "nonce consumed");
    }

    function test_enrollPublicInputsAreExactlyImageCodeBinding() public {
        uint256 b = _binding(subject, 0);
        bytes memory sig = _scannerSig();
        BiometricRegistry.Proof[4] memory wrong = [
            _proof(C_CODE1, C_IMG, b), // swapped
            _proof(C_IMG, C_FACE, b), // C_face instead of C_code
            _proof(b, C_CODE1, C_IMG), // binding first
            _proof(C_IMG, C_CODE1, b + 1)
        ];
        for (uint256 i = 0; i < wrong.length; ++i) {
            vm.prank(subject);
            vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
            registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, wrong[i]);
        }
    }

    function test_enrollOnlyBySubjectAndOnce() public {
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        bytes memory sig = _scannerSig();
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.CallerNotSubject.selector, RP, subject));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        _enroll();
        BiometricRegistry.Proof memory p1 = _proof(C_IMG, C_CODE1, _binding(subject, 1));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.AlreadyEnrolled.selector, subject));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p1);
    }

    function test_enrollProofBoundToAnotherWalletChainRegistryOrNonceIsRejected() public {
        address other = address(0x0DD);
        uint256[4] memory bindings = [
            _binding(other, 0),
            _binding(block.chainid + 1, address(registry), subject, 0),
            _binding(block.chainid, address(0x1234), subject, 0),
            _binding(subject, 1)
        ];
        bytes memory sig = _scannerSig();
        for (uint256 i = 0; i < bindings.length; ++i) {
            BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, bindings[i]);
            vm.prank(subject);
            vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
            registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        }
    }

    function testFuzz_enrollRejectsAnyOtherNonce(uint256 nonce) public {
        vm.assume(nonce != 0);
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, nonce));
        bytes memory sig = _scannerSig();
        vm.prank(subject);
        vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
    }

    function test_enrollProofOnAnotherChainIsRejectedThere() public {
        // A proof and signature made for this chain, submitted after a fork to another chain id:
        // both the EIP-712 domain and the binding change.
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        bytes memory sig = _scannerSig();
        vm.chainId(block.chainid + 1);
        bytes32 digest = _digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE);
        address recovered = _recover(digest, sig);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownScanner.selector, recovered));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        // With a fresh signature for the new chain, the old binding still fails.
        bytes memory sig2 = _sign(SCANNER_KEY, digest);
        vm.prank(subject);
        vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig2, 1, C_CODE1, p);
    }

    function testFuzz_enrollRejectsNonFieldCommitments(uint256 x, uint8 which) public {
        x = x < R ? R + (x % (type(uint256).max - R)) : x;
        uint256[3] memory c = [C_IMG, C_FACE, C_CODE1];
        c[which % 3] = x;
        BiometricRegistry.Proof memory p = _proof(c[0], c[2], _binding(subject, 0));
        bytes memory sig = _sign(SCANNER_KEY, _digest(block.chainid, address(registry), c[0], c[1], subject, DEADLINE));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotAFieldElement.selector, x));
        registry.enroll(subject, c[0], c[1], DEADLINE, sig, 1, c[2], p);
    }

    function test_enrollUnknownOrDeprecatedVersion() public {
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        bytes memory sig = _scannerSig();
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelVersion.selector, IRIS, uint32(5)));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 5, C_CODE1, p);
        vm.prank(OWNER);
        registry.deprecateModelVersion(IRIS, 1);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ModelVersionIsDeprecated.selector, IRIS, uint32(1)));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
    }

    // ------------------------------------------------------------------ scanner signatures

    function test_enrollmentDigestIsEip712() public view {
        bytes32 expected = _digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE);
        assertEq(registry.enrollmentDigest(C_IMG, C_FACE, subject, DEADLINE), expected, "digest");
        assertTrue(registry.enrollmentDigest(C_IMG, C_FACE, subject, DEADLINE + 1) != expected, "deadline signed");
        assertEq(
            registry.domainSeparator(),
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256("zkbio BiometricRegistry"),
                    keccak256("1"),
                    block.chainid,
                    address(registry)
                )
            ),
            "domain"
        );
    }

    function test_eip712VectorMatchesEthers() public pure {
        // ethers 5.8 _TypedDataEncoder.hash for chain 31337, registry 0x11..11, C_img 1, C_face 2,
        // subject 0x22..22, deadline 1700000000 (also checked by the Rust tests).
        assertEq(
            _digest(31337, address(0x1111111111111111111111111111111111111111), 1, 2, address(0x2222222222222222222222222222222222222222), 1700000000),
            0xc2f83be4f8b27afad516b4de13e05b900f4d9a8f8fcc6afe3f7f4ce38f345fad,
            "vector"
        );
    }

    function testFuzz_forgedScannerSignatureIsRejected(uint256 key) public {
        key = 1 + (key % (N - 1));
        vm.assume(key != SCANNER_KEY);
        address forger = vm.addr(key);
        bytes memory sig = _sign(key, _digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE));
        _expectEnrollRevert(sig, abi.encodeWithSelector(BiometricRegistry.UnknownScanner.selector, forger));
    }

    function test_signatureOverOtherDataRecoversAnotherSigner() public {
        // The scanner signed another subject's enrollment: the registry recovers some other
        // address, which is no scanner.
        bytes32 signedDigest = _digest(block.chainid, address(registry), C_IMG, C_FACE, RP, DEADLINE);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SCANNER_KEY, signedDigest);
        address recovered = ecrecover(_digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE), v, r, s);
        _expectEnrollRevert(
            abi.encodePacked(r, s, v), abi.encodeWithSelector(BiometricRegistry.UnknownScanner.selector, recovered)
        );
    }

    function test_removedScannerCannotEnroll() public {
        vm.prank(OWNER);
        registry.removeScanner(scanner);
        _expectEnrollRevert(_scannerSig(), abi.encodeWithSelector(BiometricRegistry.UnknownScanner.selector, scanner));
    }

    function test_malleableTwinSignatureIsRejected() public {
        bytes32 digest = _digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(SCANNER_KEY, digest);
        assertTrue(uint256(s) <= HALF_N, "vm.sign gives low s");
        bytes32 highS = bytes32(N - uint256(s));
        uint8 flippedV = v == 27 ? 28 : 27;
        // ecrecover itself accepts the twin: the registry must refuse it.
        assertEq(ecrecover(digest, flippedV, r, highS), scanner, "twin recovers the scanner");
        _expectEnrollRevert(
            abi.encodePacked(r, highS, flippedV),
            abi.encodeWithSelector(BiometricRegistry.InvalidSignatureS.selector, highS)
        );
    }

    function testFuzz_highSIsRejected(uint256 s) public {
        s = s > HALF_N ? s : HALF_N + 1 + (s % (type(uint256).max - HALF_N));
        bytes memory sig = _scannerSig();
        assembly {
            mstore(add(sig, 64), s)
        }
        _expectEnrollRevert(sig, abi.encodeWithSelector(BiometricRegistry.InvalidSignatureS.selector, bytes32(s)));
    }

    function testFuzz_vOutside27And28IsRejected(uint8 v) public {
        vm.assume(v != 27 && v != 28);
        bytes memory sig = _scannerSig();
        sig[64] = bytes1(v);
        _expectEnrollRevert(sig, abi.encodeWithSelector(BiometricRegistry.InvalidSignatureV.selector, v));
    }

    function testFuzz_signatureLengthMustBe65(uint8 len) public {
        vm.assume(len != 65);
        bytes memory sig = new bytes(len);
        _expectEnrollRevert(sig, abi.encodeWithSelector(BiometricRegistry.InvalidSignatureLength.selector, uint256(len)));
    }

    function test_unrecoverableSignatureIsRejected() public {
        bytes memory sig = abi.encodePacked(bytes32(0), bytes32(uint256(1)), uint8(27));
        _expectEnrollRevert(sig, _err(BiometricRegistry.InvalidSignature.selector));
    }

    // ------------------------------------------------------------------ reenroll

    function test_reenroll() public {
        _enroll();
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE2, _binding(subject, 1));
        vm.expectEmit();
        emit BiometricRegistry.Reenrolled(subject, 1, 2, C_CODE2, 1);
        vm.prank(subject);
        registry.reenroll(subject, 2, C_CODE2, p);
        BiometricRegistry.Record memory r = registry.recordOf(subject);
        assertEq(r.codeCommitment, C_CODE2, "C_code");
        assertEq(r.irisVersion, 2, "version");
        assertEq(r.imageCommitment, C_IMG, "C_img kept");
        assertEq(registry.nonces(subject), 2, "nonce");
    }

    function test_replayedProofIsRejectedEvenReRandomized() public {
        _enroll();
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE2, _binding(subject, 1));
        vm.prank(subject);
        registry.reenroll(subject, 2, C_CODE2, p);
        // The same statement again, under a version for which every other check passes: a
        // verifier whose circuit accepted the proof before (same mock) registered as version 3.
        vm.prank(OWNER);
        registry.addModelVersion(IRIS, 3, keccak256("iris v3"), _vk(address(irisV2)), address(irisV2));
        for (uint256 noise = 0; noise < 3; ++noise) {
            BiometricRegistry.Proof memory replay = _proof(C_IMG, C_CODE2, _binding(subject, 1), noise * 77);
            vm.prank(subject);
            vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
            registry.reenroll(subject, 3, C_CODE2, replay);
        }
        // A proof for the current nonce passes.
        vm.prank(subject);
        registry.reenroll(subject, 3, C_CODE2, _proof(C_IMG, C_CODE2, _binding(subject, 2)));
        assertEq(registry.recordOf(subject).irisVersion, 3, "v3");
    }

    function test_reenrollRules() public {
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE2, _binding(subject, 1));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotEnrolled.selector, subject));
        registry.reenroll(subject, 2, C_CODE2, p);
        _enroll();
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.CallerNotSubject.selector, RP, subject));
        registry.reenroll(subject, 2, C_CODE2, p);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelVersion.selector, IRIS, uint32(4)));
        registry.reenroll(subject, 4, C_CODE2, p);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotAFieldElement.selector, R));
        registry.reenroll(subject, 2, R, p);
        vm.prank(OWNER);
        registry.deprecateModelVersion(IRIS, 2);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ModelVersionIsDeprecated.selector, IRIS, uint32(2)));
        registry.reenroll(subject, 2, C_CODE2, p);
    }

    function testFuzz_reenrollVersionMustBeNewer(uint32 version) public {
        _enroll();
        version = version % 2; // 0 or 1: not newer than the current 1
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE2, _binding(subject, 1));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.VersionNotNewer.selector, uint32(1), version));
        registry.reenroll(subject, version, C_CODE2, p);
    }

    function test_reenrollProofMustUseStoredImageAndCaller() public {
        _enroll();
        BiometricRegistry.Proof[3] memory wrong = [
            _proof(C_IMG + 1, C_CODE2, _binding(subject, 1)), // another image
            _proof(C_IMG, C_CODE2, _binding(RP, 1)), // bound to another wallet
            _proof(C_IMG, C_CODE1, _binding(subject, 1)) // another code
        ];
        for (uint256 i = 0; i < wrong.length; ++i) {
            vm.prank(subject);
            vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
            registry.reenroll(subject, 2, C_CODE2, wrong[i]);
        }
    }

    // ------------------------------------------------------------------ face embedding

    function test_registerFaceEmbedding() public {
        _enroll();
        BiometricRegistry.Proof memory p = _proof(C_FACE, C_EMB, _binding(subject, 1));
        vm.expectEmit();
        emit BiometricRegistry.FaceEmbeddingRegistered(subject, 0, 1, C_EMB, 1);
        vm.prank(subject);
        registry.registerFaceEmbedding(subject, 1, C_EMB, p);
        BiometricRegistry.Record memory r = registry.recordOf(subject);
        assertEq(r.embeddingCommitment, C_EMB, "C_emb");
        assertEq(r.faceVersion, 1, "face version");
        assertEq(registry.nonces(subject), 2, "nonce");
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.VersionNotNewer.selector, uint32(1), uint32(1)));
        registry.registerFaceEmbedding(subject, 1, C_EMB, _proof(C_FACE, C_EMB, _binding(subject, 2)));
    }

    function test_registerFaceEmbeddingRules() public {
        BiometricRegistry.Proof memory p = _proof(C_FACE, C_EMB, _binding(subject, 1));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotEnrolled.selector, subject));
        registry.registerFaceEmbedding(subject, 1, C_EMB, p);
        _enroll();
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.CallerNotSubject.selector, RP, subject));
        registry.registerFaceEmbedding(subject, 1, C_EMB, p);
        // Version 2 has an embedding circuit but no face-match circuit: unusable.
        vm.prank(OWNER);
        registry.addModelVersion(FACE_EMB, 2, keccak256("face v2"), _vk(address(faceEmb)), address(faceEmb));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownModelVersion.selector, FACE, uint32(2)));
        registry.registerFaceEmbedding(subject, 2, C_EMB, p);
        // The proof must open the stored C_face.
        vm.prank(subject);
        vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
        registry.registerFaceEmbedding(subject, 1, C_EMB, _proof(C_IMG, C_EMB, _binding(subject, 1)));
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotAFieldElement.selector, R + 5));
        registry.registerFaceEmbedding(subject, 1, R + 5, p);
    }

    // ------------------------------------------------------------------ face match

    function test_verifyFaceMatch() public {
        _registerFace();
        uint256 challenge = 0xC4A11;
        BiometricRegistry.Proof memory p = _proof(C_EMB, TAU, _binding(RP, challenge));
        vm.expectEmit();
        emit BiometricRegistry.FaceMatchVerified(subject, RP, challenge, TAU, 1);
        vm.prank(RP);
        registry.verifyFaceMatch(subject, challenge, TAU, p);
        assertTrue(registry.challengeUsed(RP, challenge), "challenge consumed");
        assertEq(registry.nonces(subject), 2, "subject nonce untouched");

        // Replays, also re-randomized, are refused.
        for (uint256 noise = 0; noise < 3; ++noise) {
            vm.prank(RP);
            vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ChallengeAlreadyUsed.selector, RP, challenge));
            registry.verifyFaceMatch(subject, challenge, TAU, _proof(C_EMB, TAU, _binding(RP, challenge), noise));
        }
        // Another relying party cannot use the proof: it is bound to RP.
        address rp2 = address(0xDA98);
        vm.prank(rp2);
        vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
        registry.verifyFaceMatch(subject, challenge, TAU, p);
    }

    function testFuzz_faceMatchBindsChallengeTauAndRelyingParty(uint256 challenge, uint256 tau, uint256 other)
        public
    {
        _registerFace();
        tau = tau % R;
        vm.assume(other != challenge);
        // Proved for another challenge, another tau, or for the subject's wallet as verifier.
        BiometricRegistry.Proof[3] memory wrong = [
            _proof(C_EMB, tau, _binding(RP, other)),
            _proof(C_EMB, tau == 0 ? 1 : tau - 1, _binding(RP, challenge)),
            _proof(C_EMB, tau, _binding(subject, challenge))
        ];
        for (uint256 i = 0; i < wrong.length; ++i) {
            vm.prank(RP);
            vm.expectRevert(_err(BiometricRegistry.InvalidProof.selector));
            registry.verifyFaceMatch(subject, challenge, tau, wrong[i]);
        }
        vm.prank(RP);
        registry.verifyFaceMatch(subject, challenge, tau, _proof(C_EMB, tau, _binding(RP, challenge)));
        assertTrue(registry.challengeUsed(RP, challenge), "used");
    }

    function test_faceMatchRules() public {
        BiometricRegistry.Proof memory p = _proof(C_EMB, TAU, _binding(RP, 1));
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NoFaceEmbedding.selector, subject));
        registry.verifyFaceMatch(subject, 1, TAU, p);
        _registerFace();
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.NotAFieldElement.selector, R));
        registry.verifyFaceMatch(subject, 1, R, p);
        vm.prank(OWNER);
        registry.deprecateModelVersion(FACE, 1);
        vm.prank(RP);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ModelVersionIsDeprecated.selector, FACE, uint32(1)));
        registry.verifyFaceMatch(subject, 1, TAU, p);
    }

    // ------------------------------------------------------------------ audit rules (issue 10)

    function test_vkHashIsPinnedAndMustBeTheVerifiers() public {
        MockVerifier v = new MockVerifier(3);
        NoVkHashVerifier old = new NoVkHashVerifier();
        bytes32 wrong = keccak256("another key");
        (bytes32 mine, bytes32 v1s) = (v.vkHash(), irisV1.vkHash());
        vm.startPrank(OWNER);
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VkHashMismatch.selector, address(v), wrong, mine)
        );
        registry.addModelVersion(IRIS, 3, keccak256("m"), wrong, address(v));
        // Another verifier's hash: the pairing of model hash and verifier is what is pinned.
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VkHashMismatch.selector, address(v), v1s, mine)
        );
        registry.addModelVersion(IRIS, 3, keccak256("m"), v1s, address(v));
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VkHashMismatch.selector, address(old), wrong, bytes32(0))
        );
        registry.addModelVersion(IRIS, 3, keccak256("m"), wrong, address(old));
        registry.addModelVersion(IRIS, 3, keccak256("m"), mine, address(v));
        vm.stopPrank();
        assertEq(registry.modelVersion(IRIS, 3).vkHash, mine, "pinned");
        assertEq(registry.modelVersion(IRIS, 1).vkHash, irisV1.vkHash(), "setUp's");
    }

    function test_versionsStrictlyIncreasePerKind() public {
        assertEq(registry.latestVersion(IRIS), 2, "iris latest");
        assertEq(registry.latestVersion(FACE), 1, "face latest");
        vm.startPrank(OWNER);
        registry.addModelVersion(IRIS, 10, keccak256("m"), _vk(address(irisV2)), address(irisV2));
        assertEq(registry.latestVersion(IRIS), 10, "iris latest moved");
        // Below the latest, also a gap never used, and equal to it: refused.
        uint32[3] memory refused = [uint32(3), uint32(9), uint32(10)];
        for (uint256 i = 0; i < refused.length; ++i) {
            vm.expectRevert(
                abi.encodeWithSelector(BiometricRegistry.VersionNotIncreasing.selector, IRIS, uint32(10), refused[i])
            );
            registry.addModelVersion(IRIS, refused[i], keccak256("m"), _vk(address(irisV2)), address(irisV2));
        }
        // Each kind has its own order.
        registry.addModelVersion(FACE, 2, keccak256("f"), _vk(address(face)), address(face));
        vm.stopPrank();
        assertEq(registry.latestVersion(FACE), 2, "face latest moved");
    }

    function testFuzz_versionNotAboveLatestIsRefused(uint32 version) public {
        version = 1 + (version % 2); // 1 or 2, both added in setUp
        vm.prank(OWNER);
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.VersionNotIncreasing.selector, IRIS, uint32(2), version)
        );
        registry.addModelVersion(IRIS, version, keccak256("m"), _vk(address(irisV1)), address(irisV1));
    }

    function test_oneSubjectPerImageCommitment() public {
        _enroll();
        assertEq(registry.subjectOfImage(C_IMG), subject, "indexed");
        // Another wallet holding a genuine scanner attestation of the same C_img.
        address other = vm.addr(0x07E4);
        bytes memory sig = _sign(SCANNER_KEY, _digest(block.chainid, address(registry), C_IMG, C_FACE, other, DEADLINE));
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(other, 0));
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.ImageAlreadyEnrolled.selector, C_IMG, subject));
        registry.enroll(other, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        // Another image commitment enrolls.
        sig = _sign(SCANNER_KEY, _digest(block.chainid, address(registry), C_IMG + 1, C_FACE, other, DEADLINE));
        p = _proof(C_IMG + 1, C_CODE1, _binding(other, 0));
        vm.prank(other);
        registry.enroll(other, C_IMG + 1, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        assertEq(registry.subjectOfImage(C_IMG + 1), other, "other indexed");
    }

    function test_attestationExpiresAfterItsDeadline() public {
        bytes memory sig = _scannerSig();
        BiometricRegistry.Proof memory p = _proof(C_IMG, C_CODE1, _binding(subject, 0));
        vm.warp(DEADLINE + 1);
        vm.prank(subject);
        vm.expectRevert(
            abi.encodeWithSelector(BiometricRegistry.AttestationExpired.selector, DEADLINE, DEADLINE + 1)
        );
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        // Extending the deadline without the scanner's signature recovers another signer.
        address recovered =
            _recover(_digest(block.chainid, address(registry), C_IMG, C_FACE, subject, DEADLINE + 100), sig);
        vm.prank(subject);
        vm.expectRevert(abi.encodeWithSelector(BiometricRegistry.UnknownScanner.selector, recovered));
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE + 100, sig, 1, C_CODE1, p);
        // At the deadline itself the attestation is still valid.
        vm.warp(DEADLINE);
        vm.prank(subject);
        registry.enroll(subject, C_IMG, C_FACE, DEADLINE, sig, 1, C_CODE1, p);
        assertEq(registry.recordOf(subject).irisVersion, 1, "enrolled");
    }

    function test_isCurrentFollowsDeprecation() public {
        assertTrue(!registry.isCurrent(subject), "not enrolled");
        _registerFace();
        assertTrue(registry.isCurrent(subject), "current");
        vm.prank(OWNER);
        registry.deprecateModelVersion(FACE, 1);
        assertTrue(!registry.isCurrent(subject), "face version deprecated");
    }

    function test_deprecationLeavesTheRecordStaleUntilReenrollment() public {
        _enroll();
        assertTrue(registry.isCurrent(subject), "current");
        vm.prank(OWNER);
        registry.deprecateModelVersion(IRIS, 1);
        assertTrue(!registry.isCurrent(subject), "iris version deprecated");
        assertEq(registry.recordOf(subject).irisVersion, 1, "record kept");
        // Deprecating the record's version does not block moving to a newer one.
        vm.prank(subject);
        registry.reenroll(subject, 2, C_CODE2, _proof(C_IMG, C_CODE2, _binding(subject, 1)));
        assertTrue(registry.isCurrent(subject), "current again");
        // Nor does deprecating the newest version block a later one.
        vm.startPrank(OWNER);
        registry.deprecateModelVersion(IRIS, 2);
        registry.addModelVersion(IRIS, 3, keccak256("iris v3"), _vk(address(irisV1)), address(irisV1));
        vm.stopPrank();
        assertTrue(!registry.isCurrent(subject), "v2 deprecated");
        vm.prank(subject);
        registry.reenroll(subject, 3, C_CODE1, _proof(C_IMG, C_CODE1, _binding(subject, 2)));
        assertTrue(registry.isCurrent(subject), "v3");
    }

    // ------------------------------------------------------------------ binding

    function test_bindingVector() public pure {
        // Also asserted by the Rust tests (core/src/registry) and computed with ethers 5.8.
        assertEq(
            _binding(31337, address(0x1111111111111111111111111111111111111111), address(0x2222222222222222222222222222222222222222), 7),
            84511726877312946357642971277985580251779665812457284735549242180264476683,
            "binding vector"
        );
    }

    function testFuzz_bindingForIsTheProtocolFormula(address wallet, uint256 nonce, uint64 chainId) public {
        vm.assume(chainId != 0);
        vm.chainId(chainId);
        uint256 b = registry.bindingFor(wallet, nonce);
        assertEq(b, _binding(chainId, address(registry), wallet, nonce), "formula");
        assertTrue(b < R, "below the field order");
    }
}
