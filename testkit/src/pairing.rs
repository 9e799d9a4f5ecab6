//! The phone pairing a companion through the server: scanning its QR code or taking the
//! phone-number code, sending `pair-success`, checking the companion's countersignature,
//! registering the new device and forcing the 515 restart (pairing.md §1–§3).

use std::time::Duration;

use rand::rngs::OsRng;
use rand::{Rng as _, RngCore as _};
use tokio::sync::oneshot;
use wa_protocol::binary::Node;
use wa_protocol::crypto::{KeyPair, PublicKey};
use wa_protocol::pairing::adv_primary::{check_countersigned, IdentityParams};
use wa_protocol::pairing::code::validate_code;
use wa_protocol::pairing::code_primary::{open_key_bundle, primary_hello};
use wa_protocol::pairing::link_code_server::{parse_companion_finish, primary_hello_notification};
use wa_protocol::pairing::primary_nodes::{
    pair_success_iq, parse_pair_device_sign, PairSuccessSpec,
};
use wa_protocol::pairing::qr_scan::parse_qr;
use wa_protocol::pairing::PairCodeError;
use wa_protocol::stanza::iq::{parse_error, IqErrorReply};

use crate::connection::Command;
use crate::error::TestkitError;
use crate::pair_options::{PairOptions, Paired};
use crate::phone::adv::sign_forged;
use crate::phone::Phone;
use crate::registration::{PairCodeRequest, Registration};
use crate::server::{random_id, unix_now, FakeServer};
use crate::state::{DeviceEntry, State};

/// How long the phone waits for each of the companion's pairing replies.
pub const PAIR_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// Who is being paired over which connection.
struct Companion {
    connection: u64,
    noise_key: PublicKey,
    identity: PublicKey,
    platform: String,
}

/// The phone for `number`, created on first use (one number keeps one identity).
fn phone_for(st: &mut State, number: Option<u64>) -> Phone {
    let number = match number.or(st.default_phone) {
        Some(n) => n,
        None => {
            let n = st.next_phone();
            st.default_phone = Some(n);
            n
        }
    };
    st.phones
        .entry(number)
        .or_insert_with(|| Phone::new(number))
        .clone()
}

/// The device id the phone's next companion gets: after every device it paired and every
/// device registered for its number by other means.
fn next_device(st: &State, phone: &Phone) -> u16 {
    let taken = st
        .devices
        .keys()
        .filter(|(n, _)| *n == phone.number)
        .filter_map(|(_, d)| u16::try_from(*d).ok())
        .max()
        .unwrap_or(0);
    phone.next_device.max(taken.saturating_add(1))
}

impl FakeServer {
    /// How many QR refs each registration connection is sent in `pair-device` (default 6; 0
    /// sends no `pair-device`).
    pub fn set_qr_refs(&self, n: usize) {
        self.shared.state().behaviour.qr_refs = n;
    }

    /// Every registration the server accepted, by connection order.
    pub fn registrations(&self) -> Vec<Registration> {
        let st = self.shared.state();
        let mut all: Vec<Registration> = st.registrations.values().cloned().collect();
        all.sort_by_key(|r| r.connection);
        all
    }

    /// Every phone-number pairing request (`companion_hello`) received, in order.
    pub fn pair_code_requests(&self) -> Vec<PairCodeRequest> {
        let st = self.shared.state();
        st.code_requests.iter().map(|(r, _)| r.clone()).collect()
    }

    /// Waits until a companion on a live connection asked for a phone-number code and no code
    /// was entered for it yet; returns that request.
    pub async fn wait_for_pair_code_request(
        &self,
        timeout: Duration,
    ) -> Result<PairCodeRequest, TestkitError> {
        self.wait_until("a pair-code request", timeout, |st| {
            pending_code_request(st).is_some()
        })
        .await?;
        pending_code_request(&self.shared.state())
            .map(|(_, r)| r)
            .ok_or_else(|| TestkitError::Timeout("a pair-code request".into()))
    }

    /// The phone scans `qr` with default [`PairOptions`].
    pub async fn scan_qr(&self, qr: &str) -> Result<Paired, TestkitError> {
        self.scan_qr_with(qr, PairOptions::default()).await
    }

    /// The phone scans `qr`: finds the live registration connection that was sent its ref and
    /// registered its keys, sends it `pair-success`, checks its `pair-device-sign`, registers
    /// the device, then sends `<stream:error code="515"/>` and closes that connection.
    pub async fn scan_qr_with(
        &self,
        qr: &str,
        options: PairOptions,
    ) -> Result<Paired, TestkitError> {
        let data = parse_qr(qr)?;
        let registration = {
            let st = self.shared.state();
            st.registrations
                .values()
                .filter(|r| st.is_live(r.connection))
                .find(|r| r.refs.contains(&data.reference))
                .cloned()
                .ok_or(TestkitError::UnknownQrRef)?
        };
        if registration.noise_key != data.noise_key {
            return Err(TestkitError::KeyMismatch("noise key"));
        }
        if registration.identity != data.identity {
            return Err(TestkitError::KeyMismatch("identity key"));
        }
        let companion = Companion {
            connection: registration.connection,
            noise_key: registration.noise_key,
            identity: registration.identity,
            platform: data.platform.clone(),
        };
        let number = options.phone;
        self.pair(&companion, &data.adv_secret, number, &options)
            .await
    }

    /// The user types `code` on the phone, with default [`PairOptions`].
    pub async fn enter_pair_code(&self, code: &str) -> Result<Paired, TestkitError> {
        self.enter_pair_code_with(code, PairOptions::default())
            .await
    }

    /// The user types `code` on the phone the latest pending `companion_hello` named: the
    /// phone unwraps the companion's ephemeral key, sends its own in a
    /// `link_code_companion_reg` notification, opens the key bundle of the companion's
    /// `companion_finish` (a wrong code fails here with [`TestkitError::KeyBundle`]), derives
    /// the new ADV secret, and pairs as [`FakeServer::scan_qr_with`] does. `options.phone` is
    /// ignored: the companion chose the number.
    pub async fn enter_pair_code_with(
        &self,
        code: &str,
        options: PairOptions,
    ) -> Result<Paired, TestkitError> {
        // A code of the wrong shape never reaches the companion and leaves its request open.
        validate_code(code)?;
        let (request, registration, phone) = {
            let mut st = self.shared.state();
            let (index, request) =
                pending_code_request(&st).ok_or(TestkitError::NoPairCodeRequest)?;
            if let Some(entry) = st.code_requests.get_mut(index) {
                entry.1 = true;
            }
            let registration = st
                .registrations
                .get(&request.connection)
                .cloned()
                .ok_or(TestkitError::NoPairCodeRequest)?;
            let phone = phone_for(&mut st, Some(request.phone));
            st.code_finishes.remove(&request.connection);
            (request, registration, phone)
        };
        if registration.noise_key != request.noise_key {
            return Err(TestkitError::KeyMismatch("noise key"));
        }
        let mut salt = [0u8; 32];
        let mut iv = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        OsRng.fill_bytes(&mut iv);
        let ephemeral = primary_hello(
            code,
            &request.wrapped_ephemeral,
            KeyPair::generate(&mut OsRng),
            &salt,
            &iv,
        )?;
        let notification = primary_hello_notification(
            random_id(),
            unix_now(),
            request.pairing_ref.as_bytes(),
            &ephemeral.wrapped,
            &phone.identity.public,
        );
        let conn = request.connection;
        if !self
            .shared
            .state()
            .send_to(conn, Command::Node(notification, false))
        {
            return Err(TestkitError::ConnectionClosed);
        }
        self.wait_until("companion_finish", PAIR_REPLY_TIMEOUT, |st| {
            st.code_finishes.contains_key(&conn) || !st.is_live(conn)
        })
        .await?;
        let finish = self
            .shared
            .state()
            .code_finishes
            .remove(&conn)
            .ok_or(TestkitError::ConnectionClosed)?;

        let finish = parse_companion_finish(&finish, request.pairing_ref.as_bytes())
            .map_err(finish_error)?;
        let opened = open_key_bundle(&ephemeral, &phone.identity, &finish.wrapped_key_bundle)
            .map_err(|e| match e {
                PairCodeError::KeyBundle(why) => TestkitError::KeyBundle(why),
                other => TestkitError::PairCode(other),
            })?;
        if opened.companion_identity != finish.companion_identity
            || finish.companion_identity != registration.identity
        {
            return Err(TestkitError::KeyBundle(
                "names another companion identity than the registration",
            ));
        }
        let companion = Companion {
            connection: conn,
            noise_key: registration.noise_key,
            identity: registration.identity,
            platform: request.platform_id.clone(),
        };
        self.pair(&companion, &opened.adv_secret, Some(phone.number), &options)
            .await
    }

    /// Sends `pair-success` to the companion and, when it countersigns, registers it and
    /// forces the restart.
    async fn pair(
        &self,
        companion: &Companion,
        adv_secret: &[u8; 32],
        number: Option<u64>,
        options: &PairOptions,
    ) -> Result<Paired, TestkitError> {
        let (phone, device) = {
            let mut st = self.shared.state();
            let phone = phone_for(&mut st, number);
            let device = next_device(&st, &phone);
            (phone, device)
        };
        let jid = phone.jid(device);
        let lid = phone.lid(device);
        let params = IdentityParams {
            raw_id: phone.raw_id,
            timestamp: unix_now(),
            key_index: u32::from(device),
            hosted: options.hosted,
        };
        let signed = sign_forged(
            &phone.identity,
            &companion.identity,
            adv_secret,
            &params,
            options.forgery,
        )
        .map_err(|_| TestkitError::BadPairReply("the phone could not sign"))?;

        let iq_id = random_id();
        let iq = pair_success_iq(&PairSuccessSpec {
            iq_id: iq_id.clone(),
            t: unix_now(),
            device_identity: signed.wrapper.clone(),
            jid: jid.clone(),
            lid: lid.clone(),
            business_name: options.business_name.clone(),
            platform: options.platform.clone(),
        });

        let reply = self.request(companion.connection, iq_id, iq).await?;
        if reply.attr("type").is_some_and(|t| t.eq_str("error")) {
            let IqErrorReply { code, text } = parse_error(&reply);
            return Err(TestkitError::PairingRejected { code, text });
        }
        if options.forgery.is_some() {
            return Err(TestkitError::ForgeryAccepted);
        }
        let (key_index, bytes) = parse_pair_device_sign(&reply)
            .map_err(|_| TestkitError::BadPairReply("no <pair-device-sign><device-identity>"))?;
        if key_index != params.key_index {
            return Err(TestkitError::BadPairReply("key-index differs"));
        }
        check_countersigned(bytes, &signed, &companion.identity, &phone.identity.public)?;

        {
            let mut st = self.shared.state();
            if let Some(p) = st.phones.get_mut(&phone.number) {
                p.next_device = device.saturating_add(1);
            }
            st.devices.insert(
                (phone.number, u32::from(device)),
                DeviceEntry {
                    noise_key: companion.noise_key,
                    jid: jid.clone(),
                    lid: lid.clone(),
                },
            );
            let restart = Node::build("stream:error").attr("code", "515").finish();
            st.send_to(companion.connection, Command::Node(restart, true));
        }
        self.shared.notify();
        tracing::info!(%jid, "fake phone paired a companion");
        Ok(Paired {
            jid,
            lid,
            phone_identity: phone.identity.public,
            platform: options.platform.clone(),
            business_name: options.business_name.clone(),
            companion_platform: companion.platform.clone(),
        })
    }

    /// Sends the iq `node` (id `id`) on connection `conn` and waits for the client's answer.
    async fn request(&self, conn: u64, id: String, node: Node) -> Result<Node, TestkitError> {
        let (tx, rx) = oneshot::channel();
        {
            let mut st = self.shared.state();
            st.pending.insert((conn, id.clone()), tx);
            if !st.send_to(conn, Command::Node(node, false)) {
                st.pending.remove(&(conn, id));
                return Err(TestkitError::ConnectionClosed);
            }
        }
        match tokio::time::timeout(PAIR_REPLY_TIMEOUT, rx).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(_)) => Err(TestkitError::ConnectionClosed),
            Err(_) => {
                self.shared.state().pending.remove(&(conn, id));
                Err(TestkitError::Timeout("the reply to pair-success".into()))
            }
        }
    }
}

/// The client's `companion_finish` did not parse: which part.
fn finish_error(e: PairCodeError) -> TestkitError {
    match e {
        PairCodeError::MissingNode(tag) | PairCodeError::BadLength(tag) => {
            TestkitError::BadCompanionFinish(tag)
        }
        PairCodeError::RefMismatch => TestkitError::BadCompanionFinish("link_code_pairing_ref"),
        other => TestkitError::PairCode(other),
    }
}

/// The latest `companion_hello` on a live connection no code was entered for yet.
fn pending_code_request(st: &State) -> Option<(usize, PairCodeRequest)> {
    st.code_requests
        .iter()
        .enumerate()
        .rev()
        .find(|(_, (r, used))| !used && st.is_live(r.connection))
        .map(|(i, (r, _))| (i, r.clone()))
}

/// `n` fresh QR refs: ASCII, no commas, unique enough for one test.
pub(crate) fn qr_refs(n: usize) -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..n)
        .map(|_| {
            let body: String = (0..24)
                .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
                .collect();
            format!("2@{body}")
        })
        .collect()
}
