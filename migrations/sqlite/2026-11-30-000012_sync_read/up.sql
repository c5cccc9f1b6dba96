-- PostgreSQL only (a function for /sync's re-sync); SQLite reads its log by seq.
SELECT 1;
