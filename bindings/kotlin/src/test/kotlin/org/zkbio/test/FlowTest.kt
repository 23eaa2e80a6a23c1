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
import org.zkbio.DownloadEvent
import org.zkbio.DownloadListener
import org.zkbio.DownloadOptions
import org.zkbio.Fetcher
import org.zkbio.IrisModel
import org.zkbio.IrisPurpose
import org.zkbio.KeyStoreException
import org.zkbio.ModelCache
import org.zkbio.ModelPin
import org.zkbio.VaultKeyStore
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.confirmIrisCode
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

/** A 256-bit integer as 32 bytes, big-endian. */
fun u256(v: Long): ByteArray = fe(v)

/** What run-tests.sh made: two package directories, a transfer and the addresses involved. */
class FlowFixtures(file: File) {
    private val p = Properties().apply { file.inputStream().use { load(it) } }
    private fun get(key: String): String = p.getProperty(key) ?: error("fixtures: no $key in $p")
    val transfer: ByteArray = File(get("transfer")).readBytes()
    val scanner = hex(get("scanner"))
    val subject = hex(get("subject"))
    val chainId = get("chainId").toULong()
    val registry = hex(get("registry"))
    val publisher = hex(get("publisher"))
    val packages = mapOf(
        1u to (File(get("v1.dir")) to hex(get("v1.modelHash"))),
        2u to (File(get("v2.dir")) to hex(get("v2.modelHash"))),
    )

    companion object {
        fun fromSystemProperty(): FlowFixtures {
            val path = System.getProperty("zkbio.flows") ?: System.getenv("ZKBIO_FLOW_FIXTURES")
                ?: error("set -Dzkbio.flows=FILE (run-tests.sh does)")
            return FlowFixtures(File(path))
        }
    }
}

/** The host key store, in memory (an app keeps the key in the Keystore / Keychain). */
class MemoryKeyStore(private val locked: Boolean = false) : VaultKeyStore {
    val keys = ConcurrentHashMap<UInt, ByteArray>()

    override fun getKey(keyId: UInt): ByteArray? {
        if (locked) throw KeyStoreException.Unavailable("device locked")
        return keys[keyId]?.copyOf()
    }

    override fun createKey(keyId: UInt): ByteArray {
        if (locked) throw KeyStoreException.Unavailable("device locked")
        return keys.computeIfAbsent(keyId) { ByteArray(32).also { SecureRandom().nextBytes(it) } }.copyOf()
    }

    override fun deleteKey(keyId: UInt) {
        keys.remove(keyId)
    }
}

/** The shipped fetcher (android/: org.zkbio.platform.HttpRangeFetcher), counting its calls. */
class CountingFetcher(private val inner: Fetcher = HttpRangeFetcher()) : Fetcher {
    val requests = AtomicInteger()

    override fun fetchRange(url: String, start: ULong, end: ULong?): ByteArray {
        requests.incrementAndGet()
        return inner.fetchRange(url, start, end)
    }
}

/** Serves each package directory at `/v<N>/<file>`, honouring `Range: bytes=a-b`. */
class PackageServer(packages: Map<UInt, File>) : AutoCloseable {
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
                val dir = parts.getOrNull(0)?.removePrefix("v")?.toUIntOrNull()?.let { packages[it] }
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

    fun baseUrl(version: UInt) = "http://127.0.0.1:$port/v$version"

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
        ModelCache.open(File(root, "cache").path, 1uL shl 30).apply {
            // Small chunks, three in flight: the fixtures are small, so this is what makes
            // several ranges per file and several at once.
            setDownloadOptions(DownloadOptions(chunkSize = 4096u, parallelRanges = 3u, imageRows = 12u, imageCols = 24u))
        }
    }
    private val fetcher = CountingFetcher()
    private val models = ConcurrentHashMap<UInt, IrisModel>()

    fun close() = server.close()

    private fun newVault(name: String, keys: VaultKeyStore = MemoryKeyStore()) =
        ZkbioVault.open(File(root, name).path, keys)

    /** The manifest, fetched over HTTP like the rest of the package. */
    private fun manifest(version: UInt): String =
        String(fetcher.fetchRange("${server.baseUrl(version)}/manifest.json", 0uL, null), Charsets.UTF_8)

    private fun pin(version: UInt) = ModelPin(version, fx.packages.getValue(version).second)

    private suspend fun model(version: UInt, listener: DownloadListener? = null): IrisModel =
        models[version] ?: cache.fetchIrisModel(
            manifest(version), server.baseUrl(version), pin(version), listOf(fx.publisher), fetcher, listener, null,
        ).also { models[version] = it }

    suspend fun importsFetchesProvesAndConfirms() {
        val vault = newVault("vault")
        val imported = vault.importEnrollment("alice", fx.transfer, listOf(fx.scanner))
        check(imported.subject.contentEquals(fx.subject)) { "subject ${imported.subject.toHex()}" }
        check(imported.scanner.contentEquals(fx.scanner)) { "scanner ${imported.scanner.toHex()}" }
        check(imported.chainId == fx.chainId && imported.registry.contentEquals(fx.registry)) { "target" }
        check(vault.records() == listOf("alice")) { "records ${vault.records()}" }
        check(vault.publicRecord("alice").irisModel == null) { "no iris code yet" }

        // Download and verify v1 over HTTP (ranged GETs), with events.
        val downloads = Downloads()
        val before = server.served.size
        val v1 = model(1u, downloads)
        check(v1.version() == 1u && v1.imageRows() == 12u && v1.imageCols() == 24u) { "model ${v1.name()}" }
        check(v1.modelHash().contentEquals(pin(1u).modelHash)) { "model hash" }
        val verified = downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }.toSet()
        check(verified == setOf("model.bin", "circuit.zpk", "verification_key.json")) { "verified $verified" }
        check(server.served.size - before >= 3) { "served ${server.served}" }

        val code = regenerateIrisCode(vault, "alice", v1)
        check(code.codeBits.size == code.maskBits.size && code.codeBits.isNotEmpty()) { "code size" }

        val progress = Recorder()
        val proof = proveEnrollment(
            vault, "alice", v1, fx.chainId, fx.registry, fx.subject, u256(0), progress, null,
        )
        check(proof.purpose() == IrisPurpose.ENROLL && proof.version() == 1u) { "purpose ${proof.purpose()}" }
        val tx = proof.tx()
        check(tx.to.contentEquals(fx.registry)) { "tx.to ${tx.to.toHex()}" }
        check(tx.value.contentEquals(ByteArray(32))) { "tx.value" }
        check(tx.data.size > 4) { "calldata" }
        val json = txToEip1193Json(tx)
        check(json.contains("\"to\":\"0x") && json.lowercase().contains(fx.registry.toHex())) { json }
        val public = proof.publicInputs()
        check(public.cImg.contentEquals(imported.cImg)) { "C_img is the imported one" }
        check(public.cCode.size == 32 && public.binding.size == 32) { "public input sizes" }
        check(proof.publicInputList().map { it.toHex() } == listOf(public.cImg, public.cCode, public.binding).map { it.toHex() }) {
            "public input order"
        }
        verifyIrisCode(v1.verifyingKey(), proof)
        val opening = proof.opening()
        check(opening.codeBits == code.codeBits && opening.maskBits == code.maskBits) { "opening is the code" }
        check(opening.saltCode.size == 32) { "salt size" }
        check(progress.events.any { it.first == org.zkbio.ProvingPhase.MSM_G2 && it.second == 1.0f }) {
            "progress ${progress.events}"
        }

        confirmIrisCode(vault, "alice", proof)
        val record = vault.publicRecord("alice")
        check(record.irisModel?.version == 1u && record.irisModel?.commitment?.contentEquals(public.cCode) == true) {
            "confirmed state ${record.irisModel}"
        }
        assertThrows<ZkbioException.AlreadyEnrolled> {
            proveEnrollment(vault, "alice", v1, fx.chainId, fx.registry, fx.subject, u256(1), null, null)
        }

        // Re-enrollment to v2: its package offers the compressed key, which comes over the wire
        // instead of circuit.zpk and is expanded here.
        val v2Downloads = Downloads()
        val servedBefore = server.served.toList().size
        val v2 = model(2u, v2Downloads)
        val v2Paths = server.served.toList().drop(servedBefore)
        check("/v2/circuit.zpkz" in v2Paths && "/v2/circuit.zpk" !in v2Paths) { "v2 served $v2Paths" }
        val expanding = v2Downloads.events.filterIsInstance<DownloadEvent.Expanding>()
        check(expanding.isNotEmpty() && expanding.last().done == expanding.last().total) { "expanding $expanding" }
        val v2Verified = v2Downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }
        check(v2Verified == listOf("model.bin", "verification_key.json", "circuit.zpk")) { "key last: $v2Verified" }
        val re = proveReenrollment(vault, "alice", v2, fx.chainId, fx.registry, fx.subject, u256(1), null, null)
        check(re.purpose() == IrisPurpose.REENROLL && re.version() == 2u) { "reenroll" }
        check(re.publicInputs().cImg.contentEquals(public.cImg)) { "same C_img" }
        check(!re.publicInputs().cCode.contentEquals(public.cCode)) { "new C_code" }
        verifyIrisCode(v2.verifyingKey(), re)
        assertThrows<ZkbioException.VerificationFailed> { verifyIrisCode(v1.verifyingKey(), re) }
        confirmIrisCode(vault, "alice", re)
        check(vault.publicRecord("alice").irisModel?.version == 2u) { "v2 confirmed" }
        val stale = assertThrows<ZkbioException.NotNewer> { confirmIrisCode(vault, "alice", proof) }
        check(stale.current == 2u && stale.offered == 1u) { "not newer ${stale.current} ${stale.offered}" }

        // A second fetch of v1 comes from the cache: no download.
        val again = Downloads()
        cache.fetchIrisModel(manifest(1u), server.baseUrl(1u), pin(1u), listOf(fx.publisher), fetcher, again, null)
        check(again.events.all { it is DownloadEvent.CacheHit || it is DownloadEvent.Verified }) { "cache ${again.events}" }
    }

    suspend fun pinMismatchIsRefusedBeforeDownload() {
        val counting = CountingFetcher()
        val wrong = ModelPin(1u, fx.packages.getValue(2u).second)
        val e = assertThrows<ZkbioException.ModelHashMismatch> {
            ModelCache.open(File(root, "cache-pin").path, 1uL shl 30).fetchIrisModel(
                manifest(1u), server.baseUrl(1u), wrong, listOf(fx.publisher), counting, null, null,
            )
        }
        check(e.expected.contentEquals(wrong.modelHash) && e.found.contentEquals(pin(1u).modelHash)) { "hashes" }
        check(counting.requests.get() == 0) { "${counting.requests.get()} requests before refusing" }
        val p = assertThrows<ZkbioException.UntrustedPublisher> {
            cache.fetchIrisModel(manifest(1u), server.baseUrl(1u), pin(1u), listOf(fx.scanner), counting, null, null)
        }
        check(p.publisher.contentEquals(fx.publisher)) { "publisher ${p.publisher.toHex()}" }
        // An app that makes 64x512 images: refused from the model and the key's header, before
        // the key downloads.
        val shaped = ModelCache.open(File(root, "cache-shape").path, 1uL shl 30)
        shaped.setDownloadOptions(DownloadOptions(1u shl 20, 1u, 64u, 512u))
        val before = server.served.toList().size
        val s = assertThrows<ZkbioException.PackageRejected> {
            shaped.fetchIrisModel(manifest(2u), server.baseUrl(2u), pin(2u), listOf(fx.publisher), counting, null, null)
        }
        check(s.why.contains("12x24")) { "shape: ${s.why}" }
        check(server.served.toList().drop(before).count { it.endsWith(".zpkz") } == 1) { "only the key's header" }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(100u, 1u, null, null)) }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(4096u, 0u, null, null)) }
        assertThrows<ZkbioException.InvalidInput> { shaped.setDownloadOptions(DownloadOptions(4096u, 1u, 64u, null)) }
        check(shaped.downloadOptions().imageRows == 64u) { "options kept after a refusal" }
        // A server without the files: a typed download failure (HTTP 404, not retried).
        val d = assertThrows<ZkbioException.DownloadFailed> {
            ModelCache.open(File(root, "cache-404").path, 1uL shl 30).fetchIrisModel(
                manifest(1u), "http://127.0.0.1:${server.port}/nowhere", pin(1u), listOf(fx.publisher),
                counting, null, null,
            )
        }
        check(!d.retryable && d.why.contains("404")) { "download failure ${d.why}" }
        // An exception the fetcher does not declare is a (retried) network failure, not a crash.
        val throwing = object : Fetcher {
            override fun fetchRange(url: String, start: ULong, end: ULong?): ByteArray =
                throw IllegalStateException("boom")
        }
        val t = assertThrows<ZkbioException.DownloadFailed> {
            ModelCache.open(File(root, "cache-throw").path, 1uL shl 30).fetchIrisModel(
                manifest(1u), server.baseUrl(1u), pin(1u), listOf(fx.publisher), throwing, null, null,
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
        check(u.scanner.contentEquals(fx.scanner)) { "scanner ${u.scanner.toHex()}" }
        val tampered = fx.transfer.copyOf().also { it[200] = (it[200].toInt() xor 1).toByte() }
        assertThrows<ZkbioException.CommitmentMismatch> { vault.importEnrollment("bob", tampered, listOf(fx.scanner)) }
        assertThrows<ZkbioException.InvalidTransfer> { vault.importEnrollment("bob", fx.transfer.copyOf(20), listOf(fx.scanner)) }
        check(vault.records().isEmpty()) { "nothing stored" }
        vault.importEnrollment("bob", fx.transfer, listOf(fx.scanner))
        assertThrows<ZkbioException.RecordExists> { vault.importEnrollment("bob", fx.transfer, listOf(fx.scanner)) }
        val w = assertThrows<ZkbioException.WalletNotSubject> {
            proveEnrollment(vault, "bob", model(1u), fx.chainId, fx.registry, fx.scanner, u256(0), null, null)
        }
        check(w.subject.contentEquals(fx.subject)) { "subject" }
        assertThrows<ZkbioException.NotEnrolled> {
            proveReenrollment(vault, "bob", model(2u), fx.chainId, fx.registry, fx.subject, u256(0), null, null)
        }
        val bad = assertThrows<ZkbioException.InvalidInput> {
            proveEnrollment(vault, "bob", model(1u), fx.chainId, fx.registry, fx.subject, ByteArray(8), null, null)
        }
        check(bad.what == "nonce") { "what ${bad.what}" }

        // Another key under the same id (a key store that lost the vault key): WrongKey.
        val other = MemoryKeyStore().also { it.keys[1u] = ByteArray(32) { 9 } }
        val reopened = ZkbioVault.open(File(root, "vault-errors").path, other)
        val k = assertThrows<ZkbioException.WrongKey> { reopened.publicRecord("bob") }
        check(k.id == "bob") { "id ${k.id}" }
        assertThrows<ZkbioException.RecordNotFound> { reopened.publicRecord("nobody") }
        // A locked key store: retryable KeyStore error.
        val locked = assertThrows<ZkbioException.KeyStore> { newVault("vault-locked", MemoryKeyStore(locked = true)) }
        check(locked.retryable && locked.why.contains("device locked")) { "locked: ${locked.why}" }
        val broken = object : VaultKeyStore {
            override fun getKey(keyId: UInt): ByteArray? = null
            override fun createKey(keyId: UInt): ByteArray = throw IllegalStateException("keystore bug")
            override fun deleteKey(keyId: UInt) {}
        }
        val b = assertThrows<ZkbioException.KeyStore> { newVault("vault-broken", broken) }
        check(!b.retryable && b.why.contains("keystore bug")) { "broken: ${b.why}" }
        val short = object : VaultKeyStore {
            override fun getKey(keyId: UInt): ByteArray? = ByteArray(16)
            override fun createKey(keyId: UInt): ByteArray = ByteArray(16)
            override fun deleteKey(keyId: UInt) {}
        }
        assertThrows<ZkbioException.KeyStore> { newVault("vault-short", short) }
    }
}
