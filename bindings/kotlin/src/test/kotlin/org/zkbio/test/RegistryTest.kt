// JVM tests of RegistryReader against a real node: anvil (pinned, tools/js) with the registry
// deployed from the CLI (INSECURE dev iris versions 1 and 2 of the flow fixtures), read through a
// Kotlin JSON-RPC transport on HttpURLConnection. The subject's wallet is anvil's unlocked dev
// account 1, so the test sends the registry calls as an app's wallet would (eth_sendTransaction).
// run-tests.sh starts anvil and passes the chain's description with -Dzkbio.chain=FILE.
package org.zkbio.test

import java.io.File
import java.io.IOException
import java.net.HttpURLConnection
import java.net.URI
import java.nio.file.Files
import java.util.Properties
import java.util.concurrent.atomic.AtomicInteger
import org.zkbio.Address
import org.zkbio.JsonRpcTransport
import org.zkbio.ModelCache
import org.zkbio.ModelKind
import org.zkbio.ModelStatus
import org.zkbio.ProofTarget
import org.zkbio.RegistryReader
import org.zkbio.RpcTransportException
import org.zkbio.TxRequest
import org.zkbio.Uint256
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.FaceMatchRequest
import org.zkbio.confirmFaceEmbedding
import org.zkbio.faceMatchPublicInputs
import org.zkbio.proveFaceMatch
import org.zkbio.registerFaceEmbedding
import org.zkbio.confirmIrisCode
import org.zkbio.proveEnrollment
import org.zkbio.proveReenrollment
import org.zkbio.txToEip1193Json
import org.zkbio.verifyIrisCode

/** JSON-RPC over HTTP with `HttpURLConnection`: what an app without a wallet SDK would ship. */
class HttpJsonRpc(private val url: String) : JsonRpcTransport {
    val requests = AtomicInteger()

    override fun send(body: String): String {
        requests.incrementAndGet()
        val conn = try {
            URI(url).toURL().openConnection() as HttpURLConnection
        } catch (e: Exception) {
            throw RpcTransportException.Failed("$url: $e")
        }
        try {
            conn.requestMethod = "POST"
            conn.doOutput = true
            conn.connectTimeout = 10_000
            conn.readTimeout = 30_000
            conn.setRequestProperty("Content-Type", "application/json")
            conn.outputStream.use { it.write(body.toByteArray(Charsets.UTF_8)) }
            // Providers answer some JSON-RPC errors with HTTP 4xx/5xx: the body still tells.
            val stream = if (conn.responseCode >= 400) conn.errorStream else conn.inputStream
            return stream?.use { String(it.readBytes(), Charsets.UTF_8) }
                ?: throw RpcTransportException.Failed("HTTP ${conn.responseCode} without a body")
        } catch (e: IOException) {
            throw RpcTransportException.Network(e.toString())
        } finally {
            conn.disconnect()
        }
    }

    /** The app's own call (its wallet's job): `result` of `method`, as raw JSON text. */
    fun call(method: String, paramsJson: String): String {
        val reply = send("""{"jsonrpc":"2.0","id":1,"method":"$method","params":$paramsJson}""")
        check(!reply.contains("\"error\"")) { "$method: $reply" }
        return reply.substringAfter("\"result\":").substringBeforeLast("}")
    }

    /** Sends `tx` from `from` (an unlocked anvil account) and checks it succeeded. */
    fun sendAndConfirm(from: Address, tx: TxRequest) {
        val json = txToEip1193Json(tx).replaceFirst("{", "{\"from\":\"${from.toHex()}\",")
        val hash = call("eth_sendTransaction", "[$json]").trim('"')
        var receipt = "null"
        for (i in 0 until 100) {
            receipt = call("eth_getTransactionReceipt", "[\"$hash\"]")
            if (receipt != "null") break
            Thread.sleep(100)
        }
        check(receipt.contains("\"status\":\"0x1\"")) { "transaction failed: $receipt" }
    }

    /** Sends `tx` from `from` and checks the registry refused it (a revert, at estimation or mined). */
    fun sendAndExpectRevert(from: Address, tx: TxRequest) {
        val json = txToEip1193Json(tx).replaceFirst("{", "{\"from\":\"${from.toHex()}\",")
        val reply = send("""{"jsonrpc":"2.0","id":1,"method":"eth_sendTransaction","params":[$json]}""")
        if (reply.contains("\"error\"")) {
            check(reply.contains("revert")) { "refused, but not by a revert: $reply" }
            return
        }
        val hash = reply.substringAfter("\"result\":").substringBeforeLast("}").trim('"')
        var receipt = "null"
        for (i in 0 until 100) {
            receipt = call("eth_getTransactionReceipt", "[\"$hash\"]")
            if (receipt != "null") break
            Thread.sleep(100)
        }
        check(receipt.contains("\"status\":\"0x0\"")) { "transaction was accepted: $receipt" }
    }
}

class ChainFixtures(file: File) {
    private val p = Properties().apply { file.inputStream().use { load(it) } }
    fun get(key: String): String = p.getProperty(key) ?: error("chain fixtures: no $key in $p")
    val rpc = get("rpc")
    val registry: Address = Address.fromHex(get("registry"))
    val subject: Address = Address.fromHex(get("subject"))
    val transfer: ByteArray = File(get("transfer")).readBytes()

    companion object {
        fun fromSystemProperty(): ChainFixtures {
            val path = System.getProperty("zkbio.chain") ?: error("set -Dzkbio.chain=FILE (run-tests.sh does)")
            return ChainFixtures(File(path))
        }
    }
}

class RegistryTests(private val fx: FlowFixtures, private val chain: ChainFixtures, private val flows: FlowTests) {
    private val root: File = Files.createTempDirectory("zkbio-registry").toFile().apply { deleteOnExit() }

    /** The vault whose record "carol" the iris test enrolled on chain (the face test goes on from it). */
    private var carol: ZkbioVault? = null

    suspend fun readsTheRegistryAndPreparesReenrollment() {
        val rpc = HttpJsonRpc(chain.rpc)
        val reader = RegistryReader(rpc, chain.registry)
        check(reader.registry() == chain.registry) { "registry" }
        check(reader.chainId() == 31337L) { "chain id" }

        // The pins: the packages' model hashes, and the keys' vkHash (checked against the models below).
        check(reader.latestVersion(ModelKind.IRIS) == 2L) { "latest version" }
        val m1 = reader.modelVersion(ModelKind.IRIS, 1)
        val m2 = reader.modelVersion(ModelKind.IRIS, 2)
        check(m1.status == ModelStatus.ACTIVE && m2.status == ModelStatus.ACTIVE) { "status ${m1.status} ${m2.status}" }
        check(m1.pin.version == 1L && m1.pin.modelHash == fx.packages.getValue(1L).second) { "v1 pin ${m1.pin}" }
        check(m2.pin.modelHash == fx.packages.getValue(2L).second && m1.verifier != m2.verifier) { "v2 pin" }
        check(reader.modelVersion(ModelKind.IRIS, 3).status == ModelStatus.NONE) { "v3 never added" }
        check(reader.isScanner(fx.scanner) && !reader.isScanner(fx.subject)) { "scanners" }
        check(!reader.challengeUsed(fx.subject, Uint256.fromLong(1))) { "challenge" }
        check(reader.nonce(chain.subject) == Uint256.fromLong(0)) { "nonce 0" }
        val before = reader.record(chain.subject)
        check(!before.enrolled && before.irisVersion == 0L && before.cImg.isZero()) { "not enrolled $before" }

        // Enroll with the registry's pin (vkHash included), through the app's wallet.
        val vault = ZkbioVault.open(File(root, "vault").path, MemoryKeyStore())
        val imported = vault.importEnrollment("carol", chain.transfer, listOf(fx.scanner))
        check(imported.registry == chain.registry && imported.subject == chain.subject) { "transfer target" }
        val cache = ModelCache.open(File(root, "cache").path, 1L shl 30)
        val v1 = flows.fetchWithPin(cache, m1.pin)
        check(v1.vkHash() == m1.pin.vkHash) { "v1 vk hash" }
        val target = ProofTarget(reader.chainId(), chain.registry, chain.subject, reader.nonce(chain.subject))
        val enrolled = proveEnrollment(vault, "carol", v1, target, null, null)
        verifyIrisCode(v1.verifyingKey(), enrolled)
        rpc.sendAndConfirm(chain.subject, enrolled.tx())
        confirmIrisCode(vault, "carol", enrolled)
        val after = reader.record(chain.subject)
        check(after.enrolled && after.irisVersion == 1L && after.cImg == imported.cImg) { "enrolled $after" }
        check(after.cCode == enrolled.publicInputs().cCode && after.scanner == fx.scanner) { "C_code on chain" }
        check(reader.nonce(chain.subject) == Uint256.fromLong(1)) { "nonce 1" }

        // Re-enrollment: one call reads the target and the newer version's pin.
        val plan = reader.prepareReenrollment(vault, "carol")
        check(plan.target == ProofTarget(31337L, chain.registry, chain.subject, Uint256.fromLong(1))) { "plan ${plan.target}" }
        check(plan.currentVersion == 1L && plan.pin == m2.pin) { "plan pin ${plan.pin}" }
        val v2 = flows.fetchWithPin(cache, plan.pin)
        val re = proveReenrollment(vault, "carol", v2, plan.target, null, null)
        rpc.sendAndConfirm(chain.subject, re.tx())
        confirmIrisCode(vault, "carol", re)
        carol = vault
        val last = reader.record(chain.subject)
        check(last.irisVersion == 2L && last.cCode == re.publicInputs().cCode && last.cImg == imported.cImg) { "re-enrolled $last" }
        val none = assertThrows<ZkbioException.NotNewer> { reader.prepareReenrollment(vault, "carol") }
        check(none.current == 2L && none.offered == 2L) { "not newer ${none.current} ${none.offered}" }

        // The wrong key for a version is refused by its vkHash; a dead node is a retryable error.
        val wrongKey = m1.pin.copy(vkHash = m2.pin.vkHash)
        assertThrows<ZkbioException.PackageRejected> { flows.fetchWithPin(cache, wrongKey) }
        val dead = RegistryReader(HttpJsonRpc("http://127.0.0.1:1"), chain.registry)
        val e = assertThrows<ZkbioException.Registry> { dead.nonce(chain.subject) }
        check(e.retryable) { "dead node: ${e.why}" }
        val stranger = RegistryReader(rpc, fx.subject)
        val r = assertThrows<ZkbioException.Registry> { stranger.latestVersion(ModelKind.IRIS) }
        check(!r.retryable) { "no contract: ${r.why}" }
    }

    /**
     * The face flows against the registry's real face verifiers (version 1 of both face kinds,
     * added by run-tests.sh): the face pins through RegistryReader, registerFaceEmbedding sent by
     * the subject, then verifyFaceMatch sent by the relying party (anvil's dev account 2), which
     * the registry accepts once per challenge and only from the relying party the proof names.
     */
    suspend fun registersAndMatchesTheFaceOnChain(face: FaceTests) {
        val vault = carol ?: error("needs the iris registry test's enrolled record (it runs first)")
        val rpc = HttpJsonRpc(chain.rpc)
        val reader = RegistryReader(rpc, chain.registry)
        val embedding = reader.modelVersion(ModelKind.FACE_EMBEDDING, 1)
        val matching = reader.modelVersion(ModelKind.FACE, 1)
        check(embedding.status == ModelStatus.ACTIVE && matching.status == ModelStatus.ACTIVE) { "face kinds active" }
        check(embedding.verifier != matching.verifier) { "one verifier per statement" }
        val pins = reader.facePins(1)
        check(pins == face.fixtures.pins) { "registry pins $pins != package ${face.fixtures.pins}" }
        check(pins.embeddingVkHash == embedding.pin.vkHash && pins.matchVkHash == matching.pin.vkHash) { "pins are the kinds' pins" }
        assertThrows<ZkbioException.PackageRejected> { reader.facePins(2) }
        val model = face.fetchFaceModel(ModelCache.open(File(root, "face-cache").path, 1L shl 30), pins)

        val target = ProofTarget(reader.chainId(), chain.registry, chain.subject, reader.nonce(chain.subject))
        val registered = registerFaceEmbedding(vault, "carol", model, target, null, null)
        rpc.sendAndConfirm(chain.subject, registered.tx())
        confirmFaceEmbedding(vault, "carol", registered)
        val record = reader.record(chain.subject)
        check(record.faceVersion == 1L && record.cEmb == registered.publicInputs().cEmb) { "face on chain $record" }
        check(record.cFace == registered.publicInputs().cFace) { "C_face" }
        check(vault.publicRecord("carol").faceModel?.commitment == record.cEmb) { "the vault has the registered C_emb" }

        val relyingParty = Address.fromHex("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC")
        val request = FaceMatchRequest(31337L, chain.registry, relyingParty, Uint256.fromLong(77), DEV_TAU)
        check(!reader.challengeUsed(relyingParty, request.challenge)) { "fresh challenge" }
        val m = proveFaceMatch(vault, "carol", model, face.fixtures.selfie, request, null, null)
        check(m.publicInputs() == faceMatchPublicInputs(record.cEmb, request)) { "public inputs from the chain's C_emb" }
        // Sent by another wallet than the relying party it is bound to: refused.
        rpc.sendAndExpectRevert(chain.subject, m.tx())
        rpc.sendAndConfirm(relyingParty, m.tx())
        check(reader.challengeUsed(relyingParty, request.challenge)) { "challenge consumed" }
        rpc.sendAndExpectRevert(relyingParty, m.tx())
    }
}
