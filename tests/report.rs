//! The report (`scalescope report`, `export::report`): one self-contained
//! HTML page holding every plot the app draws, the verdicts and the models,
//! and a Markdown summary, built from small real experiments: a thread
//! sweep, a feeder comparison, weak scaling, the memory probe and a
//! two-machine comparison. The page loads nothing and escapes every string
//! from a file. The last test opens it in a real browser (ignored where
//! Debian's `chromium` is missing).
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use scalescope::analysis::Analysis;
use scalescope::analysis::compare;
use scalescope::engine::{Chunk, ChunkSize, FeederKind};
use scalescope::experiment::Experiment;
use scalescope::export::plot_data;
use scalescope::export::report::{self, html_escape};
use scalescope::workloads::WorkloadKind;

/// Threads 1, 2 and 4 of `auto`, with per-worker timelines.
static SWEEP: LazyLock<Experiment> = LazyLock::new(|| {
    let mut plan = common::small_plan(WorkloadKind::Primes, 30_000, &[1, 2, 4], 3);
    plan.spans = true;
    common::measured(&plan)
});

/// Three feeders, each on fixed chunk sizes too.
static FEEDERS: LazyLock<Experiment> = LazyLock::new(|| {
    let mut plan = common::small_plan(WorkloadKind::Primes, 30_000, &[1, 2], 3);
    plan.feeders = vec![FeederKind::Locked, FeederKind::Dispenser, FeederKind::Auto];
    plan.chunks = vec![ChunkSize::Auto, ChunkSize::Fixed(Chunk::of(100)), ChunkSize::Fixed(Chunk::of(1000))];
    common::measured(&plan)
});

/// n grows with the threads.
static WEAK: LazyLock<Experiment> = LazyLock::new(|| {
    let mut plan = common::small_plan(WorkloadKind::Primes, 20_000, &[1, 2], 3);
    plan.weak = true;
    common::measured(&plan)
});

/// A workload that reads memory: the sweep starts with the machine's probe.
static STREAM: LazyLock<Experiment> = LazyLock::new(|| common::measured(&common::small_plan(WorkloadKind::Stream, 8, &[1, 2], 2)));

/// The same plan measured twice, the second as if from another machine's
/// file: written out, its CPU changed, and read back.
static TWO: LazyLock<(Experiment, Experiment)> = LazyLock::new(|| {
    let plan = common::small_plan(WorkloadKind::Primes, 30_000, &[1, 2], 5);
    let a = common::measured(&plan);
    let mut b = common::measured(&plan);
    b.machine.cpu_model = "Other CPU 9000".into();
    let dir = scratch("two");
    let file = dir.join("other.json");
    std::fs::write(&file, b.to_json()).unwrap();
    (a, Experiment::load(&file).unwrap())
});

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scalescope-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The titles of the page's plots, in order.
fn plot_titles(page: &str) -> Vec<String> {
    page.split("<svg ")
        .skip(1)
        .map(|svg| {
            let start = svg.find("<title>").unwrap() + "<title>".len();
            svg[start..start + svg[start..].find("</title>").unwrap()].to_string()
        })
        .collect()
}

fn has_plot(page: &str, title: &str) -> bool {
    plot_titles(page).iter().any(|t| t.starts_with(title))
}

/// Every verdict of `exp` (and its headlines) is on the page, escaped.
fn assert_verdicts(page: &str, exp: &Experiment) {
    let analysis = Analysis::of(exp);
    assert_eq!(analysis.diagnoses.len(), exp.runs.len());
    for d in &analysis.diagnoses {
        for text in [&d.headline, &d.evidence, &d.suggestion] {
            assert!(page.contains(&html_escape(text)), "missing {text:?}");
        }
    }
    for h in scalescope::analysis::headline::headlines(exp, &analysis) {
        assert!(page.contains(&html_escape(&h.numbers())), "missing the headline {:?}", h.numbers());
    }
}

/// What the page could load from outside, if anything: it has no `src=`,
/// no `@import`, no `url(`, links only to its own anchors, and names
/// `http://` only as the SVG namespace.
fn external_loads(page: &str) -> Vec<String> {
    let lower = page.to_ascii_lowercase();
    let mut bad: Vec<String> = ["src=", "@import", "url(", "https://", "<script", "<link", "<img", "<iframe", "<object"]
        .iter()
        .filter(|s| lower.contains(*s))
        .map(|s| (*s).to_string())
        .collect();
    bad.extend(
        lower
            .match_indices("href=")
            .map(|(i, _)| &lower[i..(i + 8).min(lower.len())])
            .filter(|h| !h.starts_with("href=\"#"))
            .map(String::from),
    );
    let http = lower.matches("http://").count();
    let namespace = lower.matches("xmlns=\"http://www.w3.org/2000/svg\"").count();
    if http != namespace {
        bad.push(format!("{} http:// besides the {namespace} SVG namespaces", http - namespace));
    }
    bad
}

#[test]
fn smoke_a_thread_sweep_shows_its_machine_plots_and_verdicts() {
    let exp = &*SWEEP;
    let page = report::html(&[exp]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.trim_end().ends_with("</html>"));
    for field in [&exp.name, &exp.machine.cpu_model, &exp.machine.os, &exp.workload_line(), &exp.id.to_string()] {
        assert!(page.contains(&html_escape(field)), "missing {field:?}");
    }
    assert!(page.contains(&exp.created.replace('T', " ").replace('Z', " UTC")));
    assert!(page.contains(&format!("{} logical / {} physical", exp.machine.logical_cores, exp.machine.physical_cores)));
    for title in ["Speedup vs threads", "Efficiency vs threads", "Fitted scaling models", "Per-worker timeline"] {
        assert!(has_plot(&page, title), "no plot {title:?} in {:?}", plot_titles(&page));
    }
    let analysis = Analysis::of(exp);
    assert_eq!(plot_titles(&page).iter().filter(|t| t.starts_with("What if?")).count(), analysis.what_if.len());
    assert_eq!(has_plot(&page, "Karp-Flatt"), !plot_data::karp_flatt_vs_threads(&[("", exp)]).is_empty());
    // One run, one design: no bars, no chunk sizes, no weak scaling, no memory.
    for absent in ["Speedup by design", "Time vs chunk size", "Weak scaling", "Memory read", "Comparison"] {
        assert!(!has_plot(&page, absent), "{absent} drawn for a plain sweep");
    }
    assert_verdicts(&page, exp);
    // The results table: the reference and one row per run, with the spread of each speedup.
    let base = exp.baseline_median_s();
    for r in &exp.runs {
        assert!(page.contains(&scalescope::analysis::headline::Spread::of(r, base).to_string()));
    }
    assert!(external_loads(&page).is_empty(), "{:?}", external_loads(&page));
}

/// The texts of an SVG element, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text").skip(1).map(|t| t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim().to_string()).collect()
}

#[test]
fn every_axis_has_three_labelled_ticks_and_every_plot_a_legend() {
    let (a, b) = &*TWO;
    let page = report::html(&[&*SWEEP, &*FEEDERS, &*WEAK, a, b]);
    for svg in page.split("<svg ").skip(1) {
        let svg = &svg[..svg.find("</svg>").unwrap()];
        let title = plot_titles(&format!("<svg {svg}"))[0].clone();
        let texts = svg_texts(svg);
        let numbers = texts.iter().filter(|t| t.trim_end_matches(['k', 'M']).parse::<f64>().is_ok()).count();
        // Bars and lanes have one numeric axis; every other plot two.
        let axes = if title.starts_with("Speedup by design") || title.starts_with("Per-worker") { 1 } else { 2 };
        assert!(numbers >= 3 * axes, "{title}: {numbers} numeric tick labels in {texts:?}");
        assert!(texts.len() > numbers + 1, "{title}: no legend in {texts:?}");
        assert!(svg.contains("fill=\"#FFFFFF\""), "{title}: no white background");
    }
}

#[test]
fn a_feeder_comparison_draws_its_designs_and_chunk_sizes() {
    let exp = &*FEEDERS;
    let page = report::html(&[exp]);
    assert!(has_plot(&page, "Speedup by design"), "{:?}", plot_titles(&page));
    assert!(has_plot(&page, "Time vs chunk size"));
    assert!(!plot_data::time_vs_chunk(&[("", exp)]).is_empty());
    assert_verdicts(&page, exp);
    // The chunk axis is logarithmic: its ticks are powers of ten (and 2x, 5x).
    let chunks = page.split("<svg ").find(|s| s.contains("<title>Time vs chunk size")).unwrap();
    assert!(chunks.contains(">\n100\n</text>") || chunks.contains(">\n1k\n</text>"), "{chunks}");
    assert!(external_loads(&page).is_empty(), "{:?}", external_loads(&page));
}

#[test]
fn weak_scaling_draws_the_scaled_speedup_and_gustafson() {
    let exp = &*WEAK;
    assert!(exp.weak.is_some());
    let page = report::html(&[exp]);
    assert!(has_plot(&page, "Weak scaling: scaled speedup vs threads"), "{:?}", plot_titles(&page));
    assert!(has_plot(&page, "Efficiency vs threads: strong (solid), weak (dashed)"));
    let analysis = Analysis::of(exp);
    for g in &analysis.gustafson {
        assert!(page.contains(&html_escape(&g.headline(exp.machine.logical_cores))));
    }
    assert!(page.contains("Weak scaling: n grows with the threads"), "the grown sizes' table");
    assert_verdicts(&page, exp);
}

#[test]
fn a_stream_sweep_draws_the_memory_probe() {
    let exp = &*STREAM;
    assert!(exp.bandwidth.is_some(), "the sweep probed the memory");
    let page = report::html(&[exp]);
    assert!(has_plot(&page, "Memory read vs threads"), "{:?}", plot_titles(&page));
    assert!(page.contains("memory probe (the machine)"));
    assert_verdicts(&page, exp);
}

#[test]
fn two_machines_are_compared_point_by_point() {
    let (a, b) = &*TWO;
    let page = report::html(&[a, b]);
    assert!(page.contains("Other CPU 9000") && page.contains(&html_escape(&a.machine.cpu_model)));
    assert!(has_plot(&page, "Comparison: speedup vs threads"), "{:?}", plot_titles(&page));
    // Each experiment keeps its own section and plots.
    assert_eq!(plot_titles(&page).iter().filter(|t| *t == "Speedup vs threads").count(), 2);
    let comparison = page.split("<svg ").find(|s| s.contains("<title>Comparison")).unwrap();
    assert!(comparison.contains("A: auto") && comparison.contains("B: auto"), "both experiments' curves");
    let points = compare::compare(a, b);
    assert!(!points.is_empty() && compare::incomparable(a, b).is_none());
    for p in &points {
        assert!(page.contains(&html_escape(&p.to_string())), "missing {p}");
    }
    assert!(page.contains(&html_escape(&compare::summary(&points))));
    let md = report::markdown(&[a, b]);
    assert!(md.contains("**B against A:**"), "{md}");
    assert!(md.contains(&format!("- {}", points[0].to_string().replace('*', "\\*"))), "{md}");
    assert!(external_loads(&page).is_empty(), "{:?}", external_loads(&page));
}

#[test]
fn strings_from_files_are_escaped() {
    let mut exp = SWEEP.clone();
    exp.name = "<script>alert('name')</script> & co".into();
    exp.machine.cpu_model = "<img src=x onerror=alert(1)> | CPU".into();
    exp.machine.os = "linux\u{1b}[2J \u{202e}evil".into();
    exp.lesson = Some("</style><script>alert(2)</script>".into());
    exp.workload.file = Some(PathBuf::from("<a href=\"https://x.test\">f</a>.txt"));
    let page = report::html(&[&exp]);
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<a href"), "markup from a file got through");
    assert!(page.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt; &amp; co"));
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt; | CPU"));
    assert!(page.contains("linux\\u{1b}[2J \\u{202e}evil") && !page.contains('\u{1b}') && !page.contains('\u{202e}'));
    assert!(page.contains("&lt;/style&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    let md = report::markdown(&[&exp]);
    assert!(md.contains("&lt;script&gt;alert('name')&lt;/script&gt; &amp; co"), "{md}");
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt; \\| CPU"), "{md}");
    assert!(!md.contains('\u{1b}'));
}

#[test]
fn the_markdown_is_a_table_per_experiment_with_the_headlines() {
    let exps = [&*SWEEP, &*FEEDERS];
    let md = report::markdown(&exps);
    assert!(md.starts_with("## Scalescope report: "));
    assert_eq!(md.matches("| configuration | median (min-max) | speedup (spread) | efficiency | verdict |").count(), 2);
    assert_eq!(md.matches("\n| --- | ---: | ---: | ---: | --- |\n").count(), 2);
    // One row for each reference and each run, five cells each.
    let rows: Vec<&str> =
        md.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| configuration") && !l.starts_with("| ---")).collect();
    assert_eq!(rows.len(), exps.iter().map(|e| e.runs.len() + 1).sum::<usize>());
    assert!(rows.iter().all(|r| r.matches(" | ").count() == 4), "{rows:?}");
    for (i, exp) in exps.iter().enumerate() {
        assert!(md.contains(&format!("### {}. ", ["A", "B"][i])));
        let analysis = Analysis::of(exp);
        for h in scalescope::analysis::headline::headlines(exp, &analysis) {
            assert!(md.contains(&h.verdict), "missing {:?}", h.verdict);
        }
    }
    // Both are primes of one size: compared, point by point.
    assert!(md.contains("### Comparison: primes n=30000") && md.contains("**B against A:**"), "{md}");
    // A workload of another size is not compared with them.
    assert!(!report::markdown(&[&*SWEEP, &*WEAK]).contains("### Comparison"));
}

/// The CLI with its library in `dir/data`.
fn cli(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scalescope")).env("SCALESCOPE_DATA_DIR", dir.join("data")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn the_cli_writes_both_reports_and_destroys_no_other_file() {
    let dir = scratch("cli");
    let (a, b) = &*TWO;
    for (name, exp) in [("a.json", a), ("b.json", b)] {
        std::fs::write(dir.join(name), exp.to_json()).unwrap();
    }
    let (code, _, err) = cli(&dir, &["import", dir.join("a.json").to_str().unwrap(), dir.join("b.json").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (html, md) = (dir.join("r.html"), dir.join("r.md"));
    let (ida, idb) = (a.id.to_string(), b.id.to_string());
    let args = ["report", &ida, &idb, "--html", html.to_str().unwrap(), "--markdown", md.to_str().unwrap()];
    let (code, out, err) = cli(&dir, &args);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("wrote") && out.contains("2 experiments"), "{out}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with(report::ReportKind::Html.opening()) && has_plot(&page, "Comparison"));
    assert!(std::fs::read_to_string(&md).unwrap().starts_with("## Scalescope report"));
    // A second report goes over the first.
    assert_eq!(cli(&dir, &args).0, 0);
    // A file that is not a report is refused, and kept.
    let precious = dir.join("notes.md");
    std::fs::write(&precious, "my notes").unwrap();
    let (code, _, err) = cli(&dir, &["report", &ida, "--markdown", precious.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a scalescope report") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "my notes");
    // Ids are ids, not paths; unknown, repeated or no outputs are refused.
    for bad in [
        &["report", "../a.json", "--html", "x.html"][..],
        &["report", "20990101-000000-ffffffff", "--html", "x.html"],
        &["report", &ida, &ida, "--html", "x.html"],
        &["report", &ida],
    ] {
        let (code, _, err) = cli(&dir, bad);
        assert_eq!(code, 2, "{bad:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{bad:?}: one line: {err}");
    }
}

/// `chromium`, if installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).flat_map(|d| [d.join("chromium"), d.join("chromium-browser")]).find(|p| p.is_file())
}

/// Runs `cmd` to its end or for 90 s at most; its stdout and stderr.
fn run_bounded(cmd: &mut Command) -> (String, String) {
    let dir = scratch("chromium-out");
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let mut child =
        cmd.stdout(std::fs::File::create(&out).unwrap()).stderr(std::fs::File::create(&err).unwrap()).stdin(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (std::fs::read_to_string(out).unwrap_or_default(), std::fs::read_to_string(err).unwrap_or_default())
}

#[test]
#[ignore = "needs chromium (Debian's chromium package)"]
fn a_browser_renders_the_page_offline_with_every_plot_and_verdict() {
    let browser = chromium().expect("chromium is not installed (apt-get install chromium)");
    let (a, b) = &*TWO;
    let exps = [&*SWEEP, &*FEEDERS, &*WEAK, &*STREAM, a, b];
    let page = report::html(&exps);
    let dir = scratch("chromium");
    let file = dir.join("report.html");
    std::fs::write(&file, &page).unwrap();
    let url = format!("file://{}", file.display());
    let offline = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--log-level=0",
    ];
    let (dom, log) = run_bounded(
        Command::new(&browser).args(offline).arg(format!("--user-data-dir={}", dir.join("profile").display())).args(["--dump-dom", &url]),
    );
    assert_eq!(dom.matches("<svg ").count(), page.matches("<svg ").count(), "{log}");
    for title in plot_titles(&page) {
        assert!(dom.contains(&format!("<title>{title}</title>")), "the browser lost the plot {title}");
    }
    // The DOM is serialised again: quotes in text are written plainly.
    let plain = |s: &str| html_escape(s).replace("&quot;", "\"").replace("&#39;", "'");
    for exp in exps {
        for d in Analysis::of(exp).diagnoses {
            assert!(dom.contains(&plain(&d.headline)), "the browser shows no {:?}", d.headline);
        }
    }
    // Nothing was fetched: the page's policy refuses every load, and chromium
    // logs each refusal, as it does for a page that tries one.
    let probe = dir.join("probe.html");
    let policy = &page[page.find("<meta http-equiv").unwrap()..];
    let policy = &policy[..policy.find('>').unwrap() + 1];
    std::fs::write(&probe, format!("<!DOCTYPE html><html><head>{policy}</head><body><img src=\"http://example.com/x.png\"></body></html>"))
        .unwrap();
    let probe_url = format!("file://{}", probe.display());
    let (_, probe_log) = run_bounded(
        Command::new(&browser)
            .args(offline)
            .arg(format!("--user-data-dir={}", dir.join("profile0").display()))
            .args(["--dump-dom", &probe_url]),
    );
    assert!(probe_log.contains("Content Security Policy"), "chromium does not log a refused load here:\n{probe_log}");
    for refused in ["Content Security Policy", "net::ERR_"] {
        assert!(!log.contains(refused), "{refused} in chromium's log:\n{log}");
    }
    assert!(external_loads(&page).is_empty());
    let shot = dir.join("report.png");
    let (_, log) =
        run_bounded(Command::new(&browser).args(offline).arg(format!("--user-data-dir={}", dir.join("profile2").display())).args([
            "--window-size=1280,2400",
            &format!("--screenshot={}", shot.display()),
            &url,
        ]));
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(png.len() > 10_000 && png.starts_with(b"\x89PNG"), "no screenshot: {log}");
}
