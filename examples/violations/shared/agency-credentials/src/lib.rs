//! One place holding every client's tokens: exactly what clients must not reach.
