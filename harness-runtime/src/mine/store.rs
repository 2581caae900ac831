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

use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository};

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

    /// Points `refs/baselines/<fixture_id>` at a parentless commit of `tree` (fixed author,
    /// time and message), so no gc drops a baseline a fixture uses.
    pub fn pin(&self, fixture_id: &str, tree: Oid) -> Result<(), StoreError> {
        let what = format!("pin the baseline of {fixture_id}");
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
            .commit(None, &signature, &signature, "baseline", &tree, &[])
            .map_err(fail)?;
        self.repo
            .reference(
                &format!("refs/baselines/{fixture_id}"),
                commit,
                true,
                "mined",
            )
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
