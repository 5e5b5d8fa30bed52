//! What the run knows once read: one crate graph, what each crate is to the policy, where each
//! client lives on disk, who compiles which file, and the places diagnostics point at.

pub mod classify;
pub(crate) mod exposure;
pub mod graph;
pub mod layout;
