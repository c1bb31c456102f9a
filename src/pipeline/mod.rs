//! The pipelines from input to output: prediction ([`predict`]).

#[cfg(feature = "fs")]
pub mod predict;
