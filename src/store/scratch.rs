//! Throw-away PostgreSQL databases for tests and benchmarks: each gets a fresh database on
//! the given server, so runs never share state.

use sqlx::{Connection, PgConnection};

use super::StoreResult;

/// Creates a database with a unique name on the server of `server_url` and returns its URL.
///
/// # Errors
/// When the server cannot be reached or refuses `CREATE DATABASE`.
pub async fn create_postgres_database(
    server_url: &str,
    prefix: &str,
) -> StoreResult<(String, String)> {
    let name = format!("{prefix}_{}", hex::encode(rand::random::<[u8; 6]>()));
    let mut conn = PgConnection::connect(server_url).await?;
    // The name is ours (prefix + hex), never user input, so formatting it in is safe.
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok((with_database(server_url, &name), name))
}

/// Drops a database made by [`create_postgres_database`].
///
/// # Errors
/// When the server refuses.
pub async fn drop_postgres_database(server_url: &str, name: &str) -> StoreResult<()> {
    let mut conn = PgConnection::connect(server_url).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// `url` with its database path replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{database}", &base[..host_end]);
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_is_replaced_and_query_kept() {
        assert_eq!(
            super::with_database("postgres://u@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u@h:5432/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
