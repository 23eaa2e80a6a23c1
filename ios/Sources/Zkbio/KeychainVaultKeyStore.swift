// The vault's key store on iOS: each 32-byte vault key is a generic-password Keychain item,
// readable only while the device is unlocked and never migrating to another device (not in
// backups restored elsewhere, not in iCloud Keychain). Pass one to `ZkbioVault.open`.
import Foundation
import Security

/// A `VaultKeyStore` over the Keychain: item `vault-key-<id>` of service `service`.
///
/// `accessibility` defaults to `kSecAttrAccessibleWhenUnlockedThisDeviceOnly`: vault calls made
/// while the device is locked fail with `KeyStoreError.Unavailable` (retryable). An app that
/// must prove in the background after the first unlock can pass
/// `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`; both keep the key on this device.
public final class KeychainVaultKeyStore: VaultKeyStore, @unchecked Sendable {
    private let service: String
    private let accessGroup: String?
    private let accessibility: CFString
    // Serializes create-if-absent within the process; SecItemAdd's errSecDuplicateItem covers
    // other processes (an app extension sharing the access group).
    private let lock = NSLock()

    /// Bytes of a vault key.
    public static let keyBytes = 32

    public init(
        service: String = "org.zkbio.vault-keys",
        accessGroup: String? = nil,
        accessibility: CFString = kSecAttrAccessibleWhenUnlockedThisDeviceOnly
    ) {
        self.service = service
        self.accessGroup = accessGroup
        self.accessibility = accessibility
    }

    private func query(_ keyId: Int64) -> [String: Any] {
        var q: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: "vault-key-\(keyId)",
            kSecAttrSynchronizable as String: kCFBooleanFalse as Any,
        ]
        if let group = accessGroup {
            q[kSecAttrAccessGroup as String] = group
        }
        return q
    }

    /// `status` as the vault sees it: "not now" (locked device, no user interaction allowed)
    /// is `Unavailable`, the rest `Failed`.
    public static func error(_ what: String, _ status: OSStatus) -> KeyStoreError {
        let message = (SecCopyErrorMessageString(status, nil) as String?) ?? "OSStatus \(status)"
        let why = "\(what): \(message)"
        switch status {
        case errSecInteractionNotAllowed, errSecNotAvailable:
            return KeyStoreError.Unavailable(why: why)
        default:
            return KeyStoreError.Failed(why: why)
        }
    }

    public func getKey(keyId: Int64) throws -> Data? {
        var q = query(keyId)
        q[kSecReturnData as String] = kCFBooleanTrue
        q[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(q as CFDictionary, &item)
        switch status {
        case errSecSuccess:
            guard let data = item as? Data, data.count == Self.keyBytes else {
                throw KeyStoreError.Failed(why: "vault key \(keyId) in the Keychain is malformed")
            }
            return data
        case errSecItemNotFound:
            return nil
        default:
            throw Self.error("reading vault key \(keyId)", status)
        }
    }

    public func createKey(keyId: Int64) throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let existing = try getKey(keyId: keyId) {
            return existing
        }
        var bytes = [UInt8](repeating: 0, count: Self.keyBytes)
        let random = SecRandomCopyBytes(kSecRandomDefault, bytes.count, &bytes)
        guard random == errSecSuccess else {
            throw Self.error("generating vault key \(keyId)", random)
        }
        defer { for i in bytes.indices { bytes[i] = 0 } }
        var add = query(keyId)
        add[kSecValueData as String] = Data(bytes)
        add[kSecAttrAccessible as String] = accessibility
        let status = SecItemAdd(add as CFDictionary, nil)
        switch status {
        case errSecSuccess:
            return Data(bytes)
        case errSecDuplicateItem:
            // Another process stored one first: that one is the key, never replace it.
            guard let existing = try getKey(keyId: keyId) else {
                throw KeyStoreError.Failed(why: "vault key \(keyId): duplicate item that cannot be read")
            }
            return existing
        default:
            throw Self.error("storing vault key \(keyId)", status)
        }
    }

    public func deleteKey(keyId: Int64) throws {
        let status = SecItemDelete(query(keyId) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw Self.error("deleting vault key \(keyId)", status)
        }
    }
}
