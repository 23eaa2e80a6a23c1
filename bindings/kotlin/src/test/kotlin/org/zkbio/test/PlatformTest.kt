// JVM tests of the platform pieces shipped in android/ (android/zkbio/src/platform): the wrapped
// vault key store with a software AES key in place of the Android Keystore's, and the
// HttpURLConnection range fetcher against local servers with and without Range support.
package org.zkbio.test

import com.sun.net.httpserver.HttpServer
import java.io.File
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.nio.file.Files
import java.security.InvalidKeyException
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.zkbio.FetchException
import org.zkbio.KeyStoreException
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.platform.FileWrappedKeyStorage
import org.zkbio.platform.HttpRangeFetcher
import org.zkbio.platform.WrappedVaultKeyStore
import org.zkbio.platform.WrappingKeySource

/** A software AES-256 key standing in for the Keystore's; a fresh instance models a reset Keystore. */
class SoftwareWrappingKey : WrappingKeySource {
    var key: SecretKey? = null
    var locked = false
    override fun wrappingKey(create: Boolean): SecretKey? {
        if (locked) throw KeyStoreException.Unavailable("user not authenticated")
        if (key == null && create) key = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
        return key
    }
}

/** Stands in for android.security.keystore.UserNotAuthenticatedException (matched by name). */
class UserNotAuthenticatedException : InvalidKeyException("authenticate first")

enum class RangeMode { RANGES, IGNORES_RANGE, WRONG_OFFSET, BREAKS_OFF }

/**
 * Serves [body] at `/blob` per [mode]; `/flaky` answers 503 to its first [failures] requests;
 * `/missing` is 404. Records each request's Range and Accept-Encoding headers.
 */
class RangeServer(val body: ByteArray, val mode: RangeMode, val failures: Int = 0) : AutoCloseable {
    private val server = HttpServer.create(InetSocketAddress("127.0.0.1", 0), 0)
    val requests = AtomicInteger()
    val ranges = ConcurrentLinkedQueue<String>()
    val encodings = ConcurrentLinkedQueue<String>()
    private val flakyLeft = AtomicInteger(failures)

    init {
        server.createContext("/") { ex ->
            try {
                requests.incrementAndGet()
                val range = ex.requestHeaders.getFirst("Range")
                ranges.add(range ?: "-")
                encodings.add(ex.requestHeaders.getFirst("Accept-Encoding") ?: "-")
                when (ex.requestURI.path) {
                    "/missing" -> ex.sendResponseHeaders(404, -1)
                    "/flaky" -> if (flakyLeft.getAndDecrement() > 0) ex.sendResponseHeaders(503, -1) else serve(ex, range)
                    "/blob" -> serve(ex, range)
                    else -> ex.sendResponseHeaders(404, -1)
                }
            } catch (_: java.io.IOException) {
                // BREAKS_OFF closes mid-body on purpose.
            } finally {
                ex.close()
            }
        }
        server.start()
    }

    private fun serve(ex: com.sun.net.httpserver.HttpExchange, range: String?) {
        val spec = range?.removePrefix("bytes=")?.split('-')
        if (spec == null || mode == RangeMode.IGNORES_RANGE) {
            ex.sendResponseHeaders(200, body.size.toLong())
            ex.responseBody.write(body)
            return
        }
        val from = spec[0].toInt()
        val to = spec.getOrNull(1)?.takeIf { it.isNotEmpty() }?.toInt()?.coerceAtMost(body.size - 1) ?: (body.size - 1)
        val shown = if (mode == RangeMode.WRONG_OFFSET) from + 1 else from
        ex.responseHeaders.add("Content-Range", "bytes $shown-$to/${body.size}")
        val part = body.copyOfRange(from, to + 1)
        ex.sendResponseHeaders(206, part.size.toLong())
        if (mode == RangeMode.BREAKS_OFF) {
            // Half the body, then the connection drops (the fixed-length stream refuses to close cleanly).
            ex.responseBody.write(part, 0, part.size / 2)
            ex.responseBody.flush()
            throw java.io.IOException("break off")
        }
        ex.responseBody.write(part)
    }

    fun url(path: String = "/blob") = "http://127.0.0.1:${server.address.port}$path"
    override fun close() = server.stop(0)
}

class PlatformTests(private val fx: FlowFixtures) {
    private val root: File = Files.createTempDirectory("zkbio-platform").toFile().apply { deleteOnExit() }
    private val blob = ByteArray(300_000) { (it * 31 + it / 256).toByte() }

    private fun slice(from: Int, to: Int) = blob.copyOfRange(from, to)

    fun wrappedKeysPersistAndNeverReplace() {
        val source = SoftwareWrappingKey()
        val dir = File(root, "keys-persist")
        val store = WrappedVaultKeyStore(source, FileWrappedKeyStorage(dir))
        check(store.getKey(1L) == null) { "no key yet" }
        val k1 = store.createKey(1L)
        check(k1.size == 32 && !k1.all { it == 0.toByte() }) { "key ${k1.toHex()}" }
        check(store.getKey(1L)!!.contentEquals(k1)) { "get returns the created key" }
        check(store.createKey(1L).contentEquals(k1)) { "create never replaces" }
        val k2 = store.createKey(2L)
        check(!k2.contentEquals(k1)) { "each id its own key" }
        // Only the wrapped blob is on disk, and it does not hold the key bytes.
        val file = File(dir, "vault-key-1.bin")
        val onDisk = file.readBytes()
        check(onDisk.size == WrappedVaultKeyStore.BLOB_BYTES && onDisk[0] == 1.toByte()) { "blob ${onDisk.size}" }
        check(onDisk.toList().windowed(32).none { it.toByteArray().contentEquals(k1) }) { "key in clear on disk" }
        // A new instance over the same storage and wrapping key (an app restart) reads it back.
        val again = WrappedVaultKeyStore(source, FileWrappedKeyStorage(dir))
        check(again.getKey(1L)!!.contentEquals(k1) && again.getKey(2L)!!.contentEquals(k2)) { "persisted" }
        again.deleteKey(1L)
        check(again.getKey(1L) == null && store.getKey(2L)!!.contentEquals(k2)) { "deleted only 1" }
        again.deleteKey(1L) // absent: succeeds
        check(dir.listFiles()!!.map { it.name }.sorted() == listOf("vault-key-2.bin")) { "files ${dir.list()?.toList()}" }
    }

    fun wrappedKeysRefuseTamperingAndTypeErrors() {
        val source = SoftwareWrappingKey()
        val dir = File(root, "keys-tamper")
        val store = WrappedVaultKeyStore(source, FileWrappedKeyStorage(dir))
        store.createKey(1L)
        store.createKey(2L)
        val one = File(dir, "vault-key-1.bin")
        val good = one.readBytes()
        // A flipped bit anywhere (version, nonce, ciphertext, tag): Failed, never other bytes.
        for (i in listOf(0, 5, 20, good.size - 1)) {
            one.writeBytes(good.copyOf().also { it[i] = (it[i].toInt() xor 1).toByte() })
            assertThrows<KeyStoreException.Failed> { store.getKey(1L) }
        }
        one.writeBytes(good.copyOf(40))
        assertThrows<KeyStoreException.Failed> { store.getKey(1L) }
        // Another id's blob does not open as this id's (associated data).
        one.writeBytes(File(dir, "vault-key-2.bin").readBytes())
        val swapped = assertThrows<KeyStoreException.Failed> { store.getKey(1L) }
        check(swapped.why.contains("does not open")) { swapped.why }
        one.writeBytes(good)
        check(store.getKey(1L) != null) { "restored" }
        // Another wrapping key (the Keystore reset) or none at all: Failed, and create does not
        // silently replace the key.
        val other = SoftwareWrappingKey().also { it.wrappingKey(true) }
        assertThrows<KeyStoreException.Failed> { WrappedVaultKeyStore(other, FileWrappedKeyStorage(dir)).getKey(1L) }
        val gone = assertThrows<KeyStoreException.Failed> {
            WrappedVaultKeyStore(SoftwareWrappingKey(), FileWrappedKeyStorage(dir)).createKey(1L)
        }
        check(gone.why.contains("wrapping key is gone")) { gone.why }
        check(one.readBytes().contentEquals(good)) { "blob untouched" }
        // A locked source stays Unavailable (retryable for the vault).
        source.locked = true
        assertThrows<KeyStoreException.Unavailable> { store.getKey(1L) }
        source.locked = false
        // Android's "authenticate first", anywhere in the cause chain: Unavailable; the rest Failed.
        val wrapped = java.security.GeneralSecurityException("init", UserNotAuthenticatedException())
        check(WrappedVaultKeyStore.keyStoreError("x", wrapped) is KeyStoreException.Unavailable) { "unauthenticated" }
        check(WrappedVaultKeyStore.keyStoreError("x", InvalidKeyException("bad")) is KeyStoreException.Failed) { "other" }
    }

    fun vaultOpensAcrossRestartsWithTheWrappedStore() {
        val source = SoftwareWrappingKey()
        val keys = File(root, "vault-keys")
        val path = File(root, "vault-wrapped").path
        val vault = ZkbioVault.open(path, WrappedVaultKeyStore(source, FileWrappedKeyStorage(keys)))
        val imported = vault.importEnrollment("alice", fx.transfer, listOf(fx.scanner))
        val reopened = ZkbioVault.open(path, WrappedVaultKeyStore(source, FileWrappedKeyStorage(keys)))
        check(reopened.publicRecord("alice").cImg == imported.cImg) { "record after restart" }
        // The same blobs under a reset Keystore: the vault reports the key store, not garbage.
        val reset = SoftwareWrappingKey().also { it.wrappingKey(true) }
        val e = assertThrows<ZkbioException.KeyStore> {
            ZkbioVault.open(path, WrappedVaultKeyStore(reset, FileWrappedKeyStorage(keys))).publicRecord("alice")
        }
        check(!e.retryable) { "a lost key is not retryable: ${e.why}" }
    }

    fun fetcherReadsRanges() {
        RangeServer(blob, RangeMode.RANGES).use { s ->
            val f = HttpRangeFetcher()
            check(f.fetchRange(s.url(), 0L, 10L).contentEquals(slice(0, 10))) { "head" }
            check(f.fetchRange(s.url(), 1000L, 70_000L).contentEquals(slice(1000, 70_000))) { "middle" }
            check(f.fetchRange(s.url(), 299_990L, null).contentEquals(slice(299_990, 300_000))) { "open-ended tail" }
            check(f.fetchRange(s.url(), 299_990L, 400_000L).contentEquals(slice(299_990, 300_000))) { "past the end" }
            check(s.ranges.toList() == listOf("bytes=0-9", "bytes=1000-69999", "bytes=299990-", "bytes=299990-399999")) {
                "ranges ${s.ranges}"
            }
            check(s.encodings.all { it == "identity" }) { "encodings ${s.encodings}" }
            check(f.fetchRange(s.url(), 7L, 7L).isEmpty() && s.requests.get() == 4) { "empty range makes no request" }
            assertThrows<FetchException.Invalid> { f.fetchRange(s.url(), 9L, 3L) }
            assertThrows<FetchException.Invalid> { f.fetchRange(s.url(), -1L, 3L) }
            assertThrows<FetchException.Invalid> { f.fetchRange("ftp://127.0.0.1/blob", 0L, 3L) }
            assertThrows<FetchException.Invalid> { f.fetchRange("not a url", 0L, 3L) }
            // An open-ended body over the bound is refused, not buffered.
            assertThrows<FetchException.Invalid> { HttpRangeFetcher(maxBodyBytes = 1000).fetchRange(s.url(), 0L, null) }
        }
    }

    fun fetcherRefusesServersWithoutRanges() {
        RangeServer(blob, RangeMode.IGNORES_RANGE).use { s ->
            val f = HttpRangeFetcher()
            assertThrows<FetchException.RangeNotSupported> { f.fetchRange(s.url(), 100L, 200L) }
            check(s.requests.get() == 1) { "not retried: ${s.requests.get()}" }
            // At offset 0 the first `end` bytes of the whole-file reply are the asked ones.
            check(f.fetchRange(s.url(), 0L, 5000L).contentEquals(slice(0, 5000))) { "prefix of a 200" }
        }
        RangeServer(blob, RangeMode.WRONG_OFFSET).use { s ->
            val e = assertThrows<FetchException.Invalid> { HttpRangeFetcher().fetchRange(s.url(), 100L, 200L) }
            check(e.why.contains("Content-Range")) { e.why }
        }
        RangeServer(blob, RangeMode.BREAKS_OFF).use { s ->
            val got = HttpRangeFetcher(attempts = 1).fetchRange(s.url(), 0L, 200_000L)
            check(got.size in 1 until 200_000 && got.contentEquals(slice(0, got.size))) { "short read ${got.size}" }
        }
    }

    fun fetcherRetriesTransientFailures() {
        RangeServer(blob, RangeMode.RANGES, failures = 2).use { s ->
            val got = HttpRangeFetcher(attempts = 3, retryDelayMillis = 10).fetchRange(s.url("/flaky"), 10L, 20L)
            check(got.contentEquals(slice(10, 20)) && s.requests.get() == 3) { "after ${s.requests.get()} requests" }
        }
        RangeServer(blob, RangeMode.RANGES, failures = 5).use { s ->
            val e = assertThrows<FetchException.Status> {
                HttpRangeFetcher(attempts = 2, retryDelayMillis = 10).fetchRange(s.url("/flaky"), 10L, 20L)
            }
            check(e.status == 503 && s.requests.get() == 2) { "gave up after ${s.requests.get()}" }
            val m = assertThrows<FetchException.Status> { HttpRangeFetcher(retryDelayMillis = 10).fetchRange(s.url("/missing"), 0L, 1L) }
            check(m.status == 404 && s.requests.get() == 3) { "404 not retried: ${s.requests.get()}" }
        }
        // Nothing listening: a network error after every attempt.
        val port = ServerSocket(0).use { it.localPort }
        assertThrows<FetchException.Network> {
            HttpRangeFetcher(attempts = 2, retryDelayMillis = 10).fetchRange("http://127.0.0.1:$port/x", 0L, 1L)
        }
    }
}
