//! Business profile changes (`<notification type="business">`).

use serde::Serialize;

use super::serde_wire;
use crate::wire::Jid;

/// What changed about a business account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum BusinessUpdateType {
    /// No longer a business (`remove_jid`, `remove_hash`).
    RemovedAsBusiness,
    /// The verified name changed (`verified_name_jid`, `verified_name_hash`).
    VerifiedNameChanged,
    /// The profile changed (`profile`, `profile_hash`).
    ProfileUpdated,
    /// Catalog products changed (`product`).
    ProductsUpdated,
    /// Catalog collections changed (`collection`).
    CollectionsUpdated,
    /// Subscriptions changed (`subscriptions`).
    SubscriptionsUpdated,
    /// Any other child.
    Unknown,
}

impl BusinessUpdateType {
    /// Classifies the notification by its child tag.
    pub fn from_tag(tag: &str) -> Self {
        match tag {
            "remove_jid" | "remove_hash" => Self::RemovedAsBusiness,
            "verified_name_jid" | "verified_name_hash" => Self::VerifiedNameChanged,
            "profile" | "profile_hash" => Self::ProfileUpdated,
            "product" => Self::ProductsUpdated,
            "collection" => Self::CollectionsUpdated,
            "subscriptions" => Self::SubscriptionsUpdated,
            _ => Self::Unknown,
        }
    }
}

/// One subscription of a business account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessSubscription {
    /// Subscription id.
    pub id: String,
    /// Its status as sent.
    pub status: String,
    /// Expiry, unix seconds, when given.
    pub expiration_date: Option<i64>,
    /// Creation, unix seconds, when given.
    pub creation_time: Option<i64>,
}

/// A business account's status changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BusinessStatusUpdate {
    /// The business (`from`).
    #[serde(serialize_with = "serde_wire::jid")]
    pub jid: Jid,
    /// What changed.
    pub update_type: BusinessUpdateType,
    /// Unix seconds (`t`).
    pub timestamp: i64,
    /// The JID named by the child, when any.
    #[serde(serialize_with = "serde_wire::opt_jid")]
    pub target_jid: Option<Jid>,
    /// The `hash` of the child, when any.
    pub hash: Option<String>,
    /// The new verified name, when given.
    pub verified_name: Option<String>,
    /// Product ids of a `product` change.
    pub product_ids: Vec<String>,
    /// Collection ids of a `collection` change.
    pub collection_ids: Vec<String>,
    /// Subscriptions of a `subscriptions` change.
    pub subscriptions: Vec<BusinessSubscription>,
}
