//! French texts of the interface.

pub const APP_NAME: &str = "Jalon";
pub const LOADING: &str = "Chargement…";
pub const STORAGE_ERROR: &str =
    "Le stockage local du navigateur est indisponible : Jalon ne peut pas fonctionner hors ligne.";

// Sign-in
pub const SIGN_IN_TITLE: &str = "Connexion";
pub const USERNAME: &str = "Identifiant";
pub const PASSWORD: &str = "Mot de passe";
pub const SIGN_IN: &str = "Se connecter";
pub const SIGNING_IN: &str = "Connexion…";
pub const SIGN_OUT: &str = "Se déconnecter";
pub const SIGN_OUT_TITLE: &str = "Quitter cet appareil";
pub const SIGN_OUT_HELP: &str = "« Se déconnecter » envoie ce qui attend, puis efface la file active de cet appareil : il faudra le réseau pour se reconnecter. Pour une pause, « Verrouiller » suffit.";
pub const FIRST_SIGN_IN_ONLINE: &str = "Connexion impossible : le serveur est injoignable. La première connexion sur un appareil doit se faire en ligne.";
pub const OTHER_USER_PENDING: &str = "Des modifications d'un autre utilisateur attendent encore d'être synchronisées sur cet appareil : il doit se reconnecter en ligne avant tout changement d'utilisateur.";
pub const SIGN_OUT_PENDING: &str = "Des modifications ne sont pas encore synchronisées. Elles restent chiffrées sur cet appareil et partiront à votre prochaine connexion. Se déconnecter quand même ?";

/// What the sign-in page says after a sign-out.
pub fn signed_out(waiting: u32) -> String {
    let kept = match waiting {
        0 => String::new(),
        1 => " 1 modification non synchronisée reste chiffrée sur l'appareil : elle partira à votre prochaine connexion.".to_owned(),
        n => format!(" {n} modifications non synchronisées restent chiffrées sur l'appareil : elles partiront à votre prochaine connexion."),
    };
    format!(
        "Vous êtes déconnecté : les données de votre file active ont été effacées de cet appareil.{kept}"
    )
}

// Storage on the device
pub const STORAGE_TITLE: &str = "Stockage sur cet appareil";
pub const STORAGE_PERSISTED: &str = "Stockage persistant accordé : le navigateur ne supprimera pas les données hors ligne de Jalon pour faire de la place.";
pub const STORAGE_NOT_PERSISTED: &str = "Stockage persistant refusé par le navigateur : s'il manque de place, il peut effacer les données hors ligne. Synchronisez souvent ; installer l'application aide le navigateur à l'accorder.";
/// `12,3 Mo utilisés sur 2 048,0 Mo (1 %)`.
pub fn storage_usage(usage: f64, quota: f64) -> String {
    let mb = |bytes: f64| {
        let tenths = (bytes / 104_857.6).round() as u64;
        format!("{},{}", number((tenths / 10) as usize), tenths % 10)
    };
    let share = if quota > 0.0 {
        (usage / quota * 100.0).round()
    } else {
        0.0
    };
    format!(
        "{} Mo utilisés sur {} Mo ({share}\u{a0}%)",
        mb(usage),
        mb(quota)
    )
}
pub fn storage_almost_full(share: f64) -> String {
    format!(
        "Stockage de l'appareil presque plein ({}\u{a0}%) : synchronisez, puis libérez de l'espace pour que rien ne soit perdu.",
        (share * 100.0).round()
    )
}

// Installing the app
pub const INSTALL_TITLE: &str = "Installer Jalon";
pub const INSTALL: &str = "Installer l'application";
pub const INSTALL_HELP: &str = "Installée, l'application s'ouvre depuis l'écran d'accueil dans sa propre fenêtre, même sans réseau, et le navigateur conserve plus volontiers ses données.";
pub const INSTALLED: &str = "Jalon est installé sur cet appareil.";
pub const INSTALL_GUIDE_IPAD: &str = "Sur iPad (Safari) : touchez le bouton Partager (le carré avec une flèche vers le haut), puis « Sur l'écran d'accueil », puis « Ajouter ».";
pub const INSTALL_GUIDE_OTHERS: &str = "Sur Chrome ou Edge : ouvrez le menu du navigateur, puis « Installer Jalon » (ou « Ajouter à l'écran d'accueil » sur une tablette Android).";

// Unlock
pub const UNLOCK_TITLE: &str = "Jalon est verrouillé";
pub fn unlock_intro(login: &str) -> String {
    format!(
        "Les données de cet appareil sont chiffrées. Saisissez le mot de passe de «\u{a0}{login}\u{a0}» pour les ouvrir, même hors ligne."
    )
}
pub const UNLOCK: &str = "Déverrouiller";
pub const UNLOCKING: &str = "Déverrouillage…";
pub const LOCK: &str = "Verrouiller";
pub const SWITCH_USER: &str = "Changer d'utilisateur";
pub const UNLOCK_WRONG_PASSWORD_OFFLINE: &str = "Mot de passe incorrect. Si vous l'avez changé sur un autre appareil, saisissez l'ancien ou reconnectez-vous en ligne.";
pub const UNLOCK_EMPTY: &str = "Saisissez votre mot de passe.";
pub const SIGNING_OUT: &str = "Déconnexion…";

// Sync status
pub const ONLINE: &str = "En ligne";
pub const OFFLINE: &str = "Hors ligne";
/// The sync button: its visible text, then what completes its name for screen readers
/// (« Synchroniser maintenant », « En cours… de synchronisation »).
pub const SYNC: &str = "Synchroniser";
pub const SYNC_MORE: &str = " maintenant";
pub const SYNC_RUNNING: &str = "En cours…";
pub const SYNC_RUNNING_MORE: &str = " de synchronisation";
pub const NOTHING_PENDING: &str = "Tout est synchronisé";
pub const LAST_SYNC: &str = "Dernière synchronisation";
pub const NEVER_SYNCED: &str = "Jamais synchronisé";
pub const SERVER_UNREACHABLE: &str = "Serveur injoignable : les modifications restent sur l'appareil et partiront au retour du réseau.";
pub const SERVER_ERROR: &str = "Erreur du serveur. Réessayez plus tard.";
pub const SESSION_EXPIRED: &str = "Session expirée : reconnectez-vous pour synchroniser. Vos modifications en attente sont conservées.";

/// The state of the outbox: changes waiting for the server, or else changes the server has
/// that the next pull will confirm, or else nothing.
pub fn pending(waiting: u32, unconfirmed: u32) -> String {
    match (waiting, unconfirmed) {
        (0, 0) => NOTHING_PENDING.to_owned(),
        (0, _) => SENT_UNCONFIRMED.to_owned(),
        (1, _) => "1 modification en attente".to_owned(),
        (n, _) => format!("{n} modifications en attente"),
    }
}

// Caseload
pub const MY_CASELOAD: &str = "Mon portefeuille";
pub const ACTIVE_CASELOAD: &str = "File active";
pub const NO_CASELOAD: &str =
    "Le rôle administrateur ne donne accès à aucun dossier de personne accompagnée.";
pub const SEARCH: &str = "Rechercher";
pub const SEARCH_HINT: &str = "Nom, prénom ou commune";
pub const NEW_PERSON: &str = "Nouvelle personne";
pub const NOT_SYNCED: &str = "Non synchronisé";
pub const REJECTED: &str = "Refusé par le serveur";
pub const RSA: &str = "RSA";
pub const EMPTY_CASELOAD: &str = "Aucune personne ne correspond.";

/// `1 250`: digits grouped by three with a narrow no-break space, as French writes numbers.
pub fn number(n: usize) -> String {
    jalon_domain::text::group_digits(&n.to_string())
}

pub fn people_count(count: usize) -> String {
    match count {
        0 | 1 => format!("{count} personne"),
        n => format!("{} personnes", number(n)),
    }
}

pub const FIRST_SYNC: &str = "Préparation de cet appareil";
pub const FIRST_SYNC_HELP: &str = "Les dossiers arrivent sur cet appareil pour être consultés et modifiés même hors connexion. La liste s'affiche dès qu'ils sont tous là.";

pub const FIRST_SYNC_STARTING: &str = "Demande des dossiers au serveur…";
/// "3 000 / 21 000 éléments"
pub fn first_sync_progress(stored: usize, total: usize) -> String {
    format!("{} / {} éléments", number(stored), number(total))
}

pub fn more_results(hidden: usize) -> String {
    format!("… et {} autres : précisez la recherche.", number(hidden))
}

// Person form
pub const NEW_PERSON_TITLE: &str = "Nouvelle personne";
pub const LAST_NAME: &str = "Nom";
pub const FIRST_NAME: &str = "Prénom";
pub const BIRTH_DATE: &str = "Date de naissance";
pub const COMMUNE: &str = "Commune";
pub const CHOOSE_COMMUNE: &str = "— Choisir une commune —";
pub const RSA_BENEFICIARY: &str = "Bénéficiaire du RSA";
pub const START_DATE: &str = "Date d'entrée dans le dispositif";
pub const SAVE: &str = "Enregistrer";
pub const CANCEL: &str = "Annuler";
pub const NEW_VERSION: &str = "Nouvelle version disponible";
pub const UPDATE_NOW: &str = "Mettre à jour";
pub const UPDATE_KEEPS_CHANGES: &str =
    "Ce qui attend d'être envoyé reste sur l'appareil et part avec la nouvelle version.";
pub const REPLACED_BY_NEW_VERSION: &str = "Jalon a été mis à jour dans un autre onglet";
pub const REPLACED_DETAIL: &str = "Cet onglet ne peut plus rien enregistrer : rechargez-le pour continuer. Ce qui est déjà enregistré sur l'appareil est conservé.";
pub const RELOAD: &str = "Recharger";
pub const UPGRADE_BLOCKED: &str = "Mise à jour de Jalon en attente : fermez les autres onglets ou fenêtres de Jalon ouverts sur cet appareil. Les modifications en attente sont conservées.";
pub const INVALID_DATE: &str = "Saisissez une date valide, sous la forme jj/mm/aaaa.";
/// The format of a date field, beside its label and as its placeholder.
pub const DATE_FORMAT: &str = "jj/mm/aaaa";
/// The format of a time field (24 hours).
pub const TIME_FORMAT: &str = "hh:mm";
pub const FORM_HAS_ERRORS: &str = "La fiche n'est pas enregistrée : corrigez les champs signalés.";
pub const ONLY_REFERENTS_CREATE: &str =
    "Seuls les référents inscrivent de nouvelles personnes dans leur portefeuille.";
pub const SAVE_FAILED: &str = "Enregistrement impossible sur cet appareil";
pub const READ_FAILED: &str = "Lecture impossible sur cet appareil";
/// A sync stopped by the device's storage (a read or a write).
pub const SYNC_STORAGE_FAILED: &str = "Synchronisation interrompue par le stockage de l'appareil";

// Person file
pub const PERSON_NOT_FOUND: &str = "Cette personne n'est pas (ou plus) sur cet appareil.";
pub const BACK_TO_LIST: &str = "Retour à la liste";
pub const IDENTITY: &str = "Identité";
pub const ENROLMENTS: &str = "Accompagnements";
pub const SAVE_CHANGES: &str = "Enregistrer les modifications";
pub const NO_CHANGES: &str = "Aucune modification à enregistrer.";
pub const CHANGES_SAVED: &str =
    "Modifications enregistrées sur l'appareil : elles partiront à la prochaine synchronisation.";
pub const CONFLICTS: &str = "Conflits à résoudre";
pub const CONFLICT: &str = "Conflit";
pub const CURRENT_VALUE: &str = "Valeur retenue pour l'instant";
pub const KEEP: &str = "Garder";
pub const CONFLICT_CHOICE_SAVED: &str =
    "Choix enregistré : il sera appliqué à la prochaine synchronisation.";
pub const SINCE: &str = "depuis le";
pub const ACTIVE: &str = "en cours";
pub const CLOSED: &str = "clôturé";

pub fn conflict_on(field: &str) -> String {
    format!("Conflit sur « {field} » : deux appareils l'ont modifié en même temps.")
}

pub fn entered_by(value: &str, author: &str, when: &str) -> String {
    format!("« {value} », saisi par {author} le {when}")
}

pub fn keep(value: &str) -> String {
    format!("{KEEP} « {value} »")
}
pub const NEW_REFERENT: &str = "Nouveau référent";
pub const CHANGE_REFERENT: &str = "Changer de référent";
pub const EFFECTIVE_DATE: &str = "Date d'effet";
pub const RECORD_ORIENTATION: &str = "Décision d'orientation";
pub const ORIENTATION_DATE: &str = "Date de la décision";
pub const ORIENTATION_KIND: &str = "Orientation";
pub const DECIDED_BY: &str = "Décidée par";
pub const CHOOSE_ORIENTATION: &str = "Choisissez l'orientation décidée.";
pub const SAVE_ORIENTATION: &str = "Enregistrer l'orientation";
pub const ORIENTATION_SAVED: &str =
    "Orientation enregistrée : elle sera appliquée à la prochaine synchronisation.";

/// "Orientation socio-professionnelle décidée le 12/03/2026 par Équipe pluridisciplinaire".
pub fn orientation(kind: &str, date: &str, decided_by: &str) -> String {
    format!(
        "Orientation {} décidée le {date} par {decided_by}",
        kind.to_lowercase()
    )
}
pub const REFERENTS_HISTORY: &str = "Référents successifs";
pub const SIX_MONTHS: &str = "Situation à 6 mois (FSE)";
pub const SIX_MONTHS_DATE: &str = "Date du recueil";
pub const SIX_MONTHS_SITUATION: &str = "Situation de la personne";
pub const SIX_MONTHS_BETTER: &str = "Situation sur le marché du travail meilleure qu'à l'entrée ?";
pub const CHOOSE_SIX_MONTHS: &str = "Choisissez la situation de la personne.";
pub const SAVE_SIX_MONTHS: &str = "Enregistrer la situation à 6 mois";
pub const SIX_MONTHS_SAVED: &str =
    "Situation à 6 mois enregistrée : elle part au serveur à la prochaine synchronisation.";
pub const YES: &str = "Oui";
pub const NO: &str = "Non";

/// "Situation à 6 mois (FSE), recueillie le 05/10/2026 : En emploi… — meilleure qu'à l'entrée".
pub fn six_months_line(date: &str, situation: &str, better: Option<bool>) -> String {
    let better = match better {
        Some(true) => " — situation meilleure qu'à l'entrée",
        Some(false) => " — situation pas meilleure qu'à l'entrée",
        None => "",
    };
    format!("Situation à 6 mois (FSE), recueillie le {date} : {situation}{better}")
}

pub const FSE_FILE: &str = "Fichier des participants FSE";
pub const FSE_FOR_SUPERVISORS: &str =
    "Le fichier des participants FSE est réservé aux superviseurs des dispositifs.";
pub const FSE_HELP: &str = "Une ligne par participation au dispositif active au moins un jour de la période : indicateurs à l'entrée, à la sortie et six mois après. Complétez les fiches listées ci-dessous avant d'exporter : une participation incomplète est exportée avec ses manques indiqués, jamais omise.";
pub const FROM_DATE: &str = "Du";
pub const TO_DATE: &str = "Au";
pub const FSE_ANOMALIES: &str = "Données manquantes";
pub const FSE_NO_ANOMALY: &str = "Aucune donnée obligatoire ne manque.";
pub const PURGED_FILE: &str = "(dossier purgé)";
pub const MISSING: &str = "manque :";
pub const EXPORT_FSE_CSV: &str = "Exporter le fichier FSE (CSV)";
pub const EXPORT_FSE_XLSX: &str = "Exporter le fichier FSE (XLSX)";

/// "412 participations, dont 37 incomplètes".
pub fn fse_count(count: usize, incomplete: usize) -> String {
    let participations = if count > 1 {
        "participations"
    } else {
        "participation"
    };
    let incomplete_word = if incomplete > 1 {
        "incomplètes"
    } else {
        "incomplète"
    };
    format!(
        "{} {participations}, dont {} {incomplete_word}",
        number(count),
        number(incomplete)
    )
}

/// "entré(e) le 06/01/2025".
pub fn entered_on(date: &str) -> String {
    format!("entré(e) le {date}")
}

/// What the audit log records of a CSV export of the FSE file.
pub fn fse_export_what(
    scheme: &str,
    from: &str,
    to: &str,
    count: usize,
    incomplete: usize,
) -> String {
    format!(
        "Fichier des participants FSE (CSV), {scheme}, du {from} au {to} : {count} participation(s), {incomplete} incomplète(s)"
    )
}

pub const SIX_MONTHS_TO_COLLECT: &str = "Situations à 6 mois à recueillir (FSE)";
pub const SIX_MONTHS_HINT: &str =
    "Six mois après sa sortie, demandez à la personne sa situation et enregistrez-la sur sa fiche.";

/// "sorti(e) le 31/05/2026".
pub fn left_on(date: &str) -> String {
    format!("sorti(e) le {date}")
}

/// "à recueillir depuis le 30/11/2026".
pub fn to_collect_since(date: &str) -> String {
    format!("à recueillir depuis le {date}")
}

/// "Situation à 6 mois à recueillir depuis le 30/11/2026".
pub fn six_months_due(date: &str) -> String {
    format!("Situation à 6 mois à recueillir depuis le {date}")
}

/// One référent of an enrolment: "Emma Aubert : du 01/02/2025 au 11/03/2025", or "depuis le"
/// for the current one.
pub fn referent_period(name: &str, from: &str, until: Option<&str>) -> String {
    match until {
        Some(until) => format!("{name} : du {from} au {until}"),
        None => format!("{name} : depuis le {from}"),
    }
}
pub const REFERENT_CHANGE_SAVED: &str =
    "Changement de référent enregistré : il sera appliqué à la prochaine synchronisation.";
pub const CLOSE_ENROLMENT: &str = "Clôturer l'accompagnement";
pub const SUMMARY: &str = "Synthèse";
pub const SITUATION: &str = "Situation";
pub const NEXT_APPOINTMENT: &str = "Prochain rendez-vous";
pub const NO_APPOINTMENT_PLANNED: &str = "Aucun rendez-vous prévu";
pub const ENROLMENT_IN_PROGRESS: &str = "Accompagnement en cours";
pub const NO_ENROLMENT_IN_PROGRESS: &str = "Aucun";
pub const RSA_BENEFICIARY_SHORT: &str = "allocataire du RSA";
pub const NOT_RSA_BENEFICIARY: &str = "non allocataire du RSA";

/// `42 ans`.
pub fn years_old(years: i32) -> String {
    if years < 2 {
        format!("{years} an")
    } else {
        format!("{years} ans")
    }
}

/// `ARPE avec Nicolas Garnier depuis le 04/10/2024`.
pub fn enrolment_in_progress(scheme: &str, referent: &str, since: &str) -> String {
    if referent.is_empty() {
        format!("{scheme} depuis le {since}")
    } else {
        format!("{scheme} avec {referent} depuis le {since}")
    }
}

/// Opens the exit form of an enrolment.
pub const RECORD_EXIT: &str = "Enregistrer une sortie";
pub const EXIT_DATE: &str = "Date de sortie";
pub const EXIT_REASON: &str = "Motif de sortie";
pub const CHOOSE_REASON: &str = "— Choisir un motif —";
pub const REASON_REQUIRED: &str = "Choisissez un motif de sortie.";
pub const CLOSING_SAVED: &str =
    "Sortie enregistrée : elle sera transmise à la prochaine synchronisation.";

pub fn closed_on(date: &str, reason: &str, outcome: &str) -> String {
    format!("clôturé le {date} — {reason} ({outcome})")
}

// Journal
pub const JOURNAL: &str = "Journal";
pub const NEW_NOTE: &str = "Nouvelle note";
pub const NOTE_DATE: &str = "Date de la note";
pub const ADD_NOTE: &str = "Ajouter la note";
pub const EDIT_NOTE: &str = "Modifier";
pub const SAVE_NEW_VERSION: &str = "Enregistrer la nouvelle version";
pub const REVISED: &str = "modifiée";
pub const NO_NOTES: &str = "Aucune note pour l'instant.";

pub fn note_by(date: &str, author: &str) -> String {
    format!("{date} — {author}")
}

pub const DELETE_PERSON: &str = "Supprimer la fiche";
pub const CONFIRM_DELETE: &str = "Supprimer cette fiche créée par erreur ? Si quelqu'un l'a modifiée entre-temps, la suppression sera refusée.";

// Home screen and list
pub const TODAY: &str = "Aujourd'hui";
pub const TODAY_APPOINTMENTS: &str = "Rendez-vous du jour";
pub const NO_APPOINTMENT_TODAY: &str = "Aucun rendez-vous aujourd'hui.";
pub const NOTHING_TO_REPORT: &str = "Rien à signaler.";
pub const NOT_SYNCED_OR_REFUSED: &str = "Non synchronisé ou refusé";
pub const ALL_SYNCED: &str = "Tout est synchronisé.";
pub const PEOPLE: &str = "Personnes";
pub const SCHEME: &str = "Dispositif";
pub const STATUS: &str = "Statut";
pub const IN_PROGRESS: &str = "En cours";
pub const EXITED: &str = "Sorti";
pub const ALERTS: &str = "Alertes";
pub const ALL: &str = "Tous";
pub const ANY_ALERT: &str = "Au moins une alerte";
pub const ALERT_NO_CONTACT: &str = "Sans contact depuis 60 jours";
pub const ALERT_CONTRACTS: &str = "Contrats manquants ou se terminant";
pub const ALERT_CONTRACT_MISSING: &str = "Contrat manquant";
pub const ALERT_CONTRACT_ENDING: &str = "Contrat se terminant sous 30 jours";
pub const ALERT_PLIE_NEAR: &str = "Parcours PLIE proches de 36 mois";
pub const ALERT_PLIE_LIMIT: &str = "Parcours PLIE à 36 mois";
pub const ALERT_DUPLICATE: &str = "Doublons possibles";
pub const ALERT_PENDING: &str = "Non synchronisé ou refusé";
pub const SORT_BY: &str = "Trier par";

pub fn and_more(hidden: usize) -> String {
    format!(
        "… et {} autres (filtre « Alertes » de la liste).",
        number(hidden)
    )
}

// Agenda
pub const AGENDA: &str = "Agenda";
pub const PERIOD: &str = "Période";
pub const DAY: &str = "Jour";
pub const WEEK: &str = "Semaine";
pub const PREVIOUS: &str = "Période précédente";
pub const NEXT: &str = "Période suivante";

// Person file details
pub const BIRTH_NAME: &str = "Nom de naissance";
pub const SEX: &str = "Sexe";
pub const CONTACT: &str = "Coordonnées";
pub const PHONE: &str = "Téléphone";
pub const EMAIL: &str = "E-mail";
pub const ADDRESS: &str = "Adresse";
pub const HOUSEHOLD: &str = "Foyer";
pub const HOUSEHOLD_SITUATION: &str = "Situation familiale";
pub const CHILDREN: &str = "Enfants à charge";
pub const RSA_FUND: &str = "Organisme payeur";
pub const ALLOCATAIRE: &str = "Numéro allocataire";
pub const RSA_SINCE: &str = "Au RSA depuis le";
pub const RIGHTS_AND_DUTIES: &str = "Soumis aux droits et devoirs";
pub const EDUCATION_AND_WORK: &str = "Formation et emploi";
pub const EDUCATION: &str = "Niveau de formation";
pub const LABOUR_MARKET: &str = "Situation sur le marché du travail";
pub const SELF_EMPLOYED: &str = "Statut d'indépendant";
pub const NOT_A_NUMBER: &str = "Saisissez un nombre entier.";
pub const FSE_ENTRY_DATA: &str = "Données FSE à l'entrée";
pub const FSE_ENTRY_HINT: &str = "Demandées pour les indicateurs du Fonds social européen. Le handicap et l'appartenance à une minorité sont des données sensibles : facultatives, la personne peut refuser de répondre.";
pub const DISABILITY: &str = "Situation de handicap (facultatif)";
pub const THIRD_COUNTRY_NATIONAL: &str = "Ressortissant d'un pays hors Union européenne";
pub const FOREIGN_BACKGROUND: &str = "Personne d'origine étrangère";
pub const MINORITY: &str =
    "Appartenance à une minorité, dont les communautés marginalisées (facultatif)";
pub const HOMELESS: &str = "Sans domicile ou exclu du logement";
pub const NOT_ASKED: &str = "— (pas encore demandé)";
pub const NOT_ASKED_SENSITIVE: &str = "— (non renseigné)";
pub const MORE_FIELDS: &str = "Compléter la fiche (coordonnées, foyer, RSA, formation, FSE)";
pub const DUPLICATE_AT_CREATION: &str =
    "Attention : une fiche qui ressemble à celle-ci existe déjà sur cet appareil :";
pub const SAVE_ANYWAY_HINT: &str =
    "Vérifiez qu'il ne s'agit pas de la même personne avant de créer la fiche.";
pub const SAVE_ANYWAY: &str = "Créer quand même";
pub const POSSIBLE_DUPLICATE: &str = "Doublon possible avec";
pub const NOT_A_DUPLICATE: &str = "Ce n'est pas la même personne";
pub const UNKNOWN: &str = "non renseigné";

pub fn fse_entry(age: i32, labour_market: &str, education: &str) -> String {
    format!("FSE à l'entrée : {age} ans, {labour_market}, {education}")
}

pub fn fse_exit(situation: &str) -> String {
    format!("FSE à la sortie : {situation}")
}

// Follow-up
pub const SAVED: &str = "Enregistré";
pub const DATE: &str = "Date";
pub const TIME: &str = "Heure";
pub const PLACE: &str = "Lieu";
pub const OBSTACLES: &str = "Freins";
pub const NO_OBSTACLE: &str = "— Aucun —";
pub const SINCE_DATE: &str = "Depuis le";
pub const CONTRACTS: &str = "Contrats d'engagement";
pub const NO_CONTRACT: &str = "Aucun contrat d'engagement.";
pub const NEW_CONTRACT: &str = "Nouveau contrat";
pub const SIGNED_ON: &str = "Signé le";
pub const CONTRACT_START: &str = "Début du contrat";
pub const CONTRACT_END: &str = "Fin du contrat";
pub const OBJECTIVES: &str = "Objectifs";
pub const WEEKLY_HOURS: &str = "Heures d'activité par semaine";
pub const SAVE_CONTRACT: &str = "Enregistrer le contrat";

pub const ORDERS: &str = "Bons de commande";
pub const NO_ORDER: &str = "Aucun bon de commande.";
pub const NEW_ORDER: &str = "Commander une prestation";
pub const NO_AGREEMENT_IN_FORCE: &str =
    "Aucun accord-cadre n'est en vigueur aujourd'hui : aucune commande n'est possible.";
pub const AGREEMENT: &str = "Accord-cadre";
pub const SERVICE: &str = "Prestation";
pub const QUANTITY: &str = "Quantité";
pub const ORDER_DATE: &str = "Date de commande";
pub const SAVE_ORDER: &str = "Enregistrer la commande";
pub const ORDER_WAITS: &str = "Le serveur décidera à la prochaine synchronisation : le montant maximum de la période y est vérifié.";

pub const AGREEMENTS: &str = "Marchés : accords-cadres et bons de commande";
pub const AGREEMENT_ALERTS: &str = "Accords-cadres en vigueur";
pub const NO_AGREEMENT_ALERT: &str =
    "Aucune période en vigueur n'atteint 80 % de son maximum (dernier état synchronisé).";

pub fn agreement_alert(provider: &str, ordered: &str, max: &str) -> String {
    format!("{provider} : {ordered} commandés sur {max}")
}

pub const SEE_FUNDS: &str =
    "Fonds agricoles : enveloppes d'Agridiff, de la cellule SESA et du fonds d'urgence →";
pub const FUNDS: &str = "Fonds agricoles";
pub const FUNDS_FOR_SUPERVISORS: &str = "Les fonds agricoles sont gérés par la supervision.";
pub const FUNDS_HELP: &str = "Chaque fonds a une enveloppe par année ; le serveur refuse une aide qui la dépasserait et dit ce qu'il restait.";
pub const FUND: &str = "Fonds";
pub const ENVELOPE: &str = "Enveloppe";
pub const ENVELOPE_TYPED: &str = "Montant de l'enveloppe (€)";
pub const GRANTED: &str = "Accordé";
pub const FARMS_SUPPORTED: &str = "Exploitations aidées";
pub const GRANTS: &str = "Aides accordées";
pub const GRANT_DATE: &str = "Date de l'aide";
pub const FARM: &str = "Exploitation";
pub const GRANT_PURPOSE: &str = "Objet de l'aide";
pub const GRANT_AMOUNT: &str = "Montant de l'aide (€)";
pub const SAVE_ENVELOPE: &str = "Enregistrer l'enveloppe";
pub const ENVELOPE_SAVED: &str = "Enveloppe enregistrée.";
pub const NEW_GRANT: &str = "Accorder une aide";
pub const SAVE_GRANT: &str = "Enregistrer l'aide";
pub const GRANT_SAVED: &str = "Aide enregistrée.";
pub const CHOOSE_FARM: &str = "Choisissez une exploitation.";
pub const NEW_FARM: &str = "Nouvelle exploitation";
pub const FARM_NAME: &str = "Nom de l'exploitation";
pub const SIRET: &str = "SIRET (facultatif)";
pub const FARMERS: &str = "Exploitants (un par ligne)";
pub const FARMERS_FOLLOWED: &str = "Exploitants accompagnés (fiches liées)";
pub const FARMERS_TYPED: &str = "Exploitants";
pub const FARMS: &str = "Exploitations";
pub const SIRET_SHORT: &str = "SIRET";
pub const FILE_NOT_HELD: &str = "Fiche hors de vos dispositifs";
pub const FIND_FARMER: &str = "Chercher une personne accompagnée (nom ou n° allocataire)";
pub const UNLINK: &str = "Retirer";

/// The summary that opens the list of farms.
pub fn show_farms(count: usize) -> String {
    match count {
        0 => "Aucune exploitation enregistrée".to_owned(),
        1 => "Voir l'exploitation enregistrée".to_owned(),
        n => format!("Voir les {n} exploitations enregistrées"),
    }
}

pub fn link_farmer(name: &str) -> String {
    format!("Lier {name}")
}

pub fn unlink_farmer(name: &str) -> String {
    format!("Retirer le lien avec {name}")
}
pub const SAVE_FARM: &str = "Enregistrer l'exploitation";
pub const FARM_SAVED: &str = "Exploitation enregistrée.";

pub fn funds_of_year(year: i32) -> String {
    format!("Fonds agricoles en {year}")
}

pub fn envelope_of_year(year: i32) -> String {
    format!("Enveloppe {year} d'un fonds")
}

pub const SEE_AGREEMENTS: &str = "Marchés : consommation des accords-cadres et bons de commande →";
pub const AGREEMENTS_FOR_SUPERVISORS: &str = "Les accords-cadres sont gérés par la supervision.";
pub const AGREEMENTS_HELP: &str = "Chaque période a un montant maximum que la somme des bons de commande ne dépasse jamais : le serveur refuse une commande au-delà. Alerte à 80 % et à 100 %.";
pub const BACK_TO_SUPERVISION: &str = "← Retour au pilotage";
pub const MAXIMUM: &str = "Maximum";
pub const MAXIMUM_TYPED: &str = "Montant maximum de la période (€)";
pub const ORDERED: &str = "Commandé";
pub const REFERRALS: &str = "Partenaires financiers";
pub const NO_REFERRAL: &str = "Aucune orientation vers un partenaire financier.";
pub const NEW_REFERRAL: &str = "Orienter vers un partenaire financier";
pub const PARTNER: &str = "Partenaire";
pub const PROJECT: &str = "Projet de création";
pub const REFERRAL_DATE: &str = "Date d'orientation";
pub const SAVE_REFERRAL: &str = "Enregistrer l'orientation";
pub const REFERRAL_WAITS: &str = "Le serveur décidera à la prochaine synchronisation : les places de la convention de l'année y sont comptées.";
pub const CHOOSE_PARTNER: &str = "Choisissez un partenaire.";
pub const PLACES_FULL: &str = "Selon le dernier état connu, toutes les places sont prises : le serveur refusera sans doute cette orientation.";
pub const RECORD_ANSWER: &str = "Enregistrer la réponse";
pub const ANSWER: &str = "Réponse du partenaire";
pub const CHOOSE_ANSWER: &str = "Choisissez la réponse du partenaire.";
pub const AMOUNT_GRANTED: &str = "Montant accordé (€)";
pub const BUSINESS_CREATED_ON: &str = "Entreprise créée le";
pub const SAVE_ANSWER: &str = "Valider la réponse";
pub const PARTNERS_TITLE: &str = "Partenaires financiers de la création d'entreprise";
pub const PARTNERS_INTRO: &str = "Conventions annuelles avec l'ADIE (microcrédit), Initiative Haute-Vienne (prêts d'honneur) et Limousin Actif (garanties d'emprunt) : places ouvertes, personnes orientées et réponses.";
pub const PARTNERS_ONLY_SUPERVISION: &str = "Les conventions des partenaires financiers sont suivies par la supervision. Orientez une personne depuis sa fiche, partie « Partenaires financiers ».";
pub const PLACES: &str = "Places";
pub const REFERRED: &str = "Orientées";
pub const GRANTED_COUNT: &str = "Accordées";
pub const REFUSED_COUNT: &str = "Refusées";
pub const WAITING_COUNT: &str = "En attente";
pub const WITHDRAWN_COUNT: &str = "Abandonnées";
pub const AMOUNT_GRANTED_TOTAL: &str = "Montants accordés";
pub const BUSINESSES: &str = "Entreprises créées";
pub const SET_PLACES: &str = "Fixer les places d'une convention";
pub const SAVE_PLACES: &str = "Enregistrer la convention";
pub const PARTNERS_LINK: &str = "Partenaires financiers";
pub const COFINANCING: &str = "Cofinancement des dispositifs";
pub const COFINANCING_HELP: &str = "Pour une année : les coûts de chaque dispositif (personnel et autres coûts déclarés, bons de commande de ses référents) et leur répartition entre le FSE, le Département, Limoges Métropole et France Travail selon les parts convenues.";
pub const COFINANCING_FOR_SUPERVISORS: &str =
    "Le cofinancement des dispositifs est suivi par la supervision.";
pub const SEE_COFINANCING: &str =
    "Voir le cofinancement des dispositifs (FSE, Département, Limoges Métropole, France Travail)";
pub const STAFF_COST: &str = "Coût du personnel (€)";
pub const OTHER_COSTS: &str = "Autres coûts (€)";
pub const SHARES: &str = "Parts des financeurs (%)";
pub const NOT_A_SHARE: &str = "Saisissez une part en pourcentage, par exemple 45 ou 45,5.";
pub const SAVE_PLAN: &str = "Enregistrer le plan de financement";
pub const PLAN_SAVED: &str = "Plan de financement enregistré.";
pub const EXPORT_COFINANCING_XLSX: &str = "Exporter le cofinancement (XLSX)";
pub const PLACES_SAVED: &str = "Convention enregistrée.";
pub const SEE_PARTNERS: &str =
    "Voir les partenaires financiers (ADIE, Initiative Haute-Vienne, Limousin Actif)";
pub const NO_PARTNER_YEAR: &str = "Aucune convention ni orientation.";
pub const SERVICE_DONE: &str = "Service fait";
pub const INVOICED: &str = "Facturé";
pub const PAID: &str = "Payé";
pub const LEFT: &str = "Reste";
pub const ALERT: &str = "Alerte";
pub const RENEW: &str = "Reconduire l'accord-cadre";
pub const SAVE_RENEWAL: &str = "Enregistrer la reconduction";
pub const NO_RENEWAL_LEFT: &str = "Reconduit deux fois : aucune reconduction n'est plus possible.";
pub const NEW_AGREEMENT: &str = "Nouvel accord-cadre";
pub const OBJECT: &str = "Objet";
pub const LOT: &str = "Lot";
pub const PERIOD_START: &str = "Début de la période";
pub const PERIOD_END: &str = "Fin de la période";
pub const PRICE_LIST: &str = "Bordereau de prix";
pub const PRICE_LIST_HINT: &str =
    "Une prestation par ligne : « intitulé ; prix unitaire », par exemple « Diagnostic ; 450,00 ».";
pub const SAVE_AGREEMENT: &str = "Enregistrer l'accord-cadre";
pub const AGREEMENT_SAVED: &str = "Accord-cadre enregistré.";
pub const NOT_AN_AMOUNT: &str = "Saisissez un montant en euros, par exemple 15 000,00.";
pub const AGREEMENT_PROVIDER: &str = "Prestataire";
pub const AMOUNT: &str = "Montant";
pub const STAGE: &str = "Étape";
pub const ACTIONS: &str = "Actions";

pub fn share_of_max(share: u32) -> String {
    format!("{share}\u{a0}% du maximum commandé")
}

pub fn periods_of(provider: &str) -> String {
    format!("Périodes de l'accord-cadre de {provider}")
}

pub fn referral_line(partner: &str, product: &str) -> String {
    format!("{partner} — {product}")
}

pub fn referred_on(date: &str, project: &str) -> String {
    format!("Orientée le {date} : {project}")
}

pub fn business_created(date: &str) -> String {
    format!("Entreprise créée le {date}")
}

pub fn places_left(left: u32, places: u32, year: i32) -> String {
    format!(
        "Places restantes sur la convention {year}, au dernier état connu : {left} sur {places}."
    )
}

pub fn no_partner_agreement(partner: &str, year: i32) -> String {
    format!("Aucune convention avec {partner} pour {year} : l'orientation sera refusée.")
}

pub fn plan_of_year(year: i32) -> String {
    format!("Plan de financement {year} d'un dispositif")
}

pub fn shares_hint(whole: u32) -> String {
    format!(
        "Laissez vide un financeur qui ne participe pas ; les parts font {whole}\u{a0}% en tout."
    )
}

pub fn partners_of_year(year: i32) -> String {
    format!("Partenaires financiers en {year}")
}

pub fn places_of(used: u32, places: Option<u32>) -> String {
    match places {
        Some(places) => format!("{used} / {places}"),
        None => format!("{used} (sans convention)"),
    }
}

pub fn order_line(label: &str, quantity: u32, amount: &str) -> String {
    format!("{label} × {quantity} — {amount}")
}

pub fn ordered_on(date: &str, provider: &str) -> String {
    format!("Commandé le {date} auprès de {provider}")
}

pub fn order_amount(amount: &str, left: &str) -> String {
    format!("Montant : {amount}. Reste sur la période, au dernier état connu : {left}.")
}

pub fn order_over_left(left: &str) -> String {
    format!(
        "Selon le dernier état connu, il ne reste que {left} sur la période : le serveur refusera sans doute cette commande."
    )
}

/// The button moving an order to `stage`.
pub fn order_action(stage: jalon_domain::money::orders::OrderStatus) -> &'static str {
    use jalon_domain::money::orders::OrderStatus;
    match stage {
        OrderStatus::Done => "Service fait",
        OrderStatus::Cancelled => "Annuler la commande",
        OrderStatus::Invoiced => "Marquer facturé",
        OrderStatus::Paid => "Marquer payé",
        OrderStatus::Placed => "Commandé",
    }
}

pub fn contract_dates(start: &str, end: &str) -> String {
    format!("Du {start} au {end}")
}

pub fn signed_on(date: &str, hours: i64) -> String {
    format!(" · signé le {date} · {hours} h par semaine")
}

pub const APPOINTMENTS: &str = "Rendez-vous";
pub const NO_APPOINTMENT: &str = "Aucun rendez-vous.";
pub const PLAN_APPOINTMENT: &str = "Planifier un rendez-vous";
pub const PLAN: &str = "Planifier";
pub const REPORT_APPOINTMENT: &str = "Saisir l'issue";
pub const OUTCOME: &str = "Issue du rendez-vous";
pub const REPORT: &str = "Compte rendu";
pub const STEPS: &str = "Étapes du parcours";
pub const NO_STEP: &str = "Aucune étape.";
pub const NEW_STEP: &str = "Nouvelle étape";
pub const STEP_KIND: &str = "Type d'étape";
pub const CHOOSE_KIND: &str = "Choisissez le type d'étape.";
pub const PROVIDER: &str = "Prestataire ou partenaire";
pub const PLANNED_START: &str = "Début prévu";
pub const PLANNED_END: &str = "Fin prévue";
pub const ADD_STEP: &str = "Ajouter l'étape";
pub const UPDATE_STEP: &str = "Mettre à jour";
pub const PLANNED: &str = "Prévu";
pub const ACTUAL: &str = "Réalisé";
pub const ACTUAL_START: &str = "Début réel";
pub const ACTUAL_END: &str = "Fin réelle";
pub const FROM: &str = "à partir du";

// Re-entry
pub const NEW_ENROLMENT: &str = "Nouvel accompagnement";
pub const CHOOSE_SCHEME: &str = "Choisissez le dispositif.";
pub const REFERENT: &str = "Référent";
pub const ENROL: &str = "Inscrire";
pub const ENROLMENT_SAVED: &str =
    "Accompagnement enregistré : il sera transmis à la prochaine synchronisation.";
pub const SECTIONS: &str = "Parties de la fiche";
pub const RESCHEDULE: &str = "Déplacer";
pub const MOVE_APPOINTMENT: &str = "Déplacer le rendez-vous";
pub const CHANGED_ELSEWHERE: &str = "La fiche a changé depuis l'ouverture de ce formulaire (autre appareil ou conflit résolu). Vos saisies sont conservées ; enregistrer compare chaque champ à la valeur que vous aviez sous les yeux.";
pub const RELOAD_FILE: &str = "Afficher la fiche à jour";

// Refused changes
pub const WHAT_WAS_TYPED: &str = "Ce qui avait été saisi :";
pub const COPY_TEXT: &str = "Copier le texte";
pub const COPIED: &str = "Copié dans le presse-papiers.";
pub const COPY_FAILED: &str = "Copie impossible : sélectionnez le texte pour le copier.";
pub const DISMISS: &str = "Retirer de la liste";
pub const UNKNOWN_PERSON: &str = "Personne inconnue sur cet appareil";
pub const APPOINTMENT: &str = "Rendez-vous";
pub const AT: &str = "à";
pub const STEP: &str = "Étape";
pub const DONE: &str = "Réalisé";
pub const CONTRACT: &str = "Contrat d'engagement";
pub const OBSTACLE: &str = "Frein";
pub const NEW_FILE: &str = "Nouvelle fiche";
pub const EXIT: &str = "Sortie";
pub const NOTE_OF: &str = "Note du";
pub const CHOSEN_VALUE: &str = "Valeur choisie";
pub const REFUSED_CHANGES: &str = "Modifications refusées";
pub const NOT_IN_CASELOAD: &str = "Cette personne ne fait plus partie de vos dossiers : elle quittera cet appareil à la prochaine synchronisation. Aucune modification n'est possible.";
pub const SENT_UNCONFIRMED: &str = "Envoyé · actualisation en attente";

// Devices wiped, locked
pub const ACCOUNT_DEACTIVATED: &str = "Ce compte a été désactivé : après l'envoi de ses modifications, les données de cet appareil ont été effacées.";
pub const WIPE_FAILED: &str =
    "L'effacement des données de cet appareil a échoué : fermez l'application et rouvrez-la.";
pub fn device_revoked(waiting: u32) -> String {
    let lost = match waiting {
        0 => "aucune modification n'attendait".to_owned(),
        1 => "1 modification en attente n'a pas été envoyée".to_owned(),
        n => format!("{n} modifications en attente n'ont pas été envoyées"),
    };
    format!(
        "Cet appareil a été révoqué par un administrateur : ses données ont été effacées et {lost}."
    )
}
pub const LOCKED_TITLE: &str = "Données verrouillées";
pub fn locked(days: i64) -> String {
    format!(
        "Cet appareil n'a pas joint le serveur depuis plus de {days} jours : ses données restent verrouillées jusqu'à la prochaine synchronisation. Connectez-vous à un réseau, puis synchronisez."
    )
}

// Account
pub const MY_ACCOUNT: &str = "Mon compte";
pub const CHANGE_PASSWORD: &str = "Changer de mot de passe";
pub const CURRENT_PASSWORD: &str = "Mot de passe actuel";
pub const NEW_PASSWORD: &str = "Nouveau mot de passe";
pub const NEW_PASSWORD_AGAIN: &str = "Nouveau mot de passe (à nouveau)";
pub const SAVE_PASSWORD: &str = "Enregistrer le mot de passe";
pub const PASSWORDS_DIFFER: &str = "Les deux saisies du nouveau mot de passe diffèrent.";
pub const PASSWORD_CHANGED: &str = "Mot de passe changé.";
pub const PASSWORD_NEEDS_NETWORK: &str =
    "Le changement de mot de passe demande une connexion au serveur : réessayez une fois en ligne.";
pub const TEMPORARY_PASSWORD_NOTICE: &str =
    "Votre mot de passe est provisoire : choisissez le vôtre pour accéder à Jalon.";
pub fn password_rule(min: usize) -> String {
    format!(
        "Au moins {min} caractères ; une phrase de plusieurs mots est idéale. Les mots de passe trop courants et ceux qui contiennent votre identifiant sont refusés."
    )
}
// Pilotage
pub const SUPERVISION: &str = "Pilotage";
pub const SUPERVISION_HELP: &str = "Chiffres calculés sur cet appareil à partir des dossiers qu'il détient, y compris hors connexion. File active mensuelle : personnes accompagnées au moins un jour du mois (ou le dernier jour, selon le réglage du dispositif).";
pub const SUPERVISION_NOT_FOR_ADMIN: &str = "Le pilotage est réservé aux superviseurs et aux référents : un compte administrateur ne détient aucun dossier.";
pub const MONTH: &str = "Mois";
pub const QUARTER: &str = "Trimestre";
pub const YEAR: &str = "Année";
pub const ALL_SCHEMES: &str = "Tous les dispositifs";
pub const PRINT: &str = "Imprimer";
pub const EXPORT_CSV: &str = "Exporter (CSV)";
pub const EXPORT_LIST_CSV: &str = "Exporter la liste (CSV)";
pub const EXPORT_LIST_XLSX: &str = "Exporter la liste (XLSX)";
pub const LIST_XLSX_NEEDS_NETWORK: &str = "L'export XLSX est préparé par le serveur : réessayez une fois en ligne, ou exportez la liste en CSV.";
pub const UNKNOWN_REFERENT: &str = "Référent inconnu";
pub const BULK_HAND_OVER: &str = "Transférer des personnes à un autre référent";
pub const BULK_HAND_OVER_HELP: &str = "Cochez les personnes dans la liste (ou choisissez toutes celles que les filtres gardent), puis le référent qui les suivra. Le transfert est enregistré sur cet appareil, même hors connexion, et part à la prochaine synchronisation.";
pub const CHOOSE_NONE: &str = "Ne rien choisir";
pub const HAND_OVER_CHOSEN: &str = "Transférer les personnes choisies";
pub const ALREADY_FOLLOWED: &str = "Ces personnes sont déjà suivies par ce référent.";
pub fn choose(name: &str) -> String {
    format!("Choisir {name}")
}
pub fn choose_all(n: usize) -> String {
    format!("Choisir les {} personnes en cours de la liste", number(n))
}
pub fn chosen_count(n: usize) -> String {
    match n {
        0 => "Aucune personne choisie.".to_owned(),
        1 => "1 personne choisie.".to_owned(),
        n => format!("{} personnes choisies.", number(n)),
    }
}
pub fn handed_over(n: usize, to: &str) -> String {
    match n {
        1 => format!("1 transfert vers {to} enregistré : il part à la prochaine synchronisation."),
        n => format!(
            "{} transferts vers {to} enregistrés : ils partent à la prochaine synchronisation.",
            number(n)
        ),
    }
}
pub const THIS_MONTH: &str = "Ce mois-ci : file active";
pub const TOTAL: &str = "Total";
pub const SEE_SUPERVISION: &str = "Voir le pilotage";
/// `1 257 personnes (dont 957 au RSA), +12 sur le mois précédent`.
pub fn file_active_line(active: usize, rsa: usize, change: Option<i64>) -> String {
    let change = match change {
        Some(0) => ", stable sur le mois précédent".to_owned(),
        Some(d) => format!(", {d:+} sur le mois précédent"),
        None => String::new(),
    };
    format!(
        "{} (dont {} au RSA){change}",
        people_count(active),
        number(rsa)
    )
}
pub const EXPORT_XLSX: &str = "Exporter le tableau de bord (XLSX)";
pub const XLSX_NEEDS_NETWORK: &str = "L'export XLSX est préparé par le serveur : réessayez une fois en ligne, ou exportez chaque tableau en CSV.";
pub fn quarter(q: u8) -> String {
    match q {
        1 => "1er trimestre".to_owned(),
        q => format!("{q}e trimestre"),
    }
}
pub const OTHER_DEVICES: &str = "Autres appareils";
pub const OTHER_DEVICES_HELP: &str = "Une tablette perdue, un poste resté connecté : fermez toutes vos sessions sauf celle-ci. Les modifications en attente sur ces appareils y restent jusqu'à ce que vous vous y reconnectiez.";
pub const SIGN_OUT_OTHER_DEVICES: &str = "Se déconnecter des autres appareils";
pub const OTHER_DEVICES_SIGNED_OUT: &str = "Vos autres sessions sont fermées.";
pub const SIGN_OUT_NEEDS_NETWORK: &str =
    "Cette action demande une connexion au serveur : réessayez une fois en ligne.";
pub const ADMINISTRATION: &str = "Administration";
pub const ACCESS_REPORT_LINK: &str = "Dossier complet (droit d'accès)";
pub const DOWNLOAD_FAILED: &str = "Le téléchargement a échoué.";

// Right of access
pub const BACK_TO_FILE: &str = "Retour à la fiche";
pub const ACCESS_REPORT_TITLE: &str = "Dossier complet (droit d'accès)";
pub const DOWNLOAD_JSON: &str = "Télécharger (JSON)";
pub const FOLLOW_UP: &str = "Suivi";
pub const CHANGE_HISTORY: &str = "Historique des modifications";
pub const FIELD: &str = "Champ";
pub const BEFORE: &str = "Avant";
pub const AFTER: &str = "Après";
pub const BY: &str = "Par";
pub const NOT_KEPT: &str = " (non retenue : conflit)";
pub const ACCESSES: &str = "Accès au dossier";
pub const WHO: &str = "Qui";
pub const WHAT: &str = "Quoi";
pub fn generated(at: &str, by: &str) -> String {
    format!("Produit le {at} par {by}.")
}
pub fn referent_change(on: &str, from: &str, to: &str) -> String {
    format!("Le {on} : confié par {from} à {to}")
}

// Administration
pub const ADMIN_ACCOUNTS: &str = "Comptes";
pub const ADMIN_SCHEMES: &str = "Dispositifs";
pub const ADMIN_AUDIT: &str = "Journal d'audit";
pub const ADMIN_RETENTION: &str = "Conservation";
pub const ADMIN_IMPORT: &str = "Import";
pub const ADMIN_ACCESS: &str = "Droit d'accès";
pub const ADMIN_ONLY: &str = "Cet écran est réservé aux administrateurs.";
pub const ADMIN_NEEDS_NETWORK: &str =
    "Serveur injoignable : l'administration demande une connexion.";
pub const LOGIN: &str = "Identifiant";
pub const DISPLAY_NAME: &str = "Nom affiché";
pub const ROLE: &str = "Rôle";
pub const PORTFOLIO_TARGET: &str = "Objectif de portefeuille (personnes)";
pub const SUPERVISED_SCHEMES: &str = "Dispositifs supervisés";
pub const NEW_ACCOUNT: &str = "Nouveau compte";
pub const CREATE_ACCOUNT: &str = "Créer le compte";
pub const TEMPORARY_PASSWORD_HELP: &str = "Transmettez-le à la personne par un canal sûr : il ne sera plus affiché, et devra être changé à la première connexion.";
pub const DEACTIVATED: &str = "Désactivé";
pub const TEMPORARY: &str = "Mot de passe provisoire";
pub const ACTIVE_ACCOUNT: &str = "Actif";
pub const NEVER_SIGNED_IN: &str = "Jamais connecté";
pub const EDIT: &str = "Modifier";
pub const CONFIRM_RESET_PASSWORD: &str = "Donner un nouveau mot de passe provisoire ? Les sessions en cours de ce compte seront fermées ; ses modifications en attente restent sur ses appareils.";
pub const RESET_PASSWORD: &str = "Nouveau mot de passe provisoire";
pub const CONFIRM_DEACTIVATE: &str = "Désactiver ce compte ? Il ne pourra plus se connecter ; ses appareils enverront leurs modifications en attente, puis seront effacés.";
pub const DEACTIVATE: &str = "Désactiver";
pub const REACTIVATE: &str = "Réactiver";
pub const DEVICES: &str = "Appareils";
pub const DEVICE: &str = "Appareil";
pub const FIRST_SEEN: &str = "Premier contact";
pub const LAST_SEEN: &str = "Dernier contact";
pub const APP_VERSION: &str = "Version";
pub const WAITING: &str = "En attente";
pub const STATE: &str = "État";
pub const CONFIRM_REVOKE: &str = "Révoquer cet appareil (perdu ou volé) ? Plus rien n'en sera accepté, et il sera effacé à sa prochaine connexion, sans envoyer ses modifications en attente.";
pub const REVOKE: &str = "Révoquer";
pub fn temporary_password_for(name: &str, login: &str) -> String {
    format!("Mot de passe provisoire de {name} ({login}) :")
}
pub fn followed(count: i64, target: Option<i64>) -> String {
    match target {
        Some(t) => format!("{count} personne(s) suivie(s) pour un objectif de {t}"),
        None => format!("{count} personne(s) suivie(s)"),
    }
}
pub fn last_sign_in(at: &str) -> String {
    format!("Dernière connexion le {at}")
}
pub const SCHEME_HISTORY: &str = "Historique des changements";
pub const EFFECTIVE_FROM: &str = "Date d'effet";
pub const TERRITORY: &str = "Territoire";
pub const RECORDED: &str = "Enregistré le";
pub const TERRITORY_COMMUNES: &str = "Communes (une par ligne : nom ou code INSEE)";
pub const TERRITORY_EPCI: &str = "EPCI (un code SIREN par ligne)";
pub const FILE_ACTIVE_RULE: &str =
    "File active mensuelle : une personne compte si elle est accompagnée";
pub const ANY_DAY: &str = "au moins un jour du mois";
pub const LAST_DAY: &str = "le dernier jour du mois";
pub const PATHWAY_LIMIT: &str = "Durée maximale d'un parcours (mois)";
pub const SAVE_SCHEME: &str = "Enregistrer le changement";
pub fn scheme_counts(followed: i64, outside: i64) -> String {
    if outside == 0 {
        format!("{followed} personne(s) suivie(s), toutes sur le territoire.")
    } else {
        format!(
            "{followed} personne(s) suivie(s), dont {outside} hors du territoire : signalées à leurs référents et superviseurs, qui décident."
        )
    }
}
pub fn scheme_saved(from: &str, outside: i64) -> String {
    format!(
        "Changement enregistré, en vigueur le {from}. Avec ce territoire, {outside} personne(s) suivie(s) habitent hors du territoire : aucune n'est déplacée, elles sont signalées à leurs référents et superviseurs."
    )
}
pub const PERSON_ID: &str = "Identifiant de la personne";
pub const USER: &str = "Utilisateur";
pub const TO: &str = "Au";
pub const ACTION: &str = "Action";
pub const DETAIL: &str = "Détail";
pub fn events_count(n: i64) -> String {
    match n {
        0 => "Aucun événement.".to_owned(),
        1 => "1 événement.".to_owned(),
        n => format!("{n} événements."),
    }
}
pub const SELECT: &str = "Sélectionner";
pub const LAST_CONTACT: &str = "Dernier contact";
pub const SCHEMES: &str = "Dispositifs";
pub fn retention_rule(years: i64, cutoff: &str, count: usize) -> String {
    format!(
        "Règle de conservation : {years} ans après le dernier contact, pour les personnes sans accompagnement en cours. Dossiers dont le dernier contact précède le {cutoff} : {count}. Rien n'est effacé avant votre confirmation ; les statistiques des années passées ne changent pas."
    )
}
pub fn confirm_purge(n: usize) -> String {
    format!(
        "Purger {n} dossier(s) ? L'identité, les coordonnées, les notes et les textes libres seront effacés définitivement, sur le serveur et sur tous les appareils."
    )
}
pub fn purge_button(n: usize) -> String {
    format!("Purger les {n} dossier(s) sélectionné(s)")
}
pub fn purged(purged: usize, skipped: usize) -> String {
    if skipped == 0 {
        format!("{purged} dossier(s) purgé(s).")
    } else {
        format!(
            "{purged} dossier(s) purgé(s) ; {skipped} ne l'étaient plus (un contact ou un accompagnement depuis la liste)."
        )
    }
}
pub const CHOOSE_FILE: &str = "Choisissez d'abord un fichier.";
pub const FILE_UNREADABLE: &str = "Le fichier est illisible.";
pub const IMPORT_HELP: &str = "Fichier CSV (séparateur « ; » ou « , », UTF-8 ou Windows-1252), une ligne par personne avec son accompagnement en cours. Colonnes : nom ; prénom ; date_naissance ; commune ; rsa ; dispositif ; référent ; date_entrée, et facultatives : sexe ; nom_naissance ; téléphone ; email ; adresse ; numéro_allocataire ; organisme_payeur. Vérifiez d'abord par un essai à blanc.";
pub const IMPORT_FILE: &str = "Fichier à importer";
pub const DRY_RUN: &str = "Essai à blanc";
pub const RUN_IMPORT: &str = "Importer";
pub const IMPORT_REPORT: &str = "Rapport d'import";
pub const DRY_RUN_REPORT: &str = "Rapport de l'essai à blanc (rien n'est enregistré)";
pub const LINE: &str = "Ligne";
pub const PERSON: &str = "Personne";
pub const WILL_CREATE: &str = "À créer";
pub const CREATED: &str = "Créée";
pub const LINE_REFUSED: &str = "Refusée";
pub const ALREADY_IMPORTED: &str = "Déjà importée";
pub fn import_summary(dry_run: bool, created: usize, refused: usize, already: usize) -> String {
    let verb = if dry_run { "à créer" } else { "créée(s)" };
    format!("{created} fiche(s) {verb}, {refused} refusée(s), {already} déjà importée(s).")
}
pub const ACCESS_HELP: &str = "Droit d'accès : retrouvez le dossier de la personne qui en fait la demande à partir de son identité exacte, puis ouvrez le dossier complet pour l'imprimer ou le télécharger. Chaque recherche et chaque production est enregistrée au journal d'audit.";
pub const FIND_FILE: &str = "Rechercher le dossier";
pub const NO_FILE_FOUND: &str = "Aucun dossier ne correspond exactement à cette identité.";
pub fn file_of(id: &str) -> String {
    format!("Dossier {id}")
}
pub const SINCE_DAY: &str = "Du";
pub const NEWER: &str = "Plus récents";
pub const OLDER: &str = "Plus anciens";
pub const EPCI_HINT: &str =
    "Limoges Métropole : 248719312. Les communes de chaque EPCI viennent des données de référence.";
pub const SERVER_BUSY: &str =
    "Le serveur est très sollicité : la synchronisation reprend dans un instant. Rien n'est perdu.";

// The accessibility statement (RGAA 4.1), `/accessibilite`.
pub const ACCESSIBILITY_LINK: &str = "Accessibilité : partiellement conforme";
pub const BACK_TO_APP: &str = "Retour à Jalon";

/// `Connecté en tant que Léa Roux (arpe1), Référent.`
pub fn signed_in_as(name: &str, login: &str, role: &str) -> String {
    format!("Connecté en tant que {name} ({login}), {role}.")
}

mod statement;
pub use statement::*;
