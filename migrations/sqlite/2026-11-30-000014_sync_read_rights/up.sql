-- PostgreSQL only (its re-sync function takes the caller's rights); SQLite reads its log by seq.
SELECT 1;
