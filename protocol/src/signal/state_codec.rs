//! The stored layout of one [`SessionState`] inside a session record (see `codec.rs` for the
//! framing): fixed-order fields, counts bounded by the same limits the ratchet keeps.

use super::codec::{Reader, Writer};
use super::error::SignalError;
use super::kdf::Secret32;
use super::ratchet::{
    Chain, PendingPreKey, ReceivingChain, SessionState, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS,
};

impl SessionState {
    pub(crate) fn write(&self, w: &mut Writer) {
        w.public(&self.local_identity);
        w.public(&self.remote_identity);
        w.u32(self.local_registration_id);
        w.u32(self.remote_registration_id);
        w.public(&self.base_key);
        w.bool(self.base_key_ours);
        w.key32(&self.root_key.0);
        w.key_pair(&self.our_ratchet);
        w.public(&self.their_ratchet);
        w.u32(self.previous_counter);
        match &self.sending {
            Some(chain) => {
                w.bool(true);
                write_chain(w, chain);
            }
            None => w.bool(false),
        }
        w.u32(self.receiving.len() as u32);
        for rc in &self.receiving {
            w.public(&rc.ratchet_key);
            write_chain(w, &rc.chain);
            w.u32(rc.skipped.len() as u32);
            for (i, seed) in &rc.skipped {
                w.u32(*i);
                w.key32(&seed.0);
            }
        }
        match &self.pending_prekey {
            Some(p) => {
                w.bool(true);
                match p.prekey_id {
                    Some(id) => {
                        w.bool(true);
                        w.u32(id);
                    }
                    None => w.bool(false),
                }
                w.u32(p.signed_prekey_id);
                w.public(&p.base_key);
            }
            None => w.bool(false),
        }
    }

    pub(crate) fn read(r: &mut Reader<'_>) -> Result<Self, SignalError> {
        let local_identity = r.public()?;
        let remote_identity = r.public()?;
        let local_registration_id = r.u32()?;
        let remote_registration_id = r.u32()?;
        let base_key = r.public()?;
        let base_key_ours = r.bool()?;
        let root_key = Secret32(r.key32()?);
        let our_ratchet = r.key_pair()?;
        let their_ratchet = r.public()?;
        let previous_counter = r.u32()?;
        let sending = if r.bool()? {
            Some(read_chain(r)?)
        } else {
            None
        };
        let n = r.count(MAX_RECEIVING_CHAINS as u32)?;
        let mut receiving = Vec::with_capacity(n);
        for _ in 0..n {
            let ratchet_key = r.public()?;
            let chain = read_chain(r)?;
            let m = r.count(MAX_SKIPPED_KEYS as u32)?;
            let mut skipped = Vec::with_capacity(m);
            for _ in 0..m {
                let i = r.u32()?;
                skipped.push((i, Secret32(r.key32()?)));
            }
            receiving.push(ReceivingChain {
                ratchet_key,
                chain,
                skipped,
            });
        }
        let pending_prekey = if r.bool()? {
            let prekey_id = if r.bool()? { Some(r.u32()?) } else { None };
            Some(PendingPreKey {
                prekey_id,
                signed_prekey_id: r.u32()?,
                base_key: r.public()?,
            })
        } else {
            None
        };
        Ok(Self {
            local_identity,
            remote_identity,
            local_registration_id,
            remote_registration_id,
            base_key,
            base_key_ours,
            root_key,
            our_ratchet,
            their_ratchet,
            previous_counter,
            sending,
            receiving,
            pending_prekey,
        })
    }
}

fn write_chain(w: &mut Writer, chain: &Chain) {
    w.u32(chain.next);
    match &chain.key {
        Some(k) => {
            w.bool(true);
            w.key32(&k.0);
        }
        None => w.bool(false),
    }
}

fn read_chain(r: &mut Reader<'_>) -> Result<Chain, SignalError> {
    let next = r.u32()?;
    let key = if r.bool()? {
        Some(Secret32(r.key32()?))
    } else {
        None
    };
    Ok(Chain { key, next })
}
