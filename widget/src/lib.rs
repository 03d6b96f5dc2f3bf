//! The Hire with Remote widget (filled by the widget work).
