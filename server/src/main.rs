//! The `hire-with-remote` binary.
fn main() {}
