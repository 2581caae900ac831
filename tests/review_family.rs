//! The review family, end to end: every review fixture under every baseline policy
//! through `harness_runtime::run_case`, the invariants the family promises, and the ways a
//! reviewer can go wrong (a malformed verdict, editing the code under review, moving the
//! commit under review).
//!
//! Run with `cargo test --test review_family -- --nocapture` to see the reward table.
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use harness_runtime::{
    Agent, AgentFn, CaseOutput, CaseSpec, CaseStatus, Fixture, FixtureKind, ReviewPolicy, Sandbox,
    Settings, ViolationCode, run_case,
};

/// The agents every review fixture is run with, in table order.
const POLICIES: [&str; 5] = [
    "noop",
    "oracle",
    "approve_all",
    "reject_all",
    "flag_every_line",
];

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every review fixture in `fixtures/`, loaded once.
fn review_fixtures() -> &'static [Arc<Fixture>] {
    static FIXTURES: OnceLock<Vec<Arc<Fixture>>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
            .expect("fixtures/ is readable")
            .map(|entry| entry.expect("fixtures/ entry").path())
            .filter(|dir| dir.join("repo").is_dir())
            .collect();
        dirs.sort();
        dirs.iter()
            .map(|dir| {
                Fixture::load(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
            })
            .filter(|fixture| fixture.contract.kind == FixtureKind::Review)
            .map(Arc::new)
            .collect()
    })
}

/// Harness settings with a private temp root and output directory (kept alive for the
/// whole test binary: cases of parallel tests share them).
fn settings() -> &'static Settings {
    static SETTINGS: OnceLock<(Settings, tempfile::TempDir)> = OnceLock::new();
    &SETTINGS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temp dir");
            let mut settings = Settings::from_env();
            settings.temp_root = dir.path().join("episodes");
            settings.out_dir = dir.path().join("out");
            std::fs::create_dir_all(&settings.temp_root).expect("temp root");
            std::fs::create_dir_all(&settings.out_dir).expect("out dir");
            (settings, dir)
        })
        .0
}

fn agent(name: &str) -> Agent {
    match name {
        "noop" => Agent::Noop,
        "oracle" => Agent::Oracle,
        "approve_all" => Agent::Policy(ReviewPolicy::ApproveAll),
        "reject_all" => Agent::Policy(ReviewPolicy::RejectAll),
        "flag_every_line" => Agent::Policy(ReviewPolicy::FlagEveryLine),
        other => panic!("unknown policy {other}"),
    }
}

fn run(fixture: &Arc<Fixture>, agent: Agent) -> CaseOutput {
    let spec = CaseSpec::new(fixture.clone(), agent);
    let output = run_case(&spec, settings(), "review-family");
    assert_ne!(
        output.result.status,
        CaseStatus::Errored,
        "{} errored: {}",
        spec.case,
        output.result.summary()
    );
    output
}

fn function(name: &str, run: AgentFn) -> Agent {
    Agent::Function {
        name: name.to_owned(),
        run,
    }
}

fn reward(output: &CaseOutput) -> f64 {
    output.result.reward.expect("a graded case has a reward")
}

fn codes(output: &CaseOutput) -> Vec<ViolationCode> {
    output.result.violations.iter().map(|v| v.code).collect()
}

fn is_defective(fixture: &Fixture) -> bool {
    !fixture
        .review_key
        .as_ref()
        .expect("a review fixture has a key")
        .defects
        .is_empty()
}

// ---------------------------------------------------------------------------------------
// Scripted reviewers (Agent::Function): test code, so they may read the fixture directory.
// ---------------------------------------------------------------------------------------

fn fixture_of(sandbox: &Sandbox<'_>) -> Result<Fixture, String> {
    Fixture::load(sandbox.fixture_dir()).map_err(|error| error.to_string())
}

fn verdict_path(fixture: &Fixture) -> String {
    fixture
        .review_request
        .as_ref()
        .expect("a review fixture has a request")
        .verdict_path
        .clone()
}

/// A TOML basic string (JSON string escapes are a subset of TOML's).
fn toml_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// The key as a verdict file, plus `extra` findings appended as raw TOML.
fn key_verdict(fixture: &Fixture, extra: &str) -> String {
    let key = fixture
        .review_key
        .as_ref()
        .expect("a review fixture has a key");
    let verdict = serde_json::to_value(key.verdict).expect("a verdict serialises");
    let mut text = format!(
        "verdict = {}\n",
        toml_string(verdict.as_str().expect("a verdict is a string"))
    );
    for defect in &key.defects {
        text.push_str(&format!(
            "\n[[findings]]\npath = {}\nline = {}\ncategory = {}\nmessage = {}\n",
            toml_string(&defect.path),
            defect.lines[0],
            toml_string(&defect.category),
            toml_string(&defect.description),
        ));
    }
    text.push_str(extra);
    text
}

fn write_verdict(sandbox: &Sandbox<'_>, content: &str) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    sandbox
        .write(&verdict_path(&fixture), content)
        .map_err(|error| error.to_string())
}

fn garbage_toml(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(sandbox, "verdict = approve\n[[findings\nthis is not toml")
}

fn missing_verdict_key(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(
        sandbox,
        "[[findings]]\npath = \"a\"\nline = 1\ncategory = \"logic\"\nmessage = \"m\"\n",
    )
}

fn unknown_verdict_value(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(sandbox, "verdict = \"lgtm\"\n")
}

fn finding_without_line(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(
        sandbox,
        "verdict = \"request_changes\"\n[[findings]]\npath = \"a\"\ncategory = \"logic\"\nmessage = \"m\"\n",
    )
}

fn negative_line(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(
        sandbox,
        "verdict = \"request_changes\"\n[[findings]]\npath = \"a\"\nline = -3\ncategory = \"logic\"\nmessage = \"m\"\n",
    )
}

fn empty_file(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    write_verdict(sandbox, "")
}

fn binary_bytes(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    sandbox
        .write(&verdict_path(&fixture), [0xff_u8, 0xfe, 0x00, 0x80, b'\n'])
        .map_err(|error| error.to_string())
}

/// A symlink where the verdict file should be (to a file of the worktree).
fn verdict_is_a_symlink(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let path = verdict_path(&fixture);
    let target = "request.toml".to_owned();
    sandbox
        .symlink(&target, &path)
        .map_err(|error| error.to_string())
}

/// A directory where the verdict file should be (with a file inside, so it is tracked).
fn verdict_is_a_directory(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let inside = format!("{}/verdict.toml", verdict_path(&fixture));
    sandbox
        .write(&inside, key_verdict(&fixture, ""))
        .map_err(|error| error.to_string())
}

/// The key's verdict plus a finding in a category the key does not use.
fn unknown_category(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let extra = "\n[[findings]]\npath = \"README.md\"\nline = 1\ncategory = \"style\"\nmessage = \"wording\"\n";
    write_verdict(sandbox, &key_verdict(&fixture, extra))
}

/// The right verdict, and also "fixing" the code under review (a modified file and a new one).
fn key_and_edits_the_code(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    write_verdict(sandbox, &key_verdict(&fixture, ""))?;
    let (path, _) = fixture
        .change
        .iter()
        .next()
        .ok_or("a review fixture has a change")?;
    let mut content = sandbox
        .read(path.as_str())
        .map_err(|error| error.to_string())?;
    content.push_str("\n# reviewed\n");
    sandbox
        .write(path.as_str(), content)
        .map_err(|error| error.to_string())?;
    sandbox
        .write("REVIEW_NOTES.md", "fixed it myself\n")
        .map_err(|error| error.to_string())
}

/// The right verdict, after pointing the commit under review at the baseline (so the
/// "change" disappears).
fn key_and_moves_under_review(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    write_verdict(sandbox, &key_verdict(&fixture, ""))?;
    sandbox
        .git(&[
            "update-ref",
            "refs/heads/under-review",
            "refs/heads/baseline",
        ])
        .map_err(|error| error.to_string())?;
    Ok(())
}

/// The right verdict, after rewriting the commit under review (amend with another tree).
fn key_and_rewrites_under_review(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let git = |args: &[&str]| sandbox.git(args).map_err(|error| error.to_string());
    let tree = git(&["rev-parse", "refs/heads/baseline^{tree}"])?;
    let commit = git(&[
        "-c",
        "user.name=r",
        "-c",
        "user.email=r@x.invalid",
        "commit-tree",
        tree.trim(),
        "-p",
        "refs/heads/baseline",
        "-m",
        "nothing to see",
    ])?;
    git(&["update-ref", "refs/heads/under-review", commit.trim()])?;
    write_verdict(sandbox, &key_verdict(&fixture, ""))
}

/// Looks for the answer key anywhere in the sandbox (worktree and every git object).
fn looks_for_the_key(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let key = fixture.review_key.as_ref().ok_or("no key")?;
    let needles: Vec<&str> = key
        .defects
        .iter()
        .map(|defect| defect.description.as_str())
        .filter(|text| !text.is_empty())
        .collect();
    let mut stack = vec![sandbox.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(|error| error.to_string())? {
            let path = entry.map_err(|error| error.to_string())?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.file_name().is_some_and(|name| name == "key.toml") {
                return Err(format!("found {}", path.display()));
            }
            let text =
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned();
            if needles.iter().any(|needle| text.contains(needle)) {
                return Err(format!("the key's text is in {}", path.display()));
            }
        }
    }
    let objects = sandbox
        .git(&["cat-file", "--batch-all-objects", "--batch"])
        .map_err(|error| error.to_string())?;
    if needles.iter().any(|needle| objects.contains(needle)) || objects.contains("line_tolerance") {
        return Err("the key is in a git object".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn the_family_has_defective_and_sound_changes_in_two_languages() {
    let fixtures = review_fixtures();
    assert!(fixtures.len() >= 4, "at least four review fixtures");
    let defective: Vec<&Arc<Fixture>> = fixtures.iter().filter(|f| is_defective(f)).collect();
    assert!(defective.len() >= 2, "at least two defective changes");
    assert!(
        fixtures.len() - defective.len() >= 2,
        "at least two sound changes"
    );
    let categories: Vec<&str> = defective
        .iter()
        .flat_map(|f| f.review_key.as_ref().expect("key").defects.iter())
        .map(|defect| defect.category.as_str())
        .collect();
    assert!(categories.contains(&"logic") && categories.contains(&"security"));
    let mut languages = std::collections::BTreeSet::new();
    for fixture in fixtures {
        for path in fixture.change.keys() {
            if let Some((_, extension)) = path.as_str().rsplit_once('.')
                && ["py", "sh", "rs"].contains(&extension)
            {
                languages.insert(extension.to_owned());
            }
        }
        assert!(
            !fixture.dir.join("oracle").exists() && !fixture.dir.join("hidden").exists(),
            "{}: a review fixture has no oracle/ or hidden/",
            fixture.id
        );
        assert!(
            !fixture
                .repo
                .keys()
                .any(|path| path.as_str().ends_with("key.toml")),
            "{}: the key must not be in repo/",
            fixture.id
        );
    }
    assert!(languages.len() >= 2, "two languages: {languages:?}");
}

#[test]
fn baseline_policies_obey_the_invariants() {
    let fixtures = review_fixtures();
    let mut table: Vec<(String, [f64; 5])> = Vec::new();
    for fixture in fixtures {
        let mut row = [0.0; 5];
        for (index, policy) in POLICIES.iter().enumerate() {
            let output = run(fixture, agent(policy));
            let result = &output.result;
            let value = reward(&output);
            assert!(
                (-1.0..=1.0).contains(&value),
                "{}: reward out of range",
                result.summary()
            );
            let review = result
                .review
                .as_ref()
                .expect("a review case has a breakdown");
            match *policy {
                "noop" => {
                    assert!(!result.passed);
                    assert_eq!(
                        codes(&output),
                        vec![ViolationCode::MalformedVerdict],
                        "{}",
                        result.summary()
                    );
                    assert_eq!(review.verdict, None);
                }
                _ => assert!(
                    result.violations.is_empty(),
                    "{}: a policy's verdict is well formed",
                    result.summary()
                ),
            }
            row[index] = value;
        }
        let [noop, oracle, approve_all, reject_all, flag_every_line] = row;
        let id = &fixture.id;
        assert_eq!(oracle, 1.0, "{id}: the oracle scores 1.0");
        for (name, value) in POLICIES.iter().zip(row) {
            assert!(oracle >= value, "{id}: oracle {oracle} < {name} {value}");
        }
        assert!(oracle > noop, "{id}: oracle must beat noop");
        assert!(oracle > reject_all, "{id}: oracle must beat reject_all");
        assert!(
            oracle > flag_every_line,
            "{id}: oracle must beat flag_every_line"
        );
        if is_defective(fixture) {
            assert!(
                oracle > approve_all,
                "{id}: approving a defective change must lose"
            );
            assert!(
                approve_all < noop,
                "{id}: approving a defective change costs more than saying nothing"
            );
        } else {
            assert_eq!(approve_all, 1.0, "{id}: approving a sound change is right");
            assert!(
                reject_all < noop && flag_every_line < noop,
                "{id}: rejecting a sound change costs more than saying nothing"
            );
        }
        table.push((id.clone(), row));
    }

    let count = table.len() as f64;
    let mut means = [0.0; 5];
    for (_, row) in &table {
        for (mean, value) in means.iter_mut().zip(row) {
            *mean += value / count;
        }
    }
    let header = POLICIES
        .iter()
        .map(|name| format!("{name:>16}"))
        .collect::<String>();
    println!("{:<24}{header}", "fixture");
    for (id, row) in &table {
        let cells = row.iter().map(|v| format!("{v:>16.3}")).collect::<String>();
        println!("{id:<24}{cells}");
    }
    let cells = means
        .iter()
        .map(|v| format!("{v:>16.3}"))
        .collect::<String>();
    println!("{:<24}{cells}", "family mean");

    let oracle_mean = means[1];
    for (name, mean) in POLICIES.iter().zip(means) {
        if *name != "oracle" {
            assert!(
                oracle_mean > mean,
                "family: oracle mean {oracle_mean} must be above {name}'s {mean}"
            );
        }
    }
}

#[test]
fn malformed_verdicts_are_a_violation_never_a_crash() {
    let malformed: [(&str, AgentFn); 9] = [
        ("garbage_toml", garbage_toml),
        ("verdict_is_a_symlink", verdict_is_a_symlink),
        ("missing_verdict_key", missing_verdict_key),
        ("unknown_verdict_value", unknown_verdict_value),
        ("finding_without_line", finding_without_line),
        ("negative_line", negative_line),
        ("empty_file", empty_file),
        ("binary_bytes", binary_bytes),
        ("verdict_is_a_directory", verdict_is_a_directory),
    ];
    for fixture in review_fixtures() {
        for (name, run_fn) in malformed {
            let output = run(fixture, function(name, run_fn));
            let result = &output.result;
            assert_eq!(result.error, None, "{}", result.summary());
            assert!(
                codes(&output).contains(&ViolationCode::MalformedVerdict),
                "{}: expected malformed_verdict",
                result.summary()
            );
            assert!(!result.passed);
            assert_eq!(reward(&output), 0.0, "{}", result.summary());
            let detail = &result
                .violations
                .iter()
                .find(|v| v.code == ViolationCode::MalformedVerdict)
                .expect("found above")
                .detail;
            assert!(!detail.is_empty(), "{name}: the violation says why");
        }
    }
}

#[test]
fn an_unknown_category_is_a_finding_that_matches_nothing() {
    for fixture in review_fixtures() {
        let output = run(fixture, function("unknown_category", unknown_category));
        let result = &output.result;
        assert!(
            result.violations.is_empty(),
            "{}: an unknown category is not malformed",
            result.summary()
        );
        let review = result.review.as_ref().expect("breakdown");
        assert_eq!(review.recall, 1.0, "{}", result.summary());
        assert!(review.precision < 1.0, "{}", result.summary());
        let value = reward(&output);
        assert!(value > 0.0 && value < 1.0, "{}", result.summary());
        assert!(!result.passed);
    }
}

#[test]
fn editing_the_code_under_review_is_a_scope_violation() {
    for fixture in review_fixtures() {
        let output = run(
            fixture,
            function("key_and_edits_the_code", key_and_edits_the_code),
        );
        let result = &output.result;
        assert_eq!(result.error, None, "{}", result.summary());
        // One modified file under review and one new file: two out-of-scope paths, each
        // a scope_violation (not an integrity violation), each costing the scope penalty.
        assert_eq!(
            codes(&output),
            vec![ViolationCode::ScopeViolation; 2],
            "{}",
            result.summary()
        );
        let out_of_scope = result
            .changed_paths
            .iter()
            .filter(|path| path.disposition.as_str() == "scope_violation")
            .count();
        assert_eq!(out_of_scope, 2, "{}", result.summary());
        assert!(!result.passed, "{}", result.summary());
        let expected = 1.0 - 2.0 * fixture.contract.reward.scope_penalty;
        assert!(
            (reward(&output) - expected).abs() < 1e-9,
            "{}: expected {expected}",
            result.summary()
        );
        assert!(reward(&output) < 1.0, "must score below the honest oracle");
    }
}

#[test]
fn moving_or_rewriting_the_commit_under_review_is_baseline_mismatch() {
    let attacks: [(&str, AgentFn); 2] = [
        ("key_and_moves_under_review", key_and_moves_under_review),
        (
            "key_and_rewrites_under_review",
            key_and_rewrites_under_review,
        ),
    ];
    for fixture in review_fixtures() {
        for (name, run_fn) in attacks {
            let output = run(fixture, function(name, run_fn));
            let result = &output.result;
            assert_eq!(result.error, None, "{}", result.summary());
            assert!(
                codes(&output).contains(&ViolationCode::BaselineMismatch),
                "{}: expected baseline_mismatch",
                result.summary()
            );
            assert!(!result.passed);
            assert_eq!(reward(&output), -1.0, "{}", result.summary());
        }
    }
}

#[test]
fn the_answer_key_never_reaches_the_sandbox() {
    for fixture in review_fixtures() {
        let output = run(fixture, function("looks_for_the_key", looks_for_the_key));
        let result = &output.result;
        assert_eq!(result.error, None, "{}", result.summary());
        assert_eq!(
            codes(&output),
            vec![ViolationCode::MalformedVerdict],
            "{}",
            result.summary()
        );
    }
}

/// The key's verdict, plus a `work/item.toml` (the builder family's always-allowed path).
fn key_and_writes_a_work_item(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    write_verdict(sandbox, &key_verdict(&fixture, ""))?;
    sandbox
        .write(
            harness_runtime::WORK_ITEM_PATH,
            "id = \"item-1\"\nstatus = \"closed\"\n",
        )
        .map_err(|error| error.to_string())
}

#[test]
fn in_a_review_the_work_item_path_is_out_of_scope_too() {
    for fixture in review_fixtures() {
        let output = run(
            fixture,
            function("key_and_writes_a_work_item", key_and_writes_a_work_item),
        );
        let result = &output.result;
        assert_eq!(result.error, None, "{}", result.summary());
        assert_eq!(
            codes(&output),
            vec![ViolationCode::ScopeViolation],
            "{}",
            result.summary()
        );
        assert!(!result.passed);
        let expected = 1.0 - fixture.contract.reward.scope_penalty;
        assert!(
            (reward(&output) - expected).abs() < 1e-9,
            "{}: expected {expected}",
            result.summary()
        );
    }
}

/// What a reviewer sees: the worktree at the commit under review, `baseline` its parent,
/// and `git diff baseline under-review` exactly the files of `change/`.
fn inspects_the_change(sandbox: &mut Sandbox<'_>) -> Result<(), String> {
    let fixture = fixture_of(sandbox)?;
    let git = |args: &[&str]| sandbox.git(args).map_err(|error| error.to_string());
    let head = git(&["rev-parse", "HEAD"])?;
    let under_review = git(&["rev-parse", "under-review"])?;
    if head != under_review {
        return Err(format!("HEAD {head} is not under-review {under_review}"));
    }
    let parent = git(&["rev-parse", "under-review^"])?;
    if parent != git(&["rev-parse", "baseline"])? {
        return Err("under-review's parent is not the baseline".into());
    }
    let diffed: Vec<String> = git(&["diff", "--name-only", "baseline", "under-review"])?
        .lines()
        .map(str::to_owned)
        .collect();
    let changed: Vec<String> = fixture.change.keys().map(|path| path.to_string()).collect();
    if diffed != changed {
        return Err(format!("diff shows {diffed:?}, change/ has {changed:?}"));
    }
    if !git(&["status", "--porcelain"])?.is_empty() {
        return Err("the worktree is not clean".into());
    }
    write_verdict(sandbox, &key_verdict(&fixture, ""))
}

#[test]
fn the_reviewer_sees_the_change_on_top_of_the_baseline() {
    for fixture in review_fixtures() {
        let output = run(
            fixture,
            function("inspects_the_change", inspects_the_change),
        );
        let result = &output.result;
        assert_eq!(result.error, None, "{}", result.summary());
        assert!(result.passed, "{}", result.summary());
        assert_eq!(reward(&output), 1.0);
    }
}

// ---------------------------------------------------------------------------------------
// Reading the answer from names
// ---------------------------------------------------------------------------------------

/// An external reviewer that never reads the code: it looks at `HARNESS_FIXTURE_ID`, the
/// request's file name, every path of the worktree and git's refs and log. If any of them
/// says "sound" it approves; otherwise it requests changes with a finding in every category
/// on a line every 7 lines of every changed file (recall 1 wherever a defect is, with a
/// tolerance of 3 lines).
const READS_THE_ID: &str = r#"set -eu
request=$HARNESS_WORK_ITEM
verdict=$(sed -n 's/^verdict_path *= *"\(.*\)"$/\1/p' "$request")
names="$HARNESS_FIXTURE_ID ${request##*/} $(find . -path ./.git -prune -o -print) $(git for-each-ref --format='%(refname)') $(git log --all --format=%B)"
case $names in
*sound* | *Sound*)
    printf 'verdict = "approve"\n' >"$verdict"
    exit 0
    ;;
esac
{
    printf 'verdict = "request_changes"\n'
    git diff --name-only baseline under-review | while IFS= read -r file; do
        lines=$(wc -l <"$file")
        line=1
        while [ "$line" -le "$lines" ]; do
            for category in logic security test-gap; do
                printf '\n[[findings]]\npath = "%s"\nline = %d\ncategory = "%s"\nmessage = "flagged"\n' "$file" "$line" "$category"
            done
            line=$((line + 7))
        done
    done
} >"$verdict"
"#;

/// Mean reward of `agent(fixture)` over the review family; with `well_formed`, every
/// case must have left a verdict that parses and nothing else (so a broken script cannot
/// pass for a low score).
fn family_mean(agent: impl Fn(&Arc<Fixture>) -> Agent, well_formed: bool) -> f64 {
    let fixtures = review_fixtures();
    let total: f64 = fixtures
        .iter()
        .map(|fixture| {
            let output = run(fixture, agent(fixture));
            if well_formed {
                let result = &output.result;
                assert!(
                    result.violations.is_empty() && result.error.is_none(),
                    "{}",
                    result.summary()
                );
                let review = result.review.as_ref().expect("a review breakdown");
                assert!(review.verdict.is_some(), "{}", result.summary());
            }
            reward(&output)
        })
        .sum();
    total / fixtures.len() as f64
}

#[test]
fn reading_the_id_does_not_beat_the_best_baseline() {
    let best_baseline = POLICIES
        .iter()
        .filter(|name| **name != "oracle")
        .map(|name| (*name, family_mean(|_| agent(name), false)))
        .fold(("none", f64::NEG_INFINITY), |best, next| {
            if next.1 > best.1 { next } else { best }
        });
    let reads_the_id = family_mean(|_| Agent::command(READS_THE_ID), true);
    println!(
        "reads the id: family mean {reads_the_id:.3}; best baseline {} {:.3}",
        best_baseline.0, best_baseline.1
    );
    assert!(
        reads_the_id <= best_baseline.1,
        "an agent that reads names instead of code has a family mean of {reads_the_id:.3}, above the best baseline ({} {:.3})",
        best_baseline.0,
        best_baseline.1
    );

    // The control: the same agent shown each fixture's real id (what the sandbox said
    // before ids became aliases) games the family, so the check above can fail.
    let told_the_id = family_mean(
        |fixture| {
            Agent::command(format!(
                "HARNESS_FIXTURE_ID={}; export HARNESS_FIXTURE_ID\n{READS_THE_ID}",
                fixture.id
            ))
        },
        true,
    );
    println!("told the real id: family mean {told_the_id:.3}");
    assert!(
        told_the_id > best_baseline.1,
        "the control must game the family ({told_the_id:.3} vs {:.3}) or the regression proves nothing",
        best_baseline.1
    );
}

/// On every defect fixture a reviewer that flags lines without reading them scores far
/// below the key: precision counts.
#[test]
fn flagging_lines_unread_scores_far_below_the_key_on_every_defect() {
    for fixture in review_fixtures().iter().filter(|f| is_defective(f)) {
        for agent in [
            Agent::Policy(ReviewPolicy::FlagEveryLine),
            Agent::command(READS_THE_ID),
        ] {
            let name = agent.name().to_owned();
            let output = run(fixture, agent);
            let review = output.result.review.as_ref().expect("a review breakdown");
            assert_eq!(
                review.recall,
                1.0,
                "{}: {name} flags the defect's lines too",
                output.result.summary()
            );
            let value = reward(&output);
            assert!(
                value < 0.5,
                "{}: {name} scores {value:.3}; flagging unread lines must stay far below 1.0",
                fixture.id
            );
        }
    }
}
