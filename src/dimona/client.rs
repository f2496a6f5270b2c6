//! The Dimona API client: the channel's token, the same sending as the FLA's
//! (retries of what changes nothing, a new token after a 401, 429 waited
//! out, bodies capped, problems read), and Dimona's paths. A `POST` is never
//! sent again blindly: Dimona has no client reference, so a declaration whose
//! answer was lost is looked for by employer, worker, part and dates first.

use std::time::Duration;

use reqwest::StatusCode;

use super::wire::{self, Declaration, Period, SearchRequest, StoredDeclaration};
use crate::channel::source::TokenSource;
use crate::fla::client::FlaClient;
use crate::fla::error::ApiError;
use crate::i18n::Lang;

/// Pages a search follows at most.
pub const MAX_SEARCH_PAGES: usize = 200;
/// A declaration whose answer was lost is sent again at most this many times.
pub const MAX_POSTS: u32 = 3;

/// Dimona over the channel.
pub struct DimonaClient {
    /// The channel's sending (token, retries, problems), on Dimona's API base.
    pub api: FlaClient,
}

/// What came of a `POST`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub declaration_id: i64,
    /// Its answer was lost, and the search found it on the server: it was
    /// not sent again.
    pub found_after_lost_answer: bool,
    /// How many `POST`s left (one, unless an answer was lost and the search
    /// found nothing).
    pub posts: u32,
}

impl DimonaClient {
    pub fn new(http: reqwest::Client, tokens: TokenSource, lang: Lang) -> Result<Self, ApiError> {
        Ok(DimonaClient {
            api: FlaClient::new(http, tokens, lang)?,
        })
    }

    /// One `POST /declarations`, not retried: the id from `Location`.
    async fn post_once(&self, declaration: &Declaration) -> Result<i64, ApiError> {
        let url = self.api.url(wire::DECLARATIONS);
        let asked = Some(declaration.employer.enterprise_number.as_str());
        let response = self
            .api
            .send_authorised(&|t: &str| self.api.http.post(&url).bearer_auth(t).json(declaration))
            .await?;
        match response.status() {
            StatusCode::CREATED => {
                FlaClient::id_from_location(&response).ok_or_else(|| ApiError::Server {
                    status: 201,
                    detail: "the answer has no Location with the declaration's id".into(),
                    trace_id: None,
                })
            }
            _ => Err(FlaClient::failure(response, asked).await),
        }
    }

    /// Sends `declaration` once. A `POST` whose answer was lost (no answer, a
    /// 5xx) is looked for on the server before it is sent again: after
    /// `settle` (the server's processing time), the declarations of the same
    /// employer and worker are searched for one with the same content.
    pub async fn post(
        &self,
        declaration: &Declaration,
        settle: Duration,
    ) -> Result<Posted, ApiError> {
        let mut posts = 0;
        loop {
            posts += 1;
            match self.post_once(declaration).await {
                Ok(id) => {
                    return Ok(Posted {
                        declaration_id: id,
                        found_after_lost_answer: false,
                        posts,
                    })
                }
                Err(e) if e.is_transient() && posts < MAX_POSTS => {
                    tokio::time::sleep(settle).await;
                    if let Some(found) = self.find(declaration).await? {
                        return Ok(Posted {
                            declaration_id: found.declaration_id,
                            found_after_lost_answer: true,
                            posts,
                        });
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The server's declaration with the same employer, worker, part and
    /// content as `declaration`, if any (the newest).
    pub async fn find(
        &self,
        declaration: &Declaration,
    ) -> Result<Option<StoredDeclaration>, ApiError> {
        Ok(self
            .find_all(declaration)
            .await?
            .into_iter()
            .max_by_key(|d| d.declaration_id))
    }

    /// Every declaration the server holds with the same employer, worker,
    /// part and content as `declaration`: its employer's declarations of that
    /// worker around its dates, matched by content.
    pub async fn find_all(
        &self,
        declaration: &Declaration,
    ) -> Result<Vec<StoredDeclaration>, ApiError> {
        let (from, to) = declaration.dates();
        let filters = SearchRequest {
            employer: declaration.employer.clone(),
            ssin: Some(declaration.worker.ssin.clone()),
            from: from.or(to).map(str::to_owned),
            to: to.or(from).map(str::to_owned),
            cursor: None,
        };
        let found = self.search_declarations(&filters).await?;
        Ok(found
            .into_iter()
            .filter(|d| same_content(&d.declaration, declaration))
            .collect())
    }

    /// `GET /declarations/{id}`: `None` while it is being processed.
    pub async fn get(&self, id: i64) -> Result<Option<StoredDeclaration>, ApiError> {
        let url = self.api.url(&format!("{}/{id}", wire::DECLARATIONS));
        let response = self
            .api
            .send(|t| self.api.http.get(&url).bearer_auth(t))
            .await?;
        match response.status() {
            StatusCode::OK => self.api.json(response).await.map(Some),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(FlaClient::failure(response, None).await),
        }
    }

    /// Polls until the result is final (`S` is not), or `wait` has passed:
    /// then the last status seen (`S`), or `StillProcessing`.
    pub async fn wait_for_result(
        &self,
        id: i64,
        wait: Duration,
    ) -> Result<StoredDeclaration, ApiError> {
        let start = std::time::Instant::now();
        let mut last = None;
        while let Some(pause) = self.api.schedule.next_wait(start.elapsed()) {
            if start.elapsed() >= wait {
                break;
            }
            tokio::time::sleep(pause).await;
            if let Some(done) = self.get(id).await? {
                if done.declaration_status.result.is_final() {
                    return Ok(done);
                }
                last = Some(done);
            }
        }
        last.ok_or(ApiError::StillProcessing(id))
    }

    /// Every page of `POST /declarations/search`.
    pub async fn search_declarations(
        &self,
        filters: &SearchRequest,
    ) -> Result<Vec<StoredDeclaration>, ApiError> {
        self.search_all(wire::DECLARATIONS_SEARCH, filters).await
    }

    /// Every page of `POST /periods/search`.
    pub async fn search_periods(&self, filters: &SearchRequest) -> Result<Vec<Period>, ApiError> {
        self.search_all(wire::PERIODS_SEARCH, filters).await
    }

    async fn search_all<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        filters: &SearchRequest,
    ) -> Result<Vec<T>, ApiError> {
        let asked = filters.employer.enterprise_number.clone();
        self.api
            .all_pages(path, filters, &asked, MAX_SEARCH_PAGES, |f, cursor| {
                f.cursor = Some(cursor)
            })
            .await
    }
}

/// Two declarations the same for Dimona: the same employer, worker and part,
/// with the same content (numbers however written).
pub fn same_content(a: &Declaration, b: &Declaration) -> bool {
    use crate::identifiers::{normalised_enterprise, normalised_ssin};
    normalised_enterprise(&a.employer.enterprise_number)
        == normalised_enterprise(&b.employer.enterprise_number)
        && normalised_ssin(&a.worker.ssin) == normalised_ssin(&b.worker.ssin)
        && a.dimona_in == b.dimona_in
        && a.dimona_out == b.dimona_out
        && a.dimona_update == b.dimona_update
        && a.dimona_cancel == b.dimona_cancel
}
