//! What a sweep asks for: the plan (workload, feeders, thread counts, chunk
//! sizes, repetitions), its configurations and problem sizes, checked before
//! anything runs. The measuring layer (the `measure` module) runs it.

use crate::engine::{Chunk, ChunkSize, Config, FeederKind, Threads};
use crate::workloads::{Variant, WorkloadError, WorkloadSpec};

/// What to measure.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPlan {
    /// The workload and its parameters.
    pub workload: WorkloadSpec,
    /// Feeders to compare.
    pub feeders: Vec<FeederKind>,
    /// Thread counts.
    pub threads: Vec<Threads>,
    /// Chunk sizes.
    pub chunks: Vec<ChunkSize>,
    /// GIL settings (usually just `[false]`).
    pub gil: Vec<bool>,
    /// Timed repetitions per configuration.
    pub reps: usize,
    /// Untimed warm-up runs per configuration.
    pub warmup: usize,
    /// Record per-worker spans of the median repetition.
    pub spans: bool,
    /// Variants to compare (`ordered-map`, `aggregates`); empty runs the
    /// workload's own variant (the one set, or its default).
    pub variants: Vec<Variant>,
    /// Weak scaling as well: every thread count `p` above one also runs at
    /// `n x p` against its own sequential reference at that size
    /// ([`crate::experiment::weak`]).
    pub weak: bool,
}

/// One problem size of a sweep: the workload at that size, timed against
/// its own sequential reference, and the configurations run at it.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The workload at this size (variants are applied per run).
    pub workload: WorkloadSpec,
    /// `None` for the strong sweep at the size asked; `Some(p)` for the
    /// weak step whose size grew with `p` threads.
    pub grown_for: Option<usize>,
    /// What runs at this size.
    pub configs: Vec<Config>,
}

impl SweepPlan {
    /// `workload` run once: `feeder` at `threads`, auto chunks, no GIL, one
    /// timed repetition, no warm-up, no spans, no variants, no weak half.
    /// Build on it with struct update syntax for other sweeps.
    pub fn single(workload: WorkloadSpec, feeder: FeederKind, threads: &[Threads]) -> Self {
        SweepPlan {
            workload,
            feeders: vec![feeder],
            threads: threads.to_vec(),
            chunks: vec![ChunkSize::Auto],
            gil: vec![false],
            reps: 1,
            warmup: 0,
            spans: false,
            variants: vec![],
            weak: false,
        }
    }

    /// One configuration per combination, without duplicates: feeders that
    /// ignore the chunk size (`locked`, `rayon`, `sequential`) run once per
    /// thread count, and `sequential` once in all.
    ///
    /// Workloads with their own design (`ordered-map`, `aggregates`) ignore
    /// the feeder and the GIL: they run once, recorded with the feeder their
    /// design resembles and no GIL. `aggregates` fixes the thread count
    /// itself (one thread per aggregate).
    pub fn configs(&self) -> Vec<Config> {
        let own = self.workload.name.design().recorded_feeder().map(|f| vec![f]);
        let feeders = own.as_ref().unwrap_or(&self.feeders);
        let fixed = self.workload.fixed_threads().map(|t| vec![t]);
        let thread_list = fixed.as_ref().unwrap_or(&self.threads);
        let gils = if own.is_some() { &[false][..] } else { &self.gil[..] };
        let mut out: Vec<Config> = Vec::new();
        for &gil in gils {
            for &feeder in feeders {
                for &threads in thread_list {
                    for &chunk in &self.chunks {
                        let (threads, chunk) = match feeder {
                            _ if own.is_some() => (threads, chunk),
                            FeederKind::Sequential => (Threads::ONE, ChunkSize::Auto),
                            FeederKind::Locked => (threads, ChunkSize::Fixed(Chunk::ONE)),
                            FeederKind::Rayon => (threads, ChunkSize::Auto),
                            _ => (threads, chunk),
                        };
                        let c = Config { threads, chunk, feeder, gil };
                        if !out.contains(&c) {
                            out.push(c);
                        }
                    }
                }
            }
        }
        out
    }

    /// The workload once per variant to run.
    pub fn specs(&self) -> Vec<WorkloadSpec> {
        if self.variants.is_empty() {
            let mut spec = self.workload.clone();
            spec.variant = spec.variant();
            return vec![spec];
        }
        self.variants.iter().map(|&v| self.workload.clone().with_variant(v)).collect()
    }

    /// The problem sizes: the strong sweep first, then with [`SweepPlan::weak`]
    /// one step per thread count above one, its size parameter multiplied
    /// by the threads and only that thread count's configurations in it.
    /// A weak step whose size would not validate is still listed;
    /// [`SweepPlan::validate`] refuses it.
    pub fn steps(&self) -> Vec<Step> {
        let configs = self.configs();
        let mut out = vec![Step { workload: self.workload.clone(), grown_for: None, configs: configs.clone() }];
        if self.weak {
            let mut counts: Vec<usize> = configs.iter().map(|c| c.threads.get()).filter(|&p| p > 1).collect();
            counts.sort_unstable();
            counts.dedup();
            for p in counts {
                out.push(Step {
                    workload: super::weak::grown(&self.workload, p),
                    grown_for: Some(p),
                    configs: configs.iter().copied().filter(|c| c.threads.get() == p).collect(),
                });
            }
        }
        out
    }

    /// Every run of the sweep but the references: (step index, the workload
    /// with its variant at that step's size, configuration).
    pub fn runs(&self) -> Vec<(usize, WorkloadSpec, Config)> {
        let variants = self.specs();
        let mut out = Vec::new();
        for (i, step) in self.steps().into_iter().enumerate() {
            for v in &variants {
                let spec = WorkloadSpec { variant: v.variant, ..step.workload.clone() };
                out.extend(step.configs.iter().map(|&c| (i, spec.clone(), c)));
            }
        }
        out
    }

    /// Engine calls the sweep makes, reference runs included.
    pub fn total_runs(&self) -> usize {
        (self.runs().len() + self.steps().len()) * (self.reps + self.warmup)
    }

    /// Timed measurements the sweep makes (one repetition of one
    /// configuration, the references included): the `total` of an
    /// experiment's status.
    pub fn total_measurements(&self) -> usize {
        (self.runs().len() + self.steps().len()) * self.reps
    }

    /// Checks every configuration and the workload before anything runs.
    ///
    /// # Errors
    /// The first bad configuration or parameter.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if self.reps == 0 {
            return Err(WorkloadError::Param { name: "reps", value: 0, min: 1, max: 1000 });
        }
        for (empty, what) in [
            (self.feeders.is_empty(), "feeders"),
            (self.threads.is_empty(), "thread counts"),
            (self.chunks.is_empty(), "chunk sizes"),
            (self.gil.is_empty(), "GIL settings"),
        ] {
            if empty {
                return Err(WorkloadError::EmptyList(what));
            }
        }
        for spec in self.specs() {
            spec.validate()?;
        }
        self.workload.validate()?;
        if self.weak {
            super::weak::check(&self.workload)?;
            for step in self.steps() {
                step.workload.validate().map_err(|e| super::weak::too_big(&self.workload, step.grown_for, e))?;
            }
        }
        // An empty input runs (the engine handles it), but there is nothing to time.
        if self.workload.file.is_none() && self.workload.params.get("n") == Some(0) {
            let max = self.workload.name.info().params.iter().find(|p| p.name == "n").map_or(u64::MAX, |p| p.max);
            return Err(WorkloadError::Param { name: "n", value: 0, min: 1, max });
        }
        let threads = self.threads.iter().map(|t| t.get()).max().unwrap_or(1);
        let items = self.workload.name.workload().items(&self.workload);
        if let Some(n) = self.workload.params.get("n").filter(|_| self.workload.file.is_none() && items < threads as u64) {
            return Err(WorkloadError::FewerItemsThanThreads { n, threads });
        }
        Ok(())
    }
}
