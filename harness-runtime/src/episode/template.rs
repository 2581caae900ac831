//! Each fixture's baseline git directory, built once per process and written into every
//! episode: the objects as one pack (two files instead of one loose object per file), the
//! refs, the config and both indexes. Episodes get copies; nothing writable is shared.

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use git2::{Index, Oid, Repository};
use harness_fixture::Fixture;

use super::{EpisodeError, baseline, git_error, io_error};

/// A baseline git directory held in memory.
#[derive(Debug)]
pub(crate) struct Template {
    /// Directories of the common git dir, relative to it, parents first.
    pub(crate) git_dirs: Vec<PathBuf>,
    /// Files of the common git dir, relative to it (config, HEAD, refs, pack, index).
    pub(crate) git_files: Vec<(PathBuf, Vec<u8>)>,
    /// The agent worktree's index (no stat data: git refreshes it on first use).
    pub(crate) worktree_index: Vec<u8>,
    /// Protected refs and their commits.
    pub(crate) protected_refs: Vec<(String, Oid)>,
    /// The files the worktree starts from, shared read-only by every episode.
    pub(crate) manifest: Arc<harness_fixture::Files>,
    /// The fixture's opaque alias (`HARNESS_FIXTURE_ID`).
    pub(crate) alias: String,
}

type Cache = Mutex<HashMap<usize, (Weak<Fixture>, Arc<Template>)>>;

fn cache() -> &'static Cache {
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The template of `fixture`, built on first use. Keyed by the fixture's allocation and
/// checked through a weak reference, so a dropped fixture never aliases a new one.
pub(crate) fn for_fixture(
    fixture: &Arc<Fixture>,
    temp_root: &Path,
) -> Result<Arc<Template>, EpisodeError> {
    let key = Arc::as_ptr(fixture) as usize;
    {
        let mut cache = cache()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        cache.retain(|_, (weak, _)| weak.strong_count() > 0);
        if let Some((weak, template)) = cache.get(&key)
            && weak
                .upgrade()
                .is_some_and(|alive| Arc::ptr_eq(&alive, fixture))
        {
            return Ok(template.clone());
        }
    }
    let template = Arc::new(build(fixture, temp_root)?);
    let mut cache = cache()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache.insert(key, (Arc::downgrade(fixture), template.clone()));
    Ok(template)
}

fn build(fixture: &Fixture, temp_root: &Path) -> Result<Template, EpisodeError> {
    let alias = super::alias::fixture_alias(&fixture.id, &fixture.dir)?;
    fs::create_dir_all(temp_root).map_err(io_error("create", temp_root))?;
    let scratch = tempfile::Builder::new()
        .prefix(&format!("ep-{}-template-", std::process::id()))
        .tempdir_in(temp_root)
        .map_err(io_error("create a template directory in", temp_root))?;
    let repo_dir = scratch.path().join("repo");
    let built = baseline::build(fixture, &repo_dir)?;
    let git_dir = repo_dir.join(".git");
    let repo = Repository::open(&repo_dir).map_err(git_error("open the template repository"))?;
    let mut pack = repo
        .packbuilder()
        .map_err(git_error("start the baseline pack"))?;
    for (_, commit) in &built.protected_refs {
        pack.insert_commit(*commit)
            .map_err(git_error("pack the baseline"))?;
    }
    let pack_dir = git_dir.join("objects").join("pack");
    fs::create_dir_all(&pack_dir).map_err(io_error("create", &pack_dir))?;
    pack.write(&pack_dir, 0o444)
        .map_err(git_error("write the baseline pack"))?;
    drop(pack);
    drop(repo);

    let mut git_files = Vec::new();
    collect(&git_dir, Path::new(""), &mut git_files)?;
    let git_dirs: BTreeSet<PathBuf> = git_files
        .iter()
        .flat_map(|(path, _)| path.ancestors().skip(1))
        .chain(EMPTY_GIT_DIRS.iter().map(Path::new))
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();

    let index_path = scratch.path().join("worktree-index");
    let mut index = Index::open(&index_path).map_err(git_error("open the worktree index"))?;
    for (id, (path, file)) in built.blob_ids.iter().zip(built.start_files.iter()) {
        index
            .add(&baseline::index_entry(path, file, *id))
            .map_err(git_error("fill the worktree index"))?;
    }
    index
        .write()
        .map_err(git_error("write the worktree index"))?;
    let worktree_index = fs::read(&index_path).map_err(io_error("read", &index_path))?;
    Ok(Template {
        // Sorted by components: every parent comes before its children.
        git_dirs: git_dirs.into_iter().collect(),
        git_files,
        worktree_index,
        protected_refs: built.protected_refs,
        manifest: Arc::new(built.start_files),
        alias,
    })
}

/// Directories git expects even when empty.
const EMPTY_GIT_DIRS: &[&str] = &["refs/heads", "refs/tags", "objects/info", "info"];

/// What of a fresh git dir an episode does not need: the hook samples and description of
/// git's template directory (the hooks would be read, as possible planted hooks, before and
/// after every agent) and the reflogs of the build.
const SKIPPED: &[&str] = &["hooks", "description", "logs"];

/// Every file under the git dir except loose objects (they are all in the pack now) and
/// what is [`SKIPPED`].
fn collect(
    root: &Path,
    relative: &Path,
    into: &mut Vec<(PathBuf, Vec<u8>)>,
) -> Result<(), EpisodeError> {
    let dir = root.join(relative);
    for entry in fs::read_dir(&dir).map_err(io_error("read", &dir))? {
        let entry = entry.map_err(io_error("read", &dir))?;
        let child = relative.join(entry.file_name());
        let name = entry.file_name().to_string_lossy().into_owned();
        let file_type = entry.file_type().map_err(io_error("stat", &entry.path()))?;
        if relative.as_os_str().is_empty() && SKIPPED.contains(&name.as_str()) {
            continue;
        }
        if file_type.is_dir() {
            let loose = relative == Path::new("objects")
                && name.len() == 2
                && name.chars().all(|c| c.is_ascii_hexdigit());
            if !loose {
                collect(root, &child, into)?;
            }
        } else if file_type.is_file() {
            let content = fs::read(entry.path()).map_err(io_error("read", &entry.path()))?;
            into.push((child, content));
        }
    }
    Ok(())
}

impl Template {
    /// Writes the git dir into `common_git_dir` (which must not exist yet).
    pub(crate) fn write_git_dir(&self, common_git_dir: &Path) -> Result<(), EpisodeError> {
        fs::create_dir_all(common_git_dir).map_err(io_error("create", common_git_dir))?;
        for relative in &self.git_dirs {
            let path = common_git_dir.join(relative);
            fs::create_dir(&path).map_err(io_error("create", &path))?;
        }
        for (relative, content) in &self.git_files {
            let path = common_git_dir.join(relative);
            fs::write(&path, content).map_err(io_error("write", &path))?;
        }
        Ok(())
    }
}
