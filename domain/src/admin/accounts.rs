//! Accounts, their devices and the password policy (OWASP ASVS 2.1: at least 12 characters,
//! at most 128, any character allowed, not a known common password, not the login).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::Role;
use crate::code_enum;
use crate::schemes::SchemeCode;
use crate::{FieldError, Invalid};

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest login; longer ones are refused before anything is looked up or stored.
pub const MAX_LOGIN_CHARS: usize = 64;
pub const MAX_DISPLAY_NAME_CHARS: usize = 100;
/// Largest portfolio target of a référent (PLIE practice: 60–70 per full-time référent).
pub const MAX_PORTFOLIO_TARGET: i64 = 200;

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Whether `password` is one attackers try first: in the shipped list (case aside), or one
/// character repeated.
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some_and(|c| chars.all(|d| d == c)) {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| l == lower)
}

/// Checks a new password for the account `login`.
pub fn check_password(password: &str, login: &str) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    let length = password.chars().count();
    let error = |code: &str, message: String| FieldError::new("password", code, message);
    if length < MIN_PASSWORD_CHARS {
        invalid.push(error(
            "too_short",
            format!("Le mot de passe doit compter au moins {MIN_PASSWORD_CHARS} caractères."),
        ));
    } else if length > MAX_PASSWORD_CHARS {
        invalid.push(error(
            "too_long",
            format!("Le mot de passe ne doit pas dépasser {MAX_PASSWORD_CHARS} caractères."),
        ));
    } else if is_common_password(password) {
        invalid.push(error(
            "common",
            "Ce mot de passe fait partie des plus courants : choisissez-en un autre.".into(),
        ));
    } else if !login.is_empty() && password.to_lowercase().contains(&login.to_lowercase()) {
        invalid.push(error(
            "contains_login",
            "Le mot de passe ne doit pas contenir l'identifiant.".into(),
        ));
    }
    invalid.into_result()
}

/// A login of the right shape: 3 to [`MAX_LOGIN_CHARS`] characters among lower-case letters,
/// digits, `.`, `-` and `_`.
pub fn check_login(login: &str) -> Option<FieldError> {
    let length = login.chars().count();
    if !(3..=MAX_LOGIN_CHARS).contains(&length) {
        return Some(FieldError::new(
            "username",
            "invalid_length",
            format!("L'identifiant doit compter de 3 à {MAX_LOGIN_CHARS} caractères."),
        ));
    }
    if !login
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
    {
        return Some(FieldError::new(
            "username",
            "invalid_characters",
            "L'identifiant ne contient que des lettres minuscules sans accent, des chiffres, « . », « - » ou « _ ».",
        ));
    }
    None
}

/// What an administrator types to create or edit an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountForm {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The scheme of a référent.
    #[serde(default)]
    pub scheme: Option<SchemeCode>,
    /// The schemes a supervisor oversees.
    #[serde(default)]
    pub supervised: Vec<SchemeCode>,
    /// How many people a référent is expected to follow.
    #[serde(default)]
    pub portfolio_target: Option<i64>,
}

/// Checks an account form; returns it normalized (login in lower case, names trimmed, no
/// scheme on roles that have none).
pub fn check_account(form: AccountForm) -> Result<AccountForm, Invalid> {
    let mut form = form;
    form.username = form.username.trim().to_lowercase();
    form.display_name = form
        .display_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut invalid = Invalid::default();
    if let Some(error) = check_login(&form.username) {
        invalid.push(error);
    }
    if form.display_name.is_empty() {
        invalid.push(FieldError::new(
            "display_name",
            "required",
            "Le nom affiché est obligatoire.",
        ));
    } else if form.display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
        invalid.push(FieldError::new(
            "display_name",
            "too_long",
            format!("Le nom affiché ne doit pas dépasser {MAX_DISPLAY_NAME_CHARS} caractères."),
        ));
    } else if form.display_name.chars().any(crate::text::is_hidden) {
        invalid.push(FieldError::new(
            "display_name",
            "invalid_characters",
            "Le nom affiché contient des caractères invisibles.",
        ));
    }
    match form.role {
        Role::Referent => {
            form.supervised.clear();
            if form.scheme.is_none() {
                invalid.push(FieldError::new(
                    "scheme",
                    "required",
                    "Un référent travaille dans un dispositif : choisissez-le.",
                ));
            }
        }
        Role::Supervisor => {
            form.scheme = None;
            form.portfolio_target = None;
            form.supervised.sort();
            form.supervised.dedup();
            if form.supervised.is_empty() {
                invalid.push(FieldError::new(
                    "supervised",
                    "required",
                    "Un superviseur supervise au moins un dispositif.",
                ));
            }
        }
        Role::Administrator => {
            form.scheme = None;
            form.supervised.clear();
            form.portfolio_target = None;
        }
    }
    if let Some(target) = form.portfolio_target
        && !(1..=MAX_PORTFOLIO_TARGET).contains(&target)
    {
        invalid.push(FieldError::new(
            "portfolio_target",
            "out_of_range",
            format!("L'objectif de portefeuille va de 1 à {MAX_PORTFOLIO_TARGET} personnes."),
        ));
    }
    invalid.into_result()?;
    Ok(form)
}

code_enum! {
    /// Where a device of an account stands.
    pub enum DeviceState {
        /// Syncs normally.
        Active = ("active", "Actif"),
        /// Its account was deactivated: it may push what it holds, then it is wiped.
        Wipe = ("wipe", "Effacement après envoi"),
        /// Lost or stolen: nothing more is accepted from it; it is wiped at its next contact.
        Revoked = ("revoked", "Révoqué (effacement à la prochaine connexion)"),
        /// It confirmed it holds nothing any more.
        Wiped = ("wiped", "Effacé"),
    }
}

/// A device that signed in to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub id: Uuid,
    /// Unix seconds.
    pub first_seen: i64,
    pub last_seen: i64,
    pub app_version: String,
    /// Changes still waiting on the device, as it last reported.
    pub waiting: i64,
    pub state: DeviceState,
    pub state_changed_at: Option<i64>,
}

/// An account as administrators see it (never a password hash, never a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Account {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scheme: Option<SchemeCode>,
    pub supervised: Vec<SchemeCode>,
    pub portfolio_target: Option<i64>,
    pub active: bool,
    /// Signed in with a temporary password not changed yet.
    pub must_change_password: bool,
    pub created_at: i64,
    pub last_sign_in: Option<i64>,
    /// For a référent: how many people they follow in an active enrolment.
    pub followed: i64,
    pub devices: Vec<Device>,
}

/// Checks that `actor` may deactivate `target`, given the number of active administrators.
/// A référent who still follows people is refused: a supervisor of the scheme hands them over
/// first (administrators see no person, so the refusal gives the number, not the names).
pub fn check_deactivation(target: &Account, active_administrators: usize) -> Result<(), Invalid> {
    let mut invalid = Invalid::default();
    if !target.active {
        invalid.push(FieldError::new(
            "account",
            "already_inactive",
            "Ce compte est déjà désactivé.",
        ));
    } else if target.role == Role::Administrator && active_administrators <= 1 {
        invalid.push(FieldError::new(
            "account",
            "last_administrator",
            "C'est le dernier compte administrateur actif : créez-en un autre avant de le désactiver.",
        ));
    } else if target.role == Role::Referent && target.followed > 0 {
        let scheme = target.scheme.map(|s| s.short_name()).unwrap_or_default();
        invalid.push(FieldError::new(
            "account",
            "still_follows_people",
            format!(
                "Ce référent suit encore {} personne{} : un superviseur du dispositif {scheme} doit d'abord les confier à d'autres référents.",
                target.followed,
                if target.followed > 1 { "s" } else { "" }
            ),
        ));
    }
    invalid.into_result()
}

/// A temporary password from 20 random bytes: 4 groups of 5 characters of an alphabet of 32
/// without look-alikes (no 0/O, 1/l/I), 100 bits. Shown once to the administrator, it must be
/// changed at the first sign-in.
pub fn temporary_password(random: [u8; 20]) -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let chars: Vec<char> = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    chars
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Body of `POST /api/auth/password`: a user changes their own password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Answer to the creation of an account or the reset of its password: the temporary password,
/// shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemporaryPassword {
    pub account: Account,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(result: Result<(), Invalid>) -> Vec<String> {
        result
            .err()
            .map(|i| i.errors.into_iter().map(|e| e.code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn passwords_are_long_uncommon_and_free_of_the_login() {
        assert!(check_password("une phrase de passe", "plie1").is_ok());
        assert_eq!(codes(check_password("court", "plie1")), ["too_short"]);
        assert_eq!(codes(check_password(&"x".repeat(129), "a")), ["too_long"]);
        assert_eq!(codes(check_password("AzertyUiop12", "plie1")), ["common"]);
        assert_eq!(codes(check_password("zzzzzzzzzzzzzz", "plie1")), ["common"]);
        assert_eq!(
            codes(check_password("plie1-est-mon-nom", "plie1")),
            ["contains_login"]
        );
        // Any character counts, spaces and accents included.
        assert!(check_password("éléphant rosé", "plie1").is_ok());
    }

    #[test]
    fn logins_are_short_plain_and_lower_case() {
        assert!(check_login("plie.11").is_none());
        assert_eq!(check_login("ab").unwrap().code, "invalid_length");
        assert_eq!(check_login(&"a".repeat(65)).unwrap().code, "invalid_length");
        assert_eq!(check_login("Émile").unwrap().code, "invalid_characters");
        assert_eq!(check_login("a b c").unwrap().code, "invalid_characters");
    }

    fn form(role: Role) -> AccountForm {
        AccountForm {
            username: "  Plie11 ".into(),
            display_name: " Inès   Marchand ".into(),
            role,
            scheme: Some(SchemeCode::Plie),
            supervised: vec![SchemeCode::Plie, SchemeCode::Arpe, SchemeCode::Plie],
            portfolio_target: Some(65),
        }
    }

    #[test]
    fn an_account_form_is_normalized_by_role() {
        let referent = check_account(form(Role::Referent)).unwrap();
        assert_eq!(referent.username, "plie11");
        assert_eq!(referent.display_name, "Inès Marchand");
        assert!(referent.supervised.is_empty());
        let supervisor = check_account(form(Role::Supervisor)).unwrap();
        assert_eq!(supervisor.scheme, None);
        assert_eq!(
            supervisor.supervised,
            vec![SchemeCode::Arpe, SchemeCode::Plie]
        );
        let admin = check_account(form(Role::Administrator)).unwrap();
        assert_eq!((admin.scheme, admin.portfolio_target), (None, None));

        let mut bad = form(Role::Referent);
        bad.scheme = None;
        bad.portfolio_target = Some(0);
        bad.display_name = String::new();
        let fields: Vec<String> = check_account(bad)
            .unwrap_err()
            .errors
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["display_name", "scheme", "portfolio_target"]);
        let mut lonely = form(Role::Supervisor);
        lonely.supervised.clear();
        assert!(check_account(lonely).is_err());
    }

    fn account(role: Role, followed: i64) -> Account {
        Account {
            id: Uuid::from_u128(1),
            username: "x".into(),
            display_name: "X".into(),
            role,
            scheme: Some(SchemeCode::Plie),
            supervised: vec![],
            portfolio_target: None,
            active: true,
            must_change_password: false,
            created_at: 0,
            last_sign_in: None,
            followed,
            devices: vec![],
        }
    }

    #[test]
    fn the_last_administrator_and_a_referent_with_people_stay() {
        assert!(check_deactivation(&account(Role::Referent, 0), 1).is_ok());
        let refused = check_deactivation(&account(Role::Referent, 57), 1).unwrap_err();
        assert_eq!(refused.errors[0].code, "still_follows_people");
        assert!(refused.errors[0].message.contains("57 personnes"));
        assert!(refused.errors[0].message.contains("PLIE"));
        assert_eq!(
            codes(check_deactivation(&account(Role::Administrator, 0), 1)),
            ["last_administrator"]
        );
        assert!(check_deactivation(&account(Role::Administrator, 0), 2).is_ok());
        let mut gone = account(Role::Supervisor, 0);
        gone.active = false;
        assert_eq!(codes(check_deactivation(&gone, 2)), ["already_inactive"]);
    }

    #[test]
    fn temporary_passwords_pass_the_policy_and_avoid_look_alikes() {
        let password = temporary_password([7; 20]);
        assert_eq!(password.len(), 23);
        assert!(
            check_password(
                &temporary_password(core::array::from_fn(|i| i as u8 * 13)),
                "plie1"
            )
            .is_ok()
        );
        assert!(!password.contains(['0', 'o', '1', 'l']));
    }
}
