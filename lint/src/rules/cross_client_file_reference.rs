//! `cross-client-file-reference`

use super::{FilesContext, Level, Pass, RuleCode, RuleInfo, Subject, Violation};
use crate::error::Result;
use crate::model::exposure::{Exposure, name_list};
use crate::model::layout::Layout;
use crate::location::Location;
use crate::scan::references::{Reference, Via};
use crate::scan::{Finding, Landing, Owner};
use std::path::Path;

pub static RULE: RuleInfo = RuleInfo {
    code: RuleCode::CrossClientFileReference,
    level: Level::Error,
    pass: Pass::Files(check),
    summary: "a client's file pulls in another client's or the shared tree's file outside cargo's graph",
    doc: r#"## What it does
Finds every way a client's build can compile or read a file outside the client's directory
without a dependency in `Cargo.toml`, and fails when one lands in another client's directory or
elsewhere in the workspace (the shared tree). A client is everything under its directory:
sub-crates and the members of a client that is a virtual workspace are checked the same way.

- **Rust source**, read with a tokenizer that knows comments and string literals:
  `include!`, `include_str!` and `include_bytes!` anywhere, attributes included
  (`#![doc = include_str!("..")]`), also built with `concat!` and `env!("CARGO_MANIFEST_DIR")`
  (the directory of the nearest `Cargo.toml` above the file, so a nested `fuzz/` crate counts
  from its own directory) or `env!("OUT_DIR")`: cargo puts a build script's output at
  `<target-dir>/<profile>/build/<package>-<hash>/out` (one level more under
  `<target-dir>/<triple>/` when `build.target` is configured), so a path that climbs out of it
  with `..` is resolved from the target directory cargo would use (`CARGO_TARGET_DIR`, else the
  nearest `build.target-dir`, else `target/` in the crate's workspace root) and judged like any
  other; what stays in the target directory is the build's own output. And `#[path = ".."]`, resolved as rustc resolves it: relative to the
  directory of the enclosing module, where inline `mod x { .. }` blocks add `x/`, a file loaded
  as `foo.rs` (not a crate root, `mod.rs` or `#[path]` file) adds `foo/` first, and a function
  body adds nothing. When the two readings of a file differ, the crate's module tree decides.
  A renamed include macro (`use std::include_str as grab;`) is still an include. A string
  literal given to any other macro (a `macro_rules!` forwarding it to `include_str!`,
  `sqlx::migrate!`, `include_dir!`) or written in an attribute (`#[folder = ".."]`) is a path
  when it names an existing file or directory outside the crate, from the file's directory or
  the crate's, and so are its string arguments joined (`join!("../../glo", "bex/rates.csv")`,
  which a `macro_rules!` can `concat!`); the formatting and assertion macros' strings are
  messages. A call of the file's own `macro_rules!` with one arm and no arguments
  (`macro_rules! up { () => { "../../" } }`) is its expansion: `concat!(up!(), "globex/x")` is
  `../../globex/x`. The Rust code blocks
  of doc comments are read the same way (rustdoc compiles them as doctests; prose and ```` ```text ````
  blocks are not code), and so is any other text file
  of the crate (`#[path = "gen.txt"]`, `include!("table.in")`, a README included as
  documentation, whose doctests resolve from `src/`). Rust sources are read whatever they hold
  (a NUL byte does not make them binary) and up to 64 MiB, as is any other text file; a larger
  one stops the check.
- **Build scripts** (`build.rs`, or the manifest's `build = ".."` at any path): path arguments of
  file-system calls (`std::fs::*`, `File::open`, `Path::new`, ...) and of the programs they run
  (`Command::arg`, `args`, `current_dir`; in an argument that is a command line a shell runs,
  `sh -c "cat ../globex/x | .."`, every word that holds a `/`), and the `cargo:` instructions
  that hand rustc a path (`rustc-link-search`, `rustc-link-arg*` and `rustc-flags` paths, and
  `rustc-env` values, which `include_str!(env!(..))` reads), evaluated through literals,
  `concat!`, `format!`/`println!`, the file's own `const`, `static` and `let` bindings, and the
  path methods `parent()` and `join(..)` (`dir.parent().unwrap().join("globex/x")`). Build scripts run in their package's directory; a relative `rustc-env` value is read
  from there and from `src/`.
- **Proc macros** (`[lib] proc-macro = true`): rustc runs them while it compiles the crate that
  uses them, so the paths their source hands to file-system calls and programs are read as a
  build script's are, from where cargo runs rustc (the workspace root, for a member), with
  `std::env::var("CARGO_MANIFEST_DIR")` any directory from the macro's up to that root (the
  using crate's). A proc macro's strings are mostly names (`Ident::new("x", ..)`): a path
  counts when it names an existing file or directory of another client.
- **Evaluation budget**: a file whose path expressions take more evaluation than any real one
  (bindings that double at every step) stops the check (exit 2) naming the file, rather than
  pass what it could not evaluate.
- **Partial paths**: when a later piece is known only at build time (`env!("X")`, another
  macro), the known prefix is checked: `concat!("../../globex/", env!("F"))` already leaves.
- **Target paths**: every target cargo reports (`[lib]`, `[[bin]]`, `[[test]]`, `[[example]]`,
  `[[bench]]` `path`, `build`) must have its source file inside the client.
- **Cargo configuration** inside the client (`.cargo/config.toml`, `.cargo/config`), which cargo
  honours when building from there: `paths`, `[patch]` paths and `file://` git URLs, `[source]`
  `directory`/`local-registry` replacements, `[env]` values with `relative = true` and any
  absolute value, `include`d files, the programs cargo runs (`build.rustc`, `rustc-wrapper`,
  `rustc-workspace-wrapper`, `rustdoc`, `target.<t>.linker`/`runner`, `host.linker`, the
  credential providers it runs for a registry's token, `registry.credential-provider`,
  `registry.global-credential-providers`, `registries.<r>.credential-provider`,
  `credential-alias.<a>`, and `doc.browser`; a name without `/` is looked up on `PATH` and is
  not a path), and the paths in rustc flags
  (`rustflags`/`rustdocflags`: `-L`, `--extern`, `--sysroot`, `-C linker`, `-C profile-use`,
  `-C link-arg(s)`, `@file`; a
  `[target.<t>.<links>]` override's `rustc-link-search`/`rustc-flags`), read from the directory
  above `.cargo` and from the workspace root (where rustc runs for a member).
- **Cargo configuration outside every client** (the root's, or one in `clients/`), which every
  cargo run below it reads: a path in it that lands in a client reaches that client from every
  other client below it. The finding concerns the client whose files are named.
- **Sources replaced by a directory inside a client** (a vendored copy): the registry crates
  cargo takes from there are that client's crates, so depending on one is
  `client-depends-on-client`.
- **Symlinks** in a client's tree that point outside it, and symlinks in a shared crate that
  point into a client. Every path above is resolved as the operating system resolves it: a
  `..` after a symlink climbs from where the symlink points (with `src/up -> ../data`,
  `include_str!("up/../../globex/rates.csv")` reads `clients/globex/rates.csv`).

A path that stays inside the client, a comment, or a string that merely mentions another
client is not a finding; nor is a path that leaves the workspace altogether.

## Why is this bad?
cargo's dependency graph cannot see these: a `#[path]` module or an `include_str!` compiles
another client's code or data straight into this client's crate, a build script can read any
file it can reach, and a cargo configuration can swap a dependency for another client's crate.
The dependency rules would all pass while the wall is breached.

## Example
```rust
// clients/acme/src/lib.rs
#![doc = include_str!("../../globex/README.md")]
mod vendor {
    // a crate root's inline module `vendor` adds `src/vendor/`: three `..` reach `clients/`
    #[path = "../../../globex/src/pricing.rs"]
    mod pricing;
}
const RATES: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../globex/rates.csv"));
```
```toml
# clients/acme/.cargo/config.toml
[patch.crates-io]
pricing = { path = "../globex/pricing" }
```

A shared crate (any crate outside the clients) whose `#[path]`, `include*!`, symlink, text
file or target path (`[lib] path = "../../clients/globex/src/x.rs"`) pulls in a file of a
client fails too: every client that compiles the shared crate compiles that client's file.
The finding names the client whose file it is and every client that compiles the crate.

## What it does not see
The wall reads what cargo and rustc are told, not what a program decides while it runs:
- paths a program computes at run time: a client's own binary or test reading another client's
  files with `std::fs` (outside build scripts and proc macros, file calls are not followed), a
  build script's path built by a function, read from a file or from an environment variable
  other than `CARGO_MANIFEST_DIR`, or a directory it walks; and the files a program it runs
  opens by its own logic (only the arguments it is given are read);
- paths a `macro_rules!` or a proc macro assembles from pieces none of which names an existing
  path outside the crate, nor climbs with `..` or is absolute (`stringify!` of identifiers,
  `join!(".", "./glo", ..)`, a macro with arguments or defined in another file, a path a
  proc macro reads from its own configuration); a literal given to a macro is a path only when it names something that exists
  when the check runs, so a file generated later is not seen;
- a relative `cargo:rustc-link-search` read from the workspace root (build scripts' paths are
  read from the crate's directory), and a relative `rustc-env` value included by a file in a
  subdirectory of `src/` (it is read from the crate's directory and from `src/` only);
- cargo configuration outside the repository (`$CARGO_HOME/config.toml`, directories above the
  workspace), `CARGO_*`/`RUSTFLAGS`/`RUSTC_WRAPPER` environment variables, and `--config`
  arguments: they belong to the machine that builds, not to the repository;
- files git ignores that are not tracked (a local `.cargo/config.toml` listed in `.gitignore`):
  the check covers what the repository holds. Untracked files git does not ignore are read;
- doctests written as `#[doc = "..."]` attributes (doc comments' code blocks are read, as rustdoc
  finds them), and in doctests a path known only by its prefix.

What closes the first gap at run time: a generated client's binary runs every command inside a
Linux Landlock sandbox (`src/sandbox.rs`, a locked file) set up before credentials are read.
The kernel refuses it any file outside its own data directory (and the `export` directory),
the files TLS, DNS and time zones need, any program to execute, and any TCP port but 443, its
database's and the loopback test port's, whatever path or address the code computes;
`CLIENT self-check` shows the refusal, and `cargo clientwall attest CLIENT --live` puts what
that self-check observed (the scopes the shop granted, the token lifetime, the sandbox's level
and rules, the kernel's refusals, the database written) beside what `client.toml` declares in
the attestation: a difference fails it, and without the client's credentials the live part
says it was not run. What is still not enforced at run time: other programs (a client's tests,
examples or build scripts, a script run by hand) run without that sandbox; a kernel without
Landlock ABI 4 (before Linux 6.7, or macOS and Windows) enforces less or nothing, which
`sandbox = "best-effort"` states on every run, `"required"` refuses and `attest --live` shows
as a failing line; UDP (DNS) and Unix sockets are not restricted; the sandbox does not choose
the host behind an allowed port (any host on 443: the shop's HTTPS rules do that); and
`attest --live` observes one run on the machine that made the attestation, not every run
elsewhere.

## How to fix
Copy what the client really needs into its own directory, or move truly generic code into a
shared crate and depend on it through `Cargo.toml` (where the dependency rules watch it).
"#,
};

/// A violation for every reference the scan (and cargo's target paths) found that leaves its
/// owner: a client's file pulling in a file outside the client, a file outside every client
/// pulling in a client's file.
pub fn check(ctx: &FilesContext) -> Result<Vec<Violation>> {
    Ok(ctx
        .findings
        .iter()
        .filter_map(|finding| match finding {
            Finding::Reference {
                owner,
                location,
                reference,
                landing,
            } => violation(ctx, owner, location, reference, landing),
            Finding::Secret { .. } => None,
        })
        .collect())
}

/// The violation of one reference, said from its owner's side: a client pulls in a file that
/// is not its own; a shared crate (or cargo configuration outside the clients) pulls a client's
/// file into every client that compiles it.
fn violation(
    ctx: &FilesContext,
    owner: &Owner,
    location: &Location,
    reference: &Reference,
    landing: &Landing,
) -> Option<Violation> {
    let layout = ctx.layout;
    let shown = layout.display(&reference.resolved);
    let how = reference.via.describe();
    let thing = if reference.partial || reference.resolved.is_dir() {
        "directory"
    } else {
        "file"
    };
    let (client, subject, message, help, show_source) = match owner {
        Owner::Client(client) => {
            let whose = match landing {
                Landing::Client(other) => format!("client `{other}`'s {thing} `{shown}`"),
                Landing::Shared => format!("a {thing} of the shared tree `{shown}`"),
                Landing::Outside => format!("a path outside the client `{shown}`"),
            };
            let what = match reference.partial {
                true => format!(
                    "a path under {whose} (`{}`, the rest is known only when it is built)",
                    reference.written
                ),
                false => whose,
            };
            (
                client.clone(),
                Subject::File {
                    path: shown,
                    owner: landing.clone(),
                },
                format!("client `{client}` pulls in {what} through {how}"),
                "keep what this client needs inside its own directory; share code only through a shared crate in Cargo.toml".to_owned(),
                // A symlink's "source" would be the file it points at: show only its place.
                !matches!(reference.via, Via::Symlink),
            )
        }
        Owner::Shared(dir) => {
            let Landing::Client(client) = landing else {
                return None;
            };
            let (in_crate, compiled_by, message) = match &reference.via {
                Via::CargoConfig(_) => shared_cargo_config(layout, dir, client, location, reference),
                _ => shared_crate(ctx.exposure, layout, dir, client, &shown, thing, &how),
            };
            (
                client.clone(),
                Subject::PulledIntoShared {
                    in_crate,
                    path: shown,
                    compiled_by,
                },
                message,
                match &reference.via {
                    Via::CargoConfig(_) => format!(
                        "keep `{client}`'s paths out of cargo configuration that other clients' builds read; put it in `{client}`'s own `.cargo/config.toml` if `{client}` needs it"
                    ),
                    _ => format!(
                        "keep `{client}`'s files inside `{client}`; a shared crate must not read any client's files"
                    ),
                },
                true,
            )
        }
    };
    Some(Violation {
        rule: &RULE,
        subject,
        client,
        path: Vec::new(),
        location: location.clone(),
        message,
        help,
        allow_key: None,
        show_source,
    })
}

/// A shared crate (at `dir`) pulling in `client`'s file: the crate's name and the clients that
/// compile it (`exposure`; `None` when cargo did not run), and the message.
fn shared_crate(
    exposure: Option<&Exposure>,
    layout: &Layout,
    dir: &Path,
    client: &str,
    shown: &str,
    thing: &str,
    how: &str,
) -> (String, Vec<String>, String) {
    let node = exposure.and_then(|e| e.crate_of(dir));
    let (name, compiled_by) = match (node, exposure) {
        (Some(node), Some(e)) => (e.name(node).to_owned(), e.compiled_by(node)),
        _ => (layout.display(dir), Vec::new()),
    };
    let who = match compiled_by.len() {
        0 if exposure.is_some() => ", which no client compiles yet".to_owned(),
        0 => String::new(),
        _ => format!(", and so into {}", name_list(&compiled_by, 8)),
    };
    let message = format!(
        "shared crate `{name}` pulls client `{client}`'s {thing} `{shown}` through {how} into itself{who}"
    );
    (name, compiled_by, message)
}

/// A cargo configuration file outside every client whose path lands in `client`: every cargo
/// run below its directory (`base`) reads it, so every other client below it reaches
/// `client`. The file, the clients below it, and the message.
fn shared_cargo_config(
    layout: &Layout,
    base: &Path,
    client: &str,
    location: &Location,
    reference: &Reference,
) -> (String, Vec<String>, String) {
    let compiled_by: Vec<String> = layout
        .clients
        .iter()
        .filter(|a| a.dir.starts_with(base) && a.name != client)
        .map(|a| a.name.clone())
        .collect();
    let path = layout.display(&reference.resolved);
    let file = layout.display(location.file.as_std_path());
    let who = match compiled_by.len() {
        0 => String::new(),
        _ => format!(", and so into {}", name_list(&compiled_by, 8)),
    };
    let message = format!(
        "cargo configuration `{file}` pulls client `{client}`'s `{path}` through {} into every build below it{who}",
        reference.via.describe()
    );
    (file, compiled_by, message)
}
