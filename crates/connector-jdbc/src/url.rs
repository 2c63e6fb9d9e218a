//! JDBC URLs and driver class names, parsed once at plan time into the dialect and the
//! connection parameters a native client needs.
//!
//! Job files name a Java driver (`driver = "org.postgresql.Driver"`) and a JDBC URL; there is no
//! JVM here, so both only select the dialect. A driver that disagrees with the URL's dialect is
//! refused: the job would have failed in SeaTunnel too ("No suitable driver").

use std::fmt;

/// The databases this connector reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Dialect {
    Postgres,
    /// MySQL and MariaDB: one wire protocol and one SQL dialect for everything used here.
    MySql,
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgresql",
            Dialect::MySql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What this build supports, for the "not supported" messages.
pub const SUPPORTED: &str = "jdbc:postgresql://, jdbc:mysql://, jdbc:mariadb://, jdbc:sqlite:";

/// SeaTunnel's driver class names, by dialect.
const DRIVERS: &[(&str, Dialect)] = &[
    ("org.postgresql.Driver", Dialect::Postgres),
    ("com.mysql.cj.jdbc.Driver", Dialect::MySql),
    ("com.mysql.jdbc.Driver", Dialect::MySql),
    ("org.mariadb.jdbc.Driver", Dialect::MySql),
    ("org.sqlite.JDBC", Dialect::Sqlite),
];

/// Connection parameters JDBC drivers would read from a local file or deserialize objects with:
/// refused, as SeaTunnel 2.3.11+ does after CVE-2025-32896 (compared case-insensitively, after
/// percent-decoding).
const REFUSED_PARAMS: &[&str] = &[
    "allowloadlocalinfile",
    "allowurlinlocalinfile",
    "allowloadlocalinfileinpath",
    "autodeserialize",
];

/// Default ports when the URL names none.
const POSTGRES_PORT: u16 = 5432;
const MYSQL_PORT: u16 = 3306;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not supported: '{0}'; supported: {SUPPORTED}")]
    Unsupported(String),
    #[error("'{url}' is not a JDBC URL ({why}); write it as {SUPPORTED}…")]
    Malformed { url: String, why: String },
    #[error("driver '{driver}' is unknown; use one of {known}")]
    UnknownDriver { driver: String, known: String },
    #[error(
        "driver '{driver}' is for {driver_dialect}, but the url is {url_dialect}; make them agree"
    )]
    DriverMismatch {
        driver: String,
        driver_dialect: Dialect,
        url_dialect: Dialect,
    },
    #[error("connection parameter '{0}' is refused: it lets the database read local files or deserialize objects; remove it")]
    Refused(String),
    #[error("connection parameter {0} asks for TLS, which this build does not support for databases yet; set it off or remove it")]
    Tls(String),
}

/// A parsed JDBC URL. Its `Debug` masks parameters that hold a password.
#[derive(Clone, PartialEq, Eq)]
pub struct JdbcUrl {
    pub dialect: Dialect,
    /// Host and port for the network dialects; empty and 0 for SQLite.
    pub host: String,
    pub port: u16,
    /// The database for PostgreSQL and MySQL (may be empty for MySQL); the file for SQLite.
    pub database: String,
    /// `?k=v&…` parameters, percent-decoded, in order.
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for JdbcUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(k, v)| {
                let secret = k.to_ascii_lowercase().contains("password");
                (k.as_str(), if secret { "******" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("JdbcUrl")
            .field("dialect", &self.dialect)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("params", &params)
            .finish()
    }
}

impl JdbcUrl {
    pub fn parse(url: &str) -> Result<JdbcUrl, UrlError> {
        let malformed = |why: &str| UrlError::Malformed {
            url: url.to_string(),
            why: why.to_string(),
        };
        let rest =
            strip_prefix_ci(url.trim(), "jdbc:").ok_or_else(|| malformed("no 'jdbc:' prefix"))?;
        let (sub, tail) = rest
            .split_once(':')
            .ok_or_else(|| malformed("no subprotocol"))?;
        let dialect = match sub.to_ascii_lowercase().as_str() {
            "postgresql" => Dialect::Postgres,
            "mysql" | "mariadb" => Dialect::MySql,
            "sqlite" => Dialect::Sqlite,
            other => return Err(UrlError::Unsupported(format!("jdbc:{other}"))),
        };
        if dialect == Dialect::Sqlite {
            let (file, query) = tail.split_once('?').unwrap_or((tail, ""));
            let file = file.strip_prefix("file:").unwrap_or(file);
            if file.is_empty() {
                return Err(malformed("no database file after 'jdbc:sqlite:'"));
            }
            return Ok(JdbcUrl {
                dialect,
                host: String::new(),
                port: 0,
                database: file.to_string(),
                params: params(query)?,
            });
        }
        let tail = tail
            .strip_prefix("//")
            .ok_or_else(|| malformed("expected '//' after the subprotocol"))?;
        let (authority, path) = match tail.find(['/', '?']) {
            Some(i) => tail.split_at(i),
            None => (tail, ""),
        };
        if authority.contains(',') {
            return Err(UrlError::Unsupported(format!(
                "several hosts in '{authority}' (failover URLs)"
            )));
        }
        // `user:password@host`, as the MySQL and MariaDB drivers accept it.
        let mut credentials = Vec::new();
        let authority = match authority.rsplit_once('@') {
            Some((userinfo, host)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                credentials.push(("user".to_string(), percent_decode(user)));
                if !password.is_empty() {
                    credentials.push(("password".to_string(), percent_decode(password)));
                }
                host
            }
            None => authority,
        };
        let default_port = if dialect == Dialect::Postgres {
            POSTGRES_PORT
        } else {
            MYSQL_PORT
        };
        let (host, port) = split_host_port(authority, default_port)
            .ok_or_else(|| malformed("the port is not a number"))?;
        let (db, query) = path.split_once('?').unwrap_or((path, ""));
        let db = db.trim_start_matches('/');
        Ok(JdbcUrl {
            dialect,
            host: if host.is_empty() {
                "localhost".into()
            } else {
                host
            },
            port,
            database: percent_decode(db),
            params: credentials.into_iter().chain(params(query)?).collect(),
        })
    }

    /// The dialect of a driver class name, checked against this URL's.
    pub fn check_driver(&self, driver: &str) -> Result<(), UrlError> {
        let driver = driver.trim();
        let Some((_, dialect)) = DRIVERS.iter().find(|(name, _)| *name == driver) else {
            return Err(UrlError::UnknownDriver {
                driver: driver.to_string(),
                known: DRIVERS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        if *dialect != self.dialect {
            return Err(UrlError::DriverMismatch {
                driver: driver.to_string(),
                driver_dialect: *dialect,
                url_dialect: self.dialect,
            });
        }
        Ok(())
    }

    /// A connection parameter by name, compared case-insensitively as JDBC drivers do.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Adds the `properties` option's entries (they win over the URL's, as in JDBC), checking
    /// them as URL parameters are checked.
    pub fn add_properties(&mut self, props: &[(String, String)]) -> Result<(), UrlError> {
        for (k, v) in props {
            check_param(k, v)?;
            self.params.push((k.clone(), v.clone()));
        }
        Ok(())
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

fn split_host_port(authority: &str, default_port: u16) -> Option<(String, u16)> {
    // `[::1]:5432`: an IPv6 literal keeps its colons inside the brackets.
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None => default_port,
        };
        return Some((host.to_string(), port));
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), port.parse().ok()?)),
        None => Some((authority.to_string(), default_port)),
    }
}

fn params(query: &str) -> Result<Vec<(String, String)>, UrlError> {
    let mut out = Vec::new();
    for pair in query.split(['&', ';']).filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        check_param(&k, &v)?;
        out.push((k, v));
    }
    Ok(out)
}

fn check_param(key: &str, value: &str) -> Result<(), UrlError> {
    let lower = key.trim().to_ascii_lowercase();
    if REFUSED_PARAMS.contains(&lower.as_str()) && !value.trim().eq_ignore_ascii_case("false") {
        return Err(UrlError::Refused(key.to_string()));
    }
    let tls_on = match lower.as_str() {
        "usessl" | "requiressl" | "ssl" => value.trim().eq_ignore_ascii_case("true"),
        "sslmode" => !matches!(
            value.trim().to_ascii_lowercase().as_str(),
            "disable" | "allow" | "prefer" | "disabled" | "preferred"
        ),
        _ => false,
    };
    if tls_on {
        return Err(UrlError::Tls(format!("'{key}={value}'")));
    }
    Ok(())
}

/// `%41` → `A`; invalid escapes stay as written (JDBC drivers are as lenient).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_give_host_port_database_and_params() {
        let u = JdbcUrl::parse(
            "jdbc:postgresql://postgresql:5432/test?loggerLevel=OFF&stringtype=unspecified",
        )
        .unwrap();
        assert_eq!(u.dialect, Dialect::Postgres);
        assert_eq!(
            (u.host.as_str(), u.port, u.database.as_str()),
            ("postgresql", 5432, "test")
        );
        assert_eq!(u.param("STRINGTYPE"), Some("unspecified"));
        let u = JdbcUrl::parse("jdbc:postgresql://db/x").unwrap();
        assert_eq!(u.port, 5432);
        let u = JdbcUrl::parse("jdbc:postgresql://[::1]:6000/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 6000));
    }

    #[test]
    fn mysql_and_mariadb_are_one_dialect() {
        for url in [
            "jdbc:mysql://mysql-e2e:3306/seatunnel?useSSL=false",
            "jdbc:mariadb://mysql-e2e/seatunnel",
        ] {
            let u = JdbcUrl::parse(url).unwrap();
            assert_eq!(u.dialect, Dialect::MySql);
            assert_eq!((u.port, u.database.as_str()), (3306, "seatunnel"));
        }
        assert_eq!(JdbcUrl::parse("jdbc:mysql://h:1").unwrap().database, "");
    }

    #[test]
    fn credentials_in_the_url_are_parameters() {
        let u = JdbcUrl::parse("jdbc:mysql://bob:s%40cret@h:3306/x?useSSL=false").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("h", 3306));
        assert_eq!(u.param("user"), Some("bob"));
        assert_eq!(u.param("password"), Some("s@cret"));
        assert!(!format!("{u:?}").contains("s@cret"), "Debug masks it");
        let u = JdbcUrl::parse("jdbc:postgresql://h/x?user=amy&password=pw").unwrap();
        assert_eq!(
            (u.param("user"), u.param("password")),
            (Some("amy"), Some("pw"))
        );
    }

    #[test]
    fn sqlite_urls_name_a_file() {
        let u = JdbcUrl::parse("jdbc:sqlite:/var/lib/x.db").unwrap();
        assert_eq!(
            (u.dialect, u.database.as_str()),
            (Dialect::Sqlite, "/var/lib/x.db")
        );
        assert_eq!(
            JdbcUrl::parse("jdbc:sqlite::memory:").unwrap().database,
            ":memory:"
        );
        assert!(JdbcUrl::parse("jdbc:sqlite:").is_err());
    }

    #[test]
    fn other_dialects_are_refused_naming_what_is_supported() {
        let err = JdbcUrl::parse("jdbc:oracle:thin:@h:1521/x").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("not supported: 'jdbc:oracle'; supported: {SUPPORTED}")
        );
        assert!(JdbcUrl::parse("jdbc:sqlserver://h;databaseName=x").is_err());
        assert!(matches!(
            JdbcUrl::parse("postgresql://h/x"),
            Err(UrlError::Malformed { .. })
        ));
    }

    #[test]
    fn drivers_must_match_the_url() {
        let u = JdbcUrl::parse("jdbc:mysql://h/x").unwrap();
        u.check_driver("com.mysql.cj.jdbc.Driver").unwrap();
        u.check_driver("org.mariadb.jdbc.Driver").unwrap();
        assert!(matches!(
            u.check_driver("org.postgresql.Driver"),
            Err(UrlError::DriverMismatch { .. })
        ));
        assert!(matches!(
            u.check_driver("x.Y"),
            Err(UrlError::UnknownDriver { .. })
        ));
    }

    #[test]
    fn local_file_parameters_are_refused_even_percent_encoded() {
        for url in [
            "jdbc:mysql://h/x?allowLoadLocalInfile=true",
            "jdbc:mysql://h/x?%61llowLoadLocalInfile=true",
            "jdbc:mysql://h/x?autoDeserialize=yes",
        ] {
            assert!(
                matches!(JdbcUrl::parse(url), Err(UrlError::Refused(_))),
                "{url}"
            );
        }
        JdbcUrl::parse("jdbc:mysql://h/x?allowLoadLocalInfile=false").unwrap();
    }

    #[test]
    fn tls_requests_fail_clearly() {
        assert!(matches!(
            JdbcUrl::parse("jdbc:postgresql://h/x?sslmode=require"),
            Err(UrlError::Tls(_))
        ));
        JdbcUrl::parse("jdbc:mysql://h/x?useSSL=false").unwrap();
        let mut u = JdbcUrl::parse("jdbc:mysql://h/x").unwrap();
        assert!(u
            .add_properties(&[("useSSL".into(), "true".into())])
            .is_err());
    }
}
