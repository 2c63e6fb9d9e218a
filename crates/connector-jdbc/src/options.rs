//! The connection options the source and sink share (`url`, `driver`, `user`, `password`,
//! `properties`, `connection_check_timeout_sec`), parsed once at plan time.

use std::time::Duration;

use seatunnel_connector::{ConnectorError, Options};
use seatunnel_data::TablePath;

use crate::db::ConnectSpec;
use crate::split::quote;
use crate::url::{Dialect, JdbcUrl};

/// `connection_check_timeout_sec`'s default, as SeaTunnel's.
const DEFAULT_CONNECT_TIMEOUT_SECS: i64 = 30;

/// A parsed connection: where, as whom, how long connecting may take.
#[derive(Debug, Clone)]
pub struct Connection {
    pub spec: ConnectSpec,
}

impl Connection {
    pub fn parse(options: &Options) -> Result<Connection, ConnectorError> {
        let mut url = parse_url(options)?;
        let driver = options.required_string("driver")?;
        url.check_driver(&driver)
            .map_err(|e| options.invalid("driver", e.to_string()))?;
        if let Some(props) = options.object("properties")? {
            let props: Vec<(String, String)> = props
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect();
            url.add_properties(&props)
                .map_err(|e| options.invalid("properties", e.to_string()))?;
        }
        let timeout =
            options.i64_or("connection_check_timeout_sec", DEFAULT_CONNECT_TIMEOUT_SECS)?;
        if timeout <= 0 {
            return Err(options.invalid("connection_check_timeout_sec", "must be at least 1"));
        }
        // The options win; else the URL's or `properties`' user and password, which JDBC
        // drivers read too.
        let user = options
            .string("user")?
            .or_else(|| url.param("user").map(str::to_string));
        let password = options
            .string("password")?
            .or_else(|| url.param("password").map(str::to_string));
        Ok(Connection {
            spec: ConnectSpec {
                url,
                user,
                password,
                timeout: Duration::from_secs(timeout as u64),
            },
        })
    }

    /// The dialect the `url` option names, for decisions made before connecting.
    pub fn dialect_of(options: &Options) -> Result<Dialect, ConnectorError> {
        Ok(parse_url(options)?.dialect)
    }

    pub fn dialect(&self) -> Dialect {
        self.spec.url.dialect
    }
}

fn parse_url(options: &Options) -> Result<JdbcUrl, ConnectorError> {
    let text = options.required_string("url")?;
    JdbcUrl::parse(&text).map_err(|e| options.invalid("url", e.to_string()))
}

/// A table path as the dialect writes it: each part quoted. MySQL has no schemas, so its
/// `database.table` is the whole path.
pub fn qualified(dialect: Dialect, path: &TablePath) -> String {
    let mut parts = Vec::new();
    match dialect {
        Dialect::Postgres => {
            // `database.schema.table` → the database is the connection's; `a.b` is schema.table.
            match (&path.database, &path.schema) {
                (_, Some(schema)) => parts.push(schema.as_str()),
                (Some(db), None) => parts.push(db.as_str()),
                (None, None) => {}
            }
        }
        Dialect::MySql => {
            if let Some(db) = &path.database {
                parts.push(db.as_str());
            }
        }
        Dialect::Sqlite => {}
    }
    parts.push(path.table.as_str());
    parts
        .iter()
        .map(|p| quote(dialect, p))
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_qualify_per_dialect() {
        let p = TablePath::parse("test.public.t1");
        assert_eq!(qualified(Dialect::Postgres, &p), r#""public"."t1""#);
        assert_eq!(
            qualified(Dialect::Postgres, &TablePath::parse("public.t1")),
            r#""public"."t1""#
        );
        assert_eq!(
            qualified(Dialect::MySql, &TablePath::parse("source.table1")),
            "`source`.`table1`"
        );
        assert_eq!(
            qualified(Dialect::Sqlite, &TablePath::parse("main.t")),
            r#""t""#
        );
    }
}
