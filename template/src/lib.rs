//! The clientwall client template as data.
//!
//! - [`Catalog`]: every template version clientwall knows: each release (embedded from
//!   `releases/<version>.manifest` over the content [store], never changed) and the current
//!   template (`template/client/`).
//! - [`Template`]: a template parsed once and rendered many times.
//! - [`record`]: what a client records about its template (version, answers, locked and
//!   managed files), and [`client`]: reading it back, or recovering it for older clients.
//! - [`merge`]: the three-way merge of managed files; [`drift`]: locked files that changed.
//! - [`release`]: cutting a new template version.
//!
//! This crate depends on nothing of clientwall's: the generator and the check both use it.

pub mod catalog;
pub mod client;
pub mod declaration;
pub mod drift;
pub mod error;
#[doc(hidden)]
pub mod fixture;
pub mod merge;
pub mod migrations;
pub mod names;
pub mod record;
pub mod release;
pub mod store;
pub mod template;
pub mod variables;
pub mod version;

mod toml_spans;

pub use catalog::{Catalog, current_version};
pub use error::{Error, Result};
pub use template::{RenderedFile, Source, Template};
pub use variables::Variables;

/// Every file a new client gets: the template rendered with `vars`, a standalone client's
/// `[workspace]`, and the client's [record](record::Record).
pub fn client_files(
    source: &Source,
    vars: &Variables,
    standalone: bool,
) -> Result<Vec<RenderedFile>> {
    let parsed;
    let (template, origin) = match source {
        Source::Embedded => (Catalog::embedded().current()?, record::Origin::Clientwall),
        Source::Dir(dir) => {
            parsed = Template::from_dir(dir)?;
            (&parsed, record::Origin::Custom)
        }
    };
    let mut vars = vars.clone();
    if let Some(version) = template.version() {
        vars.template_version = version.to_owned();
    }
    let mut files = template.render(&vars)?;
    if standalone {
        template::make_standalone(&mut files)?;
    }
    let record = record::Record::new(origin, &vars, standalone, &files, template.declaration());
    files.push(record.to_file());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Every file of a client generated at `version` of `catalog`, record included (for clients of
/// an older version in tests and benchmarks). Locked files are those the version declares, or
/// the current template's when it declares none.
pub fn client_files_at(
    catalog: &Catalog,
    version: &str,
    vars: &Variables,
    standalone: bool,
) -> Result<Vec<RenderedFile>> {
    let template = catalog.template(version)?;
    let mut files = template.render(&vars.clone())?;
    if standalone {
        template::make_standalone(&mut files)?;
    }
    let declaration = if template.declaration().locked.is_empty() {
        catalog.current()?.declaration()
    } else {
        template.declaration()
    };
    let mut vars = vars.clone();
    vars.template_version = version.to_owned();
    let record = record::Record::new(
        record::Origin::Clientwall,
        &vars,
        standalone,
        &files,
        declaration,
    );
    files.push(record.to_file());
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
