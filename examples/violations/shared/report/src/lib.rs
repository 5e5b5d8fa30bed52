//! shared-report
