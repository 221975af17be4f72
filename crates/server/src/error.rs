//! What a request can fail with, and how each failure is answered: a status and a reason a person
//! can act on. Internal errors are logged (app errors never carry a person's data) and answered
//! without details. [`crate::security`] turns every error body into JSON under `/api/` and into a
//! page elsewhere.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A request's failure.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// The body is over the limit (the answer names the limit).
    #[error("the request is too large")]
    TooLarge,
    #[error("too many failed logins for this account: try again in {} minutes", app::accounts::THROTTLE_WINDOW_MINUTES)]
    Throttled,
    #[error("internal error")]
    Internal(#[source] app::Error),
}

impl Failure {
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Unauthenticated => StatusCode::UNAUTHORIZED,
            Failure::Forbidden(_) => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::Throttled => StatusCode::TOO_MANY_REQUESTS,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<app::Error> for Failure {
    fn from(error: app::Error) -> Self {
        use app::accounts::AccountError as A;
        use app::submit::SubmitError as S;
        match error {
            app::Error::Account(e) => match e {
                A::InvalidName | A::WeakPassword | A::UnknownSource(_) | A::UnknownState(_) | A::InvalidLabel => {
                    Failure::BadRequest(e.to_string())
                }
                A::UnknownUser(_) | A::UnknownToken(_) => Failure::NotFound(e.to_string()),
                A::NameTaken(_) => Failure::Conflict(e.to_string()),
                A::CorruptRole(_) | A::Hash(_) | A::Random(_) => Failure::Internal(app::Error::Account(e)),
            },
            app::Error::Submit(e) => match e {
                S::NotYourSource(_) => Failure::Forbidden(e.to_string()),
                S::FileType | S::Empty => Failure::BadRequest(e.to_string()),
                S::UnknownUpload => Failure::NotFound(e.to_string()),
                S::Corrupt(_) => Failure::Internal(app::Error::Submit(e)),
            },
            // A file that cannot be read as its mapping says: the reader's messages name the file,
            // row and column and mask values.
            app::Error::Ingest(e) => Failure::Unprocessable(e.to_string()),
            app::Error::Job(e) => match e {
                app::jobs::JobError::Busy { .. } => Failure::Conflict(e.to_string()),
                app::jobs::JobError::Unknown(_) => Failure::NotFound(e.to_string()),
            },
            app::Error::Questionnaire(e) => match e {
                app::questionnaire::QuestionnaireError::NotFocalPoint => Failure::Forbidden(e.to_string()),
                app::questionnaire::QuestionnaireError::Stale { .. } | app::questionnaire::QuestionnaireError::Busy => {
                    Failure::Conflict(e.to_string())
                }
                app::questionnaire::QuestionnaireError::Corrupt(_) => Failure::Internal(app::Error::Questionnaire(e)),
            },
            app::Error::Monitor(app::monitor::Error::NoData) => Failure::NotFound(error.to_string()),
            app::Error::MissingPurpose => Failure::BadRequest(error.to_string()),
            app::Error::UnknownSource(name) => Failure::NotFound(format!("no source named `{name}` in palermo.toml")),
            other => Failure::Internal(other),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        if let Failure::Internal(error) = &self {
            tracing::error!(error = %error, "internal error");
        }
        (self.status(), self.to_string()).into_response()
    }
}

pub type Result<T, E = Failure> = std::result::Result<T, E>;
