//! The shared baseline store: one bare git repository beside the mined fixtures
//! (`DIR/.baselines.git`) holding every baseline tree, each blob and tree once, whichever
//! fixtures share it. A fixture names its tree in `fixture.toml` (`[baseline] tree`).
//!
//! Trees are copied object by object from the source repository's object database, each
//! tree after its entries, so a tree already in the store means its whole subtree is: a
//! copy stops there. Each accepted fixture pins its tree with a ref,
//! `refs/baselines/<fixture-id>`, to a parentless commit of that tree with a fixed author,
//! time and message (a ref must name a commit): the commit id depends on the tree alone, so
//! fixtures with one baseline share it too, and `git gc` in the store (by hand or
//! automatic) never prunes a baseline a fixture uses. Trees of rejected candidates are left
//! unreferenced (a gc may drop them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

use super::write::DraftFile;

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A git operation on the store or the source failed.
    #[error("baseline store {store}: {what}: {message}")]
    Git {
        /// The store.
        store: PathBuf,
        /// What was being done.
        what: String,
        /// libgit2's message.
        message: String,
    },
    /// The baseline holds a submodule, which a fixture cannot carry.
    #[error("the baseline has a submodule at `{0}`")]
    Submodule(String),
}

/// The store, opened (or made).
pub struct Store {
    repo: Repository,
    dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// The store's directory name in a mining output directory.
pub const STORE_DIR: &str = ".baselines.git";

impl Store {
    /// Opens the bare repository at `dir`, making it first when it does not exist.
    pub fn open_or_init(dir: &Path) -> Result<Store, StoreError> {
        let repo = if dir.exists() {
            Repository::open_bare(dir)
        } else {
            Repository::init_bare(dir)
        }
        .map_err(|error| git_error(dir, "open", &error))?;
        Ok(Store {
            repo,
            dir: dir.to_path_buf(),
        })
    }

    /// Copies `tree` and everything under it from `source`, skipping what is already
    /// there. Returns how many objects were written.
    pub fn import_tree(&self, source: &Repository, tree: Oid) -> Result<usize, StoreError> {
        let from = source
            .odb()
            .map_err(|error| git_error(&self.dir, "open the source's objects", &error))?;
        let to = self
            .repo
            .odb()
            .map_err(|error| git_error(&self.dir, "open its objects", &error))?;
        let mut written = 0;
        self.copy(source, &from, &to, tree, "", &mut written)?;
        Ok(written)
    }

    fn copy(
        &self,
        source: &Repository,
        from: &git2::Odb<'_>,
        to: &git2::Odb<'_>,
        tree: Oid,
        prefix: &str,
        written: &mut usize,
    ) -> Result<(), StoreError> {
        if to.exists(tree) {
            return Ok(());
        }
        let what = |oid: Oid| format!("copy object {oid}");
        let entries = source
            .find_tree(tree)
            .map_err(|error| git_error(&self.dir, &what(tree), &error))?;
        for entry in entries.iter() {
            let name = format!("{prefix}{}", String::from_utf8_lossy(entry.name_bytes()));
            match entry.kind() {
                Some(ObjectType::Tree) => {
                    self.copy(source, from, to, entry.id(), &format!("{name}/"), written)?;
                }
                Some(ObjectType::Blob) => {
                    if !to.exists(entry.id()) {
                        self.write_object(from, to, entry.id())?;
                        *written += 1;
                    }
                }
                _ => return Err(StoreError::Submodule(name)),
            }
        }
        self.write_object(from, to, tree)?;
        *written += 1;
        Ok(())
    }

    fn write_object(
        &self,
        from: &git2::Odb<'_>,
        to: &git2::Odb<'_>,
        oid: Oid,
    ) -> Result<(), StoreError> {
        let what = format!("copy object {oid}");
        let object = from
            .read(oid)
            .map_err(|error| git_error(&self.dir, &what, &error))?;
        let copied = to
            .write(object.kind(), object.data())
            .map_err(|error| git_error(&self.dir, &what, &error))?;
        debug_assert_eq!(copied, oid);
        Ok(())
    }

    /// Writes `files` (paths relative to the tree's root) as one tree, each blob once
    /// (one already stored, by content, is not written again); returns its id.
    pub fn write_files(&self, files: &[DraftFile]) -> Result<Oid, StoreError> {
        let fail = |error: git2::Error| git_error(&self.dir, "store the fixture's files", &error);
        // Directory -> its entries (name, id, mode); subdirectories are added as their trees
        // are written, deepest first.
        let mut dirs: BTreeMap<String, Vec<(String, Oid, i32)>> = BTreeMap::new();
        dirs.entry(String::new()).or_default();
        for file in files {
            let blob = self.repo.blob(&file.content).map_err(fail)?;
            let (dir, name) = file.path.rsplit_once('/').unwrap_or(("", &file.path));
            let mode = i32::try_from(file.mode).unwrap_or(0o100644);
            dirs.entry(dir.to_owned())
                .or_default()
                .push((name.to_owned(), blob, mode));
            // Every ancestor exists, so each gets written and linked into its parent.
            let mut ancestor = dir;
            while let Some((parent, _)) = ancestor.rsplit_once('/') {
                dirs.entry(parent.to_owned()).or_default();
                ancestor = parent;
            }
            dirs.entry(ancestor.to_owned()).or_default();
        }
        let mut order: Vec<String> = dirs.keys().cloned().collect();
        order.sort_by_key(|dir| {
            std::cmp::Reverse(dir.matches('/').count() + usize::from(!dir.is_empty()))
        });
        let mut root = None;
        for dir in order {
            let entries = dirs.remove(&dir).unwrap_or_default();
            let mut builder = self.repo.treebuilder(None).map_err(fail)?;
            for (name, id, mode) in entries {
                builder.insert(&name, id, mode).map_err(fail)?;
            }
            let tree = builder.write().map_err(fail)?;
            if dir.is_empty() {
                root = Some(tree);
            } else {
                let (parent, name) = dir.rsplit_once('/').unwrap_or(("", &dir));
                dirs.entry(parent.to_owned())
                    .or_default()
                    .push((name.to_owned(), tree, 0o040000));
            }
        }
        root.ok_or_else(|| StoreError::Git {
            store: self.dir.clone(),
            what: "store the fixture's files".to_owned(),
            message: "no root tree".to_owned(),
        })
    }

    /// Points `refs/baselines/<fixture_id>` at a parentless commit of `tree` (fixed author,
    /// time and message), so no gc drops a baseline a fixture uses.
    pub fn pin(&self, fixture_id: &str, tree: Oid) -> Result<(), StoreError> {
        self.pin_as("baselines", fixture_id, tree)
    }

    /// Points `refs/<kind>/<fixture_id>` at a parentless commit of `tree`, as [`Store::pin`].
    pub fn pin_as(&self, kind: &str, fixture_id: &str, tree: Oid) -> Result<(), StoreError> {
        let what = format!("pin the {kind} tree of {fixture_id}");
        let fail = |error: git2::Error| git_error(&self.dir, &what, &error);
        let tree = self.repo.find_tree(tree).map_err(fail)?;
        let signature = git2::Signature::new(
            "another-harness",
            "harness@localhost",
            &git2::Time::new(0, 0),
        )
        .map_err(fail)?;
        let commit = self
            .repo
            .commit(None, &signature, &signature, kind, &tree, &[])
            .map_err(fail)?;
        self.repo
            .reference(&format!("refs/{kind}/{fixture_id}"), commit, true, "mined")
            .map_err(fail)?;
        Ok(())
    }
}

fn git_error(store: &Path, what: &str, error: &git2::Error) -> StoreError {
    StoreError::Git {
        store: store.to_path_buf(),
        what: what.to_owned(),
        message: error.message().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, content: &str, mode: u32) -> DraftFile {
        DraftFile {
            path: path.to_owned(),
            content: content.as_bytes().to_vec(),
            mode,
        }
    }

    /// Every file of `tree`: (path, content, mode).
    fn listed(repo: &Repository, tree: Oid) -> Vec<(String, String, i32)> {
        let mut files = Vec::new();
        repo.find_tree(tree)
            .unwrap()
            .walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
                if entry.kind() == Some(ObjectType::Blob) {
                    let blob = repo.find_blob(entry.id()).unwrap();
                    files.push((
                        format!("{dir}{}", entry.name().unwrap()),
                        String::from_utf8_lossy(blob.content()).into_owned(),
                        entry.filemode(),
                    ));
                }
                git2::TreeWalkResult::Ok
            })
            .unwrap();
        files.sort();
        files
    }

    #[test]
    fn a_fixtures_files_become_one_tree_sharing_blobs_with_what_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_init(&dir.path().join(STORE_DIR)).unwrap();
        let files = [
            file("src/deep/er/mod.rs", "pub fn f() {}\n", 0o100644),
            file("src/lib.rs", "mod deep;\n", 0o100644),
            file("run.sh", "#!/bin/sh\n", 0o100755),
            file("tests/a.rs", "#[test]\nfn a() {}\n", 0o100644),
        ];
        let tree = store.write_files(&files).unwrap();
        assert_eq!(
            listed(&store.repo, tree),
            vec![
                ("run.sh".to_owned(), "#!/bin/sh\n".to_owned(), 0o100755),
                (
                    "src/deep/er/mod.rs".to_owned(),
                    "pub fn f() {}\n".to_owned(),
                    0o100644
                ),
                ("src/lib.rs".to_owned(), "mod deep;\n".to_owned(), 0o100644),
                (
                    "tests/a.rs".to_owned(),
                    "#[test]\nfn a() {}\n".to_owned(),
                    0o100644
                ),
            ]
        );
        // The same files are the same tree; a blob is stored once by content.
        assert_eq!(store.write_files(&files).unwrap(), tree);
        let other = store
            .write_files(&[file("lib.rs", "mod deep;\n", 0o100644)])
            .unwrap();
        let shared = store.repo.find_tree(other).unwrap().get(0).unwrap().id();
        assert_eq!(
            shared,
            store.repo.blob(b"mod deep;\n").unwrap(),
            "the blob is the one already stored"
        );
        // Pinned under its own kind, so no gc drops it.
        store.pin_as("oracles", "fx-1", tree).unwrap();
        let pinned = store
            .repo
            .find_reference("refs/oracles/fx-1")
            .unwrap()
            .peel_to_tree()
            .unwrap();
        assert_eq!(pinned.id(), tree);
    }
}
