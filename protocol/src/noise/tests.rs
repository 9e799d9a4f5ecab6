//! Unit tests of the Noise layer.
