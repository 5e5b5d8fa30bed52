//! Synthetic consultancy workspaces: N clients, S shared crates, optional planted violations,
//! F source files per client with or without planted secrets.

use anyhow::Result;
use camino::Utf8Path;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub clients: usize,
    pub shared: usize,
    pub files_per_client: usize,
    /// Every 100th client depends on the next client, every 250th holds a secret.
    pub plant_violations: bool,
}

const BODY_LINES: usize = 40;

/// Write the workspace into `root` (which must be empty or absent).
pub fn generate(root: &Utf8Path, shape: Shape) -> Result<()> {
    std::fs::create_dir_all(root)?;
    std::fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"clients/*\", \"shared/*\"]\n\n[workspace.metadata.clientwall]\ncredential-helpers = [\"*-credentials\"]\n",
    )?;
    for s in 0..shape.shared {
        let dir = root.join(format!("shared/s{s}"));
        std::fs::create_dir_all(dir.join("src"))?;
        std::fs::write(
            dir.join("Cargo.toml"),
            format!("[package]\nname = \"shared-{s}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
        )?;
        std::fs::write(dir.join("src/lib.rs"), "pub fn shared() {}\n")?;
    }
    let mut body = String::new();
    for i in 0..BODY_LINES {
        let _ = writeln!(
            body,
            "pub fn f{i}(x: u64) -> u64 {{ let label = \"orders/{i}.csv\"; x * {i} + label.len() as u64 }}"
        );
    }
    for c in 0..shape.clients {
        let dir = root.join(format!("clients/c{c}"));
        std::fs::create_dir_all(dir.join("src"))?;
        let mut manifest = format!(
            "[package]\nname = \"client-{c}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n"
        );
        for s in (0..shape.shared).filter(|s| (c + s) % 2 == 0) {
            let _ = writeln!(manifest, "shared-{s} = {{ path = \"../../shared/s{s}\" }}");
        }
        let planted = shape.plant_violations && c % 100 == 99 && c + 1 < shape.clients;
        if planted {
            let _ = writeln!(
                manifest,
                "client-{} = {{ path = \"../c{}\" }}",
                c + 1,
                c + 1
            );
        }
        std::fs::write(dir.join("Cargo.toml"), manifest)?;
        let modules: String = (1..shape.files_per_client)
            .map(|f| format!("pub mod m{f};\n"))
            .collect();
        std::fs::write(dir.join("src/lib.rs"), format!("//! client {c}\n{modules}"))?;
        for f in 1..shape.files_per_client {
            let mut text = format!("//! module {f}\n{body}");
            if shape.plant_violations && c % 250 == 249 && f == 1 {
                // Assembled here so the repository itself holds no token-shaped string.
                let token = ["shp", "at_", &"0123456789abcdef".repeat(2)].concat();
                let _ = writeln!(text, "pub const LEAK: &str = \"{token}\";");
            }
            std::fs::write(dir.join(format!("src/m{f}.rs")), text)?;
        }
    }
    Ok(())
}
