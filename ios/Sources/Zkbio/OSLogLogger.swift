// zkbio's logs in the unified logging system (os_log): Console.app and `log stream
// --predicate 'subsystem == "org.zkbio"'`.
import os

/// A `Logger` (zkbio's protocol) writing each line to an `os.Logger` at the `OSLogType` of its
/// level (`osLogType(for:)`). zkbio's lines hold no secret and no biometric data
/// (zkbio_core::log), so they are logged as public: otherwise the system redacts them.
public final class OSLogLogger: Zkbio.Logger, @unchecked Sendable {
    private let osLog: os.Logger

    /// Logs under `subsystem` and `category`.
    public init(subsystem: String = "org.zkbio", category: String = "zkbio") {
        osLog = os.Logger(subsystem: subsystem, category: category)
    }

    /// Forwards zkbio's lines at `level` and more severe to os_log; false if the process already
    /// has another Rust log subscriber (see `setLogger`). `clearLogger()` stops.
    @discardableResult
    public static func install(level: LogLevel = .info) -> Bool {
        setLogger(logger: OSLogLogger(), level: level)
    }

    /// The os_log type of a zkbio level (os_log has no "warning": `.default` is its notice level).
    public static func osLogType(for level: LogLevel) -> OSLogType {
        switch level {
        case .error: return .error
        case .warn: return .default
        case .info: return .info
        case .debug, .trace: return .debug
        }
    }

    public func log(level: LogLevel, target: String, message: String) {
        osLog.log(level: Self.osLogType(for: level), "\(message, privacy: .public)")
    }
}
