//! Operator commands other than `serve`: `migrate`, `create-admin`,
//! `healthcheck`.

use std::io::{BufRead, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use crate::app::connect_and_migrate;
use crate::clock::{Clock, SystemClock};
use crate::config::Settings;
use crate::crypto::password::{hash_blocking, MIN_PASSWORD_CHARS};
use crate::db::write_tx;
use crate::error::AppError;
use crate::users::{self, normalize_email, Language, NewUser, ProfileType, UserChanges, UserId};

pub fn migrate(settings: &Settings) -> Result<(), String> {
    // connect_and_migrate logs how many ran.
    connect_and_migrate(settings).map_err(|e| e.0)?;
    println!("migrations up to date");
    Ok(())
}

/// Creates an administrator, or promotes an existing account. The password
/// (needed only to create) comes from `GRIOT_ADMIN_PASSWORD` or stdin.
pub fn create_admin(
    settings: &Settings,
    email: &str,
    name: Option<&str>,
    country: &str,
) -> Result<(), String> {
    let email = normalize_email(email);
    if !email.contains('@') {
        return Err(format!("`{email}` is not an email address"));
    }
    let pool = connect_and_migrate(settings).map_err(|e| e.0)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let now = SystemClock.now_naive();
    if let Some(user) = users::find_by_email(&mut conn, &email).map_err(|e| e.to_string())? {
        let changes = UserChanges {
            is_admin: Some(true),
            is_active: Some(true),
            updated_at: Some(now),
            ..Default::default()
        };
        users::update(&mut conn, user.id, &changes).map_err(|e| e.to_string())?;
        println!("{email} is now an administrator (password unchanged)");
        return Ok(());
    }
    let password = match std::env::var("GRIOT_ADMIN_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => read_password_from_stdin()?,
    };
    if (password.chars().count() as u64) < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    let country = country.to_uppercase();
    if !users::country_exists(&mut conn, &country).map_err(|e| e.to_string())? {
        return Err(format!("unknown country `{country}`"));
    }
    let hash = hash_blocking(&password).map_err(|e| e.to_string())?;
    let default_name = email.split('@').next().unwrap_or("admin").to_owned();
    let full_name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .unwrap_or(&default_name);
    write_tx(&mut conn, |conn| {
        users::insert(
            conn,
            &NewUser {
                id: UserId::new(),
                email: &email,
                password_hash: &hash,
                full_name,
                country_code: &country,
                profile_type: ProfileType::Professional,
                language: Language::Fr,
                is_admin: true,
                is_active: true,
                created_at: now,
                updated_at: now,
            },
        )?;
        Ok::<_, AppError>(())
    })
    .map_err(|e| e.to_string())?;
    println!("administrator {email} created");
    Ok(())
}

fn read_password_from_stdin() -> Result<String, String> {
    eprint!("Password for the administrator (GRIOT_ADMIN_PASSWORD is not set): ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        return Err("no password given (set GRIOT_ADMIN_PASSWORD or pipe it on stdin)".into());
    }
    Ok(password)
}

/// `GET /health/ready` on the configured address; for container probes in
/// images that ship no HTTP client.
pub fn healthcheck(settings: &Settings) -> Result<(), String> {
    let addr = settings
        .bind_addr
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let target = addr
        .to_socket_addrs()
        .map_err(|e| format!("bad BIND_ADDR {addr}: {e}"))?
        .next()
        .ok_or_else(|| format!("BIND_ADDR {addr} resolves to nothing"))?;
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(3))
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        stream,
        "GET /health/ready HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).map_err(|e| e.to_string())?;
    let status = String::from_utf8_lossy(&head[9..12]).to_string();
    if status == "200" {
        Ok(())
    } else {
        Err(format!("not ready: HTTP {status}"))
    }
}
