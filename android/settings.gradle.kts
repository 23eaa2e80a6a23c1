// The zkbio Android library: the UniFFI-generated Kotlin bindings plus libzkbio_ffi.so per ABI.
// Run ./build-rust.sh first: it builds the native libraries and generates the Kotlin sources.
pluginManagement {
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "zkbio-android"
include(":zkbio")
