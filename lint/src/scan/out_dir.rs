//! Where `env!("OUT_DIR")` points when cargo builds a crate, as far as a path climbing out of it
//! with `..` is concerned: cargo lays a build script's output directory out as
//! `<target-dir>/<profile>/build/<package>-<hash>/out` (with `<target-dir>/<triple>/..` when a
//! target is configured), so only the target directory and the number of levels matter.
//!
//! The target directory is the one cargo would use: `CARGO_TARGET_DIR` (or
//! `CARGO_BUILD_TARGET_DIR`) relative to the workspace root, else `build.target-dir` of the
//! nearest `.cargo/config.toml` (or `.cargo/config`) from the crate's directory up, relative to
//! the directory holding `.cargo`, else `target/` in the crate's workspace root (the nearest
//! directory from the crate's up whose `Cargo.toml` has a `[workspace]` table, else the crate's).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The levels below the target directory: `<profile>/build/<package>-<hash>/out`.
const PROFILE_LEVELS: [&str; 4] = ["debug", "build", "package-hash", "out"];

/// The build script output directory cargo would give the crate at `crate_dir`, and the
/// target directory it lies in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutDir {
    pub target_dir: PathBuf,
    pub out_dir: PathBuf,
}

/// See the module documentation.
pub fn of_crate(crate_dir: &Path) -> OutDir {
    of_crate_in(crate_dir, &|var| std::env::var_os(var))
}

/// `of_crate` with the environment variables read through `env`.
fn of_crate_in(crate_dir: &Path, env: &dyn Fn(&str) -> Option<OsString>) -> OutDir {
    let workspace = workspace_root(crate_dir);
    let config = nearest_build_config(crate_dir);
    let from_env = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .find_map(|var| env(var).filter(|v| !v.is_empty()));
    let target_dir = match (from_env, &config) {
        (Some(dir), _) => workspace.join(dir),
        (None, Some(config)) if config.target_dir.is_some() => config.target_dir.clone().unwrap(),
        _ => workspace.join("target"),
    };
    let mut out_dir = crate::location::normalize(&target_dir);
    let triple =
        env("CARGO_BUILD_TARGET").is_some() || config.as_ref().is_some_and(|c| c.has_target);
    if triple {
        out_dir.push("target-triple");
    }
    out_dir.extend(PROFILE_LEVELS);
    OutDir {
        target_dir: crate::location::normalize(&target_dir),
        out_dir,
    }
}

/// The nearest directory from `crate_dir` up whose `Cargo.toml` declares `[workspace]`.
pub(super) fn workspace_root(crate_dir: &Path) -> PathBuf {
    crate_dir
        .ancestors()
        .find(|dir| {
            safe_read::read_to_string(&dir.join("Cargo.toml"))
                .ok()
                .and_then(|text| text.parse::<toml_edit::DocumentMut>().ok())
                .is_some_and(|doc| doc.contains_key("workspace"))
        })
        .unwrap_or(crate_dir)
        .to_owned()
}

struct BuildConfig {
    target_dir: Option<PathBuf>,
    has_target: bool,
}

/// `[build] target-dir` and `target` as cargo merges its configuration files from
/// `crate_dir` up (the nearest value wins; in one directory `config.toml` before `config`).
fn nearest_build_config(crate_dir: &Path) -> Option<BuildConfig> {
    let mut merged = BuildConfig {
        target_dir: None,
        has_target: false,
    };
    for dir in crate_dir.ancestors() {
        let Some(text) = ["config.toml", "config"]
            .iter()
            .find_map(|name| safe_read::read_to_string(&dir.join(".cargo").join(name)).ok())
        else {
            continue;
        };
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            continue;
        };
        let Some(build) = doc.get("build").and_then(|b| b.as_table_like()) else {
            continue;
        };
        if merged.target_dir.is_none() {
            merged.target_dir = build
                .get("target-dir")
                .and_then(|v| v.as_str())
                .map(|v| dir.join(v));
        }
        merged.has_target |= build.get("target").is_some();
    }
    (merged.target_dir.is_some() || merged.has_target).then_some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// No variable set, whatever the environment of whoever runs the tests.
    fn of_crate(crate_dir: &Path) -> OutDir {
        of_crate_in(crate_dir, &|_| None)
    }

    #[test]
    fn default_configured_and_cross_layouts() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        write(
            &ws.join("Cargo.toml"),
            "[workspace]\nmembers = [\"clients/*\"]\n",
        );
        let acme = ws.join("clients/acme");
        write(&acme.join("Cargo.toml"), "[package]\nname = \"acme\"\n");
        assert_eq!(
            of_crate(&acme),
            OutDir {
                target_dir: ws.join("target"),
                out_dir: ws.join("target/debug/build/package-hash/out"),
            }
        );
        write(
            &ws.join(".cargo/config.toml"),
            "[build]\ntarget-dir = \"build/t\"\n",
        );
        assert_eq!(
            of_crate(&acme).out_dir,
            ws.join("build/t/debug/build/package-hash/out")
        );
        write(
            &acme.join(".cargo/config.toml"),
            "[build]\ntarget = \"x86_64-unknown-linux-gnu\"\n",
        );
        assert_eq!(
            of_crate(&acme).out_dir,
            ws.join("build/t/target-triple/debug/build/package-hash/out")
        );
    }

    #[test]
    fn the_environment_wins_over_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path();
        write(&ws.join("Cargo.toml"), "[workspace]\n");
        write(
            &ws.join(".cargo/config.toml"),
            "[build]\ntarget-dir = \"build/t\"\n",
        );
        for var in ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"] {
            let env = |name: &str| (name == var).then(|| OsString::from("elsewhere"));
            assert_eq!(
                of_crate_in(ws, &env),
                OutDir {
                    target_dir: ws.join("elsewhere"),
                    out_dir: ws.join("elsewhere/debug/build/package-hash/out"),
                },
                "{var}"
            );
        }
        let cross = |name: &str| (name == "CARGO_BUILD_TARGET").then(|| OsString::from("x"));
        assert_eq!(
            of_crate_in(ws, &cross).out_dir,
            ws.join("build/t/target-triple/debug/build/package-hash/out")
        );
    }
}
