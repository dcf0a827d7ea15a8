//! explain (todo)
