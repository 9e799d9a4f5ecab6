//! Group metadata queries (`xmlns="w:g2"`), both roles: one group's info
//! (`<query request="interactive"/>`) and the groups we are in (`<participating>`).
//! Shapes in `../shared/protocol/server.md` §8 (whatsmeow `group.go` `getGroupInfo`,
//! `GetJoinedGroups`, `parseGroupNode`; Baileys `groups.ts`; whatsapp-rust
//! `wacore/src/iq/groups.rs`). The `<group>` element is the one `w:gp2` `<create>`
//! notifications carry, so both read it with `stanza::notification`'s reader.

pub mod query;
pub mod server;

pub use query::{
    group_info_iq, joined_groups_iq, parse_group_info, parse_joined_groups, GroupQueryError,
};
pub use server::{
    group_info_result, group_node, joined_groups_result, parse_group_query, GroupQuery,
};

/// The iq namespace.
pub const GROUPS_XMLNS: &str = "w:g2";
/// The `to` of `participating`: the group server itself.
pub const GROUP_SERVER: &str = "@g.us";
/// Most groups read from one `participating` reply (WhatsApp caps membership far lower).
pub const MAX_GROUPS: usize = 10_000;
/// Most participants read for one group (WhatsApp groups hold at most 1024 members;
/// communities' announcement groups more, so leave room).
pub const MAX_PARTICIPANTS: usize = 5_000;

#[cfg(test)]
#[path = "groups_tests.rs"]
mod tests;
