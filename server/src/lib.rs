//! Jalon's server: a small, stateless sync API over SQLite, which also serves the built app.
//!
//! Nothing is kept in memory between requests (sessions live in the database), so several
//! instances can run side by side in front of one database.

pub mod access;
pub mod admin;
pub mod auth;
pub mod cli;
pub mod cofinancing;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod fse;
pub mod money;
pub mod openapi;
pub mod routes;
pub mod supervision;
pub mod sync;
pub mod transport;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use tokio::net::TcpListener;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::trace::TraceLayer;

pub use config::Config;
use db::Db;

/// What every handler receives: a database handle and the configuration. No session state.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Bounds the password verifications of this process (not session state).
    pub sign_in: Arc<auth::SignInGate>,
}

/// The API under `/api/`, and the app (with `index.html` for every unknown path, so that the
/// router's deep links work).
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/health", get(routes::health))
        .route("/openapi.json", get(openapi::serve))
        .route("/auth/login", post(routes::login))
        .route("/auth/logout", post(routes::logout))
        .route("/auth/me", get(routes::me))
        .route("/reference", get(routes::reference))
        .route("/auth/password", post(routes::change_password))
        .route("/auth/logout-all", post(routes::logout_everywhere))
        .route(
            "/sync/push",
            post(routes::push).layer(DefaultBodyLimit::max(transport::MAX_PUSH_BYTES)),
        )
        .route("/sync/pull", get(routes::pull))
        .route("/sync/consultations", post(routes::consultations))
        .route("/device/wiped", post(routes::device_wiped))
        .route("/people/{id}/access-report", get(access::report))
        .route("/agreements", get(money::list).post(money::create))
        .route("/agreements/{id}/renewals", post(money::renew))
        .route("/orders/{id}/status", post(money::change_stage))
        .route("/funds", get(money::funds))
        .route("/funds/{fund}/{year}", put(money::set_envelope))
        .route("/farms", post(money::create_farm))
        .route("/grants", post(money::create_grant))
        .route("/cofinancing", get(cofinancing::show))
        .route("/cofinancing.xlsx", get(cofinancing::xlsx))
        .route("/cofinancing/{scheme}/{year}", put(cofinancing::set_plan))
        .route("/partners", get(money::partners))
        .route(
            "/partners/{partner}/{year}",
            put(money::set_partner_agreement),
        )
        .route("/supervision", get(supervision::show))
        .route("/supervision.xlsx", get(supervision::xlsx))
        .route("/fse.xlsx", get(fse::xlsx))
        .route(
            "/exports/people.xlsx",
            post(supervision::people_xlsx)
                .layer(DefaultBodyLimit::max(transport::MAX_EXPORT_BYTES)),
        )
        .nest("/admin", admin::routes())
        .fallback(routes::not_found)
        .layer(middleware::from_fn(transport::json_errors))
        .layer(DefaultBodyLimit::max(transport::MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            Duration::from_secs(state.config.request_timeout_secs.max(1)),
            transport::deadline,
        ));
    let dist = &state.config.dist_dir;
    // The build writes brotli and gzip copies of the app's files (scripts/precompress.mjs):
    // they are sent as they are, with Content-Encoding and Vary.
    let app = ServeDir::new(dist)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(
            ServeFile::new(dist.join("index.html"))
                .precompressed_br()
                .precompressed_gzip(),
        );
    let headers = transport::SecurityHeaders::new(dist, state.config.trust_proxy);
    Router::new()
        .nest("/api", api)
        .fallback_service(app)
        .layer(middleware::from_fn(cache_headers))
        .layer(middleware::from_fn_with_state(
            headers,
            transport::security_headers,
        ))
        // Pull pages (JSON) shrink several times over gzip: what a tablet on a mobile network
        // waits for. Files already compressed by the build are left as they are.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// API answers are never cached (they hold personal data); the app shell is revalidated on
/// every load; files whose name carries Trunk's content hash are immutable; the app's files
/// vary by encoding.
async fn cache_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let value = if path.starts_with("/api/") {
        "no-store"
    } else if is_hashed_asset(&path) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    // The app's files exist in brotli, gzip and plain (chosen by Accept-Encoding): a cache
    // between the server and the browser must keep them apart.
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !path.starts_with("/api/") && !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// `/jalon-app-0123456789abcdef_bg.wasm` and the like.
fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default();
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Opens the database, seeds the demo data into an empty one when configured to.
pub async fn prepare(config: &Config) -> Result<Db, Box<dyn std::error::Error>> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = Db::connect(&config.database_url()).await?;
    db.ensure_schemes().await?;
    if config.seed_demo && db.user_count().await? == 0 {
        tracing::info!("empty database: seeding demo data");
        demo::seed(&db, routes::today(), auth::now_unix()).await?;
    }
    let hashed = db.rehash_missing().await?;
    if hashed > 0 {
        tracing::info!(people = hashed, "hashed the synced rows of people");
    }
    Ok(db)
}

/// Serves `db` on `listener` until `shutdown` resolves.
async fn serve(
    config: Config,
    db: Db,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error>> {
    if !config.dist_dir.join("index.html").exists() {
        tracing::warn!(dist = %config.dist_dir.display(), "the app is not built: only the API is served");
    }
    tokio::spawn(maintenance(db.clone(), config.clone()));
    let state = AppState {
        db,
        config: Arc::new(config),
        sign_in: Arc::new(auth::SignInGate::default()),
    };
    let config = state.config.clone();
    transport::serve(listener, router(state), &config, shutdown).await;
    Ok(())
}

/// Hourly upkeep, on every instance (each step is idempotent): puts in force the scheme
/// changes whose date has come, and purges the audit events older than the retention setting.
async fn maintenance(db: Db, config: Config) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        if let Err(error) = upkeep(&db, &config).await {
            tracing::warn!(%error, "upkeep failed; it runs again in an hour");
        }
    }
}

/// One round of [`maintenance`].
pub async fn upkeep(db: &Db, config: &Config) -> Result<(), sqlx::Error> {
    let now = auth::now_unix();
    let mut tx = db.begin_write().await?;
    if db::schemes::apply_due(&mut tx, routes::today()).await? {
        tracing::info!("a scheme change came into force");
    }
    let months = config.audit_months.max(1);
    let purged = db::audit::purge_before(&mut tx, now - months * 31 * 86_400).await?;
    db::signin::purge_before(&mut tx, now - 86_400).await?;
    tx.commit().await?;
    if purged > 0 {
        tracing::info!(purged, "audit events past their retention purged");
    }
    Ok(())
}

/// Prepares the database and serves on `listener` until `shutdown` resolves (tests bind
/// `127.0.0.1:0` and pass the listener in).
pub async fn launch_with_listener(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Box<dyn std::error::Error>> {
    let db = prepare(&config).await?;
    serve(config, db, listener, shutdown).await
}

/// Binds the configured address, prints how to reach the product, and serves until Ctrl-C or
/// SIGTERM.
pub async fn launch(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind(config.listen).await?;
    let address = listener.local_addr()?;
    let db = prepare(&config).await?;
    println!("Jalon is running on http://{address}/");
    if config.seed_demo {
        print_demo_accounts();
    }
    serve(config, db, listener, shutdown_signal()).await
}

fn print_demo_accounts() {
    use jalon_domain::auth::Role;
    println!("Demo accounts (password for all: {}):", demo::DEMO_PASSWORD);
    let accounts = demo::demo_accounts();
    for role in [Role::Referent, Role::Supervisor, Role::Administrator] {
        let names: Vec<_> = accounts
            .iter()
            .filter(|(_, r)| *r == role)
            .map(|(u, _)| u.as_str())
            .collect();
        println!("  {:<15} {}", role.label_fr(), names.join(", "));
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_trunk_hashed_files_count_as_immutable() {
        assert!(is_hashed_asset("/jalon-app-0123456789abcdef_bg.wasm"));
        assert!(is_hashed_asset("/jalon-app-0123456789abcdef.js"));
        assert!(is_hashed_asset("/jalon-0123456789abcdef.css"));
        assert!(!is_hashed_asset("/sw.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/icons/icon-192.png"));
    }
}
