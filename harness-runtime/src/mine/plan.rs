//! From a candidate to a draft fixture, before anything runs: the limits (`too large`),
//! what the miner cannot express (`unsupported`), and the parts: hidden and visible
//! checks, scope, environment, oracle and hidden files, the `.gitignore` overlay.

use std::collections::BTreeSet;

use git2::Repository;
use harness_fixture::{IgnoreRules, RepoPath};

use super::Context;
use super::classify::{Language, PathClass, classify, frozen_glob, scope_allow};
use super::detect::{self, Detected, TreeView, check_argv, runnable};
use super::history::{Candidate, ChangeKind};
use super::state::Reason;
use super::write::{CheckDraft, Draft, DraftFile};

/// A candidate the miner rejects before running anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub reason: Reason,
    /// What was seen.
    pub detail: String,
}

impl Rejection {
    /// A rejection for `reason` saying `detail`.
    pub fn new(reason: Reason, detail: impl Into<String>) -> Rejection {
        Rejection {
            reason,
            detail: detail.into(),
        }
    }
}

/// Why a candidate stopped short of accepted.
#[derive(Debug)]
pub enum Stop {
    /// The candidate is rejected (recorded).
    Rejected(Rejection),
    /// The miner or the machine failed (not a verdict: not recorded, a resume retries it).
    Failed(String),
}

impl From<Rejection> for Stop {
    fn from(rejection: Rejection) -> Stop {
        Stop::Rejected(rejection)
    }
}

impl From<String> for Stop {
    fn from(error: String) -> Stop {
        Stop::Failed(error)
    }
}

impl From<git2::Error> for Stop {
    fn from(error: git2::Error) -> Stop {
        Stop::Failed(error.message().to_owned())
    }
}

/// The fixture id: `<repo name>-<first 12 hex of the commit>`.
pub fn fixture_id(repository: &str, candidate: &Candidate) -> String {
    format!("{repository}-{}", candidate.short())
}

/// The work item's id: `item-` and 8 hex of a hash of the repository name and the commit,
/// so it names neither the fixture nor the commit.
pub fn item_id(repository: &str, candidate: &Candidate) -> String {
    let seed = format!(
        "another-harness mined item\n{repository}\n{}",
        candidate.commit
    );
    let hash = git2::Oid::hash_object(git2::ObjectType::Blob, seed.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_default();
    format!("item-{}", &hash[..8.min(hash.len())])
}

/// The draft of `candidate`'s fixture, or why it cannot be one.
pub fn draft(
    ctx: &Context<'_>,
    repo: &Repository,
    candidate: &Candidate,
) -> Result<(Draft, TreeView), Stop> {
    let options = ctx.options;
    let fix: Vec<_> = candidate.fix().collect();
    let lines: usize = fix.iter().map(|change| change.lines).sum();
    if fix.len() > options.max_fix_files || lines > options.max_fix_lines {
        return Err(Stop::Rejected(Rejection::new(
            Reason::TooLarge,
            format!(
                "the fix changes {} files and {lines} lines (limits: {} files, {} lines)",
                fix.len(),
                options.max_fix_files,
                options.max_fix_lines
            ),
        )));
    }
    if let Some(deleted) = fix.iter().find(|change| change.kind == ChangeKind::Deleted) {
        return Err(Stop::Rejected(Rejection::new(
            Reason::Unsupported,
            format!("the fix deletes or renames `{}`", deleted.path),
        )));
    }
    let view = TreeView::read(repo, candidate.baseline_tree)?;
    if let Some(rejection) = unsupported_baseline(ctx, repo, &view) {
        return Err(rejection.into());
    }
    let detected = detect::detect(
        repo,
        &view,
        ctx.language,
        options.test_cmd.as_deref(),
        &options.setup,
    );
    let hidden_files: Vec<DraftFile> = candidate
        .of(PathClass::Test)
        .filter(|change| change.kind != ChangeKind::Deleted)
        .map(|change| draft_file(repo, &change.path, change.blob, change.mode))
        .collect::<Result<_, _>>()?;
    let checks = checks(ctx.language, &detected, &view, candidate, &hidden_files)?;
    let oracle: Vec<DraftFile> = fix
        .iter()
        .map(|change| draft_file(repo, &change.path, change.blob, change.mode))
        .collect::<Result<_, _>>()?;
    let frozen: BTreeSet<String> = view
        .files
        .keys()
        .filter(|path| classify(ctx.language, path) == PathClass::Test)
        .chain(hidden_files.iter().map(|file| &file.path))
        .map(|path| frozen_glob(path))
        .collect();
    let gitignore = gitignore(repo, &view, &detected);
    let draft = Draft {
        id: fixture_id(&ctx.repository, candidate),
        tree: candidate.baseline_tree.to_string(),
        commit: candidate.commit.to_string(),
        repository: ctx.repository.clone(),
        allow: scope_allow(fix.iter().map(|change| change.path.as_str())),
        frozen: frozen.into_iter().collect(),
        visible: checks.0,
        hidden: checks.1,
        timeout_s: match ctx.language {
            Language::Python => 300,
            Language::Rust => 600,
        },
        environment: detected.environment.clone(),
        item: (
            item_id(&ctx.repository, candidate),
            "pending".to_owned(),
            "pending".to_owned(),
        ),
        gitignore,
        oracle,
        hidden_files,
        stored: None,
    };
    Ok((draft, view))
}

/// What keeps a baseline from being mined: another language, a cargo workspace without a
/// root package, a contract or work item of its own where the fixture puts them.
fn unsupported_baseline(
    ctx: &Context<'_>,
    repo: &Repository,
    view: &TreeView,
) -> Option<Rejection> {
    let language = detect::language(view);
    if language != Some(ctx.language) {
        return Some(Rejection::new(
            Reason::Unsupported,
            format!("the baseline is not a {} repository", ctx.language.as_str()),
        ));
    }
    if ctx.language == Language::Rust {
        let manifest: Option<toml::Table> = view
            .text(repo, "Cargo.toml")
            .and_then(|text| text.parse().ok());
        if !manifest.is_some_and(|manifest| manifest.contains_key("package")) {
            return Some(Rejection::new(
                Reason::Unsupported,
                "the root Cargo.toml has no [package] (a workspace without a root crate)",
            ));
        }
    }
    [
        harness_fixture::CONTRACT_PATH,
        harness_fixture::WORK_ITEM_PATH,
    ]
    .into_iter()
    .find(|path| view.has(path))
    .map(|path| {
        Rejection::new(
            Reason::Unsupported,
            format!("the baseline has its own `{path}`, where the fixture's goes"),
        )
    })
}

/// The visible check (the suite's test files the commit did not touch) and the hidden one
/// (the commit's test files).
fn checks(
    language: Language,
    detected: &Detected,
    view: &TreeView,
    candidate: &Candidate,
    hidden_files: &[DraftFile],
) -> Result<(Option<CheckDraft>, CheckDraft), Rejection> {
    let unsupported = |detail: String| Rejection::new(Reason::Unsupported, detail);
    let hidden: Vec<&str> = hidden_files
        .iter()
        .map(|file| file.path.as_str())
        .filter(|path| runnable(detected, path))
        .collect();
    if hidden.is_empty() {
        return Err(unsupported(
            "the commit's test change has no test file a runner collects".to_owned(),
        ));
    }
    let touched: BTreeSet<&str> = candidate
        .of(PathClass::Test)
        .map(|change| change.path.as_str())
        .collect();
    let visible: Vec<&str> = view
        .files
        .keys()
        .map(String::as_str)
        .filter(|path| classify(language, path) == PathClass::Test)
        .filter(|path| runnable(detected, path) && !touched.contains(path))
        .collect();
    let hidden = CheckDraft {
        run: check_argv(detected, &hidden, false).map_err(unsupported)?,
        files: hidden.iter().map(|path| (*path).to_owned()).collect(),
    };
    let visible = if visible.is_empty() && !(language == Language::Rust && detected.lib_tests) {
        None
    } else {
        Some(CheckDraft {
            run: check_argv(detected, &visible, true).map_err(unsupported)?,
            files: visible.iter().map(|path| (*path).to_owned()).collect(),
        })
    };
    Ok((visible, hidden))
}

fn draft_file(
    repo: &Repository,
    path: &str,
    blob: git2::Oid,
    mode: u32,
) -> Result<DraftFile, git2::Error> {
    Ok(DraftFile {
        path: path.to_owned(),
        content: repo.find_blob(blob)?.content().to_vec(),
        mode,
    })
}

/// The baseline's root `.gitignore` with the lines it lacks for what running the tests
/// leaves (`__pycache__/`, `*.pyc`, `.pytest_cache/`; `target/`), so an agent that runs
/// them is not charged for the output; `None` when it covers all of it already.
fn gitignore(repo: &Repository, view: &TreeView, detected: &Detected) -> Option<Vec<u8>> {
    let current = view.text(repo, ".gitignore").unwrap_or_default();
    let mut files = harness_fixture::Files::new();
    if let Ok(path) = RepoPath::parse(".gitignore") {
        files.insert(path, harness_fixture::FileEntry::regular(current.clone()));
    }
    let rules = IgnoreRules::from_files(&files);
    let wanted: &[(&str, &str)] = match detected.language {
        Language::Python => &[
            ("__pycache__/", "pkg/__pycache__/m.cpython-311.pyc"),
            ("*.pyc", "pkg/m.pyc"),
            (".pytest_cache/", ".pytest_cache/v/cache/nodeids"),
        ],
        Language::Rust if view.has("Cargo.lock") => &[("/target/", "target/debug/x")],
        // Without a lock file in the baseline, cargo writes one.
        Language::Rust => &[
            ("/target/", "target/debug/x"),
            ("/Cargo.lock", "Cargo.lock"),
        ],
    };
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(_, probe)| RepoPath::parse(probe).is_ok_and(|probe| !rules.is_ignored(&probe)))
        .map(|(line, _)| *line)
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut text = current;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# Added by `harness mine`: what running the tests leaves behind.\n");
    for line in missing {
        text.push_str(line);
        text.push('\n');
    }
    Some(text.into_bytes())
}
