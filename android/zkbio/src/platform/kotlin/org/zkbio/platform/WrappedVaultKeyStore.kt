// The vault's key store as an app ships it: each 32-byte vault key is generated here, wrapped
// (AES-256-GCM) under a key the platform keeps non-exportable (the Android Keystore), and only
// the wrapped blob is stored in app files. Nothing in this file needs Android: the wrapping key
// comes from a `WrappingKeySource`, so the JVM tests run all of it with a software AES key, and
// `KeystoreVaultKeyStore` (android/) plugs in the Keystore.
package org.zkbio.platform

import java.io.File
import java.io.FileOutputStream
import java.io.IOException
import java.security.GeneralSecurityException
import java.security.SecureRandom
import javax.crypto.AEADBadTagException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.zkbio.KeyStoreException
import org.zkbio.VaultKeyStore

/** Where the AES key that wraps the vault keys lives (the Android Keystore in an app). */
interface WrappingKeySource {
    /**
     * The wrapping key; if there is none and [create] is true, a new one is made first. Null if
     * there is none and [create] is false. Throws [KeyStoreException.Unavailable] when the
     * platform will not hand it out now (device locked, user authentication needed).
     */
    fun wrappingKey(create: Boolean): SecretKey?
}

/** Durable storage of wrapped blobs by key id (app files in an app). */
interface WrappedKeyStorage {
    /** The blob stored under [keyId], or null. */
    fun read(keyId: Long): ByteArray?

    /**
     * Stores [blob] under [keyId] durably (it must survive a crash right after the call
     * returns) unless a blob is already there; returns the blob that is stored afterwards.
     */
    fun writeIfAbsent(keyId: Long, blob: ByteArray): ByteArray

    /** Forgets the blob under [keyId]; succeeds if there is none. */
    fun delete(keyId: Long)
}

/**
 * Blobs as files `vault-key-<id>.bin` in [dir] (on Android: `context.noBackupFilesDir`, so they
 * do not migrate without the Keystore key that opens them). Written to a temporary file, synced
 * and renamed into place, so a crash leaves either no blob or the whole blob.
 */
class FileWrappedKeyStorage(private val dir: File) : WrappedKeyStorage {
    private fun file(keyId: Long) = File(dir, "vault-key-$keyId.bin")

    override fun read(keyId: Long): ByteArray? {
        val f = file(keyId)
        return try {
            if (f.isFile) f.readBytes() else null
        } catch (e: IOException) {
            throw KeyStoreException.Failed("reading ${f.name}: $e")
        }
    }

    @Synchronized
    override fun writeIfAbsent(keyId: Long, blob: ByteArray): ByteArray {
        read(keyId)?.let { return it }
        val f = file(keyId)
        val tmp = File(dir, "${f.name}.tmp")
        try {
            if (!dir.isDirectory && !dir.mkdirs()) throw IOException("cannot create $dir")
            FileOutputStream(tmp).use { out ->
                out.write(blob)
                out.fd.sync()
            }
            if (!tmp.renameTo(f)) throw IOException("cannot rename ${tmp.name} to ${f.name}")
        } catch (e: IOException) {
            tmp.delete()
            throw KeyStoreException.Failed("writing ${f.name}: $e")
        }
        return blob
    }

    @Synchronized
    override fun delete(keyId: Long) {
        val f = file(keyId)
        if (f.exists() && !f.delete()) throw KeyStoreException.Failed("cannot delete ${f.name}")
    }
}

/**
 * A [VaultKeyStore] keeping each vault key wrapped under [wrapping]'s AES key in [storage].
 *
 * Blob layout (version 1): `0x01 | 12-byte GCM nonce | AES-256-GCM(vault key) with its 16-byte
 * tag`, 61 bytes; the associated data is `"zkbio-vault-key-v1:" + keyId`, so a blob copied to
 * another id does not open. The nonce is the one the cipher chose: the Android Keystore refuses
 * caller-chosen nonces for encryption (`setRandomizedEncryptionRequired`).
 */
class WrappedVaultKeyStore(
    private val wrapping: WrappingKeySource,
    private val storage: WrappedKeyStorage,
    private val random: SecureRandom = SecureRandom(),
) : VaultKeyStore {
    override fun getKey(keyId: Long): ByteArray? {
        val blob = storage.read(keyId) ?: return null
        val key = wrapping.wrappingKey(create = false)
            ?: throw KeyStoreException.Failed(
                "vault key $keyId is stored but its wrapping key is gone (app data restored to another device, or the Keystore was reset)",
            )
        return unwrap(key, keyId, blob)
    }

    @Synchronized
    override fun createKey(keyId: Long): ByteArray {
        getKey(keyId)?.let { return it }
        val key = wrapping.wrappingKey(create = true)
            ?: throw KeyStoreException.Failed("the wrapping key source made no key")
        val fresh = ByteArray(VAULT_KEY_BYTES).also { random.nextBytes(it) }
        try {
            val stored = storage.writeIfAbsent(keyId, wrap(key, keyId, fresh))
            // Another process may have stored one first: the stored blob is the key.
            return unwrap(key, keyId, stored)
        } finally {
            fresh.fill(0)
        }
    }

    override fun deleteKey(keyId: Long) = storage.delete(keyId)

    private fun wrap(key: SecretKey, keyId: Long, plain: ByteArray): ByteArray {
        val cipher = try {
            Cipher.getInstance(TRANSFORMATION).apply {
                init(Cipher.ENCRYPT_MODE, key)
                updateAAD(aad(keyId))
            }
        } catch (e: GeneralSecurityException) {
            throw keyStoreError("wrapping vault key $keyId", e)
        }
        val nonce = cipher.iv
        if (nonce == null || nonce.size != NONCE_BYTES) {
            throw KeyStoreException.Failed("the cipher chose a ${nonce?.size ?: 0}-byte nonce, expected $NONCE_BYTES")
        }
        val sealed = try {
            cipher.doFinal(plain)
        } catch (e: GeneralSecurityException) {
            throw keyStoreError("wrapping vault key $keyId", e)
        }
        return byteArrayOf(BLOB_VERSION) + nonce + sealed
    }

    private fun unwrap(key: SecretKey, keyId: Long, blob: ByteArray): ByteArray {
        if (blob.size != BLOB_BYTES || blob[0] != BLOB_VERSION) {
            throw KeyStoreException.Failed(
                "wrapped vault key $keyId is malformed (${blob.size} bytes, version ${blob.firstOrNull()})",
            )
        }
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(TAG_BITS, blob, 1, NONCE_BYTES))
            cipher.updateAAD(aad(keyId))
            cipher.doFinal(blob, 1 + NONCE_BYTES, blob.size - 1 - NONCE_BYTES)
        } catch (e: AEADBadTagException) {
            throw KeyStoreException.Failed("wrapped vault key $keyId does not open under the wrapping key (tampered, or another key)")
        } catch (e: GeneralSecurityException) {
            throw keyStoreError("unwrapping vault key $keyId", e)
        }
    }

    private fun aad(keyId: Long) = "zkbio-vault-key-v1:$keyId".toByteArray(Charsets.US_ASCII)

    companion object {
        /** Bytes of a vault key. */
        const val VAULT_KEY_BYTES = 32
        private const val BLOB_VERSION: Byte = 1
        private const val NONCE_BYTES = 12
        private const val TAG_BITS = 128
        /** Bytes of a version-1 blob. */
        const val BLOB_BYTES = 1 + NONCE_BYTES + VAULT_KEY_BYTES + TAG_BITS / 8
        private const val TRANSFORMATION = "AES/GCM/NoPadding"
        private val UNAVAILABLE = setOf("UserNotAuthenticatedException", "KeyStoreConnectException")

        /**
         * [e] as the vault sees it: the platform's "not now" exceptions (Android's
         * UserNotAuthenticatedException, anywhere in the cause chain) are `Unavailable`, so the
         * app can ask the user to unlock and retry; the rest `Failed`. Matched by class name so
         * this file needs no Android classes.
         */
        internal fun keyStoreError(what: String, e: Throwable): KeyStoreException {
            val unavailable = generateSequence(e) { it.cause }.any { it.javaClass.simpleName in UNAVAILABLE }
            val why = "$what: $e"
            return if (unavailable) KeyStoreException.Unavailable(why) else KeyStoreException.Failed(why)
        }
    }
}
