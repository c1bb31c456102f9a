//! Input and output: the CSV batch source ([`corpus`]) every reader of CSV goes
//! through, and the one atomic output ([`output::Output`]) that model files, reports and
//! predictions are written with.

pub mod corpus;
#[cfg(feature = "fs")]
pub mod output;
