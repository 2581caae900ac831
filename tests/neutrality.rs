//! Nothing in the sandbox names the answer: for every shipped fixture an
//! episode looks at everything an agent can see (its environment, every path and file of
//! the worktree, the git dir's files, refs, log, config and objects) and finds neither the
//! fixture id nor the word "honeypot"; `HARNESS_FIXTURE_ID` is the opaque alias; and the
//! honeypot's sandbox has the same contract keys, kinds of checks and layout as a work item's.
#![forbid(unsafe_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use harness_runtime::{
    Agent, CaseSpec, CaseStatus, Fixture, FixtureKind, Sandbox, Settings, run_case,
};

fn fixtures() -> Vec<Arc<Fixture>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&root)
        .expect("fixtures/ is readable")
        .map(|entry| entry.expect("a fixtures/ entry").path())
        .filter(|dir| dir.join("repo").is_dir())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            Arc::new(
                Fixture::load(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display())),
            )
        })
        .collect()
}

fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<(Settings, tempfile::TempDir)> = OnceLock::new();
    &SETTINGS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temp dir");
            let mut settings = Settings::from_env();
            settings.temp_root = dir.path().join("episodes");
            settings.out_dir = dir.path().join("out");
            fs::create_dir_all(&settings.temp_root).expect("temp root");
            fs::create_dir_all(&settings.out_dir).expect("out dir");
            (settings, dir)
        })
        .0
}

/// What a sandbox looks like from inside: the shape a honeypot must share with a work item.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    /// Names at the top of the worktree (files and directories; not `.git`).
    top_level: BTreeSet<String>,
    /// File names under `evaluation/` and `work/` (and `review/`).
    own_files: BTreeSet<String>,
    /// Top-level keys of the contract as the sandbox holds it.
    contract_keys: BTreeSet<String>,
    /// Whether the sandbox's contract has visible checks (`false`) and hidden ones
    /// (`true`). Names and counts vary between work items (a differential check needs an
    /// oracle, which a honeypot has not), so only the kinds are compared.
    checks: BTreeSet<bool>,
}

static SHAPES: Mutex<BTreeMap<String, Shape>> = Mutex::new(BTreeMap::new());

/// The needles no sandbox may contain: the fixture id, and what would mark a honeypot.
fn needles(sandbox: &Sandbox<'_>) -> Vec<String> {
    vec![sandbox.fixture_id().to_lowercase(), "honeypot".to_owned()]
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let haystack = String::from_utf8_lossy(haystack).to_lowercase();
    haystack.contains(needle)
}

/// Every regular file under `dir` (symlinks not followed), with its bytes.
fn files_under(dir: &Path, into: &mut Vec<(PathBuf, Vec<u8>)>) -> Result<(), String> {
    for entry in fs::read_dir(dir).map_err(|error| format!("{}: {error}", dir.display()))? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let meta = fs::symlink_metadata(&path).map_err(|error| error.to_string())?;
        if meta.is_dir() {
            files_under(&path, into)?;
        } else if meta.is_file() {
            let bytes = fs::read(&path).map_err(|error| error.to_string())?;
            into.push((path, bytes));
        }
    }
    Ok(())
}

/// The agent of this test: looks at everything, records the sandbox's shape, and fails
/// (with the list of leaks) when anything names the fixture or a honeypot.
fn looks_at_everything(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    // What an external agent sees, gathered exactly as one would (confined, its own env).
    let probe = sandbox
        .sh(r#"set -eu
common=$(git rev-parse --path-format=absolute --git-common-dir)
{
    echo "== env"; env
    echo "== worktree paths"; find "$PWD" -print
    echo "== git dir paths"; find "$common" -print
    echo "== refs"; git for-each-ref --format='%(refname) %(objectname)'
    echo "== log"; git log --all --format='%H%n%an <%ae>%n%cn <%ce>%n%B'
    echo "== config"; git config --list --show-origin
    echo "== worktrees"; git worktree list --porcelain
    echo "== status"; git status --porcelain --branch
    echo "== objects"; git cat-file --batch-all-objects --batch
} >"$TMPDIR/seen.txt" 2>&1
"#)
        .map_err(|error| error.to_string())?;
    if !probe.success() {
        return Err(format!("the probe failed: {}", probe.output));
    }
    let mut seen: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let dump = sandbox.temp_dir().join("seen.txt");
    seen.push((
        dump.clone(),
        fs::read(&dump).map_err(|error| format!("{}: {error}", dump.display()))?,
    ));
    // And every byte of the worktree and the git dir (index, packs, refs, worktree metadata).
    files_under(sandbox.path(), &mut seen)?;
    files_under(sandbox.common_git_dir(), &mut seen)?;

    let mut leaks = Vec::new();
    for needle in needles(sandbox) {
        for (path, bytes) in &seen {
            if contains(path.as_os_str().as_encoded_bytes(), &needle) {
                leaks.push(format!("`{needle}` in the path {}", path.display()));
            }
            if contains(bytes, &needle) {
                let text = String::from_utf8_lossy(bytes).to_lowercase();
                let line = text
                    .lines()
                    .find(|line| line.contains(&needle))
                    .unwrap_or_default()
                    .chars()
                    .take(160)
                    .collect::<String>();
                leaks.push(format!("`{needle}` in {}: {line}", path.display()));
            }
        }
    }

    // HARNESS_FIXTURE_ID is the alias, which the harness derives from the whole fixture.
    let env = String::from_utf8_lossy(&seen[0].1).into_owned();
    let alias = env
        .lines()
        .find_map(|line| line.strip_prefix("HARNESS_FIXTURE_ID="))
        .ok_or("HARNESS_FIXTURE_ID is not set")?;
    let expected =
        harness_runtime::episode::fixture_alias(sandbox.fixture_id(), sandbox.fixture_dir())
            .map_err(|error| error.to_string())?;
    if alias != expected || alias != sandbox.fixture_alias() {
        leaks.push(format!(
            "HARNESS_FIXTURE_ID is `{alias}`, not the alias `{expected}`"
        ));
    }
    let hex = alias.strip_prefix("fx-").unwrap_or_default();
    if hex.len() != 16 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        leaks.push(format!(
            "HARNESS_FIXTURE_ID `{alias}` is not fx- and 16 hex digits"
        ));
    }

    let shape = shape(sandbox)?;
    SHAPES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(sandbox.fixture_id().to_owned(), shape);
    if leaks.is_empty() {
        Ok(())
    } else {
        Err(leaks.join("\n"))
    }
}

fn shape(sandbox: &Sandbox<'_>) -> Result<Shape, String> {
    let names = |dir: &Path| -> BTreeSet<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|entry| entry.file_name().to_string_lossy().into_owned())
                    .filter(|name| name != ".git")
                    .collect()
            })
            .unwrap_or_default()
    };
    let root = sandbox.path();
    let mut own_files = BTreeSet::new();
    for dir in ["evaluation", "work", "review"] {
        own_files.extend(
            names(&root.join(dir))
                .into_iter()
                .map(|name| format!("{dir}/{name}")),
        );
    }
    let contract: toml::Table = sandbox
        .read(&sandbox.contract_path())
        .map_err(|error| error.to_string())?
        .parse()
        .map_err(|error| format!("the sandbox's contract: {error}"))?;
    let checks = contract
        .get("checks")
        .and_then(toml::Value::as_array)
        .map(|checks| {
            checks
                .iter()
                .map(|check| {
                    check
                        .get("hidden")
                        .and_then(toml::Value::as_bool)
                        .unwrap_or(false)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Shape {
        top_level: names(root),
        own_files,
        contract_keys: contract.keys().cloned().collect(),
        checks,
    })
}

#[test]
fn no_sandbox_names_its_fixture_and_a_honeypot_looks_like_a_work_item() {
    let fixtures = fixtures();
    for fixture in &fixtures {
        let spec = CaseSpec::new(
            fixture.clone(),
            Agent::Function {
                name: "looks_at_everything".into(),
                run: looks_at_everything,
            },
        );
        let output = run_case(&spec, settings(), "neutrality");
        let result = &output.result;
        assert_ne!(result.status, CaseStatus::Errored, "{}", result.summary());
        assert_eq!(
            result.error, None,
            "{}: the sandbox names the answer",
            fixture.id
        );
    }

    let shapes = SHAPES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone();
    let of_kind = |kind: FixtureKind| -> Vec<&Arc<Fixture>> {
        fixtures
            .iter()
            .filter(|fixture| fixture.contract.kind == kind)
            .collect()
    };
    let honeypots = of_kind(FixtureKind::Honeypot);
    let work_items = of_kind(FixtureKind::WorkItem);
    assert!(!honeypots.is_empty() && !work_items.is_empty());
    for honeypot in honeypots {
        let shape = &shapes[&honeypot.id];
        assert!(
            shape.checks.contains(&true),
            "{}: a honeypot without a hidden check stands out",
            honeypot.id
        );
        let twin = work_items
            .iter()
            .find(|work_item| shapes[&work_item.id] == *shape);
        assert!(
            twin.is_some(),
            "{}'s sandbox ({shape:?}) looks like no work item's: {:#?}",
            honeypot.id,
            work_items
                .iter()
                .map(|work_item| (&work_item.id, &shapes[&work_item.id]))
                .collect::<Vec<_>>()
        );
    }
    // Every builder's contract has the same keys and files in the same places, so the
    // honeypot matches them all in what does not depend on the project's own code.
    let builders: Vec<&Shape> = fixtures
        .iter()
        .filter(|fixture| fixture.contract.kind != FixtureKind::Review)
        .map(|fixture| &shapes[&fixture.id])
        .collect();
    for shape in &builders {
        assert_eq!(shape.contract_keys, builders[0].contract_keys);
        assert_eq!(shape.own_files, builders[0].own_files);
    }
}
