//! Audit events: who read or changed which file, from which device and when; sign-ins,
//! exports and administrative actions. No personal data beyond ids.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

/// Most consultations a device uploads at once.
pub const MAX_CONSULTATIONS: usize = 500;

/// One event of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    /// Unix seconds: when it happened (on the device, for consultations made offline).
    pub at: i64,
    pub user_id: Option<Uuid>,
    /// The user's display name, joined by the server for reading.
    #[serde(default)]
    pub user_name: String,
    pub device_id: Option<Uuid>,
    pub action: String,
    pub person_id: Option<Uuid>,
    /// Ids and codes only (the login of a failed sign-in, the id of an account…).
    #[serde(default)]
    pub detail: String,
}

/// What the administrator searches the log for (`GET /api/admin/audit`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditQuery {
    #[serde(default)]
    pub person: Option<Uuid>,
    #[serde(default)]
    pub user: Option<Uuid>,
    #[serde(default)]
    pub from: Option<Date>,
    #[serde(default)]
    pub to: Option<Date>,
    #[serde(default)]
    pub action: Option<String>,
}

/// A person's file opened on a device, possibly offline: recorded there and uploaded with the
/// next sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consultation {
    pub person_id: Uuid,
    /// Unix seconds on the device's clock.
    pub at: i64,
}

/// A table exported on a device (possibly offline): what, and when. Uploaded with the
/// consultations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExportRecord {
    /// What was exported, in words (`Pilotage — Synthèse de la période, …`); at most
    /// [`EXPORT_DESCRIPTION_CHARS`] characters are kept.
    pub what: String,
    /// Unix seconds on the device's clock.
    pub at: i64,
}

/// The longest description of an export kept in the audit log.
pub const EXPORT_DESCRIPTION_CHARS: usize = 200;

/// Body of `POST /api/sync/consultations`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Consultations {
    pub consultations: Vec<Consultation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<ExportRecord>,
}

/// The description of an export as the audit log keeps it: printable characters only, cut
/// at [`EXPORT_DESCRIPTION_CHARS`].
pub fn export_description(what: &str) -> String {
    what.chars()
        .filter(|&c| !crate::text::is_hidden(c))
        .take(EXPORT_DESCRIPTION_CHARS)
        .collect()
}

/// How an action is shown to the administrator.
pub fn action_label_fr(action: &str) -> &'static str {
    match action {
        "person.view" => "Consultation d'une fiche",
        "export.csv" => "Export CSV",
        "export.xlsx" => "Export XLSX",
        "person.create" => "Création d'une fiche",
        "person.edit" => "Modification d'une fiche",
        "person.delete" => "Suppression d'une fiche",
        "person.purge" => "Purge (durée de conservation)",
        "person.access_report" => "Copie du dossier (droit d'accès)",
        "person.import" => "Import d'une fiche",
        "person.lookup" => "Recherche d'un dossier (droit d'accès)",
        "note.add" => "Note du journal",
        "conflict.resolve" => "Résolution d'un conflit",
        "enrolment.create" => "Nouvel accompagnement",
        "enrolment.close" => "Sortie d'un accompagnement",
        "enrolment.change_referent" => "Changement de référent",
        "enrolment.orientation" => "Décision d'orientation",
        "enrolment.six_months" => "Situation à 6 mois (FSE)",
        "appointment.save" => "Rendez-vous",
        "step.save" => "Étape du parcours",
        "contract.save" => "Contrat d'engagement",
        "obstacle.save" => "Frein",
        "duplicate.save" => "Doublon possible",
        "order.save" => "Bon de commande",
        "agreement.create" => "Création d'un accord-cadre",
        "agreement.renew" => "Reconduction d'un accord-cadre",
        "fund.envelope" => "Enveloppe d'un fonds agricole",
        "farm.create" => "Nouvelle exploitation agricole",
        "fund.grant" => "Aide d'un fonds agricole",
        "referral.save" => "Orientation vers un partenaire financier",
        "partner.agreement" => "Convention d'un partenaire financier",
        "cofinancing.plan" => "Plan de financement d'un dispositif",
        "auth.login" => "Connexion",
        "auth.login_failed" => "Connexion refusée",
        "auth.password_changed" => "Changement de mot de passe",
        "auth.logout" => "Déconnexion",
        "auth.logout_everywhere" => "Déconnexion des autres appareils",
        "auth.burst" => "Rafale de connexions refusées (même adresse)",
        "account.create" => "Création d'un compte",
        "account.edit" => "Modification d'un compte",
        "account.deactivate" => "Désactivation d'un compte",
        "account.reactivate" => "Réactivation d'un compte",
        "account.password_reset" => "Mot de passe provisoire",
        "device.revoke" => "Révocation d'un appareil",
        "device.wiped" => "Appareil effacé",
        "scheme.edit" => "Modification d'un dispositif",
        "retention.purge" => "Purge des dossiers anciens",
        "import.run" => "Import d'un fichier",
        "audit.export" => "Export du journal d'audit",
        "export" => "Export",
        _ => "Autre action",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_the_server_records_has_a_french_label() {
        for action in [
            "person.view",
            "auth.login_failed",
            "account.deactivate",
            "device.revoke",
            "order.save",
            "agreement.create",
            "agreement.renew",
            "fund.envelope",
            "farm.create",
            "fund.grant",
            "referral.save",
            "partner.agreement",
            "cofinancing.plan",
        ] {
            assert_ne!(action_label_fr(action), "Autre action", "{action}");
        }
        assert_eq!(action_label_fr("something.else"), "Autre action");
    }

    #[test]
    fn a_query_reads_from_an_empty_object() {
        let query: AuditQuery = serde_json::from_str("{}").unwrap();
        assert_eq!(query, AuditQuery::default());
    }
}
