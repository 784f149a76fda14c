//! The calling thread's side of [`broadcast`](super::broadcast): it alone
//! pulls the source, and hands the items to the consumers' threads the way
//! the [`Strategy`] says (see the module's note for each).

use std::sync::Arc;
use std::time::Instant;

use super::super::WorkerStats;
use super::super::crew::{self, Stage};
use super::chunks::{Chunk, ChunkTx, Pool};
use super::items::{Items, Src};
use super::step::Step;
use super::{BroadcastConfig, Consumer, Fed, Shared, Strategy};

/// The producer: the source, pulled on the calling thread alone.
struct Producer<'s, 'h, I> {
    shared: &'s Shared<'h>,
    source: I,
    config: BroadcastConfig,
    /// Items pulled so far.
    pulled: u64,
    /// Whether the source was read to its end, or every consumer left early.
    complete: bool,
    /// When progress was last sampled.
    sampled: Instant,
}

/// Runs every consumer over every item of `source` the way `config` says.
pub(super) fn feed<I, T, R>(shared: &Shared<'_>, source: I, consumers: Vec<Consumer<'_, T, R>>, config: &BroadcastConfig) -> Fed<R>
where
    I: Iterator<Item = T>,
    T: Clone + Send + Sync,
    R: Send,
{
    let mut producer = Producer { shared, source, config: *config, pulled: 0, complete: false, sampled: Instant::now() };
    let results = match config.strategy {
        Strategy::BufferAll => producer.buffer_all(consumers),
        Strategy::Tee | Strategy::Chunked => producer.chunked(consumers),
        Strategy::LockStep => producer.lock_step(consumers),
    };
    Fed { results, pulled: producer.pulled, complete: producer.complete }
}

impl<I, T> Producer<'_, '_, I>
where
    I: Iterator<Item = T>,
    T: Clone + Send + Sync,
{
    /// Buffer-all: collects every item, then runs the consumers over the one buffer.
    fn buffer_all<R: Send>(&mut self, consumers: Vec<Consumer<'_, T, R>>) -> Vec<Option<R>> {
        let (shared, chunk) = (self.shared, self.config.chunk.get());
        let mut all = Vec::new();
        self.complete = shared.produce(|_| {
            loop {
                let before = all.len();
                all.extend(self.source.by_ref().take(chunk));
                if all.len() == before {
                    return true;
                }
                shared.gauge.add((all.len() - before) as u64);
                if shared.stop() {
                    return false;
                }
            }
        });
        self.pulled = all.len() as u64;
        let srcs = if self.complete { (0..consumers.len()).map(|_| Src::Slice(&all[..], chunk)).collect() } else { vec![] };
        let out = run_consumers(shared, consumers, srcs, |_| {});
        shared.gauge.sub(all.len() as u64);
        out
    }

    /// Chunked and tee: shared chunks down a queue per consumer, `queue`
    /// chunks deep (chunked) or unbounded (tee).
    fn chunked<R: Send>(&mut self, consumers: Vec<Consumer<'_, T, R>>) -> Vec<Option<R>> {
        let (shared, strategy, queue) = (self.shared, self.config.strategy, self.config.queue.get());
        let pool = Pool::new(queue + 2);
        let (txs, srcs): (Vec<ChunkTx<T>>, Vec<Src<'_, T>>) = (0..consumers.len())
            .map(|_| {
                let (tx, rx) = match strategy {
                    Strategy::Tee => crossbeam_channel::unbounded(),
                    _ => crossbeam_channel::bounded(queue),
                };
                (tx, Src::Channel(rx))
            })
            .unzip();
        run_consumers(shared, consumers, srcs, |last| {
            self.complete = shared.produce(|_| self.send_chunks(&txs, &pool, last));
            drop(txs); // the consumers see the end
        })
    }

    /// Seals chunk after chunk and sends each to every consumer still
    /// reading; true at the end of the source or once every consumer left,
    /// false when stopped (looked at once per chunk).
    fn send_chunks(&mut self, txs: &[ChunkTx<T>], pool: &Pool<T>, last: &mut [WorkerStats]) -> bool {
        let (shared, chunk) = (self.shared, self.config.chunk.get());
        let mut live: Vec<bool> = vec![true; txs.len()];
        self.sampled = Instant::now();
        loop {
            let mut items = pool.take(chunk);
            items.extend(self.source.by_ref().take(chunk));
            if items.is_empty() {
                return true;
            }
            self.pulled += items.len() as u64;
            shared.gauge.add(items.len() as u64);
            let sealed = Arc::new(Chunk { items, gauge: shared.gauge.clone(), pool: pool.tx.clone() });
            for (tx, live) in txs.iter().zip(&mut live) {
                // A consumer that left (done early, or failed) gets no more.
                if *live && tx.send(sealed.clone()).is_err() {
                    *live = false;
                }
            }
            drop(sealed);
            let all_left = !live.contains(&true);
            if all_left || shared.stop() {
                return all_left && !shared.stop();
            }
            if shared.due(&mut self.sampled) {
                shared.sample(last);
            }
        }
    }

    /// Lock-step: one item at a time, taken by every consumer still reading
    /// before the next is pulled.
    fn lock_step<R: Send>(&mut self, consumers: Vec<Consumer<'_, T, R>>) -> Vec<Option<R>> {
        let shared = self.shared;
        let step = Step::new(consumers.len());
        let srcs = (0..consumers.len()).map(|_| Src::Step(&step, 0)).collect();
        run_consumers(shared, consumers, srcs, |last| {
            self.complete = shared.produce(|_| {
                shared.gauge.add(1);
                self.put_each(&step, last)
            });
            step.finish();
            shared.gauge.sub(1);
        })
    }

    /// Offers item after item; true at the end of the source or once every
    /// consumer left, false when stopped (looked at every 1,024 items).
    fn put_each(&mut self, step: &Step<T>, last: &mut [WorkerStats]) -> bool {
        let shared = self.shared;
        self.sampled = Instant::now();
        for x in self.source.by_ref() {
            self.pulled += 1;
            if !step.put(x) {
                return true; // every consumer left
            }
            if self.pulled.is_multiple_of(1024) {
                if shared.stop() {
                    return false;
                }
                if shared.due(&mut self.sampled) {
                    shared.sample(last);
                }
            }
        }
        true
    }
}

/// Starts one crew thread per consumer, runs `produce` on the calling
/// thread, then samples progress until every consumer is done.
fn run_consumers<'s, T, R>(
    shared: &'s Shared<'_>,
    consumers: Vec<Consumer<'_, T, R>>,
    srcs: Vec<Src<'s, T>>,
    produce: impl FnOnce(&mut Vec<WorkerStats>),
) -> Vec<Option<R>>
where
    T: Clone + Send + Sync,
    R: Send,
{
    let mut last: Vec<WorkerStats> = (0..shared.slots.len()).map(|worker| WorkerStats { worker, ..Default::default() }).collect();
    if srcs.len() != consumers.len() {
        // Nothing to read (the buffer was not completed).
        return consumers.iter().map(|_| None).collect();
    }
    crew::scope(&shared.failures, |crew| {
        let members: Vec<_> = consumers
            .into_iter()
            .zip(srcs)
            .enumerate()
            .map(|(i, (consumer, src))| {
                let items = Items::new(src, &shared.slots[i]);
                // A thread that cannot start drops its `Items`, which leaves the lock-step.
                crew.spawn(format!("scalescope-aggregate-{i}"), Stage::Consumer, move |_| consumer(items))
            })
            .collect();
        produce(&mut last);
        crew.watch(shared.hooks.progress.as_ref().map(|_| shared.hooks.interval()), || shared.sample(&mut last));
        members.into_iter().map(|m| m.join(&shared.failures)).collect()
    })
}
