//! Files from anyone are untrusted data: crafted ids never reach a path,
//! printed fields cannot drive a terminal, FIFOs, devices and huge files in
//! the library neither hang nor flood, imports at once lose nothing, an
//! unwritable library is refused before measuring, new files honour the
//! umask and stale temporary files go away. Each test drives the real
//! binary with its own library.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use scalescope::experiment::{Experiment, Library};

/// A fresh directory for one test, with the library in `data/experiments`.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-trust-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn cli(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_scalescope"));
    c.env("SCALESCOPE_DATA_DIR", dir.join("data")).args(args).stdin(Stdio::null());
    c
}

/// Runs the CLI, killing it after `limit` (a hang fails the test, not the suite).
fn run_within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = cli(dir, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > limit {
            child.kill().unwrap();
            panic!("scalescope {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> (i32, String, String) {
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

fn lib(dir: &Path) -> Library {
    Library::at(dir.join("data").join("experiments"))
}

/// A real experiment's JSON, measured now (trivial, n = 1000, one repetition).
fn sample(dir: &Path) -> serde_json::Value {
    let json = dir.join("sample.json");
    let out = run_within(
        dir,
        &["run", "-w", "trivial", "--n", "1000", "--reps", "1", "--warmup", "0", "--json", json.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(out.status.success(), "{}", text(&out).2);
    serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap()
}

/// Every file under `dir` (recursively), for "nothing else was touched".
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn crafted_ids_never_touch_a_file_outside_the_library() {
    let dir = scratch("ids");
    let base = sample(&dir);
    let outside = dir.join("outside");
    std::fs::create_dir_all(outside.join("a").join("b")).unwrap();
    std::fs::write(outside.join("evil.json"), "victim").unwrap();
    let before = files_under(&outside);
    let abs = outside.join("evil").display().to_string();
    let long = "x".repeat(300);
    let crafted = ["../../evil", "../outside/evil", abs.as_str(), "", ".", "..", "a\u{1b}]0;pwned\u{7}", "row\nfake", long.as_str()];
    for (k, id) in crafted.iter().enumerate() {
        let mut v = base.clone();
        v["id"] = serde_json::Value::String((*id).to_string());
        let file = outside.join("a").join("b").join(format!("in{k}.json"));
        std::fs::write(&file, v.to_string()).unwrap();
        let out = run_within(&dir, &["import", file.to_str().unwrap()], Duration::from_secs(20));
        let (code, stdout, stderr) = text(&out);
        assert_eq!(code, 0, "{id:?}: {stderr}");
        assert!(stdout.contains("is not a valid experiment id"), "{id:?}: {stdout}");
        assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'), "{id:?} printed raw: {stdout:?}");
        assert!(stdout.lines().all(|l| !l.starts_with("fake")), "{id:?}: {stdout}");
        std::fs::remove_file(&file).unwrap();
    }
    assert_eq!(files_under(&outside), before, "a file outside the library was written");
    assert_eq!(std::fs::read_to_string(outside.join("evil.json")).unwrap(), "victim");
    // Each is in the library under a fresh, valid id, in a file named after it.
    let all = lib(&dir).list().unwrap();
    assert_eq!(all.len(), crafted.len() + 1, "the crafted ones and the sample");
    for e in &all {
        let x = e.experiment.as_ref().unwrap();
        assert_eq!(e.path, lib(&dir).path_of(&x.id));
    }
    // export takes an id of the library, never a path.
    for id in ["../../x", "../outside/evil", abs.as_str(), "."] {
        let target = dir.join("exported.json");
        let out = run_within(&dir, &["export", id, "--json", target.to_str().unwrap()], Duration::from_secs(20));
        let (code, _, stderr) = text(&out);
        assert_eq!(code, 2, "{id}: {stderr}");
        assert!(stderr.contains("not an experiment id"), "{id}: {stderr}");
        assert!(!target.exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn escape_sequences_in_every_printed_field_come_out_escaped() {
    let dir = scratch("escapes");
    let mut v = sample(&dir);
    let evil = "\u{1b}[2J\u{1b}]0;title\u{7}\r\nfake-row\u{9b}1m\u{202e}";
    v["name"] = serde_json::Value::String(format!("name{evil}"));
    v["machine"]["cpu_model"] = serde_json::Value::String(format!("cpu{evil}"));
    v["machine"]["os"] = serde_json::Value::String(format!("os{evil}"));
    v["workload"]["file"] = serde_json::Value::String(format!("/tmp/t{evil}.txt"));
    let file = dir.join(format!("crafted{}.json", "\u{1b}[31m"));
    std::fs::write(&file, v.to_string()).unwrap();
    let import = text(&run_within(&dir, &["import", file.to_str().unwrap()], Duration::from_secs(20)));
    let list = text(&run_within(&dir, &["list"], Duration::from_secs(20)));
    for (what, out) in [("import", &import), ("list", &list)] {
        assert_eq!(out.0, 0, "{what}: {}", out.2);
        for stream in [&out.1, &out.2] {
            let raw: Vec<char> = stream.chars().filter(|c| c.is_control() && *c != '\n').collect();
            assert!(raw.is_empty(), "{what} printed control characters {raw:?}: {stream:?}");
            assert!(!stream.contains('\u{202e}'), "{what} printed a direction override");
            assert!(stream.lines().all(|l| !l.starts_with("fake-row")), "{what} printed a fake row: {stream}");
        }
    }
    assert!(list.1.contains("name\\u{1b}[2J"), "{}", list.1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn two_concurrent_imports_of_one_id_keep_both() {
    let dir = scratch("race");
    let base = sample(&dir);
    for round in 0..10 {
        let id = format!("same-id-{round}");
        let files: Vec<PathBuf> = (0..2)
            .map(|k| {
                let mut v = base.clone();
                v["id"] = serde_json::Value::String(id.clone());
                v["name"] = serde_json::Value::String(format!("round {round} copy {k}"));
                let f = dir.join(format!("r{round}-{k}.json"));
                std::fs::write(&f, v.to_string()).unwrap();
                f
            })
            .collect();
        let children: Vec<_> =
            files.iter().map(|f| cli(&dir, &["import", f.to_str().unwrap()]).stdout(Stdio::null()).spawn().unwrap()).collect();
        for mut c in children {
            assert!(c.wait().unwrap().success());
        }
        let prefix = format!("round {round} copy");
        let names: Vec<String> = lib(&dir).experiments().into_iter().filter(|x| x.name.starts_with(&prefix)).map(|x| x.name).collect();
        assert_eq!(names.len(), 2, "round {round}: {names:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn fifos_devices_links_and_huge_files_in_the_library_neither_hang_nor_flood() {
    let dir = scratch("fifo");
    let base = sample(&dir);
    let library = lib(&dir);
    std::fs::create_dir_all(library.dir()).unwrap();
    let good = library.dir().join("good-1.json");
    let mut v = base.clone();
    v["id"] = "good-1".into();
    std::fs::write(&good, v.to_string()).unwrap();
    assert!(Command::new("mkfifo").arg(library.dir().join("fifo-1.json")).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", library.dir().join("zero-1.json")).unwrap();
    std::os::unix::fs::symlink(&good, library.dir().join("link-1.json")).unwrap();
    // A sparse file past the size limit: no disk used, nothing to parse.
    let huge = std::fs::File::create(library.dir().join("huge-1.json")).unwrap();
    huge.set_len(300 << 20).unwrap();
    let (code, stdout, stderr) = text(&run_within(&dir, &["list"], Duration::from_secs(20)));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("good-1"), "{stdout}");
    for (name, why) in
        [("fifo-1.json", "FIFO"), ("zero-1.json", "symbolic link"), ("link-1.json", "symbolic link"), ("huge-1.json", "limit")]
    {
        let line = stdout.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} not listed: {stdout}"));
        assert!(line.contains("unreadable") && line.contains(why), "{line}");
    }
    let target = dir.join("out.json");
    let (code, _, stderr) = text(&run_within(&dir, &["export", "good-1", "--json", target.to_str().unwrap()], Duration::from_secs(20)));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(Experiment::load(&target).unwrap().id.as_str(), "good-1");
    let (code, _, stderr) = text(&run_within(&dir, &["export", "fifo", "--json", target.to_str().unwrap()], Duration::from_secs(20)));
    assert_eq!(code, 2, "{stderr}");
    // import of a FIFO and of a device: refused at once.
    let fifo = dir.join("in.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for f in [fifo.to_str().unwrap(), "/dev/zero"] {
        let (code, _, stderr) = text(&run_within(&dir, &["import", f], Duration::from_secs(20)));
        assert_eq!(code, 2, "{f}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{f}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unwritable_library_exits_2_before_measuring() {
    let dir = scratch("unwritable");
    // The data directory is a file: the library cannot be made.
    let data = dir.join("data");
    std::fs::write(&data, "not a directory").unwrap();
    let t0 = Instant::now();
    let (code, stdout, stderr) =
        text(&run_within(&dir, &["sweep", "-w", "primes", "--n", "3000000", "-t", "1,2", "--reps", "20"], Duration::from_secs(20)));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot be written"), "{stderr}");
    assert!(stdout.is_empty(), "measured anyway: {stdout}");
    assert!(t0.elapsed() < Duration::from_secs(5), "it measured before refusing");
    let (code, stdout, stderr) = text(&run_within(&dir, &["list"], Duration::from_secs(20)));
    assert_ne!(code, 0, "list of a library that is a file: {stdout}");
    assert!(!stdout.contains("No experiments yet"), "{stdout}");
    assert!(stderr.contains("experiments"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn umask_077_gives_private_files_and_stale_temporary_files_are_removed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("umask");
    let library = lib(&dir);
    std::fs::create_dir_all(library.dir()).unwrap();
    // Left by a process that is gone (pid beyond pid_max), and one of an earlier build, old.
    let stale = library.dir().join(".x.json.4194303999.aBc123.tmp");
    std::fs::write(&stale, "half").unwrap();
    let (json, csv) = (dir.join("r.json"), dir.join("r.csv"));
    let stale_json = dir.join(".r.json.4194303999.aBc123.tmp");
    std::fs::write(&stale_json, "half").unwrap();
    let cmd = format!(
        "umask 077; exec '{}' run -w trivial --n 1000 --reps 1 --json '{}' --csv '{}'",
        env!("CARGO_BIN_EXE_scalescope"),
        json.display(),
        csv.display()
    );
    let out = Command::new("sh").arg("-c").arg(&cmd).env("SCALESCOPE_DATA_DIR", dir.join("data")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let kept = library.experiments();
    assert_eq!(kept.len(), 1);
    for f in [json.clone(), csv.clone(), library.path_of(&kept[0].id)] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is {mode:o}", f.display());
    }
    assert!(!stale.exists(), "a stale temporary file was left in the library");
    assert!(!stale_json.exists(), "a stale temporary file was left beside --json");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn values_out_of_range_are_refused_with_their_field() {
    let dir = scratch("ranges");
    let base = sample(&dir);
    type Edit<'a> = (&'a str, &'a dyn Fn(&mut serde_json::Value));
    let cases: [Edit<'_>; 3] = [
        ("runs[0].threads", &|v| v["runs"][0]["threads"] = 0.into()),
        ("runs[0].times_s", &|v| v["runs"][0]["median_s"] = 1.7e308.into()),
        ("baseline", &|v| v["baseline"]["times_s"][0] = (-1.0).into()),
    ];
    for (field, edit) in cases {
        let mut v = base.clone();
        edit(&mut v);
        let f = dir.join("bad.json");
        std::fs::write(&f, v.to_string()).unwrap();
        let (code, _, stderr) = text(&run_within(&dir, &["import", f.to_str().unwrap()], Duration::from_secs(20)));
        assert_eq!(code, 2, "{field}: {stderr}");
        assert!(stderr.contains(field), "{field}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_running_experiment_whose_pid_is_another_program_is_interrupted() {
    let dir = scratch("pid");
    let mut v = sample(&dir);
    v["status"] = serde_json::json!({"state": "running", "done": 1, "total": 3, "pid": 1});
    v["id"] = "pid-one".into();
    let f = dir.join("p.json");
    std::fs::write(&f, v.to_string()).unwrap();
    assert!(run_within(&dir, &["import", f.to_str().unwrap()], Duration::from_secs(20)).status.success());
    let (_, stdout, _) = text(&run_within(&dir, &["list"], Duration::from_secs(20)));
    let line = stdout.lines().find(|l| l.starts_with("pid-one")).unwrap();
    assert!(line.contains("interrupted"), "{line}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fifo_file_with_no_writer_stops_on_the_first_ctrl_c() {
    let dir = scratch("fifofile");
    let fifo = dir.join("text.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut child = cli(&dir, &["run", "-w", "word-count", "--file", fifo.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Waiting for a writer: its reader thread is there (a loaded machine may
    // take longer than a fixed sleep to start it and its Ctrl+C handler).
    let task = format!("/proc/{}/task", child.id());
    let reading = || std::fs::read_dir(&task).into_iter().flatten().flatten().count() > 1;
    let t0 = Instant::now();
    while !reading() && t0.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "it should be waiting for a writer");
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let t0 = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if t0.elapsed() > Duration::from_secs(5) {
            child.kill().unwrap();
            panic!("the first Ctrl+C did not stop the wait for a writer");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}
