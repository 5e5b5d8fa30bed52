//! A client template, parsed once and rendered many times: every text file's contents and path
//! are tera templates (a `.liquid` suffix is dropped), cargo-generate's own files and the
//! template's [declaration] are not rendered. Rendering 1,000 clients
//! parses the template once.

use crate::declaration::{self, Declaration};
use crate::error::{Error, Result};
use crate::variables::Variables;
use crate::version;
use camino::{Utf8Path, Utf8PathBuf};

/// Files of a template directory that are read, never rendered into a client.
pub const NOT_RENDERED: &[&str] = &[
    "cargo-generate.toml",
    "cargo-generate.rhai",
    ".genignore",
    declaration::FILE_NAME,
];

/// What a standalone client's `Cargo.toml` gets appended: its own, empty workspace.
pub const STANDALONE_TABLE: &str =
    "\n# A standalone client: its own workspace, excluded from the root's.\n[workspace]\n";

/// Where a template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The template built into clientwall (`template/` of its repository).
    Embedded,
    /// A template directory (`--template`, or the workspace's `template` key).
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

/// A rendered file, relative to the client's directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub path: String,
    pub contents: Vec<u8>,
}

/// Render every file of `source`. All errors are collected before failing.
pub fn render(source: &Source, vars: &Variables) -> Result<Vec<RenderedFile>> {
    match source {
        Source::Embedded => crate::Catalog::embedded().current()?.render(vars),
        Source::Dir(dir) => Template::from_dir(dir)?.render(vars),
    }
}

/// Append [`STANDALONE_TABLE`] to the rendered `Cargo.toml`.
pub fn make_standalone(files: &mut [RenderedFile]) -> Result<()> {
    let cargo = files
        .iter_mut()
        .find(|f| f.path == "Cargo.toml")
        .ok_or_else(|| Error::Render("the template has no Cargo.toml".into()))?;
    cargo
        .contents
        .extend_from_slice(STANDALONE_TABLE.as_bytes());
    Ok(())
}

enum Text {
    Plain(String),
    /// The name of the parsed template in [`Template::tera`].
    Parsed(String),
}

enum Body {
    Binary(Vec<u8>),
    Text(Text),
}

struct TemplateFile {
    source_path: String,
    path: Text,
    body: Body,
}

/// A parsed template.
pub struct Template {
    version: Option<String>,
    declaration: Declaration,
    files: Vec<TemplateFile>,
    /// The raw files as read, for checksums and comparisons.
    raw: Vec<(String, Vec<u8>)>,
    tera: tera::Tera,
}

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template")
            .field("version", &self.version)
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Parse the files of a template (paths relative to its root, `/`-separated). `origin`
    /// names the template in errors.
    pub fn parse(origin: &str, mut raw: Vec<(String, Vec<u8>)>) -> Result<Template> {
        raw.sort_by(|a, b| a.0.cmp(&b.0));
        let text_of = |name: &str| {
            raw.iter()
                .find(|(p, _)| p == name)
                .map(|(_, c)| String::from_utf8_lossy(c).into_owned())
        };
        let version = text_of("cargo-generate.toml")
            .map(|text| {
                version::from_cargo_generate_toml(
                    &Utf8PathBuf::from(format!("{origin}/cargo-generate.toml")),
                    &text,
                )
            })
            .transpose()?
            .flatten();
        let declaration = match text_of(declaration::FILE_NAME) {
            Some(text) => Declaration::parse(
                &Utf8PathBuf::from(format!("{origin}/{}", declaration::FILE_NAME)),
                &text,
            )?,
            None => Declaration::default(),
        };
        let mut tera = tera::Tera::default();
        tera.autoescape_on(Vec::new());
        let mut errors = Vec::new();
        let mut files = Vec::new();
        for (source_path, contents) in &raw {
            if NOT_RENDERED.contains(&source_path.as_str()) {
                continue;
            }
            let path = match parse_text(&mut tera, format!("path:{source_path}"), source_path) {
                Ok(path) => path,
                Err(e) => {
                    errors.push(format!("  {source_path} (file name): {e}"));
                    continue;
                }
            };
            let body = match std::str::from_utf8(contents) {
                Ok(text) => match parse_text(&mut tera, format!("body:{source_path}"), text) {
                    Ok(text) => Body::Text(text),
                    Err(e) => {
                        errors.push(format!("  {source_path}: {e}"));
                        continue;
                    }
                },
                Err(_) => Body::Binary(contents.clone()),
            };
            files.push(TemplateFile {
                source_path: source_path.clone(),
                path,
                body,
            });
        }
        if !errors.is_empty() {
            return Err(Error::Render(errors.join("\n")));
        }
        Ok(Template {
            version,
            declaration,
            files,
            raw,
            tera,
        })
    }

    /// Read and parse a template directory (`target/` and `.git/` skipped).
    pub fn from_dir(root: &Utf8Path) -> Result<Template> {
        Template::parse(root.as_str(), read_dir_files(root)?)
    }

    /// The template's version (`template_version`'s default in its `cargo-generate.toml`), if it
    /// states one.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// Which files are locked, and why.
    pub fn declaration(&self) -> &Declaration {
        &self.declaration
    }

    /// The template's files as read (sorted by path).
    pub fn raw_files(&self) -> &[(String, Vec<u8>)] {
        &self.raw
    }

    /// Render every file. `template_version` is this template's own version when it states
    /// one. All errors are collected before failing; files come sorted by path.
    pub fn render(&self, vars: &Variables) -> Result<Vec<RenderedFile>> {
        self.render_where(vars, |_| true)
    }

    /// Render the files whose rendered path `keep` accepts.
    pub fn render_where(
        &self,
        vars: &Variables,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Vec<RenderedFile>> {
        let mut vars = vars.clone();
        if let Some(version) = &self.version {
            vars.template_version.clone_from(version);
        }
        let context =
            tera::Context::from_serialize(&vars).map_err(|e| Error::Render(e.to_string()))?;
        let mut rendered = Vec::with_capacity(self.files.len());
        let mut errors = Vec::new();
        for file in &self.files {
            let path = match self.render_text(&file.path, &context) {
                Ok(p) => p.strip_suffix(".liquid").map(str::to_owned).unwrap_or(p),
                Err(e) => {
                    errors.push(format!("  {} (file name): {e}", file.source_path));
                    continue;
                }
            };
            if !keep(&path) {
                continue;
            }
            match &file.body {
                Body::Binary(bytes) => rendered.push(RenderedFile {
                    path,
                    contents: bytes.clone(),
                }),
                Body::Text(text) => match self.render_text(text, &context) {
                    Ok(out) => rendered.push(RenderedFile {
                        path,
                        contents: out.into_bytes(),
                    }),
                    Err(e) => errors.push(format!("  {}: {e}", file.source_path)),
                },
            }
        }
        if !errors.is_empty() {
            return Err(Error::Render(errors.join("\n")));
        }
        rendered.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(rendered)
    }

    fn render_text(&self, text: &Text, context: &tera::Context) -> Result<String, String> {
        match text {
            Text::Plain(text) => Ok(text.clone()),
            Text::Parsed(name) => self.tera.render(name, context).map_err(|e| chain(&e)),
        }
    }
}

fn parse_text(tera: &mut tera::Tera, name: String, text: &str) -> Result<Text, String> {
    if !text.contains("{{") && !text.contains("{%") && !text.contains("{#") {
        return Ok(Text::Plain(text.to_owned()));
    }
    tera.add_raw_template(&name, text).map_err(|e| chain(&e))?;
    Ok(Text::Parsed(name))
}

fn chain(e: &tera::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// Every file below `root` (`target/` and `.git/` skipped), relative and `/`-separated.
pub fn read_dir_files(root: &Utf8Path) -> Result<Vec<(String, Vec<u8>)>> {
    if !root.is_dir() {
        return Err(Error::Template(format!(
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
                .map_err(|p| Error::Template(format!("{} is not a UTF-8 path", p.display())))?;
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
            } else {
                let contents =
                    safe_read::read(path.as_std_path()).map_err(|e| Error::io("read", &path, e))?;
                out.push((relative, contents));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Every file of an embedded directory, relative to it (`target/` skipped).
pub(crate) fn embedded_files(dir: &include_dir::Dir<'static>) -> Vec<(String, Vec<u8>)> {
    embedded_file_refs(dir)
        .into_iter()
        .map(|(path, contents)| (path, contents.to_vec()))
        .collect()
}

/// [`embedded_files`] without copying the contents.
pub(crate) fn embedded_file_refs(dir: &include_dir::Dir<'static>) -> Vec<(String, &'static [u8])> {
    fn walk(root: &str, dir: &include_dir::Dir<'static>, out: &mut Vec<(String, &'static [u8])>) {
        for file in dir.files() {
            let path = file.path().to_string_lossy().replace('\\', "/");
            let relative = path
                .strip_prefix(root)
                .map(|p| p.trim_start_matches('/').to_owned())
                .unwrap_or(path);
            out.push((relative, file.contents()));
        }
        for sub in dir.dirs() {
            if sub.path().file_name().is_some_and(|n| n != "target") {
                walk(root, sub, out);
            }
        }
    }
    let root = dir.path().to_string_lossy().replace('\\', "/");
    let mut out = Vec::new();
    walk(&root, dir, &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
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
        assert!(!names.contains(&"cargo-generate.rhai"));
        assert!(!names.contains(&declaration::FILE_NAME));
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

    #[test]
    fn syntax_errors_are_collected_at_parse() {
        let raw = vec![
            ("a.txt".to_owned(), b"{% if %}".to_vec()),
            ("b.txt".to_owned(), b"{{ client".to_vec()),
            ("c.txt".to_owned(), b"fine".to_vec()),
        ];
        let err = Template::parse("t", raw).unwrap_err().to_string();
        assert!(err.contains("a.txt") && err.contains("b.txt"), "{err}");
    }

    #[test]
    fn a_template_renders_its_own_version() {
        let raw = vec![
            (
                "cargo-generate.toml".to_owned(),
                b"[placeholders]\ntemplate_version = { type = \"string\", default = \"9.1.0\" }\n"
                    .to_vec(),
            ),
            ("v.txt".to_owned(), b"{{ template_version }}".to_vec()),
        ];
        let template = Template::parse("t", raw).unwrap();
        assert_eq!(template.version(), Some("9.1.0"));
        let files = template.render(&vars()).unwrap();
        assert_eq!(files[0].contents, b"9.1.0");
    }
}
