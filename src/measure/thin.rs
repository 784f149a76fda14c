//! Timelines that fit in a file: a run with tiny chunks records a span per
//! chunk (hundreds of thousands), far more than a picture can show. Each
//! worker's spans are merged in runs of neighbours into at most
//! [`SPANS_PER_WORKER`] groups, each group drawn as its mapping time then its
//! waiting time: the whole run stays in the picture, with each stretch's
//! share of waiting and its items.

use crate::engine::{Span, SpanKind};

/// The most spans one worker keeps in a recorded timeline (a timeline is
/// about a thousand pixels wide).
pub const SPANS_PER_WORKER: usize = 1_000;

/// Thins `spans` to at most [`SPANS_PER_WORKER`] groups per worker (two
/// spans each: map, then wait); returns whether any were merged. Each
/// group keeps its start, its end, its items and its time split between
/// mapping and waiting. Reduce spans are kept as they are.
pub fn thin(spans: &mut Vec<Span>) -> bool {
    let workers = spans.iter().map(|s| s.worker + 1).max().unwrap_or(0);
    let mut merged = false;
    let mut out = Vec::with_capacity(spans.len().min(workers * 2 * SPANS_PER_WORKER));
    for w in 0..workers {
        let mut mine: Vec<Span> = spans.iter().filter(|s| s.worker == w && s.kind != SpanKind::Reduce).copied().collect();
        mine.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        let group = mine.len().div_ceil(SPANS_PER_WORKER).max(1);
        if group > 1 {
            merged = true;
            out.extend(mine.chunks(group).flat_map(merge));
        } else {
            out.extend(mine);
        }
    }
    out.extend(spans.iter().filter(|s| s.kind == SpanKind::Reduce).copied());
    *spans = out;
    merged
}

/// One group of neighbouring spans as its mapping time, then its waiting
/// time, over the group's own stretch of the run.
fn merge(group: &[Span]) -> Vec<Span> {
    let (Some(first), Some(last)) = (group.first(), group.last()) else { return Vec::new() };
    let time = |kind: SpanKind| group.iter().filter(|s| s.kind == kind).map(|s| s.end_s - s.start_s).sum::<f64>();
    let (map, wait) = (time(SpanKind::Map), time(SpanKind::Wait));
    let items = group.iter().map(|s| s.items).sum();
    let start = first.start_s;
    // The stretch's idle gaps stay gaps: map then wait from its start.
    let span =
        |kind, start_s: f64, len: f64, items| Span { worker: first.worker, kind, start_s, end_s: (start_s + len).min(last.end_s), items };
    let mut out = Vec::with_capacity(2);
    if map > 0.0 {
        out.push(span(SpanKind::Map, start, map, items));
    }
    if wait > 0.0 {
        out.push(span(SpanKind::Wait, start + map, wait, 0));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` chunks per worker: 1 ms mapping 10 items, 0.5 ms waiting.
    fn timeline(workers: usize, n: usize) -> Vec<Span> {
        (0..workers)
            .flat_map(|w| {
                (0..n).flat_map(move |i| {
                    let t = i as f64 * 1.5e-3;
                    [
                        Span { worker: w, kind: SpanKind::Map, start_s: t, end_s: t + 1e-3, items: 10 },
                        Span { worker: w, kind: SpanKind::Wait, start_s: t + 1e-3, end_s: t + 1.5e-3, items: 0 },
                    ]
                })
            })
            .collect()
    }

    #[test]
    fn a_long_timeline_keeps_its_items_its_times_and_its_length() {
        let mut spans = timeline(2, 20_000);
        spans.push(Span { worker: 2, kind: SpanKind::Reduce, start_s: 30.0, end_s: 30.1, items: 0 });
        assert!(thin(&mut spans));
        for w in 0..2 {
            let mine: Vec<&Span> = spans.iter().filter(|s| s.worker == w).collect();
            assert!(mine.len() <= 2 * SPANS_PER_WORKER, "{}", mine.len());
            assert_eq!(mine.iter().map(|s| s.items).sum::<u64>(), 200_000, "no item lost");
            let time = |k| mine.iter().filter(|s| s.kind == k).map(|s| s.end_s - s.start_s).sum::<f64>();
            assert!((time(SpanKind::Map) - 20.0).abs() < 1e-6 && (time(SpanKind::Wait) - 10.0).abs() < 1e-6);
            let end = mine.iter().map(|s| s.end_s).fold(0.0, f64::max);
            assert!((end - 30.0).abs() < 1e-6, "the whole run stays: {end}");
        }
        assert_eq!(spans.iter().filter(|s| s.kind == SpanKind::Reduce).count(), 1);
    }

    #[test]
    fn a_short_timeline_is_kept_as_it_is() {
        let mut spans = timeline(2, 100);
        let before = spans.clone();
        assert!(!thin(&mut spans));
        assert_eq!(spans, before);
    }
}
