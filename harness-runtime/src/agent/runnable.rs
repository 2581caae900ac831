//! Whether an agent command can run at all, decided by the harness before its episode
//! starts: the first word of the command (run as `sh -c CMD` in the worktree) must name a
//! program. After that the agent's exit status is its own (recorded, and the case graded):
//! a status such as 127 ("command not found") is something an agent can choose, so it
//! never makes a case `errored` (DESIGN.md "Errored").
//!
//! The first word is found the way `sh` would read it, kept small: leading blanks and
//! comments are skipped, so are leading `NAME=value` assignments; quotes and backslashes
//! are removed. What only the shell can decide counts as runnable: a keyword or builtin
//! (`exec`, `cd`, `if`, `{`, `.`, ...), a subshell or redirection first, or a word with an
//! expansion (`$`, a backquote, a glob, `~`). Otherwise a word with a `/` is a path (an
//! absolute one must be an executable file; a relative one is looked up in the files the
//! worktree starts with, since the command runs there), and any other word is looked up
//! on the agent's `PATH`.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use harness_fixture::FileKind;

/// Why an agent command cannot run (the case is `errored`, nothing of an episode is made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotRunnable {
    /// Nothing but blanks and comments.
    #[error("the agent command is empty")]
    Empty,
    /// A program name found in no directory of the agent's `PATH`.
    #[error("agent command not found: `{word}` is not on the agent's PATH ({path})")]
    NotOnPath {
        /// The first word.
        word: String,
        /// The agent's `PATH`.
        path: String,
    },
    /// An absolute path that does not exist.
    #[error("agent command not found: {word} does not exist")]
    Missing {
        /// The first word.
        word: String,
    },
    /// A path that exists but is a directory or has no execute permission.
    #[error("agent command cannot be executed: {word} is not an executable file")]
    NotExecutable {
        /// The first word.
        word: String,
    },
    /// A relative path that is not in the worktree the command starts in.
    #[error(
        "agent command not found: {word} is not in the worktree the agent starts in (the \
         command runs there; name the program by its absolute path)"
    )]
    NotInWorktree {
        /// The first word.
        word: String,
    },
}

/// Shell keywords and builtins (POSIX, plus `source` and `local`, which `dash` or `bash`
/// have): a first word among them is run by the shell itself.
const SHELL_WORDS: &[&str] = &[
    "!", "{", "}", ".", ":", "[", "alias", "break", "case", "cd", "command", "continue", "echo",
    "eval", "exec", "exit", "export", "false", "for", "getopts", "hash", "if", "kill", "local",
    "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test", "times",
    "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "until", "wait", "while",
];

/// The first word of a shell command, as far as the harness decides it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FirstWord {
    /// Blanks and comments only.
    Nothing,
    /// The shell decides: a keyword, builtin, subshell, redirection, expansion, or only
    /// assignments.
    Shell,
    /// A program name or path, unquoted.
    Program(String),
}

fn is_meta(c: char) -> bool {
    matches!(c, ';' | '&' | '|' | '<' | '>' | '(' | ')')
}

fn is_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn first_word(command: &str) -> FirstWord {
    let mut chars = command.chars().peekable();
    let mut assigned = false;
    loop {
        while chars.next_if(|c| matches!(c, ' ' | '\t' | '\n')).is_some() {}
        match chars.peek() {
            None if assigned => return FirstWord::Shell,
            None => return FirstWord::Nothing,
            Some('#') => {
                while chars.next_if(|c| *c != '\n').is_some() {}
                continue;
            }
            Some(c) if is_meta(*c) => return FirstWord::Shell,
            Some(_) => {}
        }
        let mut word = String::new();
        let mut quoted = false;
        let mut expands = false;
        let mut assignment = false;
        while let Some(&c) = chars.peek() {
            if matches!(c, ' ' | '\t' | '\n') || is_meta(c) {
                break;
            }
            chars.next();
            match c {
                '\'' => {
                    quoted = true;
                    for c in chars.by_ref() {
                        if c == '\'' {
                            break;
                        }
                        word.push(c);
                    }
                }
                '"' => {
                    quoted = true;
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('\n') | None => {}
                                Some(next @ ('$' | '`' | '"' | '\\')) => word.push(next),
                                Some(next) => {
                                    word.push('\\');
                                    word.push(next);
                                }
                            },
                            '$' | '`' => {
                                expands = true;
                                word.push(c);
                            }
                            _ => word.push(c),
                        }
                    }
                }
                '\\' => {
                    quoted = true;
                    if let Some(next) = chars.next().filter(|next| *next != '\n') {
                        word.push(next);
                    }
                }
                '=' if !quoted && !expands && !assignment && is_name(&word) => {
                    assignment = true;
                    word.push(c);
                }
                '$' | '`' | '*' | '?' | '[' | '~' => {
                    expands = true;
                    word.push(c);
                }
                _ => word.push(c),
            }
        }
        if assignment {
            assigned = true;
            continue;
        }
        let redirects = matches!(chars.peek(), Some('<' | '>'))
            && !word.is_empty()
            && word.chars().all(|c| c.is_ascii_digit());
        if expands || redirects || SHELL_WORDS.contains(&word.as_str()) {
            return FirstWord::Shell;
        }
        // An empty word (`''`) is a program too: sh reports it as not found.
        return FirstWord::Program(word);
    }
}

/// Decides whether `command` can run as an agent: `path` is the agent's `PATH`, and
/// `starting_file` gives the kind of a file the worktree starts with (repo-relative path),
/// for a first word that is a relative path.
pub fn check(
    command: &str,
    path: &str,
    starting_file: impl Fn(&str) -> Option<FileKind>,
) -> Result<(), NotRunnable> {
    let word = match first_word(command) {
        FirstWord::Nothing => return Err(NotRunnable::Empty),
        FirstWord::Shell => return Ok(()),
        FirstWord::Program(word) => word,
    };
    if word.starts_with('/') {
        return match std::fs::metadata(&word) {
            Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => Ok(()),
            Ok(_) => Err(NotRunnable::NotExecutable { word }),
            Err(_) => Err(NotRunnable::Missing { word }),
        };
    }
    if word.contains('/') {
        let mut relative = word.as_str();
        while let Some(rest) = relative.strip_prefix("./") {
            relative = rest.trim_start_matches('/');
        }
        return match starting_file(relative) {
            Some(FileKind::Executable | FileKind::Symlink) => Ok(()),
            Some(FileKind::Regular) => Err(NotRunnable::NotExecutable { word }),
            None => Err(NotRunnable::NotInWorktree { word }),
        };
    }
    let found = !word.is_empty()
        && path
            .split(':')
            .filter(|dir| Path::new(dir).is_absolute())
            .any(|dir| {
                std::fs::metadata(Path::new(dir).join(&word))
                    .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
            });
    if found {
        Ok(())
    } else {
        Err(NotRunnable::NotOnPath {
            word,
            path: path.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(command: &str) -> FirstWord {
        first_word(command)
    }

    fn program(name: &str) -> FirstWord {
        FirstWord::Program(name.to_owned())
    }

    #[test]
    fn the_first_word_is_read_as_sh_reads_it() {
        assert_eq!(word("python3 /opt/agent.py --fast"), program("python3"));
        assert_eq!(word("  \n\tclaude -p 'fix it'"), program("claude"));
        assert_eq!(word("# my agent\nagent-bin run"), program("agent-bin"));
        assert_eq!(word("'/opt/my agent/run' x"), program("/opt/my agent/run"));
        assert_eq!(word("\"/opt/my agent/run\""), program("/opt/my agent/run"));
        assert_eq!(word("/opt/my\\ agent/run"), program("/opt/my agent/run"));
        assert_eq!(word("py\"thon\"3 x"), program("python3"));
        assert_eq!(word("agent;echo done"), program("agent"));
        assert_eq!(word("agent&&echo done"), program("agent"));
        assert_eq!(word("agent|tee log"), program("agent"));
        assert_eq!(word("''"), program(""));
    }

    #[test]
    fn leading_assignments_are_skipped() {
        assert_eq!(word("FOO=1 BAR=\"a b\" python3 x"), program("python3"));
        assert_eq!(word("PATH=$PATH:/opt agent"), program("agent"));
        assert_eq!(word("A='x y'\tagent"), program("agent"));
        assert_eq!(word("A=1"), FirstWord::Shell, "assignments alone run");
        assert_eq!(word("A=1; export A; agent"), FirstWord::Shell);
        assert_eq!(
            word("'A=1' agent"),
            program("A=1"),
            "a quoted word is no assignment"
        );
        assert_eq!(word("1A=x agent"), program("1A=x"), "not a name");
    }

    #[test]
    fn keywords_builtins_and_expansions_are_the_shells_to_decide() {
        for command in [
            "exec python3 agent.py",
            "cd /opt && ./run",
            "(cd /opt && ./run)",
            "{ agent; }",
            "if true; then agent; fi",
            ". /opt/env.sh; agent",
            "source /opt/env.sh",
            ": noop",
            "set -e\nagent",
            "while read x; do :; done",
            "! agent",
            "$AGENT run",
            "\"$HOME/bin/agent\"",
            "`which agent`",
            "~/bin/agent",
            "/opt/agent-*/run",
            "2>/dev/null agent",
            ">log agent",
        ] {
            assert_eq!(word(command), FirstWord::Shell, "{command}");
        }
    }

    #[test]
    fn nothing_but_blanks_and_comments_is_empty() {
        assert_eq!(word(""), FirstWord::Nothing);
        assert_eq!(word(" \n\t "), FirstWord::Nothing);
        assert_eq!(word("# nothing\n  # more"), FirstWord::Nothing);
        assert_eq!(check("  ", "/usr/bin", |_| None), Err(NotRunnable::Empty));
    }

    #[test]
    fn program_names_are_looked_up_on_the_agents_path() {
        let bin = tempfile::tempdir().unwrap();
        let exe = bin.path().join("my-agent");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = bin.path().join("not-executable");
        std::fs::write(&plain, "").unwrap();
        std::fs::create_dir(bin.path().join("a-dir")).unwrap();
        let path = format!("relative/bin:/no/such/dir:{}", bin.path().display());
        let none = |_: &str| None;
        assert_eq!(check("my-agent --flag", &path, none), Ok(()));
        assert_eq!(check("sh -c 'exit 127'", "/bin:/usr/bin", none), Ok(()));
        for missing in ["not-executable", "a-dir", "no-such-agent-binary", "''"] {
            assert!(
                matches!(
                    check(missing, &path, none),
                    Err(NotRunnable::NotOnPath { .. })
                ),
                "{missing}"
            );
        }
        let error = check("no-such-agent-binary x", &path, none).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "agent command not found: `no-such-agent-binary` is not on the agent's PATH ({path})"
            )
        );
        assert_eq!(
            check("my-agent", "relative/bin", none),
            Err(NotRunnable::NotOnPath {
                word: "my-agent".into(),
                path: "relative/bin".into()
            }),
            "relative PATH entries are never searched"
        );
    }

    #[test]
    fn absolute_paths_must_be_executable_files() {
        let bin = tempfile::tempdir().unwrap();
        let exe = bin.path().join("run agent");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o700)).unwrap();
        let quoted = format!("'{}' --go", exe.display());
        assert_eq!(check(&quoted, "", |_| None), Ok(()));
        let dir = bin.path().display().to_string();
        assert_eq!(
            check(&dir, "", |_| None),
            Err(NotRunnable::NotExecutable { word: dir.clone() })
        );
        let missing = format!("{dir}/nope");
        assert_eq!(
            check(&missing, "", |_| None),
            Err(NotRunnable::Missing {
                word: missing.clone()
            })
        );
    }

    #[test]
    fn relative_paths_are_looked_up_in_the_starting_worktree() {
        let files = |path: &str| match path {
            "scripts/agent.sh" => Some(FileKind::Executable),
            "notes.txt" => Some(FileKind::Regular),
            _ => None,
        };
        assert_eq!(check("./scripts/agent.sh", "", files), Ok(()));
        assert_eq!(check("scripts/agent.sh x", "", files), Ok(()));
        assert_eq!(
            check("./notes.txt", "", files),
            Err(NotRunnable::NotExecutable {
                word: "./notes.txt".into()
            })
        );
        let error = check("./my_agent.sh", "", files).unwrap_err();
        assert_eq!(
            error,
            NotRunnable::NotInWorktree {
                word: "./my_agent.sh".into()
            }
        );
        assert!(error.to_string().contains("absolute path"), "{error}");
    }
}
