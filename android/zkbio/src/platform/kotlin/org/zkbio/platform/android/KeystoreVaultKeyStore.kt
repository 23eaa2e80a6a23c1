// The Android Keystore part of the vault key store: a non-exportable AES-256-GCM key under an
// alias, which wraps the vault keys (WrappedVaultKeyStore). This file needs Android classes, so
// the JVM tests cannot compile it; everything it delegates to is tested there.
package org.zkbio.platform.android

import android.content.Context
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import org.zkbio.KeyStoreException
import org.zkbio.VaultKeyStore
import org.zkbio.platform.FileWrappedKeyStorage
import org.zkbio.platform.WrappedVaultKeyStore
import org.zkbio.platform.WrappingKeySource

/**
 * The Android Keystore key under [alias] (AES-256, GCM, no padding, randomized nonces, never
 * exported), created on first use. [userAuthenticationSeconds]: null for a key usable whenever
 * the app runs; otherwise the key needs the user to have unlocked the device (or passed
 * BiometricPrompt) within that many seconds, and a call outside that window is
 * `KeyStoreException.Unavailable`.
 */
class AndroidKeystoreWrappingKey(
    private val alias: String = DEFAULT_ALIAS,
    private val userAuthenticationSeconds: Int? = null,
) : WrappingKeySource {
    @Synchronized
    override fun wrappingKey(create: Boolean): SecretKey? = try {
        val ks = KeyStore.getInstance(PROVIDER).apply { load(null) }
        (ks.getKey(alias, null) as SecretKey?) ?: if (create) generate() else null
    } catch (e: GeneralSecurityException) {
        throw KeyStoreException.Failed("Android Keystore key $alias: $e")
    } catch (e: java.io.IOException) {
        throw KeyStoreException.Unavailable("Android Keystore: $e")
    }

    private fun generate(): SecretKey {
        val spec = KeyGenParameterSpec.Builder(
            alias,
            KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
        )
            .setKeySize(256)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setRandomizedEncryptionRequired(true)
            .apply {
                userAuthenticationSeconds?.let { seconds ->
                    setUserAuthenticationRequired(true)
                    if (android.os.Build.VERSION.SDK_INT >= 30) {
                        setUserAuthenticationParameters(
                            seconds,
                            KeyProperties.AUTH_DEVICE_CREDENTIAL or KeyProperties.AUTH_BIOMETRIC_STRONG,
                        )
                    } else {
                        @Suppress("DEPRECATION")
                        setUserAuthenticationValidityDurationSeconds(seconds)
                    }
                }
            }
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER).run {
            init(spec)
            generateKey()
        }
    }

    companion object {
        /** The alias used unless the app picks one. */
        const val DEFAULT_ALIAS = "org.zkbio.vault-wrapping-key"
        private const val PROVIDER = "AndroidKeyStore"
    }
}

/**
 * The vault key store an Android app passes to `ZkbioVault.open`: vault keys wrapped by the
 * Android Keystore key [alias], the wrapped blobs in `noBackupFilesDir/zkbio-vault-keys` (kept
 * out of backups: they are useless without the Keystore key, which never leaves the device).
 */
object KeystoreVaultKeyStore {
    /** The store for [context]'s app; see [AndroidKeystoreWrappingKey] for the arguments. */
    fun create(
        context: Context,
        alias: String = AndroidKeystoreWrappingKey.DEFAULT_ALIAS,
        userAuthenticationSeconds: Int? = null,
    ): VaultKeyStore = WrappedVaultKeyStore(
        AndroidKeystoreWrappingKey(alias, userAuthenticationSeconds),
        FileWrappedKeyStorage(File(context.noBackupFilesDir, "zkbio-vault-keys")),
    )
}
