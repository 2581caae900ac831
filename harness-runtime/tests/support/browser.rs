//! Headless Chromium for the viewer's tests (Debian's `chromium`, driven over the DevTools
//! protocol by `headless_chrome`): pages are loaded, clicked and read as a person would,
//! and each page a test looks at is saved as a PNG under `target/viewer-screenshots/`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use headless_chrome::protocol::cdp::Page::CaptureScreenshotFormatOption;
use headless_chrome::{Browser, LaunchOptions, Tab};

use crate::support::runs::root;
use crate::support::scale::tool_or_skip;

/// Where the browser is: `CHROME` when set, else Debian's `/usr/bin/chromium`.
fn chromium() -> Option<PathBuf> {
    std::env::var_os("CHROME")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/bin/chromium")))
        .filter(|path| path.is_file())
}

/// A browser with one tab, or `None` (a skip here, a failure in CI) without Chromium.
pub struct Session {
    _browser: Browser,
    pub tab: Arc<Tab>,
    _profile: tempfile::TempDir,
}

impl Session {
    pub fn start() -> Option<Session> {
        let path = chromium();
        if !tool_or_skip(
            path.is_some(),
            "chromium",
            "apt-get install chromium (or set CHROME to a Chromium binary)",
        ) {
            return None;
        }
        let profile = tempfile::tempdir().unwrap();
        // The machine's network is closed: without these Chromium keeps trying to reach
        // its services. `--no-sandbox` because tests may run as root.
        let args: Vec<&OsStr> = [
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-quic",
            "--no-first-run",
            "--disable-gpu",
            "--allow-file-access-from-files",
        ]
        .iter()
        .map(OsStr::new)
        .collect();
        let options = LaunchOptions::default_builder()
            .path(path)
            .sandbox(false)
            .headless(true)
            .window_size(Some((1400, 1000)))
            .user_data_dir(Some(profile.path().to_path_buf()))
            .idle_browser_timeout(Duration::from_secs(300))
            .args(args)
            .build()
            .unwrap();
        let browser = Browser::new(options).unwrap();
        let tab = browser.new_tab().unwrap();
        tab.set_default_timeout(Duration::from_secs(60));
        Some(Session {
            _browser: browser,
            tab,
            _profile: profile,
        })
    }

    /// Opens `url` and waits until the viewer has drawn `page`.
    pub fn open(&self, url: &str, page: &str) {
        let mut before = self.renders();
        let document = |url: &str| url.split('#').next().unwrap_or_default().to_owned();
        if document(&self.tab.get_url()) == document(url) {
            // The same document: only the fragment changes, which is no navigation.
            let fragment = url.split_once('#').map_or("", |(_, fragment)| fragment);
            self.eval(&format!(
                "location.hash = {}",
                serde_json::to_string(fragment).unwrap()
            ));
        } else {
            // A new document counts its pages from 0.
            before = 0;
            self.tab.navigate_to(url).unwrap();
            self.tab.wait_until_navigated().unwrap();
        }
        self.wait_page(before, page);
    }

    /// How many pages the viewer has drawn (0 before it ran).
    pub fn renders(&self) -> u64 {
        self.eval("(window.HV && window.HV.renders) || 0")
            .as_u64()
            .unwrap_or(0)
    }

    /// Runs `action` (JavaScript) and waits until the viewer has drawn `page` again.
    pub fn act(&self, action: &str, page: &str) {
        let before = self.renders();
        self.run(action);
        self.wait_page(before, page);
    }

    /// Chooses the option labelled `label` (or `label @ <run>`) in the select `#id`, as a
    /// person would, and waits for `page` when that changed the choice.
    pub fn select(&self, id: &str, label: &str, page: &str) {
        let before = self.renders();
        let changed = self.eval(&format!(
            "(function () {{ var el = document.getElementById({id:?}); \
             var opt = Array.from(el.options).find(function (o) {{ return o.text === {label:?} || o.text.indexOf({label:?} + ' @ ') === 0; }}); \
             if (!opt) throw new Error('no option ' + {label:?}); \
             if (el.value === opt.value) return false; \
             el.value = opt.value; el.dispatchEvent(new Event('change')); return true; }})()"
        ));
        if changed == true {
            self.wait_page(before, page);
        }
    }

    /// Runs JavaScript statements.
    pub fn run(&self, statements: &str) {
        self.tab
            .evaluate(&format!("(function () {{ {statements}; }})()"), false)
            .unwrap();
    }

    /// Presses `key` and waits until the viewer has drawn `page` again.
    pub fn key(&self, key: &str, page: &str) {
        let before = self.renders();
        self.tab.press_key(key).unwrap();
        self.wait_page(before, page);
    }

    fn wait_page(&self, before: u64, page: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let state = self
                .eval("[(window.HV && window.HV.renders) || 0, document.body.dataset.ready || '']");
            let (renders, ready): (u64, String) =
                serde_json::from_value(state).unwrap_or((0, String::new()));
            if renders > before && ready == page {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the viewer never drew {page} (renders {renders}, ready {ready:?}); page text: {}",
                self.text("body")
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// The value of a JavaScript expression, through JSON (`null` when it has none).
    pub fn eval(&self, expression: &str) -> serde_json::Value {
        let wrapped =
            format!("JSON.stringify(({expression}) === undefined ? null : ({expression}))");
        let text = self
            .tab
            .evaluate(&wrapped, false)
            .unwrap()
            .value
            .unwrap_or(serde_json::Value::Null);
        text.as_str()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The text of the first element matching `selector` ("" when there is none).
    pub fn text(&self, selector: &str) -> String {
        let selector = serde_json::to_string(selector).unwrap();
        self.eval(&format!(
            "(document.querySelector({selector}) || {{innerText: ''}}).innerText"
        ))
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// How many elements match `selector`.
    pub fn count(&self, selector: &str) -> usize {
        let selector = serde_json::to_string(selector).unwrap();
        self.eval(&format!("document.querySelectorAll({selector}).length"))
            .as_u64()
            .unwrap() as usize
    }

    /// Saves the viewport as `target/viewer-screenshots/<name>.png`; returns the path.
    pub fn screenshot(&self, name: &str) -> PathBuf {
        let png = self
            .tab
            .capture_screenshot(CaptureScreenshotFormatOption::Png, None, None, true)
            .unwrap();
        let dir = screenshots_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }
}

/// `target/viewer-screenshots/` of this workspace (or of `CARGO_TARGET_DIR`).
pub fn screenshots_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("viewer-screenshots")
}

/// A `file://` URL for `path` with `fragment` (e.g. `#/cases`).
pub fn file_url(path: &Path, fragment: &str) -> String {
    format!("file://{}{fragment}", path.display())
}
