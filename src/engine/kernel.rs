//! What a worker does with items: fold them into an accumulator, and combine
//! accumulators. `map_reduce` is the fold `acc = reduce(acc, map(item))`.

use super::gil;

/// The user's functions, behind one trait so that feeders stay readable.
pub(crate) trait Kernel<T>: Sync {
    type Acc: Send;
    fn identity(&self) -> Self::Acc;
    fn fold(&self, acc: Self::Acc, item: T) -> Self::Acc;
    fn combine(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;

    /// Folds every item of `items` into `acc` by internal iteration (the
    /// source's own `fold` runs, with its fast paths); returns the
    /// accumulator and how many items it took.
    #[inline(always)]
    fn fold_many<It: Iterator<Item = T>>(&self, acc: Self::Acc, items: It) -> (Self::Acc, usize) {
        let mut n = 0;
        let acc = items.fold(acc, |a, x| {
            n += 1;
            self.fold(a, x)
        });
        (acc, n)
    }

    /// Folds up to `block` items of `items` into `acc`, by `next()` with
    /// the block's bound tested first; returns the accumulator and how many
    /// items it took. With the source in a local, the compiler folds the
    /// two exits (bound, source end) into one trip count and vectorises the
    /// loop as it does a plain `for`; `take(block)` folded internally tests
    /// the bound after each item and stays scalar (1.6x slower on `trivial`).
    #[inline(always)]
    fn fold_block<It: Iterator<Item = T>>(&self, mut acc: Self::Acc, items: &mut It, block: usize) -> (Self::Acc, usize) {
        let mut n = 0;
        while n < block {
            let Some(x) = items.next() else { break };
            acc = self.fold(acc, x);
            n += 1;
        }
        (acc, n)
    }
}

/// `map_reduce`'s kernel: the accumulator is `None` until the first item,
/// and a block is folded from its first mapped item, so the inner loop is
/// `reduce(acc, map(x))` with no `Option` per item.
pub(crate) struct MapReduce<M, R> {
    pub map: M,
    pub reduce: R,
    pub gil: bool,
}

impl<M, R> MapReduce<M, R> {
    #[inline(always)]
    fn map1<T, U>(&self, x: T) -> U
    where
        M: Fn(T) -> U,
    {
        if self.gil {
            let _held = gil::acquire();
            (self.map)(x)
        } else {
            (self.map)(x)
        }
    }
}

impl<T, U, M, R> Kernel<T> for MapReduce<M, R>
where
    U: Send,
    M: Fn(T) -> U + Sync,
    R: Fn(U, U) -> U + Sync,
{
    type Acc = Option<U>;

    #[inline]
    fn identity(&self) -> Option<U> {
        None
    }

    #[inline(always)]
    fn fold(&self, acc: Option<U>, item: T) -> Option<U> {
        let y = self.map1(item);
        Some(match acc {
            Some(a) => (self.reduce)(a, y),
            None => y,
        })
    }

    #[inline]
    fn combine(&self, a: Option<U>, b: Option<U>) -> Option<U> {
        match (a, b) {
            (Some(a), Some(b)) => Some((self.reduce)(a, b)),
            (a, None) => a,
            (None, b) => b,
        }
    }

    #[inline(always)]
    fn fold_many<It: Iterator<Item = T>>(&self, acc: Option<U>, mut items: It) -> (Option<U>, usize) {
        let (first, mut n) = match acc {
            Some(a) => (a, 0),
            None => match items.next() {
                Some(x) => (self.map1(x), 1),
                None => return (None, 0),
            },
        };
        // The GIL switch is tested once per block, not per item.
        let (map, reduce) = (&self.map, &self.reduce);
        let acc = if self.gil {
            items.fold(first, |a, x| {
                n += 1;
                let _held = gil::acquire();
                reduce(a, map(x))
            })
        } else {
            items.fold(first, |a, x| {
                n += 1;
                reduce(a, map(x))
            })
        };
        (Some(acc), n)
    }

    #[inline(always)]
    fn fold_block<It: Iterator<Item = T>>(&self, acc: Option<U>, items: &mut It, block: usize) -> (Option<U>, usize) {
        let (first, peeled) = match acc {
            Some(a) => (a, 0),
            None if block == 0 => return (None, 0),
            None => match items.next() {
                Some(x) => (self.map1(x), 1),
                None => return (None, 0),
            },
        };
        let (acc, n) = self.fold_block_from(first, items, block - peeled);
        (Some(acc), n + peeled)
    }
}

impl<M, R> MapReduce<M, R> {
    /// [`Kernel::fold_block`] from a first mapped item on: the loop is
    /// `reduce(acc, map(x))` with no `Option` per item.
    #[inline(always)]
    fn fold_block_from<T, U, It>(&self, mut acc: U, items: &mut It, block: usize) -> (U, usize)
    where
        It: Iterator<Item = T>,
        M: Fn(T) -> U,
        R: Fn(U, U) -> U,
    {
        let (map, reduce) = (&self.map, &self.reduce);
        let mut n = 0;
        // The GIL switch is tested once per block, not per item.
        if self.gil {
            while n < block {
                let Some(x) = items.next() else { break };
                let _held = gil::acquire();
                acc = reduce(acc, map(x));
                n += 1;
            }
        } else {
            while n < block {
                let Some(x) = items.next() else { break };
                acc = reduce(acc, map(x));
                n += 1;
            }
        }
        (acc, n)
    }
}

/// The three closures plus the GIL switch.
pub(crate) struct Ops<ID, F, C> {
    pub identity: ID,
    pub fold: F,
    pub combine: C,
    pub gil: bool,
}

impl<T, A, ID, F, C> Kernel<T> for Ops<ID, F, C>
where
    A: Send,
    ID: Fn() -> A + Sync,
    F: Fn(A, T) -> A + Sync,
    C: Fn(A, A) -> A + Sync,
{
    type Acc = A;

    #[inline]
    fn identity(&self) -> A {
        (self.identity)()
    }

    #[inline(always)]
    fn fold(&self, acc: A, item: T) -> A {
        if self.gil {
            let _held = gil::acquire();
            (self.fold)(acc, item)
        } else {
            (self.fold)(acc, item)
        }
    }

    #[inline]
    fn combine(&self, a: A, b: A) -> A {
        (self.combine)(a, b)
    }
}
