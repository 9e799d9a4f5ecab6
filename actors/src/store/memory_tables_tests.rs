//! The packed prekey table behaves exactly like one ordered map, whatever mix of widths and
//! operations it sees.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

type Model = BTreeMap<(Namespace, Vec<u8>), Stamped>;

fn model_scan(model: &Model, ns: Namespace, prefix: &[u8]) -> Vec<Entry> {
    model
        .range((ns, prefix.to_vec())..)
        .take_while(|((n, k), _)| *n == ns && k.starts_with(prefix))
        .map(|((_, k), (v, _))| (k.clone(), v.clone()))
        .collect()
}

#[test]
fn matches_an_ordered_map_under_random_operations() {
    let spaces = [Namespace::PRE_KEYS, Namespace::SESSIONS];
    for seed in 0..40u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut tables, mut model) = (Tables::default(), Model::new());
        for step in 0..400i64 {
            // Several writes share a second, as a minted batch does, so runs form and split.
            let step = step / 4;
            let ns = spaces[rng.gen_range(0..2)];
            // Mostly 4-byte keys with a few odd lengths; mostly one value width.
            let key: Vec<u8> = if rng.gen_bool(0.9) {
                (rng.gen_range(0u32..64)).to_be_bytes().to_vec()
            } else {
                vec![rng.gen(); rng.gen_range(0..6)]
            };
            let width = if rng.gen_bool(0.85) {
                36
            } else {
                rng.gen_range(0..40)
            };
            let value: Vec<u8> = (0..width).map(|_| rng.gen()).collect();
            match rng.gen_range(0..10) {
                0..=4 => assert_eq!(
                    tables.insert(ns, key.clone(), value.clone(), step),
                    model.insert((ns, key), (value, step))
                ),
                5 | 6 => assert_eq!(tables.remove(ns, &key), model.remove(&(ns, key))),
                7 => {
                    let prefix = &key[..key.len().min(3)];
                    assert_eq!(tables.scan(ns, prefix), model_scan(&model, ns, prefix));
                }
                8 => {
                    let cutoff = step - rng.gen_range(0..50);
                    let before = model.len();
                    model.retain(|(n, _), (_, t)| *n != ns || *t >= cutoff);
                    assert_eq!(tables.prune(ns, cutoff), (before - model.len()) as u64);
                }
                _ if rng.gen_bool(0.1) => {
                    let taken = tables.take_ns(ns);
                    let expected: Vec<(Vec<u8>, Stamped)> = model
                        .iter()
                        .filter(|((n, _), _)| *n == ns)
                        .map(|((_, k), v)| (k.clone(), v.clone()))
                        .collect();
                    model.retain(|(n, _), _| *n != ns);
                    assert_eq!(taken, expected);
                }
                _ => assert_eq!(tables.get(ns, &key), model.get(&(ns, key)).cloned()),
            }
            for ns in spaces {
                assert_eq!(
                    tables.scan(ns, &[]),
                    model_scan(&model, ns, &[]),
                    "seed {seed}"
                );
            }
            assert_eq!(tables.is_empty(), model.is_empty());
        }
    }
}

#[test]
fn a_full_prekey_batch_is_packed() {
    let mut tables = Tables::default();
    for id in 1..=812u32 {
        tables.insert(
            Namespace::PRE_KEYS,
            id.to_be_bytes().to_vec(),
            vec![7; 36],
            0,
        );
    }
    assert_eq!(tables.prekeys.len(), 812);
    // One batch, one run: no key or time is kept per record.
    assert_eq!(tables.prekeys.runs(), 1);
    assert!(tables.general.is_empty());
    assert_eq!(
        tables.get(Namespace::PRE_KEYS, &500u32.to_be_bytes()),
        Some((vec![7; 36], 0))
    );
}
