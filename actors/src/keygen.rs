//! Key generation off the async workers.
//!
//! A new device's identity and its first 812 prekeys cost tens of milliseconds of CPU. On the
//! tokio workers that stalls every other session's I/O, so a thousand new devices log in one
//! after another; here the work runs on the blocking pool, at most one job per core at a time
//! so a burst of new devices neither spawns hundreds of threads nor starves the workers.

use std::sync::OnceLock;

use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::Semaphore;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Semaphore::new(cores)
    })
}

/// Runs `job` on the blocking pool with an RNG seeded from `rng`, and waits for it. The caller's
/// RNG cannot cross threads, so a seeded CSPRNG stands in for it (deterministic when `rng` is).
pub(crate) async fn off_workers<T, R>(
    rng: &mut R,
    job: impl FnOnce(&mut StdRng) -> T + Send + 'static,
) -> T
where
    T: Send + 'static,
    R: rand_core::CryptoRngCore + ?Sized,
{
    let mut seeded = seeded(rng);
    // The semaphore is never closed, so acquiring only waits.
    let _permit = permits().acquire().await.ok();
    match tokio::task::spawn_blocking(move || job(&mut seeded)).await {
        Ok(value) => value,
        // The job panicked: carry the panic to the caller as if it had run inline.
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

fn seeded<R: rand_core::CryptoRngCore + ?Sized>(rng: &mut R) -> StdRng {
    let mut seed = <StdRng as SeedableRng>::Seed::default();
    rng.fill_bytes(&mut seed);
    let out = StdRng::from_seed(seed);
    zeroize::Zeroize::zeroize(&mut seed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_on_another_thread_with_a_seed_from_the_caller() {
        let worker = std::thread::current().id();
        let (thread, drawn) = off_workers(&mut StdRng::seed_from_u64(7), |rng| {
            (std::thread::current().id(), rng.next_u64())
        })
        .await;
        assert_ne!(thread, worker);
        let (_, again) = off_workers(&mut StdRng::seed_from_u64(7), |rng| {
            (std::thread::current().id(), rng.next_u64())
        })
        .await;
        assert_eq!(drawn, again);
        let (_, other) = off_workers(&mut StdRng::seed_from_u64(8), |rng| {
            (std::thread::current().id(), rng.next_u64())
        })
        .await;
        assert_ne!(drawn, other);
    }
}
