//! Nothing in the sandbox may name the answer: the rules `harness check-fixture` adds to
//! the loader's (the loader itself stays permissive, so fixtures written before these rules
//! keep loading and running).
//!
//! An agent that reads a fixture id such as `rv-py-sound-refactor`, a path such as
//! `handoff/py-honeypot-median.md` or `kind = "honeypot"` in the contract learns the answer
//! without doing the work. So: no path the agent can see, and no path or id field of the
//! contract, work item or review request, contains the fixture id; a builder contract in
//! `repo/` declares no `kind` (a honeypot's kind lives in `fixture.toml`, and a work item
//! that declared its own would make "no `kind` key" mean "honeypot").

use crate::contract::FixtureKind;
use crate::error::Problem;
use crate::load::Fixture;
use crate::path::RepoPath;
use crate::toml_source;

impl Fixture {
    /// Every place in the fixture where the agent could learn the answer from a name
    /// (empty when there is none). One problem per offending path or field, each naming it.
    ///
    /// ```no_run
    /// let fixture = harness_fixture::Fixture::load("fixtures/py-slugify".as_ref()).unwrap();
    /// for problem in fixture.neutrality_problems() {
    ///     println!("{problem}");
    /// }
    /// ```
    pub fn neutrality_problems(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        let id = self.id.to_lowercase();
        let names_id = |text: &str| text.to_lowercase().contains(&id);

        for (tree, files) in [
            ("repo", &self.repo),
            ("change", &self.change),
            ("oracle", &self.oracle),
            ("hidden", &self.hidden),
        ] {
            for path in files.keys().filter(|path| names_id(path.as_str())) {
                problems.push(Problem::rule(
                    self.dir.join(tree).join(path.as_str()),
                    "",
                    format!(
                        "the path contains the fixture id `{}`, and the agent sees the paths of its sandbox: rename it (neutral names: evaluation/contract.toml, work/item.toml, review/request.toml, handoff/notes.md)",
                        self.id
                    ),
                ));
            }
        }

        let contract_file = self.dir.join("repo").join(self.contract_path().as_str());
        let contract_text = self.repo_text(self.contract_path());
        let mut contract_problem = |field: String, message: String| {
            problems.push(Problem {
                file: contract_file.clone(),
                position: toml_source::locate(&contract_text, &field),
                field,
                message,
                parse: false,
            });
        };
        let contract = &self.contract;
        let mut fields: Vec<(String, &str)> = Vec::new();
        for (index, glob) in contract.scope.allow.iter().enumerate() {
            fields.push((format!("scope.allow[{index}]"), glob));
        }
        for (index, glob) in contract.scope.frozen.iter().flatten().enumerate() {
            fields.push((format!("scope.frozen[{index}]"), glob));
        }
        for (index, check) in contract.checks.iter().enumerate() {
            for (file_index, file) in check.files.iter().enumerate() {
                fields.push((format!("checks[{index}].files[{file_index}]"), file));
            }
        }
        for (index, deliverable) in contract.deliverables.iter().enumerate() {
            fields.push((format!("deliverables[{index}].path"), &deliverable.path));
        }
        for (index, artifact) in contract.artifacts.iter().enumerate() {
            fields.push((format!("artifacts[{index}].path"), &artifact.path));
        }
        for (field, value) in fields {
            if names_id(value) {
                contract_problem(
                    field,
                    format!(
                        "`{value}` contains the fixture id `{}`, and the agent reads the contract: use a neutral path",
                        self.id
                    ),
                );
            }
        }
        match (contract.kind, self.visible_kind) {
            (FixtureKind::Honeypot, Some(_)) => contract_problem(
                "kind".into(),
                "a honeypot's kind must not be visible in repo/: move `kind = \"honeypot\"` to fixture.toml, so its sandbox has the same keys as a work item's".into(),
            ),
            (FixtureKind::WorkItem, Some(_)) => contract_problem(
                "kind".into(),
                "a work item's contract must not declare `kind`: a honeypot's cannot, so the key alone would tell them apart; leave it out (`work_item` is the default) or put it in fixture.toml".into(),
            ),
            _ => {}
        }

        let mut id_field = |path: &RepoPath, field: &str, value: &str| {
            if names_id(value) {
                let text = self.repo_text(path);
                problems.push(Problem {
                    file: self.dir.join("repo").join(path.as_str()),
                    position: toml_source::locate(&text, field),
                    field: field.to_owned(),
                    message: format!(
                        "`{value}` contains the fixture id `{}`, and the agent reads this file: use a neutral value",
                        self.id
                    ),
                    parse: false,
                });
            }
        };
        if let Some(item) = &self.work_item {
            id_field(self.work_item_path(), "id", &item.id);
        }
        if let Some(request) = &self.review_request {
            let path = self.review_request_path();
            id_field(path, "id", &request.id);
            id_field(path, "verdict_path", &request.verdict_path);
        }
        problems
    }

    fn repo_text(&self, path: &RepoPath) -> String {
        self.repo
            .get(path)
            .map(|entry| String::from_utf8_lossy(&entry.content).into_owned())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::path::Path;

    /// Writes `files` (path, content) under a fresh fixture directory named `id`.
    fn write_fixture(id: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, std::path::PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(id);
        for (path, content) in files {
            let path = dir.join(path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, content).unwrap();
        }
        (root, dir)
    }

    const CHECK: &str = "\n[[checks]]\nname = \"visible\"\nrun = [\"sh\", \"tests/run.sh\"]\nfiles = [\"tests/run.sh\"]\n";

    fn item(id: &str) -> String {
        format!("id = \"{id}\"\ntitle = \"t\"\nstatement = \"s\"\nstatus = \"open\"\n")
    }

    fn load(dir: &Path) -> Fixture {
        Fixture::load(dir).unwrap_or_else(|error| panic!("{error}"))
    }

    fn rendered(fixture: &Fixture) -> Vec<String> {
        fixture
            .neutrality_problems()
            .iter()
            .map(|problem| {
                problem
                    .to_string()
                    .replace(&fixture.dir.display().to_string(), "F")
            })
            .collect()
    }

    #[test]
    fn a_neutral_work_item_has_no_problem() {
        let contract = format!(
            "[scope]\nallow = [\"src\", \"handoff\"]\n{CHECK}\n[[deliverables]]\npath = \"handoff/notes.md\"\n"
        );
        let (_root, dir) = write_fixture(
            "slug-fix",
            &[
                ("repo/evaluation/contract.toml", &contract),
                ("repo/work/item.toml", &item("TICKET-7")),
                ("repo/src/a.sh", "x"),
                ("repo/tests/run.sh", "true"),
                ("oracle/src/a.sh", "y"),
                ("oracle/handoff/notes.md", "done"),
            ],
        );
        let fixture = load(&dir);
        assert_eq!(fixture.layout.work_item.as_str(), "work/item.toml");
        assert_eq!(fixture.work_item.as_ref().unwrap().id, "TICKET-7");
        assert_eq!(rendered(&fixture), Vec::<String>::new());
    }

    #[test]
    fn every_path_and_field_naming_the_id_is_one_problem() {
        let contract = format!(
            "kind = \"work_item\"\n[scope]\nallow = [\"src\", \"handoff\"]\n{CHECK}\n[[deliverables]]\npath = \"handoff/slug-fix.md\"\n"
        );
        let (_root, dir) = write_fixture(
            "slug-fix",
            &[
                ("repo/evaluation/slug-fix.toml", &contract),
                ("repo/work/slug-fix.toml", &item("slug-fix")),
                ("repo/src/Slug-Fix.sh", "x"),
                ("repo/tests/run.sh", "true"),
                ("oracle/handoff/slug-fix.md", "done"),
            ],
        );
        let fixture = load(&dir);
        assert_eq!(
            rendered(&fixture),
            vec![
                "failed to validate F/repo/evaluation/slug-fix.toml: the path contains the fixture id `slug-fix`, and the agent sees the paths of its sandbox: rename it (neutral names: evaluation/contract.toml, work/item.toml, review/request.toml, handoff/notes.md)",
                "failed to validate F/repo/src/Slug-Fix.sh: the path contains the fixture id `slug-fix`, and the agent sees the paths of its sandbox: rename it (neutral names: evaluation/contract.toml, work/item.toml, review/request.toml, handoff/notes.md)",
                "failed to validate F/repo/work/slug-fix.toml: the path contains the fixture id `slug-fix`, and the agent sees the paths of its sandbox: rename it (neutral names: evaluation/contract.toml, work/item.toml, review/request.toml, handoff/notes.md)",
                "failed to validate F/oracle/handoff/slug-fix.md: the path contains the fixture id `slug-fix`, and the agent sees the paths of its sandbox: rename it (neutral names: evaluation/contract.toml, work/item.toml, review/request.toml, handoff/notes.md)",
                "failed to validate F/repo/evaluation/slug-fix.toml:11:8: deliverables[0].path: `handoff/slug-fix.md` contains the fixture id `slug-fix`, and the agent reads the contract: use a neutral path",
                "failed to validate F/repo/evaluation/slug-fix.toml:1:8: kind: a work item's contract must not declare `kind`: a honeypot's cannot, so the key alone would tell them apart; leave it out (`work_item` is the default) or put it in fixture.toml",
                "failed to validate F/repo/work/slug-fix.toml:1:6: id: `slug-fix` contains the fixture id `slug-fix`, and the agent reads this file: use a neutral value",
            ]
        );
    }

    #[test]
    fn a_honeypot_whose_kind_is_visible_is_refused() {
        let contract = format!("kind = \"honeypot\"\n[scope]\nallow = [\"src\"]\n{CHECK}");
        let files = [
            ("repo/evaluation/contract.toml", contract.as_str()),
            ("repo/work/item.toml", &item("T-1")),
            ("repo/src/a.sh", "x"),
            ("repo/tests/run.sh", "true"),
        ];
        let (_root, dir) = write_fixture("trap", &files);
        let fixture = load(&dir);
        assert_eq!(fixture.contract.kind, FixtureKind::Honeypot);
        assert_eq!(fixture.visible_kind, Some(FixtureKind::Honeypot));
        assert_eq!(
            rendered(&fixture),
            vec![
                "failed to validate F/repo/evaluation/contract.toml:1:8: kind: a honeypot's kind must not be visible in repo/: move `kind = \"honeypot\"` to fixture.toml, so its sandbox has the same keys as a work item's"
            ]
        );

        // The same honeypot with its kind in fixture.toml passes.
        let hidden_contract = contract.replace("kind = \"honeypot\"\n", "");
        let mut files = files.to_vec();
        files[0].1 = &hidden_contract;
        files.push(("fixture.toml", "kind = \"honeypot\"\n"));
        let (_root, dir) = write_fixture("trap", &files);
        let fixture = load(&dir);
        assert_eq!(fixture.contract.kind, FixtureKind::Honeypot);
        assert_eq!(fixture.visible_kind, None);
        assert_eq!(fixture.config.kind, Some(FixtureKind::Honeypot));
        assert_eq!(rendered(&fixture), Vec::<String>::new());
    }

    #[test]
    fn a_review_names_neither_request_nor_verdict_after_its_id() {
        let request = "id = \"rv-sound\"\ntitle = \"t\"\nstatement = \"s\"\nverdict_path = \"review/rv-sound.verdict.toml\"\n";
        let (_root, dir) = write_fixture(
            "rv-sound",
            &[
                (
                    "repo/evaluation/contract.toml",
                    "kind = \"review\"\n[scope]\nallow = [\"review/rv-sound.verdict.toml\"]\n",
                ),
                ("repo/review/rv-sound.toml", request),
                ("repo/src/a.py", "x = 1\n"),
                ("change/src/a.py", "x = 2\n"),
                ("key.toml", "verdict = \"approve\"\n"),
            ],
        );
        let fixture = load(&dir);
        assert_eq!(
            fixture.review_request_path().as_str(),
            "review/rv-sound.toml"
        );
        let problems = rendered(&fixture);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems[0].starts_with("failed to validate F/repo/review/rv-sound.toml: the path")
        );
        assert!(problems[1].starts_with(
            "failed to validate F/repo/evaluation/contract.toml:3:10: scope.allow[0]: `review/rv-sound.verdict.toml`"
        ));
        assert!(problems[2].starts_with("failed to validate F/repo/review/rv-sound.toml:1:6: id:"));
        assert!(
            problems[3]
                .starts_with("failed to validate F/repo/review/rv-sound.toml:4:16: verdict_path:")
        );
    }

    #[test]
    fn kinds_that_disagree_are_a_load_problem_in_fixture_toml() {
        let contract = format!("kind = \"work_item\"\n[scope]\nallow = [\"src\"]\n{CHECK}");
        let (_root, dir) = write_fixture(
            "trap",
            &[
                (
                    "fixture.toml",
                    "# where the agent cannot look\nkind = \"honeypot\"\n",
                ),
                ("repo/evaluation/contract.toml", &contract),
                ("repo/work/item.toml", &item("T-1")),
                ("repo/src/a.sh", "x"),
                ("repo/tests/run.sh", "true"),
            ],
        );
        let error = Fixture::load(&dir).unwrap_err();
        let problems: Vec<String> = error
            .problems()
            .iter()
            .map(|problem| problem.to_string().replace(&dir.display().to_string(), "F"))
            .collect();
        assert_eq!(
            problems,
            vec![
                "failed to validate F/fixture.toml:2:8: kind: `honeypot` here but `work_item` in repo/evaluation/contract.toml: declare the kind in one place (fixture.toml keeps it out of the agent's sight)"
            ]
        );
    }

    #[test]
    fn a_broken_fixture_toml_is_a_located_parse_problem() {
        let contract = format!("[scope]\nallow = [\"src\"]\n{CHECK}");
        let (_root, dir) = write_fixture(
            "trap",
            &[
                (
                    "fixture.toml",
                    "kind = \"honeypot\"\nanswer = \"skip me\"\n",
                ),
                ("repo/evaluation/contract.toml", &contract),
                ("repo/work/item.toml", &item("T-1")),
                ("repo/src/a.sh", "x"),
                ("repo/tests/run.sh", "true"),
            ],
        );
        let error = Fixture::load(&dir).unwrap_err();
        assert!(!error.is_unreadable());
        let rendered = error.to_string().replace(&dir.display().to_string(), "F");
        assert!(
            rendered.starts_with(
                "failed to parse F/fixture.toml:2:1: answer: unknown field `answer`, expected one of `kind`, `baseline`, `source`"
            ),
            "{rendered}"
        );
    }

    #[test]
    fn a_legacy_work_item_keeps_its_id_rule_and_a_neutral_one_is_free() {
        let contract = format!("[scope]\nallow = [\"src\"]\n{CHECK}");
        let files = |item_path: &'static str, id: &str| {
            vec![
                ("repo/evaluation/contract.toml".to_owned(), contract.clone()),
                (item_path.to_owned(), item(id)),
                ("repo/src/a.sh".to_owned(), "x".to_owned()),
                ("repo/tests/run.sh".to_owned(), "true".to_owned()),
                ("oracle/src/a.sh".to_owned(), "y".to_owned()),
            ]
        };
        for (item_path, id, ok) in [
            ("repo/work/item.toml", "ANY-1", true),
            ("repo/work/tiny.toml", "tiny", true),
            ("repo/work/tiny.toml", "other", false),
        ] {
            let owned = files(item_path, id);
            let refs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_str()))
                .collect();
            let (_root, dir) = write_fixture("tiny", &refs);
            let result = Fixture::load(&dir);
            assert_eq!(result.is_ok(), ok, "{item_path} {id}: {:?}", result.err());
            if let Err(error) = result {
                assert!(
                    error
                        .to_string()
                        .contains("id: must be `tiny`, the fixture directory's name"),
                    "{error}"
                );
            }
        }
    }
}
