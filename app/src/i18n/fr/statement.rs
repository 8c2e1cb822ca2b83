//! The accessibility statement (RGAA 4.1), `/accessibilite`: partial compliance until an
//! audit; keep its list of gaps true as the accessibility work lands.

pub const A11Y_TITLE: &str = "Déclaration d'accessibilité";
pub const A11Y_COMMITMENT: &str = "Le Département s'engage à rendre ses services numériques accessibles, conformément à l'article 47 de la loi n° 2005-102 du 11 février 2005.";
pub const A11Y_SCOPE: &str = "Cette déclaration d'accessibilité s'applique à Jalon, l'application de suivi de l'accompagnement socioprofessionnel des allocataires du RSA.";
pub const A11Y_STATUS_TITLE: &str = "État de conformité";
pub const A11Y_STATUS: &str = "Jalon est partiellement conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA), version 4.1, en raison des non-conformités et des vérifications manquantes énumérées ci-dessous. Aucun audit de conformité n'a encore été réalisé.";
pub const A11Y_GAPS_TITLE: &str = "Contenus non accessibles ou non vérifiés";
pub const A11Y_GAPS: &[&str] = &[
    "Aucun audit humain n'a encore été réalisé ; l'outil automatique qui contrôle les écrans ne détecte qu'une partie des défauts possibles.",
    "Aucun parcours n'a encore été vérifié avec un lecteur d'écran.",
    "Sur un écran étroit, le nom de la personne connectée peut être tronqué dans la barre du haut ; le nom complet figure sur la page « Mon compte ».",
];
pub const A11Y_DONE_TITLE: &str = "Ce qui est déjà fait";
pub const A11Y_DONE: &[&str] = &[
    "À chaque version, un outil automatique (axe-core, règles WCAG 2.1 niveaux A et AA) contrôle tous les écrans de chaque profil — connexion, accueil et liste, fiche d'une personne avec toutes ses parties ouvertes, conflit à résoudre, erreurs de saisie, agenda, nouvelle personne, compte, pilotage, dossier complet, administration — et n'y relève aucune erreur.",
    "À chaque version, un parcours complet (connexion, nouvelle personne, recherche, rendez-vous planifié puis saisi, note, sortie) est parcouru au clavier seul, le focus restant visible sur chaque commande atteinte.",
    "Les messages d'erreur sous les champs sont reliés à leur champ et annoncés par les lecteurs d'écran dès qu'ils apparaissent.",
    "Chaque graphique du pilotage est accompagné du tableau de ses données.",
    "Les dates se saisissent en texte (jj/mm/aaaa) et les heures sur 24 heures (hh:mm), avec le format indiqué à côté du libellé.",
    "Les champs ont un libellé visible ; les zones tactiles mesurent au moins 44 pixels ; le focus clavier est visible.",
    "L'interface est en français ; la langue de la page est déclarée.",
];
pub const A11Y_ESTABLISHED_TITLE: &str = "Établissement de cette déclaration";
pub const A11Y_ESTABLISHED: &str = "Cette déclaration a été établie le 2 décembre 2026. Technologies utilisées : HTML, CSS, WebAssembly. Les tests automatisés de l'application utilisent Chromium.";
pub const A11Y_CONTACT_TITLE: &str = "Retour d'information et contact";
pub const A11Y_CONTACT: &str = "Si vous n'arrivez pas à utiliser une partie de Jalon, signalez-le à l'administrateur de Jalon de votre dispositif, qui transmet au service numérique du Département : une solution vous sera proposée, ou l'information sous une autre forme.";
pub const A11Y_REMEDY_TITLE: &str = "Voies de recours";
pub const A11Y_REMEDY: &str = "Si vous avez signalé un défaut d'accessibilité qui vous empêche d'accéder à un contenu ou à une fonctionnalité et que vous n'avez pas obtenu de réponse satisfaisante, vous pouvez saisir le Défenseur des droits : par son formulaire en ligne, auprès de l'un de ses délégués dans votre région, ou par courrier gratuit.";
