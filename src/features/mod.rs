//! From terms to feature ids: xxh3 term fingerprints and `--hash-bits` buckets with the
//! open-addressing lookup table stored in the model file ([`fingerprint`]), and the term
//! strings themselves, stored in one buffer and front-coded in the file ([`terms`]).

pub mod fingerprint;
pub mod terms;
