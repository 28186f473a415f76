//! Format detection.
