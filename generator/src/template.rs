//! The client template: embedded in the binary (so `new-client` works offline from anywhere),
//! or a directory given with `--template` or the workspace's `template` key. Rendered with tera,
//! file contents and paths; a `.liquid` suffix is dropped; cargo-generate's own files are
//! skipped, so the same directory also works with stock `cargo generate --path template`.

use crate::error::{Error, Result};
use crate::variables::Variables;
use camino::{Utf8Path, Utf8PathBuf};
use include_dir::{Dir, include_dir};

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../template");

/// cargo-generate's configuration files: read by cargo-generate, never rendered.
const SKIPPED: &[&str] = &["cargo-generate.toml", "cargo-generate.rhai", ".genignore"];

/// Where the template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Embedded,
    Dir(Utf8PathBuf),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Embedded => f.write_str("the embedded template"),
            Source::Dir(dir) => write!(f, "the template at {dir}"),
        }
    }
}

/// A rendered file, relative to the new client's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Render every template file. All errors are collected before failing.
pub fn render(source: &Source, vars: &Variables) -> Result<Vec<RenderedFile>> {
    let raw = match source {
        Source::Embedded => embedded_files(),
        Source::Dir(dir) => dir_files(dir)?,
    };
    let context = tera::Context::from_serialize(vars).map_err(|e| Error::Render(e.to_string()))?;
    let mut rendered = Vec::with_capacity(raw.len());
    let mut errors = Vec::new();
    for (path, contents) in raw {
        let target = match render_text(&path, &context) {
            Ok(p) => p.strip_suffix(".liquid").map(str::to_owned).unwrap_or(p),
            Err(e) => {
                errors.push(format!("  {path} (file name): {e}"));
                continue;
            }
        };
        match String::from_utf8(contents) {
            Ok(text) => match render_text(&text, &context) {
                Ok(out) => rendered.push(RenderedFile {
                    path: target,
                    contents: out.into_bytes(),
                }),
                Err(e) => errors.push(format!("  {path}: {e}")),
            },
            Err(binary) => rendered.push(RenderedFile {
                path: target,
                contents: binary.into_bytes(),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(Error::Render(errors.join("\n")));
    }
    rendered.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(rendered)
}

fn render_text(text: &str, context: &tera::Context) -> Result<String, String> {
    if !text.contains("{{") && !text.contains("{%") {
        return Ok(text.to_owned());
    }
    tera::Tera::one_off(text, context, false).map_err(|e| {
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        message
    })
}

fn embedded_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Dir<'static>, out: &mut Vec<(String, Vec<u8>)>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            if !is_skipped(&path) {
                out.push((path, file.contents().to_vec()));
            }
        }
        for sub in dir.dirs() {
            if sub.path().file_name().is_some_and(|n| n != "target") {
                walk(sub, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&EMBEDDED, &mut out);
    out
}

fn dir_files(root: &Utf8Path) -> Result<Vec<(String, Vec<u8>)>> {
    if !root.is_dir() {
        return Err(Error::Workspace(format!(
            "template directory {root} does not exist"
        )));
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io("read", &dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io("read", &dir, e))?;
            let path = Utf8PathBuf::from_path_buf(entry.path())
                .map_err(|p| Error::Workspace(format!("{} is not a UTF-8 path", p.display())))?;
            let relative = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .as_str()
                .replace('\\', "/");
            let kind = entry.file_type().map_err(|e| Error::io("read", &path, e))?;
            if kind.is_dir() {
                if !matches!(path.file_name(), Some("target" | ".git")) {
                    stack.push(path);
                }
            } else if !is_skipped(&relative) {
                let contents = std::fs::read(&path).map_err(|e| Error::io("read", &path, e))?;
                out.push((relative, contents));
            }
        }
    }
    Ok(out)
}

fn is_skipped(relative: &str) -> bool {
    SKIPPED.contains(&relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Variables {
        Variables::new("acme", None, None, None).unwrap()
    }

    #[test]
    fn embedded_template_renders_with_every_variable() {
        let files = render(&Source::Embedded, &vars()).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert!(names.contains(&"Cargo.toml"), "{names:?}");
        assert!(names.contains(&"client.toml"));
        assert!(names.contains(&".env.example"));
        assert!(!names.contains(&"cargo-generate.toml"));
        let cargo = String::from_utf8(
            files
                .iter()
                .find(|f| f.path == "Cargo.toml")
                .unwrap()
                .contents
                .clone(),
        )
        .unwrap();
        assert!(cargo.contains("name = \"acme\""));
        assert!(cargo.contains("role = \"client\""));
        for file in &files {
            let text = String::from_utf8_lossy(&file.contents);
            assert!(
                !text.contains("{{") && !text.contains("{%"),
                "{} still holds template syntax",
                file.path
            );
        }
    }

    #[test]
    fn undefined_variables_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        std::fs::write(root.join("a.txt"), "{{ client }} {{ nope }}").unwrap();
        std::fs::write(root.join("b.txt"), "{{ also_missing }}").unwrap();
        let err = render(&Source::Dir(root.to_owned()), &vars())
            .unwrap_err()
            .to_string();
        assert!(err.contains("a.txt") && err.contains("b.txt"), "{err}");
        assert!(err.contains("nope"), "{err}");
    }
}
