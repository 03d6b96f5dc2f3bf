//! Work that must run to completion even when the client goes away. axum drops a handler's future
//! when its connection closes; a callback dropped during the code exchange would leave the flow
//! pending for ever with its code burnt, and a hire dropped after Remote answered would lose the
//! answer's record. So such work runs in a task of its own, and the handler only waits for it.
//! The tasks are tracked, so that a shutdown waits for those whose client went away too.

use std::future::Future;

use tokio_util::task::TaskTracker;

use crate::error::{ApiError, ApiResult};

/// Runs `work` in its own task (tracked by `tasks`, a clone of `AppState::tasks`) and waits for
/// it; dropping the returned future does not stop it.
pub async fn run_to_completion<T: Send + 'static>(
    tasks: TaskTracker,
    work: impl Future<Output = ApiResult<T>> + Send + 'static,
) -> ApiResult<T> {
    match tasks.spawn(work).await {
        Ok(result) => result,
        Err(error) => Err(ApiError::Internal(anyhow::anyhow!(
            "the detached task stopped: {error}"
        ))),
    }
}
