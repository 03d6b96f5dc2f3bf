//! Integration-test harness: spawns the sandbox and the backend on real sockets.
