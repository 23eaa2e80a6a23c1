// SPDX-License-Identifier: Apache-2.0
pragma solidity >=0.8.20 <0.9.0;

/// @title IGroth16Verifier
/// @notice The part of `Groth16Verifier` (one deployment per circuit) that the registry calls.
interface IGroth16Verifier {
    /// @notice True iff (a, b, c) is a valid proof for `pubSignals` under the verifier's key.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[] calldata pubSignals
    ) external view returns (bool);

    /// @notice Number of public inputs `verifyProof` expects.
    function nPublic() external view returns (uint256);

    /// @notice keccak256(abi.encode(alpha, beta, gamma, delta, ic)) of the verifier's key.
    function vkHash() external view returns (bytes32);
}

/// @title BiometricRegistry
/// @notice zkbio's on-chain source of truth: which enrollment scanners and which model versions
///         are valid, and for each subject the commitments of their enrollment (C_img, C_face),
///         their current iris-code commitment (C_code) and face-embedding commitment (C_emb).
///         Biometric data never reaches the chain: only Poseidon commitments and Groth16 proofs
///         about them do (docs/PROTOCOL.md, section "Registry").
/// @dev Rules, each enforced with a custom error:
///      - The owner (two-step transfer) adds and removes scanners and adds and deprecates model
///        versions. A model version is a (kind, version) pair with the keccak256 of the model,
///        the vkHash of its verification key and the Groth16Verifier of its circuit, whose own
///        vkHash() must be that one; it is Active until deprecated, for good. Per kind, each
///        added version is larger than every version added before.
///      - One record per image commitment: a C_img enrolled by one wallet cannot be enrolled
///        by another. The scanner's attestation carries a deadline after which enroll refuses it.
///      - A subject is the wallet that owns a record; enroll, reenroll and
///        registerFaceEmbedding must be sent by it (msg.sender == subject).
///      - Every proof carries a public `binding = uint256(keccak256(abi.encode(block.chainid,
///        address(this), wallet, nonce))) >> 8`. For the subject's own calls, wallet is the
///        subject and nonce is `nonces[subject]`, which each successful call increments; for a
///        face match, wallet is the relying party (msg.sender) and nonce is its challenge, which
///        is then marked used. Groth16 proofs can be re-randomized, so replay protection comes
///        from the binding's nonce, never from the proof's bytes: once a nonce is consumed no
///        proof made for it (or any re-randomization of it) verifies against a fresh binding.
///      - Public inputs, in order: iris code [C_img, C_code, binding]; face embedding
///        [C_face, C_emb, binding]; face match [C_emb, tau, binding]. Every verifier must take
///        exactly 3 (checked when the version is added).
contract BiometricRegistry {
    /// @notice A Groth16 proof in the verifier's layout: G1 a and c as [x, y], G2 b as
    ///         [[x.c1, x.c0], [y.c1, y.c0]] (EIP-197 order, as snarkjs's soliditycalldata).
    struct Proof {
        uint256[2] a;
        uint256[2][2] b;
        uint256[2] c;
    }

    /// @notice Lifecycle of a model version: None (never added), Active, Deprecated (final).
    enum VersionStatus {
        None,
        Active,
        Deprecated
    }

    /// @notice A registered model version.
    /// @param modelHash keccak256 of the canonical model bytes (the model package's model_hash).
    /// @param vkHash keccak256 of the verification key in the verifier's constructor encoding
    ///        (the verifier's vkHash(); the phone checks its package's key against it).
    /// @param verifier The Groth16Verifier of this version's circuit.
    /// @param status Active or Deprecated (None for an unknown version).
    struct ModelVersion {
        bytes32 modelHash;
        bytes32 vkHash;
        address verifier;
        VersionStatus status;
    }

    /// @notice A subject's record. Versions are 0 where nothing is registered yet.
    /// @param imageCommitment C_img, signed by the scanner at enrollment.
    /// @param faceCommitment C_face, signed by the scanner at enrollment.
    /// @param codeCommitment C_code of the current iris version.
    /// @param embeddingCommitment C_emb of the current face version (0 if none).
    /// @param irisVersion Current iris model version; non-zero iff the subject is enrolled.
    /// @param faceVersion Face model version of C_emb (0 if none).
    /// @param scanner The scanner that signed the enrollment.
    struct Record {
        uint256 imageCommitment;
        uint256 faceCommitment;
        uint256 codeCommitment;
        uint256 embeddingCommitment;
        uint32 irisVersion;
        uint32 faceVersion;
        address scanner;
    }

    /// @notice Model kind of the iris-code regeneration circuit (Proof 1), public inputs
    ///         [C_img, C_code, binding].
    uint8 public constant KIND_IRIS = 0;
    /// @notice Model kind of the face-match circuit (Proof 2), public inputs [C_emb, tau, binding].
    uint8 public constant KIND_FACE = 1;
    /// @notice Model kind of the face-embedding regeneration circuit (Proof-1 style for faces),
    ///         public inputs [C_face, C_emb, binding]. A face model version f needs both
    ///         (KIND_FACE, f) and (KIND_FACE_EMBEDDING, f).
    uint8 public constant KIND_FACE_EMBEDDING = 2;
    /// @notice Number of public inputs of every circuit the registry verifies.
    uint256 public constant PUBLIC_INPUTS = 3;

    /// @notice EIP-712 type of the scanner's enrollment attestation. chainId and the registry's
    ///         address are bound through the domain separator.
    bytes32 public constant ENROLLMENT_TYPEHASH = keccak256(
        "Enrollment(uint256 imageCommitment,uint256 faceCommitment,address subject,uint256 deadline)"
    );
    /// @dev keccak256 of the EIP-712 domain type.
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    /// @dev keccak256 of the domain's name, "zkbio BiometricRegistry".
    bytes32 private constant NAME_HASH = keccak256("zkbio BiometricRegistry");
    /// @dev keccak256 of the domain's version, "1".
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @dev Order of the BN254 scalar field: commitments and tau are field elements below it.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// @dev secp256k1n / 2: signatures with a larger s are malleable twins and are refused.
    uint256 internal constant HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// @notice The administrator.
    address public owner;
    /// @notice The address that may accept ownership (zero when no transfer is pending).
    address public pendingOwner;
    /// @notice Whether an address is an active enrollment scanner.
    mapping(address => bool) public isScanner;
    /// @notice Next binding nonce of each wallet for enroll, reenroll and registerFaceEmbedding.
    mapping(address => uint256) public nonces;
    /// @notice Whether a relying party already consumed a challenge in verifyFaceMatch.
    mapping(address => mapping(uint256 => bool)) public challengeUsed;
    /// @notice The largest version added so far for each kind (0 if none): the next one added
    ///         must be larger.
    mapping(uint8 => uint32) public latestVersion;
    /// @notice The subject enrolled with each image commitment (zero address if none).
    mapping(uint256 => address) public subjectOfImage;

    mapping(uint8 => mapping(uint32 => ModelVersion)) private _versions;
    /// @notice The version of `kind` registered with `modelHash`, 0 if none: a model hash names one
    ///         version per kind, so a re-registered model cannot pass for an upgrade (a phone
    ///         would regenerate the same code under another version number).
    mapping(uint8 => mapping(bytes32 => uint32)) public versionOfModelHash;
    mapping(address => Record) private _records;

    /// @notice A transfer of ownership to `newOwner` awaits its acceptOwnership.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership changed (also emitted at deployment, from the zero address).
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    /// @notice `scanner` may now sign enrollments.
    event ScannerAdded(address indexed scanner);
    /// @notice `scanner` may no longer sign enrollments (past enrollments stay).
    event ScannerRemoved(address indexed scanner);
    /// @notice A model version was registered, Active.
    event ModelVersionAdded(
        uint8 indexed kind, uint32 indexed version, bytes32 modelHash, bytes32 vkHash, address verifier
    );
    /// @notice A model version was deprecated: no new proof under it is accepted.
    event ModelVersionDeprecated(uint8 indexed kind, uint32 indexed version);
    /// @notice `subject` enrolled with a signature of `scanner` and an iris-code proof of
    ///         `irisVersion`; `nonce` is the binding nonce it consumed.
    event Enrolled(
        address indexed subject,
        address indexed scanner,
        uint32 irisVersion,
        uint256 imageCommitment,
        uint256 faceCommitment,
        uint256 codeCommitment,
        uint256 nonce
    );
    /// @notice `subject` moved its iris code from `fromVersion` to `toVersion`.
    event Reenrolled(
        address indexed subject, uint32 fromVersion, uint32 toVersion, uint256 codeCommitment, uint256 nonce
    );
    /// @notice `subject` registered (or upgraded) its face embedding commitment.
    event FaceEmbeddingRegistered(
        address indexed subject, uint32 fromVersion, uint32 toVersion, uint256 embeddingCommitment, uint256 nonce
    );
    /// @notice `relyingParty` verified a face match of `subject` for its `challenge` within `tau`.
    event FaceMatchVerified(
        address indexed subject, address indexed relyingParty, uint256 challenge, uint256 tau, uint32 faceVersion
    );

    /// @notice The caller is not the owner.
    error NotOwner(address caller);
    /// @notice The caller is not the pending owner.
    error NotPendingOwner(address caller);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice The scanner is already active.
    error ScannerAlreadyActive(address scanner);
    /// @notice The scanner is not active.
    error ScannerNotActive(address scanner);
    /// @notice The kind is not KIND_IRIS, KIND_FACE or KIND_FACE_EMBEDDING.
    error UnknownModelKind(uint8 kind);
    /// @notice Version 0 is reserved ("none" in records).
    error ZeroVersion();
    /// @notice A model hash of zero was given.
    error ZeroModelHash();
    /// @notice Per kind, versions are added in increasing order (so none is ever reused).
    error VersionNotIncreasing(uint8 kind, uint32 latest, uint32 version);
    /// @notice A vkHash of zero was given.
    error ZeroVkHash();
    /// @notice Version `existing` of `kind` already pins `modelHash`.
    error ModelHashAlreadyRegistered(uint8 kind, bytes32 modelHash, uint32 existing);
    /// @notice The verifier's vkHash() is not the one given (`found` is zero if it has none).
    error VkHashMismatch(address verifier, bytes32 expected, bytes32 found);
    /// @notice The verifier address holds no code.
    error VerifierHasNoCode(address verifier);
    /// @notice The verifier does not answer nPublic() with PUBLIC_INPUTS.
    error VerifierArityMismatch(address verifier);
    /// @notice This (kind, version) was never added.
    error UnknownModelVersion(uint8 kind, uint32 version);
    /// @notice This (kind, version) is deprecated.
    error ModelVersionIsDeprecated(uint8 kind, uint32 version);
    /// @notice A commitment or tau is not below the BN254 scalar field order.
    error NotAFieldElement(uint256 value);
    /// @notice Only the subject's own wallet may change its record.
    error CallerNotSubject(address caller, address subject);
    /// @notice The subject already has a record.
    error AlreadyEnrolled(address subject);
    /// @notice This image commitment is already the record of `subject` (one subject per C_img).
    error ImageAlreadyEnrolled(uint256 imageCommitment, address subject);
    /// @notice The scanner's attestation expired: block.timestamp is past its deadline.
    error AttestationExpired(uint256 deadline, uint256 timestamp);
    /// @notice The subject has no record.
    error NotEnrolled(address subject);
    /// @notice The scanner signature is not 65 bytes (r, s, v).
    error InvalidSignatureLength(uint256 length);
    /// @notice The signature's v is not 27 or 28.
    error InvalidSignatureV(uint8 v);
    /// @notice The signature's s is above secp256k1n / 2 (the malleable twin of a valid one).
    error InvalidSignatureS(bytes32 s);
    /// @notice ecrecover found no signer (r or s out of range, or no such point).
    error InvalidSignature();
    /// @notice The signature was made by `signer`, which is not an active scanner.
    error UnknownScanner(address signer);
    /// @notice A re-enrollment or face-embedding upgrade must move to a larger version.
    error VersionNotNewer(uint32 current, uint32 requested);
    /// @notice The verifier rejected the proof for the public inputs the registry assembled.
    error InvalidProof();
    /// @notice The subject has registered no face embedding.
    error NoFaceEmbedding(address subject);
    /// @notice The relying party already used this challenge.
    error ChallengeAlreadyUsed(address relyingParty, uint256 challenge);

    /// @dev Owner-only functions.
    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @param initialOwner The administrator (e.g. a multisig); not the zero address.
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ZeroAddress();
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    // ------------------------------------------------------------------ administration

    /// @notice Starts a transfer of ownership; `newOwner` completes it with acceptOwnership.
    ///         Passing the zero address cancels a pending transfer.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    /// @notice Completes a transfer of ownership started by transferOwnership.
    function acceptOwnership() external {
        if (msg.sender != pendingOwner || msg.sender == address(0)) revert NotPendingOwner(msg.sender);
        address previous = owner;
        owner = msg.sender;
        pendingOwner = address(0);
        emit OwnershipTransferred(previous, msg.sender);
    }

    /// @notice Allows `scanner` to sign enrollments.
    function addScanner(address scanner) external onlyOwner {
        if (scanner == address(0)) revert ZeroAddress();
        if (isScanner[scanner]) revert ScannerAlreadyActive(scanner);
        isScanner[scanner] = true;
        emit ScannerAdded(scanner);
    }

    /// @notice Stops accepting new enrollments signed by `scanner`.
    function removeScanner(address scanner) external onlyOwner {
        if (!isScanner[scanner]) revert ScannerNotActive(scanner);
        isScanner[scanner] = false;
        emit ScannerRemoved(scanner);
    }

    /// @notice Registers a model version, Active.
    /// @param kind KIND_IRIS, KIND_FACE or KIND_FACE_EMBEDDING.
    /// @param version Non-zero version number (the model manifest's version), larger than every
    ///        version of this kind added before (latestVersion).
    /// @param modelHash keccak256 of the canonical model bytes; non-zero.
    /// @param vkHash keccak256 of the version's verification key (Groth16Verifier.vkHash);
    ///        non-zero, and the verifier's own vkHash() must equal it.
    /// @param verifier A Groth16Verifier with PUBLIC_INPUTS public inputs.
    function addModelVersion(uint8 kind, uint32 version, bytes32 modelHash, bytes32 vkHash, address verifier)
        external
        onlyOwner
    {
        _checkKind(kind);
        if (version == 0) revert ZeroVersion();
        uint32 latest = latestVersion[kind];
        if (version <= latest) revert VersionNotIncreasing(kind, latest, version);
        if (modelHash == bytes32(0)) revert ZeroModelHash();
        uint32 existing = versionOfModelHash[kind][modelHash];
        if (existing != 0) revert ModelHashAlreadyRegistered(kind, modelHash, existing);
        if (vkHash == bytes32(0)) revert ZeroVkHash();
        if (verifier.code.length == 0) revert VerifierHasNoCode(verifier);
        // Low-level calls, so that malformed return data is a custom error too (a try/catch
        // would not catch a failure to decode it).
        (bool ok, bytes memory ret) = verifier.staticcall(abi.encodeCall(IGroth16Verifier.nPublic, ()));
        if (!ok || ret.length != 32 || abi.decode(ret, (uint256)) != PUBLIC_INPUTS) {
            revert VerifierArityMismatch(verifier);
        }
        (ok, ret) = verifier.staticcall(abi.encodeCall(IGroth16Verifier.vkHash, ()));
        bytes32 found = ok && ret.length == 32 ? abi.decode(ret, (bytes32)) : bytes32(0);
        if (found != vkHash) revert VkHashMismatch(verifier, vkHash, found);
        latestVersion[kind] = version;
        versionOfModelHash[kind][modelHash] = version;
        _versions[kind][version] = ModelVersion(modelHash, vkHash, verifier, VersionStatus.Active);
        emit ModelVersionAdded(kind, version, modelHash, vkHash, verifier);
    }

    /// @notice Deprecates an Active model version for good: proofs under it are refused from now
    ///         on (records made with it stay; their subjects re-enroll to a newer version).
    function deprecateModelVersion(uint8 kind, uint32 version) external onlyOwner {
        _activeVerifier(kind, version);
        _versions[kind][version].status = VersionStatus.Deprecated;
        emit ModelVersionDeprecated(kind, version);
    }

    // ------------------------------------------------------------------ subjects

    /// @notice Creates the record of msg.sender (= `subject`) from a scanner's signed
    ///         commitments and an iris-code proof of an Active iris version.
    /// @param subject The enrolling wallet; must be msg.sender and not yet enrolled.
    /// @param imageCommitment C_img, as signed by the scanner; no other subject enrolled with it.
    /// @param faceCommitment C_face, as signed by the scanner.
    /// @param deadline Unix time (seconds) after which the scanner's attestation is refused
    ///        (block.timestamp <= deadline passes), as signed by the scanner.
    /// @param scannerSignature 65 bytes r || s || v: the scanner's EIP-712 signature of
    ///        Enrollment(imageCommitment, faceCommitment, subject, deadline) (see enrollmentDigest).
    /// @param version Active iris model version of the proof.
    /// @param codeCommitment C_code.
    /// @param proof Iris-code proof for [C_img, C_code, binding(subject, nonces[subject])].
    function enroll(
        address subject,
        uint256 imageCommitment,
        uint256 faceCommitment,
        uint256 deadline,
        bytes calldata scannerSignature,
        uint32 version,
        uint256 codeCommitment,
        Proof calldata proof
    ) external {
        _checkCaller(subject);
        if (_records[subject].irisVersion != 0) revert AlreadyEnrolled(subject);
        address scanner = _checkAttestation(subject, imageCommitment, faceCommitment, deadline, scannerSignature);
        _checkField(codeCommitment);
        uint256 nonce =
            _verifyBound(_activeVerifier(KIND_IRIS, version), proof, imageCommitment, codeCommitment, subject);

        subjectOfImage[imageCommitment] = subject;
        Record storage r = _records[subject];
        r.imageCommitment = imageCommitment;
        r.faceCommitment = faceCommitment;
        r.codeCommitment = codeCommitment;
        r.irisVersion = version;
        r.scanner = scanner;
        emit Enrolled(subject, scanner, version, imageCommitment, faceCommitment, codeCommitment, nonce);
    }

    /// @notice Moves msg.sender's iris code to a newer Active iris version, proving the new code
    ///         comes from the enrolled image.
    /// @param subject The enrolled wallet; must be msg.sender.
    /// @param version Active iris version, larger than the current one.
    /// @param codeCommitment The new C_code.
    /// @param proof Iris-code proof for [stored C_img, C_code, binding(subject, nonces[subject])].
    function reenroll(address subject, uint32 version, uint256 codeCommitment, Proof calldata proof) external {
        _checkCaller(subject);
        Record storage r = _records[subject];
        uint32 current = r.irisVersion;
        if (current == 0) revert NotEnrolled(subject);
        _checkField(codeCommitment);
        if (version <= current) revert VersionNotNewer(current, version);
        uint256 nonce =
            _verifyBound(_activeVerifier(KIND_IRIS, version), proof, r.imageCommitment, codeCommitment, subject);

        r.codeCommitment = codeCommitment;
        r.irisVersion = version;
        emit Reenrolled(subject, current, version, codeCommitment, nonce);
    }

    /// @notice Registers (or upgrades to a larger version) msg.sender's face-embedding
    ///         commitment, proving it comes from the scanner-signed face image.
    /// @param subject The enrolled wallet; must be msg.sender.
    /// @param version Face model version: (KIND_FACE_EMBEDDING, version) and (KIND_FACE, version)
    ///        both Active, larger than the current face version.
    /// @param embeddingCommitment C_emb.
    /// @param proof Face-embedding proof for [stored C_face, C_emb, binding(subject, nonces[subject])].
    function registerFaceEmbedding(address subject, uint32 version, uint256 embeddingCommitment, Proof calldata proof)
        external
    {
        _checkCaller(subject);
        Record storage r = _records[subject];
        if (r.irisVersion == 0) revert NotEnrolled(subject);
        _checkField(embeddingCommitment);
        uint32 current = r.faceVersion;
        if (version <= current) revert VersionNotNewer(current, version);
        address verifier = _activeVerifier(KIND_FACE_EMBEDDING, version);
        _activeVerifier(KIND_FACE, version);
        uint256 nonce = _verifyBound(verifier, proof, r.faceCommitment, embeddingCommitment, subject);

        r.embeddingCommitment = embeddingCommitment;
        r.faceVersion = version;
        emit FaceEmbeddingRegistered(subject, current, version, embeddingCommitment, nonce);
    }

    /// @notice For relying parties: checks that the holder of `subject`'s record proved a face
    ///         match within `tau` for msg.sender's `challenge`, and consumes the challenge.
    ///         Reverts (custom error) unless the proof is valid.
    /// @param subject The enrolled wallet whose C_emb the selfie is compared with.
    /// @param challenge The relying party's fresh challenge (the binding's nonce).
    /// @param tau The similarity threshold, a 16-bit fraction (`tau / 65536`) as the face-match
    ///        statement reads it; the proof verifies only for this `tau`.
    /// @param proof Face-match proof for [C_emb, tau, binding(msg.sender, challenge)] under the
    ///        record's face version, which must be Active.
    function verifyFaceMatch(address subject, uint256 challenge, uint256 tau, Proof calldata proof) external {
        Record storage r = _records[subject];
        uint32 faceVersion = r.faceVersion;
        if (faceVersion == 0) revert NoFaceEmbedding(subject);
        _checkField(tau);
        if (challengeUsed[msg.sender][challenge]) revert ChallengeAlreadyUsed(msg.sender, challenge);
        address verifier = _activeVerifier(KIND_FACE, faceVersion);
        _verify(verifier, proof, r.embeddingCommitment, tau, bindingFor(msg.sender, challenge));

        challengeUsed[msg.sender][challenge] = true;
        emit FaceMatchVerified(subject, msg.sender, challenge, tau, faceVersion);
    }

    // ------------------------------------------------------------------ views

    /// @notice The record of `subject` (all zero if not enrolled).
    function recordOf(address subject) external view returns (Record memory) {
        return _records[subject];
    }

    /// @notice The model version (kind, version); status None if it was never added.
    function modelVersion(uint8 kind, uint32 version) external view returns (ModelVersion memory) {
        return _versions[kind][version];
    }

    /// @notice True iff `subject` is enrolled and every model version its record depends on is
    ///         Active: its iris version, and, if it registered a face embedding, both face kinds
    ///         of its face version. A subject whose version was deprecated is not current until
    ///         it re-enrolls (reenroll / registerFaceEmbedding) to an Active newer version.
    function isCurrent(address subject) external view returns (bool) {
        Record storage r = _records[subject];
        if (r.irisVersion == 0 || _versions[KIND_IRIS][r.irisVersion].status != VersionStatus.Active) {
            return false;
        }
        uint32 f = r.faceVersion;
        return f == 0
            || (
                _versions[KIND_FACE][f].status == VersionStatus.Active
                    && _versions[KIND_FACE_EMBEDDING][f].status == VersionStatus.Active
            );
    }

    /// @notice The binding public input for `wallet` and `nonce` on this chain and registry:
    ///         uint256(keccak256(abi.encode(block.chainid, address(this), wallet, nonce))) >> 8.
    function bindingFor(address wallet, uint256 nonce) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), wallet, nonce))) >> 8;
    }

    /// @notice The EIP-712 domain separator (name "zkbio BiometricRegistry", version "1", this
    ///         chain's id, this contract), computed for the current chain id.
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The EIP-712 digest a scanner signs to attest an enrollment valid until `deadline`.
    function enrollmentDigest(uint256 imageCommitment, uint256 faceCommitment, address subject, uint256 deadline)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash =
            keccak256(abi.encode(ENROLLMENT_TYPEHASH, imageCommitment, faceCommitment, subject, deadline));
        return keccak256(abi.encodePacked(hex"1901", domainSeparator(), structHash));
    }

    // ------------------------------------------------------------------ internals

    /// @dev Reverts unless kind is one of the three kinds.
    function _checkKind(uint8 kind) private pure {
        if (kind > KIND_FACE_EMBEDDING) revert UnknownModelKind(kind);
    }

    /// @dev Reverts unless msg.sender is `subject`.
    function _checkCaller(address subject) private view {
        if (msg.sender != subject) revert CallerNotSubject(msg.sender, subject);
    }

    /// @dev Reverts unless x is a BN254 scalar field element.
    function _checkField(uint256 x) private pure {
        if (x >= R) revert NotAFieldElement(x);
    }

    /// @dev The active scanner that attested (C_img, C_face, subject, deadline); reverts if the
    ///      image is another subject's, the deadline passed, a commitment is not a field
    ///      element, or the signature is malformed or not an active scanner's.
    function _checkAttestation(
        address subject,
        uint256 imageCommitment,
        uint256 faceCommitment,
        uint256 deadline,
        bytes calldata signature
    ) private view returns (address scanner) {
        address holder = subjectOfImage[imageCommitment];
        if (holder != address(0)) revert ImageAlreadyEnrolled(imageCommitment, holder);
        if (block.timestamp > deadline) revert AttestationExpired(deadline, block.timestamp);
        _checkField(imageCommitment);
        _checkField(faceCommitment);
        scanner = _recover(enrollmentDigest(imageCommitment, faceCommitment, subject, deadline), signature);
        if (!isScanner[scanner]) revert UnknownScanner(scanner);
    }

    /// @dev The verifier of an Active (kind, version); reverts if unknown or deprecated.
    function _activeVerifier(uint8 kind, uint32 version) private view returns (address) {
        _checkKind(kind);
        ModelVersion storage v = _versions[kind][version];
        if (v.status == VersionStatus.None) revert UnknownModelVersion(kind, version);
        if (v.status == VersionStatus.Deprecated) revert ModelVersionIsDeprecated(kind, version);
        return v.verifier;
    }

    /// @dev Verifies `proof` for [x0, x1, binding(wallet, nonces[wallet])] and consumes that
    ///      nonce; returns it.
    function _verifyBound(address verifier, Proof calldata proof, uint256 x0, uint256 x1, address wallet)
        private
        returns (uint256 nonce)
    {
        nonce = nonces[wallet];
        _verify(verifier, proof, x0, x1, bindingFor(wallet, nonce));
        nonces[wallet] = nonce + 1;
    }

    /// @dev Reverts with InvalidProof unless `verifier` accepts `proof` for [x0, x1, x2].
    function _verify(address verifier, Proof calldata proof, uint256 x0, uint256 x1, uint256 x2) private view {
        uint256[] memory inputs = new uint256[](PUBLIC_INPUTS);
        inputs[0] = x0;
        inputs[1] = x1;
        inputs[2] = x2;
        if (!IGroth16Verifier(verifier).verifyProof(proof.a, proof.b, proof.c, inputs)) revert InvalidProof();
    }

    /// @dev The signer of `digest`: 65-byte r || s || v with v in {27, 28} and s <= secp256k1n/2.
    function _recover(bytes32 digest, bytes calldata sig) private pure returns (address signer) {
        if (sig.length != 65) revert InvalidSignatureLength(sig.length);
        bytes32 r = bytes32(sig[0:32]);
        bytes32 s = bytes32(sig[32:64]);
        uint8 v = uint8(sig[64]);
        if (v != 27 && v != 28) revert InvalidSignatureV(v);
        if (uint256(s) > HALF_N) revert InvalidSignatureS(s);
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }
}
