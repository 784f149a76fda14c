//! The event protocol under back-pressure: with a progress channel of
//! capacity 1 and a slow consumer, every call's events carry its id, and its
//! lifecycle (`Started` first, `Finished` once and last) is complete and in
//! order; only snapshots may be dropped.
#![allow(clippy::unwrap_used, reason = "a test fails loudly where an unwrap fails")]

use std::time::Duration;

use scalescope::engine::{CallId, Config, FeederKind, Hooks, Progress, ProgressEvent, Run};
use scalescope::workloads::source::Counter;

/// Runs `call` with a capacity-1 channel drained slowly on another thread;
/// the call's id and every event it sent.
fn with_slow_consumer<T>(call: impl FnOnce(Hooks) -> (CallId, T)) -> (CallId, T, Vec<Progress>) {
    let (tx, rx) = crossbeam_channel::bounded::<Progress>(1);
    let consumer = std::thread::spawn(move || {
        let mut got = Vec::new();
        for p in rx {
            std::thread::sleep(Duration::from_micros(200));
            got.push(p);
        }
        got
    });
    let hooks = Hooks { progress: Some(tx), interval: Some(Duration::from_millis(1)), ..Hooks::none() };
    let (id, out) = call(hooks);
    (id, out, consumer.join().unwrap())
}

fn check_lifecycle(id: CallId, events: &[Progress], what: &str) {
    assert!(events.iter().all(|p| p.call == id), "{what}: an event of another call");
    let kinds: Vec<&ProgressEvent> = events.iter().map(|p| &p.event).collect();
    let finished: Vec<usize> =
        kinds.iter().enumerate().filter(|(_, e)| matches!(e, ProgressEvent::Finished { .. })).map(|(i, _)| i).collect();
    assert_eq!(finished, vec![kinds.len() - 1], "{what}: Finished exactly once, and last");
    let first_started = kinds.iter().position(|e| matches!(e, ProgressEvent::Started { .. })).unwrap_or(usize::MAX);
    let first_worker = kinds.iter().position(|e| matches!(e, ProgressEvent::Worker { .. })).unwrap_or(usize::MAX);
    assert!(first_started < kinds.len(), "{what}: no Started");
    assert!(first_started < first_worker, "{what}: a snapshot before Started");
}

#[test]
fn every_feeder_delivers_its_lifecycle_in_order_through_a_channel_of_one() {
    for feeder in FeederKind::ALL {
        let config = Config { feeder, ..Config::new(2).unwrap() };
        let (id, value, events) = with_slow_consumer(|hooks| {
            let run = Run::new(&config).hooks(hooks);
            let id = run.id();
            (id, run.map_reduce(Counter::new(300_000), |x| x % 7, u64::wrapping_add).unwrap().value)
        });
        assert_eq!(value, Some((0..300_000u64).map(|x| x % 7).sum()), "{feeder}");
        check_lifecycle(id, &events, feeder.name());
    }
}

#[test]
fn a_keyed_call_sends_finished_after_its_reduce_phase() {
    let config = Config::new(2).unwrap().chunk(64).unwrap();
    let (id, len, events) = with_slow_consumer(|hooks| {
        let run = Run::new(&config).hooks(hooks);
        let id = run.id();
        (id, run.map_reduce_by_key(0..50_000u64, |x: u64, out| out.emit(x % 1000, 1u64), |a, b| *a += b).unwrap().value.len())
    });
    assert_eq!(len, 1000);
    check_lifecycle(id, &events, "keyed");
    let reduce_end = events.iter().rposition(|p| matches!(p.event, ProgressEvent::Phase { phase: scalescope::engine::Phase::Reduce, .. }));
    assert!(reduce_end.is_some_and(|i| i + 1 == events.len() - 1), "the last phase event comes just before Finished");
}

#[test]
fn calls_have_distinct_ids() {
    let config = Config::new(2).unwrap();
    let (a, b) = (Run::new(&config).id(), Run::new(&config).id());
    assert_ne!(a, b);
}

#[test]
fn finished_says_how_the_call_ended() {
    use scalescope::engine::{CallEnd, CancelToken};
    let config = Config::new(2).unwrap();
    let end_of = |events: &[Progress]| match events.last().map(|p| &p.event) {
        Some(ProgressEvent::Finished { end, .. }) => end.clone(),
        other => panic!("the last event is not Finished: {other:?}"),
    };
    // Completed.
    let (_, _, events) = with_slow_consumer(|hooks| {
        let run = Run::new(&config).hooks(hooks);
        (run.id(), run.map_reduce(Counter::new(10_000), |x| x, u64::wrapping_add).unwrap())
    });
    assert_eq!(end_of(&events), CallEnd::Completed);
    // A panicking map: Failed, naming the thread and the message.
    let (_, result, events) = with_slow_consumer(|hooks| {
        let run = Run::new(&config).hooks(hooks);
        (run.id(), run.map_reduce(Counter::new(100_000), |x| if x == 5_000 { panic!("bad item {x}") } else { x }, u64::wrapping_add))
    });
    assert!(result.is_err());
    assert!(matches!(end_of(&events), CallEnd::Failed(f) if f.message.contains("bad item 5000")));
    // Cancelled before it starts: Cancelled.
    let token = CancelToken::new();
    token.cancel();
    let (_, result, events) = with_slow_consumer(|hooks| {
        let run = Run::new(&config).hooks(Hooks { cancel: Some(token.clone()), ..hooks });
        (run.id(), run.map_reduce(Counter::new(1_000_000), |x| x, u64::wrapping_add))
    });
    assert!(result.is_err());
    assert_eq!(end_of(&events), CallEnd::Cancelled);
}
