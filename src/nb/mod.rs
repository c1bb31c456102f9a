//! Naive Bayes: the counts a model is fitted from and grows by ([`counts`]), the fitted
//! sparse model and its maths ([`model`]: feature selection, multinomial and complement
//! weights, the per-term base plus per-label corrections), and the [`classifier`] that
//! scores documents with it (one `Scorer` behind predict, eval, cross-validation,
//! calibration and explain).

pub mod calibrate;
pub mod classifier;
pub mod counts;
pub mod model;
