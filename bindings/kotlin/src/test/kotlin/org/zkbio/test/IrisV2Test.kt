// JVM test of the iris-code model upgrade across families through the bindings, against anvil:
// a record enrolled with v1 (the tiny filter bank) re-enrolls to v2, an int8 TFLite network of the
// same 12x24 image size (circuits/tests/data/iris_v2/iris_v2_tiny.tflite). run-tests.sh makes the
// v2 package with `zkbio package dev-iris --family tflite --tflite FILE` and deploys a registry of
// its own with both versions (the other registry's v2 is a filter bank).
package org.zkbio.test

import java.io.File
import java.nio.file.Files
import org.zkbio.Bytes32
import org.zkbio.DownloadEvent
import org.zkbio.IrisModel
import org.zkbio.IrisPurpose
import org.zkbio.ModelCache
import org.zkbio.ModelKind
import org.zkbio.ModelPin
import org.zkbio.ModelStatus
import org.zkbio.ProofTarget
import org.zkbio.RegistryReader
import org.zkbio.Uint256
import org.zkbio.ZkbioException
import org.zkbio.ZkbioVault
import org.zkbio.confirmIrisCode
import org.zkbio.proofToSnarkjsJson
import org.zkbio.proveEnrollment
import org.zkbio.proveReenrollment
import org.zkbio.publicInputsToSnarkjsJson
import org.zkbio.verifyIrisCode

class TfliteUpgradeTests(private val fx: FlowFixtures, private val chain: ChainFixtures) {
    private val root: File = Files.createTempDirectory("zkbio-tflite").toFile().apply { deleteOnExit() }
    private val v1Dir = fx.packages.getValue(1L).first
    private val v2Dir = File(fx.get("v2tflite.dir"))
    private val v2ModelHash = Bytes32.fromHex(fx.get("v2tflite.modelHash"))
    private val registry = org.zkbio.Address.fromHex(chain.get("tflite.registry"))
    private val transfer = File(chain.get("tflite.transfer")).readBytes()
    private val server by lazy { PackageServer(mapOf(1L to v1Dir, 2L to v2Dir)) }
    private val fetcher = CountingFetcher()

    fun close() = server.close()

    private fun manifest(version: Long): String =
        String(fetcher.fetchRange("${server.baseUrl(version)}/manifest.json", 0L, null), Charsets.UTF_8)

    /** Package `version` from this test's server, checked against `pin`. */
    private suspend fun fetch(cache: ModelCache, version: Long, pin: ModelPin, listener: Downloads? = null): IrisModel =
        cache.fetchIrisModel(manifest(version), server.baseUrl(version), pin, listOf(fx.publisher), fetcher, listener, null)

    suspend fun reenrollsFromTheFilterBankToATfliteNetworkOnChain() {
        val rpc = HttpJsonRpc(chain.rpc)
        val reader = RegistryReader(rpc, registry)
        check(reader.latestVersion(ModelKind.IRIS) == 2L) { "latest version" }
        val m1 = reader.modelVersion(ModelKind.IRIS, 1)
        val m2 = reader.modelVersion(ModelKind.IRIS, 2)
        check(m1.status == ModelStatus.ACTIVE && m2.status == ModelStatus.ACTIVE) { "status ${m1.status} ${m2.status}" }
        check(m1.pin.modelHash == fx.packages.getValue(1L).second) { "v1 pin ${m1.pin}" }
        // The registry's model hash of v2 is keccak256 of the .tflite file, as the package states.
        check(m2.pin.version == 2L && m2.pin.modelHash == v2ModelHash && m1.verifier != m2.verifier) { "v2 pin ${m2.pin}" }

        // Enroll with v1 (the filter bank), through the app's wallet.
        val vault = ZkbioVault.open(File(root, "vault").path, MemoryKeyStore())
        val imported = vault.importEnrollment("dave", transfer, listOf(fx.scanner))
        check(imported.registry == registry && imported.subject == chain.subject) { "transfer target" }
        val cache = ModelCache.open(File(root, "cache").path, 1L shl 30)
        val v1 = fetch(cache, 1L, m1.pin)
        check(v1.family() == "filter-bank" && v1.version() == 1L) { "v1 ${v1.family()} ${v1.version()}" }
        val target = ProofTarget(reader.chainId(), registry, chain.subject, reader.nonce(chain.subject))
        val enrolled = proveEnrollment(vault, "dave", v1, target, null, null)
        rpc.sendAndConfirm(chain.subject, enrolled.tx())
        confirmIrisCode(vault, "dave", enrolled)
        val before = reader.record(chain.subject)
        check(before.irisVersion == 1L && before.cImg == imported.cImg && before.cCode == enrolled.publicInputs().cCode) {
            "enrolled $before"
        }

        // The upgrade: the plan names v2's pin; v1's package under it is refused.
        val plan = reader.prepareReenrollment(vault, "dave")
        check(plan.currentVersion == 1L && plan.pin == m2.pin) { "plan ${plan.currentVersion} ${plan.pin}" }
        check(plan.target == ProofTarget(31337L, registry, chain.subject, Uint256.fromLong(1))) { "plan ${plan.target}" }
        val wrong = assertThrows<ZkbioException.PackageRejected> {
            cache.fetchIrisModel(manifest(1L), server.baseUrl(1L), plan.pin, listOf(fx.publisher), fetcher, null, null)
        }
        check(wrong.why.contains("version")) { "v1 under v2's pin: ${wrong.why}" }
        val downloads = Downloads()
        val v2 = fetch(cache, 2L, plan.pin, downloads)
        check(v2.family() == "tflite" && v2.version() == 2L) { "v2 ${v2.family()} ${v2.version()}" }
        check(v2.imageRows() == 12 && v2.imageCols() == 24) { "v2 shape ${v2.imageRows()}x${v2.imageCols()}" }
        check(v2.modelHash() == v2ModelHash && v2.vkHash() == m2.pin.vkHash) { "v2 hashes" }
        val verified = downloads.events.filterIsInstance<DownloadEvent.Verified>().map { it.artifact }.toSet()
        check("model.tflite" in verified && "model.bin" !in verified) { "verified $verified" }

        // Re-enroll: same C_img, new C_code; v2's proof verifies under v2's key (Rust and
        // snarkjs), not under v1's.
        val re = proveReenrollment(vault, "dave", v2, plan.target, null, null)
        check(re.purpose() == IrisPurpose.REENROLL && re.version() == 2L) { "reenroll ${re.purpose()} ${re.version()}" }
        val public = re.publicInputs()
        check(public.cImg == imported.cImg && public.cCode != enrolled.publicInputs().cCode) { "commitments" }
        check(re.opening().bits.bitCount == 3 * 6 * 4) { "v2's code has 72 bits: ${re.opening().bits.bitCount}" }
        verifyIrisCode(v2.verifyingKey(), re)
        assertThrows<ZkbioException.VerificationFailed> { verifyIrisCode(v1.verifyingKey(), re) }
        assertThrows<ZkbioException.VerificationFailed> { verifyIrisCode(v2.verifyingKey(), enrolled) }
        val vkJson = File(v2Dir, "verification_key.json")
        check(snarkjsVerifies(vkJson, proofToSnarkjsJson(re.proof()), publicInputsToSnarkjsJson(re.publicInputList()))) {
            "snarkjs refused v2's proof"
        }
        rpc.sendAndConfirm(chain.subject, re.tx())
        confirmIrisCode(vault, "dave", re)
        val after = reader.record(chain.subject)
        check(after.irisVersion == 2L && after.cCode == public.cCode && after.cImg == before.cImg) { "re-enrolled $after" }
        val record = vault.publicRecord("dave").irisModel
        check(record != null && record.version == 2L && record.commitment == public.cCode) { "vault $record" }

        // Replays: the registry refuses the same re-enrollment again (its nonce is spent) and
        // keeps the record; the vault never moves back to v1 (confirming v2 again is a no-op).
        rpc.sendAndExpectRevert(chain.subject, re.tx())
        check(reader.record(chain.subject) == after) { "record changed by a replay" }
        check(reader.nonce(chain.subject) == Uint256.fromLong(2)) { "nonce after the replay" }
        confirmIrisCode(vault, "dave", re)
        check(vault.publicRecord("dave").irisModel == record) { "re-confirming v2 changed the vault" }
        val stale = assertThrows<ZkbioException.NotNewer> { confirmIrisCode(vault, "dave", enrolled) }
        check(stale.current == 2L && stale.offered == 1L) { "not newer ${stale.current} ${stale.offered}" }
        val none = assertThrows<ZkbioException.NotNewer> { reader.prepareReenrollment(vault, "dave") }
        check(none.current == 2L && none.offered == 2L) { "no newer version ${none.current} ${none.offered}" }
    }
}
