//! A real headless Chromium for the web inbox tests: one `chromedriver` per test on a port
//! it picks itself, and one WebDriver session per simulated agent, each with a fresh profile.
//! Screenshots go to `target/screenshots/`; `SWITCHBOARD_UPDATE_SCREENSHOTS=1` also refreshes
//! the README's copies in `docs/screenshots/`.

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// How long a test waits for something to appear on screen.
pub const PATIENCE: Duration = Duration::from_secs(40);

/// A running chromedriver and the Chromium processes it started; all killed when dropped.
pub struct Driver {
    url: String,
    process: Child,
    profiles: Vec<tempfile::TempDir>,
}

impl Driver {
    /// Starts `/usr/bin/chromedriver` on a free port and waits until it says it listens.
    /// A chromedriver that exits before listening (seen rarely when several start at once on
    /// a busy machine) is started again, twice at most; the last one's output is in the panic.
    pub async fn start() -> Self {
        let mut said = Vec::new();
        for _ in 0..3 {
            match Self::try_start().await {
                Ok(driver) => return driver,
                Err(output) => said = output,
            }
        }
        panic!("chromedriver exited before listening, three times; it said: {said:?}");
    }

    async fn try_start() -> Result<Self, Vec<String>> {
        let mut process = Command::new("/usr/bin/chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own process group, which the Chromium processes it starts join: killing
            // chromedriver alone would leave each test's browser running (and polling the
            // stopped service) until the whole suite ends.
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("start /usr/bin/chromedriver (Debian package chromium-driver)");
        let stdout = process.stdout.take().expect("chromedriver stdout");
        let mut lines = BufReader::new(stdout).lines();
        let port = tokio::time::timeout(PATIENCE, async {
            let mut said = Vec::new();
            while let Some(line) = lines.next_line().await.expect("read chromedriver") {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return Ok(rest
                        .trim_end_matches('.')
                        .trim()
                        .parse::<u16>()
                        .expect("port"));
                }
                said.push(line);
            }
            Err(said)
        })
        .await
        .expect("chromedriver did not start in time")?;
        // Keep reading so chromedriver never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            url: format!("http://127.0.0.1:{port}"),
            process,
            profiles: Vec::new(),
        })
    }

    /// A new browser (its own profile, so its own cookies).
    pub async fn browser(&mut self) -> Client {
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-crash-reporter", "--window-size=1400,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        self.profiles.push(profile);
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("open a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(pid) = self.process.id() {
            // The group's id is chromedriver's pid (`process_group(0)` above).
            let killed = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .stderr(Stdio::null())
                .status();
            if let Err(err) = killed {
                eprintln!("could not stop the browsers of chromedriver {pid}: {err}");
            }
        }
    }
}

/// Waits for an element and returns it.
pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    match client
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(err) => {
            let url = client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            panic!("no {css:?} on {url} within {PATIENCE:?}: {err}");
        }
    }
}

/// Waits until `script` (a JS expression) is truthy in the page.
pub async fn wait_until(client: &Client, what: &str, script: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    let body = format!("return !!({script});");
    loop {
        let value = client.execute(&body, vec![]).await.expect("execute script");
        if value.as_bool() == Some(true) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let text = client
                .execute("return document.body.innerText", vec![])
                .await
                .unwrap_or_default();
            panic!("{what}: not true within {PATIENCE:?}: {script}\npage text:\n{text}");
        }
        // Polling the page is how WebDriver observes it; this is not synchronisation on time.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The environment variable that asks the browser tests to refresh the README's pictures in
/// `docs/screenshots/` (set it to `1`). Without it they are written only under
/// `target/screenshots/`, so a test run leaves the tracked files alone.
pub const UPDATE_SCREENSHOTS: &str = "SWITCHBOARD_UPDATE_SCREENSHOTS";

/// Saves a screenshot under `target/screenshots/` (a CI artifact) and, when
/// [`UPDATE_SCREENSHOTS`] is `1`, in `docs/screenshots/` for the README.
pub async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("screenshot");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("target/screenshots")];
    if std::env::var(UPDATE_SCREENSHOTS).is_ok_and(|value| value == "1") {
        dirs.push(root.join("docs/screenshots"));
    }
    for dir in dirs {
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), &png).expect("write screenshot");
    }
}
