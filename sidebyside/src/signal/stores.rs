//! Minimal in-memory stores for wacore-libsignal's async store traits, and a `block_on` for its
//! futures. One peer per store, so a load is a clone of one record, like a cache hit in a real
//! client. With `persist` off, writes are dropped: every call of a timed closure then starts
//! from the same record and does the same work (our side gets the same by keeping the record it
//! started from, since our operations return a new record).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use async_trait::async_trait;
use wacore_libsignal::protocol::error::Result;
use wacore_libsignal::protocol::{
    Direction, IdentityChange, IdentityKey, IdentityKeyPair, IdentityKeyStore, PreKeyId,
    PreKeyRecord, PreKeyStore, ProtocolAddress, SenderKeyRecord, SenderKeyStore, SessionRecord,
    SessionStore, SignalProtocolError, SignedPreKeyId, SignedPreKeyRecord, SignedPreKeyStore,
};
use wacore_libsignal::store::sender_key_name::SenderKeyName;

/// Drives a future that never waits: every store here answers at once, so a pending poll
/// means the library waited on something this harness does not provide.
pub fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    match f.as_mut().poll(&mut cx) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("a wacore future waited on an in-memory store"),
    }
}

/// One party's stores; separate values because wacore borrows several of them at once.
#[derive(Clone)]
pub struct Party {
    pub ids: Identities,
    pub prekeys: PreKeys,
    pub signed: SignedPreKeys,
    pub sessions: Sessions,
    pub sender_keys: SenderKeys,
}

impl Party {
    /// A party with only its identity; nothing stored yet, writes kept.
    pub fn new(identity: IdentityKeyPair, registration_id: u32) -> Self {
        Self {
            ids: Identities {
                identity,
                registration_id,
                peer: None,
                persist: true,
            },
            prekeys: PreKeys {
                prekey: None,
                persist: true,
            },
            signed: SignedPreKeys { signed: None },
            sessions: Sessions {
                session: None,
                persist: true,
            },
            sender_keys: SenderKeys {
                record: None,
                persist: true,
            },
        }
    }

    /// This party with writes dropped from now on, for a timed loop.
    pub fn frozen(&self) -> Self {
        let mut p = self.clone();
        p.ids.persist = false;
        p.prekeys.persist = false;
        p.sessions.persist = false;
        p.sender_keys.persist = false;
        p
    }
}

/// Our identity and the one peer's.
#[derive(Clone)]
pub struct Identities {
    pub identity: IdentityKeyPair,
    pub registration_id: u32,
    pub peer: Option<IdentityKey>,
    pub persist: bool,
}

/// At most one one-time prekey.
#[derive(Clone)]
pub struct PreKeys {
    pub prekey: Option<(PreKeyId, PreKeyRecord)>,
    pub persist: bool,
}

/// At most one signed prekey.
#[derive(Clone)]
pub struct SignedPreKeys {
    pub signed: Option<(SignedPreKeyId, SignedPreKeyRecord)>,
}

/// The session with the one peer.
#[derive(Clone)]
pub struct Sessions {
    pub session: Option<SessionRecord>,
    pub persist: bool,
}

/// One sender key record.
#[derive(Clone)]
pub struct SenderKeys {
    pub record: Option<SenderKeyRecord>,
    pub persist: bool,
}

#[async_trait]
impl IdentityKeyStore for Identities {
    async fn get_identity_key_pair(&self) -> Result<IdentityKeyPair> {
        Ok(self.identity.clone())
    }
    async fn get_local_registration_id(&self) -> Result<u32> {
        Ok(self.registration_id)
    }
    async fn save_identity(
        &mut self,
        _address: &ProtocolAddress,
        identity: &IdentityKey,
    ) -> Result<IdentityChange> {
        let changed = self.peer.is_some_and(|k| k != *identity);
        if self.persist {
            self.peer = Some(*identity);
        }
        Ok(IdentityChange::from_changed(changed))
    }
    async fn is_trusted_identity(
        &self,
        _address: &ProtocolAddress,
        _identity: &IdentityKey,
        _direction: Direction,
    ) -> Result<bool> {
        Ok(true)
    }
    async fn get_identity(&self, _address: &ProtocolAddress) -> Result<Option<IdentityKey>> {
        Ok(self.peer)
    }
}

#[async_trait]
impl PreKeyStore for PreKeys {
    async fn get_pre_key(&self, id: PreKeyId) -> Result<PreKeyRecord> {
        match &self.prekey {
            Some((have, r)) if *have == id => Ok(r.clone()),
            _ => Err(SignalProtocolError::InvalidPreKeyId),
        }
    }
    async fn save_pre_key(&mut self, id: PreKeyId, record: &PreKeyRecord) -> Result<()> {
        self.prekey = Some((id, record.clone()));
        Ok(())
    }
    async fn remove_pre_key(&mut self, _id: PreKeyId) -> Result<()> {
        if self.persist {
            self.prekey = None;
        }
        Ok(())
    }
}

#[async_trait]
impl SignedPreKeyStore for SignedPreKeys {
    async fn get_signed_pre_key(&self, id: SignedPreKeyId) -> Result<SignedPreKeyRecord> {
        match &self.signed {
            Some((have, r)) if *have == id => Ok(r.clone()),
            _ => Err(SignalProtocolError::InvalidSignedPreKeyId),
        }
    }
    async fn save_signed_pre_key(
        &mut self,
        id: SignedPreKeyId,
        record: &SignedPreKeyRecord,
    ) -> Result<()> {
        self.signed = Some((id, record.clone()));
        Ok(())
    }
}

#[async_trait]
impl SessionStore for Sessions {
    async fn load_session(&self, _address: &ProtocolAddress) -> Result<Option<SessionRecord>> {
        Ok(self.session.clone())
    }
    async fn has_session(&self, _address: &ProtocolAddress) -> Result<bool> {
        Ok(self.session.is_some())
    }
    async fn store_session(
        &mut self,
        _address: &ProtocolAddress,
        record: SessionRecord,
    ) -> Result<()> {
        if self.persist {
            self.session = Some(record);
        }
        Ok(())
    }
}

#[async_trait]
impl SenderKeyStore for SenderKeys {
    async fn store_sender_key(
        &mut self,
        _name: &SenderKeyName,
        record: SenderKeyRecord,
    ) -> Result<()> {
        if self.persist {
            self.record = Some(record);
        }
        Ok(())
    }
    async fn load_sender_key(&self, _name: &SenderKeyName) -> Result<Option<SenderKeyRecord>> {
        Ok(self.record.clone())
    }
}
