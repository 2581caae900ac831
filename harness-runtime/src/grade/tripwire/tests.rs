use super::*;
use harness_fixture::FileEntry;

fn tree(files: &[(&str, &str)]) -> Files {
    files
        .iter()
        .map(|(path, content)| (RepoPath::parse(path).unwrap(), FileEntry::regular(*content)))
        .collect()
}

fn check(run: &str, files: &[&str]) -> Check {
    Check {
        name: "c".into(),
        run: run.split_whitespace().map(str::to_owned).collect(),
        weight: 1.0,
        timeout_s: 1,
        hidden: false,
        files: files.iter().map(|file| (*file).to_owned()).collect(),
        report: ReportFormat::Auto,
        partial: false,
        network: false,
        differential: None,
    }
}

fn planned(run: &str, files: &[&str], tree: &Files, seed: u64) -> Option<Tripwire> {
    let check = check(run, files);
    let argv = crate::grade::invocation::invocation(&check, Path::new("/r")).argv;
    plan(&check, &argv, tree, &mut Fresh::new(seed))
}

const SLUG_TESTS: &str = "import unittest\n\nclass SlugifyTests(unittest.TestCase):\n    def test_lower_case(self):\n        pass\n    def test_strips_spaces(self):\n        pass\n";

#[test]
fn unittest_discovery_gets_a_class_in_a_collected_module() {
    let files = tree(&[
        ("tests/test_slug.py", SLUG_TESTS),
        ("tests/helpers.py", ""),
        ("tests/deep/test_x.py", ""),
        ("src/test_not_here.py", ""),
    ]);
    let tripwire = planned("python3 -m unittest discover -s tests", &[], &files, 7).unwrap();
    assert_eq!(tripwire.appends.len(), 1);
    let (path, code) = &tripwire.appends[0];
    assert_eq!(path.as_str(), "tests/test_slug.py");
    let Expect::Single { suffix } = &tripwire.expect else {
        panic!("{tripwire:?}")
    };
    let (class, method) = suffix[1..].split_once('.').unwrap();
    assert!(class.ends_with("Tests"), "{class}");
    assert!(method.starts_with("test_"), "{method}");
    assert!(code.contains(&format!("class {class}(")), "{code}");
    assert!(code.contains("self.assertEqual("), "{code}");
    // Its words come from the neighbours.
    let words: Vec<&str> = method["test_".len()..].split('_').collect();
    assert!(
        words.iter().all(
            |word| ["lower", "case", "strips", "spaces"].contains(word) || WORDS.contains(word)
        ),
        "{method}"
    );
    assert!(tripwire.matches(&format!("test_slug{suffix}")));
    assert!(!tripwire.matches("test_slug.SlugifyTests.test_lower_case"));
}

#[test]
fn names_are_fresh_per_seed() {
    let files = tree(&[("tests/test_slug.py", SLUG_TESTS)]);
    let names: BTreeSet<String> = (0..20)
        .map(|seed| {
            format!(
                "{:?}",
                planned("python3 -m unittest discover -s tests", &[], &files, seed)
                    .unwrap()
                    .expect
            )
        })
        .collect();
    assert!(names.len() >= 15, "{names:?}");
}

#[test]
fn the_checks_listed_files_are_preferred_and_filters_disable_it() {
    let files = tree(&[("tests/test_a.py", ""), ("tests/test_b.py", "")]);
    let tripwire = planned(
        "python3 -m unittest discover -s tests",
        &["tests/test_b.py"],
        &files,
        1,
    )
    .unwrap();
    assert_eq!(tripwire.appends[0].0.as_str(), "tests/test_b.py");
    assert!(planned("python3 -m unittest -k slug", &[], &files, 1).is_none());
    assert!(planned("pytest -k slug", &[], &files, 1).is_none());
}

#[test]
fn unittest_module_names_resolve_to_files() {
    let files = tree(&[("tests/test_a.py", ""), ("tests/__init__.py", "")]);
    let tripwire = planned("python3 -m unittest tests.test_a", &[], &files, 1).unwrap();
    assert_eq!(tripwire.appends[0].0.as_str(), "tests/test_a.py");
    // A class inside a module is selected by name: nothing to add to.
    assert!(planned("python3 -m unittest tests.test_a.SomeTests", &[], &files, 1).is_none());
}

#[test]
fn pytest_gets_a_function_in_a_collected_file() {
    let files = tree(&[
        ("tests/test_a.py", "def test_one():\n    pass\n"),
        ("tests/conftest.py", ""),
        (".venv/lib/test_site.py", ""),
    ]);
    let tripwire = planned("python3 -m pytest", &[], &files, 3).unwrap();
    assert_eq!(tripwire.appends[0].0.as_str(), "tests/test_a.py");
    assert!(tripwire.appends[0].1.contains("\ndef test_"));
    let tripwire = planned("pytest tests/test_a.py::test_one tests", &[], &files, 3).unwrap();
    assert_eq!(tripwire.appends[0].0.as_str(), "tests/test_a.py");
}

#[test]
fn every_libtest_target_of_every_package_gets_one() {
    let files = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"w\"\n\n[[test]]\nname = \"custom\"\nharness = false\n\n[workspace]\nmembers = [\"sub\"]\n",
        ),
        (
            "src/lib.rs",
            "pub fn count() {}\n#[test]\nfn counts_words() {}\n",
        ),
        ("src/main.rs", "fn main() {}\n"),
        ("src/bin/tool.rs", "fn main() {}\n"),
        ("tests/visible.rs", "#[test]\nfn splits_on_spaces() {}\n"),
        ("tests/custom.rs", "fn main() {}\n"),
        ("tests/common/mod.rs", ""),
        ("tests/suite/main.rs", ""),
        (
            "sub/Cargo.toml",
            "[package]\nname = \"s\"\n[lib]\npath = \"lib.rs\"\n",
        ),
        ("sub/lib.rs", ""),
        ("target/debug/Cargo.toml", "[package]\nname = \"x\"\n"),
    ]);
    let tripwire = planned("cargo test --quiet", &[], &files, 5).unwrap();
    let targets: Vec<&str> = tripwire
        .appends
        .iter()
        .map(|(path, _)| path.as_str())
        .collect();
    assert_eq!(
        targets,
        [
            "src/bin/tool.rs",
            "src/lib.rs",
            "src/main.rs",
            "sub/lib.rs",
            "tests/suite/main.rs",
            "tests/visible.rs"
        ]
    );
    let Expect::PerBinary { name } = &tripwire.expect else {
        panic!()
    };
    assert!(tripwire.appends[0].1.contains(&format!("fn {name}()")));
    assert!(tripwire.matches(&format!("tests/visible.rs::{name}")));
    assert!(!tripwire.matches("tests/visible.rs::splits_on_spaces"));
}

/// itertools: `[lib] test = false`, yet a check's explicit `--lib` runs the library's unit
/// tests, and that binary needs its tripwire like any other.
#[test]
fn an_explicit_lib_gets_one_even_when_the_manifest_turns_its_tests_off() {
    let files = tree(&[
        (
            "Cargo.toml",
            "[package]\nname = \"w\"\n\n[lib]\ntest = false\n",
        ),
        ("src/lib.rs", "#[test]\nfn counts_words() {}\n"),
        ("tests/visible.rs", "#[test]\nfn splits_on_spaces() {}\n"),
    ]);
    let targets = |run: &str| -> Vec<String> {
        planned(run, &[], &files, 5)
            .unwrap()
            .appends
            .iter()
            .map(|(path, _)| path.as_str().to_owned())
            .collect()
    };
    assert_eq!(targets("cargo test"), ["tests/visible.rs"]);
    assert_eq!(
        targets("cargo test --lib --test visible"),
        ["tests/visible.rs", "src/lib.rs"]
    );
}

#[test]
fn tap_and_exit_have_none() {
    let files = tree(&[("tests/run.sh", "")]);
    assert!(planned("sh tests/run.sh", &[], &files, 1).is_none());
}

#[test]
fn install_appends_and_never_follows_a_link() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.py"), "x = 1\n").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", dir.path().join("b.py")).unwrap();
    let tripwire = Tripwire {
        expect: Expect::Single {
            suffix: "::t".into(),
        },
        appends: vec![(RepoPath::parse("a.py").unwrap(), "y = 2\n".into())],
    };
    tripwire.install(dir.path()).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("a.py")).unwrap(),
        "x = 1\ny = 2\n"
    );
    let linked = Tripwire {
        appends: vec![(RepoPath::parse("b.py").unwrap(), "z\n".into())],
        ..tripwire
    };
    assert!(linked.install(dir.path()).is_err());
}
