//! The cron lock: a MySQL named lock (`GET_LOCK`) held on a connection of its own for the
//! whole tick, so only one runner works even with several web servers. The server releases
//! it if the process dies (the connection closes).

use mysql::prelude::Queryable;
use sha2::{Digest, Sha256};

use super::migrate::hex;
use super::{Result, StorageError, Store};

/// A held named lock; released when dropped.
pub struct TickLock {
    conn: Option<mysql::Conn>,
    name: String,
}

impl std::fmt::Debug for TickLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TickLock")
            .field("name", &self.name)
            .finish()
    }
}

/// The server-wide lock name: `priem:<database>:<name>`, hashed when longer than the 64
/// characters MySQL allows (named locks are per server, so the database is part of it).
pub(crate) fn lock_name(database: &str, name: &str) -> String {
    let full = format!("priem:{database}:{name}");
    if full.chars().count() <= 64 {
        full
    } else {
        format!("priem:{}", &hex(&Sha256::digest(full.as_bytes()))[..32])
    }
}

impl Store {
    /// Takes the named lock without waiting, on a new connection that the returned guard
    /// keeps. `None` when another session holds it.
    pub fn try_lock(&self, name: &str) -> Result<Option<TickLock>> {
        let full = lock_name(&self.config().database, name);
        let mut conn = self.dedicated_conn()?;
        let got: Option<Option<i64>> = conn
            .exec_first("SELECT GET_LOCK(?, 0)", (&full,))
            .map_err(|e| StorageError::query("блокировка: получение", e))?;
        Ok(match got {
            Some(Some(1)) => Some(TickLock {
                conn: Some(conn),
                name: full,
            }),
            _ => None,
        })
    }
}

impl TickLock {
    /// The lock's name on the server.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this session still holds the lock (false when the connection was lost).
    pub fn is_held(&mut self) -> Result<bool> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(false);
        };
        let held: Option<Option<i64>> = conn
            .exec_first("SELECT IS_USED_LOCK(?) = CONNECTION_ID()", (&self.name,))
            .map_err(|e| StorageError::query("блокировка: проверка", e))?;
        Ok(held == Some(Some(1)))
    }

    /// Releases the lock now (dropping the guard does the same, ignoring errors).
    pub fn release(mut self) -> Result<()> {
        match self.conn.take() {
            Some(mut conn) => conn
                .exec_drop("DO RELEASE_LOCK(?)", (&self.name,))
                .map_err(|e| StorageError::query("блокировка: снятие", e)),
            None => Ok(()),
        }
    }
}

impl Drop for TickLock {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            // Closing the connection releases the lock anyway.
            let _ = conn.exec_drop("DO RELEASE_LOCK(?)", (&self.name,));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_names_include_the_database_and_fit_64_characters() {
        assert_eq!(lock_name("site", "tick"), "priem:site:tick");
        let long = lock_name(&"d".repeat(64), "tick");
        assert!(long.len() <= 64 && long.starts_with("priem:"), "{long}");
        assert_ne!(long, lock_name(&"e".repeat(64), "tick"));
    }
}
