//! Package tests: manifests and signatures, pins, downloads with resume, the cache, and the
//! HTTP fetcher against a local server.

mod downloads;
mod fixtures;
#[cfg(feature = "http-fetcher")]
mod http;
mod manifests;
