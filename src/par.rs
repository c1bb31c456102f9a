//! Data parallelism, switchable: with the `parallel` feature (on by default) this is
//! rayon; without it (the WebAssembly build) the same calls run sequentially on the
//! calling thread, in the same order, so results are the same either way (every
//! parallel step in the crate already gives thread-count-independent results).
//!
//! Modules import `crate::par::*` instead of `rayon::prelude::*`.

#[cfg(feature = "parallel")]
pub use rayon::prelude::*;
#[cfg(feature = "parallel")]
pub use rayon::{current_num_threads, current_thread_index, join};

#[cfg(not(feature = "parallel"))]
pub use seq::*;

#[cfg(not(feature = "parallel"))]
mod seq {
    /// `into_par_iter()`: the sequential iterator.
    pub trait IntoParallelIterator: IntoIterator + Sized {
        /// The items, in order, on this thread.
        fn into_par_iter(self) -> Self::IntoIter {
            self.into_iter()
        }
    }
    impl<I: IntoIterator> IntoParallelIterator for I {}

    /// `par_iter()` and `par_chunks()` on slices: their sequential forms.
    pub trait ParallelSlice<T> {
        /// The items, in order.
        fn par_iter(&self) -> std::slice::Iter<'_, T>;
        /// Chunks of `n` items, in order.
        fn par_chunks(&self, n: usize) -> std::slice::Chunks<'_, T>;
    }
    impl<T> ParallelSlice<T> for [T] {
        fn par_iter(&self) -> std::slice::Iter<'_, T> {
            self.iter()
        }
        fn par_chunks(&self, n: usize) -> std::slice::Chunks<'_, T> {
            self.chunks(n)
        }
    }

    /// `par_chunks_mut()` and `par_sort_unstable_by()` on slices.
    pub trait ParallelSliceMut<T> {
        /// Mutable chunks of `n` items, in order.
        fn par_chunks_mut(&mut self, n: usize) -> std::slice::ChunksMut<'_, T>;
        /// Sort, not keeping the order of equal items.
        fn par_sort_unstable_by<F>(&mut self, compare: F)
        where
            F: Fn(&T, &T) -> std::cmp::Ordering + Sync;
    }
    impl<T> ParallelSliceMut<T> for [T] {
        fn par_chunks_mut(&mut self, n: usize) -> std::slice::ChunksMut<'_, T> {
            self.chunks_mut(n)
        }
        fn par_sort_unstable_by<F>(&mut self, compare: F)
        where
            F: Fn(&T, &T) -> std::cmp::Ordering + Sync,
        {
            self.sort_unstable_by(compare)
        }
    }

    /// rayon's adaptors that have no sequential counterpart in `Iterator`.
    pub trait ParallelIterator: Iterator + Sized {
        /// A hint for splitting work; nothing to do here.
        fn with_min_len(self, _min: usize) -> Self {
            self
        }
        /// `map` with one state made by `init` (rayon makes one per split).
        fn map_init<S, R>(
            self,
            init: impl Fn() -> S,
            f: impl Fn(&mut S, Self::Item) -> R,
        ) -> impl Iterator<Item = R> {
            let mut state = init();
            self.map(move |x| f(&mut state, x))
        }
    }
    impl<I: Iterator> ParallelIterator for I {}

    /// Both closures, one after the other.
    pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA,
        B: FnOnce() -> RB,
    {
        let ra = a();
        (ra, b())
    }

    /// One thread: the caller's.
    pub fn current_num_threads() -> usize {
        1
    }

    /// Not inside a pool.
    pub fn current_thread_index() -> Option<usize> {
        None
    }
}
