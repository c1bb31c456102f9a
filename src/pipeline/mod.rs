//! The pipelines from input to output: training ([`train::Trainer`]) and prediction
//! ([`predict`]).

#[cfg(feature = "fs")]
pub mod predict;
pub mod train;
