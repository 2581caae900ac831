use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::contract::ScopeSpec;
use crate::path::RepoPath;

/// The compiled `[scope]` of a contract.
///
/// A glob matches a path when it matches the path or any of its ancestors, component by
/// component: `src/slug` allows `src/slug/x.rs` and `src/slug`, never `src/slug_evil.rs`;
/// `*` never crosses a `/`.
///
/// ```
/// use harness_fixture::{RepoPath, Scope, ScopeSpec};
/// let spec = ScopeSpec { allow: vec!["src/slug".into(), "handoff".into()], frozen: None };
/// let scope = Scope::compile(&spec, "fix-slug").unwrap();
/// assert!(scope.allows(&RepoPath::parse("src/slug/x.py").unwrap()));
/// assert!(!scope.allows(&RepoPath::parse("src/slug_evil.py").unwrap()));
/// assert!(scope.allows(&RepoPath::parse("work/fix-slug.toml").unwrap()));
/// assert!(scope.is_frozen(&RepoPath::parse("evaluation/fix-slug.toml").unwrap(), true));
/// ```
#[derive(Debug, Clone)]
pub struct Scope {
    allow: GlobSet,
    allow_globs: Vec<String>,
    frozen: Option<GlobSet>,
    contract: RepoPath,
    work_item: RepoPath,
    /// Builders own their work item (always allowed, never frozen); a reviewer has none.
    owns_work_item: bool,
}

impl Scope {
    /// Compiles the globs for a fixture of `kind` whose contract and work item have the
    /// legacy names `evaluation/<id>.toml` and `work/<id>.toml`; each bad glob is returned
    /// as `(field, message)`. See [`Scope::with_paths`].
    pub fn for_kind(
        spec: &ScopeSpec,
        fixture_id: &str,
        kind: crate::FixtureKind,
    ) -> Result<Scope, Vec<(String, String)>> {
        let (contract, work_item) = legacy_paths(fixture_id)?;
        Scope::with_paths(spec, kind, contract, work_item)
    }

    /// Compiles the globs for a fixture of `kind` whose contract and work item are at
    /// `contract` and `work_item` (the loader resolves them: neutral or legacy names).
    ///
    /// Work item and honeypot fixtures own their work item (always allowed, never frozen)
    /// and freeze every baseline path outside `allow` by default. A review fixture's agent
    /// must change nothing but its verdict: no work item is exempt, and without explicit
    /// `scope.frozen` only the contract is frozen, so editing the code under review is a
    /// `scope_violation` rather than tampering.
    pub fn with_paths(
        spec: &ScopeSpec,
        kind: crate::FixtureKind,
        contract: RepoPath,
        work_item: RepoPath,
    ) -> Result<Scope, Vec<(String, String)>> {
        let mut problems = Vec::new();
        let allow = build_set(&spec.allow, "scope.allow", &mut problems);
        let frozen = spec
            .frozen
            .as_ref()
            .map(|globs| build_set(globs, "scope.frozen", &mut problems));
        if !problems.is_empty() {
            return Err(problems);
        }
        let mut scope = Scope {
            allow,
            allow_globs: spec.allow.clone(),
            frozen,
            contract,
            work_item,
            owns_work_item: true,
        };
        if kind == crate::FixtureKind::Review {
            scope.owns_work_item = false;
            if scope.frozen.is_none() {
                scope.frozen = Some(GlobSet::empty());
            }
        }
        Ok(scope)
    }

    /// Compiles the globs for a work item fixture with the legacy names; each bad glob is
    /// returned as `(field, message)`.
    pub fn compile(spec: &ScopeSpec, fixture_id: &str) -> Result<Scope, Vec<(String, String)>> {
        Scope::for_kind(spec, fixture_id, crate::FixtureKind::WorkItem)
    }

    /// The contract's own path (`evaluation/contract.toml`, or the legacy `evaluation/<id>.toml`).
    pub fn contract_path(&self) -> &RepoPath {
        &self.contract
    }

    /// The work item's path (`work/item.toml`, or the legacy `work/<id>.toml`).
    pub fn work_item_path(&self) -> &RepoPath {
        &self.work_item
    }

    /// Whether the agent may change `path`. The work item is always allowed; the contract never.
    pub fn allows(&self, path: &RepoPath) -> bool {
        if self.owns_work_item && *path == self.work_item {
            return true;
        }
        if *path == self.contract {
            return false;
        }
        path.prefixes().any(|prefix| self.allow.is_match(prefix))
    }

    /// Whether `path` is frozen: its baseline content must not change.
    ///
    /// The contract is always frozen and the work item never is; with explicit
    /// `scope.frozen` globs, those decide (a path matching both `allow` and `frozen` is
    /// frozen); without them, every baseline path outside `allow` is frozen.
    pub fn is_frozen(&self, path: &RepoPath, in_baseline: bool) -> bool {
        if *path == self.contract {
            return true;
        }
        if self.owns_work_item && *path == self.work_item {
            return false;
        }
        match &self.frozen {
            Some(frozen) => path.prefixes().any(|prefix| frozen.is_match(prefix)),
            None => in_baseline && !self.allows(path),
        }
    }

    /// The `scope.allow` globs that match none of `paths` (fixture rule: each must match something).
    pub fn unmatched_allow_globs<'a>(
        &self,
        paths: impl IntoIterator<Item = &'a RepoPath>,
    ) -> Vec<(usize, String)> {
        let mut matched = vec![false; self.allow_globs.len()];
        for path in paths {
            for prefix in path.prefixes() {
                for index in self.allow.matches(prefix) {
                    matched[index] = true;
                }
            }
        }
        matched
            .iter()
            .enumerate()
            .filter(|(_, hit)| !**hit)
            .map(|(index, _)| (index, self.allow_globs[index].clone()))
            .collect()
    }
}

/// `evaluation/<id>.toml` and `work/<id>.toml`.
fn legacy_paths(fixture_id: &str) -> Result<(RepoPath, RepoPath), Vec<(String, String)>> {
    let contract = RepoPath::parse(&format!("evaluation/{fixture_id}.toml"));
    let work_item = RepoPath::parse(&format!("work/{fixture_id}.toml"));
    match (contract, work_item) {
        (Ok(contract), Ok(work_item)) => Ok((contract, work_item)),
        _ => Err(vec![(
            "id".into(),
            format!("fixture id `{fixture_id}` is not a valid file name"),
        )]),
    }
}

fn build_set(globs: &[String], field: &str, problems: &mut Vec<(String, String)>) -> GlobSet {
    let mut builder = GlobSetBuilder::new();
    for (index, raw) in globs.iter().enumerate() {
        let field = format!("{field}[{index}]");
        match compile_glob(raw) {
            Ok(glob) => {
                builder.add(glob);
            }
            Err(message) => {
                problems.push((field, message));
                // Keep indices aligned with the contract's list.
                builder.add(
                    Glob::new("\u{0}never-matches\u{0}").expect("a literal glob always compiles"),
                );
            }
        }
    }
    builder.build().unwrap_or_else(|_| GlobSet::empty())
}

fn compile_glob(raw: &str) -> Result<Glob, String> {
    let normalised = RepoPath::parse(raw).map_err(|error| format!("bad scope glob: {error}"))?;
    GlobBuilder::new(normalised.as_str())
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|error| format!("bad scope glob `{raw}`: {}", error.kind()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scope(allow: &[&str], frozen: Option<&[&str]>) -> Scope {
        let spec = ScopeSpec {
            allow: allow.iter().map(|s| s.to_string()).collect(),
            frozen: frozen.map(|f| f.iter().map(|s| s.to_string()).collect()),
        };
        Scope::compile(&spec, "fix").unwrap()
    }

    fn path(raw: &str) -> RepoPath {
        RepoPath::parse(raw).unwrap()
    }

    #[test]
    fn scope_rejects_sibling_prefix() {
        let scope = scope(&["src/slug"], None);
        assert!(scope.allows(&path("src/slug/deep/x.py")));
        assert!(!scope.allows(&path("src/slug_evil.py")));
        assert!(!scope.allows(&path("src/slugx/y.py")));
    }

    #[test]
    fn star_does_not_cross_directories_but_prefix_does() {
        let scope = scope(&["src/*.py"], None);
        assert!(scope.allows(&path("src/a.py")));
        assert!(!scope.allows(&path("src/a/b.py")));
    }

    #[test]
    fn frozen_wins_over_allow() {
        let scope = scope(&["src"], Some(&["src/tests"]));
        assert!(scope.allows(&path("src/tests/t.py")));
        assert!(scope.is_frozen(&path("src/tests/t.py"), true));
        assert!(!scope.is_frozen(&path("src/lib.py"), true));
    }

    #[test]
    fn default_frozen_is_baseline_outside_allow() {
        let scope = scope(&["src"], None);
        assert!(scope.is_frozen(&path("tests/t.py"), true));
        assert!(!scope.is_frozen(&path("tests/new.py"), false));
        assert!(!scope.is_frozen(&path("work/fix.toml"), true));
        assert!(scope.is_frozen(&path("evaluation/fix.toml"), true));
    }

    #[test]
    fn contract_is_never_allowed_even_by_a_wide_glob() {
        let scope = scope(&["*", "evaluation"], None);
        assert!(!scope.allows(&path("evaluation/fix.toml")));
        assert!(scope.allows(&path("evaluation/other.toml")));
    }

    #[test]
    fn a_reviewer_owns_no_work_item_and_freezes_nothing_but_the_contract() {
        let spec = ScopeSpec {
            allow: vec!["review/fix.verdict.toml".into()],
            frozen: None,
        };
        let scope = Scope::for_kind(&spec, "fix", crate::FixtureKind::Review).unwrap();
        assert!(!scope.allows(&path("work/fix.toml")));
        assert!(!scope.allows(&path("src/app.py")));
        assert!(!scope.is_frozen(&path("src/app.py"), true));
        assert!(scope.is_frozen(&path("evaluation/fix.toml"), true));
        assert!(scope.allows(&path("review/fix.verdict.toml")));
    }

    #[test]
    fn neutral_paths_are_the_contract_and_the_work_item() {
        let spec = ScopeSpec {
            allow: vec!["*".into(), "evaluation".into()],
            frozen: None,
        };
        let scope = Scope::with_paths(
            &spec,
            crate::FixtureKind::WorkItem,
            path("evaluation/contract.toml"),
            path("work/item.toml"),
        )
        .unwrap();
        assert!(!scope.allows(&path("evaluation/contract.toml")));
        assert!(scope.is_frozen(&path("evaluation/contract.toml"), true));
        assert!(scope.allows(&path("work/item.toml")));
        assert!(!scope.is_frozen(&path("work/item.toml"), true));
        assert_eq!(scope.contract_path().as_str(), "evaluation/contract.toml");
        assert_eq!(scope.work_item_path().as_str(), "work/item.toml");
    }

    #[test]
    fn bad_globs_are_all_reported() {
        let spec = ScopeSpec {
            allow: vec!["../x".into(), "a[".into()],
            frozen: Some(vec!["/abs".into()]),
        };
        let problems = Scope::compile(&spec, "fix").unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            fields,
            vec!["scope.allow[0]", "scope.allow[1]", "scope.frozen[0]"]
        );
    }

    #[test]
    fn unmatched_globs_are_listed() {
        let scope = scope(&["src", "nothing/here"], None);
        let paths = [path("src/a.py")];
        assert_eq!(
            scope.unmatched_allow_globs(paths.iter()),
            vec![(1, "nothing/here".to_string())]
        );
    }

    proptest! {
        #[test]
        fn allowed_paths_always_lie_under_an_allowed_prefix(raw in "[ab]{1,2}(/[ab_]{1,2}){0,3}") {
            let scope = scope(&["a/b"], None);
            let candidate = path(&raw);
            prop_assert_eq!(scope.allows(&candidate), candidate.starts_with(&path("a/b")));
        }
    }
}
