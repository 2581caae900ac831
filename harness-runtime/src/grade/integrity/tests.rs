use super::digest::parse_config;

#[test]
fn config_parser_reads_sections_subsections_and_includes() {
    let text = "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = x\n[include]\n\tpath = /tmp/evil\n[user] name = me\n";
    let entries = parse_config(text).unwrap();
    assert!(entries.contains(&("core.bare".into(), "false".into())));
    assert!(entries.contains(&("remote.origin.url".into(), "x".into())));
    assert!(entries.contains(&("include.path".into(), "/tmp/evil".into())));
    assert!(entries.contains(&("user.name".into(), "me".into())));
}

#[test]
fn config_garbage_is_unreadable() {
    assert_eq!(parse_config("key = value without section\n"), None);
    assert_eq!(parse_config("[core\n"), None);
}
