//! LocalFile's own options parsed into typed values at plan time: the sink's save modes. The
//! format options (file format, codecs, charset, temporal patterns, delimiters, `schema`) are
//! shared by every file connector and live in [`seatunnel_formats::options`]. Every error names
//! the plugin and the key (through [`Options`]) or says `not supported: …` for SeaTunnel
//! features outside this connector's scope.

use seatunnel_connector::{ConnectorError, Options};

/// `schema_save_mode`: what to do with the target directory before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaSaveMode {
    RecreateSchema,
    CreateSchemaWhenNotExist,
    ErrorWhenSchemaNotExist,
    Ignore,
}

/// `data_save_mode`: what to do with files already in the target directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSaveMode {
    DropData,
    AppendData,
    ErrorWhenDataExists,
}

impl SchemaSaveMode {
    pub fn parse(opts: &Options) -> Result<SchemaSaveMode, ConnectorError> {
        let v = opts.choice(
            "schema_save_mode",
            &[
                "RECREATE_SCHEMA",
                "CREATE_SCHEMA_WHEN_NOT_EXIST",
                "ERROR_WHEN_SCHEMA_NOT_EXIST",
                "IGNORE",
            ],
            "CREATE_SCHEMA_WHEN_NOT_EXIST",
        )?;
        Ok(match v.as_str() {
            "RECREATE_SCHEMA" => SchemaSaveMode::RecreateSchema,
            "ERROR_WHEN_SCHEMA_NOT_EXIST" => SchemaSaveMode::ErrorWhenSchemaNotExist,
            "IGNORE" => SchemaSaveMode::Ignore,
            _ => SchemaSaveMode::CreateSchemaWhenNotExist,
        })
    }
}

impl DataSaveMode {
    pub fn parse(opts: &Options) -> Result<DataSaveMode, ConnectorError> {
        let value = opts.string_or("data_save_mode", "APPEND_DATA")?;
        match value.trim().to_ascii_uppercase().as_str() {
            "DROP_DATA" => Ok(DataSaveMode::DropData),
            "APPEND_DATA" => Ok(DataSaveMode::AppendData),
            "ERROR_WHEN_DATA_EXISTS" => Ok(DataSaveMode::ErrorWhenDataExists),
            "CUSTOM_PROCESSING" => Err(ConnectorError::config(
                opts.plugin(),
                "not supported: data_save_mode 'CUSTOM_PROCESSING' (file sinks have no custom sql)",
            )),
            _ => Err(opts.invalid(
                "data_save_mode",
                format!("must be one of DROP_DATA, APPEND_DATA, ERROR_WHEN_DATA_EXISTS, got \"{value}\""),
            )),
        }
    }
}
