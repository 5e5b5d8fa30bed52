//! initech
