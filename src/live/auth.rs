//! Credentials for Resource Manager (placeholder; see issue 7).
