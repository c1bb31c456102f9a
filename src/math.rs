//! The logarithms behind every number a model file stores, in one place below the
//! counting and fitting modules (both use them): the platform's, or with the
//! `portable-math` feature the `libm` crate's (the same bits on every target).

/// The natural logarithm used for everything a model file stores. With the
/// `portable-math` feature it is the `libm` crate's (the same bits on every target, so
/// a model fitted or updated in WebAssembly is byte-identical to one fitted natively
/// with that feature); without it, the platform's (`f64::ln`), which can differ from
/// `libm`'s in the last bit for about 1 value in 150.
#[inline]
pub(crate) fn ln(x: f64) -> f64 {
    #[cfg(feature = "portable-math")]
    {
        libm::log(x)
    }
    #[cfg(not(feature = "portable-math"))]
    {
        x.ln()
    }
}

/// `ln(1 + x)`, as [`ln`]: `libm`'s with `portable-math`, the platform's otherwise.
#[inline]
pub(crate) fn ln_1p(x: f64) -> f64 {
    #[cfg(feature = "portable-math")]
    {
        libm::log1p(x)
    }
    #[cfg(not(feature = "portable-math"))]
    {
        x.ln_1p()
    }
}
