//! The analysis is derived from what was measured, and the same recorded
//! experiment always gives the same analysis: four recorded experiments
//! (a thread sweep, a feeder comparison, a weak-scaling sweep, a stream with
//! its bandwidth probe) are analysed and compared, field by field and line by
//! line, with the outputs recorded in `tests/golden/` when the analysis was
//! first separated from the experiment. `GOLDEN_WRITE=1` rewrites them (for
//! an intended change, which the commit must name).
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::path::Path;

use scalescope::analysis::Analysis;
use scalescope::experiment::Experiment;

const CASES: [&str; 4] = ["thread-sweep", "feeders", "weak", "stream"];

/// The analysis fields of `exp` (schema 2's names) and the CLI's text.
fn analysed(exp: &Experiment) -> (serde_json::Value, String) {
    let analysis = Analysis::of(exp);
    let v = analysis.annotate(exp);
    let fields = serde_json::json!({
        "fits": v.get("fits"),
        "what_if": v.get("what_if"),
        "what_if_check": v.get("what_if_check"),
        "diagnoses": v["runs"].as_array().unwrap().iter().map(|r| r.get("diagnosis").cloned()).collect::<Vec<_>>(),
        "weak_fits": v.get("weak").and_then(|w| w.get("fits")),
        "weak_diagnoses": v.get("weak").map(|w| w["steps"].as_array().unwrap().iter()
            .map(|s| s["runs"].as_array().unwrap().iter().map(|r| r.get("diagnosis").cloned()).collect::<Vec<_>>()).collect::<Vec<_>>()),
    });
    let text = format!("{}{}", scalescope::export::table::to_table(exp), scalescope::analysis::describe(exp, &analysis));
    (fields, text)
}

#[test]
fn recorded_experiments_give_the_recorded_analysis() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden");
    let write = std::env::var_os("GOLDEN_WRITE").is_some();
    for case in CASES {
        let exp = Experiment::load(&dir.join(format!("{case}.json"))).unwrap();
        let (fields, text) = analysed(&exp);
        let fields = serde_json::to_string_pretty(&fields).unwrap();
        let (fields_path, text_path) = (dir.join(format!("{case}.analysis.json")), dir.join(format!("{case}.txt")));
        if write {
            std::fs::write(&fields_path, &fields).unwrap();
            std::fs::write(&text_path, &text).unwrap();
            continue;
        }
        let want_fields = std::fs::read_to_string(&fields_path).unwrap();
        let want_text = std::fs::read_to_string(&text_path).unwrap();
        for (i, (got, want)) in fields.lines().zip(want_fields.lines()).enumerate() {
            assert_eq!(got, want, "{case}.analysis.json line {}", i + 1);
        }
        assert_eq!(fields.lines().count(), want_fields.lines().count(), "{case}.analysis.json length");
        for (i, (got, want)) in text.lines().zip(want_text.lines()).enumerate() {
            assert_eq!(got, want, "{case}.txt line {}", i + 1);
        }
        assert_eq!(text.lines().count(), want_text.lines().count(), "{case}.txt length");
    }
}

#[test]
fn the_experiment_stores_no_analysis_and_an_old_stored_one_is_ignored() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden");
    let exp = Experiment::load(&dir.join("thread-sweep.json")).unwrap();
    let plain = serde_json::to_value(&exp).unwrap();
    assert!(plain.get("fits").is_none() && plain.get("what_if").is_none());
    assert!(plain["runs"].as_array().unwrap().iter().all(|r| r.get("diagnosis").is_none()));
    // A file written with a stale analysis (an older rule, another machine's
    // extrapolation) reads back as its measurements alone.
    let mut stale = Analysis::of(&exp).annotate(&exp);
    stale["fits"][0]["amdahl"]["f"] = 0.123.into();
    stale["runs"][1]["diagnosis"]["headline"] = "an old verdict".into();
    let reread = Experiment::from_json(&stale.to_string(), "stale.json").unwrap();
    assert_eq!(reread, exp);
    assert_eq!(Analysis::of(&reread), Analysis::of(&exp));
}
