//! The baseline repository: one commit with `repo/` content, nothing else.

use std::fs;
use std::path::Path;

use git2::{IndexEntry, IndexTime, Oid, Repository, Signature, Time};
use harness_fixture::{FileEntry, Files, Fixture, FixtureKind, RepoPath};

use super::{EpisodeError, git_error, io_error};

/// The ref that names the baseline commit; moving it is `baseline_mismatch`.
pub const BASELINE_REF: &str = "refs/heads/baseline";
/// For review fixtures, the ref that names the commit under review.
pub const REVIEW_REF: &str = "refs/heads/under-review";

pub(crate) struct Built {
    pub(crate) protected_refs: Vec<(String, Oid)>,
    /// Blob ids (in manifest order) of the tree the worktree starts from.
    pub(crate) blob_ids: Vec<Oid>,
    /// The files the worktree starts from (the baseline, or the reviewed tree).
    pub(crate) start_files: harness_fixture::Files,
}

/// Creates `repo_dir` with a single baseline commit (and, for review fixtures, the commit
/// under review on top). Commits use a fixed author and time, so their ids depend only on
/// the fixture's content.
pub(crate) fn build(fixture: &Fixture, repo_dir: &Path) -> Result<Built, EpisodeError> {
    fs::create_dir_all(repo_dir).map_err(io_error("create", repo_dir))?;
    let repo =
        Repository::init(repo_dir).map_err(git_error("initialise the baseline repository"))?;
    let signature = Signature::new(
        "another-harness",
        "baseline@another-harness.invalid",
        &Time::new(1_767_225_600, 0),
    )
    .map_err(git_error("make the baseline signature"))?;

    let (baseline_tree, baseline_entries, baseline_ids) = write_tree(&repo, &fixture.repo)?;
    let tree = repo
        .find_tree(baseline_tree)
        .map_err(git_error("read the baseline tree"))?;
    let baseline = repo
        .commit(
            Some(BASELINE_REF),
            &signature,
            &signature,
            // Never the fixture id: it names the answer, and the agent reads the log.
            "baseline",
            &tree,
            &[],
        )
        .map_err(git_error("commit the baseline"))?;
    let mut protected_refs = vec![(BASELINE_REF.to_owned(), baseline)];
    let mut start_ids = baseline_ids;
    let mut start_commit = baseline;

    if fixture.contract.kind == FixtureKind::Review {
        let (review_tree, _, review_ids) = write_tree(&repo, &fixture.reviewed_tree())?;
        let tree = repo
            .find_tree(review_tree)
            .map_err(git_error("read the tree under review"))?;
        let parent = repo
            .find_commit(baseline)
            .map_err(git_error("read the baseline commit"))?;
        let title = fixture
            .review_request
            .as_ref()
            .map_or("change under review", |request| request.title.as_str());
        let review = repo
            .commit(
                Some(REVIEW_REF),
                &signature,
                &signature,
                title,
                &tree,
                &[&parent],
            )
            .map_err(git_error("commit the change under review"))?;
        protected_refs.push((REVIEW_REF.to_owned(), review));
        start_ids = review_ids;
        start_commit = review;
    }

    repo.set_head(BASELINE_REF)
        .map_err(git_error("point HEAD at the baseline"))?;
    // The baseline repo's own index matches its HEAD, as after a clone; its working
    // directory stays empty (nobody works there).
    let mut index = repo.index().map_err(git_error("open the baseline index"))?;
    for entry in &baseline_entries {
        index
            .add(entry)
            .map_err(git_error("fill the baseline index"))?;
    }
    index
        .write()
        .map_err(git_error("write the baseline index"))?;

    let commit = repo
        .find_commit(start_commit)
        .map_err(git_error("read the start commit"))?;
    repo.branch(super::AGENT_BRANCH, &commit, false)
        .map_err(git_error("create the agent branch"))?;
    Ok(Built {
        protected_refs,
        blob_ids: start_ids,
        start_files: if fixture.contract.kind == FixtureKind::Review {
            fixture.reviewed_tree()
        } else {
            fixture.repo.clone()
        },
    })
}

fn write_tree(
    repo: &Repository,
    files: &Files,
) -> Result<(Oid, Vec<IndexEntry>, Vec<Oid>), EpisodeError> {
    let mut index = git2::Index::new().map_err(git_error("create an index"))?;
    let mut entries = Vec::with_capacity(files.len());
    let mut ids = Vec::with_capacity(files.len());
    for (path, entry) in files {
        let id = repo
            .blob(&entry.content)
            .map_err(git_error("write a baseline blob"))?;
        let index_entry = index_entry(path, entry, id);
        index
            .add(&index_entry)
            .map_err(git_error("stage a baseline file"))?;
        entries.push(index_entry);
        ids.push(id);
    }
    let tree = index
        .write_tree_to(repo)
        .map_err(git_error("write the baseline tree"))?;
    Ok((tree, entries, ids))
}

/// An index entry for `entry` at `path` with blob `id` and no stat data (git refreshes
/// stat data on first use).
pub(crate) fn index_entry(path: &RepoPath, entry: &FileEntry, id: Oid) -> IndexEntry {
    IndexEntry {
        ctime: IndexTime::new(0, 0),
        mtime: IndexTime::new(0, 0),
        dev: 0,
        ino: 0,
        mode: entry.kind.git_mode(),
        uid: 0,
        gid: 0,
        file_size: u32::try_from(entry.content.len()).unwrap_or(u32::MAX),
        id,
        flags: u16::try_from(path.as_str().len())
            .unwrap_or(0xfff)
            .min(0xfff),
        flags_extended: 0,
        path: path.as_str().as_bytes().to_vec(),
    }
}
