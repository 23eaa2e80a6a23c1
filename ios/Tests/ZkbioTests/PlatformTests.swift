// Tests of the iOS platform pieces (Sources/Zkbio): the Keychain vault key store and the
// URLSession range fetcher. The fetcher talks to an in-process server (a URLProtocol that
// serves a blob with or without Range support), so no network is needed.
import Foundation
import os
import Security
import XCTest
import Zkbio

/// Serves `StubServer.blob` at any URL, per `StubServer.mode`; records each request's headers.
final class StubServer: URLProtocol {
    enum Mode { case ranges, ignoresRange, wrongOffset, flaky(failures: Int), missing }

    static let lock = NSLock()
    static var blob = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 * 31 + $0 / 256) })
    static var mode: Mode = .ranges
    static var requests: [URLRequest] = []
    static var failuresLeft = 0

    static func reset(_ m: Mode) {
        lock.lock()
        mode = m
        requests = []
        if case let .flaky(n) = m { failuresLeft = n } else { failuresLeft = 0 }
        lock.unlock()
    }

    static var rangeHeaders: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requests.map { $0.value(forHTTPHeaderField: "Range") ?? "-" }
    }

    static var encodings: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requests.map { $0.value(forHTTPHeaderField: "Accept-Encoding") ?? "-" }
    }

    override class func canInit(with request: URLRequest) -> Bool { true }
    override class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    private func reply(_ status: Int, _ headers: [String: String], _ body: Data) {
        let response = HTTPURLResponse(url: request.url!, statusCode: status, httpVersion: "HTTP/1.1", headerFields: headers)!
        client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
        if !body.isEmpty { client?.urlProtocol(self, didLoad: body) }
        client?.urlProtocolDidFinishLoading(self)
    }

    override func startLoading() {
        Self.lock.lock()
        Self.requests.append(request)
        let mode = Self.mode
        var fail = false
        if Self.failuresLeft > 0 { Self.failuresLeft -= 1; fail = true }
        Self.lock.unlock()
        let blob = Self.blob
        if case .missing = mode { return reply(404, [:], Data()) }
        if fail { return reply(503, [:], Data()) }
        let range = request.value(forHTTPHeaderField: "Range")
        if case .ignoresRange = mode { return reply(200, ["Content-Length": "\(blob.count)"], blob) }
        guard let spec = range?.replacingOccurrences(of: "bytes=", with: "").split(separator: "-", omittingEmptySubsequences: false),
              let from = Int(spec[0])
        else { return reply(200, ["Content-Length": "\(blob.count)"], blob) }
        let to = min(spec.count > 1 ? Int(spec[1]) ?? blob.count - 1 : blob.count - 1, blob.count - 1)
        let shown: Int
        if case .wrongOffset = mode { shown = from + 1 } else { shown = from }
        let part = blob.subdata(in: from..<(to + 1))
        reply(206, ["Content-Range": "bytes \(shown)-\(to)/\(blob.count)", "Content-Length": "\(part.count)"], part)
    }

    override func stopLoading() {}
}

final class PlatformTests: XCTestCase {
    let url = "https://packages.invalid/v1/blob"

    func fetcher(attempts: Int = 3, maxBodyBytes: Int = 64 << 20) -> URLSessionRangeFetcher {
        let config = URLSessionConfiguration.ephemeral
        config.protocolClasses = [StubServer.self]
        return URLSessionRangeFetcher(configuration: config, attempts: attempts, retryDelay: 0.01, maxBodyBytes: maxBodyBytes)
    }

    func slice(_ from: Int, _ to: Int) -> Data { StubServer.blob.subdata(in: from..<to) }

    func testOSLogTypesOfZkbioLevels() {
        XCTAssertEqual(OSLogLogger.osLogType(for: .error), .error)
        XCTAssertEqual(OSLogLogger.osLogType(for: .warn), .default)
        XCTAssertEqual(OSLogLogger.osLogType(for: .info), .info)
        XCTAssertEqual(OSLogLogger.osLogType(for: .debug), .debug)
        XCTAssertEqual(OSLogLogger.osLogType(for: .trace), .debug)
    }

    func testFetcherReadsRanges() throws {
        StubServer.reset(.ranges)
        let f = fetcher()
        XCTAssertEqual(try f.fetchRange(url: url, start: 0, end: 10), slice(0, 10))
        XCTAssertEqual(try f.fetchRange(url: url, start: 1000, end: 70_000), slice(1000, 70_000))
        XCTAssertEqual(try f.fetchRange(url: url, start: 299_990, end: nil), slice(299_990, 300_000))
        XCTAssertEqual(try f.fetchRange(url: url, start: 299_990, end: 400_000), slice(299_990, 300_000))
        XCTAssertEqual(StubServer.rangeHeaders, ["bytes=0-9", "bytes=1000-69999", "bytes=299990-", "bytes=299990-399999"])
        XCTAssertTrue(StubServer.encodings.allSatisfy { $0 == "identity" })
        XCTAssertEqual(try f.fetchRange(url: url, start: 7, end: 7), Data())
        XCTAssertEqual(StubServer.rangeHeaders.count, 4, "an empty range makes no request")
        XCTAssertThrowsError(try f.fetchRange(url: url, start: 9, end: 3)) { e in
            guard case FetchError.Invalid = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try f.fetchRange(url: "ftp://x.invalid/blob", start: 0, end: 3)) { e in
            guard case FetchError.Invalid = e else { return XCTFail("\(e)") }
        }
        XCTAssertThrowsError(try fetcher(maxBodyBytes: 1000).fetchRange(url: url, start: 0, end: nil)) { e in
            guard case FetchError.Invalid = e else { return XCTFail("\(e)") }
        }
    }

    func testFetcherRefusesServersWithoutRanges() throws {
        StubServer.reset(.ignoresRange)
        let f = fetcher()
        XCTAssertThrowsError(try f.fetchRange(url: url, start: 100, end: 200)) { e in
            guard case FetchError.RangeNotSupported = e else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(StubServer.rangeHeaders.count, 1, "not retried")
        XCTAssertEqual(try f.fetchRange(url: url, start: 0, end: 5000), slice(0, 5000))
        StubServer.reset(.wrongOffset)
        XCTAssertThrowsError(try f.fetchRange(url: url, start: 100, end: 200)) { e in
            guard case let FetchError.Invalid(why) = e, why.contains("Content-Range") else { return XCTFail("\(e)") }
        }
    }

    func testFetcherRetriesTransientFailures() throws {
        StubServer.reset(.flaky(failures: 2))
        XCTAssertEqual(try fetcher(attempts: 3).fetchRange(url: url, start: 10, end: 20), slice(10, 20))
        XCTAssertEqual(StubServer.rangeHeaders.count, 3)
        StubServer.reset(.flaky(failures: 5))
        XCTAssertThrowsError(try fetcher(attempts: 2).fetchRange(url: url, start: 10, end: 20)) { e in
            guard case let FetchError.Status(status) = e, status == 503 else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(StubServer.rangeHeaders.count, 2)
        StubServer.reset(.missing)
        XCTAssertThrowsError(try fetcher().fetchRange(url: url, start: 0, end: 1)) { e in
            guard case let FetchError.Status(status) = e, status == 404 else { return XCTFail("\(e)") }
        }
        XCTAssertEqual(StubServer.rangeHeaders.count, 1, "404 is not retried")
    }

    func testKeychainKeysPersistAndAreNeverReplaced() throws {
        let service = "org.zkbio.tests.\(UUID().uuidString)"
        let store = KeychainVaultKeyStore(service: service)
        defer {
            try? store.deleteKey(keyId: 1)
            try? store.deleteKey(keyId: 2)
        }
        XCTAssertNil(try store.getKey(keyId: 1))
        let k1 = try store.createKey(keyId: 1)
        XCTAssertEqual(k1.count, 32)
        XCTAssertNotEqual(k1, Data(count: 32))
        XCTAssertEqual(try store.getKey(keyId: 1), k1)
        XCTAssertEqual(try store.createKey(keyId: 1), k1, "create never replaces")
        let k2 = try store.createKey(keyId: 2)
        XCTAssertNotEqual(k1, k2)
        // Another instance over the same service (an app restart) reads the same keys.
        let again = KeychainVaultKeyStore(service: service)
        XCTAssertEqual(try again.getKey(keyId: 1), k1)
        try again.deleteKey(keyId: 1)
        XCTAssertNil(try store.getKey(keyId: 1))
        XCTAssertEqual(try store.getKey(keyId: 2), k2)
        try again.deleteKey(keyId: 1) // absent: succeeds
        // Another service is another store.
        XCTAssertNil(try KeychainVaultKeyStore(service: service + ".other").getKey(keyId: 2))
    }

    func testKeychainStatusesMapToTypedErrors() {
        guard case KeyStoreError.Unavailable = KeychainVaultKeyStore.error("x", errSecInteractionNotAllowed) else {
            return XCTFail("a locked device is Unavailable")
        }
        guard case KeyStoreError.Failed = KeychainVaultKeyStore.error("x", errSecParam) else {
            return XCTFail("other statuses are Failed")
        }
    }

    func testVaultOpensAcrossRestartsWithTheKeychainStore() throws {
        let service = "org.zkbio.tests.\(UUID().uuidString)"
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString).path
        defer {
            try? KeychainVaultKeyStore(service: service).deleteKey(keyId: 1)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let vault = try ZkbioVault.open(dir: dir, keyStore: KeychainVaultKeyStore(service: service))
        XCTAssertEqual(vault.records(), [])
        XCTAssertNotNil(try KeychainVaultKeyStore(service: service).getKey(keyId: 1), "the vault made its key")
        _ = try ZkbioVault.open(dir: dir, keyStore: KeychainVaultKeyStore(service: service))
    }
}
