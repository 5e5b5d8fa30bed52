//! Empty: the corpus is the dependencies of this package, vendored, never built.
