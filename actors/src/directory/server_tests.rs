//! The directory against a scripted server: a stand-in Router answers each iq with what the
//! test says, so hostile replies can be played that the fake server would never send.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ractor::{Actor, ActorProcessingErr, ActorRef};
use wa_protocol::binary::{Jid, Node};

use super::*;
use crate::link::{LiveConn, Outbound};
use crate::store::{AccountId, MemoryStore};

type Script = Arc<dyn Fn(&Node) -> Node + Send + Sync>;

/// Answers every iq with `script(request)` and records the requests.
struct Scripted;

impl Actor for Scripted {
    type Msg = Outbound;
    type State = (Script, Arc<Mutex<Vec<Node>>>);
    type Arguments = (Script, Arc<Mutex<Vec<Node>>>);

    async fn pre_start(
        &self,
        _me: ActorRef<Outbound>,
        args: Self::Arguments,
    ) -> Result<Self::State, ActorProcessingErr> {
        Ok(args)
    }

    async fn handle(
        &self,
        _me: ActorRef<Outbound>,
        msg: Outbound,
        (script, seen): &mut Self::State,
    ) -> Result<(), ActorProcessingErr> {
        if let Outbound::Iq { node, reply, .. } = msg {
            seen.lock().unwrap().push(node.clone());
            let _ = reply.send(Ok(script(&node)));
        }
        Ok(())
    }
}

async fn scripted(script: Script) -> (Directory, Arc<Mutex<Vec<Node>>>, ActorRef<Outbound>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (router, _) = Actor::spawn(None, Scripted, (script, seen.clone()))
        .await
        .unwrap();
    let live = LiveConn::default();
    live.attach(1, router.get_derived());
    let d = Directory::load(
        Arc::new(MemoryStore::new()),
        AccountId::new("a"),
        live,
        Duration::from_secs(5),
        DirectoryConfig::default(),
    )
    .await
    .unwrap();
    (d, seen, router)
}

fn usync_reply(users: Vec<Node>) -> Node {
    Node::build("iq")
        .attr("type", "result")
        .child(Node::build("usync").child(Node::build("list").children(users)))
        .finish()
}

fn user(jid: &str, lid: &str, devices: &[&str]) -> Node {
    let list = devices
        .iter()
        .map(|d| Node::build("device").attr("id", d.to_string()).finish());
    Node::build("user")
        .attr("jid", jid.to_owned())
        .child(Node::build("devices").child(Node::build("device-list").children(list)))
        .child(Node::build("lid").attr("val", lid.to_owned()).finish())
        .finish()
}

#[tokio::test]
async fn a_reply_cannot_plant_lists_for_users_nobody_asked_about() {
    let script: Script = Arc::new(|_req: &Node| {
        usync_reply(vec![
            user("1555@s.whatsapp.net", "777@lid", &["0", "2"]),
            user("1666@s.whatsapp.net", "888@lid", &["0"]),
        ])
    });
    let (d, seen, router) = scripted(script).await;
    let got = d.user_devices(&[Jid::pn("1555")]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].devices.len(), 2);
    assert_eq!(
        d.cached_devices(&Jid::pn("1666")),
        None,
        "not asked, not cached"
    );
    assert!(d.cached_devices(&Jid::pn("1555")).is_some());
    // The LIDs the reply names are still facts about those users.
    assert_eq!(d.lid_for_pn(&Jid::pn("1555")), Some(Jid::lid("777")));
    let asked = seen.lock().unwrap()[0].clone();
    let users: Vec<Jid> = asked
        .child_path(&["usync", "list"])
        .unwrap()
        .children_by_tag("user")
        .filter_map(|u| u.attr_jid("jid"))
        .collect();
    assert_eq!(users, vec![Jid::pn("1555")]);
    router.stop(None);
}

#[tokio::test]
async fn long_lists_are_split_and_bad_replies_cache_nothing() {
    let script: Script = Arc::new(|req: &Node| {
        let users = req
            .child_path(&["usync", "list"])
            .map(|l| {
                l.children_by_tag("user")
                    .filter_map(|u| u.attr_jid("jid"))
                    .map(|j| user(&j.to_string(), "1@lid", &["0"]))
                    .collect()
            })
            .unwrap_or_default();
        usync_reply(users)
    });
    let (d, seen, router) = scripted(script).await;
    let many: Vec<Jid> = (0..wa_protocol::usync::MAX_QUERY_USERS + 10)
        .map(|i| Jid::pn(format!("1{i:04}")))
        .collect();
    let got = d.user_devices(&many).await.unwrap();
    assert_eq!(got.len(), many.len());
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "one query per {} users",
        wa_protocol::usync::MAX_QUERY_USERS
    );
    router.stop(None);

    let bad: Script =
        Arc::new(|_req: &Node| usync_reply(vec![user("1555@s.whatsapp.net", "777@lid", &["x"])]));
    let (d, _, router) = scripted(bad).await;
    assert!(matches!(
        d.user_devices(&[Jid::pn("1555")]).await,
        Err(QueryError::Usync(_))
    ));
    assert_eq!(d.cached_devices(&Jid::pn("1555")), None);
    router.stop(None);
}
