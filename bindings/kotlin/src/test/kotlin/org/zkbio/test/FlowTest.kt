// JVM tests of the enrollment flows through the generated Kotlin bindings: the app's side of
// import, package download over HTTP, regeneration, proof, confirmation. run-tests.sh makes the
// fixtures with the zkbio CLI (INSECURE dev packages, a scanner's transfer) and passes their
// description with -Dzkbio.flows=FILE (a properties file).
package org.zkbio.test

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import java.nio.file.Files
import java.security.SecureRandom
import java.util.Properties
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import org.zkbio.Address
import org.zkbio.Bytes32
import org.zkbio.DownloadEvent
import org.zkbio.DownloadListener
import org.zkbio.DownloadOptions
import org.zkbio.Fetcher
import org.zkbio.IrisCodeInput
import org.zkbio.IrisModel
import org.zkbio.IrisPurpose
import org.zkbio.KeyStoreException
import org.zkbio.ModelCache
import org.zkbio.ModelPin
import org.zkbio.ProofTarget
import org.zkbio.ProvingMaterials
import org.zkbio.Statement
import org.zkbio.Uint256
import org.zkbio.VaultKeyStore
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.bindingFor
import org.zkbio.confirmIrisCode
import org.zkbio.proofToSnarkjsJson
import org.zkbio.publicInputsToSnarkjsJson
import org.zkbio.verifyIrisCodeStatement
import org.zkbio.proveEnrollment
import org.zkbio.proveReenrollment
import org.zkbio.regenerateIrisCode
import org.zkbio.txToEip1193Json
import org.zkbio.verifyIrisCode
import org.zkbio.platform.HttpRangeFetcher

fun hex(s: String): ByteArray {
    val d = s.removePrefix("0x")
    require(d.length % 2 == 0) { "odd hex: $s" }
    return ByteArray(d.length / 2) { d.substring(2 * it, 2 * it + 2).toInt(16).toByte() }
}

fun ByteArray.toHex(): String = "0x" + joinToString("") { "%02x".format(it) }

fun u256(v: Long): Uint256 = Uint256.fromLong(v)

/** What run-tests.sh made: two package directories, a transfer and the addresses involved. */
class FlowFixtures(file: File) {
    private val p = Properties().apply { file.inputStream().use { load(it) } }
    fun get(key: String): String = p.getProperty(key) ?: error("fixtures: no $key in $p")
    val transfer: ByteArray = File(get("transfer")).readBytes()
    val scanner = Address.fromHex(get("scanner"))
    val subject = Address.fromHex(get("subject"))
    val chainId = get("chainId").toLong()
    val registry = Address.fromHex(get("registry"))
    val publisher = Address.fromHex(get("publisher"))
    val packages = mapOf(
        1L to (File(get("v1.dir")) to Bytes32.fromHex(get("v1.modelHash"))),
        2L to (File(get("v2.dir")) to Bytes32.fromHex(get("v2.modelHash"))),
    )

    /** What a proof for `wallet` at registry nonce `nonce` is bound to. */
    fun target(wallet: Address, nonce: Long) = ProofTarget(chainId, registry, wallet, u256(nonce))

    companion object {
        fun fromSystemProperty(): FlowFixtures {
            val path = System.getProperty("zkbio.flows") ?: System.getenv("ZKBIO_FLOW_FIXTURES")
                ?: error("set -Dzkbio.flows=FILE (run-tests.sh does)")
            return FlowFixtures(File(path))
        }
    }
}

/**
 * `snarkjs groth16 verify` (the pinned npm snarkjs; run-tests.sh passes its CLI as
 * -Dzkbio.snarkjs=PATH): true if snarkjs prints OK.
 */
fun snarkjsVerifies(vkJson: File, proofJson: String, publicJson: String): Boolean {
    val cli = System.getProperty("zkbio.snarkjs") ?: error("set -Dzkbio.snarkjs=.../snarkjs/build/cli.cjs (run-tests.sh does)")
    val dir = Files.createTempDirectory("zkbio-snarkjs").toFile()
    try {
        val proof = File(dir, "proof.json").apply { writeText(proofJson) }
        val public = File(dir, "public.json").apply { writeText(publicJson) }
        val p = ProcessBuilder("node", cli, "groth16", "verify", vkJson.path, public.path, proof.path)
            .redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        val ok = p.waitFor() == 0
        check(ok == out.contains("OK!")) { "unexpected snarkjs output: $out" }
        return ok
    } finally {
        dir.deleteRecursively()
    }
}

/** The host key store, in memory (an app keeps the key in the Keystore / Keychain). */
class MemoryKeyStore(private val locked: Boolean = false) : VaultKeyStore {
    val keys = ConcurrentHashMap<Long, ByteArray>()

    override fun getKey(keyId: Long): ByteArray? {
        if (locked) throw KeyStoreException.Unavailable("device locked")
        return keys[keyId]?.copyOf()
    }

    override fun createKey(keyId: Long): ByteArray {
        if (locked) throw KeyStoreException.Unavailable("device locked")
        return keys.computeIfAbsent(keyId) { ByteArray(32).also { SecureRandom().nextBytes(it) } }.copyOf()
    }

    override fun deleteKey(keyId: Long) {
        keys.remove(keyId)
    }
}

/** The shipped fetcher (android/: org.zkbio.platform.HttpRangeFetcher), counting its calls. */
class CountingFetcher(private val inner: Fetcher = HttpRangeFetcher()) : Fetcher {
    val requests = AtomicInteger()

    override fun fetchRange(url: String, start: Long, end: Long?): ByteArray {
        requests.incrementAndGet()
        return inner.fetchRange(url, start, end)
    }
}

/** Serves each package directory at `/v<N>/<file>`, honouring `Range: bytes=a-b`. */
class PackageServer(packages: Map<Long, File>) : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    /** Paths requested, in order. */
    val served = ConcurrentLinkedQueue<String>()
    val port: Int get() = server.address.port

    init {
        server.createContext("/") { ex ->
            try {
                val path = ex.requestURI.path
                served.add(path)
                val parts = path.trim('/').split('/')
                val dir = parts.getOrNull(0)?.removePrefix("v")?.toLongOrNull()?.let { packages[it] }
                val file = dir?.let { d -> parts.getOrNull(1)?.let { File(d, it) } }
                if (parts.size != 2 || file == null || !file.isFile) {
                    ex.sendResponseHeaders(404, -1)
                    return@createContext
                }
                val bytes = file.readBytes()
                val range = ex.requestHeaders.getFirst("Range")?.removePrefix("bytes=")?.split('-')
                if (range == null) {
                    ex.sendResponseHeaders(200, bytes.size.toLong())
                    ex.responseBody.use { it.write(bytes) }
                } else {
                    val from = range[0].toInt()
                    val to = range.getOrNull(1)?.takeIf { it.isNotEmpty() }?.toInt()?.coerceAtMost(bytes.size - 1)
                        ?: (bytes.size - 1)
                    val part = bytes.copyOfRange(from, to + 1)
                    ex.responseHeaders.add("Content-Range", "bytes $from-$to/${bytes.size}")
                    ex.sendResponseHeaders(206, part.size.toLong())
                    ex.responseBody.use { it.write(part) }
                }
            } finally {
                ex.close()
            }
        }
        server.start()
    }

    fun baseUrl(version: Long) = "http://127.0.0.1:$port/v$version"

    override fun close() = server.stop(0)
}

class Downloads : DownloadListener {
    val events = ConcurrentLinkedQueue<DownloadEvent>()
    override fun onEvent(event: DownloadEvent) {
        events.add(event)
    }
}

class FlowTests(private val fx: FlowFixtures) {
    private val root: File = Files.createTempDirectory("zkbio-flows").toFile().apply { deleteOnExit() }
    private val server by lazy { PackageServer(fx.packages.mapValues { it.value.first }) }
    private val cache by lazy {
        ModelCache.open(File(root, "cache").path, 1L shl 30).apply {
            // Small chunks, three in flight: the fixtures are small, so this is what makes
            // several ranges per file and several at once.
            setDownloadOptions(DownloadOptions(chunkSize = 4096, parallelRanges = 3, imageRows = 12, imageCols = 24))
        }
    }
    private val fetcher = CountingFetcher()
    private val models = ConcurrentHashMap<Long, IrisModel>()

    fun close() = server.close()

    /** Where the test server serves iris package `version` (for the face tests' wrong-kind check). */
    fun irisBaseUrl(version: Long) = server.baseUrl(version)

    private fun newVault(name: String, keys: VaultKeyStore = MemoryKeyStore()) =
        ZkbioVault.open(File(root, name).path, keys)

    /** The manifest, fetched over HTTP like the rest of the package. */
    private fun manifest(version: Long): String =
        String(fetcher.fetchRange("${server.baseUrl(version)}/manifest.json", 0L, null), Charsets.UTF_8)

    private fun pin(version: Long, vkHash: Bytes32? = null) = ModelPin(version, fx.packages.getValue(version).second, vkHash)

    private suspend fun model(version: Long, listener: DownloadListener? = null): IrisModel =
        models[version] ?: cache.fetchIrisModel(
            manifest(version), server.baseUrl(version), pin(version), listOf(fx.publisher), fetcher, listener, null,
        ).also { models[version] = it }

    suspend fun importsFetchesProvesAndConfirms() {
        val vault = newVault("vault")
        val imported = vault.importEnrollment("alice", fx.transfer, listOf(fx.scanner))
        check(imported.subject == fx.subject) { "subject ${imported.subject}" }
        check(imported.scanner == fx.scanner) { "scanner ${imported.scanner}" }
        check(imported.chainId == fx.chainId && imported.registry == fx.registry) { "target" }
        check(vault.records() == listOf("alice")) { "records ${vault.records()}" }
        check(vault.publicRecord("alice").irisModel == null) { "no iris code yet" }

        // Download and verify v1 over HTTP (ranged GETs), with events.
        val downloads = Downloads()
        val before = server.served.size
        val v1 = model(1L, downloads)
        check(v1.version() == 1L && v1.imageRows() == 12 && v1.imageCols() == 24) { "model ${v1.name()}" }
        check(v1.modelHash() == pin(1L).modelHash) { "model hash" }
        check(v1.vkHash() == v1.verifyingKey().vkHash()) { "vk hash ${v1.vkHash()}" }
        val verified = downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }.toSet()
        check(verified == setOf("model.bin", "circuit.zpk", "verification_key.json")) { "verified $verified" }
        check(server.served.size - before >= 3) { "served ${server.served}" }

        val code = regenerateIrisCode(vault, "alice", v1)
        check(code.code.size == code.mask.size && code.code.size == (code.bitCount + 7) / 8 && code.bitCount > 0) {
            "code size ${code.bitCount}"
        }

        val progress = Recorder()
        val target = fx.target(fx.subject, 0)
        val proof = proveEnrollment(vault, "alice", v1, target, progress, null)
        check(proof.purpose() == IrisPurpose.ENROLL && proof.version() == 1L) { "purpose ${proof.purpose()}" }
        check(proof.target() == target) { "target ${proof.target()}" }
        val tx = proof.tx()
        check(tx.to == fx.registry) { "tx.to ${tx.to}" }
        check(tx.value == u256(0)) { "tx.value" }
        check(tx.data.size > 4) { "calldata" }
        val json = txToEip1193Json(tx)
        check(json.contains("\"to\":\"0x") && json.lowercase().contains(fx.registry.toHex())) { json }
        val public = proof.publicInputs()
        check(public.cImg == imported.cImg) { "C_img is the imported one" }
        check(public.binding == bindingFor(target)) { "binding" }
        check(proof.publicInputList() == listOf(public.cImg, public.cCode, public.binding)) { "public input order" }
        verifyIrisCode(v1.verifyingKey(), proof)
        val opening = proof.opening()
        check(opening.bits.code.contentEquals(code.code) && opening.bits.mask.contentEquals(code.mask)) { "opening is the code" }
        check(opening.saltCode.toBytes().size == 32) { "salt size" }
        check(progress.events.any { it.first == org.zkbio.ProvingPhase.MSM_G2 && it.second == 1.0f }) {
            "progress ${progress.events}"
        }

        confirmIrisCode(vault, "alice", proof)
        val record = vault.publicRecord("alice")
        check(record.irisModel?.version == 1L && record.irisModel?.commitment == public.cCode) {
            "confirmed state ${record.irisModel}"
        }
        assertThrows<ZkbioException.AlreadyEnrolled> {
            proveEnrollment(vault, "alice", v1, fx.target(fx.subject, 1), null, null)
        }

        // Re-enrollment to v2: its package offers the compressed key, which comes over the wire
        // instead of circuit.zpk and is expanded here. Same C_img, new C_code.
        val v2Downloads = Downloads()
        val servedBefore = server.served.toList().size
        val v2 = model(2L, v2Downloads)
        val v2Paths = server.served.toList().drop(servedBefore)
        check("/v2/circuit.zpkz" in v2Paths && "/v2/circuit.zpk" !in v2Paths) { "v2 served $v2Paths" }
        val expanding = v2Downloads.events.filterIsInstance<DownloadEvent.Expanding>()
        check(expanding.isNotEmpty() && expanding.last().done == expanding.last().total) { "expanding $expanding" }
        val v2Verified = v2Downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }
        check(v2Verified == listOf("model.bin", "verification_key.json", "circuit.zpk")) { "key last: $v2Verified" }
        val re = proveReenrollment(vault, "alice", v2, fx.target(fx.subject, 1), null, null)
        check(re.purpose() == IrisPurpose.REENROLL && re.version() == 2L) { "reenroll" }
        check(re.publicInputs().cImg == public.cImg) { "same C_img" }
        check(re.publicInputs().cCode != public.cCode) { "new C_code" }
        verifyIrisCode(v2.verifyingKey(), re)
        assertThrows<ZkbioException.VerificationFailed> { verifyIrisCode(v1.verifyingKey(), re) }
        confirmIrisCode(vault, "alice", re)
        check(vault.publicRecord("alice").irisModel?.version == 2L) { "v2 confirmed" }
        val stale = assertThrows<ZkbioException.NotNewer> { confirmIrisCode(vault, "alice", proof) }
        check(stale.current == 2L && stale.offered == 1L) { "not newer ${stale.current} ${stale.offered}" }

        // A second fetch of v1 comes from the cache: no download.
        val again = Downloads()
        cache.fetchIrisModel(manifest(1L), server.baseUrl(1L), pin(1L), listOf(fx.publisher), fetcher, again, null)
        check(again.events.all { it is DownloadEvent.CacheHit || it is DownloadEvent.Verified }) { "cache ${again.events}" }
    }

    /** Fetches the package of `pin`'s version from the test server with `pin` (e.g. the registry's). */
    suspend fun fetchWithPin(cache: ModelCache, pin: ModelPin): IrisModel =
        cache.fetchIrisModel(manifest(pin.version), server.baseUrl(pin.version), pin, listOf(fx.publisher), fetcher, null, null)

    suspend fun provesIrisCodeFromRawInputs() {
        val dir = fx.packages.getValue(1L).first
        val materials = ProvingMaterials.irisCode(File(dir, "model.bin").path, File(dir, "circuit.zpk").path, 1L)
        val st = materials.statement()
        check(st is Statement.IrisCode && st.modelVersion == 1L && st.rows == 12 && st.cols == 24) { "statement $st" }
        val n = 12 * 24
        val target = fx.target(fx.subject, 7)
        val input = IrisCodeInput(
            image = ByteArray(n) { ((it * 53 + 11) % 256).toByte() },
            mask = packBits(List(n) { it % 7 != 0 }),
            saltImg = fe(1234),
            saltCode = fe(5678),
            binding = bindingFor(target),
        )
        val progress = Recorder()
        val out = materials.proveIrisCode(input, progress, null)
        verifyIrisCodeStatement(materials.verifyingKey(), out)
        check(out.publicInputs.binding == bindingFor(target) && out.opening.saltCode == fe(5678)) { "echoed inputs" }
        check(out.opening.bits.code.size == (out.opening.bits.bitCount + 7) / 8) { "packed code" }
        check(progress.events.any { it.first == org.zkbio.ProvingPhase.MSM_G2 && it.second == 1.0f }) { "progress" }
        // The package the cache fetched carries the same key: its vkHash, its verifier, its materials.
        val v1 = model(1L)
        check(materials.verifyingKey().vkHash() == v1.vkHash()) { "vk hash" }
        verifyIrisCodeStatement(v1.verifyingKey(), out)
        val again = ProvingMaterials.fromIrisModel(v1).proveIrisCode(input, null, null)
        check(again.publicInputs == out.publicInputs && again.opening == out.opening) { "deterministic public inputs" }
        check(again.proof != out.proof) { "randomized proofs" }
        // snarkjs (an independent verifier) accepts it under the package's verification_key.json,
        // and refuses it with the binding changed.
        val list = listOf(out.publicInputs.cImg, out.publicInputs.cCode, out.publicInputs.binding)
        val vkJson = File(dir, "verification_key.json")
        check(snarkjsVerifies(vkJson, proofToSnarkjsJson(out.proof), publicInputsToSnarkjsJson(list))) { "snarkjs refused" }
        val tampered = listOf(out.publicInputs.cImg, out.publicInputs.cCode, bindingFor(fx.target(fx.subject, 8)))
        check(!snarkjsVerifies(vkJson, proofToSnarkjsJson(out.proof), publicInputsToSnarkjsJson(tampered))) {
            "snarkjs accepted another binding"
        }
        assertThrows<ZkbioException.VerificationFailed> { verifyIrisCodeStatement(v1.verifyingKey(), out.copy(publicInputs = out.publicInputs.copy(binding = fe(1)))) }
        val bad = assertThrows<ZkbioException.InvalidInput> { materials.proveIrisCode(input.copy(mask = input.mask.copyOf(3)), null, null) }
        check(bad.what == "mask") { "mask error ${bad.what}" }
    }

    /**
     * One bit order everywhere: the FFI's regenerated code of the scanner's transfer is byte for
     * byte what the CLI prints for the same transfer (`zkbio vault import` + `vault regenerate`,
     * np.packbits order, docs/PROTOCOL.md), and the CLI's 0x-hex C_img is the FFI's `toHex()`.
     */
    suspend fun bitsAndNumbersMatchTheCli() {
        val cli = System.getProperty("zkbio.cli") ?: error("set -Dzkbio.cli=PATH (run-tests.sh does)")
        fun zkbio(vararg args: String): String {
            val p = ProcessBuilder(cli, *args).redirectErrorStream(true).start()
            val out = p.inputStream.bufferedReader().readText()
            check(p.waitFor() == 0) { "zkbio ${args.toList()}: $out" }
            return out
        }
        fun line(out: String, key: String) = out.lines().first { it.startsWith("$key ") }.removePrefix("$key ")
        val cliVault = File(root, "cli-vault").path
        val transfer = File(root, "transfer.bin").apply { writeBytes(fx.transfer) }
        zkbio("vault", "import", "--vault", cliVault, "--record", "me", "--transfer", transfer.path, "--scanner", fx.scanner.toHex())
        val (dir, hash) = fx.packages.getValue(1L)
        val regen = zkbio(
            "vault", "regenerate", "--vault", cliVault, "--record", "me", "--package", dir.path,
            "--publisher", fx.publisher.toHex(), "--version", "1", "--model-hash", hash.toHex(),
        )
        val vault = newVault("vault-cli")
        val imported = vault.importEnrollment("me", fx.transfer, listOf(fx.scanner))
        val code = regenerateIrisCode(vault, "me", model(1L))
        fun ByteArray.plainHex() = joinToString("") { "%02x".format(it) }
        check(code.code.plainHex() == line(regen, "code")) { "code: FFI ${code.code.plainHex()} CLI ${line(regen, "code")}" }
        check(code.mask.plainHex() == line(regen, "mask")) { "mask differs" }
        val status = zkbio("vault", "status", "--vault", cliVault, "--record", "me")
        check(line(status, "c_img") == imported.cImg.toHex()) { "C_img: CLI ${line(status, "c_img")} FFI ${imported.cImg}" }
    }

    suspend fun pinMismatchIsRefusedBeforeDownload() {
        val counting = CountingFetcher()
        val wrong = ModelPin(1L, fx.packages.getValue(2L).second, null)
        val e = assertThrows<ZkbioException.ModelHashMismatch> {
            ModelCache.open(File(root, "cache-pin").path, 1L shl 30).fetchIrisModel(
                manifest(1L), server.baseUrl(1L), wrong, listOf(fx.publisher), counting, null, null,
            )
        }
        check(e.expected.contentEquals(wrong.modelHash.toBytes()) && e.found.contentEquals(pin(1L).modelHash.toBytes())) { "hashes" }
        check(counting.requests.get() == 0) { "${counting.requests.get()} requests before refusing" }
        val p = assertThrows<ZkbioException.UntrustedPublisher> {
            cache.fetchIrisModel(manifest(1L), server.baseUrl(1L), pin(1L), listOf(fx.scanner), counting, null, null)
        }
        check(p.publisher.contentEquals(fx.publisher.toBytes())) { "publisher ${p.publisher.toHex()}" }
        // The registry's vkHash pins the key: v1 with v2's vkHash is refused (after the download,
        // which the vkHash cannot check), v1 with its own is accepted.
        val v1 = model(1L)
        val v2 = model(2L)
        val k = assertThrows<ZkbioException.PackageRejected> {
            cache.fetchIrisModel(manifest(1L), server.baseUrl(1L), pin(1L, v2.vkHash()), listOf(fx.publisher), fetcher, null, null)
        }
        check(k.why.contains("verification key hash")) { "vk hash mismatch: ${k.why}" }
        val pinned = cache.fetchIrisModel(manifest(1L), server.baseUrl(1L), pin(1L, v1.vkHash()), listOf(fx.publisher), fetcher, null, null)
        check(pinned.vkHash() == v1.vkHash()) { "pinned vk hash" }
        // An app that makes 64x512 images: refused from the model and the key's header, before
        // the key downloads.
        val shaped = ModelCache.open(File(root, "cache-shape").path, 1L shl 30)
        shaped.setDownloadOptions(DownloadOptions(1 shl 20, 1, 64, 512))
        val before = server.served.toList().size
        val s = assertThrows<ZkbioException.PackageRejected> {
            shaped.fetchIrisModel(manifest(2L), server.baseUrl(2L), pin(2L), listOf(fx.publisher), counting, null, null)
        }
        check(s.why.contains("12x24")) { "shape: ${s.why}" }
        check(server.served.toList().drop(before).count { it.endsWith(".zpkz") } == 1) { "only the key's header" }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(100, 1, null, null)) }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(4096, 0, null, null)) }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(4096, 1, 64, null)) }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(4096, 1, 0, 512)) }
        check(shaped.downloadOptions().imageRows == 64) { "options kept after a refusal" }
        // A server without the files: a typed download failure (HTTP 404, not retried).
        val d = assertThrows<ZkbioException.DownloadFailed> {
            ModelCache.open(File(root, "cache-404").path, 1L shl 30).fetchIrisModel(
                manifest(1L), "http://127.0.0.1:${server.port}/nowhere", pin(1L), listOf(fx.publisher),
                counting, null, null,
            )
        }
        check(!d.retryable && d.why.contains("404")) { "download failure ${d.why}" }
        // An exception the fetcher does not declare is a (retried) network failure, not a crash.
        val throwing = object : Fetcher {
            override fun fetchRange(url: String, start: Long, end: Long?): ByteArray =
                throw IllegalStateException("boom")
        }
        val t = assertThrows<ZkbioException.DownloadFailed> {
            ModelCache.open(File(root, "cache-throw").path, 1L shl 30).fetchIrisModel(
                manifest(1L), server.baseUrl(1L), pin(1L), listOf(fx.publisher), throwing, null, null,
            )
        }
        check(t.retryable && t.why.contains("boom") && !t.why.contains("\n")) { "unexpected: ${t.why}" }
    }

    suspend fun refusedImportsAndWrongKeysAreTyped() {
        val keys = MemoryKeyStore()
        val vault = newVault("vault-errors", keys)
        val u = assertThrows<ZkbioException.UntrustedScanner> {
            vault.importEnrollment("bob", fx.transfer, listOf(fx.subject))
        }
        check(u.scanner.contentEquals(fx.scanner.toBytes())) { "scanner ${u.scanner.toHex()}" }
        val tampered = fx.transfer.copyOf().also { it[200] = (it[200].toInt() xor 1).toByte() }
        assertThrows<ZkbioException.CommitmentMismatch> { vault.importEnrollment("bob", tampered, listOf(fx.scanner)) }
        assertThrows<ZkbioException.InvalidTransfer> { vault.importEnrollment("bob", fx.transfer.copyOf(20), listOf(fx.scanner)) }
        check(vault.records().isEmpty()) { "nothing stored" }
        vault.importEnrollment("bob", fx.transfer, listOf(fx.scanner))
        assertThrows<ZkbioException.RecordExists> { vault.importEnrollment("bob", fx.transfer, listOf(fx.scanner)) }
        val w = assertThrows<ZkbioException.WalletNotSubject> {
            proveEnrollment(vault, "bob", model(1L), fx.target(fx.scanner, 0), null, null)
        }
        check(w.subject.contentEquals(fx.subject.toBytes())) { "subject" }
        assertThrows<ZkbioException.NotEnrolled> {
            proveReenrollment(vault, "bob", model(2L), fx.target(fx.subject, 0), null, null)
        }
        val bad = assertThrows<ZkbioException.InvalidInput> {
            proveEnrollment(vault, "bob", model(1L), fx.target(fx.subject, 0).copy(chainId = -1), null, null)
        }
        check(bad.what == "target.chain_id") { "what ${bad.what}" }

        // Another key under the same id (a key store that lost the vault key): WrongKey.
        val other = MemoryKeyStore().also { it.keys[1L] = ByteArray(32) { 9 } }
        val reopened = ZkbioVault.open(File(root, "vault-errors").path, other)
        val k = assertThrows<ZkbioException.WrongKey> { reopened.publicRecord("bob") }
        check(k.id == "bob") { "id ${k.id}" }
        assertThrows<ZkbioException.RecordNotFound> { reopened.publicRecord("nobody") }
        // A locked key store: retryable KeyStore error.
        val locked = assertThrows<ZkbioException.KeyStore> { newVault("vault-locked", MemoryKeyStore(locked = true)) }
        check(locked.retryable && locked.why.contains("device locked")) { "locked: ${locked.why}" }
        val broken = object : VaultKeyStore {
            override fun getKey(keyId: Long): ByteArray? = null
            override fun createKey(keyId: Long): ByteArray = throw IllegalStateException("keystore bug")
            override fun deleteKey(keyId: Long) {}
        }
        val b = assertThrows<ZkbioException.KeyStore> { newVault("vault-broken", broken) }
        check(!b.retryable && b.why.contains("keystore bug")) { "broken: ${b.why}" }
        val short = object : VaultKeyStore {
            override fun getKey(keyId: Long): ByteArray? = ByteArray(16)
            override fun createKey(keyId: Long): ByteArray = ByteArray(16)
            override fun deleteKey(keyId: Long) {}
        }
        assertThrows<ZkbioException.KeyStore> { newVault("vault-short", short) }
    }
}
