//! Cargo's side of a sealed run: the harness-made package's manifest, the libraries its
//! build produced (read from cargo's JSON messages) and the variables a test's `env!` reads.

use std::path::{Path, PathBuf};

use super::{PACKAGE, Plan};

/// The harness-made package: the graded crate (and its dev-dependencies) as dependencies
/// of an empty library, so building it builds them exactly as the hidden tests link them.
pub(super) fn sealed_manifest(plan: &Plan, tree: &Path) -> String {
    let mut dependencies = plan.dev_dependencies.clone();
    for (_, spec) in dependencies.iter_mut() {
        if let Some(path) = spec.get("path").and_then(toml::Value::as_str) {
            let absolute = tree.join(path).display().to_string();
            if let Some(table) = spec.as_table_mut() {
                table.insert("path".into(), toml::Value::String(absolute));
            }
        }
    }
    let mut graded = toml::Table::new();
    graded.insert(
        "path".into(),
        toml::Value::String(tree.display().to_string()),
    );
    dependencies.insert(plan.package.clone(), toml::Value::Table(graded));
    let mut package = toml::Table::new();
    package.insert("name".into(), PACKAGE.into());
    package.insert("version".into(), "0.0.0".into());
    package.insert("edition".into(), plan.edition.clone().into());
    package.insert("publish".into(), false.into());
    package.insert("autotests".into(), false.into());
    package.insert("autobins".into(), false.into());
    package.insert("autoexamples".into(), false.into());
    package.insert("autobenches".into(), false.into());
    let mut lib = toml::Table::new();
    lib.insert("path".into(), "lib.rs".into());
    lib.insert("test".into(), false.into());
    lib.insert("doctest".into(), false.into());
    let mut root = toml::Table::new();
    root.insert("package".into(), toml::Value::Table(package));
    root.insert("lib".into(), toml::Value::Table(lib));
    root.insert("dependencies".into(), toml::Value::Table(dependencies));
    root.insert("workspace".into(), toml::Value::Table(toml::Table::new()));
    toml::to_string(&root).unwrap_or_default()
}

/// `--extern name=library` for each direct dependency of the harness-made package (the
/// graded crate under its library name, each dev-dependency under its key), from cargo's
/// JSON messages of step 1.
pub(super) fn externs(plan: &Plan, messages: &str) -> Vec<(String, PathBuf)> {
    let artifacts = artifacts(messages);
    let mut wanted: Vec<(String, String)> = plan
        .dev_dependencies
        .iter()
        .map(|(key, spec)| {
            let package = spec
                .get("package")
                .and_then(toml::Value::as_str)
                .unwrap_or(key)
                .to_owned();
            (key.replace('-', "_"), package)
        })
        .collect();
    wanted.push((String::new(), plan.package.clone()));
    let mut externs = Vec::new();
    for (name, package) in wanted {
        let graded = name.is_empty();
        let matching =
            |found: &String, libraries: &Vec<PathBuf>| *found == package && !libraries.is_empty();
        let artifact = artifacts
            .iter()
            .find(|(found, _, libraries, is_path)| {
                matching(found, libraries) && (!graded || *is_path)
            })
            .or_else(|| {
                artifacts
                    .iter()
                    .find(|(found, _, libraries, _)| matching(found, libraries))
            });
        if let Some((_, target, libraries, _)) = artifact {
            let name = if name.is_empty() {
                target.clone()
            } else {
                name
            };
            externs.push((name, libraries[0].clone()));
        }
    }
    externs
}

/// The libraries cargo's JSON `messages` report: (package, target, libraries, whether it is a
/// path package: the graded one is; a registry crate of the same name, which a
/// dev-dependency may pull in, is not).
fn artifacts(messages: &str) -> Vec<(String, String, Vec<PathBuf>, bool)> {
    messages
        .lines()
        .filter(|line| line.starts_with('{'))
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message.get("reason").and_then(serde_json::Value::as_str) == Some("compiler-artifact")
        })
        .filter_map(|message| {
            let id = message.get("package_id")?.as_str()?;
            let package = package_name(id)?;
            let is_path = id.starts_with("path+") || id.contains("(path+");
            let target = message.pointer("/target/name")?.as_str()?.to_owned();
            let libraries = message
                .get("filenames")?
                .as_array()?
                .iter()
                .filter_map(serde_json::Value::as_str)
                .filter(|file| file.ends_with(".rlib") || file.ends_with(".so"))
                .map(PathBuf::from)
                .collect();
            Some((package, target, libraries, is_path))
        })
        .collect()
}

/// The graded `package`'s library in cargo's JSON `messages`: its crate name and file.
pub(crate) fn graded_library(package: &str, messages: &str) -> Option<(String, PathBuf)> {
    artifacts(messages)
        .into_iter()
        .find(|(found, _, libraries, is_path)| {
            *is_path && found == package && !libraries.is_empty()
        })
        .map(|(_, target, libraries, _)| (target, libraries[0].clone()))
}

/// A package's name from cargo's package id (`path+file:///t/w#wordfreq@0.3.1`,
/// `path+file:///t/wordfreq#0.3.1`, `registry+https://...#serde@1.0.0`, or the older
/// `wordfreq 0.3.1 (path+file:///t/w)`).
pub(super) fn package_name(id: &str) -> Option<String> {
    if let Some((url, fragment)) = id.rsplit_once('#') {
        return match fragment.split_once('@') {
            Some((name, _)) => Some(name.to_owned()),
            None => url
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .map(str::to_owned),
        };
    }
    id.split_whitespace().next().map(str::to_owned)
}

/// The variables cargo gives a crate's compilation that tests read with `env!`.
pub(super) fn package_env(plan: &Plan, tree: &Path) -> Vec<(String, String)> {
    vec![
        ("CARGO_MANIFEST_DIR".to_owned(), tree.display().to_string()),
        ("CARGO_PKG_NAME".to_owned(), plan.package.clone()),
        ("CARGO_PKG_VERSION".to_owned(), plan.version.clone()),
    ]
}
