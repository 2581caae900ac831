//! A fixture whose `fixture.toml` names a tree in a shared bare store loads that tree with
//! its own `repo/` laid over it; a missing store or tree names the file that names it.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

use std::fs;
use std::path::Path;

use harness_fixture::{FileKind, Fixture, RepoPath};

const CONTRACT: &str =
    "[scope]\nallow = [\"src\"]\n\n[[checks]]\nname = \"t\"\nrun = [\"true\"]\nreport = \"exit\"\n";
const ITEM: &str = "id = \"item-1\"\ntitle = \"t\"\nstatement = \"fix it\"\nstatus = \"open\"\n";

/// A bare store holding one tree (src/lib.py, an executable script, a symlink, and a
/// README the fixture's `repo/` replaces); returns its tree id.
fn store_with_tree(store: &Path) -> String {
    let repo = git2::Repository::init_bare(store).unwrap();
    let blob = |content: &[u8]| repo.blob(content).unwrap();
    let mut src = repo.treebuilder(None).unwrap();
    src.insert("lib.py", blob(b"def f():\n    return 1\n"), 0o100644)
        .unwrap();
    let src = src.write().unwrap();
    let mut root = repo.treebuilder(None).unwrap();
    root.insert("src", src, 0o040000).unwrap();
    root.insert("run.sh", blob(b"#!/bin/sh\n"), 0o100755)
        .unwrap();
    root.insert("link", blob(b"src/lib.py"), 0o120000).unwrap();
    root.insert("README", blob(b"from the store\n"), 0o100644)
        .unwrap();
    root.write().unwrap().to_string()
}

fn fixture_at(root: &Path, tree: &str) -> std::path::PathBuf {
    let dir = root.join("mined-1");
    fs::create_dir_all(dir.join("repo/evaluation")).unwrap();
    fs::create_dir_all(dir.join("repo/work")).unwrap();
    fs::write(dir.join("repo/evaluation/contract.toml"), CONTRACT).unwrap();
    fs::write(dir.join("repo/work/item.toml"), ITEM).unwrap();
    fs::write(dir.join("repo/README"), "from the fixture\n").unwrap();
    fs::create_dir_all(dir.join("oracle/src")).unwrap();
    fs::write(dir.join("oracle/src/lib.py"), "def f():\n    return 2\n").unwrap();
    fs::write(
        dir.join("fixture.toml"),
        format!(
            "kind = \"work_item\"\n\n[baseline]\nstore = \"../.baselines.git\"\ntree = \"{tree}\"\n\n[source]\ncommit = \"{}\"\n",
            "1".repeat(40)
        ),
    )
    .unwrap();
    dir
}

fn path(text: &str) -> RepoPath {
    RepoPath::parse(text).unwrap()
}

#[test]
fn the_baseline_is_the_stored_tree_with_repo_laid_over_it() {
    let root = tempfile::tempdir().unwrap();
    let tree = store_with_tree(&root.path().join(".baselines.git"));
    let fixture = Fixture::load(&fixture_at(root.path(), &tree)).unwrap();

    assert_eq!(
        fixture.repo[&path("src/lib.py")].content,
        b"def f():\n    return 1\n"
    );
    assert_eq!(fixture.repo[&path("run.sh")].kind, FileKind::Executable);
    assert_eq!(fixture.repo[&path("link")].kind, FileKind::Symlink);
    assert_eq!(fixture.repo[&path("link")].content, b"src/lib.py");
    assert_eq!(fixture.repo[&path("README")].content, b"from the fixture\n");
    assert!(fixture.repo.contains_key(&path("evaluation/contract.toml")));
    let source = fixture.config.source.as_ref().unwrap();
    assert_eq!(source.commit, "1".repeat(40));
    // The scope compiled against the merged baseline: `src` matches the stored file.
    assert!(fixture.scope.allows(&path("src/lib.py")));
}

#[test]
fn a_missing_tree_or_store_names_fixture_toml() {
    let root = tempfile::tempdir().unwrap();
    store_with_tree(&root.path().join(".baselines.git"));
    let dir = fixture_at(root.path(), &"0".repeat(40));
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(error.contains("fixture.toml: baseline.tree:"), "{error}");
    assert!(error.contains("has no tree 0000000000"), "{error}");

    fs::remove_dir_all(root.path().join(".baselines.git")).unwrap();
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(error.contains("cannot open the store"), "{error}");

    let dir = fixture_at(root.path(), "not-hex");
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(
        error.contains("`not-hex` is not a 40-hex tree id"),
        "{error}"
    );
}

/// A tree of `files` (flat paths under `src/` or `tests/`) in the store; its id.
fn stored_files(store: &Path, files: &[(&str, &str)]) -> String {
    let repo = git2::Repository::open_bare(store).unwrap();
    let mut dirs: std::collections::BTreeMap<&str, git2::TreeBuilder<'_>> = Default::default();
    for (file, content) in files {
        let (dir, name) = file.split_once('/').unwrap();
        let blob = repo.blob(content.as_bytes()).unwrap();
        dirs.entry(dir)
            .or_insert_with(|| repo.treebuilder(None).unwrap())
            .insert(name, blob, 0o100644)
            .unwrap();
    }
    let mut root = repo.treebuilder(None).unwrap();
    for (dir, builder) in dirs {
        root.insert(dir, builder.write().unwrap(), 0o040000)
            .unwrap();
    }
    root.write().unwrap().to_string()
}

#[test]
fn oracle_and_hidden_files_can_come_from_the_store_with_their_directories_laid_over() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join(".baselines.git");
    let tree = store_with_tree(&store);
    let oracle = stored_files(
        &store,
        &[
            ("src/lib.py", "def f():\n    return 3\n"),
            ("src/new.py", "x = 1\n"),
        ],
    );
    let hidden = stored_files(&store, &[("tests/test_hidden.py", "def test_f(): pass\n")]);
    let dir = fixture_at(root.path(), &tree);
    let text = fs::read_to_string(dir.join("fixture.toml")).unwrap();
    fs::write(
        dir.join("fixture.toml"),
        text.replace(
            &format!("tree = \"{tree}\"\n"),
            &format!("tree = \"{tree}\"\noracle = \"{oracle}\"\nhidden = \"{hidden}\"\n"),
        ),
    )
    .unwrap();
    let fixture = Fixture::load(&dir).unwrap();
    // `oracle/src/lib.py` in the directory wins over the stored one.
    assert_eq!(
        fixture.oracle[&path("src/lib.py")].content,
        b"def f():\n    return 2\n"
    );
    assert_eq!(fixture.oracle[&path("src/new.py")].content, b"x = 1\n");
    assert_eq!(
        fixture.hidden[&path("tests/test_hidden.py")].content,
        b"def test_f(): pass\n"
    );
    // The baseline is untouched by them.
    assert!(!fixture.repo.contains_key(&path("src/new.py")));

    // A tree the store lacks names its key.
    fs::write(
        dir.join("fixture.toml"),
        text.replace(
            &format!("tree = \"{tree}\"\n"),
            &format!("tree = \"{tree}\"\nhidden = \"{}\"\n", "2".repeat(40)),
        ),
    )
    .unwrap();
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(error.contains("fixture.toml: baseline.hidden:"), "{error}");
}

#[test]
fn unknown_keys_in_baseline_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let tree = store_with_tree(&root.path().join(".baselines.git"));
    let dir = fixture_at(root.path(), &tree);
    let text = fs::read_to_string(dir.join("fixture.toml")).unwrap();
    fs::write(
        dir.join("fixture.toml"),
        text.replace("[baseline]\n", "[baseline]\ncommit = \"x\"\n"),
    )
    .unwrap();
    let error = Fixture::load(&dir).unwrap_err().to_string();
    assert!(error.contains("baseline"), "{error}");
    assert!(error.contains("unknown field `commit`"), "{error}");
}

#[test]
fn build_tracking_skips_the_store_beside_the_fixtures() {
    let root = tempfile::tempdir().unwrap();
    let tree = store_with_tree(&root.path().join(".baselines.git"));
    fixture_at(root.path(), &tree);
    let paths = harness_fixture::fixture_paths(root.path()).unwrap();
    assert!(paths.iter().any(|p| p.ends_with("mined-1/fixture.toml")));
    assert!(
        paths
            .iter()
            .all(|p| !p.to_string_lossy().contains(".baselines.git")),
        "{paths:?}"
    );
    assert_eq!(
        harness_fixture::discover(root.path()).unwrap(),
        vec![root.path().join("mined-1")]
    );
}
