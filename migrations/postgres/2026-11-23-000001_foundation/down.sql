DROP TABLE country_coordinators;
DROP TABLE refresh_tokens;
DROP TABLE users;
DROP TABLE countries;
