//! Environments (production, acceptance, the sandbox, custom) and service
//! definitions (the FLA is the first; Dimona or the 2027 successor would be a new
//! definition, not new code). Pure values and checks.

use serde::{Deserialize, Serialize};

use super::ChannelError;

/// The token path of OAuth v5 on every social security host [published].
pub const TOKEN_PATH: &str = "/REST/oauth/v5/token";
pub const PRODUCTION_HOST: &str = "https://services.socialsecurity.be";
/// Modelled on Dimona and e-Box, which use this host for acceptance.
pub const ACCEPTANCE_HOST: &str = "https://services-acpt.socialsecurity.be";

/// Where a connection goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EnvironmentKind {
    Production,
    Acceptance,
    #[default]
    Sandbox,
    Custom,
}

impl EnvironmentKind {
    pub const ALL: [EnvironmentKind; 4] = [
        EnvironmentKind::Sandbox,
        EnvironmentKind::Acceptance,
        EnvironmentKind::Production,
        EnvironmentKind::Custom,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EnvironmentKind::Production => "production",
            EnvironmentKind::Acceptance => "acceptance",
            EnvironmentKind::Sandbox => "sandbox",
            EnvironmentKind::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
}

/// Who calls: the employer itself, or an authorized representative (social
/// secretariat, service provider, a group's representing company).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Employer,
    Provider,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Employer => "employer",
            Role::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "employer" => Some(Role::Employer),
            "provider" => Some(Role::Provider),
            _ => None,
        }
    }
}

/// One REST service of the social security channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDefinition {
    pub id: &'static str,
    /// The name of the authorization to tick in Chaman.
    pub authorization: &'static str,
    /// The API's path under the host.
    pub api_path: &'static str,
    pub employer_scope: &'static str,
    pub provider_scope: &'static str,
}

/// The CareerPro Federal Learning Account [published: scopes, production URL].
pub const FLA: ServiceDefinition = ServiceDefinition {
    id: "fla",
    authorization: "CareerPro – Federal Learning Account",
    api_path: "/REST/federalLearningAccount/v1",
    employer_scope: "scope:sigedis:gestion:careerpro-federal-learning-account:employer",
    provider_scope: "scope:sigedis:gestion:careerpro-federal-learning-account:provider",
};

/// Dimona, the immediate employment declaration [seen: scopes, API path;
/// the authorization's name as Chaman shows it].
pub const DIMONA: ServiceDefinition = ServiceDefinition {
    id: "dimona",
    authorization: "Dimona",
    api_path: "/REST/dimona/v2",
    // A representative declares with the same scope; its mandate decides.
    employer_scope: "scope:dimona:declaration:declarant",
    provider_scope: "scope:dimona:declaration:declarant",
};

/// Every service the channel knows, by definition.
pub const SERVICES: [&ServiceDefinition; 2] = [&FLA, &DIMONA];

/// The service of `id` (`fla`, `dimona`).
pub fn service(id: &str) -> Option<&'static ServiceDefinition> {
    SERVICES.into_iter().find(|s| s.id == id)
}

/// The service one of whose scopes is `scope`.
pub fn service_of_scope(scope: &str) -> Option<&'static ServiceDefinition> {
    SERVICES
        .into_iter()
        .find(|s| s.employer_scope == scope || s.provider_scope == scope)
}

impl ServiceDefinition {
    /// Whether a scope says the quality of the account (the FLA's do; the
    /// same scope for both, as Dimona's, says nothing of it).
    pub fn scope_names_quality(&self) -> bool {
        self.employer_scope != self.provider_scope
    }

    /// The name shown to the user (i18n key `service.ID`).
    pub fn name(&self, lang: crate::i18n::Lang) -> String {
        crate::i18n::tr(lang, &format!("service.{}", self.id))
    }

    pub fn scope(&self, role: Role) -> &'static str {
        match role {
            Role::Employer => self.employer_scope,
            Role::Provider => self.provider_scope,
        }
    }

    /// The role a scope belongs to, where it is one of this service's.
    pub fn role_of_scope(&self, scope: &str) -> Option<Role> {
        if scope == self.employer_scope {
            Some(Role::Employer)
        } else if scope == self.provider_scope {
            Some(Role::Provider)
        } else {
            None
        }
    }
}

/// The URLs one connection uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    pub environment: EnvironmentKind,
    pub token_url: String,
    /// The JWT `aud`: the token URL of the same environment.
    pub audience: String,
    pub api_base: Option<String>,
    /// Which server a journal keeps declarations sent here under (see
    /// [`server_key`]).
    #[serde(skip)]
    pub server: String,
}

/// The server a declaration belongs to, for the journal: the app's built-in
/// sandbox (one server with one saved state, whatever port it listens on
/// today) is `sandbox`; any other server is its API base URL, as given (its
/// trailing `/` and the case of scheme and host aside). Empty where there is
/// no API base.
pub fn server_key(
    kind: EnvironmentKind,
    service: &ServiceDefinition,
    overrides: &UrlOverrides,
) -> String {
    let api_base = overrides
        .api_base
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    match (kind, api_base) {
        (EnvironmentKind::Sandbox, None) => "sandbox".to_owned(),
        (_, Some(url)) => normalised_url(url),
        (EnvironmentKind::Production, None) => format!("{PRODUCTION_HOST}{}", service.api_path),
        (EnvironmentKind::Acceptance, None) => format!("{ACCEPTANCE_HOST}{}", service.api_path),
        (EnvironmentKind::Custom, None) => String::new(),
    }
}

fn normalised_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => u.as_str().trim_end_matches('/').to_owned(),
        Err(_) => url.trim_end_matches('/').to_owned(),
    }
}

/// What the user typed for a custom environment (or to override another's URLs).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UrlOverrides {
    pub token_url: Option<String>,
    pub audience: Option<String>,
    pub api_base: Option<String>,
    /// Lets `audience` name another host than the token URL (the assertion is
    /// then valid at that other host's token endpoint, not at the one it is
    /// sent to): only for a test setup that needs it, asked for by name.
    pub allow_foreign_audience: bool,
}

/// Builds the endpoints of an environment. `sandbox_host` is the running
/// sandbox's `http://127.0.0.1:PORT`.
pub fn endpoints(
    kind: EnvironmentKind,
    service: &ServiceDefinition,
    overrides: &UrlOverrides,
    sandbox_host: Option<&str>,
) -> Result<Endpoints, ChannelError> {
    let host = match kind {
        EnvironmentKind::Production => Some(PRODUCTION_HOST.to_owned()),
        EnvironmentKind::Acceptance => Some(ACCEPTANCE_HOST.to_owned()),
        EnvironmentKind::Sandbox => sandbox_host.map(|h| h.trim_end_matches('/').to_owned()),
        EnvironmentKind::Custom => None,
    };
    let token_url = overrides
        .token_url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| host.as_ref().map(|h| format!("{h}{TOKEN_PATH}")))
        .ok_or(ChannelError::MissingTokenUrl)?;
    check_url(&token_url)?;
    let audience = overrides
        .audience
        .clone()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| token_url.clone());
    let host_of = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
    };
    if !overrides.allow_foreign_audience && host_of(&audience) != host_of(&token_url) {
        return Err(ChannelError::ForeignAudience {
            audience,
            token_url,
        });
    }
    let api_base = overrides
        .api_base
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| host.map(|h| format!("{h}{}", service.api_path)));
    if let Some(api) = &api_base {
        check_url(api)?;
    }
    Ok(Endpoints {
        server: server_key(kind, service, overrides),
        environment: kind,
        token_url,
        audience,
        api_base,
    })
}

/// `https://` anywhere; `http://` only on loopback (the sandbox), so a token is
/// never sent in the clear over a network.
pub fn check_url(url: &str) -> Result<(), ChannelError> {
    let bad = || ChannelError::BadUrl {
        url: url.to_owned(),
    };
    let parsed = reqwest::Url::parse(url).map_err(|_| bad())?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => Err(ChannelError::InsecureUrl {
                url: url.to_owned(),
            }),
        },
        _ => Err(bad()),
    }
}

/// The two client ID forms Chaman shows: `self_service_chaman_<digits>_<10 chars>`
/// and the older `self_service_expeditor_<digits>`. Others are allowed, with a warning.
pub fn client_id_looks_right(id: &str) -> bool {
    if let Some(rest) = id.strip_prefix("self_service_chaman_") {
        if let Some((digits, suffix)) = rest.split_once('_') {
            return !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && suffix.len() == 10
                && suffix.bytes().all(|b| b.is_ascii_alphanumeric());
        }
        return false;
    }
    if let Some(digits) = id.strip_prefix("self_service_expeditor_") {
        return !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audience_on_another_host_is_refused_unless_asked_for() {
        let overrides = UrlOverrides {
            token_url: Some("https://attacker.example/REST/oauth/v5/token".into()),
            audience: Some(format!("{PRODUCTION_HOST}{TOKEN_PATH}")),
            ..UrlOverrides::default()
        };
        let refused = endpoints(EnvironmentKind::Custom, &FLA, &overrides, None);
        assert!(
            matches!(refused, Err(ChannelError::ForeignAudience { .. })),
            "{refused:?}"
        );
        let asked = UrlOverrides {
            allow_foreign_audience: true,
            ..overrides.clone()
        };
        assert!(endpoints(EnvironmentKind::Custom, &FLA, &asked, None).is_ok());
        // The same host, another path: the user's own choice.
        let same_host = UrlOverrides {
            audience: Some("https://attacker.example/other".into()),
            ..overrides
        };
        assert!(endpoints(EnvironmentKind::Custom, &FLA, &same_host, None).is_ok());
    }

    #[test]
    fn production_urls_are_the_published_ones() {
        let e = endpoints(
            EnvironmentKind::Production,
            &FLA,
            &UrlOverrides::default(),
            None,
        )
        .unwrap();
        assert_eq!(
            e.token_url,
            "https://services.socialsecurity.be/REST/oauth/v5/token"
        );
        assert_eq!(e.audience, e.token_url);
        assert_eq!(
            e.api_base.as_deref(),
            Some("https://services.socialsecurity.be/REST/federalLearningAccount/v1")
        );
        let a = endpoints(
            EnvironmentKind::Acceptance,
            &FLA,
            &UrlOverrides::default(),
            None,
        )
        .unwrap();
        assert_eq!(
            a.token_url,
            "https://services-acpt.socialsecurity.be/REST/oauth/v5/token"
        );
    }

    #[test]
    fn http_only_on_loopback() {
        assert!(check_url("http://127.0.0.1:8080/REST/oauth/v5/token").is_ok());
        assert!(check_url("http://localhost:1/x").is_ok());
        assert!(matches!(
            check_url("http://example.org/token"),
            Err(ChannelError::InsecureUrl { .. })
        ));
        assert!(matches!(
            check_url("ftp://x/y"),
            Err(ChannelError::BadUrl { .. })
        ));
        assert!(matches!(
            endpoints(
                EnvironmentKind::Custom,
                &FLA,
                &UrlOverrides::default(),
                None
            ),
            Err(ChannelError::MissingTokenUrl)
        ));
    }

    #[test]
    fn client_id_formats() {
        assert!(client_id_looks_right(
            "self_service_chaman_305369_32a2ocupdo"
        ));
        assert!(client_id_looks_right("self_service_expeditor_624"));
        assert!(!client_id_looks_right("self_service_chaman_305369_short"));
        assert!(!client_id_looks_right("self_service_expeditor_"));
        assert!(!client_id_looks_right("my-client"));
    }

    #[test]
    fn scopes_per_role() {
        assert!(FLA.scope(Role::Employer).ends_with(":employer"));
        assert_eq!(FLA.role_of_scope(FLA.provider_scope), Some(Role::Provider));
        assert_eq!(FLA.role_of_scope("scope:other"), None);
    }
}
