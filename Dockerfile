# syntax=docker/dockerfile:1

# ---------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------
FROM rust:1-slim-bookworm AS builder

# libpq for diesel's PostgreSQL backend (SQLite is bundled and built with the
# image's gcc).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Build the dependencies alone first, against placeholder sources, so that this
# layer stays cached until Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
# .cargo/config.toml sets how the bundled SQLite is compiled.
COPY .cargo ./.cargo
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && : > src/lib.rs \
    && cargo build --release --locked --bin griot \
    && rm -rf src \
        target/release/griot \
        target/release/deps/griot-* \
        target/release/deps/libgriot-* \
        target/release/.fingerprint/griot-*

COPY src ./src
COPY migrations ./migrations
COPY api-spec ./api-spec
# Fonts embedded in certificate PDFs (include_bytes!).
COPY assets ./assets
# COPY keeps the build context's mtimes, which can be older than the
# placeholder build: touch so cargo rebuilds the crate itself.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin griot \
    && ./target/release/griot --help > /dev/null

# ---------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 griot \
    && useradd --system --uid 10001 --gid griot --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin griot \
    && mkdir -p /data \
    && chown griot:griot /data \
    && chmod 0750 /data

COPY --from=builder /app/target/release/griot /usr/local/bin/griot

ENV DATA_DIR=/data \
    DATABASE_URL=sqlite:///data/griot.db \
    BIND_ADDR=0.0.0.0:8080 \
    RUST_LOG=info \
    LOG_FORMAT=json

# Declared after the chown so the volume is initialised with that ownership.
VOLUME /data
WORKDIR /data
EXPOSE 8080
USER griot

# `griot healthcheck` GETs /health/ready on BIND_ADDR and exits 0/1.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/griot", "healthcheck"]

ENTRYPOINT ["/usr/local/bin/griot"]
CMD ["serve"]
