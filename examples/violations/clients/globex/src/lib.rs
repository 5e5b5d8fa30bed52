//! globex
