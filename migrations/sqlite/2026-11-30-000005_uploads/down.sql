DROP TABLE upload_segments;
DROP TABLE uploads;
