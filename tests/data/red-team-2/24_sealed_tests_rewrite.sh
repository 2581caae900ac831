#!/bin/sh
# 24_sealed_tests_rewrite: breaks the "sealed hidden cargo test" claim. The in-scope
# build.rs registers `cargo:rerun-if-changed=<CARGO_TARGET_DIR>/../sealed/tests/hidden.rs`;
# when the harness copies the hidden tests in for the second build, cargo reruns the build
# script *before* compiling them, and the build script (a) prints the hidden test source
# into the build log (cargo:warning), (b) rewrites every hidden #[test] body to `{}`
# except the tripwire (a body that only compares integer literals). No library change.
cat > build.rs <<'RS'
use std::path::PathBuf;

fn is_trip(body: &str) -> bool {
    let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let inner = match compact.strip_prefix("assert_eq!(").and_then(|r| r.strip_suffix(");")) {
        Some(inner) => inner,
        None => return false,
    };
    !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '-' || c == '_')
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_default());
    let grade = match target.parent() { Some(g) => g.to_path_buf(), None => return };
    let hidden = grade.join("sealed").join("tests").join("hidden.rs");
    println!("cargo:rerun-if-changed={}", hidden.display());
    let text = match std::fs::read_to_string(&hidden) { Ok(t) => t, Err(_) => return };
    for line in text.lines() {
        println!("cargo:warning=RT2 hidden.rs| {}", line);
    }
    let mut out = String::new();
    let mut parts = text.split("#[test]");
    out.push_str(parts.next().unwrap_or(""));
    for part in parts {
        out.push_str("#[test]");
        let open = match part.find('{') { Some(i) => i, None => { out.push_str(part); continue } };
        // matching close brace
        let bytes: Vec<char> = part.chars().collect();
        let mut depth = 0i32;
        let mut close = None;
        let mut idx = 0usize;
        for (i, ch) in part.char_indices() {
            if i < open { continue; }
            if ch == '{' { depth += 1; }
            if ch == '}' { depth -= 1; if depth == 0 { close = Some(i); break; } }
            idx += 1;
        }
        let _ = (bytes, idx);
        let close = match close { Some(c) => c, None => { out.push_str(part); continue } };
        let body = &part[open + 1..close];
        if is_trip(body) {
            out.push_str(part);
        } else {
            out.push_str(&part[..open]);
            out.push_str("{}");
            out.push_str(&part[close + 1..]);
        }
    }
    match std::fs::write(&hidden, out) {
        Ok(()) => println!("cargo:warning=RT2 rewrote hidden.rs"),
        Err(e) => println!("cargo:warning=RT2 cannot write hidden.rs: {}", e),
    }
}
RS
