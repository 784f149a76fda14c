//! word-count's text inputs that must not block or mislead: a FIFO with no
//! writer (or a silent one) is waited for on a helper thread that a cancel
//! ends within a second; a FIFO with a writer is read whole and counted
//! right; UTF-16 text is refused with a way to convert it.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use common::within;
use scalescope::engine::{CancelToken, Config, FeederKind, Hooks, Run};
use scalescope::experiment::Experiment;
use scalescope::experiment::SweepPlan;
use scalescope::measure::run_sweep;
use scalescope::workloads::word_count::{self, Counts, Input, READER_THREAD};
use scalescope::workloads::{self, Computed, WorkloadError, WorkloadKind, WorkloadSpec};

/// The tests that count helper threads run one at a time.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-text-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().expect("mkfifo (coreutils) runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

/// Threads of this process named [`READER_THREAD`] (a thread's `comm` is
/// its name cut to 15 bytes).
fn readers() -> usize {
    let name = &READER_THREAD[..READER_THREAD.len().min(15)];
    common::threads_named(name).iter().filter(|n| *n == name).count()
}

/// Waits up to `secs` for `f` to hold.
fn eventually(secs: u64, f: impl Fn() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    f()
}

fn spec_of(path: &Path) -> WorkloadSpec {
    WorkloadSpec { file: Some(path.to_path_buf()), ..WorkloadSpec::new(WorkloadKind::WordCount) }
}

/// Prepares `spec`, cancelling the token after `after` from another thread
/// (which first checks that a helper is waiting); returns the outcome and
/// how long after the cancel it came back.
fn prepare_cancelled_after(
    spec: WorkloadSpec,
    ready: Option<crossbeam_channel::Receiver<()>>,
    after: Duration,
    readers_before: usize,
) -> (Result<WorkloadSpec, WorkloadError>, Duration) {
    let token = CancelToken::new();
    let trip = token.clone();
    let canceller = std::thread::spawn(move || {
        // The helper is waiting once it is there (a loaded machine may take
        // longer than `after` to start it), and the writer, if any, has opened.
        if let Some(ready) = ready {
            let _ = ready.recv_timeout(Duration::from_secs(10));
        }
        std::thread::sleep(after);
        eventually(10, || readers() == readers_before + 1);
        let waiting = readers();
        let at = Instant::now();
        trip.cancel();
        (waiting, at)
    });
    let (out, returned) = within(20, move || {
        let out = spec.prepare_cancellable(&token);
        (out, Instant::now())
    });
    let (waiting, cancelled_at) = canceller.join().unwrap();
    assert_eq!(waiting, readers_before + 1, "a helper thread was waiting for the text");
    (out, returned.saturating_duration_since(cancelled_at))
}

#[test]
fn a_fifo_without_a_writer_stops_waiting_on_a_cancel_and_its_helper_ends() {
    let _one = one_at_a_time();
    let dir = scratch("no-writer");
    let fifo = dir.join("in.fifo");
    mkfifo(&fifo);
    let before = readers();
    let (out, late) = prepare_cancelled_after(spec_of(&fifo), None, Duration::from_millis(300), before);
    let err = out.expect_err("a FIFO nobody writes to cannot be read");
    assert!(matches!(err, WorkloadError::Cancelled { what: "the wait for a writer", .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("the wait for a writer was cancelled") && msg.contains(&fifo.display().to_string()), "{msg}");
    assert!(late < Duration::from_secs(5), "it came back {late:?} after the cancel");
    assert!(eventually(1, || readers() == before), "the helper thread is gone: {} left", readers() - before);
    // The FIFO is left as it was: a later reader still gets a writer's text.
    assert!(std::fs::metadata(&fifo).is_ok());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_fifo_whose_writer_sends_nothing_stops_waiting_at_once_and_its_helper_ends_with_the_writer() {
    let _one = one_at_a_time();
    let dir = scratch("silent-writer");
    let fifo = dir.join("in.fifo");
    mkfifo(&fifo);
    let before = readers();
    // The writer opens the FIFO (which waits for the reader) and holds it open.
    let (release, hold) = crossbeam_channel::bounded::<()>(0);
    let (opened, ready) = crossbeam_channel::bounded::<()>(1);
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            opened.send(()).unwrap();
            let _ = hold.recv();
            // A line after the cancel: the helper reads it, sees the cancel and ends.
            let _ = f.write_all(b"too late\n");
        })
    };
    let (out, late) = prepare_cancelled_after(spec_of(&fifo), Some(ready), Duration::from_millis(300), before);
    let err = out.expect_err("nothing was written");
    assert!(matches!(err, WorkloadError::Cancelled { what: "the wait for more text", .. }), "{err:?}");
    assert!(late < Duration::from_secs(5), "it came back {late:?} after the cancel");
    release.send(()).unwrap();
    writer.join().unwrap();
    assert!(eventually(2, || readers() == before), "the helper thread ended with the writer");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The text the writer sends: the generator's lines.
fn text(lines: u64) -> String {
    let mut s = String::new();
    for line in word_count::Generator::new(lines, 5_000) {
        s.push_str(&line);
        s.push('\n');
    }
    s
}

fn counts_of(text: &str) -> Counts {
    let mut counts = Counts::new();
    for line in text.lines() {
        word_count::count_line(&mut counts, line);
    }
    counts
}

#[test]
fn a_fifo_with_a_writer_is_read_whole_and_counted_right() {
    let _one = one_at_a_time();
    let dir = scratch("writer");
    let fifo = dir.join("in.fifo");
    mkfifo(&fifo);
    let before = readers();
    let text = text(20_000);
    let expected = counts_of(&text);
    let writer = {
        let (fifo, text) = (fifo.clone(), text.clone());
        std::thread::spawn(move || {
            // Waits for the reader, then sends the text in two parts with a pause.
            let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
            let (a, b) = text.split_at(text.len() / 2);
            f.write_all(a.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(100));
            f.write_all(b.as_bytes()).unwrap();
        })
    };
    let token = CancelToken::new();
    let spec = spec_of(&fifo);
    let prepared = within(20, move || spec.prepare_cancellable(&token)).unwrap();
    writer.join().unwrap();
    match &prepared.input {
        Some(Input::Spooled(lines)) => assert_eq!(lines.len(), 20_000, "every line was read"),
        other => panic!("a FIFO is read once into memory: {other:?}"),
    }
    assert_eq!(readers(), before, "the helper thread was joined");
    // The reference and a run on the engine both count the text as sent.
    assert_eq!(workloads::reference(&prepared).unwrap(), Computed::Counts(expected.clone()));
    let config = Config::new(2).unwrap().feeder(FeederKind::Dispenser);
    let out = workloads::run(&prepared, Run::new(&config)).unwrap();
    assert_eq!(out.value, Computed::Counts(expected));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_sweep_on_a_fifo_without_a_writer_stops_on_its_cancel() {
    let _one = one_at_a_time();
    let dir = scratch("sweep");
    let fifo = dir.join("in.fifo");
    mkfifo(&fifo);
    let before = readers();
    let plan = SweepPlan {
        workload: spec_of(&fifo),
        feeders: vec![FeederKind::Dispenser],
        threads: vec![scalescope::engine::Threads::ONE],
        chunks: vec![scalescope::engine::ChunkSize::Auto],
        gil: vec![false],
        reps: 1,
        warmup: 0,
        spans: false,
        variants: vec![],
        weak: false,
    };
    let token = CancelToken::new();
    let trip = token.clone();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let at = Instant::now();
        trip.cancel();
        at
    });
    let (out, returned) = within(20, move || {
        let exp = Experiment::start(&plan, None);
        let hooks = Hooks { cancel: Some(token), ..Hooks::none() };
        let out = run_sweep(&plan, exp, &hooks, |_| {}, |_| {}).map(|_| ());
        (out, Instant::now())
    });
    let late = returned.saturating_duration_since(canceller.join().unwrap());
    assert!(matches!(out, Err(WorkloadError::Cancelled { .. })), "{out:?}");
    assert!(late < Duration::from_secs(5), "the sweep came back {late:?} after the cancel");
    assert!(eventually(1, || readers() == before), "the helper thread is gone");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `text` as UTF-16, little- or big-endian, with or without a byte-order mark.
fn utf16(text: &str, little: bool, bom: bool) -> Vec<u8> {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    if bom {
        units.insert(0, 0xFEFF);
    }
    units.iter().flat_map(|u| if little { u.to_le_bytes() } else { u.to_be_bytes() }).collect()
}

#[test]
fn utf16_text_is_refused_with_a_way_to_convert_it() {
    // Its FIFO case starts a reader thread, which the other tests count.
    let _one = one_at_a_time();
    let dir = scratch("utf16");
    let text = "The quick brown fox\njumps over the lazy dog\n".repeat(50);
    for (little, bom, encoding) in [(true, true, "UTF-16"), (false, true, "UTF-16"), (true, false, "UTF-16LE"), (false, false, "UTF-16BE")]
    {
        let path = dir.join(format!("text-{}-{}.txt", if little { "le" } else { "be" }, if bom { "bom" } else { "nobom" }));
        std::fs::write(&path, utf16(&text, little, bom)).unwrap();
        let spec = spec_of(&path);
        for err in [spec.prepare().unwrap_err(), workloads::reference(&spec).unwrap_err()] {
            let msg = err.to_string();
            assert!(matches!(err, WorkloadError::Io { .. }), "{err:?}");
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains(&format!("looks like {encoding} text")), "{msg}");
            assert!(msg.contains(&format!("iconv -f {encoding} -t UTF-8")), "{msg}");
        }
        // Through a pipe too: the spooled text is checked the same way.
        let fifo = dir.join(format!("{}.fifo", path.file_name().unwrap().to_string_lossy()));
        mkfifo(&fifo);
        let bytes = utf16(&text, little, bom);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut f = std::fs::OpenOptions::new().write(true).open(&fifo).unwrap();
                // The reader may stop reading at once: a broken pipe is fine.
                let _ = f.write_all(&bytes);
            })
        };
        let spec = spec_of(&fifo);
        let err = within(20, move || spec.prepare().unwrap_err());
        writer.join().unwrap();
        assert!(err.to_string().contains(&format!("iconv -f {encoding} -t UTF-8")), "{err}");
    }
    // The same text in UTF-8 is counted, with its words whole.
    let path = dir.join("text-utf8.txt");
    std::fs::write(&path, &text).unwrap();
    let spec = spec_of(&path).prepare().unwrap();
    match workloads::reference(&spec).unwrap() {
        Computed::Counts(c) => {
            assert_eq!(c.get("quick"), Some(&50));
            assert_eq!(c.get("the"), Some(&100));
            assert_eq!(c.len(), 8);
        }
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_encoding_check_knows_utf16_from_utf8() {
    assert_eq!(word_count::looks_like_utf16(&[0xFF, 0xFE, b'a', 0]).map(|e| e.0), Some("UTF-16"));
    assert_eq!(word_count::looks_like_utf16(&[0xFE, 0xFF, 0, b'a']).map(|e| e.0), Some("UTF-16"));
    assert_eq!(word_count::looks_like_utf16(&utf16("hello world", true, false)).map(|e| e.0), Some("UTF-16LE"));
    assert_eq!(word_count::looks_like_utf16(&utf16("hello world", false, false)).map(|e| e.0), Some("UTF-16BE"));
    // UTF-8, Latin or not, and a stray NUL are text.
    assert_eq!(word_count::looks_like_utf16("hello world, ça va? Привет, мир".as_bytes()), None);
    assert_eq!(word_count::looks_like_utf16(b"one NUL \0 in a long line of text"), None);
    assert_eq!(word_count::looks_like_utf16(b"a"), None);
    assert_eq!(word_count::looks_like_utf16(b""), None);
}
