use std::process::ExitCode;

use jalon_server::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn")),
        )
        .init();
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("jalon-server: {err}");
            return ExitCode::FAILURE;
        }
    };
    match jalon_server::launch(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("jalon-server: {err}");
            ExitCode::FAILURE
        }
    }
}
