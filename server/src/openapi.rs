//! The description of the API (OpenAPI 3.1), served at `/api/openapi.json`.
//!
//! Every operation is declared beside its handler (`#[utoipa::path]`); the types are the
//! domain's, so the description cannot drift from what the server deserialises and answers.
//! The error answers every operation shares are added here, once. Schemathesis checks the
//! server against this description in the test command (`scripts/api-fuzz.sh`).

use axum::Json;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::{access, admin, cofinancing, fse, money, routes, supervision};

/// Every error answer: a machine-readable code and a French message (with the faulty fields of
/// a validation error).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable code, e.g. `validation_failed`, `session_expired`, `busy`.
    pub code: String,
    /// For users, in French.
    pub message: String,
    /// The fields at fault, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<jalon_domain::FieldError>,
}

/// The body of `GET /api/health`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`: the database answered.
    pub status: String,
}

/// A file download (spreadsheet): bytes.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Jalon",
        description = "The sync API of Jalon: sign-in, the caseload's push and pull, supervision \
                       and administration. Every answer other than 2xx carries an `ErrorBody`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        routes::health,
        routes::login,
        routes::logout,
        routes::logout_everywhere,
        routes::me,
        routes::change_password,
        routes::reference,
        routes::push,
        routes::pull,
        routes::consultations,
        routes::device_wiped,
        access::report,
        supervision::show,
        supervision::xlsx,
        supervision::people_xlsx,
        fse::xlsx,
        money::list,
        money::create,
        money::renew,
        money::change_stage,
        money::funds,
        money::set_envelope,
        money::create_farm,
        money::create_grant,
        money::partners,
        money::set_partner_agreement,
        cofinancing::show,
        cofinancing::set_plan,
        cofinancing::xlsx,
        admin::accounts::list,
        admin::accounts::create,
        admin::accounts::update,
        admin::accounts::reset_password,
        admin::accounts::deactivate,
        admin::accounts::reactivate,
        admin::accounts::revoke_device,
        admin::schemes::list,
        admin::schemes::change,
        admin::audit::search,
        admin::audit::export,
        access::lookup,
        admin::import::import,
        admin::retention::list,
        admin::retention::purge,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SharedAnswers),
    security(("bearer" = [])),
    tags(
        (name = "auth", description = "Sign-in, sessions and passwords"),
        (name = "sync", description = "The caseload replicated on devices"),
        (name = "supervision", description = "Figures of the schemes"),
        (name = "money", description = "Framework agreements, purchase orders and farm funds"),
        (name = "admin", description = "Accounts, schemes, audit, import, retention"),
    ),
)]
pub struct ApiDoc;

/// The description as served.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// `GET /api/openapi.json`: public (it holds no data), like `/api/health`.
pub async fn serve() -> impl IntoResponse {
    Json(document())
}

/// Adds the bearer scheme and the error answers shared by operations: every operation may time
/// out (408) or find the database busy (503, with `Retry-After`); one that reads a body or a
/// query may refuse it (400, 413, 422); one that needs a session may not find it (401) or not
/// allow it (403).
struct SharedAnswers;

impl Modify for SharedAnswers {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for item in openapi.paths.paths.values_mut() {
            for operation in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                add_shared(operation);
            }
        }
    }
}

fn add_shared(operation: &mut Operation) {
    let reads_input = operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
    // `security(())` (an empty requirement) marks the public operations.
    let public = operation
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| r == &Default::default()));
    let mut shared = vec![
        (
            "408",
            "The request did not arrive in time (`request_timeout`)",
        ),
        (
            "503",
            "The database is busy (`busy`): retry after `Retry-After` seconds; nothing was changed",
        ),
    ];
    if reads_input {
        shared.extend([
            (
                "400",
                "The request cannot be read (`invalid_body`, `invalid_query`…)",
            ),
            (
                "413",
                "The body is larger than the operation accepts (`body_too_large`)",
            ),
            (
                "422",
                "A rule refuses the data (`validation_failed`, with the fields)",
            ),
        ]);
    }
    if !public {
        shared.extend([
            (
                "401",
                "No session, or it expired (`unauthenticated`, `session_expired`)",
            ),
            (
                "403",
                "The role or the device may not (`forbidden`, `password_change_required`, \
                 `device_wipe`, `device_revoked`)",
            ),
        ]);
    }
    for (status, description) in shared {
        if !operation.responses.responses.contains_key(status) {
            operation
                .responses
                .responses
                .insert(status.to_owned(), error(description).into());
        }
    }
}

/// An error answer: an [`ErrorBody`].
pub fn error(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

#[cfg(test)]
mod tests {
    use jalon_domain::sync::{MAX_PULL_PAGE, MAX_PUSH_BATCH, PROTOCOL_VERSION, SCHEMA_VERSION};
    use serde_json::{Value, json};

    use super::document;

    fn described() -> Value {
        serde_json::to_value(document()).unwrap()
    }

    fn param(doc: &Value, path: &str, name: &str) -> Value {
        doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{path} has no parameter {name}"))["schema"]
            .clone()
    }

    #[test]
    fn the_bounds_written_in_the_description_are_the_domain_s() {
        let doc = described();
        let protocol = param(&doc, "/api/sync/pull", "protocol");
        assert_eq!(protocol["minimum"], json!(PROTOCOL_VERSION));
        assert_eq!(protocol["maximum"], json!(PROTOCOL_VERSION));
        assert_eq!(
            param(&doc, "/api/sync/pull", "schema")["maximum"],
            json!(SCHEMA_VERSION)
        );
        assert_eq!(
            param(&doc, "/api/sync/pull", "limit")["maximum"],
            json!(MAX_PULL_PAGE)
        );
        let push = &doc["components"]["schemas"]["PushRequest"]["properties"];
        assert_eq!(push["protocol"]["maximum"], json!(PROTOCOL_VERSION));
        assert_eq!(push["schema"]["maximum"], json!(SCHEMA_VERSION));
        assert_eq!(push["mutations"]["maxItems"], json!(MAX_PUSH_BATCH));
    }

    #[test]
    fn every_operation_but_sign_in_and_health_needs_the_bearer_and_answers_errors_in_one_shape() {
        let doc = described();
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let mut public = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let responses = operation["responses"].as_object().unwrap();
                for status in ["408", "503"] {
                    assert!(responses.contains_key(status), "{method} {path}: {status}");
                }
                for (status, response) in responses {
                    if !status.starts_with('2') {
                        assert_eq!(
                            response["content"]["application/json"]["schema"]["$ref"],
                            "#/components/schemas/ErrorBody",
                            "{method} {path} {status}"
                        );
                    }
                }
                if operation["security"] == json!([{}]) {
                    public.push(format!("{method} {path}"));
                } else {
                    assert!(responses.contains_key("401"), "{method} {path}");
                }
            }
        }
        public.sort();
        assert_eq!(
            public,
            ["get /api/health", "post /api/auth/login"],
            "only these are open without a session"
        );
    }
}
