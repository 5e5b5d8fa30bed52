//! The documented process exit codes, in one place.

/// No violations (warnings may have been reported).
pub const CLEAN: i32 = 0;
/// At least one rule failed.
pub const VIOLATIONS: i32 = 1;
/// Usage, configuration or tool error: the check could not be completed (fails closed).
pub const ERROR: i32 = 2;
