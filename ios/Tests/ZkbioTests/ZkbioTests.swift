// Swift tests of the generated bindings, mirroring bindings/kotlin's JVM tests. They load the
// INSECURE dev keys that ios/run-tests.sh makes, from the directory in ZKBIO_TEST_KEYS.
import Foundation
import XCTest
import Zkbio

func fe(_ v: Int64) -> FieldElement {
    try! FieldElement.fromLong(value: v)
}

/// Bits packed MSB-first (np.packbits order), as the bindings take masks and return codes.
func packBits(_ bits: [Bool]) -> Data {
    var out = Data(count: (bits.count + 7) / 8)
    for (i, b) in bits.enumerated() where b {
        out[i / 8] |= UInt8(0x80) >> UInt8(i % 8)
    }
    return out
}

func sampleInput(rows: Int, cols: Int, binding: Int64 = 777) -> ImageOpeningInput {
    let n = rows * cols
    return ImageOpeningInput(
        image: Data((0..<n).map { UInt8(($0 * 37) % 256) }),
        mask: packBits((0..<n).map { $0 % 5 != 0 }),
        salt: fe(12345),
        binding: fe(binding)
    )
}

let phases: [ProvingPhase] = [.witness, .msmG1, .msmG2, .fft, .msmH]

struct TestFailure: Error, CustomStringConvertible {
    let description: String
}

/// Records every progress event (called on zkbio's proving thread).
final class Recorder: ProgressListener, @unchecked Sendable {
    private let lock = NSLock()
    private var list: [(ProvingPhase, Float)] = []

    func onProgress(phase: ProvingPhase, fraction: Float) {
        lock.lock()
        list.append((phase, fraction))
        lock.unlock()
    }

    var events: [(ProvingPhase, Float)] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }
}

/// Notes the first event of `phase` and the phases reported after it.
final class PhaseWatcher: ProgressListener, @unchecked Sendable {
    let phase: ProvingPhase
    private let lock = NSLock()
    private var seen = false
    private var later: [ProvingPhase] = []

    init(_ phase: ProvingPhase) { self.phase = phase }

    func onProgress(phase: ProvingPhase, fraction: Float) {
        lock.lock()
        if seen { later.append(phase) } else if phase == self.phase { seen = true }
        lock.unlock()
    }

    var reached: Bool {
        lock.lock()
        defer { lock.unlock() }
        return seen
    }

    var after: [ProvingPhase] {
        lock.lock()
        defer { lock.unlock() }
        return later
    }

    func waitUntilReached(timeout: TimeInterval = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !reached {
            if Date() > deadline { throw TestFailure(description: "\(phase) never reported") }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}

final class ZkbioTests: XCTestCase {
    var keys: URL!
    var small: ProvingMaterials!
    var large: ProvingMaterials!

    override func setUpWithError() throws {
        guard let dir = ProcessInfo.processInfo.environment["ZKBIO_TEST_KEYS"] else {
            throw TestFailure(description: "set ZKBIO_TEST_KEYS to the directory ios/run-tests.sh writes the keys to")
        }
        keys = URL(fileURLWithPath: dir)
        small = try ProvingMaterials.imageOpening(
            provingKeyPath: keys.appendingPathComponent("image-4x16.zpk").path, rows: 4, cols: 16)
        large = try ProvingMaterials.imageOpening(
            provingKeyPath: keys.appendingPathComponent("image-32x128.zpk").path, rows: 32, cols: 128)
    }

    func assertZkbioError<T>(
        _ body: () async throws -> T, file: StaticString = #filePath, line: UInt = #line,
        _ check: (ZkbioError) -> Bool
    ) async {
        do {
            _ = try await body()
            XCTFail("expected an error", file: file, line: line)
        } catch let e as ZkbioError {
            XCTAssertTrue(check(e), "unexpected \(e)", file: file, line: line)
        } catch {
            XCTFail("not a ZkbioError: \(error)", file: file, line: line)
        }
    }

    func testLoadsMaterials() {
        XCTAssertEqual(small.statement(), .imageOpening(rows: 4, cols: 16))
        XCTAssertEqual(small.verifyingKey().publicInputCount(), 2)
    }

    func testValueTypesCompareByValueAndParseStrictly() async throws {
        let x = fe(777)
        XCTAssertEqual(try FieldElement.fromHex(hex: "0x309"), x)
        XCTAssertEqual(try FieldElement.fromDecimal(decimal: "777"), x)
        XCTAssertEqual(try FieldElement.fromBytes(bytes: x.toBytes()), x)
        XCTAssertEqual(x.toHex(), "0x" + String(repeating: "0", count: 61) + "309")
        XCTAssertEqual(x.description, x.toHex())
        XCTAssertEqual(Set([fe(1), fe(1), fe(2)]).count, 2)
        XCTAssertNotEqual(x, fe(778))
        await assertZkbioError({ try FieldElement.fromHex(hex: "0x" + String(repeating: "f", count: 64)) }) {
            if case .InvalidInput = $0 { return true }
            return false
        }
        await assertZkbioError({ try FieldElement.fromLong(value: -1) }) {
            if case .InvalidInput = $0 { return true }
            return false
        }
        let checksummed = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
        let a = try Address.fromHex(hex: checksummed)
        XCTAssertEqual(a, try Address.fromHex(hex: checksummed.lowercased()))
        XCTAssertEqual(a.description, checksummed)
        await assertZkbioError({ try Address.fromHex(hex: "0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed") }) {
            if case .InvalidInput = $0 { return true }
            return false
        }
        let n = try Uint256.fromHex(hex: "0x5")
        XCTAssertEqual(n, try Uint256.fromLong(value: 5))
        XCTAssertEqual(n.toLong(), 5)
        XCTAssertEqual(try Bytes32.fromBytes(bytes: Data(repeating: 0xab, count: 32)).toHex(), "0x" + String(repeating: "ab", count: 32))
    }

    func testProvesAndVerifies() async throws {
        let out = try await small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: nil)
        XCTAssertEqual(out.publicInputs.binding, fe(777))
        XCTAssertEqual(out.proof.a.x.count, 66) // "0x" and 64 hex digits
        let vk = small.verifyingKey()
        try verifyImageOpening(vk: vk, proof: out)
        try verify(vk: vk, proof: out.proof, publicInputs: [out.publicInputs.cImg, out.publicInputs.binding])
        var wrong = out
        wrong.publicInputs.binding = fe(778)
        await assertZkbioError({ try verifyImageOpening(vk: vk, proof: wrong) }) { $0 == .VerificationFailed }
        let again = try await small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: nil)
        XCTAssertNotEqual(again.proof, out.proof, "proofs are randomized")
        XCTAssertEqual(again.publicInputs, out.publicInputs)
    }

    func testProgressEventsInOrder() async throws {
        let rec = Recorder()
        _ = try await small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: rec, cancel: nil)
        let events = rec.events
        for (prev, next) in zip(events, events.dropFirst()) {
            let (i, j) = (phases.firstIndex(of: prev.0)!, phases.firstIndex(of: next.0)!)
            XCTAssertTrue(i < j || (i == j && prev.1 <= next.1), "\(prev) then \(next)")
        }
        for p in phases {
            XCTAssertTrue(events.contains { $0 == (p, 0) } && events.contains { $0 == (p, 1) }, "\(p) incomplete")
        }
    }

    /// Cancels from the test once the prover reports `phase`; returns the latency in ms.
    func cancelDuring(_ phase: ProvingPhase) async throws -> Double {
        let token = CancellationToken()
        let watcher = PhaseWatcher(phase)
        let materials = large!
        let task = Task {
            try await materials.proveImageOpening(input: sampleInput(rows: 32, cols: 128), listener: watcher, cancel: token)
        }
        try await watcher.waitUntilReached()
        let t0 = DispatchTime.now()
        token.cancel()
        let result = await task.result
        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6
        if case let .failure(error) = result, let e = error as? ZkbioError, e == .Cancelled {
            // As expected.
        } else {
            XCTFail("cancel during \(phase): got \(result)")
        }
        let start = phases.firstIndex(of: phase)!
        XCTAssertTrue(watcher.after.allSatisfy { phases.firstIndex(of: $0)! <= start + 1 }, "\(watcher.after)")
        return ms
    }

    func testCancellationMidProofIsPromptAndTyped() async throws {
        var latencies: [ProvingPhase: Double] = [:]
        for p in phases { latencies[p] = try await cancelDuring(p) }
        print("cancellation latency (ms): \(latencies)")
        XCTAssertLessThan(latencies.values.max()!, 2000)
        let token = CancellationToken()
        token.cancel()
        XCTAssertTrue(token.isCancelled())
        await assertZkbioError({
            try await self.small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: token)
        }) { $0 == .Cancelled }
    }

    func testTypedErrorsOnBadInput() async throws {
        var short = sampleInput(rows: 4, cols: 16)
        short.image = short.image.prefix(63)
        await assertZkbioError({ try await self.small.proveImageOpening(input: short, listener: nil, cancel: nil) }) {
            if case let .InvalidInput(what, why) = $0 { return what == "image" && why.contains("63 entries") }
            return false
        }
        var mask = sampleInput(rows: 4, cols: 16)
        mask.mask.append(0)
        await assertZkbioError({ try await self.small.proveImageOpening(input: mask, listener: nil, cancel: nil) }) {
            if case let .InvalidInput(what, _) = $0 { return what == "mask" }
            return false
        }
        // Salts and bindings are checked where they are made: no non-canonical FieldElement exists.
        await assertZkbioError({ try FieldElement.fromBytes(bytes: Data(repeating: 0xff, count: 32)) }) {
            if case let .InvalidInput(_, why) = $0 { return why.contains("modulus") }
            return false
        }
        await assertZkbioError({ try FieldElement.fromBytes(bytes: Data(count: 31)) }) {
            if case .InvalidInput = $0 { return true }
            return false
        }
        let out = try await small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: nil)
        let vk = small.verifyingKey()
        await assertZkbioError({ try verify(vk: vk, proof: out.proof, publicInputs: [fe(1)]) }) {
            if case let .InvalidInput(what, _) = $0 { return what == "public_inputs" }
            return false
        }
        var offCurve = out
        offCurve.proof.a.y = fe(5).toHex()
        await assertZkbioError({ try verifyImageOpening(vk: vk, proof: offCurve) }) {
            if case let .InvalidInput(what, _) = $0 { return what == "proof.a" }
            return false
        }
    }

    func testTypedErrorsOnBadKeyFiles() async throws {
        let missing = "/nonexistent/zkbio/key.zpk"
        await assertZkbioError({ try ProvingMaterials.imageOpening(provingKeyPath: missing, rows: 4, cols: 16) }) {
            if case let .Io(path, _) = $0 { return path == missing }
            return false
        }
        let good = try Data(contentsOf: keys.appendingPathComponent("image-4x16.zpk"))
        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("zkbio-corrupt-\(UUID()).zpk")
        defer { try? FileManager.default.removeItem(at: bad) }
        var flipped = good
        flipped[0] ^= 1
        try flipped.write(to: bad)
        await assertZkbioError({ try ProvingMaterials.imageOpening(provingKeyPath: bad.path, rows: 4, cols: 16) }) {
            if case let .CorruptedArtifact(path, why) = $0 { return path == bad.path && why.contains("magic") }
            return false
        }
        try good.prefix(good.count - 64).write(to: bad)
        await assertZkbioError({ try ProvingMaterials.imageOpening(provingKeyPath: bad.path, rows: 4, cols: 16) }) {
            if case .CorruptedArtifact = $0 { return true }
            return false
        }
        let other = try ProvingMaterials.imageOpening(
            provingKeyPath: keys.appendingPathComponent("image-32x128.zpk").path, rows: 4, cols: 16)
        await assertZkbioError({
            try await other.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: nil)
        }) {
            if case let .CorruptedArtifact(_, why) = $0 { return why.contains("another circuit") }
            return false
        }
    }

    func testSnarkjsJsonExport() async throws {
        let out = try await small.proveImageOpening(input: sampleInput(rows: 4, cols: 16), listener: nil, cancel: nil)
        let proof = try proofToSnarkjsJson(proof: out.proof)
        XCTAssertTrue(proof.contains("\"protocol\": \"groth16\""))
        let pub = publicInputsToSnarkjsJson(publicInputs: [out.publicInputs.cImg, out.publicInputs.binding])
        XCTAssertTrue(pub.contains("\"777\""))
        let vk = try VerifyingKey.fromSnarkjsJson(json: small.verifyingKey().toSnarkjsJson())
        try verifyImageOpening(vk: vk, proof: out)
    }

    func testSharedMaterialsProveConcurrently() async throws {
        let materials = small!
        let results = try await withThrowingTaskGroup(of: (Int64, ImageOpeningProof).self) { group in
            for i in 0..<3 {
                let b = Int64(1000 + i)
                group.addTask {
                    (b, try await materials.proveImageOpening(input: sampleInput(rows: 4, cols: 16, binding: b), listener: nil, cancel: nil))
                }
            }
            var all: [(Int64, ImageOpeningProof)] = []
            for try await r in group { all.append(r) }
            return all
        }
        XCTAssertEqual(results.count, 3)
        for (b, proof) in results {
            XCTAssertEqual(proof.publicInputs.binding, fe(b))
            try verifyImageOpening(vk: materials.verifyingKey(), proof: proof)
        }
    }
}
