// The package downloader's HTTP on URLSession: one `Range` request per call, on zkbio's download
// thread (never the main one), so the call waits for its reply.
import Foundation

/// A `Fetcher` making `Range: bytes=start-(end-1)` GETs with `URLSession`.
///
/// - A 206 reply must say `Content-Range: bytes start-…`; one at another offset is
///   `FetchError.Invalid`. A 200 reply (the server ignored `Range`) to a request at a non-zero
///   offset is `FetchError.RangeNotSupported`; at offset 0 its first `end` bytes are used, and
///   the transfer is stopped there.
/// - Never returns more than asked; a body that breaks off after some bytes returns those (the
///   downloader asks again from there).
/// - Connection failures, HTTP 5xx, 408 and 429 are retried here up to `attempts` times in all,
///   pausing `retryDelay` × 2ⁿ, before the error goes to the downloader (which retries on its
///   own schedule too; pass `attempts: 1` to leave retrying to it).
/// - `Accept-Encoding: identity`: URLSession would otherwise decompress a gzipped body, which is
///   then not the asked bytes.
///
/// `maxBodyBytes` bounds what an open-ended call (`end == nil`, e.g. `manifest.json`) reads.
public final class URLSessionRangeFetcher: Fetcher, @unchecked Sendable {
    private let session: URLSession
    private let attempts: Int
    private let retryDelay: TimeInterval
    private let timeout: TimeInterval
    private let maxBodyBytes: Int

    /// `configuration`: e.g. `.default`, or one with `waitsForConnectivity`, a proxy, or (in
    /// tests) `protocolClasses`.
    public init(
        configuration: URLSessionConfiguration = .default,
        attempts: Int = 3,
        retryDelay: TimeInterval = 0.25,
        timeout: TimeInterval = 30,
        maxBodyBytes: Int = 64 << 20
    ) {
        precondition(attempts >= 1 && maxBodyBytes >= 1)
        let config = configuration.copy() as! URLSessionConfiguration
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        session = URLSession(configuration: config)
        self.attempts = attempts
        self.retryDelay = retryDelay
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
    }

    deinit {
        session.finishTasksAndInvalidate()
    }

    public func fetchRange(url: String, start: Int64, end: Int64?) throws -> Data {
        if start < 0 {
            throw FetchError.Invalid(why: "range start \(start) is negative")
        }
        if let end = end, end < start {
            throw FetchError.Invalid(why: "range \(start)..\(end) is reversed")
        }
        if end == start { return Data() }
        let limit: Int
        if let end = end {
            guard end - start <= Int64(Int32.max) else {
                throw FetchError.Invalid(why: "range of \(end - start) bytes is too large for one call")
            }
            limit = Int(end - start)
        } else {
            limit = maxBodyBytes
        }
        guard let target = URL(string: url), let scheme = target.scheme?.lowercased(),
              scheme == "http" || scheme == "https", target.host != nil
        else {
            throw FetchError.Invalid(why: "not an http(s) URL: \(url)")
        }
        var failure: FetchError = .Network(why: "no attempt made")
        for attempt in 0..<attempts {
            if attempt > 0 {
                Thread.sleep(forTimeInterval: retryDelay * Double(1 << min(attempt - 1, 10)))
            }
            do {
                return try once(target, start: start, end: end, limit: limit)
            } catch let e as FetchError {
                guard Self.retryable(e) else { throw e }
                failure = e
            }
        }
        throw failure
    }

    /// Whether a failure may pass on a second try.
    public static func retryable(_ e: FetchError) -> Bool {
        switch e {
        case .Network: return true
        case let .Status(status): return status >= 500 || status == 408 || status == 429
        default: return false
        }
    }

    /// `a` of `bytes a-b/total` (RFC 9110 §14.4).
    static func contentRangeStart(_ header: String) -> Int64? {
        let spec = header.trimmingCharacters(in: .whitespaces)
        guard spec.hasPrefix("bytes ") else { return nil }
        let rest = spec.dropFirst(6)
        let first = rest.split(separator: "-", maxSplits: 1).first ?? rest[...]
        let digits = first.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(digits)
    }

    private func once(_ target: URL, start: Int64, end: Int64?, limit: Int) throws -> Data {
        var request = URLRequest(url: target, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.setValue("bytes=\(start)-" + (end.map { String($0 - 1) } ?? ""), forHTTPHeaderField: "Range")
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        // Open-ended: one byte more than allowed tells a body that is too large.
        let reader = BodyReader(start: start, limit: end == nil ? limit + 1 : limit)
        let task = session.dataTask(with: request)
        task.delegate = reader
        task.resume()
        reader.done.wait()
        if let error = reader.error { throw error }
        if end == nil && reader.body.count > limit {
            throw FetchError.Invalid(why: "body larger than \(limit) bytes")
        }
        return reader.body
    }
}

/// One request's delegate: checks the status and Content-Range, keeps at most `limit` bytes,
/// and stops the transfer once it has them.
private final class BodyReader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let start: Int64
    let limit: Int
    let done = DispatchSemaphore(value: 0)
    // Written on the session's delegate queue, read after `done` is signalled.
    var body = Data()
    var error: FetchError?
    private var enough = false

    init(start: Int64, limit: Int) {
        self.start = start
        self.limit = limit
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let http = response as? HTTPURLResponse else {
            error = .Invalid(why: "not an HTTP response")
            return completionHandler(.cancel)
        }
        switch http.statusCode {
        case 206:
            guard let range = http.value(forHTTPHeaderField: "Content-Range") else {
                error = .Invalid(why: "206 without Content-Range")
                return completionHandler(.cancel)
            }
            guard URLSessionRangeFetcher.contentRangeStart(range) == start else {
                error = .Invalid(why: "asked for bytes from \(start), got Content-Range: \(range)")
                return completionHandler(.cancel)
            }
        case 200:
            if start != 0 {
                error = .RangeNotSupported
                return completionHandler(.cancel)
            }
        default:
            error = .Status(status: Int32(clamping: http.statusCode))
            return completionHandler(.cancel)
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let room = limit - body.count
        body.append(data.prefix(room))
        if body.count >= limit && !enough {
            enough = true
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError failure: Error?) {
        if let failure = failure, error == nil, !enough {
            // A break after some bytes is a short read the downloader resumes from.
            if body.isEmpty {
                error = .Network(why: failure.localizedDescription)
            }
        }
        done.signal()
    }
}
