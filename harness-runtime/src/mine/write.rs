//! Writing a mined fixture: `fixture.toml` naming the shared baseline, the overlay in
//! `repo/` (contract, work item, and a `.gitignore` when the baseline's does not cover
//! build output), `oracle/` and `hidden/`; always into a staging directory first, moved into
//! place by one rename when accepted.

use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::detect::Environment;

/// Why a fixture could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write {path}: {source}")]
pub struct WriteError {
    /// The file or directory.
    pub path: PathBuf,
    /// The I/O error.
    pub source: std::io::Error,
}

/// A file of the fixture: its path, content and git mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftFile {
    /// Relative path.
    pub path: String,
    /// Content (a symlink's target).
    pub content: Vec<u8>,
    /// Git mode: 0o100644, 0o100755 or 0o120000.
    pub mode: u32,
}

/// A check as the contract states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckDraft {
    /// Its argv.
    pub run: Vec<String>,
    /// The files it runs.
    pub files: Vec<String>,
}

/// Everything a mined fixture holds, before it is written.
#[derive(Debug, Clone)]
pub struct Draft {
    /// `<repo>-<12 hex>`.
    pub id: String,
    /// The baseline's tree in the store.
    pub tree: String,
    /// The commit it was mined from.
    pub commit: String,
    /// The source repository's name.
    pub repository: String,
    /// `scope.allow`.
    pub allow: Vec<String>,
    /// `scope.frozen`.
    pub frozen: Vec<String>,
    /// The visible check (none when the rest of the suite has no tests).
    pub visible: Option<CheckDraft>,
    /// The hidden check.
    pub hidden: CheckDraft,
    /// Each check's time budget.
    pub timeout_s: u64,
    /// `[environment]`.
    pub environment: Option<Environment>,
    /// The work item: id, title, statement.
    pub item: (String, String, String),
    /// `repo/.gitignore`, when the baseline's needs more lines.
    pub gitignore: Option<Vec<u8>>,
    /// `oracle/` (the fix; the closed work item is added when written).
    pub oracle: Vec<DraftFile>,
    /// `hidden/` (the commit's test files).
    pub hidden_files: Vec<DraftFile>,
    /// The fix and the commit's test files as trees in the store (`[baseline] oracle` and
    /// `hidden`), once stored: then they are not written into `oracle/` and `hidden/`.
    pub stored: Option<Stored>,
}

/// The trees of a fixture's own files in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The fix.
    pub oracle: git2::Oid,
    /// The commit's test files.
    pub hidden: git2::Oid,
}

impl Draft {
    /// `fixture.toml`.
    pub fn fixture_toml(&self) -> String {
        let stored = self.stored.map_or_else(String::new, |stored| {
            format!(
                "oracle = \"{}\"\nhidden = \"{}\"\n",
                stored.oracle, stored.hidden
            )
        });
        format!(
            "# Mined by `harness mine`: the baseline is the tree below in the shared store, with\n\
             # repo/ laid over it; the fix and its tests are stored there too.\nkind = \"work_item\"\n\n[baseline]\nstore = \"../{}\"\ntree = \"{}\"\n{stored}\n\
             [source]\ncommit = \"{}\"\nrepository = {}\n",
            super::store::STORE_DIR,
            self.tree,
            self.commit,
            basic(&self.repository),
        )
    }

    /// `repo/evaluation/contract.toml`.
    pub fn contract(&self) -> String {
        let mut text = String::from("[scope]\n");
        let _ = writeln!(text, "allow = {}", list(&self.allow));
        let _ = writeln!(text, "frozen = {}", list(&self.frozen));
        if let Some(visible) = &self.visible {
            text.push_str(
                "\n# The rest of the suite: must pass, earns nothing (the graded code runs inside it).\n",
            );
            check(&mut text, "visible", visible, false, self.timeout_s);
        }
        text.push_str("\n# The tests the fix made pass, with those beside them.\n");
        check(&mut text, "hidden", &self.hidden, true, self.timeout_s);
        if let Some(environment) = &self.environment {
            text.push_str("\n[environment]\nsetup = [");
            for (index, step) in environment.setup.iter().enumerate() {
                if index > 0 {
                    text.push_str(", ");
                }
                text.push_str(&list(step));
            }
            let _ = writeln!(text, "]\ninputs = {}", list(&environment.inputs));
            let _ = writeln!(text, "path = {}", list(&environment.path));
        }
        text
    }

    /// `repo/work/item.toml`, open or closed.
    pub fn item(&self, closed: bool) -> String {
        let (id, title, statement) = &self.item;
        format!(
            "id = {}\ntitle = {}\nstatement = \"\"\"\n{}\"\"\"\nstatus = \"{}\"\n",
            basic(id),
            basic(title),
            multiline(statement),
            if closed { "closed" } else { "open" }
        )
    }

    /// Writes the whole fixture into `dir` (removed first when it exists).
    pub fn write(&self, dir: &Path) -> Result<(), WriteError> {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|source| io(dir, source))?;
        }
        write_file(
            &dir.join("fixture.toml"),
            self.fixture_toml().as_bytes(),
            0o100644,
        )?;
        self.write_contract(dir)?;
        self.write_item(dir)?;
        if let Some(gitignore) = &self.gitignore {
            write_file(&dir.join("repo/.gitignore"), gitignore, 0o100644)?;
        }
        let unstored = |files| {
            if self.stored.is_some() {
                &[][..]
            } else {
                files
            }
        };
        for file in unstored(&self.oracle) {
            write_file(
                &dir.join("oracle").join(&file.path),
                &file.content,
                file.mode,
            )?;
        }
        for file in unstored(&self.hidden_files) {
            write_file(
                &dir.join("hidden").join(&file.path),
                &file.content,
                file.mode,
            )?;
        }
        Ok(())
    }

    /// Rewrites the contract in `dir`.
    pub fn write_contract(&self, dir: &Path) -> Result<(), WriteError> {
        let path = dir.join("repo").join(harness_fixture::CONTRACT_PATH);
        write_file(&path, self.contract().as_bytes(), 0o100644)
    }

    /// Rewrites the work item (open in `repo/`, closed in `oracle/`) in `dir`.
    pub fn write_item(&self, dir: &Path) -> Result<(), WriteError> {
        let item = harness_fixture::WORK_ITEM_PATH;
        write_file(
            &dir.join("repo").join(item),
            self.item(false).as_bytes(),
            0o100644,
        )?;
        write_file(
            &dir.join("oracle").join(item),
            self.item(true).as_bytes(),
            0o100644,
        )
    }
}

/// Moves a validated fixture from `staging` to `target` (one rename; a `target` left by a
/// run killed before it recorded the fixture is replaced).
pub fn publish(staging: &Path, target: &Path) -> Result<(), WriteError> {
    if target.exists() {
        fs::remove_dir_all(target).map_err(|source| io(target, source))?;
    }
    fs::rename(staging, target).map_err(|source| io(target, source))
}

fn check(text: &mut String, name: &str, check: &CheckDraft, hidden: bool, timeout_s: u64) {
    let _ = writeln!(
        text,
        "[[checks]]\nname = \"{name}\"\nrun = {}",
        list(&check.run)
    );
    if hidden {
        text.push_str("hidden = true\n");
    }
    let _ = writeln!(
        text,
        "weight = {}\ntimeout_s = {timeout_s}\nfiles = {}",
        if hidden { "1.0" } else { "0.0" },
        list(&check.files)
    );
}

fn write_file(path: &Path, content: &[u8], mode: u32) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|source| io(parent, source))?;
    }
    let result = if mode == 0o120000 {
        std::os::unix::fs::symlink(String::from_utf8_lossy(content).as_ref(), path)
    } else {
        fs::write(path, content).and_then(|()| {
            if mode == 0o100755 {
                fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            } else {
                Ok(())
            }
        })
    };
    result.map_err(|source| io(path, source))
}

fn io(path: &Path, source: std::io::Error) -> WriteError {
    WriteError {
        path: path.to_path_buf(),
        source,
    }
}

/// A TOML array of basic strings.
fn list<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|item| basic(item.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// A TOML basic string.
pub fn basic(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The body of a TOML multi-line basic string (without its quotes), ending in a newline.
fn multiline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            // Only a quote before another quote could close the string early.
            '"' if chars.peek() == Some(&'"') => out.push_str("\\\""),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_work_item_with_any_text_parses_back() {
        let statement = "a \"quoted\" \\ back\u{1}slash\n\"\"\" and\ttab";
        let draft = Draft {
            id: "r-0123456789ab".into(),
            tree: "0".repeat(40),
            commit: "1".repeat(40),
            repository: "r".into(),
            allow: vec!["src".into()],
            frozen: vec!["tests".into()],
            visible: None,
            hidden: CheckDraft {
                run: vec!["python3".into()],
                files: vec!["tests/test_x.py".into()],
            },
            timeout_s: 300,
            environment: None,
            item: ("item-1".into(), "t \"x\"".into(), statement.into()),
            gitignore: None,
            oracle: Vec::new(),
            hidden_files: Vec::new(),
            stored: None,
        };
        let parsed: toml::Table = draft.item(false).parse().unwrap();
        assert_eq!(
            parsed["statement"].as_str().unwrap(),
            format!("{statement}\n")
        );
        assert_eq!(parsed["title"].as_str().unwrap(), "t \"x\"");
        let contract: toml::Table = draft.contract().parse().unwrap();
        assert_eq!(contract["checks"].as_array().unwrap().len(), 1);
        let config: harness_fixture::FixtureConfig = toml::from_str(&draft.fixture_toml()).unwrap();
        assert_eq!(config.baseline.unwrap().store, "../.baselines.git");
    }
}
