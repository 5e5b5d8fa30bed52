//! Where a package comes from, as `cargo metadata` reports it.

use serde::Serialize;

/// A package's source. Local (path) packages have no source in `cargo metadata`; everything
/// else is `kind+url`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "url", rename_all = "kebab-case")]
pub enum PackageSource {
    /// A path dependency or workspace member.
    Local,
    /// A registry read through its git index (`registry+https://..`).
    Registry(String),
    /// A registry read through the sparse protocol (`sparse+https://..`).
    SparseRegistry(String),
    /// A git repository (`git+https://..?rev=..#commit`).
    Git(String),
    /// A source kind cargo may add later, kept whole.
    Other(String),
}

impl PackageSource {
    /// The source of a package from `cargo metadata`.
    pub fn from_metadata(source: Option<&cargo_metadata::Source>) -> PackageSource {
        match source {
            None => PackageSource::Local,
            Some(source) => PackageSource::parse(&source.repr),
        }
    }

    /// Parse cargo's `kind+url` form.
    pub fn parse(repr: &str) -> PackageSource {
        match repr.split_once('+') {
            Some(("registry", url)) => PackageSource::Registry(url.to_owned()),
            Some(("sparse", url)) => PackageSource::SparseRegistry(url.to_owned()),
            Some(("git", url)) => PackageSource::Git(url.to_owned()),
            Some(("path", _)) => PackageSource::Local,
            _ => PackageSource::Other(repr.to_owned()),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, PackageSource::Local)
    }

    /// One word for tables: `local`, `registry`, `git`, ...
    pub fn label(&self) -> &'static str {
        match self {
            PackageSource::Local => "local",
            PackageSource::Registry(_) | PackageSource::SparseRegistry(_) => "registry",
            PackageSource::Git(_) => "git",
            PackageSource::Other(_) => "other",
        }
    }
}

impl std::fmt::Display for PackageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackageSource::Local => f.write_str("local"),
            PackageSource::Registry(url) => write!(f, "registry+{url}"),
            PackageSource::SparseRegistry(url) => write!(f, "sparse+{url}"),
            PackageSource::Git(url) => write!(f, "git+{url}"),
            PackageSource::Other(repr) => f.write_str(repr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_cargo_reports() {
        let crates_io = "registry+https://github.com/rust-lang/crates.io-index";
        assert_eq!(
            PackageSource::parse(crates_io),
            PackageSource::Registry("https://github.com/rust-lang/crates.io-index".into())
        );
        let sparse = PackageSource::parse("sparse+https://index.crates.io/");
        assert_eq!(sparse.label(), "registry");
        assert!(matches!(sparse, PackageSource::SparseRegistry(_)));
        let git = PackageSource::parse("git+https://example.com/x.git?branch=main#0123abcd");
        assert_eq!(git.label(), "git");
        assert_eq!(
            git.to_string(),
            "git+https://example.com/x.git?branch=main#0123abcd"
        );
        assert!(PackageSource::from_metadata(None).is_local());
        assert_eq!(PackageSource::parse("weird").label(), "other");
    }
}
