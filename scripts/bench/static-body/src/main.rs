//! See Cargo.toml: a fixed-body ceiling for the benchmark's list scenarios.

use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};

const SIZES: [usize; 4] = [0, 1_000, 25_000, 66_000];

/// A JSON-looking body of exactly `n` bytes (roster-like lines).
fn body(n: usize) -> Bytes {
    let line = r#"{"session_id":"0194f0d2-7c1a-7a3e-9b1e-2f4c5d6e7f80","user_id":"0194f0d2-7c1a-7a3e-9b1e-2f4c5d6e7f81","status":"present"},"#;
    let mut s = String::from("{\"items\":[");
    while s.len() < n {
        s.push_str(line);
    }
    s.truncate(n);
    Bytes::from(s)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bodies = web::Data::new(SIZES.map(body));
    HttpServer::new(move || {
        App::new().app_data(bodies.clone()).route(
            "/b/{i}",
            web::get().to(|bodies: web::Data<[Bytes; 4]>, i: web::Path<usize>| async move {
                match bodies.get(i.into_inner()) {
                    Some(b) => HttpResponse::Ok()
                        .content_type("application/json")
                        .body(b.clone()),
                    None => HttpResponse::NotFound().finish(),
                }
            }),
        )
    })
    .workers(2)
    .bind("127.0.0.1:18090")?
    .run()
    .await
}
