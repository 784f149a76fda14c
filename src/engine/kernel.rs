//! What a worker does with items: fold them into an accumulator, and combine
//! accumulators. `map_reduce` is the fold `acc = reduce(acc, map(item))`.

use super::gil;

/// The user's functions, behind one trait so that feeders stay readable.
pub(crate) trait Kernel<T>: Sync {
    type Acc: Send;
    fn identity(&self) -> Self::Acc;
    fn fold(&self, acc: Self::Acc, item: T) -> Self::Acc;
    fn combine(&self, a: Self::Acc, b: Self::Acc) -> Self::Acc;
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
