//! ABI of `contracts/src/BiometricRegistry.sol` (mirrored by hand; `core/tests/registry_anvil.rs`
//! checks every selector against the compiled contract) and the proof's word layout.

use alloy_primitives::U256;
use ark_bn254::Bn254;
use ark_groth16::Proof;

use crate::evm::abi::{g1_words, g2_words};

alloy_sol_types::sol! {
    /// Bindings of `contracts/src/BiometricRegistry.sol` (see that file for the semantics).
    #[derive(Debug, PartialEq, Eq)]
    contract BiometricRegistry {
        /// A Groth16 proof: G1 `a`, `c` as `[x, y]`, G2 `b` as `[[x.c1, x.c0], [y.c1, y.c0]]`.
        struct Proof {
            uint256[2] a;
            uint256[2][2] b;
            uint256[2] c;
        }

        /// Lifecycle of a model version.
        enum VersionStatus {
            /// Never added.
            None,
            /// Proofs under it are accepted.
            Active,
            /// No longer accepted (final).
            Deprecated
        }

        /// A registered model version.
        struct ModelVersion {
            bytes32 modelHash;
            bytes32 vkHash;
            address verifier;
            VersionStatus status;
        }

        /// A subject's record (versions 0 where nothing is registered).
        struct Record {
            uint256 imageCommitment;
            uint256 faceCommitment;
            uint256 codeCommitment;
            uint256 embeddingCommitment;
            uint32 irisVersion;
            uint32 faceVersion;
            address scanner;
        }

        /// Deploys the registry administered by `initialOwner`.
        constructor(address initialOwner);

        /// A transfer of ownership awaits acceptance.
        event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
        /// Ownership changed.
        event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
        /// A scanner was added.
        event ScannerAdded(address indexed scanner);
        /// A scanner was removed.
        event ScannerRemoved(address indexed scanner);
        /// A model version was added.
        event ModelVersionAdded(uint8 indexed kind, uint32 indexed version, bytes32 modelHash, bytes32 vkHash, address verifier);
        /// A model version was deprecated.
        event ModelVersionDeprecated(uint8 indexed kind, uint32 indexed version);
        /// A subject enrolled.
        event Enrolled(
            address indexed subject,
            address indexed scanner,
            uint32 irisVersion,
            uint256 imageCommitment,
            uint256 faceCommitment,
            uint256 codeCommitment,
            uint256 nonce
        );
        /// A subject moved to a newer iris version.
        event Reenrolled(address indexed subject, uint32 fromVersion, uint32 toVersion, uint256 codeCommitment, uint256 nonce);
        /// A subject registered its face embedding.
        event FaceEmbeddingRegistered(address indexed subject, uint32 fromVersion, uint32 toVersion, uint256 embeddingCommitment, uint256 nonce);
        /// A relying party verified a face match.
        event FaceMatchVerified(address indexed subject, address indexed relyingParty, uint256 challenge, uint256 tau, uint32 faceVersion);

        /// The caller is not the owner.
        error NotOwner(address caller);
        /// The caller is not the pending owner.
        error NotPendingOwner(address caller);
        /// The zero address was given.
        error ZeroAddress();
        /// The scanner is already active.
        error ScannerAlreadyActive(address scanner);
        /// The scanner is not active.
        error ScannerNotActive(address scanner);
        /// Unknown model kind.
        error UnknownModelKind(uint8 kind);
        /// Version 0 is reserved.
        error ZeroVersion();
        /// Zero model hash.
        error ZeroModelHash();
        /// Versions of a kind must be added in increasing order.
        error VersionNotIncreasing(uint8 kind, uint32 latest, uint32 version);
        /// Zero vkHash.
        error ZeroVkHash();
        /// Version `existing` of the kind already pins this model hash.
        error ModelHashAlreadyRegistered(uint8 kind, bytes32 modelHash, uint32 existing);
        /// The verifier's vkHash() is not the given one (`found` zero if it has none).
        error VkHashMismatch(address verifier, bytes32 expected, bytes32 found);
        /// The verifier holds no code.
        error VerifierHasNoCode(address verifier);
        /// The verifier does not take 3 public inputs.
        error VerifierArityMismatch(address verifier);
        /// The model version was never added.
        error UnknownModelVersion(uint8 kind, uint32 version);
        /// The model version is deprecated.
        error ModelVersionIsDeprecated(uint8 kind, uint32 version);
        /// A commitment or tau is not a BN254 scalar.
        error NotAFieldElement(uint256 value);
        /// Only the subject's wallet may change its record.
        error CallerNotSubject(address caller, address subject);
        /// The subject is already enrolled.
        error AlreadyEnrolled(address subject);
        /// The image commitment is already another subject's record.
        error ImageAlreadyEnrolled(uint256 imageCommitment, address subject);
        /// The scanner's attestation expired.
        error AttestationExpired(uint256 deadline, uint256 timestamp);
        /// The subject is not enrolled.
        error NotEnrolled(address subject);
        /// The scanner signature is not 65 bytes.
        error InvalidSignatureLength(uint256 length);
        /// The signature's v is not 27 or 28.
        error InvalidSignatureV(uint8 v);
        /// The signature's s is above secp256k1n / 2.
        error InvalidSignatureS(bytes32 s);
        /// ecrecover found no signer.
        error InvalidSignature();
        /// The signer is not an active scanner.
        error UnknownScanner(address signer);
        /// The version is not larger than the current one.
        error VersionNotNewer(uint32 current, uint32 requested);
        /// The verifier rejected the proof.
        error InvalidProof();
        /// The subject has no face embedding.
        error NoFaceEmbedding(address subject);
        /// The relying party already used this challenge.
        error ChallengeAlreadyUsed(address relyingParty, uint256 challenge);

        /// Model kind of the iris-code circuit.
        function KIND_IRIS() external view returns (uint8);
        /// Model kind of the face-match circuit.
        function KIND_FACE() external view returns (uint8);
        /// Model kind of the face-embedding circuit.
        function KIND_FACE_EMBEDDING() external view returns (uint8);
        /// Public inputs of every circuit.
        function PUBLIC_INPUTS() external view returns (uint256);
        /// EIP-712 type hash of the enrollment attestation.
        function ENROLLMENT_TYPEHASH() external view returns (bytes32);
        /// The administrator.
        function owner() external view returns (address);
        /// The pending owner.
        function pendingOwner() external view returns (address);
        /// Whether an address is an active scanner.
        function isScanner(address scanner) external view returns (bool);
        /// Next binding nonce of a wallet.
        function nonces(address wallet) external view returns (uint256);
        /// Whether a relying party used a challenge.
        function challengeUsed(address relyingParty, uint256 challenge) external view returns (bool);
        /// The largest version added for a kind.
        function latestVersion(uint8 kind) external view returns (uint32);
        /// The version of `kind` registered with `modelHash`, 0 if none.
        function versionOfModelHash(uint8 kind, bytes32 modelHash) external view returns (uint32);
        /// The subject enrolled with an image commitment (zero if none).
        function subjectOfImage(uint256 imageCommitment) external view returns (address);
        /// Whether a subject is enrolled and all its model versions are Active.
        function isCurrent(address subject) external view returns (bool);
        /// Starts an ownership transfer.
        function transferOwnership(address newOwner) external;
        /// Accepts an ownership transfer.
        function acceptOwnership() external;
        /// Adds a scanner.
        function addScanner(address scanner) external;
        /// Removes a scanner.
        function removeScanner(address scanner) external;
        /// Adds a model version.
        function addModelVersion(uint8 kind, uint32 version, bytes32 modelHash, bytes32 vkHash, address verifier) external;
        /// Deprecates a model version.
        function deprecateModelVersion(uint8 kind, uint32 version) external;
        /// Enrolls msg.sender.
        function enroll(
            address subject,
            uint256 imageCommitment,
            uint256 faceCommitment,
            uint256 deadline,
            bytes scannerSignature,
            uint32 version,
            uint256 codeCommitment,
            Proof proof
        ) external;
        /// Moves msg.sender to a newer iris version.
        function reenroll(address subject, uint32 version, uint256 codeCommitment, Proof proof) external;
        /// Registers msg.sender's face embedding.
        function registerFaceEmbedding(address subject, uint32 version, uint256 embeddingCommitment, Proof proof) external;
        /// Verifies a face match for the caller's challenge.
        function verifyFaceMatch(address subject, uint256 challenge, uint256 tau, Proof proof) external;
        /// A subject's record.
        function recordOf(address subject) external view returns (Record memory);
        /// A model version.
        function modelVersion(uint8 kind, uint32 version) external view returns (ModelVersion memory);
        /// The binding for a wallet and nonce on this chain and registry.
        function bindingFor(address wallet, uint256 nonce) external view returns (uint256);
        /// The EIP-712 domain separator.
        function domainSeparator() external view returns (bytes32);
        /// The EIP-712 digest of an enrollment attestation.
        function enrollmentDigest(uint256 imageCommitment, uint256 faceCommitment, address subject, uint256 deadline) external view returns (bytes32);
    }

    /// The part of `Groth16Verifier` the registry calls.
    #[derive(Debug, PartialEq, Eq)]
    interface IGroth16Verifier {
        /// True iff the proof is valid for `pubSignals`.
        function verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[] pubSignals) external view returns (bool);
        /// Number of public inputs.
        function nPublic() external view returns (uint256);
        /// keccak256 of the verifier's key in its constructor encoding.
        function vkHash() external view returns (bytes32);
    }
}

/// `proof` in the registry's `Proof` layout (EIP-196/197 words, as `Groth16Verifier` takes it).
pub fn proof_words(proof: &Proof<Bn254>) -> BiometricRegistry::Proof {
    BiometricRegistry::Proof {
        a: g1_words(&proof.a),
        b: g2_words(&proof.b),
        c: g1_words(&proof.c),
    }
}

/// The words of a proof, for tests that tamper with them.
impl BiometricRegistry::Proof {
    /// All eight words in call-data order: `a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y`.
    pub fn words(&self) -> [U256; 8] {
        [
            self.a[0],
            self.a[1],
            self.b[0][0],
            self.b[0][1],
            self.b[1][0],
            self.b[1][1],
            self.c[0],
            self.c[1],
        ]
    }
}
