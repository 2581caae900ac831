//! Finding fixtures on disk: which directory a path names, and what is in it. The only
//! module that touches the filesystem; everything it reports uses paths relative to the
//! package root, so messages (and trybuild's `.stderr` files) do not depend on the machine.

use std::path::{Path, PathBuf};

use harness_fixture::{Fixture, FixtureError, Problem};

use crate::check::Catalog;

/// Where the macro is expanding.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `CARGO_MANIFEST_DIR` of the crate being compiled.
    pub manifest_dir: Option<PathBuf>,
    /// The absolute path of the source file holding the invocation, when rustc knows it.
    pub source_file: Option<PathBuf>,
}

/// A directory named by a macro argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The directory.
    pub dir: PathBuf,
    /// The package root it was resolved against; messages show paths relative to it.
    pub base: PathBuf,
}

impl Env {
    /// Resolves `relative` against `CARGO_MANIFEST_DIR`. When nothing is there and the
    /// package holding the invoking source file (its nearest ancestor with a `Cargo.toml`)
    /// has it, that package is used instead: trybuild compiles `tests/ui/*.rs` inside a
    /// generated crate under `target/`, whose manifest dir is not the package's.
    pub fn locate(&self, relative: &str) -> Result<Located, String> {
        let manifest = self
            .manifest_dir
            .as_ref()
            .ok_or("CARGO_MANIFEST_DIR is not set; build with cargo")?;
        let primary = manifest.join(relative);
        if !primary.exists()
            && let Some(package) = self.source_package()
            && package.join(relative).exists()
        {
            return Ok(Located {
                dir: package.join(relative),
                base: package,
            });
        }
        Ok(Located {
            dir: primary,
            base: manifest.clone(),
        })
    }

    fn source_package(&self) -> Option<PathBuf> {
        self.source_file
            .as_ref()?
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("Cargo.toml").is_file())
            .map(Path::to_path_buf)
    }
}

/// `path` relative to `base` when it is inside it.
pub fn relative(path: &Path, base: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// One line per problem, paths relative to `base`.
pub fn describe(error: &FixtureError, base: &Path) -> Vec<String> {
    match error {
        FixtureError::Invalid { problems } => problems
            .iter()
            .map(|problem| {
                let mut problem: Problem = problem.clone();
                problem.file = PathBuf::from(relative(&problem.file, base));
                problem.to_string()
            })
            .collect(),
        FixtureError::Io { path, source } => {
            vec![format!("failed to read {}: {source}", relative(path, base))]
        }
        FixtureError::NotAFixture { dir, reason } => {
            vec![format!(
                "{} is not a fixture: {reason}",
                relative(dir, base)
            )]
        }
    }
}

/// What `fixtures!` needs: the ids, every file to track, and every problem.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Fixture ids, sorted.
    pub ids: Vec<String>,
    /// Absolute paths of every file under the fixtures directory.
    pub files: Vec<String>,
    /// Every problem of every fixture (empty: all load).
    pub problems: Vec<String>,
}

/// Discovers and loads every fixture under `relative` (with the runtime's own loader).
pub fn scan(env: &Env, relative_dir: &str) -> Scan {
    let mut scan = Scan::default();
    let located = match env.locate(relative_dir) {
        Ok(located) => located,
        Err(reason) => {
            scan.problems.push(reason);
            return scan;
        }
    };
    let dirs = match harness_fixture::discover(&located.dir) {
        Ok(dirs) => dirs,
        Err(error) => {
            scan.problems.push(discover_failure(&error, &located));
            return scan;
        }
    };
    for dir in &dirs {
        if let Err(error) = Fixture::load(dir) {
            scan.problems.extend(describe(&error, &located.base));
        }
        scan.ids.push(file_name(dir));
    }
    match harness_fixture::fixture_paths(&located.dir) {
        Ok(paths) => {
            for path in paths.iter().filter(|path| path.is_file()) {
                match path.to_str() {
                    Some(path) => scan.files.push(path.to_owned()),
                    None => scan.problems.push(format!(
                        "{} is not valid UTF-8, so it cannot be tracked for rebuilds",
                        relative(path, &located.base)
                    )),
                }
            }
        }
        Err(error) => scan.problems.extend(describe(&error, &located.base)),
    }
    scan
}

fn discover_failure(error: &FixtureError, located: &Located) -> String {
    let label = relative(&located.dir, &located.base);
    match error {
        FixtureError::NotAFixture { reason, .. } => format!("no fixtures in {label}: {reason}"),
        other => describe(other, &located.base).join("; "),
    }
}

fn file_name(dir: &Path) -> String {
    dir.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The fixtures an attribute may name, read from a directory; a fixture is loaded only
/// when an attribute names it.
#[derive(Debug, Clone)]
pub struct DirCatalog {
    label: String,
    located: Option<Located>,
    ids: Result<Vec<String>, String>,
}

impl DirCatalog {
    /// Scans `relative` (the attribute's `fixtures` key, default `fixtures`).
    pub fn open(env: &Env, relative_dir: &str) -> DirCatalog {
        let located = match env.locate(relative_dir) {
            Ok(located) => located,
            Err(reason) => {
                return DirCatalog {
                    label: relative_dir.to_owned(),
                    located: None,
                    ids: Err(reason),
                };
            }
        };
        let ids = harness_fixture::discover(&located.dir)
            .map(|dirs| dirs.iter().map(|dir| file_name(dir)).collect())
            .map_err(|error| discover_failure(&error, &located));
        DirCatalog {
            label: relative(&located.dir, &located.base),
            located: Some(located),
            ids,
        }
    }
}

impl Catalog for DirCatalog {
    fn label(&self) -> &str {
        &self.label
    }

    fn ids(&self) -> Result<&[String], &str> {
        self.ids.as_deref().map_err(String::as_str)
    }

    fn problems(&self, id: &str) -> Vec<String> {
        let Some(located) = &self.located else {
            return Vec::new();
        };
        match Fixture::load(&located.dir.join(id)) {
            Ok(_) => Vec::new(),
            Err(error) => describe(&error, &located.base),
        }
    }
}

#[cfg(test)]
mod should {
    use super::*;

    /// The workspace root: this crate's parent.
    fn workspace() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("harness-macros sits in the workspace")
            .to_path_buf()
    }

    fn env_at(manifest: &Path) -> Env {
        Env {
            manifest_dir: Some(manifest.to_path_buf()),
            source_file: None,
        }
    }

    #[test]
    fn resolve_against_the_manifest_dir() {
        let root = workspace();
        let located = env_at(&root)
            .locate("examples/downstream/fixtures")
            .unwrap();
        assert_eq!(located.dir, root.join("examples/downstream/fixtures"));
        assert_eq!(located.base, root);
    }

    #[test]
    fn fall_back_to_the_package_of_the_source_file() {
        let root = workspace();
        let env = Env {
            manifest_dir: Some(root.join("target/tests/trybuild/another-harness")),
            source_file: Some(root.join("tests/ui/unknown_fixture.rs")),
        };
        let located = env.locate("examples/downstream/fixtures").unwrap();
        assert_eq!(located.base, root);
        // Nothing at either place: the manifest dir wins, so the error names it.
        let missing = env.locate("no-such-dir").unwrap();
        assert_eq!(
            missing.base,
            root.join("target/tests/trybuild/another-harness")
        );
    }

    #[test]
    fn require_cargo() {
        assert!(Env::default().locate("fixtures").is_err());
    }

    #[test]
    fn scan_a_valid_fixtures_dir() {
        let scan = scan(&env_at(&workspace()), "examples/downstream/fixtures");
        assert_eq!(scan.problems, Vec::<String>::new());
        assert_eq!(scan.ids, ["greet"]);
        assert!(
            scan.files
                .iter()
                .any(|file| file.ends_with("greet/repo/evaluation/contract.toml")),
            "{:?}",
            scan.files
        );
        assert!(scan.files.iter().all(|file| Path::new(file).is_absolute()));
    }

    #[test]
    fn report_problems_with_relative_paths() {
        let scan = scan(&env_at(&workspace()), "tests/ui/fixtures-broken/weight");
        assert_eq!(
            scan.problems,
            [
                "failed to parse tests/ui/fixtures-broken/weight/broken/repo/evaluation/contract.toml:6:10: checks[0].weight: invalid type: string \"x\", expected a number"
            ]
        );
    }

    #[test]
    fn report_a_missing_dir() {
        let scan = scan(&env_at(&workspace()), "no-such-dir");
        assert_eq!(scan.problems.len(), 1);
        assert!(
            scan.problems[0].starts_with("failed to read no-such-dir: "),
            "{:?}",
            scan.problems
        );
    }

    #[test]
    fn catalog_loads_only_the_named_fixture() {
        let catalog = DirCatalog::open(&env_at(&workspace()), "examples/downstream/fixtures");
        assert_eq!(catalog.label(), "examples/downstream/fixtures");
        assert_eq!(catalog.ids().unwrap(), ["greet"]);
        assert!(catalog.problems("greet").is_empty());
    }
}
