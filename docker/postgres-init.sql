-- Runs once, when the postgres volume is first initialised: one database per app, because
-- each app owns its data and no app reads another's tables.
CREATE DATABASE auth;
CREATE DATABASE orders;
CREATE DATABASE profile;
