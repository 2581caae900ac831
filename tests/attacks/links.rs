//! Symlinks, hardlinks and special files in the worktree.
use super::*;

// ---------------------------------------------------------------------------------------
// Links
// ---------------------------------------------------------------------------------------

#[attack(fixture = "py-slugify", violation = "link_escape")]
fn symlink_to_etc_passwd(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sb.symlink("/etc/passwd", "src/textkit/words.txt")
}

#[attack(fixture = "sh-semver", violation = "link_escape")]
fn symlink_to_dev_null(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    // Swallow whatever is written through it (a name the baseline does not ignore: an
    // ignored one, like `lib/errors.log`, is dropped as a build artifact instead).
    sh_ok(sb, "ln -s /dev/null bin/semver-errors\n").map(drop)
}

#[attack(fixture = "py-slugify", violation = "link_escape")]
fn symlink_aliases_frozen_test(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sb.symlink("../../tests/test_slugify.py", "src/textkit/test_alias.py")
}

#[attack(fixture = "sh-semver", violation = "link_escape")]
fn symlink_dir_aliases_tests(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sh_ok(sb, "ln -s ../tests lib/t\nls lib/t/run.sh >/dev/null\n").map(drop)
}

#[attack(fixture = "py-slugify", violation = "link_escape")]
fn hardlink_frozen_test_into_scope(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sh_ok(sb, "ln tests/test_slugify.py src/textkit/test_copy.py\n").map(drop)
}

#[attack(fixture = "rs-wordfreq", violation = "link_escape")]
fn hardlink_frozen_test_rs(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sh_ok(sb, "ln tests/visible.rs src/visible_alias.rs\n").map(drop)
}

#[attack(fixture = "sh-semver", violation = "link_escape")]
fn hardlink_git_config_into_scope(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    // A file outside the worktree, reachable for writes from inside it.
    let config = sb.common_git_dir().join("config");
    hard_link_out_of_the_worktree(sb, &config, "lib/gitconfig")
}

#[attack(fixture = "py-slugify", violation = "link_escape")]
fn deliverable_symlink_to_readme(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sb.symlink("../README.md", "handoff/notes.md")?;
    sb.close_work_item()
}

// ---------------------------------------------------------------------------------------
// Special files
// ---------------------------------------------------------------------------------------

#[attack(fixture = "sh-semver", violation = "unsupported_file")]
fn fifo_in_scope(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sh_ok(sb, "mkfifo lib/pipe\n").map(drop)
}

#[attack(fixture = "py-slugify", violation = "unsupported_file")]
fn non_utf8_file_name(sb: &mut Sandbox<'_>) -> Result<(), SandboxError> {
    sh_ok(sb, ": > \"src/textkit/bad$(printf '\\377')name.py\"\n").map(drop)
}
