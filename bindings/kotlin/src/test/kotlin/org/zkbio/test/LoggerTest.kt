// The foreign Logger: a proof's phases arrive at INFO, DEBUG-only events only at DEBUG, nothing
// after clearLogger; and the Logcat forwarding's JVM-testable part (priorities, splitting).
package org.zkbio.test

import java.util.concurrent.ConcurrentLinkedQueue
import org.zkbio.LogLevel
import org.zkbio.Logger
import org.zkbio.ProvingMaterials
import org.zkbio.clearLogger
import org.zkbio.platform.ForwardingLogger
import org.zkbio.setLogger

/** Every line the bindings forward. */
class RecordingLogger : Logger {
    val lines = ConcurrentLinkedQueue<Triple<LogLevel, String, String>>()
    override fun log(level: LogLevel, target: String, message: String) {
        lines.add(Triple(level, target, message))
    }
}

class LoggerTests(private val keys: Keys) {
    private val small by lazy { ProvingMaterials.imageOpening(keys.small, 4, 16) }
    private val phases = listOf("checks", "msm-g1", "msm-g2", "fft", "msm-h", "self-verify")

    /** The phases whose "done in … ms" lines arrived, in order (not the total, "proof done"). */
    private fun donePhases(lines: Collection<Triple<LogLevel, String, String>>): List<String> =
        lines.mapNotNull { (_, _, m) -> Regex("""^prove: (\S+) done in [0-9.]+ ms$""").find(m)?.groupValues?.get(1) }
            .filter { it != "proof" }

    suspend fun proofPhasesAtInfoAndDebugFiltered() {
        val info = RecordingLogger()
        check(setLogger(info, LogLevel.INFO)) { "the bindings' subscriber is the process's" }
        try {
            small.proveImageOpening(sampleInput(4, 16), null, null)
            val lines = info.lines.toList()
            check(donePhases(lines) == phases) { "phases at INFO: ${donePhases(lines)} in $lines" }
            check(lines.all { it.first == LogLevel.INFO || it.first == LogLevel.WARN || it.first == LogLevel.ERROR }) {
                "nothing below INFO at INFO: $lines"
            }
            check(lines.all { it.second.startsWith("zkbio") }) { "zkbio's targets only: $lines" }
            check(lines.any { it.third.startsWith("prove: proof done in ") }) { "the total: $lines" }

            // The same proof at DEBUG also has the progress within phases (DEBUG-only events).
            val debug = RecordingLogger()
            setLogger(debug, LogLevel.DEBUG)
            small.proveImageOpening(sampleInput(4, 16), null, null)
            val debugLines = debug.lines.toList()
            val progress = debugLines.filter { it.first == LogLevel.DEBUG }
            check(progress.any { it.third == "prove: fft 100%" }) { "DEBUG progress: $debugLines" }
            check(donePhases(debugLines) == phases) { "phases at DEBUG: $debugLines" }
            check(info.lines.size == lines.size) { "the replaced logger got nothing more" }
            check(lines.none { l -> progress.any { it.third == l.third } }) { "no DEBUG line reached the INFO logger" }

            clearLogger()
            val before = debug.lines.size
            small.proveImageOpening(sampleInput(4, 16), null, null)
            check(debug.lines.size == before) { "nothing after clearLogger: ${debug.lines.drop(before)}" }
        } finally {
            clearLogger()
        }
    }

    suspend fun logcatForwardingMapsLevelsAndSplitsLines() {
        val written = mutableListOf<Triple<Int, String, String>>()
        val logger = ForwardingLogger({ p, tag, m -> written.add(Triple(p, tag, m)) }, maxChars = 10)
        val levels = listOf(LogLevel.ERROR, LogLevel.WARN, LogLevel.INFO, LogLevel.DEBUG, LogLevel.TRACE)
        for (l in levels) logger.log(l, "zkbio_core::log", "x")
        // android.util.Log.ERROR, WARN, INFO, DEBUG, VERBOSE.
        check(written.map { it.first } == listOf(6, 5, 4, 3, 2)) { "priorities ${written.map { it.first }}" }
        check(written.all { it.second == "zkbio" && it.third == "x" }) { "tag and message: $written" }
        written.clear()
        logger.log(LogLevel.INFO, "t", "0123456789abcdefghijKL")
        check(written.map { it.third } == listOf("0123456789", "abcdefghij", "KL")) { "split: $written" }
        // A surrogate pair is never cut in two.
        check(ForwardingLogger.split("abc\uD83D\uDE00", 4) == listOf("abc", "\uD83D\uDE00")) { "surrogates" }
        assertThrows<IllegalArgumentException> { ForwardingLogger({ _, _, _ -> }, tag = "x".repeat(24)) }
    }
}
