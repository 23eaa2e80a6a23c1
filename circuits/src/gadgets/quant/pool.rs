//! Average pooling.
