//! Shared reporting helpers.
