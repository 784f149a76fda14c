//! The Learn panel: short explanations for students, each with a run that
//! shows it on this machine.

use eframe::egui::{self, RichText};

use super::Action;
use crate::engine::{Chunk, ChunkSize, FeederKind};
use crate::gui::state::{JobKind, Settings, ThreadSteps, capped_threads};
use crate::workloads::WorkloadKind;

/// One lesson: what it explains and the run that shows it.
#[derive(Debug)]
pub struct Lesson {
    /// Its title; also what its experiments record as their lesson.
    pub title: &'static str,
    /// The explanation.
    pub text: &'static str,
    /// What its "Try it" button runs.
    pub button: &'static str,
    setup: fn(&mut Settings) -> JobKind,
}

impl Lesson {
    /// The lesson's own settings and job, from the defaults (not the
    /// person's settings, so a large n set elsewhere never reaches a
    /// lesson), keeping the person's repetitions, warm-up and quiet mode.
    pub fn plan(&self, person: &Settings) -> (Settings, JobKind) {
        let mut s = Settings { reps: person.reps, warmup: person.warmup, quiet: person.quiet, ..Settings::default() };
        let kind = (self.setup)(&mut s);
        (s, kind)
    }
}

/// Every lesson, in the order of the Learn tab.
pub const LESSONS: &[Lesson] = &[
    Lesson {
        title: "Concurrency vs parallelism",
        text: "Concurrency is dealing with many things at once: several tasks in progress, taking turns. Parallelism is doing many things at once: several cores computing in the same instant. A thread that sleeps (waits for a disk or a network) leaves its core free, so more threads than cores still help when work blocks. CPU work only speeds up to the number of cores.",
        button: "Try it: sleep-spin, threads 1..4x cores",
        setup: |s| {
            s.workload = WorkloadKind::SleepSpin;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(4 * num_cpus::get());
            s.chunk = ChunkSize::Fixed(const { Chunk::of(1) });
            s.steps = ThreadSteps::Doubling;
            JobKind::Threads
        },
    },
    Lesson {
        title: "Why chunks help",
        text: "A plain iterator hands out one item at a time, and only one thread may take from it at once, so threads queue at it. Taking a chunk of items per visit pays the queue once per chunk instead of once per item. Too big a chunk, though, and one thread is left with the last big piece while the others sit idle.",
        button: "Try it: primes, chunk 1 ... 1,000,000",
        setup: |s| {
            s.workload = WorkloadKind::Primes;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get());
            JobKind::Chunks
        },
    },
    Lesson {
        title: "What a global interpreter lock does",
        text: "CPython (without free threading) runs Python code under one global lock: threads take turns, so CPU-bound work gets no faster with more threads. It still gets concurrency for waiting. The GIL switch holds one lock around every map call, so you see the same thing: the GIL-on curve stays at 1x or below.",
        button: "Try it: primes with the GIL off and on",
        setup: |s| {
            s.workload = WorkloadKind::Primes;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get());
            s.chunk = ChunkSize::Auto;
            JobKind::Gil
        },
    },
    Lesson {
        title: "Speedup, efficiency and Amdahl's law",
        text: "Speedup S(p) = T(sequential) / T(p threads). Efficiency E(p) = S(p) / p: the share of each thread's work that was useful. Amdahl's law: if a fraction f of the work can run in parallel, S(p) = 1 / ((1 - f) + f / p), so even f = 0.95 caps the speedup at 20x. The Karp-Flatt metric turns a measured speedup back into the serial fraction it implies.",
        button: "Try it: primes, thread sweep",
        setup: |s| {
            s.workload = WorkloadKind::Primes;
            s.feeder = FeederKind::Auto;
            s.threads = capped_threads(2 * num_cpus::get());
            s.chunk = ChunkSize::Auto;
            JobKind::Threads
        },
    },
    Lesson {
        title: "Strong and weak scaling (Amdahl and Gustafson)",
        text: "Strong scaling keeps the problem fixed and adds threads. Amdahl: if a share 1 - f of the one-thread time is serial, the speedup is 1 / ((1 - f) + f / p) and never passes 1 / (1 - f). Weak scaling grows the problem with the threads (here n becomes n x p), and each size is timed against its own plain loop: the scaled speedup. Gustafson: if a share s of the p-thread run is serial, p threads did the work of s + p (1 - s) one-thread runs, a scaled speedup of p - s (p - 1). The two shares are of different runs: a serial part that stays the same while n grows is a big share of a small problem (Amdahl's 1 - f) and a small share of a big one (Gustafson's s), so the weak curve keeps climbing where the strong one flattens. This run counts primes with a serial part (the primes below 1,000,000, counted on one thread first) at a fixed n and at n grown with the threads. For primes, n x p is more than p times the work (a prime test costs more for bigger numbers); the scaled speedup stays fair because each size has its own plain loop. Compare the two plots on the Scaling tab.",
        button: "Try it: primes with a serial part, strong and weak",
        setup: |s| {
            s.workload = WorkloadKind::Primes;
            s.spec_mut().params.set("n", 1_000_000);
            s.spec_mut().params.set("serial", 1_000_000);
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Auto;
            s.steps = ThreadSteps::Doubling;
            JobKind::Weak
        },
    },
    Lesson {
        title: "Memory bandwidth: when the cores wait for memory",
        text: "Some work does almost nothing per byte: summing a large array is one add per 8 bytes, far less than a core could do while the bytes arrive. Such a loop runs at the speed at which memory delivers bytes, not at the speed of the core's arithmetic. One core can keep only so many reads in flight, so a few threads help; but all cores share the same memory channels, and once they draw what the channels give, more threads only queue for them. The 'stream' workload sums a buffer larger than the caches and compares its bytes per second with a probe of this machine's memory taken between the runs; the diagnosis says 'memory-bound' where the run reaches the probe's flat top and stops scaling. On a machine with few cores the memory may keep up with all of them: then the probe and the stream rise together, there is no flat top to reach, and the diagnosis says the cores, not the memory, set the limit.",
        button: "Try it: stream, thread sweep",
        setup: |s| {
            s.workload = WorkloadKind::Stream;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Auto;
            s.steps = ThreadSteps::Doubling;
            JobKind::Threads
        },
    },
    Lesson {
        title: "When no parallel design can win",
        text: "If mapping an item costs less than taking it out of the iterator, the iterator is the bottleneck: threads only add the cost of passing items between cores. The 'trivial' workload shows it; the auto feeder measures both costs and runs on one core instead.",
        button: "Try it: trivial, every feeder",
        setup: |s| {
            s.workload = WorkloadKind::Trivial;
            s.threads = capped_threads(num_cpus::get());
            s.chunk = ChunkSize::Auto;
            JobKind::Feeders
        },
    },
    Lesson {
        title: "Load imbalance",
        text: "When items cost very different amounts, a worker with a few expensive items finishes long after the others. Small chunks spread the expensive items; huge chunks concentrate them. Watch the per-worker bars: idle time at the end is imbalance.",
        button: "Try it: skewed rows, chunk sweep",
        setup: |s| {
            s.workload = WorkloadKind::Skewed;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get());
            JobKind::Chunks
        },
    },
    Lesson {
        title: "False sharing",
        text: "Cores do not share memory byte by byte but in cache lines of 64 bytes. When two workers write their own counters that happen to sit in the same line, nothing is shared in the program, yet the hardware must move the whole line to whichever core writes next: every write waits for the other core. The 'false-sharing' workload runs the same adds with the workers' counters packed in one line and padded a line apart. Packed at 2 threads can be slower than 1 thread; padded scales. The fix is layout, not locks: pad per-worker data (crossbeam's CachePadded), or keep it local and combine at the end, as every feeder here does with its accumulators.",
        button: "Try it: packed vs padded counters",
        setup: |s| {
            s.workload = WorkloadKind::FalseSharing;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Fixed(const { Chunk::of(1024) });
            JobKind::Variants
        },
    },
    Lesson {
        title: "Shared state, and why the shuffle exists",
        text: "Counting words (or any keys) in parallel, the first idea is one shared map behind a lock. Then every item takes the lock, the workers queue at it, and more threads make it slower, not faster. The keyed map-reduce avoids the lock: each worker counts into tables of its own, and at the end the tables are merged by key (the shuffle: each key goes to exactly one reducer, so the reducers need no lock either). The 'contention' workload counts the same keys both ways.",
        button: "Try it: one locked map vs local tables merged",
        setup: |s| {
            s.workload = WorkloadKind::Contention;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Fixed(const { Chunk::of(1024) });
            JobKind::Variants
        },
    },
    Lesson {
        title: "Results in order, memory bounded",
        text: "A streaming parallel map must hand results back in input order, but workers finish out of order. Finished chunks wait in a reorder buffer until every earlier chunk is out. Letting workers run ahead without limit would make memory grow with the input; instead they stop taking input when a window of chunks is in flight. Watch the window fill and the reorder buffer rise when a chunk is slow, then compare with the unordered variant.",
        button: "Try it: ordered vs unordered stream",
        setup: |s| {
            s.workload = WorkloadKind::OrderedMap;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Auto;
            JobKind::Variants
        },
    },
    Lesson {
        title: "Map, shuffle, reduce",
        text: "A keyed map-reduce (word count) runs in two phases. Map: each worker reads its share of the lines and counts words into its own tables, one per partition (a hash of the word picks the partition). Shuffle and reduce: reducer i merges partition i of every worker's tables, so each word is owned by exactly one reducer and no locks are needed. Watch both phases advance.",
        button: "Try it: word count, one run",
        setup: |s| {
            s.workload = WorkloadKind::WordCount;
            s.feeder = FeederKind::Dispenser;
            s.threads = capped_threads(num_cpus::get().max(2));
            s.chunk = ChunkSize::Auto;
            JobKind::Once
        },
    },
    Lesson {
        title: "One pass, several readers",
        text: "A plain iterator can be read once. To compute a sum, a max and a histogram at the same time on separate threads, every item must reach every reader. Buffering the whole input costs memory equal to the input; an unbounded queue per reader (a tee) grows whenever one reader falls behind; a barrier per item (lock-step) keeps memory at one item but makes every item wait for the slowest thread. Chunks shared through short queues keep memory bounded and pay the hand-off once per chunk. Or use no threads at all (greenlets, as gevent does): every reader a coroutine, polled in turn on one thread for each item; one item in memory, a function call per hand-off, and no parallelism.",
        button: "Try it: the five strategies (n = 20,000, chunks of 1,000)",
        setup: |s| {
            s.workload = WorkloadKind::Aggregates;
            s.spec_mut().params.set("n", 20_000);
            // Chunks of 1,000 keep the chunked bound (6,000 items) well under n.
            s.chunk = ChunkSize::Fixed(const { Chunk::of(1_000) });
            JobKind::Variants
        },
    },
];

/// Draws the lessons; "Try it" starts a lesson's run and opens its view,
/// "Open" opens its view.
pub fn ui(ui: &mut egui::Ui, settings: &Settings, running: bool, actions: &mut Vec<Action>) {
    egui::ScrollArea::vertical().show(ui, |ui| {
        for (i, lesson) in LESSONS.iter().enumerate() {
            ui.heading(lesson.title);
            ui.label(lesson.text);
            ui.horizontal_wrapped(|ui| {
                if ui.add_enabled(!running, egui::Button::new(RichText::new(lesson.button).strong())).clicked() {
                    let (s, kind) = lesson.plan(settings);
                    actions.push(Action::Try(i, Box::new(s), kind));
                }
                if ui.button("Open the lesson view").clicked() {
                    actions.push(Action::Lesson(Some(i)));
                }
            });
            ui.add_space(12.0);
        }
    });
}
