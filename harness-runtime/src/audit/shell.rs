//! Shell strategies. A script (a file with a `#!` line) gets an `exit` right after that
//! line; a library (sourced, no `#!`) gets every public function (a name not starting with
//! `_`) redefined at its end, which wins over the earlier definition when it is sourced.
//!
//! - `type_default`: scripts `exit 0`, functions `return 0` and print nothing;
//! - `raise_everywhere`: scripts and functions `exit 1`.
//!
//! `always_equal` and `lookup_table` do not apply: a shell function returns an exit status,
//! not a value to compare, and shell tests have no common assertion syntax to read a table
//! from.

/// Whether `path` with `text` is a shell source: a `.sh` file, or a `#!` line naming a
/// shell.
pub fn is_shell(path: &str, text: &str) -> bool {
    if path.ends_with(".sh") || path.ends_with(".bash") {
        return true;
    }
    let Some(first) = text.lines().next() else {
        return false;
    };
    let Some(interpreter) = first.strip_prefix("#!") else {
        return false;
    };
    interpreter
        .split_whitespace()
        .flat_map(|word| word.rsplit('/').next())
        .any(|word| {
            matches!(
                word,
                "sh" | "bash" | "dash" | "ksh" | "zsh" | "ash" | "mksh"
            )
        })
}

/// `type_default` on one shell source; `None` when there is nothing to change.
pub fn type_default(text: &str) -> Option<String> {
    rewrite(text, "exit 0", "return 0", "type_default")
}

/// `raise_everywhere` on one shell source; `None` when there is nothing to change.
pub fn raise_everywhere(text: &str) -> Option<String> {
    rewrite(text, "exit 1", "exit 1", "raise_everywhere")
}

fn rewrite(text: &str, script: &str, function: &str, strategy: &str) -> Option<String> {
    if text.starts_with("#!") {
        let end = text.find('\n').map_or(text.len(), |index| index + 1);
        let mut out = String::with_capacity(text.len() + 64);
        out.push_str(&text[..end]);
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("# another-harness audit: {strategy}\n{script}\n"));
        out.push_str(&text[end..]);
        return Some(out);
    }
    let names = public_functions(text);
    if names.is_empty() {
        return None;
    }
    let mut out = text.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("\n# another-harness audit: {strategy}\n"));
    for name in names {
        out.push_str(&format!("{name}() {{ {function}; }}\n"));
    }
    Some(out)
}

/// The names of the functions `text` defines (`name() {`, `function name {`), public ones
/// only, in order, once each.
pub fn public_functions(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let (rest, keyword) = match line.strip_prefix("function ") {
            Some(rest) => (rest.trim_start(), true),
            None => (line, false),
        };
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let after = rest[end..].trim_start();
        let defines =
            after.starts_with("()") || (keyword && (after.starts_with('{') || after.is_empty()));
        if defines && !name.starts_with('_') && !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail loudly")]

    use super::*;

    const LIBRARY: &str = "# helpers\nsemver_valid() {\n    return 1\n}\n\n_private() {\n    echo x\n}\n\nfunction semver_max {\n    echo \"$1\"\n}\nsemver_compare () { echo 0; }\n";

    #[test]
    fn finds_public_functions() {
        assert_eq!(
            public_functions(LIBRARY),
            vec!["semver_valid", "semver_max", "semver_compare"]
        );
        assert!(public_functions("echo hi\nx=1\n").is_empty());
    }

    #[test]
    fn a_library_gets_its_functions_redefined() {
        assert_eq!(
            type_default(LIBRARY).unwrap(),
            format!(
                "{LIBRARY}\n# another-harness audit: type_default\nsemver_valid() {{ return 0; }}\nsemver_max() {{ return 0; }}\nsemver_compare() {{ return 0; }}\n"
            )
        );
        let raised = raise_everywhere(LIBRARY).unwrap();
        assert!(raised.ends_with("semver_valid() { exit 1; }\nsemver_max() { exit 1; }\nsemver_compare() { exit 1; }\n"), "{raised}");
        assert_eq!(type_default("x=1\n"), None);
    }

    #[test]
    fn a_script_exits_after_its_interpreter_line() {
        let script = "#!/bin/sh\nset -eu\necho hello\n";
        assert_eq!(
            type_default(script).unwrap(),
            "#!/bin/sh\n# another-harness audit: type_default\nexit 0\nset -eu\necho hello\n"
        );
        assert_eq!(
            raise_everywhere("#!/bin/sh").unwrap(),
            "#!/bin/sh\n# another-harness audit: raise_everywhere\nexit 1\n"
        );
    }

    #[test]
    fn the_rewrites_run() {
        let dir = tempfile::tempdir().unwrap();
        // POSIX sh: no `function` keyword.
        let library = LIBRARY.replace("function semver_max {", "semver_max() {");
        std::fs::write(dir.path().join("lib.sh"), type_default(&library).unwrap()).unwrap();
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(". ./lib.sh; semver_valid x; echo \"valid $?\"; semver_max 3; echo \"max [$(semver_max 3)]\"; _private")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout),
            "valid 0\nmax []\nx\n"
        );
        std::fs::write(
            dir.path().join("lib.sh"),
            raise_everywhere(&library).unwrap(),
        )
        .unwrap();
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(". ./lib.sh; semver_valid x; echo unreachable")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        assert_eq!(String::from_utf8_lossy(&output.stdout), "");
    }

    #[test]
    fn recognises_shell_sources() {
        assert!(is_shell("lib/semver.sh", ""));
        assert!(is_shell("bin/semver", "#!/bin/sh\n"));
        assert!(is_shell("bin/x", "#!/usr/bin/env bash\n"));
        assert!(!is_shell("bin/x", "#!/usr/bin/env python3\n"));
        assert!(!is_shell("README", "text\n"));
    }
}
