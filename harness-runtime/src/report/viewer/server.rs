//! `harness view`: the static viewer over one or more runs, served on 127.0.0.1.
//!
//! The viewer is written as `harness report` writes it (so the two never differ), into
//! `<output root>/view/`, and served from there: only files under that directory, only
//! on the loopback address.

use std::fs;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::{Chart, Source, Viewer, ViewerError};
use crate::ledger;
use crate::result::CaseResult;

/// Why the viewer could not be served.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A run directory has no ledger.
    #[error(
        "{} has no ledger.jsonl: pass run directories (`<output root>/runs/<run-id>`)",
        .0.display()
    )]
    NotARun(PathBuf),
    /// No run to show.
    #[error("no run under {}: run the benchmark first (`harness run` or `cargo test`), or pass run directories", .0.display())]
    NoRuns(PathBuf),
    /// A ledger could not be read.
    #[error(transparent)]
    Ledger(#[from] ledger::LedgerError),
    /// The viewer could not be written.
    #[error(transparent)]
    Viewer(#[from] ViewerError),
    /// The port could not be bound.
    #[error(
        "failed to listen on 127.0.0.1:{port}: {reason} (pass --port N, or --port 0 for a free port)"
    )]
    Bind {
        /// The port asked for.
        port: u16,
        /// Why.
        reason: String,
    },
}

/// One run: its directory and its results.
#[derive(Debug)]
pub struct Run {
    /// `runs/<run-id>`.
    pub dir: PathBuf,
    /// Its ledger.
    pub results: Vec<CaseResult>,
}

/// The run directories under `<out>/runs` that hold a ledger, oldest first (run ids start
/// with the time they were made).
pub fn all_runs(out: &Path) -> Result<Vec<PathBuf>, ServeError> {
    let runs = out.join("runs");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&runs)
        .map(|entries| {
            entries
                .flatten()
                .map(|entry| entry.path())
                .filter(|path| path.join("ledger.jsonl").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    if dirs.is_empty() {
        return Err(ServeError::NoRuns(runs));
    }
    Ok(dirs)
}

/// Reads each run's ledger; warnings (a torn last line) are returned to print.
pub fn read_runs(dirs: &[PathBuf]) -> Result<(Vec<Run>, Vec<String>), ServeError> {
    let mut runs = Vec::new();
    let mut warnings = Vec::new();
    for dir in dirs {
        let ledger = dir.join("ledger.jsonl");
        if !ledger.is_file() {
            return Err(ServeError::NotARun(dir.clone()));
        }
        let (results, read_warnings) = ledger::read_ledger(&ledger)?;
        warnings.extend(read_warnings);
        runs.push(Run {
            dir: dir.clone(),
            results,
        });
    }
    Ok((runs, warnings))
}

/// Writes the viewer of `runs` into `site` (one frontier per run); returns `report.html`.
pub fn write_site(site: &Path, runs: &[Run]) -> Result<PathBuf, ServeError> {
    let dirs: Vec<[&Path; 1]> = runs.iter().map(|run| [run.dir.as_path()]).collect();
    let sources: Vec<Source> = runs
        .iter()
        .zip(&dirs)
        .map(|(run, dirs)| Source {
            results: &run.results,
            dirs,
        })
        .collect();
    let mut charts: Vec<Chart> = Vec::new();
    if runs.len() > 1 {
        // Every run's agents on one chart, each named `<agent> @ <run>`: the frontier across
        // runs, which no single run's report has.
        let named: Vec<CaseResult> = runs
            .iter()
            .flat_map(|run| run.results.iter())
            .map(|result| {
                let mut slim = CaseResult::errored(
                    &result.run_id,
                    &result.case,
                    &result.fixture,
                    &format!("{} @ {}", result.agent, result.run_id),
                    result.kind,
                    String::new(),
                );
                if result.agent == "oracle" {
                    slim.agent = "oracle".to_owned();
                }
                slim.status = result.status;
                slim.passed = result.passed;
                slim.reward = result.reward;
                slim.error = result.error.clone();
                slim.usage = result.usage;
                slim.agent_bytes = result.agent_bytes;
                slim.durations_ms = result.durations_ms;
                slim
            })
            .collect();
        charts.push(Chart {
            label: "every run".to_owned(),
            chart: super::super::chart_json(&named),
            run: None,
        });
    }
    let per_run = runs
        .iter()
        .filter_map(|run| {
            let id = run.results.first()?.run_id.clone();
            Some(Chart {
                label: id.clone(),
                chart: super::super::chart_json(&run.results),
                run: Some(id),
            })
        })
        .filter(|chart| {
            chart
                .chart
                .get("points")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty())
        });
    charts.extend(per_run);
    let title = match runs {
        [one] => format!(
            "run {}",
            one.dir.file_name().unwrap_or_default().to_string_lossy()
        ),
        many => format!("{} runs", many.len()),
    };
    Ok(super::write(
        site,
        &Viewer {
            title,
            sources,
            charts,
        },
    )?)
}

/// What is served: the runs given, or every run under the output root, and the directory the
/// viewer is written to. The viewer is rewritten when a ledger changes (a run still going, a
/// new run under the root), so a reload shows the cases recorded since.
#[derive(Debug)]
pub struct Site {
    /// Where the viewer is written and served from.
    pub dir: PathBuf,
    given: Vec<PathBuf>,
    out: PathBuf,
    seen: Vec<(PathBuf, u64, Option<std::time::SystemTime>)>,
}

impl Site {
    /// The runs in `given`, or every run under `out` when it is empty.
    pub fn new(dir: PathBuf, given: Vec<PathBuf>, out: PathBuf) -> Site {
        Site {
            dir,
            given,
            out,
            seen: Vec::new(),
        }
    }

    /// Rewrites the viewer when a ledger changed since the last time (always the first
    /// time); returns how many runs it shows and the ledgers' warnings, or `None` when
    /// nothing changed.
    pub fn refresh(&mut self) -> Result<Option<(usize, Vec<String>)>, ServeError> {
        let dirs = if self.given.is_empty() {
            all_runs(&self.out)?
        } else {
            self.given.clone()
        };
        let seen: Vec<_> = dirs
            .iter()
            .map(|dir| {
                let meta = fs::metadata(dir.join("ledger.jsonl")).ok();
                (
                    dir.clone(),
                    meta.as_ref().map_or(0, fs::Metadata::len),
                    meta.and_then(|meta| meta.modified().ok()),
                )
            })
            .collect();
        if seen == self.seen {
            return Ok(None);
        }
        let (runs, warnings) = read_runs(&dirs)?;
        write_site(&self.dir, &runs)?;
        self.seen = seen;
        Ok(Some((runs.len(), warnings)))
    }
}

/// A bound server: its URL is known before it serves.
pub struct Bound {
    server: tiny_http::Server,
    site: Site,
    /// `http://127.0.0.1:<port>/`.
    pub url: String,
}

impl std::fmt::Debug for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bound")
            .field("site", &self.site)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Binds 127.0.0.1:`port` (0: any free port).
pub fn bind(site: Site, port: u16) -> Result<Bound, ServeError> {
    let server =
        tiny_http::Server::http(("127.0.0.1", port)).map_err(|error| ServeError::Bind {
            port,
            reason: error.to_string(),
        })?;
    let port = server
        .server_addr()
        .to_ip()
        .map_or(port, |address| address.port());
    Ok(Bound {
        server,
        site,
        url: format!("http://127.0.0.1:{port}/"),
    })
}

impl Bound {
    /// Serves until the process ends; `warn` hears what a refresh could not do.
    pub fn serve(mut self, warn: impl Fn(&str)) {
        let port = self
            .url
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        for request in self.server.incoming_requests() {
            let host = request
                .headers()
                .iter()
                .find(|header| header.field.equiv("Host"))
                .map(|header| header.value.as_str().to_owned())
                .unwrap_or_default();
            // A page on another site can make the browser ask 127.0.0.1 under its own name
            // (DNS rebinding); the results are only for pages that asked for this address.
            if !local_host(&host, &port) {
                let _ = request
                    .respond(tiny_http::Response::from_string("forbidden").with_status_code(403));
                continue;
            }
            let path = resolve(&self.site.dir, request.url());
            // A page load asks for the page first: the time to take in new cases.
            if path
                .as_ref()
                .is_some_and(|path| path.ends_with("report.html"))
            {
                match self.site.refresh() {
                    Ok(Some((_, warnings))) => warnings.iter().for_each(|w| warn(w)),
                    Ok(None) => {}
                    Err(error) => warn(&error.to_string()),
                }
            }
            let response = match path.map(|path| (fs::File::open(&path), path)) {
                Some((Ok(file), path)) => tiny_http::Response::from_file(file)
                    .with_header(content_type(&path))
                    .boxed(),
                _ => not_found(),
            };
            // A browser that went away mid-response is not the server's problem.
            let _ = request.respond(response);
        }
    }
}

/// Whether a request's `Host` names this server: `127.0.0.1`, `localhost` or `[::1]` at its
/// port.
pub fn local_host(host: &str, port: &str) -> bool {
    ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"))
}

fn not_found() -> tiny_http::ResponseBox {
    tiny_http::Response::from_string("not found")
        .with_status_code(404)
        .boxed()
}

/// The file a request path names under `site`: `/` is `report.html`; a path with `..`, a
/// hidden component or anything but plain names is refused.
pub fn resolve(site: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_start_matches('/');
    let path = if path.is_empty() { "report.html" } else { path };
    let relative = Path::new(path);
    let plain = relative.components().all(|component| match component {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    let full = site.join(relative);
    (plain && full.is_file()).then_some(full)
}

fn content_type(path: &Path) -> tiny_http::Header {
    let kind = match path.extension().and_then(|ext| ext.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "text/plain; charset=utf-8",
    };
    tiny_http::Header::from_bytes("Content-Type", kind).expect("a static header is valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_requests_naming_this_server_are_answered() {
        assert!(local_host("127.0.0.1:7575", "7575"));
        assert!(local_host("localhost:7575", "7575"));
        for refused in [
            "evil.example:7575",
            "127.0.0.1:80",
            "127.0.0.1",
            "",
            "127.0.0.1:7575.evil",
        ] {
            assert!(!local_host(refused, "7575"), "{refused}");
        }
    }

    #[test]
    fn only_plain_paths_under_the_site_are_served() {
        let site = tempfile::tempdir().unwrap();
        fs::write(site.path().join("report.html"), "page").unwrap();
        fs::create_dir_all(site.path().join("viewer")).unwrap();
        fs::write(site.path().join("viewer/app.js"), "js").unwrap();
        fs::write(site.path().join(".secret"), "no").unwrap();
        assert_eq!(
            resolve(site.path(), "/"),
            Some(site.path().join("report.html"))
        );
        assert_eq!(
            resolve(site.path(), "/viewer/app.js?v=1"),
            Some(site.path().join("viewer/app.js"))
        );
        for refused in [
            "/../etc/passwd",
            "/viewer/../../x",
            "/.secret",
            "//etc/passwd",
            "/viewer",
            "/missing.js",
        ] {
            assert_eq!(resolve(site.path(), refused), None, "{refused}");
        }
    }
}
