//! The server's command line: serve (the default), create an account, back up and restore the
//! database.
//!
//! ```text
//! jalon-server                                   serve
//! jalon-server admin create-user --login L --role admin --name "Prénom Nom"
//! jalon-server backup FILE                       online copy of the database (VACUUM INTO)
//! jalon-server restore FILE                      replace the database by a backup (server stopped)
//! ```
//!
//! Passwords are read from the terminal without echo, or from standard input when it is not a
//! terminal (one line) — never from the command line, which other users of the machine may see.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};
use jalon_domain::admin::accounts::{AccountForm, check_account, check_password};
use jalon_domain::auth::Role;
use jalon_domain::schemes::SchemeCode;
use uuid::Uuid;

use crate::Config;
use crate::db::{self, Db};

#[derive(Debug, Parser)]
#[command(name = "jalon-server", version, about = "Jalon's sync server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the app (the default).
    Serve,
    /// Administration of accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Copy the database, online, into FILE (which must not exist).
    Backup { file: PathBuf },
    /// Replace the database by the backup FILE. Stop the server first.
    Restore { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an account; its password is read from the terminal or standard input.
    CreateUser {
        #[arg(long)]
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The name shown to other users (defaults to the login).
        #[arg(long)]
        name: Option<String>,
        /// A référent's scheme.
        #[arg(long, value_enum)]
        scheme: Option<SchemeArg>,
        /// The schemes a supervisor oversees (repeat the option).
        #[arg(long, value_enum)]
        supervises: Vec<SchemeArg>,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Admin,
    Supervisor,
    Referent,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemeArg {
    Arpe,
    Plie,
    Global,
}

impl From<SchemeArg> for SchemeCode {
    fn from(s: SchemeArg) -> SchemeCode {
        match s {
            SchemeArg::Arpe => SchemeCode::Arpe,
            SchemeArg::Plie => SchemeCode::Plie,
            SchemeArg::Global => SchemeCode::Global,
        }
    }
}

/// What went wrong, in a sentence for the operator.
pub type CliError = Box<dyn std::error::Error>;

/// Runs a command other than `serve`.
pub async fn run(config: &Config, command: Command) -> Result<(), CliError> {
    match command {
        Command::Serve => unreachable!("serve is handled by main"),
        Command::Admin {
            command:
                AdminCommand::CreateUser {
                    login,
                    role,
                    name,
                    scheme,
                    supervises,
                },
        } => {
            let form = check_account(AccountForm {
                display_name: name.unwrap_or_else(|| login.clone()),
                username: login,
                role: match role {
                    RoleArg::Admin => Role::Administrator,
                    RoleArg::Supervisor => Role::Supervisor,
                    RoleArg::Referent => Role::Referent,
                },
                scheme: scheme.map(SchemeCode::from),
                supervised: supervises.into_iter().map(SchemeCode::from).collect(),
                portfolio_target: None,
            })
            .map_err(|invalid| invalid.to_string())?;
            let password = read_password(&form.username)?;
            let db = open(config).await?;
            create_user(&db, &form, &password).await?;
            db.close().await;
            println!(
                "Account {} created ({}).",
                form.username,
                form.role.label_fr()
            );
            Ok(())
        }
        Command::Backup { file } => {
            let db = open(config).await?;
            backup(&db, &file).await?;
            db.close().await;
            println!("Backup written to {}.", file.display());
            Ok(())
        }
        Command::Restore { file } => {
            let target = database_file(config)?;
            restore(&file, &target).await?;
            println!(
                "{} restored from {}. Start the server again.",
                target.display(),
                file.display()
            );
            Ok(())
        }
    }
}

async fn open(config: &Config) -> Result<Db, CliError> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = Db::connect(&config.database_url()).await?;
    db.ensure_schemes().await?;
    Ok(db)
}

/// Reads a password twice from the terminal, or once from standard input, and checks it
/// against the policy.
fn read_password(login: &str) -> Result<String, CliError> {
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (12 characters or more): ")?;
        let again = rpassword::prompt_password("Password again: ")?;
        if first != again {
            return Err("the two passwords differ".into());
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    check_password(&password, login).map_err(|invalid| invalid.to_string())?;
    Ok(password)
}

/// Creates an account with a password of its own (no change required at sign-in).
pub async fn create_user(db: &Db, form: &AccountForm, password: &str) -> Result<Uuid, CliError> {
    let hash = crate::auth::hash_password(password).map_err(|e| e.to_string())?;
    let id = Uuid::new_v4();
    let mut tx = db.begin_write().await?;
    if db::accounts::login_taken(&mut tx, &form.username, None).await? {
        return Err(format!("the login {} is already used", form.username).into());
    }
    db::accounts::create(&mut tx, id, form, &hash, false, crate::auth::now_unix()).await?;
    db::audit::record(
        &mut tx,
        &db::audit::NewEvent {
            at: crate::auth::now_unix(),
            action: "account.create",
            detail: &format!("{{\"account\":\"{id}\",\"by\":\"command line\"}}"),
            ..db::audit::NewEvent::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// An online, consistent copy of the database (`VACUUM INTO`), while the server runs.
pub async fn backup(db: &Db, file: &Path) -> Result<(), CliError> {
    if file.exists() {
        return Err(format!("{} already exists", file.display()).into());
    }
    db.backup_into(file).await?;
    Ok(())
}

/// The file of the configured SQLite database.
fn database_file(config: &Config) -> Result<PathBuf, CliError> {
    let url = config.database_url();
    let path = url
        .strip_prefix("sqlite://")
        .ok_or("restore works on a SQLite database (sqlite://…)")?;
    Ok(PathBuf::from(path.split('?').next().unwrap_or(path)))
}

/// Replaces the database file by a backup, after checking the backup is a sound Jalon
/// database. The server must be stopped. The replaced file is kept beside as `.before-restore`.
pub async fn restore(backup: &Path, target: &Path) -> Result<(), CliError> {
    if !backup.is_file() {
        return Err(format!("{} is not a file", backup.display()).into());
    }
    Db::check_backup(backup).await?;
    if target.exists() {
        // Fold the write-ahead log into the file kept aside, so that it is whole.
        Db::checkpoint(target).await?;
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(backup, &staging)?;
    std::fs::File::open(&staging)?.sync_all()?;
    if target.exists() {
        std::fs::rename(target, target.with_extension("before-restore"))?;
    }
    for suffix in ["-wal", "-shm"] {
        let mut side = target.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(side));
    }
    std::fs::rename(&staging, target)?;
    Ok(())
}
