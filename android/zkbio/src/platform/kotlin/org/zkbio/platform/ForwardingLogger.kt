// zkbio's log lines to a platform log (Logcat on Android: see android/LogcatLogger.kt), with the
// parts that need no Android SDK here, so the JVM tests run them: the level to Logcat priority
// mapping and the splitting of long lines (Logcat cuts an entry at about 4 KB).
package org.zkbio.platform

import org.zkbio.LogLevel
import org.zkbio.Logger

/** Where a [ForwardingLogger] writes: `android.util.Log.println` on Android. */
fun interface LogSink {
    fun write(priority: Int, tag: String, message: String)
}

/**
 * A [Logger] writing each of zkbio's lines to [sink] under [tag], at the Logcat priority of its
 * level ([priorityOf]), split into pieces of at most [maxChars] characters.
 *
 * zkbio's lines hold no secret and no biometric data (zkbio_core::log), so they can go to the
 * system log as they are.
 */
class ForwardingLogger(
    private val sink: LogSink,
    private val tag: String = TAG,
    private val maxChars: Int = MAX_CHARS,
) : Logger {
    init {
        // Logcat refuses tags longer than 23 characters before API 26.
        require(tag.length in 1..23) { "a Logcat tag has 1 to 23 characters" }
        require(maxChars > 0) { "maxChars must be positive" }
    }

    override fun log(level: LogLevel, target: String, message: String) {
        val priority = priorityOf(level)
        for (piece in split(message, maxChars)) sink.write(priority, tag, piece)
    }

    companion object {
        /** The default tag. */
        const val TAG = "zkbio"

        /** Characters per Logcat entry: UTF-8 takes up to 4 bytes each, Logcat keeps about 4 KB. */
        const val MAX_CHARS = 1000

        // android.util.Log's priorities (the constants live in the Android SDK, not on the JVM).
        const val VERBOSE = 2
        const val DEBUG = 3
        const val INFO = 4
        const val WARN = 5
        const val ERROR = 6

        /** The Logcat priority of a zkbio level. */
        fun priorityOf(level: LogLevel): Int = when (level) {
            LogLevel.ERROR -> ERROR
            LogLevel.WARN -> WARN
            LogLevel.INFO -> INFO
            LogLevel.DEBUG -> DEBUG
            LogLevel.TRACE -> VERBOSE
        }

        /** [message] in pieces of at most [max] characters, never splitting a surrogate pair. */
        fun split(message: String, max: Int): List<String> {
            if (message.length <= max) return listOf(message)
            val out = mutableListOf<String>()
            var start = 0
            while (start < message.length) {
                var end = minOf(start + max, message.length)
                if (end < message.length && end - start > 1 && Character.isHighSurrogate(message[end - 1])) end--
                out.add(message.substring(start, end))
                start = end
            }
            return out
        }
    }
}
