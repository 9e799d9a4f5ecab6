//! Typed views of stanzas and the pure tables that classify them.

pub mod codes;
