//! The measuring side: many sessions on one shared store and one runtime, as a gateway runs
//! them.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use wa_actors::prekeys::PreKeyConfig;
use wa_actors::protocol::binary::Jid;
use wa_actors::protocol::crypto::PublicKey;
use wa_actors::store::{AccountId, MemoryStore, SqliteStore, Store};
use wa_actors::testing::{provision_device, Provisioned};
use wa_actors::{Client, ConnectionState};

use super::{alloc, procfs, Settings, ROLE};

/// The fake server in its own process, and the pipe to provision devices through.
struct ServerProcess {
    child: Child,
    to: ChildStdin,
    from: BufReader<ChildStdout>,
    url: String,
    trust_root: PublicKey,
}

impl ServerProcess {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .env(ROLE, "server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("server process");
        let to = child.stdin.take().expect("stdin");
        let mut from = BufReader::new(child.stdout.take().expect("stdout"));
        let line = read_line(&mut from);
        let (url, root) = line.split_once(' ').expect("url and trust root");
        let root: [u8; 32] = hex::decode(root)
            .expect("hex")
            .try_into()
            .expect("32 bytes");
        ServerProcess {
            child,
            to,
            from,
            url: url.to_string(),
            trust_root: PublicKey(root),
        }
    }

    fn provision(&mut self, noise: &PublicKey) -> Provisioned {
        writeln!(self.to, "{}", hex::encode(noise.as_bytes())).expect("to server");
        self.to.flush().expect("to server");
        let line = read_line(&mut self.from);
        let (jid, lid) = line.split_once(' ').expect("jid and lid");
        Provisioned {
            jid: jid.parse::<Jid>().expect("jid"),
            lid: lid.parse::<Jid>().expect("lid"),
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_line(from: &mut BufReader<ChildStdout>) -> String {
    let mut line = String::new();
    from.read_line(&mut line).expect("from server");
    assert!(!line.is_empty(), "the server process ended");
    line.trim().to_string()
}

/// Runs `settings.sessions` sessions on a `kind` store (`sqlite` or `memory`) and prints the
/// figures.
pub fn measure(kind: &str, settings: Settings) {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .expect("runtime");
    let mut server = ServerProcess::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = match kind {
        "memory" => Arc::new(MemoryStore::new()),
        "sqlite" => Arc::new(
            rt.block_on(SqliteStore::open(dir.path().join("accounts.sqlite")))
                .expect("sqlite"),
        ),
        other => panic!("unknown store kind {other:?} (sqlite or memory)"),
    };
    let n = settings.sessions;
    let (rss0, heap0) = (procfs::rss_bytes(), alloc::live_heap());
    let accounts: Vec<AccountId> = (0..n)
        .map(|i| AccountId::new(format!("acct{i:05}")))
        .collect();
    for account in &accounts {
        rt.block_on(provision_device(&*store, account, |noise, _| {
            server.provision(noise)
        }))
        .expect("provisioned");
    }
    let prekeys = PreKeyConfig::default();
    let clients: Vec<Client> = rt.block_on(async {
        let mut clients = Vec::with_capacity(n);
        for account in &accounts {
            let client = Client::builder()
                .url(server.url.clone())
                .trust_root(server.trust_root)
                .store(store.clone())
                .account(account.as_str())
                .prekeys(prekeys)
                .build()
                .await
                .expect("client");
            clients.push(client);
        }
        clients
    });

    let start = Instant::now();
    let (logged_in, uploaded) = rt.block_on(async {
        futures::future::join_all(clients.iter().map(|c| c.connect())).await;
        let mut pending: Vec<&Client> = clients.iter().collect();
        while !pending.is_empty() {
            let mut still = Vec::with_capacity(pending.len());
            for c in pending {
                let connected = matches!(
                    c.status().await.map(|s| s.connection),
                    Ok(ConnectionState::Connected)
                );
                if !connected {
                    still.push(c);
                }
            }
            pending = still;
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(start.elapsed() < Duration::from_secs(600), "logins stalled");
        }
        let logged_in = start.elapsed();
        while clients
            .iter()
            .any(|c| c.counters().prekeys_uploaded < u64::from(prekeys.initial))
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
            assert!(
                start.elapsed() < Duration::from_secs(600),
                "uploads stalled"
            );
        }
        (logged_in, start.elapsed())
    });

    let settle = Duration::from_secs(settings.settle_secs);
    rt.block_on(async { tokio::time::sleep(settle).await });
    let (rss1, heap1) = (procfs::rss_bytes(), alloc::live_heap());
    let cpu0 = procfs::cpu_secs();
    rt.block_on(async { tokio::time::sleep(Duration::from_secs(settings.cpu_secs)).await });
    let idle_cpu = if settings.cpu_secs == 0 {
        0.0
    } else {
        (procfs::cpu_secs() - cpu0) / settings.cpu_secs as f64 * 100.0
    };
    let per = |after: u64, before: u64| after.saturating_sub(before) as f64 / n as f64 / 1024.0;
    println!(
        "many_accounts store={kind} sessions={n} rss_per_session_kib={:.1} \
         heap_per_session_kib={:.1} all_logged_in_s={:.2} all_prekeys_uploaded_s={:.2} \
         idle_cpu_pct_of_one_core={:.1}",
        per(rss1, rss0),
        per(heap1 as u64, heap0 as u64),
        logged_in.as_secs_f64(),
        uploaded.as_secs_f64(),
        idle_cpu,
    );
    rt.block_on(async {
        for c in &clients {
            c.stop().await;
        }
    });
    drop(server);
}
