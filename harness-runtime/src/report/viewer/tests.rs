use super::*;

#[test]
fn pages_cover_the_text_in_order_and_never_split_a_char() {
    let text = "ab\ncdé\nfgh\n".repeat(5);
    for size in 1..12 {
        let pages = pages(&text, size);
        assert_eq!(pages.concat(), text, "size {size}");
        assert!(pages.iter().all(|page| !page.is_empty()));
        assert!(
            pages.iter().all(|page| page.len() <= size.max(2)),
            "size {size}: {pages:?}"
        );
    }
    assert_eq!(pages("", 4), Vec::<&str>::new());
}

#[test]
fn a_long_log_keeps_its_end_inline_and_is_paged_whole() {
    let out = tempfile::tempdir().unwrap();
    let line = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
    let text = line.repeat(3 * LOG_PAGE_BYTES / line.len()) + "the last line\n";
    let entry = log_entry(out.path(), "0/case/agent", &text, Keep::End).unwrap();
    assert_eq!(entry["truncated"], true);
    assert_eq!(entry["bytes"], text.len());
    let inline = entry["text"].as_str().unwrap();
    assert!(inline.len() <= INLINE_LOG_BYTES);
    assert!(inline.ends_with("the last line\n"));
    let count = entry["pages"].as_u64().unwrap() as usize;
    assert_eq!(count, 4);
    let mut whole = String::new();
    for k in 0..count {
        let script = fs::read_to_string(
            out.path()
                .join(format!("viewer/data/logs/0/case/agent.{k}.js")),
        )
        .unwrap();
        let json = script
            .split_once(&format!("(\"log/0/case/agent/{k}\","))
            .unwrap()
            .1
            .trim_end()
            .strip_suffix(");")
            .unwrap();
        whole.push_str(&serde_json::from_str::<String>(json).unwrap());
    }
    assert_eq!(whole, text);

    let short = log_entry(out.path(), "0/case/diff", "+x\n", Keep::Start).unwrap();
    assert_eq!(
        short,
        json!({"text": "+x\n", "bytes": 3, "truncated": false})
    );
}

#[test]
fn trajectory_lines_that_are_not_json_are_kept_as_text_and_counted() {
    let out = tempfile::tempdir().unwrap();
    let value = trajectory(
        out.path(),
        "0/c/trajectory",
        "{\"step\": 1, \"usd\": 0.5}\nnot json\n\n{\"step\": 2}\n",
    )
    .unwrap();
    assert_eq!(value["total"], 3);
    assert_eq!(value["unparsed"], 1);
    assert_eq!(value["events"][1], json!({"text": "not json"}));
    assert_eq!(value["events"][2]["step"], 2);
}

#[test]
fn case_files_are_never_hidden_or_parent_names() {
    assert_eq!(file_stem("attack::x"), "attack__x");
    assert_eq!(file_stem(".."), "_.");
    assert_eq!(file_stem("../etc"), "_._etc");
    assert_eq!(file_stem("a/b"), "a_b");
}

#[test]
fn data_files_queue_themselves_until_the_viewer_script_runs() {
    let out = tempfile::tempdir().unwrap();
    write_data(
        out.path(),
        "viewer/data/x.js",
        "x",
        &json!({"a": "</script>"}),
    )
    .unwrap();
    let script = fs::read_to_string(out.path().join("viewer/data/x.js")).unwrap();
    assert_eq!(
        script,
        "window.HV=window.HV||{};(HV.load||function(k,v){(HV.early=HV.early||[]).push([k,v]);})(\"x\",{\"a\":\"</script>\"});\n"
    );
}

#[test]
fn the_root_page_sends_the_browser_to_the_runs_viewer() {
    let page = redirect(Path::new("/out"), Path::new("/out/runs/1-2/report.html"));
    assert!(page.contains("url=runs/1-2/report.html"), "{page}");
    let away = redirect(Path::new("/out"), Path::new("/else/a&b/report.html"));
    assert!(away.contains("file:///else/a&amp;b/report.html"), "{away}");
}

#[test]
fn a_row_carries_the_cases_suspicions_and_the_strict_cap() {
    use crate::grade::suspicion::{Suspicion, SuspicionKind};
    let mut result = CaseResult::errored(
        "r",
        "py-slugify::agent",
        "py-slugify",
        "agent",
        harness_fixture::FixtureKind::WorkItem,
        String::new(),
    );
    result.status = CaseStatus::Failed;
    result.reward = Some(0.0);
    result.strict_capped = true;
    result.suspicions = vec![Suspicion {
        kind: SuspicionKind::AlwaysEqual,
        path: "src/<a>.py".into(),
        line: 7,
        detail: "__eq__ ignores its argument".into(),
    }];
    let row = row(&result, 0, "0/py-slugify__agent");
    assert_eq!(row["u"], json!(["always_equal"]));
    assert_eq!(row["cap"], true);
    assert_eq!(row["s"], "failed");
    assert_eq!(row["w"], 0.0);
}

#[test]
fn a_long_trajectory_keeps_its_first_and_last_steps_and_says_the_gap() {
    let out = tempfile::tempdir().unwrap();
    let text: String = (0..TRAJECTORY_EVENTS + 500)
        .map(|step| format!("{{\"step\": {step}}}\n"))
        .collect();
    let value = trajectory(out.path(), "0/c/trajectory", &text).unwrap();
    let events = value["events"].as_array().unwrap();
    assert_eq!(events.len(), TRAJECTORY_EVENTS);
    assert_eq!(events[0]["step"], 0);
    assert_eq!(
        (value["gap"].clone(), value["gap_at"].clone()),
        (json!(500), json!(TRAJECTORY_EVENTS / 2))
    );
    assert_eq!(
        events[TRAJECTORY_EVENTS / 2]["step"],
        TRAJECTORY_EVENTS / 2 + 500
    );
    assert_eq!(
        events.last().unwrap()["step"],
        TRAJECTORY_EVENTS + 499,
        "the last step is shown"
    );
    assert_eq!(value["total"], TRAJECTORY_EVENTS + 500);
    assert!(value["raw"]["bytes"].as_u64().unwrap() > 0);
}
