//! The toolchain's versions (`rustc -V`, `python3 -V`), part of every environment key and
//! check-result cache key. Asking costs a process each, and through pyenv's shims tens of
//! milliseconds, which a cached case would otherwise pay: the answers are kept in the cache
//! under a fingerprint of everything that picks the toolchain (the `PATH`, the variables
//! passed through, the first `rustc` and `python3` on the `PATH`, rustup's settings and
//! installed toolchains, pyenv's global version and installed versions), and asked again
//! whenever one of those changes.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use crate::settings::Toolchain;

const PROGRAMS: [&str; 2] = ["rustc", "python3"];

/// `rustc -V` and `python3 -V` as the toolchain's `PATH` finds them (`absent` when one is
/// not there), one line each.
pub fn toolchain_versions(toolchain: &Toolchain, cache_dir: &Path) -> String {
    // Known to this process, by the file that keeps them (so two caches stay apart).
    static KNOWN: OnceLock<Mutex<HashMap<PathBuf, String>>> = OnceLock::new();
    let stored = cache_dir
        .join("toolchain")
        .join(format!("{}.txt", fingerprint(toolchain)));
    let known = KNOWN.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(versions) = known
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .get(&stored)
    {
        return versions.clone();
    }
    let versions = match fs::read_to_string(&stored) {
        Ok(text) if text.lines().count() == PROGRAMS.len() => text,
        _ => {
            let asked = ask(toolchain);
            // A cache that cannot be written only costs the next process the question.
            let _ = crate::atomic::write_atomically(&stored, asked.as_bytes());
            asked
        }
    };
    known
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(stored, versions.clone());
    versions
}

fn ask(toolchain: &Toolchain) -> String {
    PROGRAMS
        .iter()
        .map(|program| {
            let mut command = Command::new(program);
            command
                .arg("-V")
                .env("PATH", &toolchain.path)
                .current_dir("/");
            if let Some(home) = &toolchain.rustup_home {
                command.env("RUSTUP_HOME", home);
            }
            let version = command
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|output| {
                    String::from_utf8_lossy(&output.stdout).trim().to_owned()
                        + String::from_utf8_lossy(&output.stderr).trim()
                })
                .unwrap_or_else(|| "absent".to_owned());
            format!("{program} {version}\n")
        })
        .collect()
}

/// What picks the toolchain, as a hash.
fn fingerprint(toolchain: &Toolchain) -> String {
    let mut text = format!("path {}\n", toolchain.path);
    for (name, value) in &toolchain.passthrough {
        text.push_str(&format!("env {name}={value}\n"));
    }
    for name in ["PYENV_VERSION", "RUSTUP_TOOLCHAIN"] {
        text.push_str(&format!("env {name}={:?}\n", std::env::var_os(name)));
    }
    let mut files: Vec<PathBuf> = PROGRAMS
        .iter()
        .filter_map(|program| first_on_path(&toolchain.path, program))
        .collect();
    if let Some(rustup) = &toolchain.rustup_home {
        files.extend([rustup.join("settings.toml"), rustup.join("toolchains")]);
    }
    if let Some(pyenv) = &toolchain.pyenv_root {
        files.extend([pyenv.join("version"), pyenv.join("versions")]);
    }
    files.push(PathBuf::from("/.python-version"));
    for file in files {
        let stamp = |meta: fs::Metadata| format!("{} {:?}", meta.len(), meta.modified().ok());
        text.push_str(&format!(
            "file {} {:?} {:?}\n",
            file.display(),
            fs::symlink_metadata(&file).ok().map(stamp),
            fs::metadata(&file).ok().map(stamp)
        ));
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

fn first_on_path(path: &str, program: &str) -> Option<PathBuf> {
    path.split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_asked_once_and_follow_the_path() {
        let cache = tempfile::tempdir().unwrap();
        let toolchain = Toolchain::from_env();
        let first = toolchain_versions(&toolchain, cache.path());
        assert_eq!(first.lines().count(), 2, "{first}");
        assert!(first.starts_with("rustc "), "{first}");
        let stored: Vec<_> = fs::read_dir(cache.path().join("toolchain"))
            .unwrap()
            .collect();
        assert_eq!(stored.len(), 1);
        // Another `python3` first on the PATH is another fingerprint, asked anew.
        let shim = tempfile::tempdir().unwrap();
        let script = shim.path().join("python3");
        fs::write(&script, "#!/bin/sh\necho 'Python 3.99.1'\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let mut other = toolchain.clone();
        other.path = format!("{}:{}", shim.path().display(), toolchain.path);
        let second = toolchain_versions(&other, cache.path());
        assert!(second.contains("python3 Python 3.99.1"), "{second}");
        assert_eq!(
            fs::read_dir(cache.path().join("toolchain"))
                .unwrap()
                .count(),
            2
        );
    }
}
