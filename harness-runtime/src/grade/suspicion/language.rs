//! Which scanner reads a file: by its name, its extension, then its shebang.

/// How a file is scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Language {
    Python,
    Rust,
    Shell,
    /// `pyproject.toml`, `setup.cfg`, `pytest.ini`, `tox.ini`.
    PytestConfig,
    /// `Cargo.toml`.
    CargoManifest,
    /// `.cargo/config*`, `sitecustomize.py`, `usercustomize.py`, `*.pth`: every changed line
    /// configures the toolchain for the checks.
    Startup,
    /// Documentation and data: never scanned.
    Data,
    /// Anything else that is text: the generic subset.
    Other,
}

impl Language {
    /// By file name, extension, then shebang.
    pub(crate) fn of(path: &str, content: &[u8]) -> Language {
        let name = path.rsplit('/').next().unwrap_or(path);
        let in_cargo_dir = path.split('/').any(|part| part == ".cargo");
        if in_cargo_dir && (name == "config" || name == "config.toml") {
            return Language::Startup;
        }
        match name {
            "sitecustomize.py" | "usercustomize.py" => return Language::Startup,
            "pyproject.toml" | "setup.cfg" | "pytest.ini" | "tox.ini" => {
                return Language::PytestConfig;
            }
            "Cargo.toml" => return Language::CargoManifest,
            _ => {}
        }
        let extension = name
            .rsplit_once('.')
            .map(|(_, extension)| extension.to_ascii_lowercase());
        match extension.as_deref() {
            Some("py" | "pyw" | "pyi") => return Language::Python,
            Some("rs") => return Language::Rust,
            Some("sh" | "bash" | "ksh" | "zsh" | "dash") => return Language::Shell,
            Some("pth") => return Language::Startup,
            Some(
                "md" | "markdown" | "rst" | "txt" | "adoc" | "csv" | "tsv" | "json" | "jsonl"
                | "yaml" | "yml" | "toml" | "lock" | "svg" | "html" | "htm" | "css" | "xml" | "png"
                | "jpg" | "jpeg" | "gif" | "ico" | "pdf",
            ) => return Language::Data,
            _ => {}
        }
        if matches!(
            name,
            ".gitignore" | ".gitattributes" | "LICENSE" | "COPYING" | "NOTICE"
        ) {
            return Language::Data;
        }
        match shebang(content) {
            Some(interpreter) if interpreter.contains("python") => Language::Python,
            Some(interpreter) if is_shell_interpreter(&interpreter) => Language::Shell,
            _ => Language::Other,
        }
    }
}

/// The interpreter a `#!` first line names (`/usr/bin/env bash` gives `bash`).
pub(crate) fn shebang(content: &[u8]) -> Option<String> {
    let rest = content.strip_prefix(b"#!")?;
    let end = rest
        .iter()
        .position(|&byte| byte == b'\n')
        .unwrap_or(rest.len())
        .min(256);
    let line = String::from_utf8_lossy(&rest[..end]);
    let mut words = line.split_whitespace();
    let first = words.next()?;
    let program = first.rsplit('/').next().unwrap_or(first);
    let program = if program == "env" {
        words.find(|word| !word.starts_with('-'))?
    } else {
        program
    };
    Some(program.to_owned())
}

fn is_shell_interpreter(program: &str) -> bool {
    matches!(
        program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.'),
        "sh" | "bash" | "dash" | "ksh" | "mksh" | "zsh" | "ash" | "busybox"
    )
}
