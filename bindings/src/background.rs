//! Running CPU-bound work on a thread of its own, awaited from an async FFI call.
//!
//! No async runtime is involved: the work runs on a new OS thread, and the future the foreign
//! side polls (UniFFI's async support: a Kotlin `suspend fun`, a Swift `async func`) completes
//! when the thread sends its result. The caller's thread is never blocked.

use crate::error::{guard, ZkbioError};
use futures_channel::oneshot;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Stack of the proving thread (the default 2 MiB is enough today; this leaves headroom for
/// model inference).
const STACK_BYTES: usize = 8 << 20;

/// Sets the flag when dropped while armed: if the caller abandons the call (a cancelled coroutine
/// or task drops the future), the worker stops at its next check instead of running on.
struct CancelOnDrop {
    flag: Arc<AtomicBool>,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.flag.store(true, Ordering::Relaxed);
        }
    }
}

/// Runs `work` on a new thread and awaits its result. Panics in `work` become
/// [`ZkbioError::Internal`]. Dropping the returned future before it completes sets `cancel`.
pub(crate) async fn run<T, F>(cancel: Arc<AtomicBool>, work: F) -> Result<T, ZkbioError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, ZkbioError> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    std::thread::Builder::new()
        .name("zkbio-prover".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            // The receiver is gone only if the caller dropped the call: nobody wants the result.
            let _ = tx.send(guard(work));
        })
        .map_err(|e| ZkbioError::Internal {
            why: format!("cannot start the proving thread: {e}"),
        })?;
    let mut on_drop = CancelOnDrop {
        flag: cancel,
        armed: true,
    };
    let result = rx.await.unwrap_or_else(|_| {
        Err(ZkbioError::Internal {
            why: "the proving thread ended without a result".into(),
        })
    });
    on_drop.armed = false;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Waker};
    use std::time::Duration;

    #[test]
    fn result_and_panic_come_back_typed() {
        let flag = Arc::new(AtomicBool::new(false));
        let ok = futures_executor::block_on(run(flag.clone(), || Ok(7)));
        assert_eq!(ok, Ok(7));
        let panicked: Result<(), _> =
            futures_executor::block_on(run(flag.clone(), || panic!("boom")));
        assert_eq!(
            panicked,
            Err(ZkbioError::Internal {
                why: "panic: boom".into()
            })
        );
        // Completed calls leave the caller's flag alone.
        assert!(!flag.load(Ordering::Relaxed));
    }

    #[test]
    fn dropping_the_call_cancels_the_worker() {
        let flag = Arc::new(AtomicBool::new(false));
        let seen = flag.clone();
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        {
            let mut fut = pin!(run(flag.clone(), move || {
                while !seen.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let _ = done_tx.send(());
                Err::<(), _>(ZkbioError::Cancelled)
            }));
            let mut cx = Context::from_waker(Waker::noop());
            assert!(fut.as_mut().poll(&mut cx).is_pending());
        }
        // The worker saw the flag the dropped future set, and stopped.
        assert!(done_rx.recv_timeout(Duration::from_secs(10)).is_ok());
    }
}
