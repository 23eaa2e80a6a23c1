// zkbio's logs in Logcat. This file needs Android classes, so the JVM tests cannot compile it;
// the forwarding it configures (priorities, splitting) is ForwardingLogger's, tested there.
package org.zkbio.platform.android

import android.util.Log
import org.zkbio.LogLevel
import org.zkbio.platform.ForwardingLogger
import org.zkbio.setLogger

/** Sends zkbio's log lines to Logcat. */
object LogcatLogger {
    /**
     * Forwards zkbio's lines at [level] and more severe to Logcat under [tag] (`adb logcat -s zkbio`).
     * Returns false if the process already has another Rust log subscriber (see `setLogger`).
     * Call `clearLogger()` to stop.
     */
    fun install(level: LogLevel = LogLevel.INFO, tag: String = ForwardingLogger.TAG): Boolean =
        setLogger(ForwardingLogger({ priority, t, message -> Log.println(priority, t, message) }, tag), level)
}
