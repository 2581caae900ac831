//! `fixtures!` tracks fixture files: a crate that names its fixtures rebuilds, and fails to
//! compile with the file and field named, when a fixture breaks; it builds again once the
//! fixture is fixed; and a file added to the fixtures directory is noticed too (through the
//! crate's `cargo:rerun-if-changed=fixtures` build script).
//!
//! The probe crate is built in `target/macros-rebuild`, so runs after the first reuse the
//! compiled dependencies.
#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

struct Probe {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Probe {
    /// A crate whose library is `fixtures!("fixtures")`, with a copy of the downstream
    /// example's `greet` fixture.
    fn new() -> Probe {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("probe");
        let runtime = Path::new(ROOT).join("harness-runtime");
        write(
            &root.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"rebuild-probe\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[workspace]\n\n[dependencies]\n\
                 harness-runtime = {{ path = {:?} }}\n",
                runtime.display().to_string()
            ),
        );
        fs::copy(Path::new(ROOT).join("Cargo.lock"), root.join("Cargo.lock")).expect("lock file");
        write(
            &root.join("build.rs"),
            "fn main() {\n    println!(\"cargo:rerun-if-changed=fixtures\");\n}\n",
        );
        write(
            &root.join("src/lib.rs"),
            "pub const FIXTURES: &[&str] = harness_runtime::fixtures!(\"fixtures\");\n",
        );
        copy_tree(
            &Path::new(ROOT).join("examples/downstream/fixtures/greet"),
            &root.join("fixtures/greet"),
        );
        Probe { _dir: dir, root }
    }

    /// `cargo build --offline`: Ok(()) or the compiler's stderr.
    fn build(&self) -> Result<(), String> {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args(["build", "--offline", "--manifest-path"])
            .arg(self.root.join("Cargo.toml"))
            .env(
                "CARGO_TARGET_DIR",
                Path::new(ROOT).join("target/macros-rebuild"),
            )
            .env_remove("RUSTFLAGS")
            .output()
            .expect("cargo runs");
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    fs::write(path, text).expect("write");
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create dir");
    for entry in fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn editing_or_adding_a_fixture_file_rebuilds_and_reports_the_broken_field() {
    let probe = Probe::new();
    probe
        .build()
        .expect("the probe builds with a valid fixture");

    let contract = probe.path("fixtures/greet/repo/evaluation/contract.toml");
    let valid = fs::read_to_string(&contract).expect("contract");
    let broken = valid.replacen(
        "name = \"visible\"\n",
        "name = \"visible\"\nweight = \"x\"\n",
        1,
    );
    assert_ne!(broken, valid, "the edit applies");
    fs::write(&contract, &broken).expect("break the contract");
    let stderr = probe
        .build()
        .expect_err("a broken contract is a compile error");
    assert!(
        stderr.contains(
            "failed to parse fixtures/greet/repo/evaluation/contract.toml:6:10: checks[0].weight: invalid type: string \"x\", expected a number"
        ),
        "the error names the file, position and field:\n{stderr}"
    );

    fs::write(&contract, &valid).expect("restore the contract");
    probe.build().expect("the probe builds again once fixed");

    // A new file (here a fixture without a contract) is seen through the build script.
    write(
        &probe.path("fixtures/extra/repo/README.md"),
        "no contract\n",
    );
    let stderr = probe
        .build()
        .expect_err("a new, incomplete fixture is a compile error");
    assert!(
        stderr.contains(
            "fixtures/extra is not a fixture: it has no contract at repo/evaluation/contract.toml (nor at the legacy repo/evaluation/extra.toml)"
        ),
        "{stderr}"
    );
    fs::remove_dir_all(probe.path("fixtures/extra")).expect("remove it");
    probe.build().expect("the probe builds once it is gone");
}
