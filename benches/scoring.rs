//! Scoring cost: how cheap an episode is and how it grows with the repository.
//!
//! Groups (each over generated repos of 10, 100, 1,000 and 10,000 files of 1 KiB):
//! - `prepare`: fixture -> baseline repo + worktree ready for the agent;
//! - `grade`: snapshot + integrity + scope + grading tree + one trivial check (`true`) +
//!   reward, after a noop agent and after an agent that changed 10 files;
//! - `grade_commits`: grade after 0, 1 and 50 agent commits (100 files);
//! - `episode`: prepare + noop agent + grade + cleanup, end to end;
//! - `git_cli`: the same steps the way a script harness does them with the git CLI;
//! - `floor`: copying the repo's files once into a new directory;
//! - `suspicion`: the suspicion scan alone (context + scan of the agent's change) on the
//!   shipped py-slugify and rs-wordfreq oracles, and on the generated repos with 10 (and,
//!   at 100 files, 100) in-scope files rewritten as Python.
//!
//! `scripts/bench-table.py` turns criterion's estimates into docs/PERFORMANCE.md's table.
#![forbid(unsafe_code)]

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion};
use harness_runtime::agent::{self, Agent};
use harness_runtime::episode::Episode;
use harness_runtime::{CaseSpec, Fixture, Settings, grade, run_case};

const SIZES: [usize; 4] = [10, 100, 1_000, 10_000];
const FILES_PER_DIR: usize = 100;

/// A deterministic fixture of `files` source files of 1 KiB each, one trivial check.
fn generate(root: &Path, files: usize) -> PathBuf {
    generate_named(root, files, "txt")
}

/// The same, the files named `*.<extension>`.
fn generate_named(root: &Path, files: usize, extension: &str) -> PathBuf {
    let dir = if extension == "txt" {
        root.join(format!("gen-{files}"))
    } else {
        root.join(format!("gen-{files}-{extension}"))
    };
    let repo = dir.join("repo");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15 ^ files as u64;
    for index in 0..files {
        let path = repo.join(format!(
            "src/d{:03}/f{index:05}.{extension}",
            index / FILES_PER_DIR
        ));
        fs::create_dir_all(path.parent().expect("generated paths have parents"))
            .expect("create generated dir");
        let mut content = Vec::with_capacity(1024);
        while content.len() < 1024 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            content.push(b'a' + (state % 26) as u8);
            if content.len() % 64 == 63 {
                content.push(b'\n');
            }
        }
        content.truncate(1024);
        fs::write(path, content).expect("write generated file");
    }
    fs::create_dir_all(repo.join("work")).expect("create work");
    fs::create_dir_all(repo.join("evaluation")).expect("create evaluation");
    fs::create_dir_all(repo.join("handoff")).expect("create handoff");
    fs::write(
        repo.join("work/item.toml"),
        "id = \"item-1\"\ntitle = \"bench\"\nstatement = \"nothing\"\nstatus = \"open\"\n",
    )
    .expect("write work item");
    fs::write(repo.join("handoff/README.md"), "notes\n").expect("write handoff");
    fs::write(repo.join(".gitignore"), "target/\n").expect("write gitignore");
    fs::write(
        repo.join("evaluation/contract.toml"),
        "[scope]\nallow = [\"src\", \"handoff\"]\n\n[[checks]]\nname = \"trivial\"\nrun = [\"true\"]\n",
    )
    .expect("write contract");
    fs::create_dir_all(dir.join("oracle/handoff")).expect("create oracle");
    fs::write(dir.join("oracle/handoff/notes.md"), "done\n").expect("write oracle");
    dir
}

fn settings(temp: &Path) -> Settings {
    let mut settings = Settings::from_env();
    settings.temp_root = temp.join("episodes");
    settings.out_dir = temp.join("out");
    settings
}

/// Changes ten files in scope, as an agent would.
fn change_ten_files(episode: &Episode) {
    for index in 0..10usize.min(episode.manifest.len()) {
        let path = episode
            .dirs
            .worktree
            .join(format!("src/d{:03}/f{index:05}.txt", index / FILES_PER_DIR));
        fs::write(path, format!("changed {index}\n")).expect("change a file");
    }
}

fn bench_prepare(c: &mut Criterion, fixtures: &[(usize, Arc<Fixture>)], settings: &Settings) {
    let mut group = c.benchmark_group("prepare");
    for (size, fixture) in fixtures {
        configure(&mut group, *size);
        group.bench_with_input(BenchmarkId::from_parameter(size), fixture, |b, fixture| {
            b.iter_with_large_drop(|| {
                Episode::prepare(fixture.clone(), &settings.temp_root).expect("prepare")
            });
        });
    }
    group.finish();
}

fn bench_grade(c: &mut Criterion, fixtures: &[(usize, Arc<Fixture>)], settings: &Settings) {
    let mut group = c.benchmark_group("grade");
    for (size, fixture) in fixtures {
        configure(&mut group, *size);
        for changed in [false, true] {
            let label = if changed { "changed10" } else { "noop" };
            group.bench_with_input(BenchmarkId::new(label, size), fixture, |b, fixture| {
                b.iter_custom(|iterations| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iterations {
                        let episode = Episode::prepare(fixture.clone(), &settings.temp_root)
                            .expect("prepare");
                        let before = grade::before(&episode, settings, &Agent::Noop);
                        let run = agent::run(&Agent::Noop, &episode, settings);
                        if changed {
                            change_ten_files(&episode);
                        }
                        let started = Instant::now();
                        black_box(grade::grade(&episode, settings, &before, &run).expect("grade"));
                        total += started.elapsed();
                    }
                    total
                });
            });
        }
    }
    group.finish();
}

/// Grade cost must not depend on how many commits the agent made: the same grade after
/// 0, 1 and 50 commits on the 100-file repo (each after 50 git processes, so process churn
/// before grading is the same). From 0 to 1 the moved branch's tree is scanned for
/// gitlinks once; from 1 to 50 nothing more is read.
fn bench_grade_commits(c: &mut Criterion, fixtures: &[(usize, Arc<Fixture>)], settings: &Settings) {
    let Some((_, fixture)) = fixtures.iter().find(|(size, _)| *size == 100) else {
        return;
    };
    let mut group = c.benchmark_group("grade_commits");
    configure(&mut group, 1_000);
    for commits in [0usize, 1, 50] {
        group.bench_with_input(BenchmarkId::new("100", commits), &commits, |b, commits| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let episode =
                        Episode::prepare(fixture.clone(), &settings.temp_root).expect("prepare");
                    let before = grade::before(&episode, settings, &Agent::Noop);
                    let run = agent::run(&Agent::Noop, &episode, settings);
                    // Both variants run 50 git processes, so the only difference is the commits.
                    for index in 0..50usize {
                        let args: &[&str] = if index < *commits {
                            fs::write(
                                episode.dirs.worktree.join("src/d000/f00000.txt"),
                                format!("commit {index}\n"),
                            )
                            .expect("edit");
                            &[
                                "-c",
                                "user.name=a",
                                "-c",
                                "user.email=a@a",
                                "commit",
                                "-qam",
                                "step",
                            ]
                        } else {
                            &["status", "--short"]
                        };
                        let status = Command::new("git")
                            .args(args)
                            .current_dir(&episode.dirs.worktree)
                            .stdout(std::process::Stdio::null())
                            .status()
                            .expect("git");
                        assert!(status.success());
                    }
                    let started = Instant::now();
                    black_box(grade::grade(&episode, settings, &before, &run).expect("grade"));
                    total += started.elapsed();
                }
                total
            });
        });
    }
    group.finish();
}

fn bench_episode(c: &mut Criterion, fixtures: &[(usize, Arc<Fixture>)], settings: &Settings) {
    let mut group = c.benchmark_group("episode");
    for (size, fixture) in fixtures {
        configure(&mut group, *size);
        group.bench_with_input(BenchmarkId::from_parameter(size), fixture, |b, fixture| {
            b.iter(|| {
                let output = run_case(
                    &CaseSpec::new(fixture.clone(), Agent::Noop),
                    settings,
                    "bench",
                );
                assert!(
                    output.result.reward.is_some(),
                    "{}",
                    output.result.summary()
                );
                output
            });
        });
    }
    group.finish();
}

/// A competent script harness: copy the repo in, one commit, a worktree for the agent,
/// status and diff to see what changed, a fresh checkout to grade in, the check, cleanup.
fn git_cli_episode(source: &Path, scratch: &Path) {
    let root = tempfile::tempdir_in(scratch).expect("episode dir");
    let base = root.path().join("base");
    copy_tree(source, &base);
    let git = |cwd: &Path, args: &[&str]| {
        let status = Command::new("git")
            .args([
                "-c",
                "user.name=h",
                "-c",
                "user.email=h@h",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(cwd)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("run git");
        assert!(status.success(), "git {args:?}");
    };
    git(&base, &["init", "-q"]);
    git(&base, &["add", "-A"]);
    git(&base, &["commit", "-q", "-m", "baseline"]);
    let worktree = root.path().join("work");
    git(
        &base,
        &[
            "worktree",
            "add",
            "-q",
            worktree.to_str().expect("utf-8 path"),
            "-b",
            "agent",
        ],
    );
    // noop agent; then see what it did
    git(&worktree, &["status", "--porcelain", "--ignored"]);
    git(&worktree, &["diff", "HEAD"]);
    let grading = root.path().join("grade");
    fs::create_dir(&grading).expect("grading dir");
    git(
        &worktree,
        &[
            "--work-tree",
            grading.to_str().expect("utf-8 path"),
            "checkout",
            "HEAD",
            "--",
            ".",
        ],
    );
    let status = Command::new("true")
        .current_dir(&grading)
        .status()
        .expect("run the check");
    assert!(status.success());
}

fn bench_git_cli(c: &mut Criterion, sources: &[(usize, PathBuf)], scratch: &Path) {
    let mut group = c.benchmark_group("git_cli");
    for (size, source) in sources {
        configure(&mut group, *size);
        group.bench_with_input(BenchmarkId::from_parameter(size), source, |b, source| {
            b.iter(|| git_cli_episode(source, scratch))
        });
    }
    group.finish();
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy root");
    for entry in fs::read_dir(from).expect("read source") {
        let entry = entry.expect("read entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

fn bench_floor(c: &mut Criterion, sources: &[(usize, PathBuf)], scratch: &Path) {
    let mut group = c.benchmark_group("floor");
    for (size, source) in sources {
        configure(&mut group, *size);
        group.bench_with_input(BenchmarkId::from_parameter(size), source, |b, source| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let target = tempfile::tempdir_in(scratch).expect("copy target");
                    let started = Instant::now();
                    copy_tree(source, &target.path().join("copy"));
                    total += started.elapsed();
                }
                total
            });
        });
    }
    group.finish();
}

/// The suspicion scan as grading runs it: the fixture's context, then the scan of the
/// graded files against the baseline.
fn bench_suspicion(c: &mut Criterion, fixtures: &[(usize, Arc<Fixture>)], scratch: &Path) {
    use harness_runtime::grade::suspicion;
    let mut group = c.benchmark_group("suspicion");
    group.sample_size(50);
    group.measurement_time(Duration::from_secs(3));
    group.warm_up_time(Duration::from_secs(1));
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for id in ["py-slugify", "rs-wordfreq"] {
        let fixture = Fixture::load(&shipped.join(id)).expect("shipped fixture");
        let mut graded = fixture.repo.clone();
        graded.extend(fixture.oracle.clone());
        group.bench_function(id, |b| {
            b.iter(|| {
                let context = suspicion::Context::for_fixture(&fixture);
                black_box(suspicion::scan(&context, &fixture.repo, &graded))
            })
        });
    }
    // What `grade/changed10` adds: its ten text files are data, never lexed.
    for (size, fixture) in fixtures.iter().filter(|(size, _)| *size <= 1_000) {
        let mut graded = fixture.repo.clone();
        for (index, entry) in graded
            .iter_mut()
            .filter(|(path, _)| path.as_str().starts_with("src/"))
            .take(10)
            .enumerate()
        {
            entry.1.content = format!("changed {index}\n").into_bytes();
        }
        group.bench_function(BenchmarkId::new("text10", size), |b| {
            b.iter(|| {
                let context = suspicion::Context::for_fixture(fixture);
                black_box(suspicion::scan(&context, &fixture.repo, &graded))
            })
        });
    }
    // Generated repos of Python files, 10 (and at 100 files, all 100) rewritten with the
    // py-slugify oracle's module (1.9 KiB): every changed file is lexed and diffed.
    let module = fs::read(shipped.join("py-slugify/oracle/src/textkit/slugify.py"))
        .expect("the py-slugify oracle");
    for size in fixtures
        .iter()
        .map(|(size, _)| *size)
        .filter(|size| *size <= 1_000)
    {
        let fixture =
            Fixture::load(&generate_named(scratch, size, "py")).expect("generated fixture");
        let counts: &[usize] = if size == 100 { &[10, 100] } else { &[10] };
        for &count in counts {
            let mut graded = fixture.repo.clone();
            let paths: Vec<_> = graded
                .keys()
                .filter(|path| path.as_str().starts_with("src/"))
                .take(count)
                .cloned()
                .collect();
            for path in paths {
                if let Some(entry) = graded.get_mut(&path) {
                    entry.content = module.clone();
                }
            }
            group.bench_function(BenchmarkId::new(format!("python{count}"), size), |b| {
                b.iter(|| {
                    let context = suspicion::Context::for_fixture(&fixture);
                    black_box(suspicion::scan(&context, &fixture.repo, &graded))
                })
            });
        }
    }
    group.finish();
}

fn configure(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    size: usize,
) {
    if size >= 10_000 {
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
    } else {
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(4));
    }
    group.warm_up_time(Duration::from_secs(1));
}

fn main() {
    // Everything (episodes, the git CLI pipeline, the copy floor) works in the directory
    // the harness would put episodes in by default (tmpfs where there is one).
    let base = harness_runtime::settings::default_temp_root();
    fs::create_dir_all(&base).expect("create the bench directory");
    let scratch = tempfile::Builder::new()
        .prefix("bench-")
        .tempdir_in(&base)
        .expect("scratch dir");
    let sizes: Vec<usize> = match std::env::var("HARNESS_BENCH_SIZES") {
        Ok(list) => list
            .split(',')
            .filter_map(|size| size.trim().parse().ok())
            .collect(),
        Err(_) => SIZES.to_vec(),
    };
    let dirs: Vec<(usize, PathBuf)> = sizes
        .iter()
        .map(|size| (*size, generate(scratch.path(), *size)))
        .collect();
    let fixtures: Vec<(usize, Arc<Fixture>)> = dirs
        .iter()
        .map(|(size, dir)| {
            (
                *size,
                Arc::new(Fixture::load(dir).expect("generated fixture is valid")),
            )
        })
        .collect();
    let sources: Vec<(usize, PathBuf)> = dirs
        .iter()
        .map(|(size, dir)| (*size, dir.join("repo")))
        .collect();
    let settings = settings(scratch.path());
    let mut criterion = Criterion::default().configure_from_args();
    bench_prepare(&mut criterion, &fixtures, &settings);
    bench_grade(&mut criterion, &fixtures, &settings);
    bench_grade_commits(&mut criterion, &fixtures, &settings);
    bench_episode(&mut criterion, &fixtures, &settings);
    bench_git_cli(&mut criterion, &sources, scratch.path());
    bench_floor(&mut criterion, &sources, scratch.path());
    bench_suspicion(&mut criterion, &fixtures, scratch.path());
    criterion.final_summary();
}
