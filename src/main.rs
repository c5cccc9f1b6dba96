//! The `griot` command: parse, configure, run. Everything else is in the library.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use griot::clock::SystemClock;
use griot::config::Settings;
use griot::startup::Application;
use griot::{cli, openapi, telemetry};

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
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn serve(mut settings: Settings) -> Result<(), String> {
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

fn fail(message: &str) -> ExitCode {
    eprintln!("griot: {message}");
    ExitCode::FAILURE
}
