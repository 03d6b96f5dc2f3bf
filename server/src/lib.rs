//! The hire-with-remote backend.
