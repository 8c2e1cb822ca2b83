//! Accounts, roles and what each role may see and do.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schemes::SchemeCode;

/// The three roles of Jalon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Follows a caseload of people in one scheme, mostly on a tablet.
    Referent,
    /// Oversees one or more schemes from a desktop browser.
    Supervisor,
    /// Manages accounts; sees no caseload.
    Administrator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Referent => "referent",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Referent, Role::Supervisor, Role::Administrator]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Referent => "Référent",
            Role::Supervisor => "Superviseur",
            Role::Administrator => "Administrateur",
        }
    }
}

/// The signed-in user, as the server describes it to the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The scheme a référent works in.
    pub scheme: Option<SchemeCode>,
    /// The schemes a supervisor oversees.
    pub supervised_schemes: Vec<SchemeCode>,
}

/// Which people a user's device holds: the partial replica it receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The people with an active enrolment followed by this référent.
    Referent(Uuid),
    /// The people with an enrolment in one of these schemes.
    Schemes(Vec<SchemeCode>),
    /// No people at all.
    Nothing,
}

impl SessionUser {
    /// Whether this user supervises `scheme`.
    pub fn supervises(&self, scheme: SchemeCode) -> bool {
        self.role == Role::Supervisor && self.supervised_schemes.contains(&scheme)
    }

    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Referent => Scope::Referent(self.id),
            Role::Supervisor => Scope::Schemes(self.supervised_schemes.clone()),
            Role::Administrator => Scope::Nothing,
        }
    }

    /// Only référents enrol people, and only in their own scheme.
    pub fn may_enrol_in(&self, scheme: SchemeCode) -> bool {
        self.role == Role::Referent && self.scheme == Some(scheme)
    }
}

/// Body of `POST /api/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The id the device chose for itself; a session is bound to one device.
    pub device_id: Uuid,
}

/// Answer to a successful sign-in.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    /// Opaque bearer token for the `Authorization` header.
    pub token: String,
    pub user: SessionUser,
    /// The account signed in with a temporary password: until it chooses its own, the
    /// session serves only `POST /api/auth/password`.
    #[serde(default)]
    pub must_change_password: bool,
    /// This device's escrow key (32 bytes, URL-safe base64), kept by the server for this
    /// device of this account until it is revoked or wiped: the app wraps its replica's key
    /// with it as well as with the password, so that a sign-in after a password change made
    /// elsewhere still opens what the device holds.
    #[serde(default)]
    pub device_key: String,
}

/// A member of staff as other devices see them (to show who follows whom).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: Uuid,
    pub display_name: String,
    pub role: Role,
    pub scheme: Option<SchemeCode>,
    /// A deactivated account keeps its name on the history, but receives nobody.
    #[serde(default = "active_by_default")]
    pub active: bool,
}

fn active_by_default() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role) -> SessionUser {
        SessionUser {
            id: Uuid::from_u128(7),
            username: "u".into(),
            display_name: "U".into(),
            role,
            scheme: (role == Role::Referent).then_some(SchemeCode::Plie),
            supervised_schemes: if role == Role::Supervisor {
                vec![SchemeCode::Arpe, SchemeCode::Plie]
            } else {
                vec![]
            },
        }
    }

    #[test]
    fn each_role_receives_its_own_scope() {
        assert_eq!(
            user(Role::Referent).scope(),
            Scope::Referent(Uuid::from_u128(7))
        );
        assert_eq!(
            user(Role::Supervisor).scope(),
            Scope::Schemes(vec![SchemeCode::Arpe, SchemeCode::Plie])
        );
        assert_eq!(user(Role::Administrator).scope(), Scope::Nothing);
    }

    #[test]
    fn only_a_referent_enrols_and_only_in_their_scheme() {
        assert!(user(Role::Referent).may_enrol_in(SchemeCode::Plie));
        assert!(!user(Role::Referent).may_enrol_in(SchemeCode::Arpe));
        assert!(!user(Role::Supervisor).may_enrol_in(SchemeCode::Plie));
        assert!(!user(Role::Administrator).may_enrol_in(SchemeCode::Plie));
    }

    #[test]
    fn roles_round_trip_through_their_string_form() {
        for role in [Role::Referent, Role::Supervisor, Role::Administrator] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
