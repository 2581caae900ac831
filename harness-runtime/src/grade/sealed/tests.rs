use super::manifest::{externs, package_name, sealed_manifest};
use super::*;

fn files(list: &[(&str, &str)]) -> Files {
    list.iter()
        .map(|(path, content)| (RepoPath::parse(path).unwrap(), FileEntry::regular(*content)))
        .collect()
}

fn check(run: &str) -> Check {
    Check {
        name: "hidden".into(),
        run: run.split_whitespace().map(str::to_owned).collect(),
        weight: 1.0,
        timeout_s: 1,
        hidden: true,
        files: vec!["tests/hidden.rs".into()],
        report: ReportFormat::Auto,
        partial: false,
        network: false,
        differential: None,
    }
}

#[test]
fn a_hidden_cargo_test_of_a_library_is_sealed() {
    let tree = files(&[
        (
            "Cargo.toml",
            "[package]\nname = \"word-freq\"\nedition = \"2021\"\n[dev-dependencies]\nhelper = { path = \"helper\" }\n",
        ),
        ("src/lib.rs", ""),
    ]);
    let hidden = files(&[
        ("tests/hidden.rs", "#[test] fn t() {}"),
        ("tests/data.txt", "x"),
    ]);
    let plan = plan(
        &check("cargo test --offline --test hidden -- --exact"),
        &tree,
        &hidden,
    )
    .unwrap();
    assert_eq!(plan.package, "word-freq");
    assert_eq!(plan.targets.len(), 1);
    assert_eq!(plan.targets[0].0, "hidden");
    assert_eq!(plan.test_args, ["--exact"]);
    let manifest = sealed_manifest(&plan, Path::new("/t/tree"));
    assert!(
        manifest.contains("[dependencies.word-freq]\npath = \"/t/tree\""),
        "{manifest}"
    );
    assert!(manifest.contains("path = \"/t/tree/helper\""), "{manifest}");
    assert!(
        !manifest.contains("[[test]]"),
        "the hidden tests are never cargo's"
    );
}

#[test]
fn other_checks_run_as_written() {
    let tree = files(&[
        ("Cargo.toml", "[package]\nname = \"w\"\n"),
        ("src/lib.rs", ""),
    ]);
    let hidden = files(&[("tests/hidden.rs", "")]);
    assert!(plan(&check("cargo nextest run"), &tree, &hidden).is_none());
    assert!(plan(&check("sh run.sh"), &tree, &hidden).is_none());
    let mut visible = check("cargo test");
    visible.hidden = false;
    assert!(plan(&visible, &tree, &hidden).is_none());
    let binary_only = files(&[
        ("Cargo.toml", "[package]\nname = \"w\"\n"),
        ("src/main.rs", ""),
    ]);
    assert!(plan(&check("cargo test"), &binary_only, &hidden).is_none());
    assert!(plan(&check("cargo test --test other"), &tree, &hidden).is_none());
}

#[test]
fn each_direct_dependency_is_linked_under_its_name() {
    let tree = files(&[
        (
            "Cargo.toml",
            "[package]\nname = \"word-freq\"\nversion = \"0.3.1\"\n[dev-dependencies]\nhelp-er = { path = \"helper\" }\nrenamed = { package = \"other\", path = \"other\" }\n",
        ),
        ("src/lib.rs", ""),
    ]);
    let hidden = files(&[("tests/hidden.rs", "")]);
    let plan = plan(&check("cargo test --test hidden"), &tree, &hidden).unwrap();
    let messages = [
        r#"{"reason":"compiler-artifact","package_id":"path+file:///t/tree#word-freq@0.3.1","target":{"name":"word_freq","kind":["lib"]},"filenames":["/t/debug/deps/libword_freq-1.rlib","/t/debug/deps/libword_freq-1.rmeta"]}"#,
        r#"{"reason":"compiler-artifact","package_id":"path+file:///t/tree/helper#help-er@0.1.0","target":{"name":"help_er","kind":["lib"]},"filenames":["/t/debug/deps/libhelp_er-2.rlib"]}"#,
        r#"{"reason":"compiler-artifact","package_id":"path+file:///t/tree/other#0.2.0","target":{"name":"other","kind":["lib"]},"filenames":["/t/debug/deps/libother-3.rlib"]}"#,
        r#"{"reason":"build-script-executed","package_id":"path+file:///t/tree#word-freq@0.3.1"}"#,
        "warning: unused import",
    ]
    .join("\n");
    let mut externs = externs(&plan, &messages);
    externs.sort();
    assert_eq!(
        externs,
        [
            (
                "help_er".to_owned(),
                PathBuf::from("/t/debug/deps/libhelp_er-2.rlib")
            ),
            (
                "renamed".to_owned(),
                PathBuf::from("/t/debug/deps/libother-3.rlib")
            ),
            (
                "word_freq".to_owned(),
                PathBuf::from("/t/debug/deps/libword_freq-1.rlib")
            ),
        ]
    );
    assert_eq!(
        package_name("wordfreq 0.3.1 (path+file:///t/w)").as_deref(),
        Some("wordfreq")
    );
}

/// itertools' criterion dev-dependency pulls in itertools 0.10 from crates.io, built before
/// the graded itertools: the hidden tests must link the graded one, the path package.
#[test]
fn the_graded_crate_wins_over_a_registry_crate_of_its_name() {
    let tree = files(&[
        (
            "Cargo.toml",
            "[package]\nname = \"itertools\"\nversion = \"0.14.0\"\n[dev-dependencies]\ncriterion = \"0.4\"\n",
        ),
        ("src/lib.rs", ""),
    ]);
    let hidden = files(&[("tests/hidden.rs", "")]);
    let plan = plan(&check("cargo test --test hidden"), &tree, &hidden).unwrap();
    let messages = [
        r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#itertools@0.10.5","target":{"name":"itertools","kind":["lib"]},"filenames":["/t/debug/deps/libitertools-old.rlib"]}"#,
        r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#criterion@0.4.0","target":{"name":"criterion","kind":["lib"]},"filenames":["/t/debug/deps/libcriterion-1.rlib"]}"#,
        r#"{"reason":"compiler-artifact","package_id":"path+file:///t/tree#itertools@0.14.0","target":{"name":"itertools","kind":["lib"]},"filenames":["/t/debug/deps/libitertools-new.rlib"]}"#,
    ]
    .join("\n");
    let externs = externs(&plan, &messages);
    assert!(
        externs.contains(&(
            "itertools".to_owned(),
            PathBuf::from("/t/debug/deps/libitertools-new.rlib")
        )),
        "{externs:?}"
    );
    assert!(
        externs.contains(&(
            "criterion".to_owned(),
            PathBuf::from("/t/debug/deps/libcriterion-1.rlib")
        )),
        "{externs:?}"
    );
}
