//! An environment's cache key: what its setup produces depends on.

use harness_fixture::{Environment, Files, RepoPath};

use super::versions::toolchain_versions;
use crate::settings::Settings;

/// The key of `environment` for a baseline `repo`: a hash of its setup steps, its `PATH`
/// entries, each input's path and content, and the versions of the toolchain's `rustc` and
/// `python3`. Paths of the machine are not in it: the same fixture keys the same way on
/// every machine with the same toolchain, so shards on fresh machines build alike.
pub fn key(environment: &Environment, repo: &Files, settings: &Settings) -> String {
    let mut text = String::from("another-harness environment v1\n");
    text.push_str(
        &serde_json::json!({
            "setup": environment.setup,
            "path": environment.path,
        })
        .to_string(),
    );
    text.push('\n');
    let mut inputs: Vec<&String> = environment.inputs.iter().collect();
    inputs.sort();
    inputs.dedup();
    for input in inputs {
        let content = RepoPath::parse(input)
            .ok()
            .and_then(|path| repo.get(&path))
            .map(|entry| hash(&entry.content));
        text.push_str(&format!(
            "input {input} {}\n",
            content.as_deref().unwrap_or("missing")
        ));
    }
    text.push_str(&toolchain_versions(
        &settings.toolchain,
        &settings.cache_dir,
    ));
    hash(text.as_bytes())[..20].to_owned()
}

fn hash(bytes: &[u8]) -> String {
    git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use harness_fixture::FileEntry;

    use super::*;

    fn environment(setup: &[&[&str]], inputs: &[&str]) -> Environment {
        Environment {
            setup: setup
                .iter()
                .map(|step| step.iter().map(|arg| arg.to_string()).collect())
                .collect(),
            inputs: inputs.iter().map(|input| input.to_string()).collect(),
            path: vec!["venv/bin".into()],
            timeout_s: 60,
        }
    }

    fn repo(requirements: &str) -> Files {
        [
            (
                RepoPath::parse("requirements.txt").unwrap(),
                FileEntry::regular(requirements),
            ),
            (
                RepoPath::parse("src/a.py").unwrap(),
                FileEntry::regular("x = 1\n"),
            ),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn the_key_follows_setup_and_input_content_only() {
        let settings = Settings::from_env();
        let base = environment(
            &[&["python3", "-m", "venv", "{env}/venv"]],
            &["requirements.txt"],
        );
        let key_of = |env: &Environment, repo: &Files| key(env, repo, &settings);
        let first = key_of(&base, &repo("six\n"));
        assert_eq!(first.len(), 20);
        assert_eq!(first, key_of(&base, &repo("six\n")));
        // Another input content, another setup, another PATH: another key.
        assert_ne!(first, key_of(&base, &repo("six==1.16\n")));
        let other_setup = environment(
            &[&["python3", "-m", "venv", "{env}/v"]],
            &["requirements.txt"],
        );
        assert_ne!(first, key_of(&other_setup, &repo("six\n")));
        let mut other_path = base.clone();
        other_path.path = vec!["bin".into()];
        assert_ne!(first, key_of(&other_path, &repo("six\n")));
        // A file that is not an input does not matter, nor does the step budget.
        let mut changed = repo("six\n");
        changed.insert(
            RepoPath::parse("src/a.py").unwrap(),
            FileEntry::regular("x = 2\n"),
        );
        assert_eq!(first, key_of(&base, &changed));
        let mut slower = base.clone();
        slower.timeout_s = 5000;
        assert_eq!(first, key_of(&slower, &repo("six\n")));
    }
}
