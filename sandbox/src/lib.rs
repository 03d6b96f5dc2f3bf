//! A faithful local fake of Remote's API.
