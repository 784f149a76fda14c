//! The real binary in a real window under Xvfb: it starts, draws something
//! that is not blank, and closes cleanly (Ctrl+Q, exit code 0). Needs Debian's
//! xvfb, Mesa GL, ImageMagick and xdotool (`.ci/run` installs them); skipped
//! where they are missing, except in CI.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool}")).stdout(Stdio::null()).status().is_ok_and(|s| s.success())
}

#[test]
#[ignore = "needs Xvfb, ImageMagick's import and xdotool: `cargo test --release --test window_smoke -- --ignored` (CI runs it)"]
fn the_app_opens_draws_and_closes_cleanly() {
    let tools = ["Xvfb", "import", "xdotool"];
    if let Some(missing) = tools.iter().find(|t| !have(t)) {
        panic!("{missing} is not installed: apt-get install xvfb imagemagick xdotool");
    }
    // Xvfb picks a free display and writes its number to stdout.
    let mut xvfb = Command::new("Xvfb")
        .args(["-displayfd", "1", "-screen", "0", "1280x860x24", "-nolisten", "tcp"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(xvfb.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let _xvfb = Killed(xvfb);
    let display = format!(":{}", line.trim());

    let dir = std::env::temp_dir().join(format!("scalescope-window-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let app = Command::new(env!("CARGO_BIN_EXE_scalescope"))
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env("HOME", &dir) // a fresh place for persisted settings
        .env("XDG_DATA_HOME", &dir)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut app = Killed(app);

    // Wait for the window to appear.
    let until = Instant::now() + Duration::from_secs(60);
    let window = loop {
        let out = Command::new("xdotool").args(["search", "--name", "scalescope"]).env("DISPLAY", &display).output().unwrap();
        let ids = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if let Some(id) = ids.lines().next() {
            break id.to_string();
        }
        assert!(app.0.try_wait().unwrap().is_none(), "the app exited before opening a window");
        assert!(Instant::now() < until, "no window appeared");
        std::thread::sleep(Duration::from_millis(200));
    };
    std::thread::sleep(Duration::from_secs(2)); // a few frames

    let shot = dir.join("window.png");
    let ok = Command::new("import").args(["-window", "root"]).arg(&shot).env("DISPLAY", &display).status().unwrap();
    assert!(ok.success());
    let img = image::open(&shot).unwrap().to_rgb8();
    let mut colors = std::collections::HashSet::new();
    for p in img.pixels().step_by(7) {
        colors.insert(p.0);
    }
    assert!(colors.len() > 20, "the screenshot looks blank ({} colours)", colors.len());

    // Close it as a user would, and expect a clean exit.
    let _ = Command::new("xdotool").args(["windowfocus", &window]).env("DISPLAY", &display).status();
    let _ = Command::new("xdotool").args(["key", "--window", &window, "ctrl+q"]).env("DISPLAY", &display).status();
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = app.0.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < until, "the app did not close on Ctrl+Q");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "exit status {status}");
    let _ = std::fs::remove_dir_all(&dir);
}
