//! The backend-dispatch macros that queries use ([`on_backend!`],
//! [`insert_chunked!`], [`static_sql!`]); each names what it buys.

/// Runs the same diesel expression on the inner connection of either
/// backend, for what the multi backend cannot express (upserts, multi-row
/// inserts), and for queries on hot paths: through the multi backend,
/// diesel renders the SQL text again at every execution to find the cached
/// statement (about 12 % of the CPU of `GET /me` in `perf`), while on a
/// concrete connection the statement is found by the query's type. `$c`
/// names the inner connection inside `$body`.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Pg($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Inserts `$rows` (a slice) into `$table`, `$size` rows per statement
/// (one statement per row costs a round trip each, one for them all can
/// pass the backends' limit on bind parameters), on the inner connection
/// (multi-row inserts): `QueryResult<usize>`, the rows inserted. Stops at
/// the first error.
#[macro_export]
macro_rules! insert_chunked {
    ($conn:expr, $table:expr, $rows:expr, $size:expr) => {
        (|| -> diesel::QueryResult<usize> {
            let mut inserted = 0;
            for chunk in $rows.chunks($size) {
                inserted += $crate::on_backend!(&mut *$conn, c => diesel::insert_into($table)
                    .values(chunk)
                    .execute(c))?;
            }
            Ok(inserted)
        })()
    };
}

/// A fixed SQL expression as a type of its own:
/// `static_sql!(pub Name: SqlType = "(SELECT …)")`. Unlike a `sql()`
/// literal it has a static query id, and diesel keeps prepared only the
/// statements whose every part has one: a literal made PostgreSQL parse and
/// plan its query at every execution (about 1 ms). The SQL may name the
/// columns of the tables of the query it is put in; compiling does not check
/// that, the tests do.
#[macro_export]
macro_rules! static_sql {
    ($(#[$meta:meta])* $vis:vis $name:ident : $sql_type:ty = $sql:expr) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping,
        )]
        $vis struct $name;

        impl diesel::Expression for $name {
            type SqlType = $sql_type;
        }

        impl<DB: diesel::backend::Backend> diesel::query_builder::QueryFragment<DB> for $name {
            fn walk_ast<'b>(
                &'b self,
                mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
            ) -> diesel::QueryResult<()> {
                out.push_sql($sql);
                Ok(())
            }
        }

        impl<QS> diesel::AppearsOnTable<QS> for $name {}
        impl<QS> diesel::SelectableExpression<QS> for $name {}
    };
}

/// Whether diesel keeps a query like `_` prepared (for tests of hot queries).
#[cfg(test)]
pub fn kept_prepared<Q: diesel::query_builder::QueryId>(_: &Q) -> bool {
    Q::HAS_STATIC_QUERY_ID
}

#[cfg(test)]
mod tests {
    use super::kept_prepared;

    #[test]
    fn a_sql_literal_is_not_kept_prepared_and_a_static_sql_type_is() {
        use crate::schema::sessions;
        use diesel::QueryDsl;
        crate::static_sql!(One: diesel::sql_types::BigInt = "1");
        let literal = sessions::table.select(diesel::dsl::sql::<diesel::sql_types::BigInt>("1"));
        assert!(!kept_prepared(&literal));
        assert!(kept_prepared(&sessions::table.select((sessions::id, One))));
    }
}
