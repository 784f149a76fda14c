//! `auto`: the engine's own design. It decides over the whole run, not
//! from a prefix.
//!
//! 1. Every worker starts as a dispenser: it takes the source's lock, pulls
//!    a chunk into its buffer, lets go, and maps the chunk, with adaptive
//!    chunk sizes (see `chunking`).
//! 2. Every worker measures as it goes: per item, the time it holds
//!    the lock to pull (`pull`), the time it maps (`map`), and, every
//!    [`FUSED_EVERY`] chunks, the time to pull and map a chunk in one fused
//!    loop under the lock (`fused`: what one core alone would take). All
//!    workers together count the items they take, so their rate is measured.
//!    The minimum of pull and map over the last few chunks (a thread that
//!    lost its core only makes a sample longer) and one of the last two
//!    fused samples go to [`decide`]: the one that favours the mode it is
//!    in (one chunk can be lucky on a heavy tail, or unlucky).
//! 3. When `workers` sharing the source would be slower than one fused loop
//!    (the source is the bottleneck), the first worker to see it switches the
//!    run to fused mode: it pulls and maps in blocks of about a millisecond
//!    under the lock and the others park. Every [`RECHECK`] it times one
//!    split chunk again and brings the others back when items became dearer.
//!
//! The probe of the first version (a few hundred items, one decision) could
//! choose one core on a prefix that did not represent the rest; here a wrong
//! guess lasts until the next measurement.

mod heartbeat;

use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::super::chunking::{self, Chunker};
use super::super::config::ChunkSize;
use super::super::crew::{Mark, Stage};
use super::super::kernel::Kernel;
use super::super::preempt::{ThreadClock, undisturbed};
use super::super::progress::{Local, Span};
use super::super::run::{Shared, execute};
use super::super::sync::{AtomicBool, AtomicU64, AtomicUsize, Mutex, PoisonError};
use super::super::{Ran, Switch};
use super::Partials;
use super::dispenser::take_chunk_and;
use super::sequential::{self, Fused};
use heartbeat::Heartbeat;

/// Per-item costs, nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Costs {
    /// Taking an item out of the source, into a buffer (lock held).
    pub pull_ns: f64,
    /// Mapping (folding) an item from the buffer.
    pub map_ns: f64,
    /// Pulling and mapping in one fused loop, as one core alone runs.
    pub fused_ns: f64,
}

/// Whether the workers share the source, or one fused loop runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Every worker takes chunks.
    Parallel,
    /// The leader runs fused; the others are parked.
    Fused,
}

impl Mode {
    /// The mode it switches from or to.
    pub(crate) fn other(self) -> Mode {
        match self {
            Mode::Parallel => Mode::Fused,
            Mode::Fused => Mode::Parallel,
        }
    }
}

/// How much faster `workers` sharing one serial source would be than one
/// fused loop: a serial source hands out items one at a time, so `p`
/// workers finish at best in `N x max(pull, (pull + map) / p)`, against
/// `N x fused` for one core. Below 1 they would be slower.
pub(crate) fn gain(c: &Costs, workers: usize) -> f64 {
    let pull = c.pull_ns.max(0.01);
    c.fused_ns.max(0.01) / pull.max((pull + c.map_ns.max(0.0)) / workers.max(1) as f64)
}

/// Leave the workers for one fused loop when they are measured this much
/// faster at most.
const TO_FUSED: f64 = 0.9;
/// Bring the workers back when the model says they would be at least this
/// much faster (it can be optimistic about them on the cheapest maps: 1.5x
/// on `trivial` here, where they are slower).
const TO_PARALLEL: f64 = 1.6;

/// What to run next, in mode `now`: pure, so it is tested on recorded
/// measurements. While the workers run, their measured rate (`rate`, items
/// per nanosecond of all of them together) is compared with one fused core
/// (`1 / fused_ns`): the model of [`gain`] is pessimistic about the
/// workers (on the build machine two dispenser workers beat one fused core
/// even on `trivial`, where it says they are 1.5x slower) and blind to how
/// the lock behaves. In fused mode there is no rate to measure, so the
/// model says when items became dear enough to bring the workers back. The
/// two thresholds keep it from flapping when both are about as fast.
pub(crate) fn decide(now: Mode, c: &Costs, workers: usize, rate: Option<f64>) -> Mode {
    match now {
        Mode::Parallel if parallel_gain(c, workers, rate) < TO_FUSED => Mode::Fused,
        Mode::Fused if gain(c, workers) > TO_PARALLEL => Mode::Parallel,
        m => m,
    }
}

/// A fused sample holds at least this much work: a chunk of the cheapest
/// items (32 KiB of them, a few microseconds) timed alone read anywhere
/// from 1.4 to 2.7 ns/item on `trivial`.
const FUSED_SAMPLE: Duration = Duration::from_micros(50);

/// Items in a fused sample: a chunk, or [`FUSED_SAMPLE`] of work at the
/// split costs measured so far, whichever is more (at most 2^18).
fn fused_sample_items(chunk: usize, c: &Costs) -> usize {
    let per_item = c.pull_ns + c.map_ns;
    if per_item.is_finite() && per_item > 0.0 {
        let by_time = (FUSED_SAMPLE.as_nanos() as f64 / per_item) as usize;
        chunk.max(by_time.min(1 << 18))
    } else {
        chunk
    }
}

/// A split sample whose map cost is this many times the kept minimum starts
/// the map window afresh.
const JUMP: f64 = 4.0;

/// The most items a fused block takes under the lock: a block sized for
/// cheap items runs on for as long as the items stay dear when costs jump
/// (65,536 items of 200 steps held the lock for 15 ms on `step`), and the
/// checks for dearer items wait for its end.
const FUSED_BLOCK_MAX: usize = 1 << 14;

/// How much dearer an item must have become, against the map cost at
/// which the workers last lost to one core, before the model may bring
/// them back: the model is optimistic about the workers on the cheapest
/// maps (it does not see the source's cache line moving between cores),
/// and without this `auto` flapped on `trivial` every few milliseconds.
const DEARER: f64 = 2.0;

/// Whether items are dear enough to try the workers again: never lost
/// yet, or the map now costs [`DEARER`] times what it did when they lost.
pub(crate) fn dearer_than_when_lost(now: &Costs, lost_at_map_ns: Option<f64>) -> bool {
    lost_at_map_ns.is_none_or(|m| now.map_ns > DEARER * m)
}

/// How much faster the workers are than one fused core: measured when a
/// rate is known, else modelled.
fn parallel_gain(c: &Costs, workers: usize, rate: Option<f64>) -> f64 {
    rate.map_or_else(|| gain(c, workers), |r| r * c.fused_ns)
}

/// The reasoning of a decision, for people.
pub(crate) fn reason(c: &Costs, workers: usize, rate: Option<f64>) -> String {
    let g = parallel_gain(c, workers, rate);
    let x = |g: f64| if g >= 1.0 { format!("about {g:.1}x faster") } else { format!("about {:.1}x slower", 1.0 / g) };
    match rate {
        Some(r) => format!(
            "{workers} threads ran {:.1} ns/item together, one fused core {:.1} ns/item: {workers} threads are {}",
            1.0 / r.max(1e-12),
            c.fused_ns,
            x(g)
        ),
        None => format!(
            "pull {:.1} + map {:.1} ns/item shared, fused {:.1} ns/item on one core: {workers} threads would be {}",
            c.pull_ns,
            c.map_ns,
            c.fused_ns,
            x(g)
        ),
    }
}

/// The shortest stretch over which the workers' rate is measured.
const RATE_SPAN: Duration = Duration::from_millis(2);

/// Every how many parallel chunks a worker times one fused (the others
/// wait for the lock meanwhile, so not often).
const FUSED_EVERY: u64 = 64;
/// Workers measured this much faster than one fused core time a fused
/// chunk 4x less often.
const FAR_AHEAD: f64 = 1.5;
/// How often the leader in fused mode checks whether items became dearer.
const RECHECK: Duration = Duration::from_millis(3);
/// How long a parked worker sleeps before looking again.
const PARK: Duration = Duration::from_micros(500);
/// Decisions recorded in the plan (past them, only a count).
const MAX_LOGGED: usize = crate::engine::MAX_SWITCHES_KEPT;

/// The fewest items a timed chunk must hold to count: two clock reads
/// (tens of nanoseconds) spread over fewer items would read as a cost.
const MIN_TIMED_ITEMS: usize = 256;

/// Fused samples kept: the estimate is the dearer (see [`Estimate`]).
const FUSED_KEPT: usize = 2;

/// Samples of each cost kept: the estimate is their minimum.
const WINDOW: usize = 8;

/// The last [`WINDOW`] samples of one per-item cost. A thread that loses
/// its core for a while only makes a sample longer, never shorter, so the
/// minimum of recent samples is the cost itself, not the machine's load;
/// the window still follows costs that change along the input.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    v: [f64; WINDOW],
    len: usize,
    next: usize,
}

impl Recent {
    fn push(&mut self, x: f64) {
        self.v[self.next] = x;
        self.next = (self.next + 1) % WINDOW;
        self.len = (self.len + 1).min(WINDOW);
    }
    fn min(&self) -> f64 {
        self.v[..self.len].iter().copied().fold(f64::INFINITY, f64::min)
    }
    fn max(&self) -> f64 {
        self.v[..self.len].iter().copied().fold(0.0, f64::max)
    }
}

/// One worker's recent per-item costs.
#[derive(Clone, Copy, Debug, Default)]
struct Estimate {
    pull: Recent,
    map: Recent,
    /// The latest [`FUSED_KEPT`] fused samples; the workers' mode reads
    /// their mean. One chunk timed fused can be lucky (on a heavy tail, a
    /// chunk with fewer of the rare dear items reads 2x cheaper than the
    /// average), and a lucky sample against the workers' measured average
    /// rate chose one core where the workers were faster; the mean of the
    /// last two is less often lucky and stays recent, so it follows costs
    /// that change along the input.
    /// Each with the split map cost when it was taken: costs that rise
    /// along the input (a ramp) make an older sample cheaper, so a sample
    /// is carried to now by adding the map cost's growth since.
    fused: [Option<(f64, f64)>; FUSED_KEPT],
    costs: Costs,
}

impl Estimate {
    /// A chunk of `items` pulled in `pull` and mapped in `map`; chunks too
    /// small to time (the clock's own cost would dominate) are left out.
    fn split(&mut self, items: usize, pull: Duration, map: Duration) {
        if items < MIN_TIMED_ITEMS {
            return;
        }
        let (pull_ns, map_ns) = (per_item(pull, items), per_item(map, items));
        if self.map.len > 0 && map_ns > JUMP * self.map.min() {
            // The items' cost jumped (the second half of `step`): the older,
            // cheaper samples no longer describe them. Without this the
            // minimum kept the old cost for 8 more samples, one every
            // RECHECK in fused mode: 30 ms on one core for dear items.
            self.map = Recent::default();
        }
        self.pull.push(pull_ns);
        self.map.push(map_ns);
        self.update();
    }
    fn fused(&mut self, items: usize, took: Duration) {
        // A sample shorter than half of `FUSED_SAMPLE` (the early ones, a
        // chunk of a few hundred items sized before any cost was known)
        // can miss a heavy tail's rare dear items: one of 256 items read
        // 12 ns/item where the items average 36, and the mean of it and a
        // true sample sent the workers away from a 1.9x win.
        if items < MIN_TIMED_ITEMS || took < FUSED_SAMPLE / 2 {
            return;
        }
        self.fused.rotate_right(1);
        self.fused[0] = Some((per_item(took, items), self.map.min()));
        self.update();
    }
    fn update(&mut self) {
        // No allocation: this runs after every timed chunk.
        let (sum, count) = self.kept().fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
        let fused_ns = if count == 0 { f64::INFINITY } else { sum / count as f64 };
        self.costs = Costs { pull_ns: self.pull.min(), map_ns: self.map.min(), fused_ns };
    }
    fn ready(&self) -> bool {
        self.pull.len >= 2 && self.fused.iter().all(Option::is_some)
    }
    /// The kept fused samples, each plus what the map cost has grown since
    /// it was taken (a fused item is a pull and a map; never less).
    fn kept(&self) -> impl Iterator<Item = f64> + '_ {
        let now = self.map.min();
        self.fused.iter().flatten().map(move |&(fused, map_then)| {
            if map_then.is_finite() && now.is_finite() && now > map_then { fused + (now - map_then) } else { fused }
        })
    }
    /// The costs a decision in mode `now` reads: the mean of the fused
    /// samples while the workers run, the cheaper while one core runs (so
    /// one dear sample does not bring the workers back).
    fn costs_in(&self, now: Mode) -> Costs {
        match now {
            Mode::Parallel => self.costs,
            Mode::Fused => {
                let cheaper = self.kept().fold(f64::INFINITY, f64::min);
                Costs { fused_ns: cheaper, ..self.costs }
            }
        }
    }
}

pub(super) fn per_item(d: Duration, n: usize) -> f64 {
    d.as_nanos() as f64 / n.max(1) as f64
}

/// What a step hands back: `Continue` with the accumulator to go on,
/// `Break` with it to leave the worker's loop.
type Flow<A> = ControlFlow<A, A>;

/// Runs `auto`: the fused loop for one thread. For more, the calling
/// thread starts alone as a plain loop would (see `heartbeat`), and
/// [`Auto`]'s workers take the rest when the costs say they pay.
pub(crate) fn run<I, K>(source: I, k: &K, shared: &Shared<'_>, threads: usize, chunk: ChunkSize) -> Partials<K::Acc>
where
    I: Iterator + Send,
    I::Item: Send,
    K: Kernel<I::Item>,
{
    let mut local = shared.local(0);
    if threads == 1 {
        let acc = sequential::to_the_end(source, k, shared, &mut local);
        return Partials { accs: vec![acc], spans: local.into_spans(), workers: 0, ran: Ran::OneCore, switches: vec![], more: 0 };
    }
    let mut beat = Heartbeat::new(k, threads, shared.origin);
    let alone =
        sequential::fused(source, k, shared, &mut local, k.identity(), |src, local, acc, b, worked| beat.beat(src, local, acc, b, worked));
    let mut spans = local.into_spans();
    let switches: Vec<Switch> = beat.last.take().into_iter().collect();
    match alone {
        Fused::Done(acc) => Partials { accs: vec![acc], spans, workers: 0, ran: Ran::OneCore, switches, more: 0 },
        Fused::Handed(source, acc) => {
            let auto = Auto::new(source, k, shared, threads, chunk);
            auto.fused_total.store(beat.items, Ordering::Relaxed);
            auto.log.lock().unwrap_or_else(PoisonError::into_inner).lines = switches;
            let (mut accs, more_spans) = execute(shared, threads, None::<fn()>, |_, local, mark| auto.work(local, mark));
            accs.insert(0, acc);
            spans.extend(more_spans);
            auto.partials(accs, spans)
        }
    }
}

/// The hand-off between the workers and one fused core, all of it through
/// the `sync` module: model-checked with loom below.
struct Hand<I> {
    /// Every item leaves the source under this lock, split or fused.
    source: Mutex<I>,
    /// Set while one worker runs fused; the others park.
    fused_mode: AtomicBool,
    /// Set when a worker saw the source end: every worker leaves.
    done: AtomicBool,
}

impl<I: Iterator> Hand<I> {
    fn new(source: I) -> Self {
        Hand { source: Mutex::new(source), fused_mode: AtomicBool::new(false), done: AtomicBool::new(false) }
    }

    /// Up to `n` items into `buf` through the dispenser's step: the
    /// source's upper size hint and when the lock was held; `None` when
    /// the lock is poisoned (the source panicked in another worker).
    #[inline]
    fn take(&self, buf: &mut Vec<I::Item>, n: usize) -> Option<(Option<usize>, Instant)> {
        take_chunk_and(&self.source, buf, n, Instant::now)
    }

    /// Pulls and maps up to `m` items in one fused loop under the lock:
    /// the accumulator, the items taken (fewer than `m`: the source ended),
    /// when the lock was held and when it was let go; `Break` with the
    /// accumulator when the lock is poisoned.
    #[inline]
    fn fused<K: Kernel<I::Item>>(&self, k: &K, acc: K::Acc, m: usize) -> ControlFlow<K::Acc, (K::Acc, usize, Instant, Instant)> {
        let Ok(mut it) = self.source.lock() else { return ControlFlow::Break(acc) };
        let held = Instant::now();
        let (acc, n) = k.fold_many(acc, it.by_ref().take(m));
        drop(it);
        ControlFlow::Continue((acc, n, held, Instant::now()))
    }

    /// Whether this worker is the first to claim fused mode.
    fn claim_fused(&self) -> bool {
        // Relaxed, like every use of the flag: it only says where to look;
        // the source's lock orders the items.
        self.fused_mode.compare_exchange(false, true, Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }

    /// Brings the parked workers back.
    fn release_fused(&self) {
        self.fused_mode.store(false, Ordering::Relaxed);
    }

    /// Whether a worker in parallel mode parks (another runs fused).
    fn parked(&self) -> bool {
        self.fused_mode.load(Ordering::Relaxed)
    }

    /// The source ended.
    fn finish(&self) {
        // Release: pairs with the Acquire load in `finished`.
        self.done.store(true, Ordering::Release);
    }

    /// Whether a worker saw the source end.
    fn finished(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }
}

/// The plan's lines and a count of the switches past them.
#[derive(Default)]
struct Log {
    lines: Vec<Switch>,
    more: usize,
}

/// One run of `auto` on two or more threads: what its workers share. Each
/// worker runs [`Auto::work`], a loop over three steps: the parallel step
/// (a dispenser chunk, now and then a fused sample, and the decision to go
/// fused), the fused step (a block under the lock) and, every [`RECHECK`]
/// in fused mode, the recheck (a split chunk timed, and the decision to
/// bring the workers back).
struct Auto<'a, 'h, I: Iterator, K> {
    hand: Hand<I>,
    k: &'a K,
    shared: &'a Shared<'h>,
    threads: usize,
    /// Each worker starts from a copy.
    chunker: Chunker,
    log: Mutex<Log>,
    /// Items run in fused mode.
    fused_total: AtomicU64,
    /// Items the workers took in parallel mode, for their measured rate.
    taken: AtomicU64,
    /// Workers that have begun: the rate of all of them is measured only
    /// once each runs (one alone reads about one fused core's rate, and a
    /// fused sample a little lucky then sent a heavy tail to one core for
    /// 75% of its items, 2x slower).
    joined: AtomicUsize,
}

/// One worker's own state.
struct Worker<'w, 'l, T> {
    local: &'w mut Local<'l>,
    mark: &'w Mark,
    chunker: Chunker,
    buf: Vec<T>,
    est: Estimate,
    mode: Mode,
    /// Chunks taken in parallel mode.
    chunks: u64,
    /// Items of the next fused block.
    block: usize,
    /// When the next recheck is due in fused mode.
    recheck: Instant,
    /// The rates of all workers together measured by this one.
    rates: Recent,
    /// Every how many chunks this worker times one fused: seldom while
    /// the workers are far ahead of one core (a fused chunk holds the
    /// lock while it maps, so the others wait meanwhile).
    fused_every: u64,
    /// The map cost per item when this worker last saw the workers lose
    /// to one core: they come back only for dearer items.
    lost_at: Option<f64>,
    /// When the current rate stretch began, and the count of items taken then.
    rate_mark: (Instant, u64),
}

/// A chunk taken with the dispenser's step and mapped outside the lock:
/// its items, the source's upper size hint, and when the worker asked for
/// the lock (`t0`), held it (`ta`), let it go (`t1`) and had mapped (`t2`).
struct Split {
    n: usize,
    remaining: Option<usize>,
    t0: Instant,
    ta: Instant,
    t1: Instant,
    t2: Instant,
}

impl<'w, 'l, T> Worker<'w, 'l, T> {
    fn new(local: &'w mut Local<'l>, mark: &'w Mark, chunker: Chunker, taken: u64) -> Self {
        let now = Instant::now();
        Worker {
            local,
            mark,
            buf: Vec::with_capacity(chunker.size()),
            chunker,
            est: Estimate::default(),
            mode: Mode::Parallel,
            chunks: 0,
            block: 1,
            recheck: now + RECHECK,
            rates: Recent::default(),
            fused_every: FUSED_EVERY,
            lost_at: None,
            rate_mark: (now, taken),
        }
    }

    /// Records a mapped split chunk: its span, its chunk size and its costs.
    fn record(&mut self, s: &Split, remaining: Option<usize>) {
        self.local.pulled(s.t1 - s.ta);
        self.local.chunk(s.n as u64, s.t0, s.t1, s.t2);
        self.chunker.observe(s.n, s.t2 - s.t1, remaining);
        self.est.split(s.n, s.t1 - s.ta, s.t2 - s.t1);
    }
}

impl<'a, 'h, I, K> Auto<'a, 'h, I, K>
where
    I: Iterator,
    K: Kernel<I::Item>,
{
    fn new(source: I, k: &'a K, shared: &'a Shared<'h>, threads: usize, chunk: ChunkSize) -> Self {
        Auto {
            hand: Hand::new(source),
            k,
            shared,
            threads,
            chunker: Chunker::new(chunk, chunking::MIN, threads, chunking::max_items::<I::Item>()),
            log: Mutex::new(Log::default()),
            fused_total: AtomicU64::new(0),
            taken: AtomicU64::new(0),
            joined: AtomicUsize::new(0),
        }
    }

    /// One worker, from its first chunk to the end of the source (or a stop).
    fn work(&self, local: &mut Local<'_>, mark: &Mark) -> K::Acc {
        // Relaxed: see `rate`.
        self.joined.fetch_add(1, Ordering::Relaxed);
        let mut w = Worker::new(local, mark, self.chunker.clone(), self.taken.load(Ordering::Relaxed));
        let mut acc = self.k.identity();
        loop {
            if self.shared.should_stop() {
                self.shared.abort();
                return acc;
            }
            if self.hand.finished() {
                return acc;
            }
            let next = match w.mode {
                Mode::Parallel if self.hand.parked() => {
                    self.park(&mut w);
                    ControlFlow::Continue(acc)
                }
                Mode::Parallel => self.parallel_step(&mut w, acc),
                Mode::Fused => self.fused_step(&mut w, acc),
            };
            match next {
                ControlFlow::Continue(a) => acc = a,
                ControlFlow::Break(a) => return a,
            }
        }
    }

    /// Another worker runs fused: sleep a while.
    fn park(&self, w: &mut Worker<'_, '_, I::Item>) {
        std::thread::sleep(PARK);
        // Back from parking: what it measured before is stale.
        w.est = Estimate::default();
        w.rates = Recent::default();
        w.rate_mark = (Instant::now(), self.taken.load(Ordering::Relaxed));
    }

    /// Parallel mode: a dispenser chunk (now and then one timed fused), the
    /// workers' rate, and whether one fused core would be faster.
    fn parallel_step(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> Flow<K::Acc> {
        w.chunks += 1;
        // Chunks 2 and 4, then every `fused_every`: two samples early, so auto can decide early.
        let fused_turn = w.chunks % w.fused_every == 2 || w.chunks == 4;
        let (acc, n) = if fused_turn { self.fused_sample(w, acc)? } else { self.parallel_chunk(w, acc)? };
        let rate = self.rate(w, n);
        if !w.est.ready() || rate.is_none() {
            return ControlFlow::Continue(acc);
        }
        let far_ahead = parallel_gain(&w.est.costs, self.threads, rate) > FAR_AHEAD;
        w.fused_every = if far_ahead { FUSED_EVERY * 4 } else { FUSED_EVERY };
        // Any worker may find the source to be the bottleneck; the first
        // to say so runs fused, and the others park.
        if decide(Mode::Parallel, &w.est.costs_in(Mode::Parallel), self.threads, rate) == Mode::Fused && self.hand.claim_fused() {
            w.mode = Mode::Fused;
            self.note(Mode::Fused, &w.est, rate);
            w.lost_at = Some(w.est.costs.map_ns);
            w.block = w.chunker.size().max(1);
            w.recheck = Instant::now() + RECHECK;
        }
        ControlFlow::Continue(acc)
    }

    /// A chunk through the dispenser's step, mapped outside the lock; its items.
    fn parallel_chunk(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> ControlFlow<K::Acc, (K::Acc, usize)> {
        let (acc, s) = self.split(w, acc)?;
        if s.n == 0 {
            w.local.last_wait(s.t0, s.t1);
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        w.record(&s, s.remaining);
        ControlFlow::Continue((acc, s.n))
    }

    /// A timed fused sample in parallel mode (a chunk or more, see
    /// [`fused_sample_items`]); its items.
    fn fused_sample(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> ControlFlow<K::Acc, (K::Acc, usize)> {
        let want = fused_sample_items(w.chunker.size(), &w.est.costs);
        // The other workers preempt this one on a crowded machine: one core
        // alone would not be, so a preempted sample counts its CPU time.
        let before = ThreadClock::now();
        let t0 = Instant::now();
        w.mark.set(Stage::Fused);
        let (acc, n, ta, t1) = self.hand.fused(self.k, acc, want)?;
        if n == 0 {
            w.local.last_wait(t0, t1);
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        w.local.chunk(n as u64, t0, ta, t1);
        w.est.fused(n, undisturbed(before, t1 - ta));
        if n < want {
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        ControlFlow::Continue((acc, n))
    }

    /// The rate of all workers together after this worker took `n` items,
    /// over stretches of at least [`RATE_SPAN`]: the highest of the last few
    /// (a stretch in which the machine was busy elsewhere only reads slower).
    fn rate(&self, w: &mut Worker<'_, '_, I::Item>, n: usize) -> Option<f64> {
        // Relaxed: a count that only steers the decision.
        let total = self.taken.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let now = Instant::now();
        if self.joined.load(Ordering::Relaxed) < self.threads {
            // Not every worker runs yet: the stretch starts when they do.
            w.rate_mark = (now, total);
            return None;
        }
        if now - w.rate_mark.0 >= RATE_SPAN {
            w.rates.push(total.saturating_sub(w.rate_mark.1) as f64 / (now - w.rate_mark.0).as_nanos().max(1) as f64);
            w.rate_mark = (now, total);
        }
        (w.rates.len > 0).then(|| w.rates.max())
    }

    /// Fused mode: this worker alone, a block of about a millisecond under
    /// the lock; then, when due, the recheck.
    fn fused_step(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> Flow<K::Acc> {
        let before = ThreadClock::now();
        let t0 = Instant::now();
        w.mark.set(Stage::Fused);
        let (acc, n, _, t1) = self.hand.fused(self.k, acc, w.block)?;
        if n == 0 {
            w.local.last_wait(t0, t1);
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        w.local.chunk(n as u64, t0, t0, t1);
        // Relaxed: a count read after the join.
        self.fused_total.fetch_add(n as u64, Ordering::Relaxed);
        w.est.fused(n, undisturbed(before, t1 - t0));
        if n < w.block {
            // Fewer than asked: the source ended.
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        w.block = sequential::next_block(w.block, t1 - t0).min(FUSED_BLOCK_MAX);
        if t1 < w.recheck {
            return ControlFlow::Continue(acc);
        }
        w.recheck = t1 + RECHECK;
        self.recheck(w, acc)
    }

    /// In fused mode, times one split chunk: have the items become dear
    /// enough to bring the workers back?
    fn recheck(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> Flow<K::Acc> {
        let want = w.chunker.size();
        let (acc, s) = self.split(w, acc)?;
        if s.n > 0 {
            w.record(&s, None);
        }
        if s.n < want {
            // Fewer than asked: the source ended.
            self.hand.finish();
            return ControlFlow::Break(acc);
        }
        if decide(Mode::Fused, &w.est.costs_in(Mode::Fused), self.threads, None) == Mode::Parallel
            && dearer_than_when_lost(&w.est.costs, w.lost_at)
        {
            w.mode = Mode::Parallel;
            self.note(Mode::Parallel, &w.est, None);
            w.rates = Recent::default();
            w.rate_mark = (Instant::now(), self.taken.load(Ordering::Relaxed));
            self.hand.release_fused();
        }
        ControlFlow::Continue(acc)
    }

    /// Takes a chunk with the dispenser's step and maps it outside the lock
    /// (nothing to map when the source had ended); `Break` when the lock is poisoned.
    fn split(&self, w: &mut Worker<'_, '_, I::Item>, acc: K::Acc) -> ControlFlow<K::Acc, (K::Acc, Split)> {
        let t0 = Instant::now();
        w.mark.set(Stage::Source);
        let Some((remaining, ta)) = self.hand.take(&mut w.buf, w.chunker.size()) else { return ControlFlow::Break(acc) };
        let t1 = Instant::now();
        let n = w.buf.len();
        if n == 0 {
            return ControlFlow::Continue((acc, Split { n, remaining, t0, ta, t1, t2: t1 }));
        }
        w.mark.set(Stage::Map);
        let (acc, _) = self.k.fold_many(acc, w.buf.drain(..));
        let t2 = Instant::now();
        ControlFlow::Continue((acc, Split { n, remaining, t0, ta, t1, t2 }))
    }

    /// Logs a switch to `to` with the costs that made it.
    fn note(&self, to: Mode, est: &Estimate, rate: Option<f64>) {
        let mut log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        if log.lines.len() < MAX_LOGGED {
            log.lines.push(Switch {
                at_s: self.shared.origin.elapsed().as_secs_f64(),
                to: if to == Mode::Fused { Ran::OneCore } else { Ran::Workers },
                reason: reason(&est.costs_in(to.other()), self.threads, rate),
            });
        } else {
            log.more += 1;
        }
    }

    /// What ran, from the share of the items run fused, and the plan.
    fn partials(self, accs: Vec<K::Acc>, spans: Vec<Span>) -> Partials<K::Acc> {
        let Log { lines, more } = self.log.into_inner().unwrap_or_else(PoisonError::into_inner);
        let fused_items = self.fused_total.into_inner();
        let total: u64 = progress_items(self.shared);
        let share = if total > 0 { fused_items as f64 / total as f64 } else { 0.0 };
        // Under 1%: the heartbeat's first beat, before the workers started.
        // Mostly on one core but never back to it: the workers started late,
        // they did not lose.
        let lost = more > 0 || lines.iter().any(|s| s.to == Ran::OneCore);
        let ran = if share > 0.9 && lost {
            Ran::OneCore
        } else if share >= 0.01 {
            Ran::Mixed { one_core_share: share }
        } else {
            Ran::Workers
        };
        Partials { accs, spans, workers: self.threads, ran, switches: lines, more }
    }
}

/// Items done by every worker, from their published counters (read after the join).
fn progress_items(shared: &Shared<'_>) -> u64 {
    super::super::progress::snapshot_all(&shared.slots).iter().map(|w| w.items).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(pull_ns: f64, map_ns: f64, fused_ns: f64) -> Costs {
        Costs { pull_ns, map_ns, fused_ns }
    }

    // Costs recorded by the leader on this project's 2-core build machine.
    #[test]
    fn a_cheap_map_goes_fused_and_says_how_much_slower_threads_would_be() {
        // `trivial`: pulling into the buffer costs more than the fused loop.
        let trivial = c(1.6, 0.5, 0.7);
        assert_eq!(decide(Mode::Parallel, &trivial, 2, None), Mode::Fused);
        assert!(reason(&trivial, 2, None).ends_with("2 threads would be about 2.3x slower"), "{}", reason(&trivial, 2, None));
        // And stays fused: nothing changed.
        assert_eq!(decide(Mode::Fused, &trivial, 2, None), Mode::Fused);
    }

    #[test]
    fn dear_items_stay_parallel_and_bring_the_workers_back() {
        let primes = c(1.5, 140.0, 141.0);
        assert_eq!(decide(Mode::Parallel, &primes, 2, None), Mode::Parallel);
        assert!(reason(&primes, 2, None).ends_with("about 2.0x faster"), "{}", reason(&primes, 2, None));
        // In fused mode, items that became dear bring the workers back.
        assert_eq!(decide(Mode::Fused, &primes, 2, None), Mode::Parallel);
        // A heavy tail: the average is what counts.
        assert_eq!(decide(Mode::Parallel, &c(1.2, 40.0, 41.0), 2, None), Mode::Parallel);
    }

    #[test]
    fn the_measured_rate_of_the_workers_overrules_the_model() {
        // `trivial` on the build machine: the model says 2 workers are
        // 2.3x slower, but they ran 1.6 ns/item together against 1.7 fused.
        let trivial = c(1.6, 0.5, 1.7);
        assert_eq!(decide(Mode::Parallel, &trivial, 2, Some(1.0 / 1.6)), Mode::Parallel);
        // A lock that thrashes: 4 ns/item together is 2.4x slower than one core.
        assert_eq!(decide(Mode::Parallel, &trivial, 2, Some(1.0 / 4.0)), Mode::Fused);
        assert!(reason(&trivial, 2, Some(0.25)).ends_with("2 threads are about 2.4x slower"), "{}", reason(&trivial, 2, Some(0.25)));
    }

    #[test]
    fn no_flapping_between_the_thresholds() {
        // Gain 1.0: neither switches.
        let even = c(1.0, 1.0, 1.0);
        assert!((gain(&even, 2) - 1.0).abs() < 1e-9);
        assert_eq!(decide(Mode::Parallel, &even, 2, None), Mode::Parallel);
        assert_eq!(decide(Mode::Fused, &even, 2, None), Mode::Fused);
    }

    #[test]
    fn more_workers_cannot_beat_the_source() {
        // The pull bounds the rate however many workers there are.
        let bound = c(10.0, 10.0, 20.0);
        assert!((gain(&bound, 64) - 2.0).abs() < 1e-9);
        assert!((gain(&bound, 2) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn the_workers_come_back_only_for_dearer_items() {
        // Recorded on `trivial` in fused mode: the model says 2 threads
        // would be 2.3x faster, but they ran 2.5x slower when they lost.
        let trivial = c(1.0, 0.5, 2.4);
        assert_eq!(decide(Mode::Fused, &trivial, 2, None), Mode::Parallel);
        assert!(!dearer_than_when_lost(&trivial, Some(0.5)));
        // `step`: the second half's items cost 200 steps.
        let dear = c(1.0, 216.0, 225.0);
        assert!(dearer_than_when_lost(&dear, Some(0.5)));
        assert!(dearer_than_when_lost(&trivial, None));
    }

    #[test]
    fn a_lucky_fused_chunk_on_a_heavy_tail_does_not_send_the_run_to_one_core() {
        // Costs of the shape seen on `heavy-tail` (1 item in 1000 costs 1000x): a fused
        // chunk with one dear item read 31 ns/item, the next with three
        // 75 ns/item; the two workers ran 26 ns/item together.
        let mut est = Estimate::default();
        let ms = |x: f64| Duration::from_nanos((x * 1e6) as u64);
        est.split(4096, ms(0.004), ms(0.15));
        est.split(4096, ms(0.004), ms(0.17));
        est.fused(4096, ms(0.08192));
        assert!(!est.ready(), "one fused sample is not enough to decide");
        est.fused(4096, ms(0.307));
        assert!(est.ready());
        assert!((est.costs.fused_ns - 47.5).abs() < 0.1, "the mean of 20 and 75: {:?}", est.costs);
        let rate = 1.0 / 26.0;
        assert_eq!(decide(Mode::Parallel, &est.costs, 2, Some(rate)), Mode::Parallel);
        // The lucky sample alone would have gone fused: 20 ns/item against 26 is under 0.9x.
        let lucky = Costs { fused_ns: 20.0, ..est.costs };
        assert_eq!(decide(Mode::Parallel, &lucky, 2, Some(rate)), Mode::Fused);
        // Once one core runs, an unlucky (dear) sample does not bring the workers back: it reads the cheaper.
        assert!((est.costs_in(Mode::Fused).fused_ns - 20.0).abs() < 0.1);
    }

    #[test]
    fn a_fused_sample_too_short_to_hold_the_rare_dear_items_is_not_kept() {
        let us = |x: f64| Duration::from_nanos((x * 1e3) as u64);
        // A worker's early sample on `heavy-tail`: 256 items in 3.1 us
        // (12 ns/item: no dear item among them; the items average 36).
        let mut est = Estimate::default();
        est.fused(256, us(3.1));
        assert!(est.fused.iter().all(Option::is_none), "{:?}", est.fused);
        // 4096 items in 150 us, four dear ones among them: kept.
        est.fused(4096, us(150.0));
        assert!(est.fused[0].is_some_and(|(ns, _)| (ns - 36.6).abs() < 0.1), "{:?}", est.fused);
    }

    #[test]
    fn costs_that_rise_or_jump_are_followed() {
        let us = |x: f64| Duration::from_nanos((x * 1e3) as u64);
        // A ramp: a fused sample of 60 ns/item taken when the map cost 50
        // is carried to now, when it costs 100: 60 + 50 = 110.
        let mut ramp = Estimate::default();
        ramp.split(1000, us(1.0), us(50.0));
        ramp.fused(1000, us(60.0));
        ramp.split(1000, us(1.0), us(100.0));
        ramp.map = Recent::default();
        ramp.split(1000, us(1.0), us(100.0));
        ramp.fused(1000, us(120.0));
        assert!((ramp.costs.fused_ns - 115.0).abs() < 0.5, "the mean of 110 and 120: {:?}", ramp.costs);
        // A step: eight cheap samples, then one 400x dearer starts afresh.
        let mut step = Estimate::default();
        for _ in 0..8 {
            step.split(4096, us(4.0), us(2.0));
        }
        step.split(4096, us(4.0), us(900.0));
        assert!(step.costs.map_ns > 200.0, "{:?}", step.costs);
    }
}

/// The hand-off between the workers and one fused core: two workers over a
/// source of 5, taking chunks of 2 through the dispenser's step. Each claims
/// fused mode after its first chunk; the one that gets it folds blocks of 2
/// under the lock while the other parks, and, in the second model, brings
/// the other back after one block. Every item is folded exactly once, and a
/// parked worker always leaves (loom reports a worker spinning forever).
#[cfg(all(test, loom))]
mod loom_tests {
    use std::ops::Range;

    use loom::sync::Arc;

    use super::*;

    /// Collects the items it folds.
    struct Collect;

    impl Kernel<u32> for Collect {
        type Acc = Vec<u32>;
        fn identity(&self) -> Vec<u32> {
            Vec::new()
        }
        fn fold(&self, mut acc: Vec<u32>, item: u32) -> Vec<u32> {
            acc.push(item);
            acc
        }
        fn combine(&self, mut a: Vec<u32>, b: Vec<u32>) -> Vec<u32> {
            a.extend(b);
            a
        }
    }

    /// A worker reduced to the hand-off: the same steps as [`Auto::work`]
    /// in the same order, with the decisions fixed.
    fn worker(hand: &Hand<Range<u32>>, back: bool) -> Vec<u32> {
        let (mut buf, mut acc, mut claimed, mut fused) = (Vec::new(), Vec::new(), false, false);
        loop {
            if hand.finished() {
                return acc;
            }
            if fused {
                let ControlFlow::Continue((a, n, _, _)) = hand.fused(&Collect, acc, 2) else { panic!("poisoned") };
                acc = a;
                if n < 2 {
                    hand.finish();
                    return acc;
                }
                if back {
                    fused = false;
                    hand.release_fused();
                }
                continue;
            }
            if hand.parked() {
                loom::thread::yield_now();
                continue;
            }
            hand.take(&mut buf, 2).expect("not poisoned");
            if buf.is_empty() {
                hand.finish();
                return acc;
            }
            acc = Collect.fold_many(acc, buf.drain(..)).0;
            if !claimed {
                claimed = true;
                fused = hand.claim_fused();
            }
        }
    }

    fn check(back: bool) {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(3);
        model.check(move || {
            let hand = Arc::new(Hand::new(0..5u32));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let hand = hand.clone();
                    loom::thread::spawn(move || worker(&hand, back))
                })
                .collect();
            let mut all: Vec<u32> = workers.into_iter().flat_map(|w| w.join().expect("a worker panicked")).collect();
            all.sort_unstable();
            assert_eq!(all, vec![0, 1, 2, 3, 4]);
        });
    }

    #[test]
    fn one_core_takes_over_and_the_parked_worker_leaves_at_the_end() {
        check(false);
    }

    #[test]
    fn the_workers_come_back_and_every_item_is_folded_once() {
        check(true);
    }
}
