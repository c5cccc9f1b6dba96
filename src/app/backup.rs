//! `griot backup <file>`: a consistent copy of the SQLite database, taken
//! while the server runs. Restoring is stopping the server and putting the
//! copy in place of `DATABASE_URL`'s file.

use std::path::Path;

use crate::app::connect_and_migrate;
use crate::config::Settings;
use crate::db;

pub fn backup(settings: &Settings, target: &Path) -> Result<(), String> {
    let pool = connect_and_migrate(settings).map_err(|e| e.0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    db::backup(&mut conn, target)?;
    println!("backup written to {}", target.display());
    Ok(())
}
