//! Arrays that are either owned (a freshly fitted model) or views into the bytes of a
//! model file (a memory map, or an aligned copy of a byte slice): prediction scores
//! straight from the file without decoding its arrays.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

#[cfg(target_endian = "big")]
compile_error!(
    "model files are little-endian and mapped as they are: big-endian targets are not supported"
);

/// Plain little-endian numbers that any bit pattern is a valid value of.
///
/// # Safety
/// Implementors have no padding and no invalid bit patterns.
pub unsafe trait Pod: Copy + Send + Sync + 'static {}
unsafe impl Pod for u8 {}
unsafe impl Pod for u16 {}
unsafe impl Pod for u32 {}
unsafe impl Pod for u64 {}
unsafe impl Pod for f64 {}

/// The bytes of a model file, 8-byte aligned.
pub enum Buf {
    /// A copy in memory (a `Vec<u64>`, so aligned), of `.1` bytes.
    Owned(Vec<u64>, usize),
    /// A read-only memory map of the file.
    #[cfg(feature = "fs")]
    Mapped(memmap2::Mmap),
}

impl Buf {
    /// An aligned copy of `bytes`.
    pub fn copy_of(bytes: &[u8]) -> Buf {
        let mut words = vec![0u64; bytes.len().div_ceil(8)];
        as_bytes_mut(&mut words)[..bytes.len()].copy_from_slice(bytes);
        Buf::Owned(words, bytes.len())
    }

    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Buf::Owned(w, n) => &as_bytes(w)[..*n],
            #[cfg(feature = "fs")]
            Buf::Mapped(m) => m,
        }
    }
}

/// Ask the CPU to bring `s[i]` into the cache (x86-64; nothing elsewhere, and nothing
/// when `i` is out of range). A hint: it never faults and changes no result.
#[inline(always)]
pub fn prefetch<T>(s: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if i < s.len() {
        // SAFETY: the pointer is inside `s`; a prefetch reads nothing architecturally.
        unsafe {
            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                s.as_ptr().add(i).cast(),
            )
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}

/// The bytes of a slice of plain numbers.
pub fn as_bytes<T: Pod>(v: &[T]) -> &[u8] {
    // SAFETY: `T` is plain data without padding; u8 has alignment 1.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

fn as_bytes_mut(v: &mut [u64]) -> &mut [u8] {
    // SAFETY: as `as_bytes`; every byte pattern is a valid u64.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast(), std::mem::size_of_val(v)) }
}

/// An array of `T`: owned, or `len` values at byte `off` of a shared file buffer.
#[derive(Clone)]
pub enum Arr<T: Pod> {
    /// Owned values.
    Owned(Vec<T>),
    /// A view into a file's bytes (aligned for `T`, checked when made).
    Shared {
        /// The file.
        buf: Arc<Buf>,
        /// Byte offset.
        off: usize,
        /// Number of values.
        len: usize,
    },
}

impl<T: Pod> Arr<T> {
    /// A view of `len` values at byte `off` of `buf`, or `None` when that is out of
    /// range or misaligned.
    pub fn view(buf: &Arc<Buf>, off: usize, len: usize) -> Option<Arr<T>> {
        let size = len.checked_mul(std::mem::size_of::<T>())?;
        let end = off.checked_add(size)?;
        let bytes = buf.bytes();
        if end > bytes.len()
            || !(bytes.as_ptr() as usize + off).is_multiple_of(std::mem::align_of::<T>())
        {
            return None;
        }
        Some(Arr::Shared {
            buf: buf.clone(),
            off,
            len,
        })
    }
}

impl<T: Pod> Deref for Arr<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Arr::Owned(v) => v,
            Arr::Shared { buf, off, len } => {
                let b = buf.bytes();
                // SAFETY: `view` checked that the range is inside the buffer and aligned
                // for `T`; the buffer is immutable and lives as long as `self`; any bit
                // pattern is a valid `T` (`Pod`).
                unsafe { std::slice::from_raw_parts(b.as_ptr().add(*off).cast(), *len) }
            }
        }
    }
}

impl<T: Pod> Default for Arr<T> {
    fn default() -> Self {
        Arr::Owned(Vec::new())
    }
}

impl<T: Pod> From<Vec<T>> for Arr<T> {
    fn from(v: Vec<T>) -> Self {
        Arr::Owned(v)
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Arr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: &[T] = self;
        if s.len() > 16 {
            write!(f, "[{} values]", s.len())
        } else {
            s.fmt(f)
        }
    }
}

impl<T: Pod + PartialEq> PartialEq for Arr<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

/// `n` zeros, allocated zeroed and each page written once: a page the allocator maps
/// fresh is then faulted in once, by the write, not first read (mapping the shared zero
/// page) and then written (copying it), as counting's read-modify-write would have it.
pub fn zeroed<T: Copy + Default>(n: usize) -> Vec<T> {
    let mut v = vec![T::default(); n];
    let per_page = (4096 / std::mem::size_of::<T>().max(1)).max(1);
    for i in (0..n).step_by(per_page) {
        v[i] = std::hint::black_box(T::default());
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_checked_and_read_little_endian() {
        let mut bytes = vec![0u8; 3];
        bytes.extend_from_slice(&1.5f64.to_le_bytes());
        bytes.extend_from_slice(&7u32.to_le_bytes());
        let buf = Arc::new(Buf::copy_of(&bytes));
        // Misaligned, then out of range.
        assert!(Arr::<f64>::view(&buf, 3, 1).is_none());
        assert!(Arr::<u32>::view(&buf, 12, 1).is_none());
        assert!(Arr::<u8>::view(&buf, 0, usize::MAX).is_none());
        let mut b2 = vec![0u8; 8];
        b2.extend_from_slice(&1.5f64.to_le_bytes());
        b2.extend_from_slice(&7u32.to_le_bytes());
        let buf = Arc::new(Buf::copy_of(&b2));
        assert_eq!(&*Arr::<f64>::view(&buf, 8, 1).unwrap(), &[1.5]);
        assert_eq!(&*Arr::<u32>::view(&buf, 16, 1).unwrap(), &[7]);
    }
}
