// JVM tests of the generated Kotlin bindings, against the host build of libzkbio_ffi.
// Run by bindings/kotlin/run-tests.sh, which makes the INSECURE dev keys they load.
package org.zkbio.test

import java.io.File
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import org.zkbio.Address
import org.zkbio.Bytes32
import org.zkbio.CancellationToken
import org.zkbio.FieldElement
import org.zkbio.ImageOpeningInput
import org.zkbio.ImageOpeningProof
import org.zkbio.ProgressListener
import org.zkbio.ProvingMaterials
import org.zkbio.ProvingPhase
import org.zkbio.Statement
import org.zkbio.Uint256
import org.zkbio.VerifyingKey
import org.zkbio.ZkbioException
import org.zkbio.proofToSnarkjsJson
import org.zkbio.publicInputsToSnarkjsJson
import org.zkbio.verify
import org.zkbio.verifyImageOpening

/** The fixture keys made by run-tests.sh; `full` is an optional 128x512 key (ZKBIO_FULL_KEY). */
class Keys(dir: File) {
    val small: String = File(dir, "image-4x16.zpk").path
    val large: String = File(dir, "image-32x128.zpk").path
    val full: String? = System.getenv("ZKBIO_FULL_KEY")?.takeIf { it.isNotEmpty() }
}

fun fe(v: Long): FieldElement = FieldElement.fromLong(v)

/** Bits packed MSB-first (np.packbits order), as the bindings take masks and return codes. */
fun packBits(bits: List<Boolean>): ByteArray {
    val out = ByteArray((bits.size + 7) / 8)
    bits.forEachIndexed { i, b -> if (b) out[i / 8] = (out[i / 8].toInt() or (0x80 ushr (i % 8))).toByte() }
    return out
}

fun unpackBits(bytes: ByteArray, n: Int): List<Boolean> = List(n) { (bytes[it / 8].toInt() and (0x80 ushr (it % 8))) != 0 }

fun sampleInput(rows: Int, cols: Int, binding: Long = 777): ImageOpeningInput {
    val n = rows * cols
    return ImageOpeningInput(
        image = ByteArray(n) { ((it * 37) % 256).toByte() },
        mask = packBits(List(n) { it % 5 != 0 }),
        salt = fe(12345),
        binding = fe(binding),
    )
}

/** Records every progress event with the time it arrived. */
class Recorder : ProgressListener {
    val events = ConcurrentLinkedQueue<Pair<ProvingPhase, Float>>()
    override fun onProgress(phase: ProvingPhase, fraction: Float) {
        events.add(phase to fraction)
    }
}

/**
 * Completes `reached` at the first event of `phase` and records the phases reported after it.
 * With `hold`, the proving thread then waits in the callback until `release()`: the test can act
 * (cancel) at a known point of the proof, however fast the machine.
 */
class PhaseWatcher(private val phase: ProvingPhase, private val hold: Boolean = false) : ProgressListener {
    val reached = CompletableDeferred<Unit>()
    val after = ConcurrentLinkedQueue<ProvingPhase>()
    private val gate = CountDownLatch(1)
    fun release() = gate.countDown()
    override fun onProgress(phase: ProvingPhase, fraction: Float) {
        if (reached.isCompleted) {
            after.add(phase)
        } else if (phase == this.phase) {
            reached.complete(Unit)
            if (hold) gate.await(30, TimeUnit.SECONDS)
        }
    }
}

inline fun <reified E : Throwable> assertThrows(block: () -> Unit): E {
    try {
        block()
    } catch (e: Throwable) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e", e)
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

fun check(cond: Boolean, msg: () -> String) {
    if (!cond) throw AssertionError(msg())
}

class ZkbioTests(private val keys: Keys) {
    private val small by lazy { ProvingMaterials.imageOpening(keys.small, 4, 16) }
    private val large by lazy { ProvingMaterials.imageOpening(keys.large, 32, 128) }
    private val phases = listOf(ProvingPhase.WITNESS, ProvingPhase.MSM_G1, ProvingPhase.MSM_G2, ProvingPhase.FFT, ProvingPhase.MSM_H)

    /** Measured cancellation latencies (ms) by statement size and the phase that was running. */
    val latencies = mutableMapOf<String, MutableMap<ProvingPhase, Double>>()

    suspend fun loadsMaterials() {
        check(small.statement() == Statement.ImageOpening(4, 16)) { "statement ${small.statement()}" }
        check(small.verifyingKey().publicInputCount() == 2) { "public input count" }
        check(small.verifyingKey().vkHash().toBytes().size == 32) { "vk hash" }
    }

    suspend fun provesAndVerifies() {
        val out = small.proveImageOpening(sampleInput(4, 16), null, null)
        check(out.publicInputs.binding == fe(777)) { "binding is echoed" }
        check(out.proof.a.x.length == 66 && out.proof.b.yC1.startsWith("0x")) { "0x + 64 hex digit coordinates" }
        val vk = small.verifyingKey()
        verifyImageOpening(vk, out)
        verify(vk, out.proof, listOf(out.publicInputs.cImg, out.publicInputs.binding))
        val wrong = ImageOpeningProof(out.proof, out.publicInputs.copy(binding = fe(778)))
        assertThrows<ZkbioException.VerificationFailed> { verifyImageOpening(vk, wrong) }
        // Fresh randomness: two proofs of the same input differ, both verify.
        val again = small.proveImageOpening(sampleInput(4, 16), null, null)
        check(again.proof != out.proof && again.proof.a.x != out.proof.a.x) { "proofs are randomized" }
        // Value equality through the generated data classes: same public inputs, same hash.
        check(again.publicInputs == out.publicInputs) { "same public inputs" }
        check(again.publicInputs.hashCode() == out.publicInputs.hashCode()) { "same hashCode" }
        check(out.copy() == out && out.copy(proof = again.proof) != out) { "proof record equality" }
    }

    suspend fun progressEventsInOrder() {
        val rec = Recorder()
        small.proveImageOpening(sampleInput(4, 16), rec, null)
        val events = rec.events.toList()
        for ((prev, next) in events.zipWithNext()) {
            val ok = phases.indexOf(prev.first) < phases.indexOf(next.first) ||
                (prev.first == next.first && prev.second <= next.second)
            check(ok) { "out of order: $prev then $next in $events" }
        }
        for (p in phases) {
            check(events.contains(p to 0.0f) && events.contains(p to 1.0f)) { "$p incomplete in $events" }
        }
    }

    /**
     * Cancels from the test's thread when the prover reports the start of `phase`; returns the
     * latency from `cancel()` to the `Cancelled` exception, in ms, or null if the proof completed
     * first (possible without `hold` when the cancel lands after the prover's last check).
     * With `hold` the prover waits at the phase's start until the token is cancelled: the result
     * must be `Cancelled`, and no later phase may start.
     */
    private suspend fun cancelDuring(
        materials: ProvingMaterials,
        rows: Int,
        cols: Int,
        phase: ProvingPhase,
        hold: Boolean,
    ): Double? = coroutineScope {
        val token = CancellationToken()
        val watcher = PhaseWatcher(phase, hold)
        val proof = async {
            runCatching { materials.proveImageOpening(sampleInput(rows, cols), watcher, token) }
        }
        withTimeout(120_000) { watcher.reached.await() }
        val t0 = System.nanoTime()
        token.cancel()
        watcher.release()
        val result = proof.await()
        val ms = (System.nanoTime() - t0) / 1e6
        if (!hold && result.isSuccess) return@coroutineScope null
        check(result.exceptionOrNull() is ZkbioException.Cancelled) { "cancel during $phase: got $result" }
        if (hold) {
            val later = watcher.after.filter { phases.indexOf(it) > phases.indexOf(phase) }
            check(later.isEmpty()) { "phases ran on after the cancel: ${watcher.after}" }
        }
        ms
    }

    /**
     * Cancels `delayMs` after the call starts; returns the phase then running and the latency
     * (ms), or null if the proof completed first.
     */
    private suspend fun cancelAfter(
        materials: ProvingMaterials,
        rows: Int,
        cols: Int,
        delayMs: Long,
    ): Pair<ProvingPhase, Double>? = coroutineScope {
        val token = CancellationToken()
        val rec = Recorder()
        val proof = async {
            runCatching { materials.proveImageOpening(sampleInput(rows, cols), rec, token) }
        }
        delay(delayMs)
        val phase = rec.events.lastOrNull()?.first ?: ProvingPhase.WITNESS
        val t0 = System.nanoTime()
        token.cancel()
        val result = proof.await()
        val ms = (System.nanoTime() - t0) / 1e6
        if (result.isSuccess) return@coroutineScope null
        check(result.exceptionOrNull() is ZkbioException.Cancelled) { "cancel after $delayMs ms: $result" }
        phase to ms
    }

    suspend fun cancellationIsPromptAndTyped() {
        // Cancel at the start of each phase of the large statement (4096 pixels).
        val measured = phases.associateWith { cancelDuring(large, 32, 128, it, hold = true)!! }
        latencies["32x128, cancelled at each phase's start"] = measured.toMutableMap()
        check(measured.values.max() < 2000.0) { "cancellation latency $measured ms" }
        // Optionally the production size, cancelled while the prover runs (not asserted: the
        // numbers depend on the machine; a null means the proof completed first).
        keys.full?.let { path ->
            val full = ProvingMaterials.imageOpening(path, 128, 512)
            for (hold in listOf(true, false)) {
                val label = if (hold) "at each phase's start" else "just after each phase started"
                latencies["128x512, cancelled $label"] =
                    phases.associateWith { cancelDuring(full, 128, 512, it, hold) ?: -1.0 }.toMutableMap()
            }
            // Cancels every 200 ms into the proof: the worst latency seen in each phase.
            val worst = mutableMapOf<ProvingPhase, Double>()
            var delayMs = 100L
            while (true) {
                val (phase, ms) = cancelAfter(full, 128, 512, delayMs) ?: break
                worst[phase] = maxOf(worst[phase] ?: 0.0, ms)
                delayMs += 200
            }
            latencies["128x512, cancelled every 200 ms into the proof, worst per phase"] = worst
        }
        // A token cancelled before the call: fails at once, proves nothing.
        val token = CancellationToken()
        token.cancel()
        check(token.isCancelled()) { "token state" }
        assertThrows<ZkbioException.Cancelled> { small.proveImageOpening(sampleInput(4, 16), null, token) }
    }

    suspend fun coroutineCancellationStopsTheProver() = coroutineScope {
        // The prover waits at the FFT's start until the coroutine is cancelled.
        val watcher = PhaseWatcher(ProvingPhase.FFT, hold = true)
        val job = launch { large.proveImageOpening(sampleInput(32, 128), watcher, null) }
        withTimeout(60_000) { watcher.reached.await() }
        job.cancel()
        job.join()
        watcher.release()
        // Had the prover gone on, the H MSM would have reported within this time.
        delay(1500)
        check(watcher.after.none { it == ProvingPhase.MSM_H }) {
            "prover kept running: ${watcher.after}"
        }
    }

    suspend fun typedErrorsOnBadInput() {
        val short = sampleInput(4, 16).let { it.copy(image = it.image.copyOf(63)) }
        val e = assertThrows<ZkbioException.InvalidInput> { small.proveImageOpening(short, null, null) }
        check(e.what == "image" && e.why.contains("63 entries")) { "image error: ${e.what}: ${e.why}" }
        val mask = sampleInput(4, 16).let { it.copy(mask = it.mask + 0.toByte()) }
        val m = assertThrows<ZkbioException.InvalidInput> { small.proveImageOpening(mask, null, null) }
        check(m.what == "mask" && m.why.contains("8 bytes")) { "mask error: ${m.what}: ${m.why}" }
        // Salts and bindings are checked where they are made: no non-canonical FieldElement exists.
        val s = assertThrows<ZkbioException.InvalidInput> { FieldElement.fromBytes(ByteArray(32) { -1 }) }
        check(s.why.contains("modulus")) { "salt error: ${s.why}" }
        assertThrows<ZkbioException.InvalidInput> { FieldElement.fromBytes(ByteArray(31)) }
        val out = small.proveImageOpening(sampleInput(4, 16), null, null)
        val p = assertThrows<ZkbioException.InvalidInput> {
            verify(small.verifyingKey(), out.proof, listOf(fe(1)))
        }
        check(p.what == "public_inputs") { "public inputs error: ${p.what}" }
        val offCurve = out.proof.copy(a = out.proof.a.copy(y = fe(5).toHex()))
        val c = assertThrows<ZkbioException.InvalidInput> { verifyImageOpening(small.verifyingKey(), out.copy(proof = offCurve)) }
        check(c.what == "proof.a") { "point error: ${c.what}" }
        assertThrows<ZkbioException.InvalidInput> { ProvingMaterials.imageOpening(keys.small, 0, 16) }
    }

    suspend fun typedErrorsOnBadKeyFiles() {
        val missing = "/nonexistent/zkbio/key.zpk"
        val io = assertThrows<ZkbioException.Io> { ProvingMaterials.imageOpening(missing, 4, 16) }
        check(io.path == missing) { "io path ${io.path}" }
        val good = File(keys.small).readBytes()
        val bad = File.createTempFile("zkbio-corrupt", ".zpk")
        try {
            bad.writeBytes(good.copyOf().also { it[0] = (it[0].toInt() xor 1).toByte() })
            val e = assertThrows<ZkbioException.CorruptedArtifact> { ProvingMaterials.imageOpening(bad.path, 4, 16) }
            check(e.path == bad.path && e.why.contains("magic")) { "magic: ${e.why}" }
            bad.writeBytes(good.copyOf(good.size - 64))
            assertThrows<ZkbioException.CorruptedArtifact> { ProvingMaterials.imageOpening(bad.path, 4, 16) }
            // A key for another circuit with the same public inputs: caught when proving.
            val other = ProvingMaterials.imageOpening(keys.large, 4, 16)
            val k = assertThrows<ZkbioException.CorruptedArtifact> { other.proveImageOpening(sampleInput(4, 16), null, null) }
            check(k.why.contains("another circuit")) { "mismatch: ${k.why}" }
        } finally {
            bad.delete()
        }
    }

    suspend fun snarkjsJsonExport() {
        val out = small.proveImageOpening(sampleInput(4, 16), null, null)
        val proof = proofToSnarkjsJson(out.proof)
        check(proof.contains("\"protocol\": \"groth16\"") && proof.contains("\"pi_b\"")) { proof }
        val public = publicInputsToSnarkjsJson(listOf(out.publicInputs.cImg, out.publicInputs.binding))
        check(public.contains("\"777\"")) { public }
        val vk = VerifyingKey.fromSnarkjsJson(small.verifyingKey().toSnarkjsJson())
        verifyImageOpening(vk, out)
        assertThrows<ZkbioException.InvalidInput> { VerifyingKey.fromSnarkjsJson("{}") }
    }

    suspend fun valueTypesCompareByValueAndParseStrictly() {
        // FieldElement: one value, four spellings, one object identity-independent equality.
        val x = fe(777)
        check(FieldElement.fromHex("0x309") == x && FieldElement.fromDecimal("777") == x) { "formats" }
        check(FieldElement.fromBytes(x.toBytes()) == x && x.toBytes().size == 32) { "bytes" }
        check(x.toHex() == "0x" + "0".repeat(61) + "309" && x.toString() == x.toHex()) { "hex ${x.toHex()}" }
        check(java.math.BigInteger(x.toDecimal()) == java.math.BigInteger.valueOf(777)) { "BigInteger" }
        check(x.hashCode() == FieldElement.fromLong(777).hashCode() && x != fe(778)) { "hashCode" }
        check(setOf(fe(1), fe(1), fe(2)).size == 2) { "set of field elements" }
        val rMinus1 = "21888242871839275222246405745257275088548364400416034343698204186575808495616"
        check(FieldElement.fromDecimal(rMinus1).toDecimal() == rMinus1) { "r - 1" }
        for (bad in listOf(
            { FieldElement.fromDecimal("21888242871839275222246405745257275088548364400416034343698204186575808495617") },
            { FieldElement.fromHex("0x" + "f".repeat(64)) },
            { FieldElement.fromDecimal("-1") },
            { FieldElement.fromLong(-1) },
            { FieldElement.fromHex("0xzz") },
        )) {
            assertThrows<ZkbioException.InvalidInput> { bad() }
        }
        // Address: 20 bytes, EIP-55 checked when mixed case, value equality.
        val checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        val a = Address.fromHex(checksummed)
        check(a == Address.fromHex(checksummed.lowercase()) && a.toString() == checksummed) { "address $a" }
        check(Address.fromBytes(a.toBytes()) == a && a.toHex() == checksummed.lowercase()) { "address bytes" }
        assertThrows<ZkbioException.InvalidInput> { Address.fromHex(checksummed.replaceFirst("aA", "aa")) }
        assertThrows<ZkbioException.InvalidInput> { Address.fromBytes(ByteArray(32)) }
        // Bytes32 and Uint256.
        val h = Bytes32.fromHex("0x" + "ab".repeat(32))
        check(h == Bytes32.fromBytes(ByteArray(32) { 0xab.toByte() }) && h.hashCode() == Bytes32.fromHex(h.toHex()).hashCode()) { "bytes32" }
        assertThrows<ZkbioException.InvalidInput> { Bytes32.fromHex("0xab") }
        val n = Uint256.fromDecimal(java.math.BigInteger.TWO.pow(255).toString())
        check(n.toLong() == null && Uint256.fromHex(n.toHex()) == n && n.toBytes()[0] == 0x80.toByte()) { "uint256 $n" }
        check(Uint256.fromLong(5).toLong() == 5L && Uint256.fromHex("0x5") == Uint256.fromLong(5)) { "uint256 small" }
        assertThrows<ZkbioException.InvalidInput> { Uint256.fromLong(-5) }
    }

    suspend fun sharedMaterialsProveConcurrently() = coroutineScope {
        val results = (0 until 3).map { i ->
            async { small.proveImageOpening(sampleInput(4, 16, binding = 1000L + i), null, null) }
        }.awaitAll()
        results.forEachIndexed { i, r ->
            check(r.publicInputs.binding == fe(1000L + i)) { "binding $i" }
            verifyImageOpening(small.verifyingKey(), r)
        }
    }
}
