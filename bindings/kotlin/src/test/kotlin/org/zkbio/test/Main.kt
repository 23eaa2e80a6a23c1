// A minimal test runner (no JUnit needed): runs every test, prints one line per test and a final
// `N passed, M failed`, and exits non-zero if any failed. Arguments: the dev-key directory; the
// flow fixtures come from -Dzkbio.flows=FILE (see FlowTest.kt).
package org.zkbio.test

import java.io.File
import kotlin.system.exitProcess
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

fun main(args: Array<String>) {
    val dir = File(args.getOrElse(0) { error("usage: MainKt KEY_DIR") })
    val t = ZkbioTests(Keys(dir))
    val fixtures = FlowFixtures.fromSystemProperty()
    val flows = FlowTests(fixtures)
    val registry = RegistryTests(fixtures, ChainFixtures.fromSystemProperty(), flows)
    val platform = PlatformTests(fixtures)
    val face = FaceTests(fixtures, flows)
    val logs = LoggerTests(Keys(dir))
    val tflite = TfliteUpgradeTests(fixtures, ChainFixtures.fromSystemProperty())
    val tests: List<Pair<String, suspend () -> Unit>> = listOf(
        "loads materials and exposes the statement" to t::loadsMaterials,
        "proves and verifies" to t::provesAndVerifies,
        "progress events arrive in order" to t::progressEventsInOrder,
        "cancellation mid-proof is prompt and typed" to t::cancellationIsPromptAndTyped,
        "coroutine cancellation stops the prover" to t::coroutineCancellationStopsTheProver,
        "typed errors on bad input" to t::typedErrorsOnBadInput,
        "typed errors on bad key files" to t::typedErrorsOnBadKeyFiles,
        "snarkjs JSON export" to t::snarkjsJsonExport,
        "shared materials prove concurrently" to t::sharedMaterialsProveConcurrently,
        "value types compare by value and parse strictly" to t::valueTypesCompareByValueAndParseStrictly,
        "flows: import, fetch over HTTP, regenerate, prove, confirm, re-enroll" to flows::importsFetchesProvesAndConfirms,
        "flows: a pin mismatch is refused before any download" to flows::pinMismatchIsRefusedBeforeDownload,
        "iris code from raw inputs: Rust verifier and snarkjs" to flows::provesIrisCodeFromRawInputs,
        "one bit order and number format: FFI and CLI agree" to flows::bitsAndNumbersMatchTheCli,
        "registry reads on anvil, enroll, prepareReenrollment, re-enroll" to registry::readsTheRegistryAndPreparesReenrollment,
        "registry on anvil: re-enroll v1 (filter bank) -> v2 (TFLite network), replays refused" to tflite::reenrollsFromTheFilterBankToATfliteNetworkOnChain,
        "flows: refused imports and wrong vault keys are typed" to flows::refusedImportsAndWrongKeysAreTyped,
        "face: fetch, register the embedding (Rust verifier, snarkjs), confirm: the vault has it" to face::registersAndConfirmsTheEmbedding,
        "face: a matching selfie proves, verified by the Rust verifier and snarkjs, bound to the request" to face::provesAMatch,
        "face: a non-matching selfie is FaceNoMatch with its similarity, nothing proven" to face::noMatchIsTypedBeforeProving,
        "face: a wrong-size selfie is InvalidInput" to face::wrongSizeSelfieIsInvalidInput,
        "face: cancellation stops the match and the registration" to face::cancellationStopsFaceProofs,
        "face: pins of both kinds are checked" to face::pinMismatchIsRefused,
        "face: both statements from raw inputs (ProvingMaterials), Rust verifier and snarkjs" to face::provesBothStatementsFromRawInputs,
        "registry: face pins on anvil, registerFaceEmbedding and verifyFaceMatch with real verifiers" to { registry.registersAndMatchesTheFaceOnChain(face) },
        "platform: wrapped vault keys persist and are never replaced" to { platform.wrappedKeysPersistAndNeverReplace() },
        "platform: wrapped vault keys refuse tampering, errors are typed" to { platform.wrappedKeysRefuseTamperingAndTypeErrors() },
        "platform: a vault reopens across restarts with the wrapped store" to { platform.vaultOpensAcrossRestartsWithTheWrappedStore() },
        "platform: the HTTP fetcher reads ranges" to { platform.fetcherReadsRanges() },
        "platform: the HTTP fetcher refuses servers without ranges" to { platform.fetcherRefusesServersWithoutRanges() },
        "platform: the HTTP fetcher retries transient failures" to { platform.fetcherRetriesTransientFailures() },
        "logs: a proof's phases reach the Logger at INFO, DEBUG-only events are filtered" to logs::proofPhasesAtInfoAndDebugFiltered,
        "platform: Logcat forwarding maps levels to priorities and splits long lines" to logs::logcatForwardingMapsLevelsAndSplitsLines,
    )
    var passed = 0
    var failed = 0
    for ((name, test) in tests) {
        val start = System.nanoTime()
        val error = runCatching { runBlocking { withTimeout(300_000) { test() } } }.exceptionOrNull()
        val ms = (System.nanoTime() - start) / 1_000_000
        if (error == null) {
            passed++
            println("PASS $name (${ms} ms)")
        } else {
            failed++
            println("FAIL $name (${ms} ms): $error")
            error.printStackTrace(System.out)
        }
    }
    for ((size, byPhase) in t.latencies) {
        val text = byPhase.entries.joinToString { (p, ms) ->
            if (ms < 0) "$p (proof completed first)" else "$p %.1f ms".format(ms)
        }
        println("cancellation latency (cancel() to Cancelled), image-opening $size: $text")
    }
    flows.close()
    face.close()
    tflite.close()
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0) 0 else 1)
}
