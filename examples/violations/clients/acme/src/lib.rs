//! acme
