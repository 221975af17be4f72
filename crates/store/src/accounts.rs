//! The web application's accounts: users, sessions, API tokens, failed logins and files staged
//! before commit, and the audit entries that carry a purpose. Secrets are stored as hashes only
//! (the caller hashes); this module knows the tables, not what a role may do.

use sqlx::Row;

use crate::{Error, Result, Store, db};

/// A user as stored. `role` and `scope` are the codes the application layer gives them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredUser {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub scope: Option<String>,
    pub disabled: bool,
    pub created_at: String,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub role: &'a str,
    pub scope: Option<&'a str>,
    pub password_hash: &'a str,
}

/// An API token as listed (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredToken {
    pub id: i64,
    pub user: String,
    pub label: String,
    pub role: String,
    pub scope: Option<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Who a session or a token acts as: the user, and the role and scope it acts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub scope: Option<String>,
    /// The session's CSRF token (`None` for an API token, which forms do not carry).
    pub csrf: Option<String>,
}

/// A staged upload: a validated file waiting for its submitter's commit or discard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedUpload {
    pub id: String,
    pub user_id: i64,
    pub source: String,
    pub file_name: String,
    /// The file, base64.
    pub body: String,
    /// The validation report, JSON.
    pub report: String,
    pub created_at: String,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub purpose: Option<String>,
}

fn user_from(r: &sqlx::any::AnyRow) -> Result<StoredUser, sqlx::Error> {
    Ok(StoredUser {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        role: r.try_get(2)?,
        scope: r.try_get(3)?,
        disabled: r.try_get::<i64, _>(4)? != 0,
        created_at: r.try_get(5)?,
    })
}

impl Store {
    /// Creates a user; refuses a name already taken.
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<StoredUser> {
        let mut tx = self.pool().begin().await.map_err(db("creating a user"))?;
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = $1")
            .bind(user.name)
            .fetch_one(&mut *tx)
            .await
            .map_err(db("creating a user"))?;
        if taken > 0 {
            return Err(Error::UserExists(user.name.to_owned()));
        }
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM users")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("creating a user"))?;
        let now = crate::now_utc();
        sqlx::query(
            "INSERT INTO users (id, name, role, scope, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(id)
        .bind(user.name)
        .bind(user.role)
        .bind(user.scope)
        .bind(user.password_hash)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(db("creating a user"))?;
        tx.commit().await.map_err(db("creating a user"))?;
        Ok(StoredUser {
            id,
            name: user.name.to_owned(),
            role: user.role.to_owned(),
            scope: user.scope.map(str::to_owned),
            disabled: false,
            created_at: now,
        })
    }

    /// Every user, by name.
    pub async fn users(&self) -> Result<Vec<StoredUser>> {
        let rows = sqlx::query("SELECT id, name, role, scope, disabled, created_at FROM users ORDER BY name")
            .fetch_all(self.pool())
            .await
            .map_err(db("reading users"))?;
        rows.iter().map(user_from).collect::<Result<_, _>>().map_err(db("reading users"))
    }

    /// A user and its password hash, by name.
    pub async fn user_with_hash(&self, name: &str) -> Result<Option<(StoredUser, String)>> {
        let row =
            sqlx::query("SELECT id, name, role, scope, disabled, created_at, password_hash FROM users WHERE name = $1")
                .bind(name)
                .fetch_optional(self.pool())
                .await
                .map_err(db("reading a user"))?;
        row.map(|r| Ok((user_from(&r)?, r.try_get(6)?))).transpose().map_err(db("reading a user"))
    }

    /// Disables or enables a user; disabling also ends its sessions. False when no such user.
    pub async fn set_user_disabled(&self, name: &str, disabled: bool) -> Result<bool> {
        let mut tx = self.pool().begin().await.map_err(db("changing a user"))?;
        let changed = sqlx::query("UPDATE users SET disabled = $1 WHERE name = $2")
            .bind(i64::from(disabled))
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(db("changing a user"))?
            .rows_affected();
        if disabled {
            sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE name = $1)")
                .bind(name)
                .execute(&mut *tx)
                .await
                .map_err(db("changing a user"))?;
        }
        tx.commit().await.map_err(db("changing a user"))?;
        Ok(changed > 0)
    }

    /// Stores a new session.
    pub async fn create_session(&self, token_hash: &str, user_id: i64, csrf: &str, expires_at: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(csrf)
        .bind(crate::now_utc())
        .bind(expires_at)
        .execute(self.pool())
        .await
        .map_err(db("creating a session"))?;
        Ok(())
    }

    /// The live session with this token hash: not expired at `now`, of a user not disabled.
    pub async fn session(&self, token_hash: &str, now: &str) -> Result<Option<Credential>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.scope, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a session"))?;
        row.map(|r| {
            Ok(Credential {
                user_id: r.try_get(0)?,
                name: r.try_get(1)?,
                role: r.try_get(2)?,
                scope: r.try_get(3)?,
                csrf: Some(r.try_get(4)?),
            })
        })
        .transpose()
        .map_err(db("reading a session"))
    }

    /// Ends a session, and every session that expired before `now`.
    pub async fn delete_session(&self, token_hash: &str, now: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
            .bind(token_hash)
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(db("ending a session"))?;
        Ok(())
    }

    /// Records a failed login for `account`.
    pub async fn record_login_failure(&self, account: &str) -> Result<()> {
        sqlx::query("INSERT INTO login_failures (account, at) VALUES ($1, $2)")
            .bind(account)
            .bind(crate::now_utc())
            .execute(self.pool())
            .await
            .map_err(db("recording a failed login"))?;
        Ok(())
    }

    /// How many logins to `account` failed after `since`.
    pub async fn login_failures_since(&self, account: &str, since: &str) -> Result<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE account = $1 AND at > $2")
            .bind(account)
            .bind(since)
            .fetch_one(self.pool())
            .await
            .map_err(db("counting failed logins"))
    }

    /// Forgets the failed logins of `account` (after a successful one) and all before `before`.
    pub async fn clear_login_failures(&self, account: &str, before: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE account = $1 OR at <= $2")
            .bind(account)
            .bind(before)
            .execute(self.pool())
            .await
            .map_err(db("clearing failed logins"))?;
        Ok(())
    }

    /// Stores an API token of `user_id` acting with `role` and `scope`.
    pub async fn create_token(
        &self,
        user_id: i64,
        label: &str,
        token_hash: &str,
        role: &str,
        scope: Option<&str>,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await.map_err(db("creating a token"))?;
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM api_tokens")
            .fetch_one(&mut *tx)
            .await
            .map_err(db("creating a token"))?;
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, label, token_hash, role, scope, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
        )
        .bind(id)
        .bind(user_id)
        .bind(label)
        .bind(token_hash)
        .bind(role)
        .bind(scope)
        .bind(crate::now_utc())
        .execute(&mut *tx)
        .await
        .map_err(db("creating a token"))?;
        tx.commit().await.map_err(db("creating a token"))?;
        Ok(id)
    }

    /// Every API token, newest first (no secret, no hash).
    pub async fn tokens(&self) -> Result<Vec<StoredToken>> {
        let rows = sqlx::query(
            "SELECT t.id, u.name, t.label, t.role, t.scope, t.created_at, t.revoked_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id ORDER BY t.id DESC",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db("reading tokens"))?;
        rows.iter()
            .map(|r| {
                Ok(StoredToken {
                    id: r.try_get(0)?,
                    user: r.try_get(1)?,
                    label: r.try_get(2)?,
                    role: r.try_get(3)?,
                    scope: r.try_get(4)?,
                    created_at: r.try_get(5)?,
                    revoked_at: r.try_get(6)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading tokens"))
    }

    /// Who a token acts as: not revoked, of a user not disabled.
    pub async fn token_credential(&self, token_hash: &str) -> Result<Option<Credential>> {
        let row = sqlx::query(
            "SELECT u.id, u.name, t.role, t.scope FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
        )
        .bind(token_hash)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a token"))?;
        row.map(|r| {
            Ok(Credential {
                user_id: r.try_get(0)?,
                name: r.try_get(1)?,
                role: r.try_get(2)?,
                scope: r.try_get(3)?,
                csrf: None,
            })
        })
        .transpose()
        .map_err(db("reading a token"))
    }

    /// Revokes a token; false when there is no such token or it was already revoked.
    pub async fn revoke_token(&self, id: i64) -> Result<bool> {
        let changed = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(crate::now_utc())
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(db("revoking a token"))?
            .rows_affected();
        Ok(changed > 0)
    }

    /// Stores a validated upload until it is committed or discarded.
    pub async fn stage_upload(&self, upload: &StagedUpload) -> Result<()> {
        sqlx::query(
            "INSERT INTO staged_uploads (id, user_id, source, file_name, body, report, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&upload.id)
        .bind(upload.user_id)
        .bind(&upload.source)
        .bind(&upload.file_name)
        .bind(&upload.body)
        .bind(&upload.report)
        .bind(&upload.created_at)
        .execute(self.pool())
        .await
        .map_err(db("staging an upload"))?;
        Ok(())
    }

    /// A staged upload by id.
    pub async fn staged_upload(&self, id: &str) -> Result<Option<StagedUpload>> {
        let row = sqlx::query(
            "SELECT id, user_id, source, file_name, body, report, created_at FROM staged_uploads WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .map_err(db("reading a staged upload"))?;
        row.map(|r| {
            Ok(StagedUpload {
                id: r.try_get(0)?,
                user_id: r.try_get(1)?,
                source: r.try_get(2)?,
                file_name: r.try_get(3)?,
                body: r.try_get(4)?,
                report: r.try_get(5)?,
                created_at: r.try_get(6)?,
            })
        })
        .transpose()
        .map_err(db("reading a staged upload"))
    }

    /// Removes a staged upload (committed or discarded); false when it was not there.
    pub async fn delete_staged_upload(&self, id: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM staged_uploads WHERE id = $1")
            .bind(id)
            .execute(self.pool())
            .await
            .map_err(db("removing a staged upload"))?
            .rows_affected();
        Ok(n > 0)
    }

    /// Appends an audit entry with the purpose the actor stated.
    pub async fn audit_with_purpose(
        &self,
        actor: &str,
        action: &str,
        detail: &str,
        purpose: Option<&str>,
    ) -> Result<()> {
        self.append_audit(actor, action, detail, purpose).await
    }

    /// The latest `limit` audit entries (newest first), those of `actor` and `action` when given.
    pub async fn audit_entries(
        &self,
        actor: Option<&str>,
        action: Option<&str>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT id, at, actor, action, detail, purpose FROM audit_log \
             WHERE ($1 = '' OR actor = $1) AND ($2 = '' OR action = $2) ORDER BY id DESC LIMIT $3",
        )
        .bind(actor.unwrap_or(""))
        .bind(action.unwrap_or(""))
        .bind(limit)
        .fetch_all(self.pool())
        .await
        .map_err(db("reading the audit log"))?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    actor: r.try_get(2)?,
                    action: r.try_get(3)?,
                    detail: r.try_get(4)?,
                    purpose: r.try_get(5)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db("reading the audit log"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_sqlite(&dir.path().join("t.db")).await.expect("open");
        (dir, store)
    }

    #[tokio::test]
    async fn the_audit_log_is_append_only_on_sqlite() {
        let (_dir, store) = store().await;
        store
            .audit_with_purpose("ana", "read_identities", "review item 3", Some("checking a pair"))
            .await
            .expect("audit");
        for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            let refused = sqlx::query(sql).execute(store.pool()).await;
            assert!(refused.is_err_and(|e| e.to_string().contains("append-only")), "{sql}");
        }
        let entries = store.audit_entries(None, None, 10).await.expect("read");
        assert_eq!(entries.len(), 1);
        assert_eq!((entries[0].actor.as_str(), entries[0].purpose.as_deref()), ("ana", Some("checking a pair")));
    }

    #[tokio::test]
    async fn sessions_and_tokens_stop_when_expired_revoked_or_disabled() {
        let (_dir, store) = store().await;
        let user = store
            .create_user(&NewUser { name: "ana", role: "analyst", scope: None, password_hash: "h" })
            .await
            .expect("user");
        assert!(matches!(
            store.create_user(&NewUser { name: "ana", role: "reviewer", scope: None, password_hash: "h" }).await,
            Err(Error::UserExists(_))
        ));
        store.create_session("live", user.id, "c1", "2999-01-01T00:00:00Z").await.expect("session");
        store.create_session("old", user.id, "c2", "2000-01-01T00:00:00Z").await.expect("session");
        let now = crate::now_utc();
        assert_eq!(store.session("live", &now).await.expect("read").map(|c| c.csrf), Some(Some("c1".to_owned())));
        assert_eq!(store.session("old", &now).await.expect("read"), None);
        let token = store.create_token(user.id, "system", "hash", "analyst", None).await.expect("token");
        assert!(store.token_credential("hash").await.expect("read").is_some());
        assert!(store.revoke_token(token).await.expect("revoke"));
        assert!(!store.revoke_token(token).await.expect("revoke"), "revoked once");
        assert_eq!(store.token_credential("hash").await.expect("read"), None);
        store.create_token(user.id, "other", "hash2", "analyst", None).await.expect("token");
        assert!(store.set_user_disabled("ana", true).await.expect("disable"));
        assert_eq!(store.session("live", &now).await.expect("read"), None);
        assert_eq!(store.token_credential("hash2").await.expect("read"), None);
    }
}
