//! The `griot` command: parse, configure, run. Everything else is in the library.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use griot::app::Application;
use griot::app::{backup, cli, housekeeping, openapi};
use griot::clock::SystemClock;
use griot::config::Settings;
use griot::telemetry;

#[derive(Parser)]
#[command(name = "griot", version, about = "Cohort LMS backend")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator or promote an existing account. The password
    /// comes from GRIOT_ADMIN_PASSWORD or, if unset, standard input.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        /// Country of a new account.
        #[arg(long, default_value = "CI")]
        country: String,
    },
    /// Fill an empty database with realistic data (per scale unit: a
    /// programme, 20 cohorts of 250 learners, 40 sessions each, attendance).
    Seed {
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// Cohorts per scale unit (default 20; fewer for quick runs).
        #[arg(long, default_value_t = 20)]
        cohorts: u32,
        /// Seed even though the database already holds users.
        #[arg(long)]
        force: bool,
    },
    /// Write the JSON the benchmark needs (ids, tokens) from a seeded database.
    #[command(hide = true)]
    BenchFixture {
        #[arg(long)]
        out: std::path::PathBuf,
        /// How many learner tokens to mint.
        #[arg(long, default_value_t = 1000)]
        users: i64,
    },
    /// Write a consistent copy of the SQLite database to FILE while the
    /// server runs (on PostgreSQL, use pg_dump).
    Backup { file: std::path::PathBuf },
    /// Delete what nothing needs any more (expired tokens, old check-in
    /// rows and throttles) once, and print what went; the server also does
    /// this every HOUSEKEEPING_INTERVAL_SECONDS.
    Housekeeping,
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 if the server on BIND_ADDR is ready (for container probes).
    Healthcheck,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", openapi::spec_json());
        return ExitCode::SUCCESS;
    }
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => return fail(&format!("configuration error: {e}")),
    };
    telemetry::init(settings.log_format);
    let result = match command {
        Command::Serve => serve(settings),
        Command::Migrate => cli::migrate(&settings),
        Command::CreateAdmin {
            email,
            name,
            country,
        } => cli::create_admin(&settings, &email, name.as_deref(), &country),
        Command::Healthcheck => cli::healthcheck(&settings),
        Command::Seed {
            scale,
            cohorts,
            force,
        } => seed(&settings, scale, cohorts, force),
        Command::BenchFixture { out, users } => bench_fixture(settings, &out, users),
        Command::Backup { file } => backup::backup(&settings, &file),
        Command::Housekeeping => housekeeping::command(&settings),
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// glibc raises its mmap threshold after the first large free, after which
/// argon2's 19 MiB buffers come from the heap and stay resident (measured:
/// +200-300 MiB peak RSS under a login flood). A fixed threshold keeps large
/// buffers in their own mappings, returned to the system when freed.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called once,
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

fn serve(mut settings: Settings) -> Result<(), String> {
    tune_allocator();
    // Only the server signs tokens; probes and admin commands must not
    // create a secret as a side effect.
    settings
        .ensure_jwt_secret()
        .map_err(|e| format!("configuration error: {e}"))?;
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings, Arc::new(SystemClock))
            .await
            .map_err(|e| e.0)?;
        app.run_until_stopped()
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}

fn seed(settings: &Settings, scale: u32, cohorts: u32, force: bool) -> Result<(), String> {
    let opts = griot::app::seed::SeedOptions {
        scale: scale.max(1),
        cohorts_per_unit: cohorts.max(1),
        force,
        ..Default::default()
    };
    let s = griot::app::seed::seed(settings, &opts)?;
    println!(
        "seeded {} users, {} cohorts, {} sessions, {} attendance records, {} assignments, \
         {} submissions, {} certificates, {} events with {} registrations, {} volunteers, \
         {} session ratings, {} series ({} sessions), {} invited learners \
         in {:.1} s (password: {})",
        s.users,
        s.cohorts,
        s.sessions,
        s.attendance,
        s.assignments,
        s.submissions,
        s.certificates,
        s.events,
        s.registrations,
        s.volunteers,
        s.feedback,
        s.series,
        s.series_sessions,
        s.invited,
        s.seconds,
        griot::app::seed::SEED_PASSWORD
    );
    Ok(())
}

fn bench_fixture(mut settings: Settings, out: &std::path::Path, users: i64) -> Result<(), String> {
    // Tokens must verify on the server: same secret, generated file included.
    settings
        .ensure_jwt_secret()
        .map_err(|e| format!("configuration error: {e}"))?;
    let fixture = griot::app::seed::bench_fixture(&settings, users)?;
    let json = serde_json::to_string_pretty(&fixture).map_err(|e| e.to_string())?;
    std::fs::write(out, json).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    println!("wrote {}", out.display());
    Ok(())
}

fn fail(message: &str) -> ExitCode {
    eprintln!("griot: {message}");
    ExitCode::FAILURE
}
