//! `cargo xtask release-template VERSION` and `cargo xtask template-store`: cutting a template
//! release (its manifest over the content store, a commit, the tag `template-vVERSION`), and
//! keeping the store whole when `template/` changes (released contents the template no longer
//! holds are taken from git into the store; contents the template holds again leave it).

use anyhow::{Context, Result, bail};
use camino::Utf8Path;
use clientwall::clientwall_template::{release, store};
use std::process::Command;

/// The current template, from the repository's root.
pub const TEMPLATE: &str = "template/client";
/// The releases (manifests, store, `SHA256SUMS`), from the repository's root.
pub const RELEASES: &str = "template/releases";

/// The tag that marks release `version`.
pub fn tag_name(version: &str) -> String {
    format!("template-v{version}")
}

fn git(repo: &Utf8Path) -> Command {
    let mut git = Command::new("git");
    git.arg("-C").arg(repo);
    git
}

fn run(command: &mut Command) -> Result<String> {
    let out = command
        .output()
        .with_context(|| format!("failed to run {command:?}"))?;
    if !out.status.success() {
        bail!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The contents `template/<path>` had with SHA-256 `hash` anywhere in git: the index, `HEAD`,
/// then every commit that touched the file, newest first.
pub fn recover_from_git(repo: &Utf8Path, path: &str, hash: &str) -> Option<Vec<u8>> {
    let file = format!("{TEMPLATE}/{path}");
    let mut revisions = vec![String::new(), "HEAD".to_owned()];
    if let Ok(log) = run(git(repo).args(["log", "--format=%H", "--", &file])) {
        revisions.extend(log.lines().map(str::to_owned));
    }
    revisions.into_iter().find_map(|rev| {
        let out = git(repo)
            .args(["cat-file", "blob", &format!("{rev}:{file}")])
            .output()
            .ok()?;
        (out.status.success() && store::sha256_hex(&out.stdout) == hash).then_some(out.stdout)
    })
}

/// `cargo xtask template-store [--check]`.
pub fn template_store(repo: &Utf8Path, check: bool) -> Result<()> {
    let (releases, template) = (repo.join(RELEASES), repo.join(TEMPLATE));
    if check {
        let audit = store::audit(&releases, &template)?;
        if !audit.is_whole() {
            bail!("the template store is not whole:\n{audit}");
        }
        println!("the template store is whole");
        return Ok(());
    }
    let done = store::tidy(&releases, &template, &mut |path, hash| {
        recover_from_git(repo, path, hash)
    })?;
    for hash in &done.stored {
        println!("stored {RELEASES}/{}/{hash}", store::STORE);
    }
    for hash in &done.removed {
        println!("removed {RELEASES}/{}/{hash}", store::STORE);
    }
    println!(
        "the template store is whole ({} stored, {} removed)",
        done.stored.len(),
        done.removed.len()
    );
    Ok(())
}

/// `cargo xtask release-template VERSION [--no-commit]`.
pub fn release_template(repo: &Utf8Path, version: &str, commit: bool) -> Result<()> {
    let tag = tag_name(version);
    if commit
        && git(repo)
            .args(["rev-parse", "-q", "--verify", &format!("refs/tags/{tag}")])
            .output()
            .context("failed to run git")?
            .status
            .success()
    {
        bail!("the tag {tag} exists already: a released version never changes");
    }
    template_store(repo, false)?;
    let released = release::release(&repo.join(TEMPLATE), &repo.join(RELEASES), version)?;
    println!(
        "released template {} ({} files, sha256 {}); template/ was {}, is now {}",
        released.version, released.files, released.checksum, released.previous, released.version
    );
    if commit {
        run(git(repo).args(["add", "-A", "--", TEMPLATE, RELEASES]))?;
        run(git(repo).args([
            "commit",
            "-q",
            "-m",
            &format!("template {version}: released"),
            "--",
            TEMPLATE,
            RELEASES,
        ]))?;
        run(git(repo).args([
            "tag",
            "-a",
            &tag,
            "-m",
            &format!("clientwall template {version}"),
        ]))?;
        println!("committed {TEMPLATE}/ and {RELEASES}/ and tagged the commit {tag}");
    } else {
        println!("not committed: commit {TEMPLATE}/ and {RELEASES}/, then `git tag -a {tag}`");
    }
    println!("next: upgrade the example, check it is what new-client generates, and commit:");
    println!(
        "  cargo run -q -p clientwall -- clientwall upgrade --manifest-path examples/consultancy/Cargo.toml"
    );
    println!("  bash scripts/test.sh");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use camino::Utf8PathBuf;

    fn git_ok(repo: &Utf8Path, args: &[&str]) {
        let status = git(repo)
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    /// A template file edited after its release: the released contents come back from git,
    /// older commits included, and nothing else does.
    #[test]
    fn released_contents_are_recovered_from_git_by_hash() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        let file = repo.join(TEMPLATE).join("src/lib.rs");
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        git_ok(&repo, &["init", "-q"]);
        for contents in ["first\n", "second\n"] {
            std::fs::write(&file, contents).unwrap();
            git_ok(&repo, &["add", "-A"]);
            git_ok(&repo, &["commit", "-q", "-m", contents.trim()]);
        }
        std::fs::write(&file, "edited, not committed\n").unwrap();
        for old in ["first\n", "second\n"] {
            let got = recover_from_git(&repo, "src/lib.rs", &store::sha256_hex(old.as_bytes()));
            assert_eq!(got.as_deref(), Some(old.as_bytes()));
        }
        let never = store::sha256_hex(b"never committed\n");
        assert_eq!(recover_from_git(&repo, "src/lib.rs", &never), None);
        assert_eq!(recover_from_git(&repo, "src/other.rs", &never), None);
    }
}
