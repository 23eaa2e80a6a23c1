// Packages the generated bindings (src/main/kotlin/org/zkbio/zkbio.kt) and the native libraries
// (src/main/jniLibs/<abi>/libzkbio_ffi.so), both written by ../build-rust.sh, and the platform
// pieces in src/platform/kotlin (org.zkbio.platform).
plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
}

android {
    namespace = "org.zkbio"
    compileSdk = 35

    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
        ndk {
            abiFilters += listOf("arm64-v8a", "armeabi-v7a", "x86_64")
        }
    }

    buildTypes {
        release {
            // A library is minified by the app that consumes it (with consumer-rules.pro).
            isMinifyEnabled = false
        }
    }

    sourceSets {
        // The hand-written platform pieces (KeystoreVaultKeyStore, HttpRangeFetcher), kept apart
        // from src/main/kotlin, which build-rust.sh regenerates.
        getByName("main") {
            java.srcDir("src/platform/kotlin")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        jniLibs {
            // build-rust.sh already stripped them; keep AGP from needing the NDK to strip again.
            keepDebugSymbols += "**/libzkbio_ffi.so"
        }
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The generated bindings call libzkbio_ffi through JNA (the AAR carries its native part).
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    // `suspend fun prove*` uses kotlinx.coroutines.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-core:1.10.2")
}
