// JVM tests of the face flows through the generated Kotlin bindings: fetch a face package over
// HTTP (checked against both face kinds' pins), register the face embedding and confirm it, then
// prove face matches per relying party's challenge. run-tests.sh makes the fixtures with the
// zkbio CLI: an INSECURE dev face package of the tiny 8x8 face model, a scanner's transfer whose
// face crop is synthetic identity 1, a matching selfie (a perturbed copy) and another identity's.
package org.zkbio.test

import java.io.File
import java.nio.file.Files
import java.util.Properties
import javax.imageio.ImageIO
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import org.zkbio.Address
import org.zkbio.Bytes32
import org.zkbio.CancellationToken
import org.zkbio.DownloadEvent
import org.zkbio.FaceEmbeddingStatementInput
import org.zkbio.FaceMatchRequest
import org.zkbio.FaceMatchStatementInput
import org.zkbio.FaceModel
import org.zkbio.FacePins
import org.zkbio.ModelCache
import org.zkbio.ModelCommitment
import org.zkbio.ModelPin
import org.zkbio.ProvingMaterials
import org.zkbio.ProvingPhase
import org.zkbio.Statement
import org.zkbio.Uint256
import org.zkbio.VerifyingKey
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.bindingFor
import org.zkbio.confirmFaceEmbedding
import org.zkbio.confirmIrisCode
import org.zkbio.faceMatchPublicInputs
import org.zkbio.proofToSnarkjsJson
import org.zkbio.proveEnrollment
import org.zkbio.proveFaceMatch
import org.zkbio.publicInputsToSnarkjsJson
import org.zkbio.registerFaceEmbedding
import org.zkbio.verify
import org.zkbio.verifyFaceEmbedding
import org.zkbio.verifyFaceEmbeddingStatement
import org.zkbio.verifyFaceMatch
import org.zkbio.verifyFaceMatchStatement

/** The tiny face model's threshold (zkbio_circuits::models::face::DEV_TAU, 0.875). */
const val DEV_TAU = 57344

/** An 8-bit grayscale PNG's pixels, row-major. */
fun grayPixels(file: File): ByteArray {
    val img = ImageIO.read(file) ?: error("not an image: $file")
    return ByteArray(img.width * img.height) { img.raster.getSample(it % img.width, it / img.width, 0).toByte() }
}

/** The face fixtures run-tests.sh made. */
class FaceFixtures(file: File) {
    private val p = Properties().apply { file.inputStream().use { load(it) } }
    private fun get(key: String): String = p.getProperty(key) ?: error("fixtures: no $key in $p")
    val dir = File(get("face.dir"))
    val modelHash: Bytes32 = Bytes32.fromHex(get("face.modelHash"))
    val transfer: ByteArray = File(get("face.transfer")).readBytes()
    val selfie: ByteArray = grayPixels(File(get("face.selfie")))
    val other: ByteArray = grayPixels(File(get("face.other")))
    val embeddingVkJson = File(dir, "embedding_vk.json")
    val matchVkJson = File(dir, "match_vk.json")

    /** The pins a registry holding this package as face version 1 has (both kinds). */
    val pins: FacePins = FacePins(
        1L,
        modelHash,
        VerifyingKey.fromSnarkjsJson(embeddingVkJson.readText()).vkHash(),
        modelHash,
        VerifyingKey.fromSnarkjsJson(matchVkJson.readText()).vkHash(),
    )
}

class FaceTests(private val fx: FlowFixtures, private val flows: FlowTests) {
    val fixtures = FaceFixtures(File(System.getProperty("zkbio.flows") ?: error("set -Dzkbio.flows=FILE")))
    private val root: File = Files.createTempDirectory("zkbio-face").toFile().apply { deleteOnExit() }
    private val server by lazy { PackageServer(mapOf(1L to fixtures.dir)) }
    private val fetcher = CountingFetcher()
    private val cache by lazy { ModelCache.open(File(root, "cache").path, 1L shl 30) }
    private val relyingParty = Address.fromHex("0x5555555555555555555555555555555555555555")
    private val irisCache by lazy { ModelCache.open(File(root, "iris-cache").path, 1L shl 30) }
    private suspend fun iris() = flows.fetchWithPin(irisCache, ModelPin(1L, fx.packages.getValue(1L).second, null))

    fun close() = server.close()

    private fun manifest(): String = String(fetcher.fetchRange("${server.baseUrl(1L)}/manifest.json", 0L, null), Charsets.UTF_8)

    /** Fetches the face package with `pins` (e.g. the registry's). */
    suspend fun fetchFaceModel(cache: ModelCache, pins: FacePins, downloads: Downloads? = null): FaceModel =
        cache.fetchFaceModel(manifest(), server.baseUrl(1L), pins, listOf(fx.publisher), fetcher, downloads, null)

    fun request(challenge: Long, tau: Int = DEV_TAU, rp: Address = relyingParty) =
        FaceMatchRequest(fx.chainId, fx.registry, rp, Uint256.fromLong(challenge), tau)

    /** A vault whose record "erin" is iris-enrolled (v1) and has the face embedding confirmed. */
    private class Registered(val vault: ZkbioVault, val model: FaceModel, val cEmb: org.zkbio.FieldElement)

    private var registered: Registered? = null

    /** Import, iris enrollment, then the face embedding's registration and confirmation, checked. */
    private suspend fun registered(): Registered = registered ?: run {
        val vault = ZkbioVault.open(File(root, "vault").path, MemoryKeyStore())
        val imported = vault.importEnrollment("erin", fixtures.transfer, listOf(fx.scanner))
        val iris = iris()

        // The face package over HTTP, checked against both kinds' pins.
        val downloads = Downloads()
        val model = fetchFaceModel(cache, fixtures.pins, downloads)
        check(model.version() == 1L && model.imageHeight() == 8 && model.imageWidth() == 8 && model.embeddingDim() == 8) {
            "face model ${model.imageHeight()}x${model.imageWidth()} -> ${model.embeddingDim()}"
        }
        check(model.modelHash() == fixtures.modelHash) { "model hash" }
        check(model.embeddingVkHash() == fixtures.pins.embeddingVkHash && model.matchVkHash() == fixtures.pins.matchVkHash) { "vk hashes" }
        check(model.embeddingVkHash() != model.matchVkHash()) { "two statements, two keys" }
        val verified = downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }.toSet()
        check(verified == setOf("model.tflite", "embedding.zpk", "embedding_vk.json", "match.zpk", "match_vk.json")) { "verified $verified" }

        // Registering needs the iris enrollment first, as the registry does.
        assertThrows<ZkbioException.NotEnrolled> { registerFaceEmbedding(vault, "erin", model, fx.target(fx.subject, 0), null, null) }
        val enrolled = proveEnrollment(vault, "erin", iris, fx.target(fx.subject, 0), null, null)
        confirmIrisCode(vault, "erin", enrolled)
        assertThrows<ZkbioException.NoFaceEmbedding> { proveFaceMatch(vault, "erin", model, fixtures.selfie, request(1), null, null) }
        assertThrows<ZkbioException.WalletNotSubject> {
            registerFaceEmbedding(vault, "erin", model, fx.target(relyingParty, 1), null, null)
        }

        val target = fx.target(fx.subject, 1)
        val progress = Recorder()
        val proof = registerFaceEmbedding(vault, "erin", model, target, progress, null)
        check(proof.version() == 1L && proof.target() == target) { "target ${proof.target()}" }
        val public = proof.publicInputs()
        check(public.cFace == imported.cFace) { "C_face is the scanner-signed one" }
        check(public.binding == bindingFor(target)) { "binding" }
        check(proof.publicInputList() == listOf(public.cFace, public.cEmb, public.binding)) { "public input order" }
        check(proof.tx().to == fx.registry && proof.tx().value == u256(0) && proof.tx().data.size > 4) { "tx" }
        check(progress.events.any { it.first == ProvingPhase.MSM_G2 && it.second == 1.0f }) { "progress ${progress.events}" }
        verifyFaceEmbedding(model.embeddingVerifyingKey(), proof)
        assertThrows<ZkbioException.VerificationFailed> { verifyFaceEmbedding(model.matchVerifyingKey(), proof) }
        check(snarkjsVerifies(fixtures.embeddingVkJson, proofToSnarkjsJson(proof.proof()), publicInputsToSnarkjsJson(proof.publicInputList()))) {
            "snarkjs refused the face-embedding proof"
        }
        // Proving again (e.g. after a crash before confirming) gives the same C_emb.
        val again = registerFaceEmbedding(vault, "erin", model, target, null, null)
        check(again.publicInputs() == public && again.proof() != proof.proof()) { "repeatable C_emb, fresh proof" }

        check(vault.publicRecord("erin").faceModel == null) { "nothing stored before confirming" }
        confirmFaceEmbedding(vault, "erin", proof)
        check(vault.publicRecord("erin").faceModel == ModelCommitment(1L, public.cEmb)) { "face state ${vault.publicRecord("erin").faceModel}" }
        val twice = assertThrows<ZkbioException.NotNewer> { registerFaceEmbedding(vault, "erin", model, target, null, null) }
        check(twice.current == 1L && twice.offered == 1L) { "not newer" }
        Registered(vault, model, public.cEmb).also { registered = it }
    }

    suspend fun registersAndConfirmsTheEmbedding() {
        registered()
    }

    suspend fun provesAMatch() {
        val r = registered()
        val req = request(42)
        val progress = Recorder()
        val m = proveFaceMatch(r.vault, "erin", r.model, fixtures.selfie, req, progress, null)
        check(m.similarity() in DEV_TAU..65536) { "similarity ${m.similarity()}" }
        check(m.request() == req && m.subject() == fx.subject && m.version() == 1L) { "request ${m.request()}" }
        val expected = faceMatchPublicInputs(r.cEmb, req)
        check(m.publicInputs() == expected) { "public inputs ${m.publicInputs()} != $expected" }
        check(m.publicInputList() == listOf(expected.cEmb, expected.tau, expected.binding)) { "order" }
        check(expected.tau == fe(DEV_TAU.toLong())) { "tau is the integer fraction" }
        check(m.tx().to == fx.registry && m.tx().data.size > 4) { "tx" }
        check(progress.events.any { it.first == ProvingPhase.MSM_G2 && it.second == 1.0f }) { "progress" }
        verifyFaceMatch(r.model.matchVerifyingKey(), m)
        // snarkjs accepts it under the package's match_vk.json; another challenge, relying party or
        // tau makes other public inputs, which neither verifier accepts.
        check(snarkjsVerifies(fixtures.matchVkJson, proofToSnarkjsJson(m.proof()), publicInputsToSnarkjsJson(m.publicInputList()))) {
            "snarkjs refused the face-match proof"
        }
        val others = listOf(
            request(43),
            request(42, rp = fx.subject),
            request(42, tau = DEV_TAU - 1),
        ).map { faceMatchPublicInputs(r.cEmb, it) }
        for (o in others) {
            val list = listOf(o.cEmb, o.tau, o.binding)
            check(!snarkjsVerifies(fixtures.matchVkJson, proofToSnarkjsJson(m.proof()), publicInputsToSnarkjsJson(list))) { "snarkjs accepted $o" }
            assertThrows<ZkbioException.VerificationFailed> { verify(r.model.matchVerifyingKey(), m.proof(), list) }
        }
    }

    suspend fun noMatchIsTypedBeforeProving() {
        val r = registered()
        val progress = Recorder()
        val e = assertThrows<ZkbioException.FaceNoMatch> { proveFaceMatch(r.vault, "erin", r.model, fixtures.other, request(44), progress, null) }
        check(e.tau == DEV_TAU && (e.similarity == null || e.similarity!! < DEV_TAU)) { "no match: ${e.similarity} ${e.tau}" }
        check(progress.events.all { it.first == ProvingPhase.WITNESS && it.second == 0.0f }) { "nothing proven: ${progress.events}" }
        // The reported similarity is exact, whatever tau was asked: the largest tau that matches.
        // At tau = similarity the same selfie proves; one above, it is refused with the same value.
        val x = e.similarity
        if (x != null) {
            val at = proveFaceMatch(r.vault, "erin", r.model, fixtures.other, request(45, tau = x), null, null)
            check(at.similarity() == x) { "proved similarity ${at.similarity()} != reported $x" }
            verifyFaceMatch(r.model.matchVerifyingKey(), at)
            val above = assertThrows<ZkbioException.FaceNoMatch> {
                proveFaceMatch(r.vault, "erin", r.model, fixtures.other, request(46, tau = x + 1), null, null)
            }
            check(above.similarity == x && above.tau == x + 1) { "similarity ${above.similarity} at tau ${above.tau}, reported $x" }
        } else {
            // Embeddings pointing apart match at no tau, not even 0.
            val zero = assertThrows<ZkbioException.FaceNoMatch> {
                proveFaceMatch(r.vault, "erin", r.model, fixtures.other, request(46, tau = 0), null, null)
            }
            check(zero.similarity == null && zero.tau == 0) { "tau 0: ${zero.similarity}" }
        }
        for (tau in listOf(-1, 65536)) {
            val bad = assertThrows<ZkbioException.InvalidInput> { proveFaceMatch(r.vault, "erin", r.model, fixtures.selfie, request(47, tau = tau), null, null) }
            check(bad.what == "request.tau") { "tau $tau: ${bad.what}" }
        }
    }

    suspend fun wrongSizeSelfieIsInvalidInput() {
        val r = registered()
        for (n in listOf(0, 63, 65, 64 * 64)) {
            val progress = Recorder()
            val e = assertThrows<ZkbioException.InvalidInput> {
                proveFaceMatch(r.vault, "erin", r.model, ByteArray(n) { 100 }, request(48), progress, null)
            }
            check(e.what == "selfie") { "$n bytes: ${e.what} ${e.why}" }
            check(progress.events.isEmpty()) { "nothing started: ${progress.events}" }
        }
    }

    suspend fun cancellationStopsFaceProofs() = coroutineScope {
        val r = registered()
        // Cancelled at the start of the proof's FFT (the prover waits there until the cancel).
        val token = CancellationToken()
        val watcher = PhaseWatcher(ProvingPhase.FFT, hold = true)
        val proof = async { runCatching { proveFaceMatch(r.vault, "erin", r.model, fixtures.selfie, request(49), watcher, token) } }
        withTimeout(120_000) { watcher.reached.await() }
        token.cancel()
        watcher.release()
        val result = proof.await()
        check(result.exceptionOrNull() is ZkbioException.Cancelled) { "cancelled match: $result" }
        check(watcher.after.none { it == ProvingPhase.MSM_H }) { "ran on: ${watcher.after}" }
        // A token cancelled before the call: nothing runs, for either flow.
        val early = CancellationToken().apply { cancel() }
        assertThrows<ZkbioException.Cancelled> { proveFaceMatch(r.vault, "erin", r.model, fixtures.selfie, request(50), null, early) }
        // The registration, on a record that has none yet: cancelled before, and mid-proof.
        val fresh = ZkbioVault.open(File(root, "vault-cancel").path, MemoryKeyStore())
        fresh.importEnrollment("fay", fixtures.transfer, listOf(fx.scanner))
        val iris = iris()
        confirmIrisCode(fresh, "fay", proveEnrollment(fresh, "fay", iris, fx.target(fx.subject, 0), null, null))
        assertThrows<ZkbioException.Cancelled> { registerFaceEmbedding(fresh, "fay", r.model, fx.target(fx.subject, 1), null, early) }
        val regToken = CancellationToken()
        val regWatcher = PhaseWatcher(ProvingPhase.MSM_G1, hold = true)
        val reg = async { runCatching { registerFaceEmbedding(fresh, "fay", r.model, fx.target(fx.subject, 1), regWatcher, regToken) } }
        withTimeout(120_000) { regWatcher.reached.await() }
        regToken.cancel()
        regWatcher.release()
        check(reg.await().exceptionOrNull() is ZkbioException.Cancelled) { "cancelled registration" }
        check(fresh.publicRecord("fay").faceModel == null) { "nothing stored" }
    }

    /** Both face statements from raw inputs (no vault), as an app holding the crop would prove them. */
    suspend fun provesBothStatementsFromRawInputs() {
        val model = registered().model
        val emb = ProvingMaterials.faceEmbedding(model)
        val mat = ProvingMaterials.faceMatch(model)
        check(emb.statement() == Statement.FaceEmbedding(1L, 8, 8, 8)) { "${emb.statement()}" }
        check(mat.statement() == Statement.FaceMatch(1L, 8, 8, 8)) { "${mat.statement()}" }
        check(emb.verifyingKey().vkHash() == fixtures.pins.embeddingVkHash) { "embedding vk" }
        check(mat.verifyingKey().vkHash() == fixtures.pins.matchVkHash) { "match vk" }

        val binding = bindingFor(fx.target(fx.subject, 7))
        val input = FaceEmbeddingStatementInput(fixtures.selfie, fe(21), fe(22), binding)
        val progress = Recorder()
        val p = emb.proveFaceEmbeddingStatement(input, progress, null)
        check(p.embedding.size == 8 && p.saltEmb == fe(22) && p.publicInputs.binding == binding) { "opening $p" }
        check(progress.events.any { it.first == ProvingPhase.MSM_G2 && it.second == 1.0f }) { "progress ${progress.events}" }
        verifyFaceEmbeddingStatement(emb.verifyingKey(), p)
        val embList = listOf(p.publicInputs.cFace, p.publicInputs.cEmb, p.publicInputs.binding)
        check(snarkjsVerifies(fixtures.embeddingVkJson, proofToSnarkjsJson(p.proof), publicInputsToSnarkjsJson(embList))) {
            "snarkjs refused the raw-input face-embedding proof"
        }
        // Another salt for the crop: another C_face, the same embedding.
        val resalted = emb.proveFaceEmbeddingStatement(input.copy(saltFace = fe(23)), null, null)
        check(resalted.publicInputs.cFace != p.publicInputs.cFace && resalted.embedding.contentEquals(p.embedding)) { "C_face follows its salt" }

        // A relying party's request, proved against that opening: the public inputs are the ones
        // it computes from C_emb.
        val req = request(60)
        val expected = faceMatchPublicInputs(p.publicInputs.cEmb, req)
        val matchInput = FaceMatchStatementInput(fixtures.selfie, p.embedding, p.saltEmb, DEV_TAU, expected.binding)
        val m = mat.proveFaceMatchStatement(matchInput, null, null)
        check(m.similarity in DEV_TAU..65536) { "similarity ${m.similarity}" }
        check(m.publicInputs == expected) { "public inputs ${m.publicInputs} != $expected" }
        verifyFaceMatchStatement(mat.verifyingKey(), m)
        check(snarkjsVerifies(fixtures.matchVkJson, proofToSnarkjsJson(m.proof), publicInputsToSnarkjsJson(listOf(expected.cEmb, expected.tau, expected.binding)))) {
            "snarkjs refused the raw-input face-match proof"
        }
        assertThrows<ZkbioException.VerificationFailed> { verifyFaceMatchStatement(emb.verifyingKey(), m) }

        // Typed refusals before proving: a stranger, a bad tau, the other statement's materials.
        val stranger = assertThrows<ZkbioException.FaceNoMatch> { mat.proveFaceMatchStatement(matchInput.copy(selfie = fixtures.other), null, null) }
        check(stranger.tau == DEV_TAU) { "tau ${stranger.tau}" }
        val tau = assertThrows<ZkbioException.InvalidInput> { mat.proveFaceMatchStatement(matchInput.copy(tau = 65536), null, null) }
        check(tau.what == "tau") { tau.what }
        val wrong = assertThrows<ZkbioException.InvalidInput> { mat.proveFaceEmbeddingStatement(input, null, null) }
        check(wrong.what == "materials") { wrong.what }
    }

    suspend fun pinMismatchIsRefused() {
        val fresh = ModelCache.open(File(root, "cache-pins").path, 1L shl 30)
        // The match kind pinned to the embedding's key: the package is refused.
        val swapped = fixtures.pins.copy(matchVkHash = fixtures.pins.embeddingVkHash)
        assertThrows<ZkbioException.PackageRejected> { fetchFaceModel(fresh, swapped) }
        val otherModel = fixtures.pins.copy(matchModelHash = Bytes32.fromHex("0x" + "11".repeat(32)))
        assertThrows<ZkbioException.ModelHashMismatch> { fetchFaceModel(fresh, otherModel) }
        // A pin for another model hash is refused from the manifest, before any download.
        val counting = CountingFetcher()
        val wrong = fixtures.pins.copy(embeddingModelHash = Bytes32.fromHex("0x" + "22".repeat(32)))
        assertThrows<ZkbioException.ModelHashMismatch> {
            ModelCache.open(File(root, "cache-wrong").path, 1L shl 30)
                .fetchFaceModel(manifest(), server.baseUrl(1L), wrong, listOf(fx.publisher), counting, null, null)
        }
        check(counting.requests.get() == 0) { "downloaded ${counting.requests.get()} ranges" }
        // An iris manifest is not a face package.
        val irisManifest = String(fetcher.fetchRange("${flows.irisBaseUrl(1L)}/manifest.json", 0L, null), Charsets.UTF_8)
        assertThrows<ZkbioException.PackageRejected> {
            fresh.fetchFaceModel(irisManifest, flows.irisBaseUrl(1L), fixtures.pins.copy(embeddingModelHash = fx.packages.getValue(1L).second), listOf(fx.publisher), fetcher, null, null)
        }
    }
}
