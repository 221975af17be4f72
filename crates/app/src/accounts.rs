//! Who may use the web application, and how they prove it: accounts with roles, passwords
//! (argon2id), sessions, API tokens, login throttling, and the audit entries of every change.
//!
//! The CLI (`palermo user …`) and the server (`palermo serve`) call these functions; neither
//! hashes, compares or stores a secret itself. Secrets (session cookies, API tokens) are 256 random
//! bits shown once; the store keeps their SHA-256 only, so a copy of the database opens no session.
//! A password is never logged, stored or passed on a command line.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::Digest;
use store::{Credential, NewUser, Store, StoredUser};

use crate::Result;

/// The shortest password accepted (OWASP ASVS 2.1.1: at least 12 characters).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// How long a session lasts from login.
pub const SESSION_HOURS: i64 = 8;
/// Failed logins to one account within [`THROTTLE_WINDOW_MINUTES`] after which further attempts
/// are refused without checking the password (and count as failures too), until the window has
/// passed without them.
pub const THROTTLE_FAILURES: i64 = 5;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

/// Account errors. Messages name accounts (staff), never a password.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("a user name is 1 to 64 characters of a-z, 0-9, `.`, `_` and `-`")]
    InvalidName,
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("a user named `{0}` already exists")]
    NameTaken(String),
    #[error("no user named `{0}`")]
    UnknownUser(String),
    #[error("no source named `{0}` in palermo.toml (a submitter is bound to one of its sources)")]
    UnknownSource(String),
    #[error("`{0}` is not an ISO 3166-1 alpha-3 code of a State (a focal point is bound to one)")]
    UnknownState(String),
    #[error("no API token {0} that is still valid")]
    UnknownToken(i64),
    #[error("a token label is 1 to 80 printable characters")]
    InvalidLabel,
    #[error("the stored account `{0}` has an unknown role")]
    CorruptRole(String),
    #[error("hashing a password: {0}")]
    Hash(String),
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// What an account may do. Submitters and focal points are bound to one source or one State.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    Administrator,
    Analyst,
    Reviewer,
    /// An agency's data officer: submits and sees only its own source's files and quarantine.
    Submitter {
        source: String,
    },
    /// A State's focal point: answers only its own State's questionnaire.
    FocalPoint {
        state: String,
    },
}

/// A role without its binding, for access rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    Administrator,
    Analyst,
    Reviewer,
    Submitter,
    FocalPoint,
}

impl RoleKind {
    pub const ALL: [RoleKind; 5] =
        [RoleKind::Administrator, RoleKind::Analyst, RoleKind::Reviewer, RoleKind::Submitter, RoleKind::FocalPoint];

    pub fn code(self) -> &'static str {
        match self {
            RoleKind::Administrator => "administrator",
            RoleKind::Analyst => "analyst",
            RoleKind::Reviewer => "reviewer",
            RoleKind::Submitter => "submitter",
            RoleKind::FocalPoint => "focal_point",
        }
    }

    pub fn parse(code: &str) -> Option<RoleKind> {
        RoleKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl Role {
    pub fn kind(&self) -> RoleKind {
        match self {
            Role::Administrator => RoleKind::Administrator,
            Role::Analyst => RoleKind::Analyst,
            Role::Reviewer => RoleKind::Reviewer,
            Role::Submitter { .. } => RoleKind::Submitter,
            Role::FocalPoint { .. } => RoleKind::FocalPoint,
        }
    }

    /// The source or State the role is bound to.
    pub fn scope(&self) -> Option<&str> {
        match self {
            Role::Submitter { source } => Some(source),
            Role::FocalPoint { state } => Some(state),
            _ => None,
        }
    }

    /// The role of a stored (role, scope) pair.
    pub fn from_stored(role: &str, scope: Option<&str>) -> Option<Role> {
        Some(match (RoleKind::parse(role)?, scope) {
            (RoleKind::Administrator, _) => Role::Administrator,
            (RoleKind::Analyst, _) => Role::Analyst,
            (RoleKind::Reviewer, _) => Role::Reviewer,
            (RoleKind::Submitter, Some(source)) => Role::Submitter { source: source.to_owned() },
            (RoleKind::FocalPoint, Some(state)) => Role::FocalPoint { state: state.to_owned() },
            (RoleKind::Submitter | RoleKind::FocalPoint, None) => return None,
        })
    }

    /// How the role is shown: `submitter (police)`.
    pub fn describe(&self) -> String {
        match self.scope() {
            Some(scope) => format!("{} ({scope})", self.kind().code()),
            None => self.kind().code().to_owned(),
        }
    }
}

/// A signed-in account (by session or token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

/// A user as listed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub name: String,
    #[serde(flatten)]
    pub role: Role,
    pub disabled: bool,
    pub created_at: String,
}

impl User {
    fn from_stored(user: StoredUser) -> Result<User> {
        let role = Role::from_stored(&user.role, user.scope.as_deref())
            .ok_or_else(|| AccountError::CorruptRole(user.name.clone()))?;
        Ok(User { name: user.name, role, disabled: user.disabled, created_at: user.created_at })
    }
}

/// An API token as listed (never its secret).
pub type Token = store::StoredToken;

/// A token just made: its id and its secret, shown this once.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: i64,
    pub secret: String,
}

/// A session just opened: the cookie's secret, the CSRF token of its forms, and who it is.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub csrf: String,
    pub account: Account,
}

/// What a login attempt gave.
#[derive(Debug, Clone)]
pub enum Login {
    Accepted(NewSession),
    /// Wrong name or password (the two are not told apart).
    Refused,
    /// Too many recent failures for this account: the password was not checked.
    Throttled,
}

impl From<AccountError> for crate::Error {
    fn from(e: AccountError) -> Self {
        crate::Error::Account(e)
    }
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// 256 random bits as 64 hex digits, with a prefix that says what the secret is for.
pub fn random_secret(prefix: &str) -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// The SHA-256 of a secret, as stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes, OWASP's minimum).
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword.into());
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hash(e.to_string()))?
        .to_string())
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash that no password matches, verified against when the account does not exist so that a
/// refusal takes as long whether or not the name is known.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password that is never used").unwrap_or_default())
}

/// Creates an account. A submitter's source must be in `palermo.toml`; a focal point's State must
/// be an ISO 3166-1 alpha-3 code (or the user-assigned `X..` of a fictional State). `actor` is
/// named in the audit log.
pub async fn add_user(
    observatory: &crate::Observatory,
    actor: &str,
    name: &str,
    role: Role,
    password: &str,
) -> Result<User> {
    if !valid_name(name) {
        return Err(AccountError::InvalidName.into());
    }
    let role = match role {
        Role::Submitter { source } => {
            if observatory.settings.source(&source).is_none() {
                return Err(AccountError::UnknownSource(source).into());
            }
            Role::Submitter { source }
        }
        Role::FocalPoint { state } => match model::Iso3::parse(&state) {
            Some(code) => Role::FocalPoint { state: code.as_str().to_owned() },
            None => return Err(AccountError::UnknownState(state).into()),
        },
        other => other,
    };
    // argon2 off the async runtime's threads, as for a login.
    let typed = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&typed))
        .await
        .map_err(|e| crate::Error::Internal(format!("hashing the password: {e}")))??;
    let store = &observatory.store;
    let stored = match store
        .create_user(&NewUser { name, role: role.kind().code(), scope: role.scope(), password_hash: &hash })
        .await
    {
        Err(store::Error::UserExists(name)) => return Err(AccountError::NameTaken(name).into()),
        other => other?,
    };
    store.audit_with_purpose(actor, "user.add", &format!("user {name} as {}", role.describe()), None).await?;
    User::from_stored(stored)
}

/// Every account, by name.
pub async fn users(store: &Store) -> Result<Vec<User>> {
    store.users().await?.into_iter().map(User::from_stored).collect()
}

/// Disables (or enables again) an account; disabling ends its sessions, and its tokens stop
/// working.
pub async fn set_disabled(store: &Store, actor: &str, name: &str, disabled: bool) -> Result<()> {
    if !store.set_user_disabled(name, disabled).await? {
        return Err(AccountError::UnknownUser(name.to_owned()).into());
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    store.audit_with_purpose(actor, action, &format!("user {name}"), None).await?;
    Ok(())
}

/// Makes an API token for `user`, acting with the user's role and binding; the secret is returned
/// once and stored hashed.
pub async fn create_token(store: &Store, actor: &str, user: &str, label: &str) -> Result<NewToken> {
    if label.trim().is_empty() || label.chars().count() > 80 || label.chars().any(char::is_control) {
        return Err(AccountError::InvalidLabel.into());
    }
    let (stored, _) = store.user_with_hash(user).await?.ok_or_else(|| AccountError::UnknownUser(user.to_owned()))?;
    let secret = random_secret("plm_")?;
    let id = store.create_token(stored.id, label, &secret_hash(&secret), &stored.role, stored.scope.as_deref()).await?;
    store.audit_with_purpose(actor, "token.create", &format!("token {id} of user {user}"), None).await?;
    Ok(NewToken { id, secret })
}

/// Every API token, newest first.
pub async fn tokens(store: &Store) -> Result<Vec<Token>> {
    Ok(store.tokens().await?)
}

/// Revokes an API token.
pub async fn revoke_token(store: &Store, actor: &str, id: i64) -> Result<()> {
    if !store.revoke_token(id).await? {
        return Err(AccountError::UnknownToken(id).into());
    }
    store.audit_with_purpose(actor, "token.revoke", &format!("token {id}"), None).await?;
    Ok(())
}

fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Checks a name and password. Every attempt is audited; failures are counted in the database
/// (so every server instance sees them) and throttle the account.
///
/// The attempt is counted as a failure *before* the password is checked, and cleared if it was
/// right: attempts made at the same moment (a storm of parallel requests) each see the others,
/// so no more than [`THROTTLE_FAILURES`] passwords are ever checked in a window. (Counting after
/// the check let every request that arrived before the first failure was written through: 50
/// parallel clients had 50 passwords checked.)
pub async fn login(store: &Store, name: &str, password: &str) -> Result<Login> {
    // What the audit log names: the account when it exists, otherwise not what was typed (a
    // password typed into the name field must not land in the log).
    let known = store.user_with_hash(name).await?;
    let actor = if known.is_some() { name } else { "(unknown account)" };
    let key = if known.is_some() { name } else { "(unknown account)" };
    let since = minutes_ago(THROTTLE_WINDOW_MINUTES);
    store.record_login_failure(key).await?;
    if store.login_failures_since(key, &since).await? > THROTTLE_FAILURES {
        store.audit_with_purpose(actor, "login.throttled", "too many failed logins", None).await?;
        return Ok(Login::Throttled);
    }
    // argon2 takes tens of milliseconds of a core: off the async runtime's threads, which serve
    // every other request meanwhile.
    let (hash, typed) = (known.as_ref().map(|(_, h)| h.clone()), password.to_owned());
    let right = tokio::task::spawn_blocking(move || match &hash {
        Some(hash) => verify_password(hash, &typed),
        None => verify_password(decoy_hash(), &typed),
    })
    .await
    .unwrap_or(false);
    let accepted = right && known.as_ref().is_some_and(|(user, _)| !user.disabled);
    let Some((user, _)) = known.filter(|_| accepted) else {
        store.audit_with_purpose(actor, "login.failed", "wrong name or password, or a disabled account", None).await?;
        return Ok(Login::Refused);
    };
    store.clear_login_failures(name, &since).await?;
    let role = Role::from_stored(&user.role, user.scope.as_deref())
        .ok_or_else(|| AccountError::CorruptRole(user.name.clone()))?;
    let secret = random_secret("")?;
    let csrf = random_secret("")?;
    let expires =
        (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    store.create_session(&secret_hash(&secret), user.id, &csrf, &expires).await?;
    store.audit_with_purpose(name, "login", "session opened", None).await?;
    Ok(Login::Accepted(NewSession { secret, csrf, account: Account { id: user.id, name: user.name, role } }))
}

fn account_of(credential: Credential) -> Option<(Account, Option<String>)> {
    let role = Role::from_stored(&credential.role, credential.scope.as_deref())?;
    Some((Account { id: credential.user_id, name: credential.name, role }, credential.csrf))
}

/// The account and CSRF token of a live session.
pub async fn session(store: &Store, secret: &str) -> Result<Option<(Account, String)>> {
    let credential = store.session(&secret_hash(secret), &store::now_utc()).await?;
    Ok(credential.and_then(account_of).and_then(|(account, csrf)| Some((account, csrf?))))
}

/// Ends a session (and sweeps the expired ones).
pub async fn logout(store: &Store, secret: &str, actor: &str) -> Result<()> {
    store.delete_session(&secret_hash(secret), &store::now_utc()).await?;
    store.audit_with_purpose(actor, "logout", "session closed", None).await?;
    Ok(())
}

/// The account an API token acts as, if the token is valid.
pub async fn token_account(store: &Store, secret: &str) -> Result<Option<Account>> {
    Ok(store.token_credential(&secret_hash(secret)).await?.and_then(account_of).map(|(account, _)| account))
}

/// The audit log, newest first: the latest `limit` entries, those of `actor` and `action` when
/// given.
pub async fn audit_log(
    store: &Store,
    actor: Option<&str>,
    action: Option<&str>,
    limit: i64,
) -> Result<Vec<store::AuditEntry>> {
    Ok(store.audit_entries(actor, action, limit).await?)
}
