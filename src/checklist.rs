//! The set-up path from "we must declare trainings" to a working REST channel, as
//! a pure model: the roles a user can have (asked in plain words), the steps each
//! role goes through (seed §2, §4, §5), what the app can tick itself, and what is
//! still missing. No I/O and no clock: facts and "today" are passed in. The
//! Checklist page and the status line above every page draw from it.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::channel::env::{client_id_looks_right, Role as ChannelRole};
use crate::i18n::Msg;

/// Whether a representative's mandate for a client has been checked in MAHIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MandateState {
    #[default]
    NotChecked,
    Active,
    Missing,
}

/// A client enterprise of a representative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ClientEnterprise {
    /// Ten digits.
    pub enterprise: String,
    pub name: String,
    pub mandate: MandateState,
    /// The day the mandate was last checked, in Brussels (ISO `YYYY-MM-DD`).
    pub checked_on: Option<String>,
}

/// Who the user is, in the words of the role question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// An employer that sends its own workers' trainings.
    Employer,
    /// A social secretariat or service provider sending for client employers.
    Representative,
    /// A company of a group where each company has its own account.
    GroupOwnAccount,
    /// A company of a group that sends for the other companies of the group
    /// (it is their representative, with a mandate per company).
    GroupRepresentative,
    /// A software supplier whose software is centralised (or that has an
    /// agreement to send for the employer): a representative.
    SupplierCentralised,
    /// A software supplier whose software runs at the employer: each employer
    /// sets up its own account; the supplier helps.
    SupplierAtEmployer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Employer,
        Role::Representative,
        Role::GroupOwnAccount,
        Role::GroupRepresentative,
        Role::SupplierCentralised,
        Role::SupplierAtEmployer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Employer => "employer",
            Role::Representative => "representative",
            Role::GroupOwnAccount => "group_own_account",
            Role::GroupRepresentative => "group_representative",
            Role::SupplierCentralised => "supplier_centralised",
            Role::SupplierAtEmployer => "supplier_at_employer",
        }
    }

    /// How the channel sees the sender: the employer itself, or a representative
    /// holding mandates (the scope and the Chaman quality follow from it).
    pub fn channel_role(self) -> ChannelRole {
        match self {
            Role::Employer | Role::GroupOwnAccount | Role::SupplierAtEmployer => {
                ChannelRole::Employer
            }
            Role::Representative | Role::GroupRepresentative | Role::SupplierCentralised => {
                ChannelRole::Provider
            }
        }
    }

    /// Whether the sender needs a MAHIS mandate per client enterprise.
    pub fn needs_mandates(self) -> bool {
        self.channel_role() == ChannelRole::Provider
    }

    /// The catalogue key of the role's plain-words name.
    pub fn label_key(self) -> String {
        format!("checklist.role.{}", self.code())
    }

    /// Whether the sender declares for its own enterprise (an employer, a group
    /// company with its own account, software at the employer): it keeps its
    /// own enterprise number in the profile.
    pub fn declares_for_itself(self) -> bool {
        self.channel_role() == ChannelRole::Employer
    }

    /// The catalogue key of the quality to choose when logging in to Chaman.
    pub fn chaman_quality_key(self) -> &'static str {
        match self.channel_role() {
            ChannelRole::Employer => "checklist.quality.employer",
            ChannelRole::Provider => "checklist.quality.provider",
        }
    }
}

/// One step of the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// 1: be known as an NOSS employer.
    Identify,
    /// 2: register on the social security portal (a local manager is named).
    Register,
    /// 3: access to Chaman (the local manager, or 'Technical channel management').
    Chaman,
    /// Representatives: a MAHIS mandate 'Federal Learning Account' per client employer.
    Mandates,
    /// 4a/4b: a REST web-service account with the FLA authorization, the .cer
    /// uploaded, the client ID noted.
    Account,
    /// 5: the OAuth test (a token with the client ID and the certificate),
    /// against acceptance or production.
    TokenTest,
    /// 6: a first declaration for real.
    RealDeclaration,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Identify,
        Step::Register,
        Step::Chaman,
        Step::Mandates,
        Step::Account,
        Step::TokenTest,
        Step::RealDeclaration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Step::Identify => "identify",
            Step::Register => "register",
            Step::Chaman => "chaman",
            Step::Mandates => "mandates",
            Step::Account => "account",
            Step::TokenTest => "token_test",
            Step::RealDeclaration => "real_declaration",
        }
    }

    /// The catalogue key of a part of the step: `title`, `what`, `who`, `ready`, `done_when`.
    pub fn key(self, part: &str) -> String {
        format!("checklist.step.{}.{part}", self.code())
    }

    /// Whether the app can see for itself that the step is done (and ticks
    /// it): only from what happens against a real environment.
    pub fn ticked_by_the_app(self) -> bool {
        matches!(
            self,
            Step::Mandates | Step::Account | Step::TokenTest | Step::RealDeclaration
        )
    }

    /// The portal path in Dutch and in French (the portal speaks only those two),
    /// where the step has one.
    pub fn portal_path(self) -> Option<(&'static str, &'static str)> {
        match self {
            Step::Chaman => Some((
                "www.socialsecurity.be > Onderneming > Alle online diensten > Toegangsbeheer > Toegangsbeheer",
                "www.socialsecurity.be > Entreprise > Service en ligne > Gestion des accès > Gestion des accès",
            )),
            Step::Mandates => Some((
                "www.socialsecurity.be > Onderneming > Online dienst > MAHIS",
                "www.socialsecurity.be > Entreprise > Service en ligne > MAHIS",
            )),
            Step::Account => Some((
                "www.socialsecurity.be > Onderneming > Naar alle onlinediensten > Chaman > Beheer uw technische kanalen",
                "www.socialsecurity.be > Entreprise > Service en ligne > Chaman > Gérer vos canaux techniques",
            )),
            _ => None,
        }
    }

    /// Links to the portal's own pages for the step, Dutch then French.
    pub fn links(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Step::Identify => &[(
                "https://www.socialsecurity.be/site_nl/general/first_visit/access/register-as-employer.htm",
                "https://www.socialsecurity.be/site_fr/general/first_visit/access/register-as-employer.htm",
            )],
            Step::Register => &[(
                "https://www.socialsecurity.be/site_nl/employer/infos/employer_onss/registration_gen/register/register.htm",
                "https://www.socialsecurity.be/site_fr/employer/infos/employer_onss/registration_gen/register/register.htm",
            )],
            // The seed names no page of MAHIS itself: the portal, where its path starts.
            Step::Mandates => &[(
                "https://www.socialsecurity.be/site_nl/",
                "https://www.socialsecurity.be/site_fr/",
            )],
            Step::Account => &[(
                "https://www.socialsecurity.be/site_nl/general/helpcentre/soa/local_manager_certificate.htm",
                "https://www.socialsecurity.be/site_fr/general/helpcentre/soa/local_manager_certificate.htm",
            )],
            Step::TokenTest => &[(
                "https://www.socialsecurity.be/site_nl/general/helpcentre/rest/documents/pdf/doc_portal_oauth2_client_credential_NL.pdf",
                "https://www.socialsecurity.be/site_fr/general/helpcentre/rest/documents/pdf/doc_portal_oauth2_client_credential_FR.pdf",
            )],
            _ => &[],
        }
    }
}

/// The steps a role goes through, in order.
pub fn steps(role: Role) -> Vec<Step> {
    Step::ALL
        .into_iter()
        .filter(|step| *step != Step::Mandates || role.needs_mandates())
        .collect()
}

/// One step of the rehearsal in the app's sandbox, where the real path's
/// moves are tried without consequence. Ticked only by what the app sees in
/// the sandbox; nothing done there ticks a real [`Step`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rehearsal {
    /// A certificate that can sign is open (the user's own, or the
    /// sandbox's test certificate).
    Certificate,
    /// It is registered in the sandbox's Chaman: a sandbox client ID.
    Registered,
    /// The sandbox's token server granted a token.
    TokenTest,
    /// The sandbox accepted a declaration.
    Declaration,
}

impl Rehearsal {
    pub const ALL: [Rehearsal; 4] = [
        Rehearsal::Certificate,
        Rehearsal::Registered,
        Rehearsal::TokenTest,
        Rehearsal::Declaration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rehearsal::Certificate => "certificate",
            Rehearsal::Registered => "registered",
            Rehearsal::TokenTest => "token_test",
            Rehearsal::Declaration => "declaration",
        }
    }

    /// The catalogue key of a part of the step: `title`, `done`.
    pub fn key(self, part: &str) -> String {
        format!("checklist.rehearsal.{}.{part}", self.code())
    }
}

/// Where the fix of something missing is: the page, and the control there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// The role question on the Checklist.
    Role,
    /// A step of the real path, unfolded on the Checklist.
    Step(Step),
    /// The rehearsal on the Checklist (open a certificate or make a test one).
    Rehearsal,
    /// The path field of the Certificate page.
    Certificate,
    /// The client ID field of the Connection page.
    ClientId,
    /// The sandbox's "Register" button on the Connection page.
    Register,
    /// The "Test connection" button.
    TokenTest,
    /// A first declaration (the rehearsal's example).
    Declare,
}

impl Rehearsal {
    /// Where this step of the rehearsal is done.
    pub fn fix(self) -> Fix {
        match self {
            Rehearsal::Certificate => Fix::Rehearsal,
            Rehearsal::Registered => Fix::Register,
            Rehearsal::TokenTest => Fix::TokenTest,
            Rehearsal::Declaration => Fix::Declare,
        }
    }
}

/// Something missing, and where it is fixed.
#[derive(Debug, Clone)]
pub struct Need {
    pub msg: Msg,
    pub fix: Fix,
}

/// What the app knows about the set-up, gathered by the caller from the profile,
/// the certificate page, the last token test and the journal.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub role: Option<Role>,
    /// The signing certificate: its last day of validity, or `None` without one.
    pub certificate_valid_until: Option<Date>,
    /// The signing certificate is the sandbox's test certificate.
    pub throwaway_certificate: bool,
    /// The client ID for acceptance and production (Chaman's).
    pub client_id: String,
    /// The client ID the sandbox's Chaman gave.
    pub sandbox_client_id: String,
    /// The sender's own enterprise number (ten digits), as the profile keeps it.
    pub enterprise: String,
    /// A token test passed against acceptance or production.
    pub token_test_passed: bool,
    /// A token test passed against the sandbox.
    pub sandbox_token_passed: bool,
    /// A declaration was accepted (A or W) in the sandbox / for real.
    pub sandbox_declaration_accepted: bool,
    pub real_declaration_accepted: bool,
    /// The rehearsal's steps the app ticked.
    pub rehearsed: std::collections::BTreeSet<Rehearsal>,
    /// For representatives: the client enterprises with their mandate state.
    pub clients: Vec<ClientEnterprise>,
    /// Steps the user ticked by hand.
    pub ticked: std::collections::BTreeSet<Step>,
    /// The connection is the sandbox's: its steps can be done in the app.
    pub sandbox: bool,
    /// Dimona is declared too: the REST account needs its authorization.
    pub dimona: bool,
    /// The update notice was asked about (on the last step, once).
    pub update_asked: bool,
}

/// How many days before a certificate expires the status line warns.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

impl Facts {
    /// Whether `step` is done: ticked by hand, or seen done by the app.
    pub fn is_done(&self, step: Step) -> bool {
        // The mandates are what the client list says: a tick (by hand, or
        // the app's from before) does not hide a mandate found missing since.
        if step == Step::Mandates {
            return !self.clients.is_empty()
                && self
                    .clients
                    .iter()
                    .all(|c| c.mandate == MandateState::Active);
        }
        let seen = match step {
            Step::TokenTest => self.token_test_passed,
            Step::RealDeclaration => self.real_declaration_accepted,
            Step::Account => {
                self.client_id_ok()
                    && self.certificate_valid_until.is_some()
                    && !self.throwaway_certificate
            }
            _ => false,
        };
        seen || self.ticked.contains(&step)
    }

    /// Whether a step of the rehearsal is done: seen now, or ticked before.
    pub fn rehearsal_done(&self, step: Rehearsal) -> bool {
        let seen = match step {
            Rehearsal::Certificate => self.certificate_valid_until.is_some(),
            Rehearsal::Registered => client_id_looks_right(self.sandbox_client_id.trim()),
            Rehearsal::TokenTest => self.sandbox_token_passed,
            Rehearsal::Declaration => self.sandbox_declaration_accepted,
        };
        seen || self.rehearsed.contains(&step)
    }

    /// The rehearsal's first step not done (`None`: all done).
    pub fn next_rehearsal(&self) -> Option<Rehearsal> {
        Rehearsal::ALL
            .into_iter()
            .find(|step| !self.rehearsal_done(*step))
    }

    fn client_id_ok(&self) -> bool {
        client_id_looks_right(self.client_id.trim())
    }

    /// Whether the whole path of the role is done.
    pub fn path_done(&self) -> bool {
        match self.role {
            Some(role) => steps(role).into_iter().all(|step| self.is_done(step)),
            None => false,
        }
    }

    /// A representative's needs for its clients and their mandates.
    fn mandate_needs(&self, role: Role) -> Vec<Need> {
        let mut out = Vec::new();
        if !role.needs_mandates() {
            return out;
        }
        if self.clients.is_empty() {
            push(
                &mut out,
                Msg::new("status.no_clients"),
                Fix::Step(Step::Mandates),
            );
        }
        // A line for the clients whose mandate MAHIS showed missing, and
        // one for those not checked yet: each says what to do.
        for (state, key) in [
            (MandateState::Missing, "status.mandate_missing"),
            (MandateState::NotChecked, "status.mandate_not_checked"),
        ] {
            let clients: Vec<String> = self
                .clients
                .iter()
                .filter(|c| c.mandate == state)
                .map(client_label)
                .collect();
            if !clients.is_empty() {
                push(
                    &mut out,
                    Msg::plural(key, clients.len() as u64).arg("clients", clients.join(", ")),
                    Fix::Step(Step::Mandates),
                );
            }
        }
        out
    }

    /// In the sandbox, a representative whose client has no active mandate
    /// yet: the client and its mandate come before the registration.
    pub fn mandates_first(&self) -> bool {
        self.sandbox
            && self.role.is_some_and(|r| r.needs_mandates())
            && !self
                .clients
                .iter()
                .any(|c| c.mandate == MandateState::Active)
    }

    /// What is still missing, most urgent first, for the status line above every
    /// page (empty when nothing is).
    pub fn missing(&self, today: Date) -> Vec<Msg> {
        self.needs(today).into_iter().map(|n| n.msg).collect()
    }

    /// What is still missing, most urgent first, each with where it is
    /// fixed. In the sandbox, what the rehearsal needs next; elsewhere, what
    /// the real environment needs.
    pub fn needs(&self, today: Date) -> Vec<Need> {
        let mut out = Vec::new();
        let Some(role) = self.role else {
            push(&mut out, Msg::new("status.no_role"), Fix::Role);
            return out;
        };
        match self.certificate_valid_until {
            None if self.sandbox => push(
                &mut out,
                Msg::new("status.rehearsal.no_certificate"),
                Fix::Rehearsal,
            ),
            None => push(
                &mut out,
                Msg::new("status.no_certificate"),
                Fix::Certificate,
            ),
            Some(until) => {
                let days = (until - today).whole_days();
                if days < 0 {
                    push(
                        &mut out,
                        Msg::new("status.certificate_expired").arg("date", until),
                        Fix::Certificate,
                    );
                } else if days <= EXPIRY_WARNING_DAYS && !self.throwaway_certificate {
                    push(
                        &mut out,
                        Msg::plural("status.certificate_expires_in", days as u64),
                        Fix::Certificate,
                    );
                }
            }
        }
        if self.throwaway_certificate && !self.sandbox {
            push(
                &mut out,
                Msg::new("status.throwaway_certificate"),
                Fix::Certificate,
            );
        }
        if self.sandbox {
            // The sandbox gives a representative its mandates when the
            // certificate is registered: the clients come first there.
            out.extend(self.mandate_needs(role));
            if !client_id_looks_right(self.sandbox_client_id.trim()) {
                push(
                    &mut out,
                    Msg::new("status.rehearsal.register"),
                    Fix::Register,
                );
            }
        } else if self.client_id.trim().is_empty() {
            push(&mut out, Msg::new("status.no_client_id"), Fix::ClientId);
        } else if !self.client_id_ok() {
            push(
                &mut out,
                Msg::new("status.client_id_shape").arg("client_id", self.client_id.trim()),
                Fix::ClientId,
            );
        }
        if !self.sandbox {
            out.extend(self.mandate_needs(role));
        }
        if self.sandbox {
            if !self.rehearsal_done(Rehearsal::TokenTest) {
                push(
                    &mut out,
                    Msg::new("status.rehearsal.token_test"),
                    Fix::TokenTest,
                );
            } else if !self.rehearsal_done(Rehearsal::Declaration) {
                push(&mut out, Msg::new("status.rehearsal.declare"), Fix::Declare);
            }
        } else if !self.token_test_passed {
            push(&mut out, Msg::new("status.token_test"), Fix::TokenTest);
        } else if !self.real_declaration_accepted && !self.ticked.contains(&Step::RealDeclaration) {
            // The connection works: what comes next.
            push(&mut out, Msg::new("status.real.declare"), Fix::Declare);
        }
        out
    }
}

fn push(out: &mut Vec<Need>, msg: Msg, fix: Fix) {
    out.push(Need { msg, fix });
}

/// A client as a sentence names it: "Garage Dubois (0202.239.951)", or the
/// number alone when no name was given.
fn client_label(client: &ClientEnterprise) -> String {
    crate::identifiers::named_enterprise(&client.enterprise, &client.name)
}

/// An enterprise number as typed: its ten digits when it is one (the check
/// digits right), else what is wrong with it, to say under the field.
pub fn check_enterprise(text: &str) -> Result<String, Msg> {
    let typed = text.trim();
    if let Some(digits) = crate::identifiers::parse_enterprise_number(typed) {
        return Ok(digits);
    }
    let digits: String = typed
        .trim_start_matches("BE")
        .trim_start_matches("be")
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-'))
        .collect();
    let key = if typed.is_empty() {
        "checklist.enterprise.empty"
    } else if matches!(digits.len(), 9 | 10) && digits.bytes().all(|b| b.is_ascii_digit()) {
        "checklist.enterprise.checksum"
    } else {
        "checklist.enterprise.format"
    };
    Err(Msg::new(key).arg("value", typed.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn client(enterprise: &str, mandate: MandateState) -> ClientEnterprise {
        ClientEnterprise {
            enterprise: enterprise.into(),
            mandate,
            ..ClientEnterprise::default()
        }
    }

    #[test]
    fn an_enterprise_number_is_checked_as_typed() {
        assert_eq!(
            check_enterprise(" BE 0403.170.701 ").ok().as_deref(),
            Some("0403170701")
        );
        assert_eq!(
            check_enterprise("0403.170.702")
                .err()
                .as_ref()
                .and_then(Msg::key),
            Some("checklist.enterprise.checksum")
        );
        assert_eq!(
            check_enterprise("04031707")
                .err()
                .as_ref()
                .and_then(Msg::key),
            Some("checklist.enterprise.format")
        );
        assert_eq!(
            check_enterprise("  ").err().as_ref().and_then(Msg::key),
            Some("checklist.enterprise.empty")
        );
        let said = check_enterprise("0403.170.702")
            .err()
            .map(|m| m.render(crate::i18n::Lang::En));
        assert!(said.is_some_and(|s| s.contains("0403.170.702")));
    }

    #[test]
    fn clients_without_an_active_mandate_are_said_by_what_to_do() {
        let today = date!(2026 - 11 - 25);
        let mut facts = Facts {
            role: Some(Role::Representative),
            certificate_valid_until: Some(date!(2027 - 11 - 25)),
            client_id: "self_service_chaman_123_abcdefghij".into(),
            token_test_passed: true,
            real_declaration_accepted: true,
            clients: vec![
                client("0202239951", MandateState::Missing),
                client("0403170701", MandateState::Active),
                client("0207446772", MandateState::NotChecked),
            ],
            ..Facts::default()
        };
        let missing = facts.missing(today);
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert_eq!(
            missing[0].render(crate::i18n::Lang::En),
            "Mandate missing for 0202.239.951: ask the client to grant it in MAHIS."
        );
        assert_eq!(
            missing[1].render(crate::i18n::Lang::En),
            "Mandate not checked yet for 0207.446.772: check it in MAHIS and record it on the Checklist."
        );
        assert!(!facts.is_done(Step::Mandates));
        // A tick does not hide a mandate that is not active.
        facts.ticked.insert(Step::Mandates);
        assert!(!facts.is_done(Step::Mandates));
        facts.clients.remove(2);
        let en = facts.missing(today)[0].render(crate::i18n::Lang::En);
        assert_eq!(
            en,
            "Mandate missing for 0202.239.951: ask the client to grant it in MAHIS."
        );
        facts.clients[0].mandate = MandateState::Active;
        assert!(facts.missing(today).is_empty());
        assert!(facts.is_done(Step::Mandates));
    }

    #[test]
    fn representatives_and_only_they_get_the_mandate_step_and_the_provider_scope() {
        for role in Role::ALL {
            let has = steps(role).contains(&Step::Mandates);
            assert_eq!(has, role.needs_mandates(), "{role:?}");
            assert_eq!(
                role.channel_role() == ChannelRole::Provider,
                matches!(
                    role,
                    Role::Representative | Role::GroupRepresentative | Role::SupplierCentralised
                ),
                "{role:?}"
            );
        }
        assert_eq!(steps(Role::Employer).len(), 6);
        assert_eq!(steps(Role::Representative).len(), 7);
        assert_eq!(steps(Role::Employer)[0], Step::Identify);
    }

    #[test]
    fn the_status_line_says_what_is_missing_first() {
        let today = date!(2026 - 11 - 25);
        let facts = Facts::default();
        assert_eq!(facts.missing(today)[0].key(), Some("status.no_role"));

        let mut facts = Facts {
            role: Some(Role::Representative),
            certificate_valid_until: Some(date!(2026 - 12 - 07)),
            client_id: "self_service_chaman_123_abcdefghij".into(),
            clients: vec![
                client("0202239951", MandateState::Missing),
                client("0403170701", MandateState::Active),
            ],
            ..Facts::default()
        };
        let missing = facts.missing(today);
        let keys: Vec<_> = missing.iter().filter_map(Msg::key).collect();
        assert_eq!(
            keys,
            [
                "status.certificate_expires_in",
                "status.mandate_missing",
                "status.token_test"
            ]
        );
        let en = missing[0].render(crate::i18n::Lang::En);
        assert!(en.contains("12 days"), "{en}");
        let mandate = missing[1].render(crate::i18n::Lang::En);
        assert!(mandate.contains("0202.239.951"), "{mandate}");

        facts.token_test_passed = true;
        facts.clients[0].mandate = MandateState::Active;
        facts.certificate_valid_until = Some(date!(2027 - 11 - 25));
        // The connection works: what comes next is a first real declaration.
        let next: Vec<Fix> = facts.needs(today).iter().map(|n| n.fix).collect();
        assert_eq!(next, [Fix::Declare]);
        facts.real_declaration_accepted = true;
        assert!(facts.missing(today).is_empty());

        facts.certificate_valid_until = Some(date!(2026 - 11 - 24));
        assert_eq!(
            facts.missing(today)[0].key(),
            Some("status.certificate_expired")
        );
        facts.client_id = "my-client".into();
        assert!(facts
            .missing(today)
            .iter()
            .any(|m| m.key() == Some("status.client_id_shape")));
    }

    #[test]
    fn the_app_ticks_what_it_sees_and_the_path_ends() {
        let mut facts = Facts {
            role: Some(Role::Employer),
            ..Facts::default()
        };
        assert!(!facts.path_done());
        for step in [Step::Identify, Step::Register, Step::Chaman] {
            facts.ticked.insert(step);
        }
        facts.certificate_valid_until = Some(date!(2027 - 01 - 01));
        facts.client_id = "self_service_expeditor_10".into();
        assert!(facts.is_done(Step::Account));
        facts.token_test_passed = true;
        assert!(!facts.path_done());
        facts.real_declaration_accepted = true;
        assert!(facts.path_done());
        // A representative also needs its mandates.
        facts.role = Some(Role::GroupRepresentative);
        assert!(!facts.path_done());
        facts.clients = vec![client("0202239951", MandateState::Active)];
        assert!(facts.path_done());
    }

    #[test]
    fn the_rehearsal_never_ticks_a_real_step_and_says_its_next_move() {
        let today = date!(2026 - 11 - 25);
        let mut facts = Facts {
            role: Some(Role::Employer),
            sandbox: true,
            ..Facts::default()
        };
        assert_eq!(facts.next_rehearsal(), Some(Rehearsal::Certificate));
        let fixes: Vec<Fix> = facts.needs(today).iter().map(|n| n.fix).collect();
        assert_eq!(fixes, [Fix::Rehearsal, Fix::Register, Fix::TokenTest]);
        // Each step's fix is where its need leads.
        for step in Rehearsal::ALL {
            assert!(step == Rehearsal::Declaration || fixes.contains(&step.fix()));
        }
        // The whole rehearsal, with the sandbox's test certificate.
        facts.certificate_valid_until = Some(date!(2027 - 02 - 23));
        facts.throwaway_certificate = true;
        facts.sandbox_client_id = "self_service_chaman_634233_z0ckyngr0d".into();
        facts.sandbox_token_passed = true;
        facts.sandbox_declaration_accepted = true;
        assert_eq!(facts.next_rehearsal(), None);
        assert!(
            facts.needs(today).is_empty(),
            "nothing missing in the sandbox"
        );
        // Not one real step is done by it.
        for step in steps(Role::Employer) {
            assert!(!facts.is_done(step), "{step:?}");
        }
        // Out of the sandbox: the real path's needs, the test certificate first.
        facts.sandbox = false;
        let missing = facts.missing(today);
        let keys: Vec<_> = missing.iter().filter_map(|m| m.key()).collect();
        assert_eq!(
            keys,
            [
                "status.throwaway_certificate",
                "status.no_client_id",
                "status.token_test"
            ]
        );
        // A real client ID with the test certificate is no account either.
        facts.client_id = "self_service_chaman_111_realrealre".into();
        assert!(!facts.is_done(Step::Account));
        facts.throwaway_certificate = false;
        assert!(facts.is_done(Step::Account));
    }
}
