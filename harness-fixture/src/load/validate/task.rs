//! The task the agent is handed: the work item (work item and honeypot kinds), or the
//! review request and its answer key (review kind).

use std::fs;

use crate::path::RepoPath;
use crate::review::{ReviewKey, ReviewRequest};
use crate::toml_source;
use crate::work_item::{WorkItem, WorkItemState, WorkItemStatus};

use super::super::located;
use super::Validator;

impl Validator<'_> {
    pub(super) fn work_item(&mut self) {
        let id = self.fixture.id.clone();
        let path = self.fixture.work_item_path().clone();
        let file = self.fixture.dir.join("repo").join(path.as_str());
        let Some(entry) = self.fixture.repo.get(&path) else {
            self.fixture_problem(&format!("repo/{path}"), "the work item is missing");
            return;
        };
        let text = String::from_utf8_lossy(&entry.content).into_owned();
        match WorkItem::inspect(&file, &text) {
            WorkItemState::Valid(item) => {
                // Under its legacy name the work item's id is the fixture's; under the
                // neutral name it is the author's own reference (check-fixture refuses one
                // that contains the fixture id).
                if self.fixture.layout.legacy_work_item() && item.id != id {
                    self.problems.push(located(
                        &file,
                        &text,
                        "id",
                        format!("must be `{id}`, the fixture directory's name"),
                    ));
                }
                if item.status != WorkItemStatus::Open {
                    self.problems.push(located(
                        &file,
                        &text,
                        "status",
                        "a fixture's work item must start `status = \"open\"`",
                    ));
                }
                self.fixture.work_item = Some(item);
            }
            WorkItemState::Redefines(keys) => {
                for key in keys {
                    self.problems.push(located(
                        &file,
                        &text,
                        &key,
                        "a work item must not carry contract keys; they belong in the contract",
                    ));
                }
            }
            // Every problem of the file, not only the first that grading needs.
            WorkItemState::Invalid(problem) => self.problems.extend(
                toml_source::parse_all::<WorkItem>(&file, &text)
                    .err()
                    .unwrap_or_else(|| vec![problem]),
            ),
        }
    }

    pub(super) fn review(&mut self) {
        let id = self.fixture.id.clone();
        let request_path = self.fixture.layout.review_request.clone();
        let legacy = self.fixture.layout.legacy_review_request();
        let file = self.fixture.dir.join("repo").join(request_path.as_str());
        match self.fixture.repo.get(&request_path) {
            None => self.fixture_problem(
                &format!("repo/{request_path}"),
                "the review request is missing",
            ),
            Some(entry) => {
                let text = String::from_utf8_lossy(&entry.content).into_owned();
                match toml_source::parse_all::<ReviewRequest>(&file, &text) {
                    Ok(request) => {
                        if legacy && request.id != id {
                            self.problems.push(located(
                                &file,
                                &text,
                                "id",
                                format!("must be `{id}`, the fixture directory's name"),
                            ));
                        }
                        match RepoPath::parse(&request.verdict_path) {
                            Ok(verdict) if self.fixture.scope.allows(&verdict) => {}
                            Ok(_) => self.problems.push(located(
                                &file,
                                &text,
                                "verdict_path",
                                "the verdict path must be in scope.allow",
                            )),
                            Err(error) => self.problems.push(located(
                                &file,
                                &text,
                                "verdict_path",
                                error.to_string(),
                            )),
                        }
                        self.fixture.review_request = Some(request);
                    }
                    Err(found) => self.problems.extend(found),
                }
            }
        }
        let key_file = self.fixture.dir.join("key.toml");
        match fs::read_to_string(&key_file) {
            Ok(text) => match toml_source::parse_all::<ReviewKey>(&key_file, &text) {
                Ok(key) => {
                    for (index, defect) in key.defects.iter().enumerate() {
                        let exists = RepoPath::parse(&defect.path)
                            .is_ok_and(|path| self.fixture.change.contains_key(&path));
                        if !exists {
                            self.problems.push(located(
                                &key_file,
                                &text,
                                &format!("defects[{index}].path"),
                                "a planted defect must be in a file of change/",
                            ));
                        }
                        if defect.lines[0] == 0 || defect.lines[0] > defect.lines[1] {
                            self.problems.push(located(
                                &key_file,
                                &text,
                                &format!("defects[{index}].lines"),
                                "must be [first, last] with 1 <= first <= last",
                            ));
                        }
                    }
                    if (key.verdict == crate::review::Verdict::RequestChanges)
                        == key.defects.is_empty()
                    {
                        self.problems.push(located(
                            &key_file,
                            &text,
                            "verdict",
                            "request_changes needs planted defects, and approve needs none",
                        ));
                    }
                    self.fixture.review_key = Some(key);
                }
                Err(found) => self.problems.extend(found),
            },
            Err(_) => {
                self.fixture_problem("key.toml", "a review fixture needs an answer key, key.toml")
            }
        }
        if self.fixture.change.is_empty() {
            self.fixture_problem(
                "change",
                "a review fixture needs the change under review in change/",
            );
        }
    }
}
