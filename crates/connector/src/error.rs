//! Errors a connector reports. Config errors happen at plan time and name the plugin and key;
//! runtime errors fail the pipeline and are kept verbatim for the job's `errorMsg`.

#[derive(Debug, thiserror::Error)]
pub enum ConnectorError {
    /// A wrong or missing option.
    #[error("plugin {plugin}: option '{key}' {message}")]
    Option {
        plugin: String,
        key: String,
        message: String,
    },
    /// An option over a documented limit of ours (a client error: REST answers 400).
    #[error("plugin {plugin}: option '{key}' {message}")]
    Limit {
        plugin: String,
        key: String,
        message: String,
    },
    /// A configuration problem that is not about one option.
    #[error("plugin {plugin}: {message}")]
    Config { plugin: String, message: String },
    /// A failure while running; the message is shown to the user as the job's error.
    #[error("{0}")]
    Runtime(String),
    /// An external system the task reads or writes went away (a database that stopped or a
    /// broken connection): the same work may succeed once it is back, so the engine restarts
    /// the pipeline from its last checkpoint, within `job.retry.times`, as for a lost worker.
    /// Deterministic failures (bad data, a wrong statement) are [`ConnectorError::Runtime`].
    #[error("{0}")]
    Unavailable(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ConnectorError {
    pub fn runtime(message: impl Into<String>) -> Self {
        ConnectorError::Runtime(message.into())
    }

    pub fn config(plugin: &str, message: impl Into<String>) -> Self {
        ConnectorError::Config {
            plugin: plugin.to_string(),
            message: message.into(),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        ConnectorError::Unavailable(message.into())
    }

    /// Whether a restart from the last checkpoint may succeed (see [`ConnectorError::Unavailable`]).
    pub fn is_unavailable(&self) -> bool {
        matches!(self, ConnectorError::Unavailable(_))
    }

    /// Whether this is an option over one of our documented limits.
    pub fn is_limit(&self) -> bool {
        matches!(self, ConnectorError::Limit { .. })
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        ConnectorError::Io {
            context: context.into(),
            source,
        }
    }
}
