//! Whose declarations the page lists: the current profile's enterprises (an
//! employer's own, a representative's clients), drafts without an enterprise,
//! or, when asked or when the profile names none, every row of the journal.
//! A view filter only: the journal and the engine keep every row.

use std::collections::BTreeSet;

use crate::i18n::{tr, tr_n, Lang};
use crate::profile::Profile;
use crate::submit::engine::drafts::DraftRow;

/// The enterprises of a profile, as ten digits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileScope {
    /// The profile's name as the app shows it.
    pub name: String,
    /// Empty: the profile names none, every row is shown.
    pub enterprises: BTreeSet<String>,
}

impl ProfileScope {
    /// An employer (its own account): its enterprise; a representative: its
    /// clients'; a profile without a role: both.
    pub fn of(profile: &Profile, name: String) -> ProfileScope {
        use crate::channel::env::Role as ChannelRole;
        let role = profile.role.map(|r| r.channel_role());
        let mut enterprises = BTreeSet::new();
        if role != Some(ChannelRole::Provider) {
            enterprises.insert(digits(&profile.enterprise));
        }
        if role != Some(ChannelRole::Employer) {
            enterprises.extend(profile.clients.iter().map(|c| digits(&c.enterprise)));
        }
        enterprises.retain(|e| !e.is_empty());
        ProfileScope { name, enterprises }
    }

    /// Whether the row is one of the profile's (a draft without an
    /// enterprise is everyone's).
    pub fn includes(&self, row: &DraftRow) -> bool {
        self.includes_enterprise(&row.form.enterprise)
    }

    fn includes_enterprise(&self, typed: &str) -> bool {
        let enterprise = digits(typed);
        self.enterprises.is_empty()
            || enterprise.is_empty()
            || self.enterprises.contains(&enterprise)
    }

    /// The note above the table: whose rows are shown and how many are hidden.
    pub fn note(&self, lang: Lang, hidden: usize, show_all: bool) -> Option<String> {
        if self.enterprises.is_empty() || (hidden == 0 && !show_all) {
            return None;
        }
        Some(if show_all {
            tr(lang, "decl.scope.all")
        } else {
            tr_n(
                lang,
                "decl.scope.hidden",
                hidden as u64,
                &[("profile", self.name.clone())],
            )
        })
    }
}

/// An enterprise number as typed (`BE 0403.170.701`, `0403170701`) to its
/// digits, a nine-digit old number with its leading zero.
fn digits(text: &str) -> String {
    let d: String = text.chars().filter(char::is_ascii_digit).collect();
    if d.len() == 9 {
        format!("0{d}")
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checklist::Role;
    use crate::profile::ClientEnterprise;

    #[test]
    fn an_employer_sees_its_own_a_representative_its_clients() {
        let employer = Profile {
            role: Some(Role::Employer),
            enterprise: "0403170701".into(),
            clients: vec![ClientEnterprise {
                enterprise: "0202239951".into(),
                ..ClientEnterprise::default()
            }],
            ..Profile::default()
        };
        let scope = ProfileScope::of(&employer, "A".into());
        assert!(scope.includes_enterprise("BE 0403.170.701"));
        assert!(scope.includes_enterprise("403170701"));
        assert!(!scope.includes_enterprise("0202.239.951"));
        assert!(
            scope.includes_enterprise(""),
            "a draft without an enterprise"
        );

        let representative = Profile {
            role: Some(Role::Representative),
            ..employer.clone()
        };
        let scope = ProfileScope::of(&representative, "B".into());
        assert!(!scope.includes_enterprise("0403170701"));
        assert!(scope.includes_enterprise("0202239951"));

        let none = ProfileScope::of(&Profile::default(), "C".into());
        assert!(
            none.includes_enterprise("0403170701"),
            "no enterprise: all rows"
        );
        assert_eq!(none.note(Lang::En, 3, false), None);
    }
}
