//! Configuration: defaults, then a TOML file, then `JALON_…` environment variables.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:8080` by default).
    pub listen: SocketAddr,
    /// Folder holding the SQLite database when `database_url` is not set.
    pub data_dir: PathBuf,
    /// `sqlite://…` URL; defaults to `<data_dir>/jalon.sqlite3`. May hold a secret.
    pub database_url: Option<String>,
    /// The app built by Trunk, served at `/`.
    pub dist_dir: PathBuf,
    /// Seed demo accounts and synthetic people into an empty database.
    pub seed_demo: bool,
    /// How long a session token stays valid, in days.
    pub session_days: i64,
    /// A session unused for this many days ends (a tablet offline longer signs in again).
    pub session_idle_days: i64,
    /// Behind a reverse proxy: take the client's address from `X-Forwarded-For` (its last
    /// hop), and send `Strict-Transport-Security` (the proxy serves TLS).
    pub trust_proxy: bool,
    /// A device that has not reached the server for this many days locks its data until it does.
    pub device_lock_days: i64,
    /// An unlocked app locks its encrypted replica after this many minutes without a touch or
    /// a key press (the password unlocks it again, offline).
    pub inactivity_lock_minutes: i64,
    /// How long audit events are kept, in months.
    pub audit_months: i64,
    /// People without an active enrolment whose last contact is older than this many years
    /// are proposed for purging (CNIL: 2 years).
    pub retention_years: i64,
    /// A connection that does not send a request's headers within this many seconds (also
    /// while idle between requests) is closed.
    pub header_timeout_secs: u64,
    /// A request (its body included) not answered within this many seconds gets 408.
    pub request_timeout_secs: u64,
    /// Connections served at once; the next ones wait in the kernel's queue.
    pub max_connections: usize,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<redacted>"),
            )
            .field("dist_dir", &self.dist_dir)
            .field("seed_demo", &self.seed_demo)
            .field("session_days", &self.session_days)
            .field("session_idle_days", &self.session_idle_days)
            .field("trust_proxy", &self.trust_proxy)
            .field("device_lock_days", &self.device_lock_days)
            .field("inactivity_lock_minutes", &self.inactivity_lock_minutes)
            .field("audit_months", &self.audit_months)
            .field("retention_years", &self.retention_years)
            .field("header_timeout_secs", &self.header_timeout_secs)
            .field("request_timeout_secs", &self.request_timeout_secs)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8080),
            data_dir: PathBuf::from("data"),
            database_url: None,
            dist_dir: PathBuf::from("dist"),
            seed_demo: true,
            session_days: 30,
            session_idle_days: 14,
            trust_proxy: false,
            device_lock_days: 14,
            inactivity_lock_minutes: 15,
            audit_months: 12,
            retention_years: 2,
            header_timeout_secs: 10,
            request_timeout_secs: 60,
            max_connections: 512,
        }
    }
}

/// The optional file: every key may be left out.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    listen: Option<SocketAddr>,
    port: Option<u16>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    dist_dir: Option<PathBuf>,
    seed_demo: Option<bool>,
    session_days: Option<i64>,
    session_idle_days: Option<i64>,
    trust_proxy: Option<bool>,
    device_lock_days: Option<i64>,
    inactivity_lock_minutes: Option<i64>,
    audit_months: Option<i64>,
    retention_years: Option<i64>,
    header_timeout_secs: Option<u64>,
    request_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("invalid value for {name}: {value:?}")]
    Env { name: &'static str, value: String },
}

impl Config {
    /// Reads `JALON_CONFIG` (or `./jalon.toml` when present), then the environment.
    pub fn load() -> Result<Config, ConfigError> {
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let file = match env("JALON_CONFIG") {
            Some(path) => Some(PathBuf::from(path)),
            None => Some(PathBuf::from("jalon.toml")).filter(|p| p.exists()),
        };
        let mut config = Config::default();
        if let Some(path) = file {
            config.apply_file(&path)?;
        }
        config.apply_env(env)?;
        Ok(config)
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let file: FileConfig = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source,
        })?;
        if let Some(listen) = file.listen {
            self.listen = listen;
        }
        if let Some(port) = file.port {
            self.listen.set_port(port);
        }
        if let Some(v) = file.data_dir {
            self.data_dir = v;
        }
        if file.database_url.is_some() {
            self.database_url = file.database_url;
        }
        if let Some(v) = file.dist_dir {
            self.dist_dir = v;
        }
        if let Some(v) = file.seed_demo {
            self.seed_demo = v;
        }
        if let Some(v) = file.session_days {
            self.session_days = v;
        }
        if let Some(v) = file.session_idle_days {
            self.session_idle_days = v;
        }
        if let Some(v) = file.trust_proxy {
            self.trust_proxy = v;
        }
        if let Some(v) = file.device_lock_days {
            self.device_lock_days = v;
        }
        if let Some(v) = file.inactivity_lock_minutes {
            self.inactivity_lock_minutes = v;
        }
        if let Some(v) = file.audit_months {
            self.audit_months = v;
        }
        if let Some(v) = file.retention_years {
            self.retention_years = v;
        }
        if let Some(v) = file.header_timeout_secs {
            self.header_timeout_secs = v;
        }
        if let Some(v) = file.request_timeout_secs {
            self.request_timeout_secs = v;
        }
        if let Some(v) = file.max_connections {
            self.max_connections = v;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(
            name: &'static str,
            value: String,
        ) -> Result<T, ConfigError> {
            value.parse().map_err(|_| ConfigError::Env { name, value })
        }
        if let Some(v) = env("JALON_LISTEN") {
            self.listen = parse("JALON_LISTEN", v)?;
        }
        if let Some(v) = env("JALON_PORT") {
            self.listen.set_port(parse("JALON_PORT", v)?);
        }
        if let Some(v) = env("JALON_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env("JALON_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = env("JALON_DIST_DIR") {
            self.dist_dir = PathBuf::from(v);
        }
        if let Some(v) = env("JALON_SEED_DEMO") {
            self.seed_demo = parse("JALON_SEED_DEMO", v)?;
        }
        if let Some(v) = env("JALON_SESSION_DAYS") {
            self.session_days = parse("JALON_SESSION_DAYS", v)?;
        }
        if let Some(v) = env("JALON_SESSION_IDLE_DAYS") {
            self.session_idle_days = parse("JALON_SESSION_IDLE_DAYS", v)?;
        }
        if let Some(v) = env("JALON_TRUST_PROXY") {
            self.trust_proxy = parse("JALON_TRUST_PROXY", v)?;
        }
        if let Some(v) = env("JALON_DEVICE_LOCK_DAYS") {
            self.device_lock_days = parse("JALON_DEVICE_LOCK_DAYS", v)?;
        }
        if let Some(v) = env("JALON_INACTIVITY_LOCK_MINUTES") {
            self.inactivity_lock_minutes = parse("JALON_INACTIVITY_LOCK_MINUTES", v)?;
        }
        if let Some(v) = env("JALON_AUDIT_MONTHS") {
            self.audit_months = parse("JALON_AUDIT_MONTHS", v)?;
        }
        if let Some(v) = env("JALON_RETENTION_YEARS") {
            self.retention_years = parse("JALON_RETENTION_YEARS", v)?;
        }
        if let Some(v) = env("JALON_HEADER_TIMEOUT_SECS") {
            self.header_timeout_secs = parse("JALON_HEADER_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("JALON_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = parse("JALON_REQUEST_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("JALON_MAX_CONNECTIONS") {
            self.max_connections = parse("JALON_MAX_CONNECTIONS", v)?;
        }
        Ok(())
    }

    /// The database URL to connect to.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.join("jalon.sqlite3").to_string_lossy()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults_and_bad_values_are_named() {
        let mut config = Config::default();
        let vars = [("JALON_PORT", "9090"), ("JALON_SEED_DEMO", "false")];
        config
            .apply_env(|name| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            })
            .unwrap();
        assert_eq!(config.listen.port(), 9090);
        assert!(!config.seed_demo);

        let err = config
            .apply_env(|name| (name == "JALON_PORT").then(|| "eighty".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("JALON_PORT"));
    }

    #[test]
    fn debug_output_redacts_the_database_url() {
        let config = Config {
            database_url: Some("postgres://jalon:secret@db/jalon".into()),
            ..Config::default()
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("secret"));
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn the_default_database_lives_in_the_data_folder() {
        let config = Config {
            data_dir: PathBuf::from("/tmp/jalon-data"),
            ..Config::default()
        };
        assert_eq!(
            config.database_url(),
            "sqlite:///tmp/jalon-data/jalon.sqlite3"
        );
    }
}
