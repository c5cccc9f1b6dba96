//! One deadline for a whole request body, however it is read (multipart
//! parts, a tus PATCH, a CSV import). A per-chunk timeout lets a client
//! drip one byte a second for ever; a fixed deadline would cut off a slow
//! phone sending a large file. So the body must keep up: it is late once
//! `patience` plus one second per `min_rate` bytes received so far has
//! passed since it started (Kestrel's minimum data rate works the same
//! way), or once nothing at all has arrived for `patience`. A small body
//! has `patience`; a large one may take as long as it keeps sending at
//! least `min_rate` bytes a second on average, without a silence longer
//! than `patience`.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::AppError;

/// A body stream that ends with a "late" error once it falls behind.
pub struct Deadline<S> {
    inner: S,
    sleep: Pin<Box<Sleep>>,
    start: Instant,
    patience: Duration,
    min_rate: u64,
    received: u64,
    last: Instant,
    late: bool,
}

/// Errors a [`Deadline`] can yield when the body is late.
pub trait Late {
    fn late() -> Self;
}

impl Late for PayloadError {
    fn late() -> Self {
        PayloadError::Io(io::Error::new(
            io::ErrorKind::TimedOut,
            "request body deadline passed",
        ))
    }
}

impl Late for AppError {
    fn late() -> Self {
        AppError::RequestTimeout
    }
}

/// Whether a payload error is a [`Deadline`]'s "late".
pub fn is_late(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == io::ErrorKind::TimedOut)
}

impl<S> Deadline<S> {
    /// `inner` with a deadline that starts now; `min_rate` is at least 1.
    pub fn new(inner: S, patience: Duration, min_rate: u64) -> Self {
        let start = Instant::now();
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep_until(start + patience)),
            start,
            patience,
            min_rate: min_rate.max(1),
            received: 0,
            last: start,
            late: false,
        }
    }

    /// When the body is late, given what it has sent so far and when.
    fn due(&self) -> Instant {
        let earned = Duration::from_secs_f64(self.received as f64 / self.min_rate as f64);
        (self.start + self.patience + earned).min(self.last + self.patience)
    }
}

impl<S, E> Stream for Deadline<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Late,
{
    type Item = Result<Bytes, E>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.late {
            return Poll::Ready(None);
        }
        // The clock first: a client that sends steadily but too slowly is
        // late even though its next chunk is already there.
        if this.sleep.as_mut().poll(cx).is_ready() {
            this.late = true;
            return Poll::Ready(Some(Err(E::late())));
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                this.last = Instant::now();
                let due = this.due();
                this.sleep.as_mut().reset(due);
                Poll::Ready(Some(Ok(chunk)))
            }
            other => other,
        }
    }
}

/// The deadline of a request body under the server's settings.
pub fn for_body<S>(settings: &crate::config::Settings, inner: S) -> Deadline<S> {
    Deadline::new(
        inner,
        Duration::from_secs(settings.body_read_timeout_seconds),
        settings.body_min_bytes_per_second,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn drip(every: Duration, n: usize) -> impl Stream<Item = Result<Bytes, AppError>> + Unpin {
        Box::pin(futures_util::stream::unfold(0, move |i| async move {
            if i == n {
                return None;
            }
            tokio::time::sleep(every).await;
            Some((Ok(Bytes::from_static(b"x")), i + 1))
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_dripping_body_is_late_after_the_patience() {
        // One byte every two seconds: each chunk is in time, the body is not.
        let mut body = Deadline::new(
            drip(Duration::from_secs(2), 100),
            Duration::from_secs(10),
            1024,
        );
        let start = Instant::now();
        let mut got = 0;
        loop {
            match body.next().await {
                Some(Ok(_)) => got += 1,
                Some(Err(AppError::RequestTimeout)) => break,
                other => panic!("{other:?}"),
            }
        }
        assert!(got < 6, "{got}");
        assert!(start.elapsed() < Duration::from_secs(11));
        assert!(body.next().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_keeps_up_is_read_to_the_end() {
        // 64 KiB a second against a floor of 1 KiB a second, for a minute.
        let chunks = futures_util::stream::unfold(0, |i| async move {
            if i == 60 {
                return None;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            Some((Ok::<_, AppError>(Bytes::from(vec![0u8; 64 << 10])), i + 1))
        });
        let body = Deadline::new(Box::pin(chunks), Duration::from_secs(5), 1024);
        let all: Vec<_> = body.collect().await;
        assert_eq!(all.len(), 60);
        assert!(all.iter().all(Result::is_ok));
    }

    #[tokio::test(start_paused = true)]
    async fn a_fast_body_that_goes_quiet_is_late_after_the_patience() {
        // A megabyte at once earns credit, but not a silence of a minute.
        let chunks = futures_util::stream::once(async {
            Ok::<_, AppError>(Bytes::from(vec![0u8; 1 << 20]))
        })
        .chain(futures_util::stream::pending());
        let mut body = Deadline::new(Box::pin(chunks), Duration::from_secs(5), 1024);
        let start = Instant::now();
        assert!(matches!(body.next().await, Some(Ok(_))));
        assert!(matches!(
            body.next().await,
            Some(Err(AppError::RequestTimeout))
        ));
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_is_late_without_another_chunk() {
        let stalled = futures_util::stream::pending::<Result<Bytes, PayloadError>>();
        let mut body = Deadline::new(stalled, Duration::from_secs(3), 1024);
        match body.next().await {
            Some(Err(e)) => assert!(is_late(&e)),
            other => panic!("{other:?}"),
        }
    }
}
