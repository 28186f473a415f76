//! Walking input paths.
