//! `narrow!`: lets an actor hand out a `DerivedActorRef` of a narrow report type that one of
//! its message variants wraps, so a child reports up without importing its parent's enum.

/// `narrow!(Parent, Report => Variant)` implements `From<Report> for Parent` and
/// `TryFrom<Parent> for Report` for the variant `Parent::Variant(Report)`.
macro_rules! narrow {
    ($parent:ident, $report:ty => $variant:ident) => {
        impl From<$report> for $parent {
            fn from(m: $report) -> Self {
                $parent::$variant(m)
            }
        }
        impl TryFrom<$parent> for $report {
            type Error = $parent;
            fn try_from(m: $parent) -> Result<Self, $parent> {
                match m {
                    $parent::$variant(x) => Ok(x),
                    #[allow(unreachable_patterns)]
                    other => Err(other),
                }
            }
        }
    };
}

pub(crate) use narrow;
